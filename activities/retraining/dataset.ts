// The model-retraining dataset of a cycle: resolved ML suggestions as JSON Lines plus a manifest (schema, row
// count, sha256, the recommended display threshold and its figures). formatDataset is pure; writeDataset
// writes `<dir>/<cycleId>/` atomically (a temp directory renamed into place) and once per cycle.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ThresholdRecommendation } from '../../engine/learning/suggestions';
import { ValidationError } from '../../engine/safety/errors';

export interface ResolvedSuggestionRow {
  id: number;
  kind: string;
  confidence: number;
  status: 'applied' | 'dismissed';
  modelVersion: string | null;
  shownAt: string;
  /** Null for a resolved row the platform did not timestamp (the analysis counts it when shown before now). */
  resolvedAt: string | null;
}

export const DATASET_FILE = 'suggestions.jsonl';
export const MANIFEST_FILE = 'manifest.json';

/** The fields of every line, in order; `label` is 1 for applied, the training target. */
export const DATASET_FIELDS = [
  { name: 'suggestion_id', type: 'integer', nullable: false },
  { name: 'kind', type: 'string', nullable: false },
  { name: 'model_version', type: 'string', nullable: true },
  { name: 'confidence', type: 'number', nullable: false, description: 'the model score shown, in [0, 1]' },
  { name: 'outcome', type: 'string', nullable: false, enum: ['applied', 'dismissed'] },
  { name: 'label', type: 'integer', nullable: false, description: '1 when applied, 0 when dismissed' },
  { name: 'shown_at', type: 'string', format: 'date-time', nullable: false },
  { name: 'resolved_at', type: 'string', format: 'date-time', nullable: true },
] as const;

export interface DatasetManifest {
  formatVersion: 1;
  cycleId: string;
  createdAt: string;
  file: string;
  rowCount: number;
  /** Rows left out because their confidence is outside [0, 1] (as the suggestion analysis does). */
  excludedRows: number;
  sha256: string;
  schema: { fields: typeof DATASET_FIELDS };
  recommendedThreshold: {
    threshold: number | null;
    reason: string;
    sampleSize: number;
    minResolved: number;
    dismissCost: number;
    appliedGain: number;
    breakEvenConfidence: number;
    /** The candidate's figures at the recommended threshold; null without a recommendation. */
    figures: {
      shown: number;
      applied: number;
      dismissed: number;
      utility: number;
      adoptionRate: number | null;
      precision: number | null;
      coverage: number | null;
    } | null;
  };
}

export interface Dataset {
  jsonl: string;
  manifest: DatasetManifest;
}

const iso = (s: string) => new Date(s).toISOString();

export function formatDataset(input: {
  cycleId: string;
  createdAt: string;
  rows: readonly ResolvedSuggestionRow[];
  threshold: ThresholdRecommendation;
}): Dataset {
  const valid = input.rows.filter((r) => Number.isFinite(r.confidence) && r.confidence >= 0 && r.confidence <= 1);
  // Sorted so the same rows give the same bytes and checksum whatever order the query returned.
  const resolvedMs = (r: ResolvedSuggestionRow) => Date.parse(r.resolvedAt ?? r.shownAt);
  const sorted = [...valid].sort((a, b) => resolvedMs(a) - resolvedMs(b) || a.id - b.id);
  const jsonl = sorted
    .map((r) =>
      JSON.stringify({
        suggestion_id: r.id,
        kind: r.kind,
        model_version: r.modelVersion,
        confidence: r.confidence,
        outcome: r.status,
        label: r.status === 'applied' ? 1 : 0,
        shown_at: iso(r.shownAt),
        resolved_at: r.resolvedAt === null ? null : iso(r.resolvedAt),
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
  const t = input.threshold;
  const c = t.recommendedCandidate;
  return {
    jsonl,
    manifest: {
      formatVersion: 1,
      cycleId: input.cycleId,
      createdAt: iso(input.createdAt),
      file: DATASET_FILE,
      rowCount: sorted.length,
      excludedRows: input.rows.length - valid.length,
      sha256: crypto.createHash('sha256').update(jsonl).digest('hex'),
      schema: { fields: DATASET_FIELDS },
      recommendedThreshold: {
        threshold: t.recommended,
        reason: t.reason,
        sampleSize: t.sampleSize,
        minResolved: t.minResolved,
        dismissCost: t.dismissCost,
        appliedGain: t.appliedGain,
        breakEvenConfidence: t.breakEvenConfidence,
        figures: c
          ? {
              shown: c.shown,
              applied: c.applied,
              dismissed: c.dismissed,
              utility: c.utility,
              adoptionRate: c.adoptionRate,
              precision: c.precision,
              coverage: c.coverage,
            }
          : null,
      },
    },
  };
}

async function writeDurably(file: string, content: string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readManifest(dir: string): Promise<DatasetManifest | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as DatasetManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes `<dir>/<cycleId>/{suggestions.jsonl,manifest.json}`; a cycle already written is left as it is. */
export async function writeDataset(
  dir: string,
  dataset: Dataset,
): Promise<{ path: string; written: boolean; manifest: DatasetManifest }> {
  const { cycleId } = dataset.manifest;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(cycleId)) {
    throw new ValidationError(`cycleId ${JSON.stringify(cycleId)} cannot name a directory`, [
      { path: 'cycleId', message: 'letters, digits, ".", "_" and "-" only' },
    ]);
  }
  const target = path.join(dir, cycleId);
  const existing = await readManifest(target);
  if (existing) return { path: target, written: false, manifest: existing };

  await fs.mkdir(dir, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(dir, `.${cycleId}.tmp-`));
  try {
    await writeDurably(path.join(tmp, DATASET_FILE), dataset.jsonl);
    await writeDurably(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(dataset.manifest, null, 2)}\n`);
    await fs.rename(tmp, target);
    return { path: target, written: true, manifest: dataset.manifest };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    // Another writer renamed its copy into place first: theirs stands.
    const code = (err as NodeJS.ErrnoException).code;
    const winner = code === 'ENOTEMPTY' || code === 'EEXIST' ? await readManifest(target) : null;
    if (winner) return { path: target, written: false, manifest: winner };
    throw err;
  }
}
