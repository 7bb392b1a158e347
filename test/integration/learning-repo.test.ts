// Learnings and decisions persistence (upsert per cycle and kind, latest per kind, listing) and the
// verify phase's input query (executed actions with gate decisions, approvals and dry-run flags).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCycleExecutions } from '../../db/repos/actions';
import { latestLearnings, learningsOfCycle, listDecisions, saveDecisions, saveLearning } from '../../db/repos/learning';
import type { Decision } from '../../engine/decide/types';
import { verifyAlignment } from '../../engine/verify/alignment';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-11-25T06:00:00.000Z');
let t: TestDb;

const cycle = (id: string, dryRun: boolean) => ({
  id,
  kind: 'cycle',
  trigger: 'api',
  dry_run: dryRun,
  phases: ['heal', 'learn'],
  logical_now: NOW,
});
const decision = (kind: Decision['kind'], confidence: number, title = `${kind} title`): Decision => ({
  kind,
  title,
  rationale: `because ${kind}`,
  confidence,
  payload: { n: confidence },
});

beforeAll(async () => {
  t = await createTestDb('learning-repo');
  await t.db('engine.cycles').insert([cycle('c1', false), cycle('c2', false), cycle('c-dry', true)]);
});
afterAll(() => t?.drop());

describe('learnings', () => {
  it('upserts one payload per (cycle, kind) and returns the newest per kind', async () => {
    await saveLearning(t.db, 'c1', 'suggestion_feedback', { ece: 0.1 });
    await saveLearning(t.db, 'c1', 'high_performers', { top: ['invite'] });
    const again = await saveLearning(t.db, 'c1', 'suggestion_feedback', { ece: 0.2 }); // a retried activity
    expect(again.payload).toEqual({ ece: 0.2 });
    expect(await t.db('engine.learnings').count('* as n').first()).toEqual({ n: 2 });
    await saveLearning(t.db, 'c2', 'suggestion_feedback', { ece: 0.3 });

    const latest = await latestLearnings(t.db);
    expect(Object.keys(latest).sort()).toEqual(['high_performers', 'suggestion_feedback']);
    expect(latest.suggestion_feedback).toMatchObject({ cycleId: 'c2', payload: { ece: 0.3 } });
    expect(latest.high_performers).toMatchObject({ cycleId: 'c1', payload: { top: ['invite'] } });
    expect((await learningsOfCycle(t.db, 'c1')).suggestion_feedback!.payload).toEqual({ ece: 0.2 });
  });
});

describe('decisions', () => {
  it('upserts per (cycle, kind); lists newest first, by kind and limit', async () => {
    await saveDecisions(t.db, 'c1', [decision('pricing', 0.6), decision('resource_allocation', 0.9)]);
    const replaced = await saveDecisions(t.db, 'c1', [
      decision('pricing', 0.7, 'raise prices'),
      decision('resource_allocation', 0.9),
    ]);
    expect(replaced.map((d) => [d.kind, d.title, d.confidence])).toEqual([
      ['pricing', 'raise prices', 0.7],
      ['resource_allocation', 'resource_allocation title', 0.9],
    ]);
    await saveDecisions(t.db, 'c2', [decision('pricing', 0.5)]);
    expect(await t.db('engine.decisions').count('* as n').first()).toEqual({ n: 3 });

    const all = await listDecisions(t.db, { limit: 10 });
    expect(all.map((d) => `${d.cycleId}:${d.kind}`)).toEqual(['c2:pricing', 'c1:resource_allocation', 'c1:pricing']);
    const pricing = await listDecisions(t.db, { kind: 'pricing' });
    expect(pricing.map((d) => [d.cycleId, d.confidence])).toEqual([
      ['c2', 0.5],
      ['c1', 0.7],
    ]);
    expect(pricing[1]).toMatchObject({ rationale: 'because pricing', payload: { n: 0.7 } });
    expect(await listDecisions(t.db, { limit: 1 })).toHaveLength(1);
  });

  it('rejects two decisions of one kind and confidences outside [0, 1]', async () => {
    await expect(saveDecisions(t.db, 'c1', [decision('pricing', 0.5), decision('pricing', 0.6)])).rejects.toThrow(
      /two decisions/,
    );
    await expect(saveDecisions(t.db, 'c1', [decision('pricing', 1.5)])).rejects.toThrow(/outside/);
  });
});

describe('queryCycleExecutions → verifyAlignment', () => {
  it('loads executed actions with their gates and approvals; flags what broke policy', async () => {
    const a = (id: string, cycleId: string, status: string, dryRun: boolean, mode = 'auto') => ({
      id,
      cycle_id: cycleId,
      phase: 'heal',
      type: 'retry_payment',
      target_type: 'payment',
      target_id: id,
      detection_confidence: 1,
      confidence: 0.9,
      mode,
      status,
      dry_run: dryRun,
      executed_at: status === 'executed' ? NOW : null,
    });
    await t
      .db('engine.actions')
      .insert([
        a('ok', 'c1', 'executed', false),
        a('approved', 'c1', 'executed', false, 'needs_approval'),
        a('capped', 'c1', 'executed', false),
        a('planned', 'c1', 'dry_run', false),
        a('sneaky', 'c-dry', 'executed', false),
      ]);
    const g = (actionId: string, gate: string, passed: boolean) => ({
      action_id: actionId,
      gate,
      passed,
      reason: passed ? 'ok' : `${gate} failed`,
    });
    await t
      .db('engine.gate_decisions')
      .insert([
        g('ok', 'kill_switch', true),
        g('ok', 'confidence', true),
        g('approved', 'kill_switch', true),
        g('approved', 'confidence', false),
        g('capped', 'confidence', true),
        g('capped', 'type_cap', false),
        g('sneaky', 'confidence', true),
      ]);
    await t.db('engine.approvals').insert({
      action_id: 'approved',
      workflow_id: 'approval-approved',
      status: 'executed',
      deadline: NOW,
      decided_by: 'alice',
      decided_at: NOW,
    });

    const c1 = await queryCycleExecutions(t.db, 'c1');
    expect(c1.map((x) => x.id)).toEqual(['approved', 'capped', 'ok']);
    expect(c1[0]).toMatchObject({
      status: 'executed',
      dryRun: false,
      cycleDryRun: false,
      approval: { status: 'executed', decidedBy: 'alice' },
      gates: [
        { gate: 'kill_switch', passed: true },
        { gate: 'confidence', passed: false, reason: 'confidence failed' },
      ],
    });
    const r1 = verifyAlignment({ actions: c1, kpis: [], effects: [] });
    expect(r1.violations.map((v) => `${v.kind}:${v.actionId}:${v.gate}`)).toEqual(['gate_failed:capped:type_cap']);
    expect(r1.alignmentScore).toBeCloseTo(2 / 3, 4);

    const dry = await queryCycleExecutions(t.db, 'c-dry');
    expect(dry).toMatchObject([{ id: 'sneaky', cycleDryRun: true }]);
    const r2 = verifyAlignment({ actions: dry, kpis: [], effects: [] });
    expect(r2.violations.map((v) => v.kind)).toEqual(['executed_in_dry_run']);
    expect(r2.alignmentScore).toBe(0);
  });
});
