// executeAction: the one place an effect happens (docs/safety.md). Idempotent under retries and crashes:
//
//   1. an action already executed or failed is answered from its record; nothing is repeated;
//   2. it refuses what must never run: dry-run actions or cycles, recommendations, actions not admitted
//      (pending approval, rejected, blocked...);
//   3. the effect and its idempotency key derive from the action's natural target (effect-keys.ts);
//      an effects row with that key that is complete finishes the action from it, one owned by another
//      action blocks this one as a duplicate;
//   4. the execution-time gates run right before acting: kill switch; change freeze (engine.change_freezes, one
//      query per action, so a window an admin adds mid-run stops the next effect); for messages the contact cap, quiet
//      hours and a reachable recipient (not deleted, not opted out, not suppressed); the circuit breaker; for
//      payment retries the card-network rules on the payment's current card and advice, checked in the claim's
//      transaction under a per-card lock (after the preconditions), so concurrent executions cannot overfill a cap;
//   5. preconditions (first drive only): the payment is still failed, soft-declined, at the planned
//      attempt and amount; the subscription still active; the email still the planned one;
//   6. the engine.effects row is inserted (pending) BEFORE the port is called, then completed with the
//      response. A crash in between leaves it pending: the next call re-drives it with the SAME key and the
//      adapters, idempotent on the key, return what they recorded instead of acting again.
// Outcome: 'executed' = the effect was performed (a declined payment retry is executed: its outcome, a
// failure, is measured by the learn phase); 'failed' = nothing was changed (refused, precondition gone);
// 'blocked' = an execution-time gate stopped it. The effect row's own status is succeeded/failed, and its
// response.outcome says succeeded, declined (a business outcome) or error (the port refused, or a data
// fix's guard no longer matched): the circuit breaker counts errors, not declines, since soft-declined
// retries fail often by nature and their rate is the success posterior's job. Transient port errors are
// rethrown with the effect left pending: Temporal's retry policy bounds them and re-drives with the key.
// Every step is audited with dedupe keys.
import type { Knex } from 'knex';
import { claimEffect, completeEffect, failureCounts, getEffectByKey, type EffectRecord } from '../../db/repos/effects';
import { contactCounts } from '../../db/repos/outbox';
import { getAction, overrideGateDecision, transitionAction, type ActionRecord } from '../../db/repos/actions';
import { appendAudit } from '../../db/repos/audit';
import { getPolicies, type Policies } from '../../db/repos/config';
import { listActiveFreezeWindows } from '../../db/repos/change-freezes';
import { getCycle } from '../../db/repos/cycles';
import { paymentRow, subscriptionStateOf, userEmailOf } from '../../db/queries/users';
import { recipientFactsOf } from './recipient-facts';
import { classifyDecline, normalizeDeclineCode } from '../../engine/detectors/decline-codes';
import { outcomeDueAt } from '../../engine/learning/outcomes';
import { effectTargetOf, type EffectPort, type EffectTarget } from '../../engine/safety/effect-keys';
import { recipientGate } from '../../engine/safety/recipient-gate';
import { activeFreeze } from '../../engine/safety/change-freeze';
import {
  cardNetworkGate,
  changeFreezeGate,
  executionGates,
  failedReasons,
  killSwitchGate,
  type ActiveFreeze,
} from '../../engine/safety/gates';
import { breakerWindowStart, contactWindowStart } from '../../engine/safety/windows';
import type { ActionStatus, GateOutcome } from '../../engine/types';
import { retryCardOf } from '../../engine/safety/card-retry-history';
import { loadCardRetryContext } from './card-retry-context';
import { isNonRetryable, NonRetryableError } from './errors';
import type { DataFixer, Messenger, PaymentGateway } from './ports';
import { createSqlDataFixer } from './sql-data-fixer';
import { allReads } from '../../db/types';

export interface EffectDeps {
  db: Knex;
  payments: PaymentGateway;
  messenger: Messenger;
  /** The real clock in production; executed_at, effect times and the execution-time gates use it. */
  now: () => Date;
  /** Defaults to the SQL adapter over `db`. */
  dataFixes?: DataFixer;
  /** Read-only mode: ports whose adapter would write schema app; their actions are blocked. Default none. */
  appWriteBlocked?: readonly EffectPort[];
}

export type ExecutionStatus = 'executed' | 'failed' | 'blocked';

export interface ExecutionResult {
  actionId: string;
  status: ExecutionStatus;
  reason: string | null;
  effect: {
    idempotencyKey: string;
    port: string;
    status: EffectRecord['status'];
    response: Record<string, unknown> | null;
  } | null;
  /** True when the action had already been carried out: this call performed nothing. */
  repeated: boolean;
}

/** Statuses from which an action may execute: admitted automatically, or approved by an operator. */
const RUNNABLE: readonly ActionStatus[] = ['planned', 'approved'];

const ACTOR = 'engine';

function statusOf(a: ActionRecord): ExecutionStatus {
  return a.status === 'executed' ? 'executed' : a.status === 'failed' ? 'failed' : 'blocked';
}

function effectSummary(e: EffectRecord | null): ExecutionResult['effect'] {
  return e ? { idempotencyKey: e.idempotencyKey, port: e.port, status: e.status, response: e.response } : null;
}

async function currentResult(db: Knex, action: ActionRecord, key: string | null): Promise<ExecutionResult> {
  const effect = key ? await getEffectByKey(db, key) : null;
  return {
    actionId: action.id,
    status: statusOf(action),
    reason: action.statusReason,
    effect: effectSummary(effect?.actionId === action.id ? effect : null),
    repeated: true,
  };
}

function safeTarget(action: ActionRecord): EffectTarget | null {
  try {
    return effectTargetOf(action);
  } catch {
    return null;
  }
}

/** Marks the action failed without any effect (refused, or its precondition no longer holds). */
async function failWithoutEffect(
  db: Knex,
  action: ActionRecord,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<ExecutionResult> {
  await db.transaction(async (trx) => {
    const moved = await transitionAction(trx, action.id, RUNNABLE, { status: 'failed', reason });
    if (moved) {
      await appendAudit(trx, {
        actor: ACTOR,
        cycleId: action.cycleId,
        event: 'action.failed',
        target: action.id,
        before: { status: action.status },
        after: { status: 'failed', reason, ...details },
        dryRun: false,
        dedupeKey: `action.failed:${action.id}`,
      });
    }
  });
  const fresh = (await getAction(db, action.id))!;
  return { actionId: action.id, status: statusOf(fresh), reason: fresh.statusReason, effect: null, repeated: false };
}

async function block(
  db: Knex,
  action: ActionRecord,
  failed: GateOutcome[],
  pendingEffect: EffectRecord | null,
): Promise<ExecutionResult> {
  const reason =
    failedReasons(failed) +
    (pendingEffect
      ? `; effect ${pendingEffect.idempotencyKey} is still pending (it may have reached its target): reconcile before re-running`
      : '');
  await db.transaction(async (trx) => {
    const moved = await transitionAction(trx, action.id, RUNNABLE, { status: 'blocked', reason });
    if (!moved) return;
    for (const g of failed)
      await overrideGateDecision(trx, action.id, { ...g, details: { ...g.details, checkedAt: 'execution' } });
    await appendAudit(trx, {
      actor: ACTOR,
      cycleId: action.cycleId,
      event: 'action.blocked',
      target: action.id,
      before: { status: action.status },
      after: { status: 'blocked', reason, gates: failed },
      dryRun: false,
      dedupeKey: `action.blocked:${action.id}`,
    });
  });
  const fresh = (await getAction(db, action.id))!;
  return {
    actionId: action.id,
    status: statusOf(fresh),
    reason: fresh.statusReason,
    effect: effectSummary(pendingEffect),
    repeated: false,
  };
}

/**
 * Finishes the action from its completed effect, in one transaction with the effect's completion audit.
 * Used both right after the effect and when a crash left the action unfinished.
 */
async function finish(
  deps: EffectDeps,
  action: ActionRecord,
  effect: EffectRecord,
  repeated: boolean,
): Promise<ExecutionResult> {
  const { db } = deps;
  const actionStatus: 'executed' | 'failed' = effect.response?.actionStatus === 'failed' ? 'failed' : 'executed';
  const reason = typeof effect.response?.reason === 'string' ? effect.response.reason : null;
  const executedAt = effect.completedAt ? new Date(effect.completedAt) : deps.now();
  await db.transaction(async (trx) => {
    const moved = await transitionAction(trx, action.id, RUNNABLE, {
      status: actionStatus,
      reason,
      executedAt: actionStatus === 'executed' ? executedAt : null,
      outcomeDueAt: actionStatus === 'executed' ? outcomeDueAt(action.type, executedAt) : null,
    });
    await appendAudit(trx, {
      actor: ACTOR,
      cycleId: action.cycleId,
      event: `effect.${effect.status}`,
      target: effect.target,
      before: (effect.request.before as unknown) ?? null,
      after: { idempotencyKey: effect.idempotencyKey, port: effect.port, ...(effect.response ?? {}) },
      dryRun: false,
      dedupeKey: `effect.completed:${effect.idempotencyKey}`,
    });
    if (moved) {
      await appendAudit(trx, {
        actor: ACTOR,
        cycleId: action.cycleId,
        event: `action.${actionStatus}`,
        target: action.id,
        before: { status: action.status },
        after: {
          status: actionStatus,
          reason,
          executedAt: actionStatus === 'executed' ? executedAt.toISOString() : null,
          idempotencyKey: effect.idempotencyKey,
          effectStatus: effect.status,
        },
        dryRun: false,
        dedupeKey: `action.${actionStatus}:${action.id}`,
      });
    }
  });
  const fresh = (await getAction(db, action.id))!;
  return {
    actionId: action.id,
    status: statusOf(fresh),
    reason: fresh.statusReason,
    effect: effectSummary(effect),
    repeated,
  };
}

/** The kill switch and, when one is in force, the change freeze: what even a re-driven effect honours. */
function stopGates(policies: Policies, freeze: ActiveFreeze | null): GateOutcome[] {
  const frozen = changeFreezeGate(freeze);
  return frozen ? [killSwitchGate(policies), frozen] : [killSwitchGate(policies)];
}

/** The gates re-checked right before acting. A re-driven (pending) effect only honours the kill switch and freezes. */
async function executionTimeGates(
  deps: EffectDeps,
  action: ActionRecord,
  target: EffectTarget,
  policies: Policies,
  freeze: ActiveFreeze | null,
  inFlight: boolean,
): Promise<GateOutcome[]> {
  const { db } = deps;
  const now = deps.now();
  if (inFlight) return stopGates(policies, freeze);
  const contactSince = contactWindowStart(now, policies);
  const breakerSince = breakerWindowStart(now, policies);
  const isMessage = target.kind === 'message';
  const [contacts, failures] = await allReads(db, [
    () =>
      isMessage
        ? contactCounts(db, [target.userId], contactSince, target.key)
        : Promise.resolve(new Map<number, number>()),
    () => failureCounts(db, [action.type], breakerSince),
  ] as const);
  const gates = executionGates(
    action.type,
    isMessage ? String(target.userId) : action.targetId,
    policies,
    {
      recentContactsForUser: isMessage ? (contacts.get(target.userId) ?? 0) : 0,
      recentFailuresForType: failures.get(action.type) ?? 0,
      now,
      changeFreeze: freeze,
    },
    deps.appWriteBlocked,
  );
  if (isMessage) {
    // Read now, not at planning: an address unsubscribed since the plan is caught here.
    gates.push(recipientGate(target.userId, await recipientFactsOf(db, target.userId)));
  }
  return gates;
}

/**
 * The card-network rules on the payment as it is now (its card and advice may have changed since planning),
 * under a per-card advisory lock held until the claim commits: two executions on one card at once are
 * serialized, and the second counts the first's claimed effect. Null = allowed.
 */
async function lockedCardCheck(
  trx: Knex.Transaction,
  action: ActionRecord,
  paymentId: number,
  policies: Policies,
  now: Date,
): Promise<GateOutcome | null> {
  const row = await paymentRow(trx, paymentId);
  const planned = retryCardOf(action.params);
  const current = row ? retryCardOf(row) : planned;
  const card = {
    ...current,
    // A hard decline is the precondition's refusal (a failure with its own reason), not a gate's block.
    declineCode: null,
    paymentId,
    cardBrand: current.cardBrand ?? planned.cardBrand,
    paymentMethodRef: current.paymentMethodRef ?? planned.paymentMethodRef,
    subscriptionId: current.subscriptionId ?? planned.subscriptionId,
  };
  const lockKey = `floyo:card:${card.paymentMethodRef ?? `subscription:${card.subscriptionId}`}`;
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [lockKey]);
  const gate = cardNetworkGate((await loadCardRetryContext(trx, [card], now, action.id)).queryFor(card), policies);
  return gate.passed ? null : gate;
}

/** Checks, on the first drive only, that the target is still in the state the action was planned on; returns the before snapshot. */
async function precondition(
  db: Knex,
  action: ActionRecord,
  target: EffectTarget,
  policies: Policies,
): Promise<
  | { ok: true; before: Record<string, unknown> | null }
  | { ok: false; reason: string; before: Record<string, unknown> | null }
> {
  switch (target.kind) {
    case 'retry_payment': {
      const row = await paymentRow(db, target.paymentId);
      if (!row) return { ok: false, reason: `payment ${target.paymentId} does not exist`, before: null };
      const before = paymentSnapshot(row);
      const code = normalizeDeclineCode(row.failure_code);
      if (classifyDecline(row.failure_code) === 'hard')
        return {
          ok: false,
          reason: `refused: payment ${target.paymentId} was hard-declined (${code}); hard declines are never retried`,
          before,
        };
      if (row.status !== 'failed')
        return {
          ok: false,
          reason: `payment ${target.paymentId} is ${row.status}, not failed: nothing to retry`,
          before,
        };
      if (Number(row.attempt_count) + 1 !== target.attempt) {
        return {
          ok: false,
          reason: `payment ${target.paymentId} changed since planning: attempt ${Number(row.attempt_count) + 1} is next, the plan was for attempt ${target.attempt}`,
          before,
        };
      }
      if (target.attempt > policies.payment_retry.maxAttempts) {
        return {
          ok: false,
          reason: `payment ${target.paymentId}: attempt ${target.attempt} exceeds payment_retry.maxAttempts ${policies.payment_retry.maxAttempts}`,
          before,
        };
      }
      const planned = action.params.amountCents;
      if (typeof planned === 'number' && planned !== Number(row.amount_cents)) {
        return {
          ok: false,
          reason: `payment ${target.paymentId} is for ${row.amount_cents} cents, the plan was for ${planned}`,
          before,
        };
      }
      return { ok: true, before };
    }
    case 'cancel_subscription': {
      const row = await subscriptionStateOf(db, target.subscriptionId);
      if (!row) return { ok: false, reason: `subscription ${target.subscriptionId} does not exist`, before: null };
      const before = {
        id: Number(row.id),
        userId: Number(row.user_id),
        status: row.status,
        canceledAt: row.canceled_at ? new Date(row.canceled_at).toISOString() : null,
      };
      if (row.status !== 'active')
        return {
          ok: false,
          reason: `subscription ${target.subscriptionId} is ${row.status}, not active: left unchanged`,
          before,
        };
      return { ok: true, before };
    }
    case 'normalize_email': {
      const before = await userEmailOf(db, target.userId);
      if (!before) return { ok: false, reason: `user ${target.userId} does not exist`, before: null };
      if (before.email !== target.fromEmail)
        return {
          ok: false,
          reason: `user ${target.userId}'s email changed since it was planned: left unchanged`,
          before,
        };
      return { ok: true, before };
    }
    case 'message':
      return { ok: true, before: null };
  }
}

function paymentSnapshot(r: Record<string, any>): Record<string, unknown> {
  return {
    id: Number(r.id),
    status: r.status,
    failureCode: r.failure_code ?? null,
    attemptCount: Number(r.attempt_count),
    attemptedAt: r.attempted_at ? new Date(r.attempted_at).toISOString() : null,
    nextRetryAt: r.next_retry_at ? new Date(r.next_retry_at).toISOString() : null,
    providerRef: r.provider_ref ?? null,
  };
}

function portRequest(action: ActionRecord, target: EffectTarget, at: Date): Record<string, unknown> {
  switch (target.kind) {
    case 'retry_payment':
      return { paymentId: target.paymentId, attempt: target.attempt, amountCents: action.params.amountCents };
    case 'cancel_subscription':
      // The time is part of the request so a re-drive sends the very same one (the adapter recognises it).
      return { subscriptionId: target.subscriptionId, canceledAt: at.toISOString() };
    case 'normalize_email':
      return { userId: target.userId, fromEmail: target.fromEmail, toEmail: target.toEmail };
    case 'message':
      return { userId: target.userId, template: target.template };
  }
}

/** Calls the port; returns the effect status, the action status it implies and the response to store. */
async function perform(
  deps: EffectDeps,
  action: ActionRecord,
  target: EffectTarget,
  effect: EffectRecord,
): Promise<{ effectStatus: 'succeeded' | 'failed'; response: Record<string, unknown> }> {
  const { db } = deps;
  const key = effect.idempotencyKey;
  switch (target.kind) {
    case 'retry_payment': {
      const amountCents =
        typeof effect.request.amountCents === 'number'
          ? effect.request.amountCents
          : Number((await paymentRow(db, target.paymentId))?.amount_cents);
      // The provider object as the first drive saw it, so a re-drive acts on the same one.
      const providerRef = (effect.request.before as { providerRef?: string | null } | null)?.providerRef ?? null;
      const r = await deps.payments.retryPayment({
        paymentId: target.paymentId,
        amountCents,
        idempotencyKey: key,
        providerRef,
      });
      const row = await paymentRow(db, target.paymentId);
      // A declined retry was still performed: the action is executed and the learn phase measures it.
      return {
        effectStatus: r.status,
        response: {
          actionStatus: 'executed',
          outcome: r.status === 'succeeded' ? 'succeeded' : 'declined',
          paymentStatus: r.status,
          providerRef: r.providerRef,
          failureCode: r.failureCode ?? null,
          ...(r.adviceCode ? { adviceCode: r.adviceCode } : {}),
          ...(r.networkDeclineCode ? { networkDeclineCode: r.networkDeclineCode } : {}),
          after: row ? paymentSnapshot(row) : null,
        },
      };
    }
    case 'cancel_subscription':
    case 'normalize_email': {
      const fixer = deps.dataFixes ?? createSqlDataFixer(db);
      const r =
        target.kind === 'cancel_subscription'
          ? await fixer.cancelSubscription({
              subscriptionId: target.subscriptionId,
              canceledAt: new Date(String(effect.request.canceledAt)),
              idempotencyKey: key,
            })
          : await fixer.normalizeEmail({
              userId: target.userId,
              fromEmail: target.fromEmail,
              toEmail: target.toEmail,
              idempotencyKey: key,
            });
      return {
        effectStatus: r.status,
        response: {
          actionStatus: r.status === 'succeeded' ? 'executed' : 'failed',
          outcome: r.status === 'succeeded' ? 'succeeded' : 'error',
          changed: r.changed,
          after: r.after,
          ...(r.reason ? { reason: r.reason } : {}),
        },
      };
    }
    case 'message': {
      const payload = { actionId: action.id, actionType: action.type, cycleId: action.cycleId, ...action.params };
      const r = await deps.messenger.send({
        userId: target.userId,
        template: target.template,
        payload,
        idempotencyKey: key,
      });
      return {
        effectStatus: 'succeeded',
        response: {
          actionStatus: 'executed',
          outcome: 'succeeded',
          messageId: r.messageId,
          after: { messageId: r.messageId, userId: target.userId, template: target.template },
        },
      };
    }
  }
}

export async function executeAction(deps: EffectDeps, actionId: string): Promise<ExecutionResult> {
  const { db } = deps;
  const action = await getAction(db, actionId);
  if (!action) throw new NonRetryableError(`action ${actionId} does not exist`, 'not_found');
  if (action.status === 'executed' || action.status === 'failed')
    return currentResult(db, action, safeTarget(action)?.key ?? null);

  // Defence in depth: the pipeline never sends these here; refusing them is this function's own promise.
  if (action.dryRun)
    throw new NonRetryableError(`refusing to execute action ${actionId}: it is a dry-run action`, 'dry_run');
  const cycle = await getCycle(db, action.cycleId);
  if (!cycle || cycle.dryRun)
    throw new NonRetryableError(
      `refusing to execute action ${actionId}: its cycle ${action.cycleId} is ${cycle ? 'a dry run' : 'missing'}`,
      'dry_run',
    );
  if (action.mode === 'recommendation')
    throw new NonRetryableError(
      `action ${actionId} is a recommendation for humans: the engine never executes it`,
      'recommendation',
    );
  if (!RUNNABLE.includes(action.status))
    throw new NonRetryableError(
      `action ${actionId} is ${action.status}: only planned (auto) or approved actions execute`,
      'not_runnable',
    );
  if (action.status === 'planned' && action.mode !== 'auto')
    throw new NonRetryableError(`action ${actionId} needs an operator's approval before it executes`, 'needs_approval');

  let target: EffectTarget | null;
  try {
    target = effectTargetOf(action);
  } catch (err) {
    return failWithoutEffect(db, action, (err as Error).message);
  }

  const [policies, freezeWindows] = await allReads(db, [
    () => getPolicies(db),
    () => listActiveFreezeWindows(db),
  ] as const);
  const freeze = activeFreeze(freezeWindows, deps.now());
  if (!target) {
    // data_fix_review: the fix is a human's; approving it hands it over, and there is nothing to run.
    const stopped = stopGates(policies, freeze).filter((g) => !g.passed);
    if (stopped.length) return block(db, action, stopped, null);
    return finishWithoutEffect(deps, action);
  }

  const existing = await getEffectByKey(db, target.key);
  if (existing && existing.actionId !== action.id) {
    // Another action owns this effect. If a crash left it pending, finish it through its owner first, so
    // the effect is settled once and this action is not blocked behind a stuck row forever.
    if (existing.status === 'pending')
      await executeAction(deps, existing.actionId).catch((err) => {
        if (!isNonRetryable(err)) throw err;
      });
    return block(
      db,
      action,
      [
        {
          gate: 'idempotency',
          passed: false,
          reason: `duplicate: effect ${target.key} was already performed by action ${existing.actionId}`,
        },
      ],
      null,
    );
  }
  if (existing && existing.status !== 'pending') return finish(deps, action, existing, true);

  const gates = await executionTimeGates(deps, action, target, policies, freeze, existing != null);
  const failed = gates.filter((g) => !g.passed);
  if (failed.length) return block(db, action, failed, existing);

  let effect = existing;
  if (!effect) {
    const pre = await precondition(db, action, target, policies);
    if (!pre.ok) return failWithoutEffect(db, action, pre.reason, { before: pre.before });
    const at = deps.now();
    const request = portRequest(action, target, at);
    // The claim and its audit entry commit together: a crash leaves both or neither.
    const claimed = await db.transaction(async (trx) => {
      const refused =
        target.kind === 'retry_payment' ? await lockedCardCheck(trx, action, target.paymentId, policies, at) : null;
      if (refused) return { refused };
      const c = await claimEffect(trx, {
        key: target.key,
        actionId: action.id,
        actionType: action.type,
        port: target.port,
        target: target.target,
        request: { ...request, before: pre.before },
        at,
      });
      if (c.created) {
        await appendAudit(trx, {
          actor: ACTOR,
          cycleId: action.cycleId,
          event: 'effect.started',
          target: target.target,
          before: pre.before,
          after: { idempotencyKey: target.key, port: target.port, actionId: action.id, request },
          dryRun: false,
          dedupeKey: `effect.started:${target.key}`,
        });
      }
      return { refused: null, ...c };
    });
    if (claimed.refused) return block(db, action, [claimed.refused], null);
    if (claimed.effect.actionId !== action.id) {
      return block(
        db,
        action,
        [
          {
            gate: 'idempotency',
            passed: false,
            reason: `duplicate: effect ${target.key} was already performed by action ${claimed.effect.actionId}`,
          },
        ],
        null,
      );
    }
    if (claimed.effect.status !== 'pending') return finish(deps, action, claimed.effect, true);
    effect = claimed.effect;
  }

  let outcome: { effectStatus: 'succeeded' | 'failed'; response: Record<string, unknown> };
  try {
    outcome = await perform(deps, action, target, effect);
  } catch (err) {
    // A refusal no retry can change is recorded as a failed effect; anything else leaves the effect pending
    // and propagates, so the activity's retry re-drives it with the same key.
    if (!isNonRetryable(err)) throw err;
    outcome = {
      effectStatus: 'failed',
      response: {
        actionStatus: 'failed',
        outcome: 'error',
        reason: `refused: ${err.message}`,
        error: err.message,
        code: err.code ?? null,
      },
    };
  }
  const completed = await completeEffect(db, effect.idempotencyKey, outcome.effectStatus, outcome.response, deps.now());
  return finish(deps, action, completed, false);
}

async function finishWithoutEffect(deps: EffectDeps, action: ActionRecord): Promise<ExecutionResult> {
  const { db } = deps;
  const executedAt = deps.now();
  const reason = `no automated effect: ${action.type} is carried out by operators`;
  await db.transaction(async (trx) => {
    const moved = await transitionAction(trx, action.id, RUNNABLE, {
      status: 'executed',
      reason,
      executedAt,
      outcomeDueAt: outcomeDueAt(action.type, executedAt),
    });
    if (moved) {
      await appendAudit(trx, {
        actor: ACTOR,
        cycleId: action.cycleId,
        event: 'action.executed',
        target: action.id,
        before: { status: action.status },
        after: { status: 'executed', reason, executedAt: executedAt.toISOString(), effect: null },
        dryRun: false,
        dedupeKey: `action.executed:${action.id}`,
      });
    }
  });
  const fresh = (await getAction(db, action.id))!;
  return { actionId: action.id, status: statusOf(fresh), reason: fresh.statusReason, effect: null, repeated: false };
}
