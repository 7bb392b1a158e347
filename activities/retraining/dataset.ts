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

const isValid = (r: ResolvedSuggestionRow) => Number.isFinite(r.confidence) && r.confidence >= 0 && r.confidence <= 1;

function lineOf(r: ResolvedSuggestionRow): string {
  const line = JSON.stringify({
    suggestion_id: r.id,
    kind: r.kind,
    model_version: r.modelVersion,
    confidence: r.confidence,
    outcome: r.status,
    label: r.status === 'applied' ? 1 : 0,
    shown_at: iso(r.shownAt),
    resolved_at: r.resolvedAt === null ? null : iso(r.resolvedAt),
  });
  return `${line}\n`;
}

interface DatasetHeader {
  cycleId: string;
  createdAt: string;
  threshold: ThresholdRecommendation;
}

function manifestOf(
  h: DatasetHeader,
  body: { rowCount: number; excludedRows: number; sha256: string },
): DatasetManifest {
  const t = h.threshold;
  const c = t.recommendedCandidate;
  return {
    formatVersion: 1,
    cycleId: h.cycleId,
    createdAt: iso(h.createdAt),
    file: DATASET_FILE,
    ...body,
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
  };
}

const resolvedMs = (r: ResolvedSuggestionRow) => Date.parse(r.resolvedAt ?? r.shownAt);

/** The dataset in memory, sorted by resolution then id (the export's order), whatever order the rows came in. */
export function formatDataset(input: DatasetHeader & { rows: readonly ResolvedSuggestionRow[] }): Dataset {
  const valid = input.rows.filter(isValid);
  const sorted = [...valid].sort((a, b) => resolvedMs(a) - resolvedMs(b) || a.id - b.id);
  const jsonl = sorted.map(lineOf).join('');
  return {
    jsonl,
    manifest: manifestOf(input, {
      rowCount: sorted.length,
      excludedRows: input.rows.length - valid.length,
      sha256: crypto.createHash('sha256').update(jsonl).digest('hex'),
    }),
  };
}

async function writeDurably(file: string, write: (handle: fs.FileHandle) => Promise<void>): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await write(handle);
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

export interface WrittenDataset {
  path: string;
  written: boolean;
  manifest: DatasetManifest;
}

/**
 * `<dir>/<cycleId>/`: `writeFile` fills the dataset file of a temp directory and returns its manifest, which is
 * written next to it before the directory is renamed into place. A cycle already written is left as it is.
 */
async function writeOnce(
  dir: string,
  cycleId: string,
  writeFile: (handle: fs.FileHandle) => Promise<DatasetManifest>,
): Promise<WrittenDataset> {
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
    let manifest: DatasetManifest | null = null;
    await writeDurably(path.join(tmp, DATASET_FILE), async (h) => {
      manifest = await writeFile(h);
    });
    const json = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeDurably(path.join(tmp, MANIFEST_FILE), (h) => h.writeFile(json, 'utf8'));
    await fs.rename(tmp, target);
    return { path: target, written: true, manifest: manifest! };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    // Another writer renamed its copy into place first: theirs stands.
    const code = (err as NodeJS.ErrnoException).code;
    const winner = code === 'ENOTEMPTY' || code === 'EEXIST' ? await readManifest(target) : null;
    if (winner) return { path: target, written: false, manifest: winner };
    throw err;
  }
}

/** Writes a dataset built in memory (formatDataset). */
export function writeDataset(dir: string, dataset: Dataset): Promise<WrittenDataset> {
  return writeOnce(dir, dataset.manifest.cycleId, async (h) => {
    await h.writeFile(dataset.jsonl, 'utf8');
    return dataset.manifest;
  });
}

/**
 * Streams batches of rows (already in the export's order: resolution, then id) into the dataset file, hashing
 * and counting as it goes, so a table of millions of suggestions never sits in memory.
 */
export function exportDataset(
  dir: string,
  header: DatasetHeader,
  batches: AsyncIterable<readonly ResolvedSuggestionRow[]>,
): Promise<WrittenDataset> {
  return writeOnce(dir, header.cycleId, async (h) => {
    const hash = crypto.createHash('sha256');
    let rowCount = 0;
    let excludedRows = 0;
    for await (const batch of batches) {
      const valid = batch.filter(isValid);
      excludedRows += batch.length - valid.length;
      rowCount += valid.length;
      const chunk = valid.map(lineOf).join('');
      hash.update(chunk);
      await h.write(chunk, null, 'utf8');
    }
    return manifestOf(header, { rowCount, excludedRows, sha256: hash.digest('hex') });
  });
}
