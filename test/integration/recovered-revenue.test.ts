// Recovered revenue on real PostgreSQL (db/sql/recovered-revenue.ts): seeded failed charges with retry
// decisions of every kind (executed, awaiting approval, rejected, held out, blocked, dry run), several per
// charge across months, some recovered only by a measured outcome the platform has not synced; the
// expected figures are computed here charge by charge from the seed, not by the statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRecoverySums } from '../../db/queries/recovered-revenue';
import { EMPTY_ARM, recoveryFigures, recoveryReport, type ArmSums } from '../../engine/learning/recovered-revenue';
import { createTestDb, type TestDb } from '../helpers/db';
import { mulberry32 } from '../helpers/random';

interface Decision {
  status: string;
  dryRun: boolean;
  at: Date;
  outcome?: 'success' | 'failure';
}
interface Charge {
  id: number;
  amount: number;
  code: string;
  paid: boolean;
  decisions: Decision[];
}

const CODES = ['insufficient_funds', 'card_declined', 'processing_error', 'try_again_later'];
const MONTHS = ['2026-08', '2026-09', '2026-10', '2026-11'];
let t: TestDb;
const charges: Charge[] = [];

function seedCharges(): void {
  const rnd = mulberry32(20261202);
  for (let i = 0; i < 400; i++) {
    const month = MONTHS[Math.floor(rnd() * MONTHS.length)]!;
    const day = 1 + Math.floor(rnd() * 27);
    const first = new Date(`${month}-${String(day).padStart(2, '0')}T0${Math.floor(rnd() * 9)}:30:00Z`);
    const later = new Date(first.getTime() + 3 * 86_400_000);
    const held = rnd() < 0.25;
    const kind = rnd();
    const decisions: Decision[] = held
      ? [
          { status: 'holdout', dryRun: false, at: first },
          { status: 'holdout', dryRun: false, at: later },
        ]
      : kind < 0.6
        ? [
            { status: 'executed', dryRun: false, at: first, outcome: 'failure' },
            { status: 'executed', dryRun: false, at: later },
          ]
        : kind < 0.7
          ? [{ status: 'pending_approval', dryRun: false, at: first }]
          : kind < 0.78
            ? [{ status: 'rejected', dryRun: false, at: first }]
            : kind < 0.86
              ? [{ status: 'blocked', dryRun: false, at: first }]
              : kind < 0.93
                ? [{ status: 'dry_run', dryRun: true, at: first }]
                : [
                    { status: 'dry_run', dryRun: true, at: first },
                    { status: 'executed', dryRun: false, at: later },
                  ];
    const treatedRetried = decisions.some((d) => d.status === 'executed');
    const paid = rnd() < (treatedRetried ? 0.55 : 0.2);
    // A settled retry the platform has not synced yet: the measured outcome says success, the row failed.
    if (!paid && treatedRetried && rnd() < 0.15) decisions[decisions.length - 1]!.outcome = 'success';
    charges.push({
      id: 5000 + i,
      amount: 500 + Math.floor(rnd() * 20_000),
      code: CODES[Math.floor(rnd() * CODES.length)]!,
      paid,
      decisions,
    });
  }
}

beforeAll(async () => {
  t = await createTestDb('recovered-revenue');
  seedCharges();
  await t.db('engine.cycles').insert([
    { id: 'rr-live', kind: 'cycle', trigger: 'api', dry_run: false, phases: ['heal'], logical_now: new Date() },
    { id: 'rr-dry', kind: 'cycle', trigger: 'api', dry_run: true, phases: ['heal'], logical_now: new Date() },
  ]);
  await t.db('app.payments').insert(
    charges.map((c) => ({
      id: c.id,
      subscription_id: 1,
      amount_cents: c.amount,
      status: c.paid ? 'succeeded' : 'failed',
      failure_code: c.paid ? null : c.code,
      attempted_at: new Date('2026-11-30T00:00:00Z'),
    })),
  );
  await t.db('engine.actions').insert(
    charges.flatMap((c) =>
      c.decisions.map((d, k) => ({
        id: `rr-${c.id}-${k}`,
        cycle_id: d.dryRun ? 'rr-dry' : 'rr-live',
        phase: 'heal',
        type: 'retry_payment',
        target_type: 'payment',
        target_id: String(c.id),
        // The decline code as the planner saw it; a later decision may see another, the first one counts.
        params: JSON.stringify({
          paymentId: c.id,
          amountCents: c.amount,
          failureCode: k === 0 ? ` ${c.code.toUpperCase()}` : 'other',
        }),
        detection_confidence: 1,
        confidence: 0.9,
        mode: 'auto',
        status: d.status,
        dry_run: d.dryRun,
        created_at: d.at,
        executed_at: ['executed', 'holdout'].includes(d.status) ? d.at : null,
        outcome: d.outcome ?? null,
      })),
    ),
  );
  // Another type's actions on the same ids are not charges.
  await t.db('engine.actions').insert({
    id: 'rr-nudge',
    cycle_id: 'rr-live',
    phase: 'optimize',
    type: 'onboarding_nudge',
    target_type: 'user',
    target_id: '5000',
    detection_confidence: 1,
    confidence: 0.9,
    mode: 'auto',
    status: 'executed',
    dry_run: false,
    executed_at: new Date('2026-09-02T00:00:00Z'),
  });
});
afterAll(() => t?.drop());

/** The expected sums, charge by charge: month/code/arm from the first live admitted decision. */
function expected(filter: (c: { month: string; code: string }) => boolean) {
  const admitted = ['planned', 'executed', 'failed', 'pending_approval', 'approved', 'rejected', 'expired', 'holdout'];
  const arms: Record<'treated' | 'holdout', ArmSums> = {
    treated: { ...EMPTY_ARM },
    holdout: { ...EMPTY_ARM },
  };
  for (const c of charges) {
    const live = c.decisions.filter((d) => !d.dryRun && admitted.includes(d.status));
    if (!live.length) continue;
    const first = live.reduce((a, b) => (b.at < a.at ? b : a));
    const code = c.decisions.indexOf(first) === 0 ? c.code : 'other';
    if (!filter({ month: first.at.toISOString().slice(0, 7), code })) continue;
    const a = arms[first.status === 'holdout' ? 'holdout' : 'treated'];
    const retried = live.some((d) => d.status === 'executed');
    const recovered = c.paid || live.some((d) => d.outcome === 'success');
    a.charges++;
    a.amountCents += c.amount;
    a.sumSquaredAmount += c.amount ** 2;
    if (retried) {
      a.retried++;
      a.retriedAmountCents += c.amount;
    }
    if (recovered) {
      a.recovered++;
      a.recoveredAmountCents += c.amount;
      a.sumSquaredRecoveredAmount += c.amount ** 2;
    }
  }
  return arms;
}

describe('recovered revenue on PostgreSQL', () => {
  it('sums the window per arm, per month and per decline code exactly as the seed says', async () => {
    const window = { from: '2026-09', to: '2026-11' };
    const report = recoveryReport(window, await queryRecoverySums(t.db, window));
    const inWindow = (m: string) => m >= '2026-09' && m <= '2026-11';

    const total = expected((c) => inWindow(c.month));
    expect(total.treated.charges).toBeGreaterThan(100);
    expect(total.holdout.charges).toBeGreaterThan(40);
    expect(report.total).toEqual(recoveryFigures(total));
    expect(report.total.eligible.count).toBe(total.treated.charges + total.holdout.charges);
    expect(report.total.retried.count).toBe(total.treated.retried);
    expect(report.total.recovered).toEqual({
      count: total.treated.recovered,
      amountCents: total.treated.recoveredAmountCents,
    });
    expect(report.total.recoveryRate).toBeCloseTo(total.treated.recovered / total.treated.charges, 12);
    expect(report.total.holdoutRecoveryRate).toBeCloseTo(total.holdout.recovered / total.holdout.charges, 12);
    // Retries were seeded to recover more often than the holdout: the interval sees it.
    expect(report.total.incremental.rateInterval![0]).toBeGreaterThan(0);
    expect(report.total.incremental.amountInterval![0]).toBeGreaterThan(0);

    expect(report.byMonth.map((m) => m.month)).toEqual(['2026-09', '2026-10', '2026-11']);
    for (const m of report.byMonth) {
      const { month, ...figures } = m;
      expect(figures).toEqual(recoveryFigures(expected((c) => c.month === month)));
    }
    // 'other' is the code of the decisions after a dry run, the first live one.
    expect(report.byDeclineCode.map((c) => c.declineCode).sort()).toEqual([...CODES, 'other'].sort());
    for (const c of report.byDeclineCode) {
      const { declineCode, ...figures } = c;
      expect(figures).toEqual(recoveryFigures(expected((x) => inWindow(x.month) && x.code === declineCode)));
    }
  });

  it('reports zeros for a window without decisions', async () => {
    const window = { from: '2025-01', to: '2025-02' };
    const report = recoveryReport(window, await queryRecoverySums(t.db, window));
    expect(report.total.eligible).toEqual({ count: 0, amountCents: 0 });
    expect(report.byMonth.map((m) => m.eligible.count)).toEqual([0, 0]);
    expect(report.byDeclineCode).toEqual([]);
  });
});
