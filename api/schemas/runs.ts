// Bodies and responses of the routes that start cycle workflows.
import { z } from 'zod';
import { CYCLE_KINDS, PHASES } from '../../engine/types';

const PhaseEnum = z.enum(PHASES);

const dryRunFields = {
  dryRun: z.boolean().optional().describe('Default true. false (live: effects are executed) requires the admin role.'),
  dry_run: z.boolean().optional().describe("Alias of dryRun (the seed api's spelling)"),
};

const agree = (b: { dryRun?: boolean; dry_run?: boolean } | null | undefined) =>
  !b || b.dryRun === undefined || b.dry_run === undefined || b.dryRun === b.dry_run;
const disagreeIssue = { message: 'dryRun and dry_run disagree: send one of them', path: ['dry_run'] };

export const RunCycleBody = z
  .strictObject({
    ...dryRunFields,
    phases: z
      .array(PhaseEnum)
      .min(1, 'phases must not be empty: omit it to run every phase')
      .max(PHASES.length)
      .refine((p) => new Set(p).size === p.length, 'phases must not repeat')
      .optional()
      .describe(`A subset of ${PHASES.join(', ')}; run in that canonical order whatever the order given`),
    full: z
      .boolean()
      .optional()
      .describe(
        'Default false. true: the analyze phase rebuilds the event rollups from every event instead of folding the new ones (minutes at a million users)',
      ),
  })
  .refine(agree, disagreeIssue)
  .nullish()
  .describe('Optional; {} runs a dry-run cycle of every phase');

export const RunBody = z
  .strictObject(dryRunFields)
  .refine(agree, disagreeIssue)
  .nullish()
  .describe('Optional; {} runs dry');

export const StartedSchema = z
  .object({
    cycleId: z.string().describe('The workflow id; also engine.cycles.id'),
    runId: z.string(),
    dryRun: z.boolean(),
    kind: z.enum(CYCLE_KINDS),
    workflowType: z.string(),
    links: z.object({
      self: z.string(),
      progress: z.string(),
      temporalUi: z.string().nullable(),
    }),
  })
  .meta({ id: 'StartedCycle' });

/** The effective dry-run flag of a body: dryRun, else dry_run, else true (dry-run is the default). */
export function effectiveDryRun(body: { dryRun?: boolean; dry_run?: boolean } | null | undefined): boolean {
  return body?.dryRun ?? body?.dry_run ?? true;
}
