// The retraining dataset export (activities/retraining/dataset.ts): the pure formatter (JSON Lines in a stable
// order, a manifest whose checksum, count, schema and threshold figures match what it describes), and the
// writer on a temp directory (atomic, idempotent per cycle, nothing left behind).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DATASET_FIELDS,
  exportDataset,
  formatDataset,
  writeDataset,
  type ResolvedSuggestionRow,
} from '../../activities/retraining/dataset';
import { binSuggestions, recommendThreshold } from '../../engine/learning/suggestions';
import { ValidationError } from '../../engine/safety/errors';
import { mulberry32 } from '../helpers/random';

const T0 = Date.parse('2026-11-01T00:00:00.000Z');

function rowsOf(n: number, seed = 7): ResolvedSuggestionRow[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const confidence = Math.round(rand() * 1000) / 1000;
    const shown = T0 + Math.floor(rand() * 20 * 86_400_000);
    return {
      id: i + 1,
      kind: i % 3 ? 'next_step' : 'template',
      confidence,
      status: rand() < confidence ? 'applied' : 'dismissed',
      modelVersion: i % 5 ? 'v3' : null,
      shownAt: new Date(shown).toISOString(),
      resolvedAt: new Date(shown + Math.floor(rand() * 3_600_000)).toISOString(),
    };
  });
}

const thresholdOf = (rows: ResolvedSuggestionRow[]) =>
  recommendThreshold(binSuggestions(rows.map((r) => ({ confidence: r.confidence, applied: r.status === 'applied' }))), {
    minResolved: 50,
  });

describe('formatDataset', () => {
  const rows = rowsOf(400);
  const threshold = thresholdOf(rows);
  const ds = formatDataset({ cycleId: 'cycle-1', createdAt: '2026-11-21T00:00:00Z', rows, threshold });

  it('writes one JSON line per row, in resolved order, with the schema fields in order', () => {
    const lines = ds.jsonl.trimEnd().split('\n');
    expect(lines).toHaveLength(400);
    expect(ds.jsonl.endsWith('\n')).toBe(true);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(Object.keys(parsed[0])).toEqual(DATASET_FIELDS.map((f) => f.name));
    const resolvedAt = parsed.map((p) => Date.parse(p.resolved_at));
    expect(resolvedAt).toEqual([...resolvedAt].sort((a, b) => a - b));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const p of parsed) {
      const r = byId.get(p.suggestion_id)!;
      expect(p).toEqual({
        suggestion_id: r.id,
        kind: r.kind,
        model_version: r.modelVersion,
        confidence: r.confidence,
        outcome: r.status,
        label: r.status === 'applied' ? 1 : 0,
        shown_at: r.shownAt,
        resolved_at: r.resolvedAt,
      });
    }
  });

  it('the manifest describes the file: count, sha256, cycle, creation time, threshold and its figures', () => {
    const m = ds.manifest;
    expect(m).toMatchObject({
      formatVersion: 1,
      cycleId: 'cycle-1',
      createdAt: '2026-11-21T00:00:00.000Z',
      rowCount: 400,
    });
    expect(m.sha256).toBe(crypto.createHash('sha256').update(ds.jsonl).digest('hex'));
    expect(threshold.recommended).not.toBeNull();
    expect(m.recommendedThreshold).toMatchObject({
      threshold: threshold.recommended,
      sampleSize: 400,
      minResolved: 50,
      dismissCost: threshold.dismissCost,
      breakEvenConfidence: threshold.breakEvenConfidence,
      figures: {
        shown: threshold.recommendedCandidate!.shown,
        applied: threshold.recommendedCandidate!.applied,
        utility: threshold.recommendedCandidate!.utility,
      },
    });
  });

  it('is independent of the input order, leaves out confidences outside [0, 1] and says so', () => {
    const shuffled = [...rows].reverse();
    const again = formatDataset({ cycleId: 'cycle-1', createdAt: '2026-11-21T00:00:00Z', rows: shuffled, threshold });
    expect(again.jsonl).toBe(ds.jsonl);
    const dirty = [...rows, { ...rows[0]!, id: 9001, confidence: 1.2 }, { ...rows[0]!, id: 9002, confidence: NaN }];
    const cleaned = formatDataset({ cycleId: 'cycle-1', createdAt: '2026-11-21T00:00:00Z', rows: dirty, threshold });
    expect(cleaned.manifest).toMatchObject({ rowCount: 400, excludedRows: 2, sha256: ds.manifest.sha256 });
  });

  it('keeps a resolved row without resolved_at as null, ordered by when it was shown', () => {
    const base = rows.slice(0, 3);
    const undated = { ...base[1]!, id: 9100, resolvedAt: null, shownAt: '2026-10-01T00:00:00.000Z' };
    const out = formatDataset({
      cycleId: 'cycle-1',
      createdAt: '2026-11-21T00:00:00Z',
      rows: [...base, undated],
      threshold,
    });
    const first = JSON.parse(out.jsonl.split('\n')[0]!);
    expect(first).toMatchObject({ suggestion_id: 9100, resolved_at: null, shown_at: '2026-10-01T00:00:00.000Z' });
    expect(DATASET_FIELDS.find((f) => f.name === 'resolved_at')).toMatchObject({ nullable: true });
  });

  it('says why there is no threshold below the minimum sample, and an empty dataset is empty', () => {
    const few = rowsOf(10);
    const small = formatDataset({
      cycleId: 'c',
      createdAt: '2026-11-21T00:00:00Z',
      rows: [],
      threshold: thresholdOf(few),
    });
    expect(small.jsonl).toBe('');
    expect(small.manifest.rowCount).toBe(0);
    expect(small.manifest.recommendedThreshold).toMatchObject({ threshold: null, figures: null });
    expect(small.manifest.recommendedThreshold.reason).toMatch(/at least 50 are needed/);
  });
});

describe('writeDataset', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'floyo-dataset-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const rows = rowsOf(120, 3);
  const make = (createdAt: string) =>
    formatDataset({ cycleId: 'cycle-20261121T000000-abc123', createdAt, rows, threshold: thresholdOf(rows) });

  it('writes <cycleId>/suggestions.jsonl and manifest.json whose checksum matches the file', async () => {
    const out = await writeDataset(path.join(dir, 'exports'), make('2026-11-21T00:00:00Z'));
    expect(out).toMatchObject({ path: path.join(dir, 'exports', 'cycle-20261121T000000-abc123'), written: true });
    expect((await fs.readdir(out.path)).sort()).toEqual(['manifest.json', 'suggestions.jsonl']);
    const file = await fs.readFile(path.join(out.path, 'suggestions.jsonl'));
    const manifest = JSON.parse(await fs.readFile(path.join(out.path, 'manifest.json'), 'utf8'));
    expect(manifest.sha256).toBe(crypto.createHash('sha256').update(file).digest('hex'));
    expect(manifest.rowCount).toBe(file.toString().trimEnd().split('\n').length);
    expect(await fs.readdir(path.join(dir, 'exports'))).toEqual(['cycle-20261121T000000-abc123']);
  });

  it('a second call for the same cycle leaves the same files, even with another creation time', async () => {
    const first = await writeDataset(dir, make('2026-11-21T00:00:00Z'));
    const before = await Promise.all(
      ['manifest.json', 'suggestions.jsonl'].map((f) => fs.readFile(path.join(first.path, f))),
    );
    const second = await writeDataset(dir, make('2026-11-22T09:30:00Z'));
    expect(second).toMatchObject({ path: first.path, written: false });
    expect(second.manifest.createdAt).toBe('2026-11-21T00:00:00.000Z');
    const after = await Promise.all(
      ['manifest.json', 'suggestions.jsonl'].map((f) => fs.readFile(path.join(first.path, f))),
    );
    expect(after).toEqual(before);
    expect(await fs.readdir(dir)).toEqual(['cycle-20261121T000000-abc123']);
  });

  it('concurrent writers of one cycle produce one directory and no leftovers', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((i) => writeDataset(dir, make(`2026-11-2${i}T00:00:00Z`))));
    expect(results.filter((r) => r.written).length).toBe(1);
    expect(new Set(results.map((r) => r.manifest.createdAt)).size).toBe(1);
    expect(await fs.readdir(dir)).toEqual(['cycle-20261121T000000-abc123']);
  });

  it('exportDataset streams batches into the same bytes and manifest as the in-memory dataset', async () => {
    const header = { cycleId: 'cycle-20261121T000000-abc123', createdAt: '2026-11-21T00:00:00Z' };
    const dirty = [...rows, { ...rows[0]!, id: 9001, confidence: -0.1 }];
    const ds = formatDataset({ ...header, rows: dirty, threshold: thresholdOf(rows) });
    const ordered = ds.jsonl
      .trimEnd()
      .split('\n')
      .map((l) => rows.find((r) => r.id === JSON.parse(l).suggestion_id)!);
    async function* batches() {
      for (let i = 0; i < ordered.length; i += 7) yield ordered.slice(i, i + 7);
      yield [dirty.at(-1)!];
    }
    const out = await exportDataset(path.join(dir, 'streamed'), { ...header, threshold: thresholdOf(rows) }, batches());
    expect(out.written).toBe(true);
    expect(out.manifest).toEqual(ds.manifest);
    expect(await fs.readFile(path.join(out.path, 'suggestions.jsonl'), 'utf8')).toBe(ds.jsonl);
    // A second export of the cycle reads nothing: the rows are not even fetched.
    let fetched = false;
    async function* never() {
      fetched = true;
      yield [];
    }
    const again = await exportDataset(path.join(dir, 'streamed'), { ...header, threshold: thresholdOf(rows) }, never());
    expect(again).toMatchObject({ written: false, manifest: ds.manifest });
    expect(fetched).toBe(false);
  });

  it('refuses a cycle id that would escape the directory', async () => {
    const bad = { ...make('2026-11-21T00:00:00Z') };
    bad.manifest = { ...bad.manifest, cycleId: '../etc' };
    await expect(writeDataset(dir, bad)).rejects.toBeInstanceOf(ValidationError);
    expect(await fs.readdir(dir)).toEqual([]);
  });
});
