// The alert routing policy (zod): which severities go to which channel, reminders, flap suppression and
// silence windows, with the documented defaults of docs/alerts.md.
import { z } from 'zod';

const channels = z.array(z.string().min(1)).describe('channel names, as the wiring registers them');
const minutes = z.number().int().positive();

export const silenceSchema = z
  .object({
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    reason: z.string().min(1),
    /** Limits the silence to these severities / detectors / fingerprints; absent means every finding. */
    severities: z.array(z.enum(['critical', 'high', 'medium', 'low', 'info'])).optional(),
    detectors: z.array(z.string().min(1)).optional(),
    fingerprints: z.array(z.string().min(1)).optional(),
  })
  .refine((s) => Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });

export const alertPolicySchema = z.object({
  routes: z.object({ critical: channels, high: channels, medium: channels, low: channels, info: channels }).default({
    critical: ['pagerduty', 'slack', 'webhook'],
    high: ['slack', 'webhook'],
    medium: ['slack', 'webhook'],
    low: ['webhook'],
    info: [],
  }),
  reminders: z
    .object({ everyMinutes: minutes, channels })
    .default({ everyMinutes: 240, channels: ['slack'] })
    .describe('a reminder on these channels while a triggered finding stays open, at most once per interval'),
  flap: z
    .object({ maxTransitions: z.number().int().positive(), windowMinutes: minutes, stableMinutes: minutes })
    .default({ maxTransitions: 4, windowMinutes: 120, stableMinutes: 60 })
    .describe(
      'more than maxTransitions open/resolve changes within windowMinutes → resolves and re-triggers wait until ' +
        'the finding has not changed for stableMinutes',
    ),
  silences: z.array(silenceSchema).default([]).describe('windows in which triggers and reminders are held'),
});

export type AlertPolicy = z.infer<typeof alertPolicySchema>;
export type Silence = z.infer<typeof silenceSchema>;

export const DEFAULT_ALERT_POLICY: AlertPolicy = alertPolicySchema.parse({});
