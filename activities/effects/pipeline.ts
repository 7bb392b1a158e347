// processPlans: turns a phase's ActionPlan[] into gated, audited actions and, in a live cycle, effects
// (docs/architecture.md heal/optimize/prevent, docs/safety.md). For each plan, in order:
//   id = <cycleId>:<type>:<targetId>; finding id from its fingerprint; action confidence from
//   engine.action_stats (no row = Beta(1,1)); the gates (engine/safety/gates.ts) with counters that include
//   the plans admitted before it in this call; then the verdict becomes a status (engine/safety/verdict.ts):
//     recommendation → recommended   blocked → blocked (reason)
//     dry run, would execute or need approval → dry_run (the mode says which): nothing in schema app or
//       the outbox changes, and no approval is opened
//     live, execute → planned, then executeAction      live, needs approval → pending_approval (the caller
//       starts an actionApproval workflow for each id in `needsApproval`)
//     a measured type's target the gates admit, drawn into the control group (policy holdout,
//       engine/learning/holdout.ts) → holdout, in dry and live cycles alike: no effect, no approval, not
//       counted against the caps; executed_at = now and the outcome window as if it had run
//   A change freeze in force at `now` blocks every executable plan of a live cycle (no approval is opened);
//   a dry-run cycle lists it as a passed, informational gate and records what would happen.
//   A demoted type (uplift credibly negative) fails the confidence gate: approval only. The type's rung on
//   the autonomy ladder (engine.autonomy_levels; none, or a changed definition = shadow) decides the rest:
//   approval → approval only; shadow → shadowed: gated and recorded as would-have-done, no effect, no approval.
// Actions, gate decisions and the 'action.planned' / 'gate.decision' audit entries are written set-based in
// one transaction, all ON CONFLICT DO NOTHING: a retried activity re-reads what is stored, decides only the
// plans not stored yet, and executes only the actions still 'planned'. Counting for the type cap is per
// (cycle, type); the contact cap counts the user's outbox rows in the window plus messages admitted
// earlier in this call; the circuit breaker counts effects of the type that failed with an error in its
// window (the executor re-checks it before each effect, so it also trips in the middle of a run). A payment
// retry passes the card-network rules with its card's retries of the last 30 days plus the retries admitted
// earlier in this call (activities/effects/card-retry-context.ts); the executor re-checks them too.
//
// Times: the gates decide at the cycle's logical `now` (defaults to deps.now()); the windows have no upper
// bound, so a logical now in the past only widens them. Effects use deps.now(), the real clock.
import {
  ADMITTED_STATUSES,
  admittedCountsByType,
  getActionsByIds,
  insertActions,
  insertGateDecisions,
  type ActionRecord,
  type NewAction,
} from '../../db/repos/actions';
import { contactCounts } from '../../db/repos/outbox';
import { demotedTypes, segmentCountsOf, posteriorsOf } from '../../db/repos/action-stats';
import { autonomyLevelsOf } from '../../db/repos/autonomy-levels';
import { effectiveLevel, type StoredLevel } from '../../engine/autonomy/levels';
import { failureCounts } from '../../db/repos/effects';
import { userCreatedAt } from '../../db/queries/users';
import { findingIdsByFingerprint } from '../../db/repos/findings';
import { appendAuditMany, type AuditEntryInput } from '../../db/repos/audit';
import { getPolicies, getThresholds } from '../../db/repos/config';
import { listActiveFreezeWindows } from '../../db/repos/change-freezes';
import { activeFreeze } from '../../engine/safety/change-freeze';
import { getCycle } from '../../db/repos/cycles';
import { markPhasePlanned } from '../../db/repos/cycle-phases';
import { outcomeDueAt } from '../../engine/learning/outcomes';
import { gatingPosterior, segmentOf } from '../../engine/learning/segments';
import { ACTION_TYPES } from '../../engine/safety/config-schema';
import { actionIdOf, isMessageAction } from '../../engine/safety/effect-keys';
import { ValidationError } from '../../engine/safety/errors';
import { evaluateGates } from '../../engine/safety/gates';
import { actionVerdict } from '../../engine/safety/verdict';
import { breakerWindowStart, contactWindowStart } from '../../engine/safety/windows';
import type { ActionPlan, ActionStatus, GateOutcome, Phase } from '../../engine/types';
import type { CardRetryAttempt } from '../../engine/safety/card-network-rules';
import { retryCardOf } from '../../engine/safety/card-retry-history';
import { loadCardRetryContext } from './card-retry-context';
import { NonRetryableError } from './errors';
import { executeAction, type EffectDeps } from './executor';
import { allReads } from '../../db/types';

export type { EffectDeps } from './executor';

export interface ProcessPlansInput {
  cycleId: string;
  phase: Phase;
  /** The cycle's dry-run flag; a cycle stored as dry-run stays dry-run whatever this says. */
  dryRun: boolean;
  /** The cycle's logical now (ISO or Date); defaults to deps.now(). */
  now?: Date | string;
  plans: readonly ActionPlan[];
  /** Mark (cycle, phase) as planned in the transaction that stores the actions: a retry drives, never re-plans. */
  markPlanned?: boolean;
  /** Default true; false stores the decisions only and leaves execution to the caller. */
  execute?: boolean;
}

export interface ProcessPlansResult {
  /** Every action of these plans, in plan order (duplicates of one id once). */
  actionIds: string[];
  executed: string[];
  /** Waiting for an operator: start an actionApproval workflow for each. */
  needsApproval: string[];
  blocked: string[];
  recommended: string[];
  dryRun: string[];
  failed: string[];
  /** Held out as the control group: no effect, outcome measured. */
  heldOut: string[];
  /** A type in shadow on the autonomy ladder: recorded as would-have-done, never executed or sent for approval. */
  shadowed: string[];
}

const ACTOR = 'engine';

function validatePlan(p: ActionPlan, i: number): void {
  const issues: string[] = [];
  if (!(ACTION_TYPES as readonly string[]).includes(p.type)) issues.push(`unknown type ${JSON.stringify(p.type)}`);
  if (typeof p.targetId !== 'string' || p.targetId === '') issues.push('targetId must be a non-empty string');
  if (!['remediation', 'optimization', 'healing'].includes(p.gateClass))
    issues.push(`unknown gateClass ${JSON.stringify(p.gateClass)}`);
  if (typeof p.detectionConfidence !== 'number' || !Number.isFinite(p.detectionConfidence))
    issues.push('detectionConfidence must be a finite number');
  if (issues.length)
    throw new ValidationError(
      `plan ${i} (${String(p.type)}:${String(p.targetId)}): ${issues.join('; ')}`,
      issues.map((m) => ({ path: `plans.${i}`, message: m })),
    );
}

/** The user a message plan goes to (its params.userId, else the target id). */
function recipientOf(p: Pick<ActionPlan, 'type' | 'targetId' | 'params'> | ActionRecord): number | null {
  if (!isMessageAction(p.type)) return null;
  const raw = p.params?.userId ?? p.targetId;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** The type's rung on the ladder and why, for the gates. */
function autonomyOf(type: string, row: (StoredLevel & { reason?: string }) | undefined) {
  const level = effectiveLevel(type, row);
  const reason = !row
    ? 'a new action type starts in shadow'
    : level !== row.level
      ? 'its definition changed: it starts again in shadow'
      : (row.reason ?? level);
  return { level, reason };
}

function isAdmitted(a: Pick<ActionRecord, 'mode' | 'status'>): boolean {
  return a.mode !== 'recommendation' && ADMITTED_STATUSES.includes(a.status);
}

export async function processPlans(deps: EffectDeps, input: ProcessPlansInput): Promise<ProcessPlansResult> {
  const { db } = deps;
  const cycle = await getCycle(db, input.cycleId);
  if (!cycle) throw new NonRetryableError(`cycle ${input.cycleId} does not exist`, 'not_found');
  const dryRun = input.dryRun || cycle.dryRun;
  const now = input.now ? new Date(input.now) : deps.now();
  if (Number.isNaN(now.getTime()))
    throw new ValidationError(`invalid now ${String(input.now)}`, [{ path: 'now', message: 'not a time' }]);

  // One action per id: a plan listed twice is decided once (the first wins).
  const plans: Array<{ id: string; plan: ActionPlan }> = [];
  const seen = new Set<string>();
  input.plans.forEach((p, i) => {
    validatePlan(p, i);
    const id = actionIdOf(input.cycleId, p.type, p.targetId);
    if (!seen.has(id)) {
      seen.add(id);
      plans.push({ id, plan: p });
    }
  });
  const ids = plans.map((p) => p.id);

  const [stored, thresholds, policies, freezeWindows] = await allReads(db, [
    () => getActionsByIds(db, ids),
    () => getThresholds(db),
    () => getPolicies(db),
    () => listActiveFreezeWindows(db),
  ] as const);
  // At the cycle's logical now, like the other gates; the executor checks again at the real time.
  const changeFreeze = activeFreeze(freezeWindows, now);
  const fresh = plans.filter((p) => !stored.has(p.id));
  const types = [...new Set(fresh.map((p) => p.plan.type))];
  const recipients = fresh.map((p) => recipientOf(p.plan)).filter((u): u is number => u != null);
  const retryCards = new Map(
    fresh.filter((p) => p.plan.type === 'retry_payment').map((p) => [p.id, retryCardOf(p.plan.params ?? {})]),
  );
  const [findingIds, posteriors, demoted, segmentCounts, signups, admitted, contacts, failures, cards, levels] =
    await allReads(db, [
      () =>
        findingIdsByFingerprint(
          db,
          fresh.map((p) => p.plan.findingFingerprint).filter((f): f is string => !!f),
        ),
      () => posteriorsOf(db, types),
      () => demotedTypes(db),
      () => segmentCountsOf(db, types),
      () => userCreatedAt(db, recipients),
      // Stored actions of this batch are in these counts already (a retried call).
      () => admittedCountsByType(db, input.cycleId),
      () => contactCounts(db, recipients, contactWindowStart(now, policies)),
      () => failureCounts(db, types, breakerWindowStart(now, policies)),
      () => loadCardRetryContext(db, [...retryCards.values()], now),
      () => autonomyLevelsOf(db, types),
    ] as const);

  const typeCount = new Map<string, number>(admitted);
  const contactsInCall = new Map<number, number>();
  // Retries admitted earlier in this call count against their card's caps like sent ones.
  const retriesInCall: CardRetryAttempt[] = [];
  const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

  const newActions: NewAction[] = [];
  const gateRows: Array<{ actionId: string; outcome: GateOutcome }> = [];
  const audits: AuditEntryInput[] = [];

  for (const { id, plan } of plans) {
    const recipient = recipientOf(plan);
    const existing = stored.get(id);
    if (existing) {
      // Decided by an earlier attempt: keep that decision. It is in the type counts already; an admitted
      // message not yet executed is not in the outbox, so it counts against its user here.
      if (isAdmitted(existing) && recipient != null && existing.status !== 'executed') bump(contactsInCall, recipient);
      if (isAdmitted(existing) && existing.type === 'retry_payment' && existing.status !== 'executed') {
        const card = retryCardOf(existing.params);
        retriesInCall.push({ at: now, paymentMethodRef: card.paymentMethodRef, subscriptionId: card.subscriptionId });
      }
      continue;
    }
    const signup = recipient == null ? undefined : signups.get(recipient);
    const segment = segmentOf(signup ?? null, now);
    const gating = gatingPosterior(
      posteriors.get(plan.type) ?? null,
      segment,
      segment ? segmentCounts.get(`${plan.type}\u0000${segment}`) : undefined,
    );
    const evaluation = evaluateGates({
      plan,
      posterior: gating.posterior,
      posteriorSource: segment ? { segment, source: gating.source, segmentOutcomes: gating.segmentOutcomes } : null,
      demoted: demoted.get(plan.type) ?? null,
      autonomy: autonomyOf(plan.type, levels.get(plan.type)),
      thresholds,
      policies,
      appWriteBlocked: deps.appWriteBlocked,
      dryRun,
      counters: {
        typeAdmittedInCycle: typeCount.get(plan.type) ?? 0,
        recentContactsForUser:
          recipient == null ? 0 : (contacts.get(recipient) ?? 0) + (contactsInCall.get(recipient) ?? 0),
        recentFailuresForType: failures.get(plan.type) ?? 0,
        now,
        cardRetry: retryCards.has(id) ? cards.queryFor(retryCards.get(id)!, retriesInCall) : null,
        changeFreeze,
      },
    });
    const verdict = actionVerdict({ plan, evaluation, dryRun, policies });
    const { status, reason, heldOut } = verdict;
    if (verdict.admitted) {
      bump(typeCount, plan.type);
      if (recipient != null) bump(contactsInCall, recipient);
      const card = retryCards.get(id);
      if (card)
        retriesInCall.push({ at: now, paymentMethodRef: card.paymentMethodRef, subscriptionId: card.subscriptionId });
    }
    const findingId = plan.findingFingerprint ? (findingIds.get(plan.findingFingerprint) ?? null) : null;
    newActions.push({
      id,
      cycleId: input.cycleId,
      phase: plan.phase ?? input.phase,
      type: plan.type,
      targetType: plan.targetType,
      targetId: plan.targetId,
      params: plan.params ?? {},
      findingId,
      detectionConfidence: plan.detectionConfidence,
      confidence: evaluation.confidence,
      expectedImpact: plan.expectedImpact ?? {},
      mode: evaluation.mode,
      status,
      statusReason: reason,
      dryRun,
      segment,
      ...(heldOut ? { executedAt: now, outcomeDueAt: outcomeDueAt(plan.type, now) } : {}),
    });
    for (const outcome of evaluation.outcomes) gateRows.push({ actionId: id, outcome });
    audits.push(
      {
        actor: ACTOR,
        cycleId: input.cycleId,
        event: 'action.planned',
        target: id,
        after: {
          type: plan.type,
          phase: plan.phase ?? input.phase,
          gateClass: plan.gateClass,
          targetType: plan.targetType,
          targetId: plan.targetId,
          params: plan.params ?? {},
          findingFingerprint: plan.findingFingerprint,
          findingId,
          detectionConfidence: plan.detectionConfidence,
          expectedImpact: plan.expectedImpact ?? {},
          executable: plan.executable,
        },
        dryRun,
        dedupeKey: `action.planned:${id}`,
      },
      {
        actor: ACTOR,
        cycleId: input.cycleId,
        event: 'gate.decision',
        target: id,
        after: {
          verdict: evaluation.verdict,
          mode: evaluation.mode,
          status,
          reason,
          confidence: evaluation.confidence,
          gates: evaluation.outcomes,
        },
        dryRun,
        dedupeKey: `gate.decision:${id}`,
      },
    );
  }

  if (newActions.length || input.markPlanned) {
    await db.transaction(async (trx) => {
      const inserted = await insertActions(trx, newActions);
      // An id another process stored meanwhile keeps that process's decision and gate records.
      await insertGateDecisions(
        trx,
        gateRows.filter((g) => inserted.has(g.actionId)),
      );
      await appendAuditMany(
        trx,
        audits.filter((a) => a.target != null && inserted.has(a.target)),
      );
      if (input.markPlanned) await markPhasePlanned(trx, input.cycleId, input.phase);
    });
  }

  if (!dryRun && input.execute !== false) {
    let actions = await getActionsByIds(db, ids);
    for (const id of ids) {
      const a = actions.get(id);
      if (a && a.status === 'planned' && a.mode === 'auto' && !a.dryRun) await executeAction(deps, id);
    }
    actions = await getActionsByIds(db, ids);
    return classify(ids, actions);
  }
  return classify(ids, await getActionsByIds(db, ids));
}

function classify(ids: readonly string[], actions: Map<string, ActionRecord>): ProcessPlansResult {
  const out: ProcessPlansResult = {
    actionIds: [...ids],
    executed: [],
    needsApproval: [],
    blocked: [],
    recommended: [],
    dryRun: [],
    failed: [],
    heldOut: [],
    shadowed: [],
  };
  const bucket: Partial<Record<ActionStatus, keyof Omit<ProcessPlansResult, 'actionIds'>>> = {
    executed: 'executed',
    failed: 'failed',
    pending_approval: 'needsApproval',
    blocked: 'blocked',
    recommended: 'recommended',
    dry_run: 'dryRun',
    holdout: 'heldOut',
    shadowed: 'shadowed',
  };
  for (const id of ids) {
    const status = actions.get(id)?.status;
    const key = status ? bucket[status] : undefined;
    if (key) out[key].push(id);
  }
  return out;
}
