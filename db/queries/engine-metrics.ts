// The engine's state as counts for /metrics, read at scrape time: cycles by kind and outcome, open
// findings by severity, actions by type and status, and the approval queue. Each is one grouped
// query over an indexed column set, so a scrape stays cheap however many rows there are.
import type { Knex } from 'knex';

export interface EngineCounts {
  cycles: Array<{ kind: string; status: string; n: number }>;
  openFindings: Array<{ severity: string; category: string; n: number }>;
  actions: Array<{ type: string; status: string; n: number }>;
  approvalQueueDepth: number;
  /** Seconds until the most urgent pending approval expires; null when the queue is empty. */
  nextApprovalDeadlineSeconds: number | null;
}

export async function readEngineCounts(db: Knex): Promise<EngineCounts> {
  const [cycles, findings, actions, queue] = await Promise.all([
    db('engine.cycles').select('kind', 'status').count({ n: '*' }).groupBy('kind', 'status'),
    db('engine.findings')
      .where({ status: 'open' })
      .select('severity', 'category')
      .count({ n: '*' })
      .groupBy('severity', 'category'),
    db('engine.actions').select('type', 'status').count({ n: '*' }).groupBy('type', 'status'),
    db('engine.approvals')
      .where({ status: 'pending' })
      .first(
        db.raw('count(*)::int as n'),
        db.raw('extract(epoch from (min(deadline) - now()))::float8 as next_deadline'),
      ),
  ]);
  const num = (r: { n: unknown }) => Number(r.n);
  return {
    cycles: cycles.map((r: any) => ({ kind: r.kind, status: r.status, n: num(r) })),
    openFindings: findings.map((r: any) => ({ severity: r.severity, category: r.category, n: num(r) })),
    actions: actions.map((r: any) => ({ type: r.type, status: r.status, n: num(r) })),
    approvalQueueDepth: Number(queue?.n ?? 0),
    nextApprovalDeadlineSeconds: queue?.next_deadline == null ? null : Number(queue.next_deadline),
  };
}
