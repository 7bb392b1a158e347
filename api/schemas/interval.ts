// The api's form of a confidence interval: an object { low, high }, which OpenAPI tools and client
// generators understand (a zod tuple becomes prefixItems, which Prism and most generators reject).
import { z } from 'zod';

export const IntervalSchema = z
  .object({ low: z.number().describe('Lower bound'), high: z.number().describe('Upper bound') })
  .meta({ id: 'Interval', description: 'A 95% interval' });

export type IntervalDto = z.infer<typeof IntervalSchema>;

/** The engine's [low, high] tuple as the api's { low, high } (null stays null). */
export function toIntervalDto(interval: readonly [number, number] | null): IntervalDto | null {
  return interval ? { low: interval[0], high: interval[1] } : null;
}
