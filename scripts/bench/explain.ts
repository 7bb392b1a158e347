// `--explain`: runs each case once more while capturing the SQL it sends (knex's 'query' event carries the
// final text and bindings), then runs EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) on every distinct
// read of schema app. A Seq Scan on app.events is the red flag (a missing or unusable index: at 20M events
// a full pass costs seconds); full passes over users, subscriptions or payments are listed for information,
// since some detectors inherently look at every row of those.
import type { Knex } from 'knex';
import pg from 'pg';
import type { BenchCase, BenchContext } from './case';

export interface CapturedStatement {
  sql: string;
  bindings: unknown[];
}

export interface ScanNode {
  nodeType: string;
  relation: string;
  /** Rows the node produced over all loops. */
  rows: number;
  loops: number;
  parallel: boolean;
  index: string | null;
}

export interface ExplainedStatement {
  caseName: string;
  /** First line of the statement, whitespace collapsed, for the report. */
  label: string;
  sql: string;
  /** The statement's bindings ($1, $2...), so the owner can rerun the EXPLAIN. */
  bindings: unknown[];
  executionMs: number | null;
  planningMs: number | null;
  sharedHitBlocks: number;
  sharedReadBlocks: number;
  tempWrittenBlocks: number;
  seqScans: ScanNode[];
  indexScans: ScanNode[];
  /** The red flag: a Seq Scan on app.events. */
  seqScanOnEvents: boolean;
  error: string | null;
  plan: unknown;
}

/** Statements worth explaining: reads (SELECT / WITH) that touch schema app. */
export function isExplainable(sql: string): boolean {
  return /^\s*(select|with)\b/i.test(sql) && /\bapp\.\w+/i.test(sql);
}

/** Runs fn and returns the distinct explainable statements it sent through `db`. */
export async function captureStatements(db: Knex, fn: () => Promise<unknown>): Promise<CapturedStatement[]> {
  const seen = new Map<string, CapturedStatement>();
  const onQuery = (q: { sql?: string; bindings?: unknown[] }) => {
    if (typeof q.sql !== 'string' || !isExplainable(q.sql)) return;
    const bindings = q.bindings ?? [];
    const key = `${q.sql}\u0000${JSON.stringify(bindings)}`;
    if (!seen.has(key)) seen.set(key, { sql: q.sql, bindings });
  };
  db.on('query', onQuery);
  try {
    await fn();
  } finally {
    db.removeListener('query', onQuery);
  }
  return [...seen.values()];
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

function scanOf(n: PlanNode): ScanNode {
  const schema = typeof n.Schema === 'string' ? `${n.Schema}.` : '';
  return {
    nodeType: String(n['Node Type']),
    relation: `${schema}${String(n['Relation Name'] ?? '?')}`,
    rows: Math.round(Number(n['Actual Rows'] ?? 0) * Number(n['Actual Loops'] ?? 1)),
    loops: Number(n['Actual Loops'] ?? 1),
    parallel: n['Parallel Aware'] === true,
    index: typeof n['Index Name'] === 'string' ? n['Index Name'] : null,
  };
}

/**
 * A Seq Scan of app.events, or of one of its partitions (migration 25) that read rows: a scan of an empty
 * partition (a month ahead, the DEFAULT partition) costs nothing and is what the planner rightly picks there.
 */
function isEventsSeqScan(scan: ScanNode, n: PlanNode): boolean {
  if (scan.relation === 'app.events' || scan.relation === 'events') return true;
  if (!/^(app\.)?events_\w+$/.test(scan.relation)) return false;
  const examined = (Number(n['Actual Rows'] ?? 0) + Number(n['Rows Removed by Filter'] ?? 0)) * scan.loops;
  return examined > 0;
}

/** Reads the scans and buffer counts out of an EXPLAIN (FORMAT JSON) result. */
export function summarizePlan(
  explainJson: unknown,
): Omit<ExplainedStatement, 'caseName' | 'label' | 'sql' | 'bindings' | 'error' | 'plan'> {
  const top = (Array.isArray(explainJson) ? explainJson[0] : explainJson) as Record<string, unknown> | undefined;
  const root = top?.Plan as PlanNode | undefined;
  const seqScans: ScanNode[] = [];
  const indexScans: ScanNode[] = [];
  let seqScanOnEvents = false;
  if (root) {
    walk(root, (n) => {
      const type = String(n['Node Type'] ?? '');
      if (type === 'Seq Scan') {
        const scan = scanOf(n);
        seqScans.push(scan);
        if (isEventsSeqScan(scan, n)) seqScanOnEvents = true;
      } else if (/Index/.test(type) && n['Relation Name'] !== undefined) indexScans.push(scanOf(n));
    });
  }
  const num = (k: string) => Number(root?.[k] ?? 0);
  return {
    executionMs: typeof top?.['Execution Time'] === 'number' ? (top['Execution Time'] as number) : null,
    planningMs: typeof top?.['Planning Time'] === 'number' ? (top['Planning Time'] as number) : null,
    sharedHitBlocks: num('Shared Hit Blocks'),
    sharedReadBlocks: num('Shared Read Blocks'),
    tempWrittenBlocks: num('Temp Written Blocks'),
    seqScans,
    indexScans,
    seqScanOnEvents,
  };
}

function label(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 100 ? `${oneLine.slice(0, 97)}...` : oneLine;
}

/**
 * Explains the statements of every case that asks for it; a statement already explained for an earlier
 * case (computeKpis repeats the per-KPI queries) is not explained again.
 */
export async function explainCases(
  cases: BenchCase[],
  ctx: BenchContext,
  url: string,
  log: (m: string) => void,
): Promise<ExplainedStatement[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'floyo-bench-explain' });
  await client.connect();
  const done = new Set<string>();
  const out: ExplainedStatement[] = [];
  try {
    for (const c of cases.filter((x) => x.explain)) {
      let statements: CapturedStatement[];
      try {
        statements = await captureStatements(ctx.db, () => c.run(ctx));
      } catch (err) {
        log(`explain: ${c.name} failed before its statements could be captured: ${(err as Error).message}`);
        continue;
      }
      for (const s of statements) {
        const key = `${s.sql}\u0000${JSON.stringify(s.bindings)}`;
        if (done.has(key)) continue;
        done.add(key);
        try {
          // Rolled back (EXPLAIN ANALYZE executes the statement), and read-only unless the case must first
          // recreate the rows its timed run wrote.
          await client.query(c.explainSetup ? 'BEGIN' : 'BEGIN READ ONLY');
          for (const setup of c.explainSetup?.(ctx) ?? [])
            await client.query({ text: setup.sql, values: [...setup.bindings] });
          const { rows } = await client.query({
            text: `EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) ${s.sql}`,
            values: s.bindings,
          });
          const plan = (rows[0] as Record<string, unknown> | undefined)?.['QUERY PLAN'];
          out.push({
            caseName: c.name,
            label: label(s.sql),
            sql: s.sql,
            bindings: s.bindings,
            ...summarizePlan(plan),
            error: null,
            plan,
          });
        } catch (err) {
          out.push({
            caseName: c.name,
            label: label(s.sql),
            sql: s.sql,
            bindings: s.bindings,
            ...summarizePlan(undefined),
            error: (err as Error).message,
            plan: null,
          });
        } finally {
          await client.query('ROLLBACK').catch(() => undefined);
        }
      }
    }
  } finally {
    await client.end();
  }
  return out;
}
