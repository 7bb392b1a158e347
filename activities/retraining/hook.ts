// The model-retraining hook of the learn phase: export the cycle's suggestion-feedback dataset, then tell each
// configured retraining pipeline where it is. Safe to repeat: the export is written once per cycle (a retry
// reads back the first manifest), and every notifier derives its id from the cycle, so a pipeline starts once.
import type { Db } from '../../db/knex';
import { resolvedSuggestionBatches } from '../../db/queries/resolved-suggestions';
import { appendAudit } from '../../db/repos/audit';
import type { ThresholdRecommendation } from '../../engine/learning/suggestions';
import type { CycleContext } from '../context';
import { DATASET_FILE, exportDataset, MANIFEST_FILE, type DatasetManifest } from './dataset';
import path from 'node:path';

/** What a retraining pipeline receives: the manifest and where its files are. */
export interface RetrainingRequest {
  manifest: DatasetManifest;
  directory: string;
  datasetPath: string;
  manifestPath: string;
  dryRun: boolean;
}

export interface RetrainingNotifier {
  /** e.g. `workflow retrainModel on ml-training` or `webhook https://ml.internal`. */
  name: string;
  /** `already` when this cycle's notification had been received before (a retry). */
  notify(request: RetrainingRequest): Promise<{ id: string; outcome: 'notified' | 'already' }>;
}

export interface RetrainingHook {
  dir: string;
  notifiers: readonly RetrainingNotifier[];
  /** Notify for dry-run cycles too (their dataset is always exported). */
  notifyInDryRun: boolean;
}

/** The id of a cycle's notification: the retraining workflow id and the webhook-id. */
export const retrainingIdOf = (cycleId: string) => `retrain-${cycleId}`;

export async function exportForRetraining(
  deps: { db: Db; clock: () => Date; hook: RetrainingHook },
  ctx: CycleContext,
  threshold: ThresholdRecommendation,
): Promise<{ rows: number; notified: number }> {
  const { db, hook } = deps;
  const out = await exportDataset(
    hook.dir,
    { cycleId: ctx.cycleId, createdAt: deps.clock().toISOString(), threshold },
    resolvedSuggestionBatches(db, new Date(ctx.now)),
  );
  const directory = path.resolve(out.path);
  await appendAudit(db, {
    actor: 'engine',
    cycleId: ctx.cycleId,
    event: 'retraining.exported',
    target: directory,
    after: { rowCount: out.manifest.rowCount, sha256: out.manifest.sha256, threshold: threshold.recommended },
    dryRun: ctx.dryRun,
    dedupeKey: `retraining.exported:${ctx.cycleId}`,
  });
  if (ctx.dryRun && !hook.notifyInDryRun) return { rows: out.manifest.rowCount, notified: 0 };
  const request: RetrainingRequest = {
    manifest: out.manifest,
    directory,
    datasetPath: path.join(directory, DATASET_FILE),
    manifestPath: path.join(directory, MANIFEST_FILE),
    dryRun: ctx.dryRun,
  };
  let notified = 0;
  for (const notifier of hook.notifiers) {
    const answer = await notifier.notify(request);
    notified++;
    await appendAudit(db, {
      actor: 'engine',
      cycleId: ctx.cycleId,
      event: 'retraining.notified',
      target: notifier.name,
      after: { id: answer.id, outcome: answer.outcome, sha256: out.manifest.sha256 },
      dryRun: ctx.dryRun,
      dedupeKey: `retraining.notified:${ctx.cycleId}:${notifier.name}`,
    });
  }
  return { rows: out.manifest.rowCount, notified };
}
