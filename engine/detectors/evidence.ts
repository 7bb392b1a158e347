// Shapes of the raw evidence the detector queries return: a count plus a bounded, ordered sample of ids.
export interface SampledCount {
  count: number;
  /** The smallest ids (ascending), at most the query's sample size. */
  sampleIds: number[];
}

/** part / whole, 0 when the whole is empty; rounded to 6 decimals so evidence stays readable. */
export function shareOf(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : 0;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
