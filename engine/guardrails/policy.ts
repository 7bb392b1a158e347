// The `guardrails` policy (zod): the level of the always-valid test, its mixture width, the sample each arm
// needs before anything is concluded, and per metric how severe a breach is and the margin of harm beyond
// which even a metric of minor severity is a major breach (docs/safety.md#guardrails).
import { z } from 'zod';

const metricPolicy = z.strictObject({
  severity: z.enum(['minor', 'major'], { error: "severity must be 'minor' or 'major'" }),
  margin: z
    .number({ error: 'must be a number' })
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .describe('absolute rate difference (treated − holdout): a lower bound of the harm above it is major'),
});

export const guardrailPolicySchema = z.strictObject({
  alpha: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(0.1, 'must be at most 0.1'),
  tau: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(1, 'must be at most 1'),
  minPerArm: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000'),
  metrics: z.strictObject({
    unsubscribe: metricPolicy,
    complaint: metricPolicy,
    churn: metricPolicy,
    downgrade: metricPolicy,
  }),
});

export type GuardrailPolicy = z.infer<typeof guardrailPolicySchema>;

/** Version 1 (the migration's row): complaints and churn are severe; unsubscribes and downgrades are not, up to a margin. */
export const DEFAULT_GUARDRAIL_POLICY: GuardrailPolicy = {
  alpha: 0.01,
  tau: 0.05,
  minPerArm: 100,
  metrics: {
    unsubscribe: { severity: 'minor', margin: 0.02 },
    complaint: { severity: 'major', margin: 0.005 },
    churn: { severity: 'major', margin: 0.02 },
    downgrade: { severity: 'minor', margin: 0.02 },
  },
};
