// The safety gates every planned action passes (docs/safety.md), as pure functions: the plan, its
// confidence inputs, the configuration and the counters in; one GateOutcome per gate and the verdict out.
//
//   kill_switch      every executable type          on → blocked
//   confidence       every type, by gate class      action confidence < gate.<class> → needs approval
//                                                   (exactly at the gate passes)
//   type_cap         every executable type          this cycle already admitted type_caps[type] → blocked
//   contact_cap      message types                  the user got maxMessages in windowDays → blocked
//   quiet_hours      message types                  local time in [startHour, endHour) → blocked
//   circuit_breaker  every executable type          `failures` effects of the type failed with an error
//                                                   within windowMinutes → blocked (a declined payment
//                                                   retry is an outcome, not an error: not counted)
//   card_network     retry_payment                  a card-network rule forbids retrying this card now
//                                                   (card-network-rules.ts) → blocked, the rule's name first
//   app_read_only    types whose adapter writes app  read-only mode → blocked (engine/safety/app-read-only.ts)
//   change_freeze    every executable type          a change freeze is in force → blocked in a live cycle; in a
//                                                   dry run listed as passed, for information (change-freeze.ts)
// The executor adds two execution-time gates: 'recipient' (messages: the user exists, is not deleted,
// has not opted out) and 'idempotency' (the effect's key belongs to another action: a duplicate).
// Verdict: not executable → recommendation; any policy gate failed → blocked (an operator cannot approve
// past a policy); else a type in shadow on the autonomy ladder → shadow (would have done, nothing runs);
// else confidence failed → needs_approval; else execute. The mode stored on the action is recommendation,
// shadow, or auto / needs_approval by the confidence gate alone. A type at level approval fails the
// confidence gate whatever its confidence; only a type at level auto may run without an operator.
import type { BetaPosterior } from '../stats/beta';
import { lowerBound } from '../stats/beta';
import type { AutonomyLevel } from '../autonomy/levels';
import type { ActionMode, ActionPlan, ActionType, GateClass, GateOutcome } from '../types';
import { cardNetworkOf, checkCardRetry, type CardRetryQuery } from './card-network-rules';
import { actionConfidence, POSTERIOR_LEVEL, UNINFORMED } from './confidence';
import { appReadOnlyGate } from './app-read-only';
import { describeFreeze, type FreezeWindow } from './change-freeze';
import { isBudgetedFix } from './fix-budget';
import { DEFAULT_GATES, gateThresholdName, typeCapOf, type Policies } from './config-schema';
import { isMessageAction, type EffectPort } from './effect-keys';
import { describeQuietHours, isQuietTime, localTime } from './quiet-hours';

export interface GateCounters {
  /** Actions of this type the cycle already admitted (to run, or to wait for approval), this one excluded. */
  typeAdmittedInCycle: number;
  /** Messages the target user got within the contact window, including those admitted earlier in this run. */
  recentContactsForUser: number;
  /** Effects of this type that failed within the breaker window. */
  recentFailuresForType: number;
  /** The time the decision is made at (quiet hours). */
  now: Date;
  /** A payment retry's card, the network's advice and the card's earlier retries (card-network rules). */
  cardRetry?: CardRetryQuery | null;
  /** The change freeze in force at `now` (activeFreeze), or none. */
  changeFreeze?: ActiveFreeze | null;
}

export interface ActiveFreeze {
  window: FreezeWindow;
  endsAt: Date;
}

export interface GateInput {
  plan: Pick<ActionPlan, 'type' | 'gateClass' | 'executable' | 'detectionConfidence' | 'targetId'> &
    Partial<Pick<ActionPlan, 'params'>>;
  /** The type's success posterior (engine.action_stats); null = nothing learned yet, Beta(1,1). */
  posterior: BetaPosterior | null;
  /** Which posterior that is: the target's segment's, or the type's (engine/learning/segments.ts). */
  posteriorSource?: { segment: string; source: 'segment' | 'type'; segmentOutcomes: number } | null;
  /** Set when the learn phase demoted the type (uplift credibly negative): it runs only with approval. */
  demoted?: { reason: string } | null;
  /** The type's rung on the autonomy ladder (engine/autonomy); absent = auto, the gates alone decide. */
  autonomy?: { level: AutonomyLevel; reason: string } | null;
  thresholds: Readonly<Record<string, number>>;
  policies: Policies;
  counters: GateCounters;
  /** Ports whose adapter would write schema app in read-only mode (appWritingPorts); default none. */
  appWriteBlocked?: readonly EffectPort[];
  /** A dry-run cycle: a change freeze is shown, not enforced, since nothing runs anyway. */
  dryRun?: boolean;
}

export type GateVerdict = 'execute' | 'needs_approval' | 'blocked' | 'recommendation' | 'shadow';

export interface GateEvaluation {
  /** detection confidence × lower bound of the success posterior. */
  confidence: number;
  mode: ActionMode;
  verdict: GateVerdict;
  /** One line: why the verdict (the failed gates' reasons joined, or "all gates passed"). */
  reason: string;
  outcomes: GateOutcome[];
}

/** Two numbers with 2 decimals, or as many more as it takes to show how they compare. */
function fmtPair(a: number, b: number): [string, string] {
  for (let d = 2; d <= 6; d++) {
    const x = a.toFixed(d);
    const y = b.toFixed(d);
    if (a === b ? x === y : x !== y) return [x, y];
  }
  return [String(a), String(b)];
}

export function gateThreshold(thresholds: Readonly<Record<string, number>>, gateClass: GateClass): number {
  const v = thresholds[gateThresholdName(gateClass)];
  return typeof v === 'number' && Number.isFinite(v) ? v : DEFAULT_GATES[gateClass];
}

export function confidenceGate(
  confidence: number,
  gateClass: GateClass,
  thresholds: Readonly<Record<string, number>>,
  details: Record<string, unknown> = {},
): GateOutcome {
  const threshold = gateThreshold(thresholds, gateClass);
  const passed = confidence >= threshold;
  const [c, t] = fmtPair(confidence, threshold);
  return {
    gate: 'confidence',
    passed,
    reason: passed ? `confidence ${c} ≥ ${gateClass} gate ${t}` : `confidence ${c} < ${gateClass} gate ${t}`,
    details: { confidence, gateClass, threshold, ...details },
  };
}

export function killSwitchGate(policies: Pick<Policies, 'kill_switch'>): GateOutcome {
  const on = policies.kill_switch.enabled;
  return {
    gate: 'kill_switch',
    passed: !on,
    reason: on ? 'kill switch is on: every effect is blocked' : 'kill switch is off',
    details: { enabled: on },
  };
}

export function typeCapGate(
  type: ActionType,
  admittedInCycle: number,
  policies: Pick<Policies, 'type_caps'>,
): GateOutcome {
  const cap = typeCapOf(policies, type);
  const passed = admittedInCycle < cap;
  return {
    gate: 'type_cap',
    passed,
    reason: passed
      ? `${type}: number ${admittedInCycle + 1} of at most ${cap} this cycle`
      : cap === 0
        ? `type cap: ${type} is capped at 0 per cycle`
        : `type cap reached: ${admittedInCycle} ${type} actions already admitted this cycle (cap ${cap})`,
    details: { cap, admittedInCycle },
  };
}

export function contactCapGate(
  userId: string,
  recentContacts: number,
  policies: Pick<Policies, 'contact_cap'>,
): GateOutcome {
  const { maxMessages, windowDays } = policies.contact_cap;
  const passed = recentContacts < maxMessages;
  return {
    gate: 'contact_cap',
    passed,
    reason: passed
      ? `user ${userId}: ${recentContacts} message(s) in the last ${windowDays} days (cap ${maxMessages})`
      : `contact cap: user ${userId} already has ${recentContacts} message(s) in the last ${windowDays} days (cap ${maxMessages})`,
    details: { userId, recentContacts, maxMessages, windowDays },
  };
}

export function quietHoursGate(now: Date, policies: Pick<Policies, 'quiet_hours'>): GateOutcome {
  const q = policies.quiet_hours;
  if (!q.enabled)
    return { gate: 'quiet_hours', passed: true, reason: 'quiet hours are off', details: { enabled: false } };
  const { hour, minute } = localTime(now, q.timezone);
  const local = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  const quiet = isQuietTime(now, q);
  return {
    gate: 'quiet_hours',
    passed: !quiet,
    reason: quiet
      ? `quiet hours ${describeQuietHours(q)}: local time ${local}`
      : `local time ${local} ${q.timezone} is outside quiet hours ${describeQuietHours(q)}`,
    details: { enabled: true, localTime: local, startHour: q.startHour, endHour: q.endHour, timezone: q.timezone },
  };
}

export function circuitBreakerGate(
  type: ActionType,
  recentFailures: number,
  policies: Pick<Policies, 'circuit_breaker'>,
): GateOutcome {
  const { failures, windowMinutes } = policies.circuit_breaker;
  const open = recentFailures >= failures;
  return {
    gate: 'circuit_breaker',
    passed: !open,
    reason: open
      ? `circuit breaker open: ${recentFailures} ${type} effects failed in the last ${windowMinutes} min (limit ${failures})`
      : `${type}: ${recentFailures} failed effect(s) in the last ${windowMinutes} min (breaker opens at ${failures})`,
    details: { recentFailures, failures, windowMinutes },
  };
}

/**
 * A change freeze in force: blocks a live effect; in a dry run it passes with the freeze in its reason, so the
 * rehearsal records what would happen and still shows why a live cycle would stop. Null when none is in force.
 */
export function changeFreezeGate(freeze: ActiveFreeze | null | undefined, dryRun = false): GateOutcome | null {
  if (!freeze) return null;
  const w = freeze.window;
  const details = {
    freezeId: w.id,
    name: w.name,
    timezone: w.timezone,
    endsAt: freeze.endsAt.toISOString(),
    reason: w.reason,
    ...(dryRun ? { informational: true } : {}),
  };
  return dryRun
    ? {
        gate: 'change_freeze',
        passed: true,
        reason: `${describeFreeze(freeze)}: a live cycle would be blocked (dry run, not enforced)`,
        details,
      }
    : { gate: 'change_freeze', passed: false, reason: `${describeFreeze(freeze)}: no effects run`, details };
}

/** The card-network rules for one payment retry; a refusal's reason starts with the rule's name. */
export function cardNetworkGate(q: CardRetryQuery, policies: Pick<Policies, 'card_network_rules'>): GateOutcome {
  const v = checkCardRetry(q, policies.card_network_rules);
  const network = cardNetworkOf(q.cardBrand);
  const card = q.paymentMethodRef ?? (q.subscriptionId != null ? `subscription ${q.subscriptionId}` : 'unknown card');
  const details = { network, card, earlierRetries: q.history.length };
  return v.allowed
    ? { gate: 'card_network', passed: true, reason: `${network} card ${card}: within the card-network rules`, details }
    : { gate: 'card_network', passed: false, reason: `${v.rule}: ${v.reason}`, details: { ...details, rule: v.rule } };
}

/**
 * The policy gates an effect must pass at the moment it runs (also re-checked when an approved action
 * executes, possibly days after it was planned): kill switch, change freeze, contact cap and quiet hours for messages,
 * the card-network rules for payment retries (a cap may fill between planning and execution), circuit breaker. Not the confidence gate or the type cap: those were settled when it was admitted.
 */
export function executionGates(
  type: ActionType,
  targetId: string,
  policies: Policies,
  counters: Omit<GateCounters, 'typeAdmittedInCycle'>,
  appWriteBlocked: readonly EffectPort[] = [],
  dryRun = false,
): GateOutcome[] {
  const out = [killSwitchGate(policies)];
  const freeze = changeFreezeGate(counters.changeFreeze, dryRun);
  if (freeze) out.push(freeze);
  const readOnly = appReadOnlyGate(type, appWriteBlocked);
  if (readOnly) out.push(readOnly);
  if (isMessageAction(type)) {
    out.push(
      contactCapGate(targetId, counters.recentContactsForUser, policies),
      quietHoursGate(counters.now, policies),
    );
  }
  if (type === 'retry_payment' && counters.cardRetry) out.push(cardNetworkGate(counters.cardRetry, policies));
  out.push(circuitBreakerGate(type, counters.recentFailuresForType, policies));
  return out;
}

export function failedReasons(outcomes: readonly GateOutcome[]): string {
  return outcomes
    .filter((o) => !o.passed)
    .map((o) => o.reason)
    .join('; ');
}

export function evaluateGates(input: GateInput): GateEvaluation {
  const { plan, policies, counters } = input;
  const posterior = input.posterior ?? UNINFORMED;
  const confidence = actionConfidence(plan.detectionConfidence, posterior);
  const measured = confidenceGate(confidence, plan.gateClass, input.thresholds, {
    detectionConfidence: plan.detectionConfidence,
    posterior: { alpha: posterior.alpha, beta: posterior.beta },
    posteriorLowerBound:
      Math.round(
        lowerBound(posterior.alpha > 0 && posterior.beta > 0 ? posterior : UNINFORMED, POSTERIOR_LEVEL) * 1e6,
      ) / 1e6,
    ...(input.posteriorSource
      ? {
          segment: input.posteriorSource.segment,
          posteriorSource: input.posteriorSource.source,
          segmentOutcomes: input.posteriorSource.segmentOutcomes,
        }
      : {}),
  });
  // A demoted type fails the confidence gate whatever its confidence: an operator may still approve it.
  const demotedConf: GateOutcome = input.demoted
    ? {
        ...measured,
        passed: false,
        reason: `${plan.type} is demoted to approval-only: ${input.demoted.reason}`,
        details: { ...measured.details, demoted: true },
      }
    : measured;
  const level = input.autonomy?.level ?? 'auto';
  // Below auto on the ladder an operator decides (approval) or nobody acts (shadow): never auto-execution.
  const conf: GateOutcome =
    level !== 'auto' && demotedConf.passed
      ? {
          ...demotedConf,
          passed: false,
          reason: `${plan.type} is at autonomy level ${level}: ${input.autonomy!.reason}`,
          details: { ...demotedConf.details, autonomyLevel: level },
        }
      : { ...demotedConf, details: { ...demotedConf.details, autonomyLevel: level } };

  if (!plan.executable) {
    const outcomes: GateOutcome[] = [
      conf,
      {
        gate: 'executable',
        passed: false,
        reason: `recommendation for humans: the engine never executes ${plan.type}`,
      },
    ];
    return { confidence, mode: 'recommendation', verdict: 'recommendation', reason: outcomes[1]!.reason, outcomes };
  }

  const [kill, ...rest] = executionGates(
    plan.type,
    plan.targetId,
    policies,
    counters,
    input.appWriteBlocked,
    input.dryRun,
  );
  const outcomes: GateOutcome[] = [
    kill!,
    conf,
    typeCapGate(plan.type, counters.typeAdmittedInCycle, policies),
    ...rest,
  ];
  const policyFailures = outcomes.filter((o) => o.gate !== 'confidence' && !o.passed);
  const mode: ActionMode = level === 'shadow' ? 'shadow' : conf.passed ? 'auto' : 'needs_approval';
  if (policyFailures.length)
    return { confidence, mode, verdict: 'blocked', reason: failedReasons(policyFailures), outcomes };
  if (level === 'shadow')
    return {
      confidence,
      mode,
      verdict: 'shadow',
      reason:
        measured.passed && !input.demoted
          ? 'would execute (all gates passed)'
          : `would need approval (${demotedConf.reason})`,
      outcomes,
    };
  if (!conf.passed) {
    const reason =
      isBudgetedFix(plan) || plan.type === 'data_fix_review' ? dataFixReviewReason(plan, conf, measured) : conf.reason;
    return { confidence, mode, verdict: 'needs_approval', reason, outcomes };
  }
  return { confidence, mode, verdict: 'execute', reason: 'all gates passed', outcomes };
}

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * Why a data fix waits for a person, for the reviewer: the problem's detection confidence (a data fix's
 * problem is found by a query, so usually with certainty) and what keeps the fix from running unattended,
 * instead of the action confidence, whose success factor makes a certain problem read as "3% sure".
 */
export function dataFixReviewReason(
  plan: Pick<ActionPlan, 'type' | 'detectionConfidence'> & Partial<Pick<ActionPlan, 'params'>>,
  conf: GateOutcome,
  measured: GateOutcome,
): string {
  // A review's planned confidence is capped below every gate on purpose; its finding's own is the detection's.
  const found = plan.params?.findingConfidence;
  const d = plan.type === 'data_fix_review' && typeof found === 'number' ? found : plan.detectionConfidence;
  const detected =
    d >= 0.9995 ? 'detected with certainty (detection confidence 100%)' : `detection confidence ${percent(d)}`;
  const lb = Number((measured.details as { posteriorLowerBound?: number } | undefined)?.posteriorLowerBound ?? 0);
  const suggested = plan.params?.suggestedFix;
  const why =
    plan.type === 'data_fix_review'
      ? `no rule can change these records safely, so a person fixes them${typeof suggested === 'string' ? ` (${suggested})` : ''}`
      : conf.reason === measured.reason
        ? `its record of fixes that held is too short to run it unattended (success lower bound ${percent(lb)}; ${measured.reason})`
        : conf.reason;
  return `${detected}; no safe automatic fix: ${why}`;
}
