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

export interface RecoveryCharge {
  paymentId: number;
  amountCents: number;
  declineCode: string;
  heldOut: boolean;
  recovered: boolean;
  /** 'YYYY-MM' of its retry decision. */
  month: string;
}

/**
 * Failed charges with one live retry decision each (executed, or held out), spread over the current and
 * the two previous months of `now`: 3 in 5 treated charges recovered, 1 in 4 held-out ones. Payment ids
 * from 9,000,000, clear of the demo data's.
 */
export async function insertRecoveryCharges(
  db: Knex,
  opts: { cycleId: string; now: Date; treated: number; heldOut: number },
): Promise<RecoveryCharge[]> {
  const codes = ['insufficient_funds', 'card_declined', 'try_again_later'];
  const charges: RecoveryCharge[] = [];
  for (let i = 0; i < opts.treated + opts.heldOut; i++) {
    const heldOut = i >= opts.treated;
    const k = heldOut ? i - opts.treated : i;
    const at = new Date(Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth() - (i % 3), 1, 6 + (i % 12)));
    charges.push({
      paymentId: 9_000_000 + i,
      amountCents: 1000 + 250 * (i % 7),
      declineCode: codes[Math.floor(i / 2) % codes.length]!,
      heldOut,
      recovered: heldOut ? k % 4 === 0 : k % 5 !== 0 && k % 5 !== 3,
      month: at.toISOString().slice(0, 7),
    });
    const c = charges[charges.length - 1]!;
    await db('app.payments').insert({
      id: c.paymentId,
      subscription_id: 1,
      amount_cents: c.amountCents,
      status: c.recovered ? 'succeeded' : 'failed',
      failure_code: c.recovered ? null : c.declineCode,
      attempted_at: at,
    });
    await db('engine.actions').insert({
      id: `${opts.cycleId}:retry_payment:${c.paymentId}`,
      cycle_id: opts.cycleId,
      phase: 'heal',
      type: 'retry_payment',
      target_type: 'payment',
      target_id: String(c.paymentId),
      params: JSON.stringify({ paymentId: c.paymentId, amountCents: c.amountCents, failureCode: c.declineCode }),
      detection_confidence: 1,
      confidence: 0.9,
      mode: 'auto',
      status: heldOut ? 'holdout' : 'executed',
      dry_run: false,
      created_at: at,
      executed_at: at,
      outcome: c.recovered ? 'success' : 'failure',
    });
  }
  return charges;
}
