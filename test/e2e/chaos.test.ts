// Crash trials on the real dev server and PostgreSQL: a live cycle over seeded data with many effects, the
// worker process SIGKILLed at a random moment inside each of heal, optimize and prevent and restarted at
// once. Afterwards nothing admitted is dropped, nothing is done twice, and each killed phase recovered in 30 s.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { prepareChaosDatabase, runTrial, type TrialResult } from '../../scripts/lib/chaos';
import { createTestDb, type TestDb } from '../helpers/db';
import { mulberry32 } from '../helpers/random';
import { ensureTestNamespace } from '../../scripts/lib/namespace';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const NAMESPACE = 'floyo-chaos';
let t: TestDb;
let trial: TrialResult;

beforeAll(async () => {
  t = await createTestDb('chaos');
  await prepareChaosDatabase(t.db, { users: 4000, seed: 23, now: NOW });
  await ensureTestNamespace(inject('temporalAddress'), NAMESPACE);
  trial = await runTrial(
    {
      db: t.db,
      databaseUrl: t.url,
      temporalAddress: inject('temporalAddress'),
      namespace: NAMESPACE,
      taskQueue: `chaos-${process.pid}`,
      now: NOW,
      log: (m) => console.log(`[chaos] ${m}`),
      random: mulberry32(20261202),
    },
    { cycles: 1, maxDelayMs: 250, label: `${process.pid}` },
  );
}, 600_000);

afterAll(async () => {
  await t?.drop();
});

it('kills the worker inside each effect phase of a live cycle with many effects', () => {
  expect(trial.kills.map((k) => k.phase)).toEqual(['heal', 'optimize', 'prevent']);
  expect(trial.kills.filter((k) => k.inPhase).length).toBeGreaterThanOrEqual(2);
  expect(trial.effects).toBeGreaterThanOrEqual(40);
});

it('completes every cycle with nothing dropped, duplicated, pending or unaudited', () => {
  expect(trial.invariants).toEqual({
    cyclesNotCompleted: 0,
    duplicatePayments: 0,
    duplicateMessages: 0,
    duplicateDataFixes: 0,
    pendingEffects: 0,
    unauditedEffects: 0,
    unfinishedActions: 0,
    approvalsWithoutWorkflow: 0,
  });
});

it('recovers a killed phase within 30 s', () => {
  for (const k of trial.kills.filter((x) => x.inPhase)) expect(k.recoverySeconds).toBeLessThan(30);
});
