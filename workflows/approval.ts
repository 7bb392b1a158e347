// actionApproval: one workflow per action that needs an operator. It waits for `approve` / `reject` signals
// (operator + reason) until the deadline: any reject rejects; enough approvals from distinct operators (the
// quorum openApproval returns) approve and execute the action once; an approve from whoever started the run by
// hand is refused (engine/approvals/quorum.ts). Every vote is recorded and audited. Late in the wait a
// still-pending approval is escalated to admins; at the deadline it expires and nothing runs, whatever signal
// comes later. Signals can come from the api, the Temporal CLI or the Web UI:
//   temporal workflow signal --workflow-id approval-<actionId> --name approve \
//     --input '{"operator":"alice","reason":"checked the customer"}'
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  log,
  patched,
} from '@temporalio/workflow';
import { castVote, type VoteState } from '../engine/approvals/quorum';
import { ValidationError } from '../engine/safety/errors';
import type { Activities } from '../activities';
import type { OpenedApproval } from '../activities/approvals';
import type { VoteRecord } from '../activities/effects/approvals';
import { APPROVAL_OPTIONS, APPROVED_EXECUTION_OPTIONS, ESCALATION_OPTIONS, SLACK_OPTIONS } from './activity-options';
import {
  approvalStateQuery,
  approveSignal,
  rejectSignal,
  type ApprovalDecision,
  type ApprovalInput,
  type ApprovalState,
} from './definitions';

const acts = proxyActivities<Activities>(APPROVAL_OPTIONS);
const execution = proxyActivities<Activities>(APPROVED_EXECUTION_OPTIONS);
const slackActs = proxyActivities<Activities>(SLACK_OPTIONS);
const escalation = proxyActivities<Activities>(ESCALATION_OPTIONS);

/**
 * Runs started before votes were counted replay the first-decision-wins wait without vote records or an
 * escalation; every new run counts votes (quorum, self-approval refusal) and escalates.
 */
export const APPROVAL_VOTES_PATCH = 'approval-votes-quorum-escalation';

function validDecision(d: unknown): d is ApprovalDecision {
  const x = d as ApprovalDecision | undefined;
  return !!x && typeof x.operator === 'string' && x.operator.trim().length > 0 && typeof x.reason === 'string';
}

/** The reminder leads that fall inside the wait, largest first, each once. */
function reminderLeads(input: ApprovalInput): number[] {
  const leads = input.slack?.reminderLeadsSeconds ?? [];
  return [...new Set(leads)].filter((l) => l > 0 && l < input.timeoutSeconds).sort((a, b) => b - a);
}

interface Waypoint {
  /** Seconds into the wait. */
  at: number;
  kind: 'remind' | 'escalate';
}

/** The reminders' points in the wait and, when given, the escalation's (a share of the wait), in order. */
function waypoints(input: ApprovalInput, escalateAtFraction: number | null): Waypoint[] {
  const points: Waypoint[] = reminderLeads(input).map((lead) => ({ at: input.timeoutSeconds - lead, kind: 'remind' }));
  const at = escalateAtFraction ? Math.floor(input.timeoutSeconds * escalateAtFraction) : 0;
  if (at > 0 && at < input.timeoutSeconds) points.push({ at, kind: 'escalate' });
  // Stable: a reminder and the escalation at one point keep the reminder first.
  return points.sort((a, b) => a.at - b.at);
}

export async function actionApproval(input: ApprovalInput): Promise<ApprovalState> {
  if (!input || typeof input.actionId !== 'string' || !input.actionId || typeof input.cycleId !== 'string') {
    throw ApplicationFailure.nonRetryable(
      'Invalid approval input: actionId and cycleId are required',
      ValidationError.name,
    );
  }
  if (
    typeof input.timeoutSeconds !== 'number' ||
    !(input.timeoutSeconds > 0) ||
    Number.isNaN(Date.parse(input.deadline))
  ) {
    throw ApplicationFailure.nonRetryable(
      'Invalid approval input: timeoutSeconds must be > 0 and deadline an ISO time',
      ValidationError.name,
    );
  }
  const { actionId } = input;
  const state: ApprovalState = { actionId, status: 'pending', deadline: input.deadline };
  const countsVotes = patched(APPROVAL_VOTES_PATCH);
  let decision: { approve: boolean; by: ApprovalDecision } | undefined;
  let opened: OpenedApproval | undefined;
  let tally: VoteState = { approvers: [], required: 1 };
  /** Votes signaled before the approval row (and so the quorum and the run's starter) is known. */
  const early: Array<{ approve: boolean; d: ApprovalDecision }> = [];
  const toRecord: VoteRecord[] = [];
  let seq = 0;

  const count = (approve: boolean, d: ApprovalDecision, startedBy: string | null) => {
    const operator = d.operator.trim();
    if (decision) {
      // Decided already (or expired: the handler then never gets here, the wait is over): nothing changes.
      log.warn('Ignoring a vote on a decided approval', { actionId, operator, approve });
      return;
    }
    seq += 1;
    const r = castVote(tally, { operator, approve }, startedBy);
    const vote = { seq, operator, approve, reason: d.reason };
    if (r.outcome === 'refused') {
      log.warn('Refusing an approval vote', { actionId, operator, approve, why: r.reason });
      toRecord.push({ ...vote, counted: false, note: r.reason });
      return;
    }
    tally = r.state;
    state.approvals = [...tally.approvers];
    toRecord.push({
      ...vote,
      counted: true,
      note: r.outcome === 'rejected' ? r.reason : `${tally.approvers.length} of ${tally.required} approvals`,
    });
    if (r.outcome === 'approved')
      decision = { approve: true, by: { operator: tally.approvers.join(', '), reason: d.reason } };
    else if (r.outcome === 'rejected') decision = { approve: false, by: { operator, reason: d.reason } };
  };
  let waiting = true;
  const onSignal = (approve: boolean) => (d: ApprovalDecision) => {
    if (!validDecision(d)) {
      log.warn('Ignoring an approval signal without operator/reason', { actionId });
      return;
    }
    if (!countsVotes) {
      if (decision) return; // the first decision wins; later ones are ignored
      decision = { approve, by: { operator: d.operator.trim(), reason: d.reason } };
      return;
    }
    // Past the deadline the approval is expired for good: a late approve can never make it run.
    if (!waiting) {
      log.warn('Ignoring a vote after the wait ended', { actionId, operator: d.operator, approve });
      return;
    }
    if (!opened) early.push({ approve, d });
    else count(approve, d, opened.startedBy);
  };
  setHandler(approveSignal, onSignal(true));
  setHandler(rejectSignal, onSignal(false));
  setHandler(approvalStateQuery, () => state);

  const openResult = await acts.openApproval(input);
  let recording: Promise<void> = Promise.resolve();
  let recorded = false;
  if (countsVotes) {
    opened = openResult;
    tally = { approvers: [], required: Math.max(1, opened.requiredApprovers ?? 1) };
    state.approvals = [];
    state.requiredApprovers = tally.required;
    for (const v of early.splice(0)) count(v.approve, v.d, opened.startedBy ?? null);
    // Votes are recorded beside the wait, in the order they came, so recording never delays the deadline.
    recording = (async () => {
      for (;;) {
        await condition(() => toRecord.length > 0 || recorded);
        if (!toRecord.length) return;
        const votes = toRecord.splice(0);
        await acts
          .recordApprovalVotes({ actionId, votes })
          .catch((err: unknown) => log.error('Recording approval votes failed', { actionId, error: String(err) }));
      }
    })();
  }
  setCurrentDetails(`Waiting for approve/reject of action ${actionId} until ${input.deadline}`);
  // Slack is a view of the approval: its failures are logged, never block or fail the decision.
  const slackStep = (what: string, step: Promise<unknown>) =>
    step.catch((err: unknown) => log.warn(`Slack ${what} failed`, { actionId, error: String(err) }));
  // Posted alongside the wait, so a slow Slack never delays the deadline's timer.
  const posting = input.slack ? slackStep('post', slackActs.postApprovalToSlack({ actionId })) : Promise.resolve();
  let escalating: Promise<unknown> = Promise.resolve();
  const decidedNow = () => decision !== undefined;
  let decided = false;
  let waited = 0;
  let reminder = 0;
  for (const point of waypoints(input, opened?.escalateAtFraction ?? null)) {
    decided = point.at > waited ? await condition(decidedNow, (point.at - waited) * 1000) : decidedNow();
    waited = point.at;
    if (decided) break;
    if (point.kind === 'escalate') {
      // Beside the wait: an alert outage never holds the deadline back.
      escalating = escalation
        .escalateApproval({ actionId })
        .catch((err: unknown) => log.warn('Escalating the approval failed', { actionId, error: String(err) }));
      continue;
    }
    await posting;
    reminder += 1;
    await slackStep('reminder', slackActs.remindApprovalInSlack({ actionId, reminder }));
  }
  if (!decided) decided = await condition(decidedNow, (input.timeoutSeconds - waited) * 1000);
  waiting = false;
  // Every vote seen is recorded before the outcome, so the audit log reads in order.
  recorded = true;
  await recording;
  const updateSlack = async () => {
    if (!input.slack) return;
    await posting;
    await slackStep('update', slackActs.updateApprovalInSlack({ actionId }));
  };

  if (!decided || !decision) {
    state.status = 'expired';
    state.reason = 'deadline passed without a decision';
    await acts.resolveApproval({
      actionId,
      status: 'expired',
      operator: null,
      reason:
        countsVotes && tally.approvers.length
          ? `deadline passed with ${tally.approvers.length} of ${tally.required} approvals`
          : 'deadline passed without a decision',
    });
    await updateSlack();
  } else if (!decision.approve) {
    Object.assign(state, { status: 'rejected', decidedBy: decision.by.operator, reason: decision.by.reason });
    await acts.resolveApproval({
      actionId,
      status: 'rejected',
      operator: decision.by.operator,
      reason: decision.by.reason,
    });
    await updateSlack();
  } else {
    Object.assign(state, { status: 'approved', decidedBy: decision.by.operator, reason: decision.by.reason });
    await acts.resolveApproval({
      actionId,
      status: 'approved',
      operator: decision.by.operator,
      reason: decision.by.reason,
    });
    // The message shows the approval while the action runs; a slow Slack never delays the execution.
    const shown = updateSlack();
    const result = await execution.executeApprovedAction({
      actionId,
      operator: decision.by.operator,
      reason: decision.by.reason,
    });
    state.status = result.status === 'executed' ? 'executed' : 'failed';
    await shown;
    await updateSlack();
  }
  await posting;
  await escalating;
  setCurrentDetails(`Action ${actionId}: ${state.status}${state.decidedBy ? ` by ${state.decidedBy}` : ''}`);
  return state;
}
