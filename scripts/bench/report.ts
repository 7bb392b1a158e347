// The benchmark's output: the human-readable tables on stdout and the JSON results file.
import fs from 'node:fs';
import path from 'node:path';
import type { ExplainedStatement } from './explain';
import { formatMb, formatMs, renderTable } from './format';
import type { CaseResult } from './runner';
import { REFERENCE_USERS, type TargetResult } from './targets';

export function casesTable(results: CaseResult[], repeat: number): string {
  const rows = results.map((r) => [
    r.group,
    r.name,
    r.stats ? formatMs(r.stats.min) : '-',
    r.stats ? formatMs(r.stats.median) : '-',
    r.stats ? formatMs(r.stats.max) : '-',
    r.memory ? formatMb(r.memory.peakHeapGrowth) : '-',
    r.memory ? formatMb(r.memory.peak.rss) : '-',
    r.error ? `ERROR: ${r.error}` : (r.note ?? ''),
  ]);
  return renderTable(
    [
      'group',
      `case (${repeat} run${repeat === 1 ? '' : 's'})`,
      'min',
      'median',
      'max',
      'heap Δpeak',
      'rss peak',
      'result',
    ],
    rows,
    [false, false, true, true, true, true, true, false],
  );
}

function fmtValue(unit: TargetResult['unit'], v: number, id: string): string {
  if (id === 'noErrors' || id === 'noSeqScanOnEvents') return String(v);
  return unit === 'bytes' ? formatMb(v) : formatMs(v);
}

export function targetsTable(targets: TargetResult[], users: number): string {
  const scale = users / REFERENCE_USERS;
  const header =
    users === REFERENCE_USERS
      ? 'Targets (at the 1,000,000-user reference):'
      : `Targets, scaled linearly from the 1,000,000-user reference (×${scale.toFixed(3)}, never below a floor for fixed per-query costs; ` +
        'allowances for work that does not grow with the users are not scaled):';
  const rows = targets.map((t) => [
    t.status,
    t.label,
    t.actual === null ? '-' : fmtValue(t.unit, t.actual, t.id),
    t.id === 'noErrors' || t.id === 'noSeqScanOnEvents' ? '0' : `< ${fmtValue(t.unit, t.limit, t.id)}`,
    t.note ?? '',
  ]);
  return `${header}\n${renderTable(['status', 'target', 'actual', 'limit', 'note'], rows, [false, false, true, true, false])}`;
}

export function explainReport(explained: ExplainedStatement[]): string {
  if (!explained.length) return 'EXPLAIN: no statements captured.';
  const rows = explained.map((e) => {
    // One entry per relation: a plan can scan the same small table several times (subplans).
    const byRelation = new Map<string, { n: number; rows: number; parallel: boolean }>();
    for (const s of e.seqScans) {
      const r = byRelation.get(s.relation) ?? { n: 0, rows: 0, parallel: false };
      byRelation.set(s.relation, { n: r.n + 1, rows: r.rows + s.rows, parallel: r.parallel || s.parallel });
    }
    const seq = [...byRelation].map(
      ([rel, r]) =>
        `${r.parallel ? 'Parallel ' : ''}Seq Scan ${rel}${r.n > 1 ? ` ×${r.n}` : ''} (${r.rows.toLocaleString('en-US')} rows)`,
    );
    const idx = [...new Set(e.indexScans.map((s) => s.index ?? s.relation))];
    return [
      e.error ? 'ERROR' : e.seqScanOnEvents ? 'RED FLAG' : 'ok',
      e.caseName,
      e.executionMs === null ? '-' : formatMs(e.executionMs),
      `${e.sharedHitBlocks}/${e.sharedReadBlocks}${e.tempWrittenBlocks ? ` temp ${e.tempWrittenBlocks}` : ''}`,
      e.error
        ? e.error
        : [seq.join('; ') || 'no seq scan', idx.length ? `idx: ${idx.join(', ')}` : ''].filter(Boolean).join(' | '),
      e.label,
    ];
  });
  return (
    'EXPLAIN (ANALYZE, BUFFERS) of every statement reading schema app (buffers = shared hit/read blocks; temp = spilled to disk):\n' +
    renderTable(['check', 'case', 'exec', 'buffers', 'scans', 'statement'], rows, [
      false,
      false,
      true,
      true,
      false,
      false,
    ])
  );
}

/** Writes the results JSON; returns its path. */
export function writeResults(dir: string, users: number, startedAt: Date, body: unknown): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `results-${users}-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
