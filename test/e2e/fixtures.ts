// Engine rows as the workflows' activities would write them, for e2e tests that read state through
// the api without running a worker. Deterministic ids and times.
import type { Knex } from 'knex';

export const T0 = new Date('2026-11-20T12:00:00.000Z');
export const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

export async function insertCycle(
  db: Knex,
  c: {
    id: string;
    kind?: string;
    status?: string;
    dryRun?: boolean;
    phases?: string[];
    startedAt?: Date;
    finishedAt?: Date | null;
    health?: number | null;
    alignment?: number | null;
    trigger?: string;
  },
): Promise<void> {
  await db('engine.cycles').insert({
    id: c.id,
    run_id: `run-${c.id}`,
    kind: c.kind ?? 'cycle',
    trigger: c.trigger ?? 'api',
    requested_by: 'fixture',
    dry_run: c.dryRun ?? true,
    phases: c.phases ?? ['analyze', 'heal', 'optimize', 'prevent', 'learn', 'decide', 'verify'],
    status: c.status ?? 'completed',
    logical_now: c.startedAt ?? T0,
    started_at: c.startedAt ?? T0,
    finished_at: c.finishedAt === undefined ? minutes(5) : c.finishedAt,
    health_score: c.health ?? null,
    alignment_score: c.alignment ?? null,
  });
}

export async function insertPhase(
  db: Knex,
  cycleId: string,
  name: string,
  status: string,
  startedAt: Date,
  finishedAt: Date | null,
  counts: Record<string, number> = {},
) {
  await db('engine.cycle_phases').insert({
    cycle_id: cycleId,
    name,
    status,
    started_at: startedAt,
    finished_at: finishedAt,
    counts: JSON.stringify(counts),
  });
}

export async function insertKpis(db: Knex, cycleId: string, computedAt: Date) {
  await db('engine.kpi_snapshots').insert([
    {
      cycle_id: cycleId,
      name: 'activation_rate',
      value: 0.31,
      target: 0.4,
      sample_size: 1200,
      interval_low: 0.284,
      interval_high: 0.337,
      status: 'below_target',
      details: JSON.stringify({ numerator: 372, denominator: 1200 }),
      computed_at: computedAt,
    },
    {
      cycle_id: cycleId,
      name: 'd7_retention',
      value: 0.27,
      target: 0.25,
      sample_size: 1200,
      interval_low: 0.245,
      interval_high: 0.296,
      status: 'ok',
      details: '{}',
      computed_at: computedAt,
    },
    {
      cycle_id: cycleId,
      name: 'signup_to_activation',
      value: null,
      target: 0.4,
      sample_size: 12,
      interval_low: null,
      interval_high: null,
      status: 'insufficient_data',
      details: '{}',
      computed_at: computedAt,
    },
    {
      cycle_id: cycleId,
      name: 'ltv_cac',
      value: 3.2,
      target: 4,
      sample_size: 300,
      interval_low: null,
      interval_high: null,
      status: 'below_target',
      details: '{}',
      computed_at: computedAt,
    },
  ]);
}

export async function insertFinding(
  db: Knex,
  f: {
    fingerprint: string;
    category: 'issue' | 'opportunity';
    severity?: string;
    cycleId: string;
    status?: 'open' | 'resolved';
    title?: string;
  },
): Promise<number> {
  const [row] = await db('engine.findings')
    .insert({
      fingerprint: f.fingerprint,
      detector: f.category === 'issue' ? 'data_quality' : 'kpi',
      kind: f.fingerprint.split(':')[1] ?? 'kind',
      category: f.category,
      severity: f.severity ?? 'high',
      confidence: 0.97,
      title: f.title ?? `Finding ${f.fingerprint}`,
      evidence: JSON.stringify({ count: 3, sampleIds: [1, 2, 3] }),
      status: f.status ?? 'open',
      first_seen_at: T0,
      last_seen_at: T0,
      first_cycle_id: f.cycleId,
      last_cycle_id: f.cycleId,
    })
    .returning('id');
  return Number(row.id);
}

export async function insertAction(
  db: Knex,
  a: {
    id: string;
    cycleId: string;
    phase?: string;
    type?: string;
    mode?: 'auto' | 'needs_approval' | 'recommendation';
    status?: string;
    confidence?: number;
    findingId?: number | null;
  },
): Promise<void> {
  await db('engine.actions').insert({
    id: a.id,
    cycle_id: a.cycleId,
    phase: a.phase ?? 'heal',
    type: a.type ?? 'retry_payment',
    target_type: 'payment',
    target_id: a.id.replace(/\D/g, '') || '1',
    params: JSON.stringify({ attempt: 2 }),
    finding_id: a.findingId ?? null,
    detection_confidence: 1,
    confidence: a.confidence ?? 0.6,
    expected_impact: JSON.stringify({ revenueCents: 2900 }),
    mode: a.mode ?? 'needs_approval',
    status: a.status ?? 'pending_approval',
    dry_run: true,
    created_at: T0,
  });
}

export async function insertApproval(
  db: Knex,
  actionId: string,
  status = 'pending',
  deadline = minutes(72 * 60),
): Promise<void> {
  await db('engine.approvals').insert({
    action_id: actionId,
    workflow_id: `approval-${actionId}`,
    status,
    deadline,
    created_at: T0,
  });
}
