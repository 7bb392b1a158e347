// actionApproval: one workflow per action that needs an operator. It waits for an `approve` or
// `reject` signal (operator + reason) until the deadline, then executes the action once, or records it
// as rejected or expired. Signals can come from the api, the Temporal CLI or the Web UI:
//   temporal workflow signal --workflow-id approval-<actionId> --name approve \
//     --input '{"operator":"alice","reason":"checked the customer"}'
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  log,
} from '@temporalio/workflow';
import { ValidationError } from '../engine/safety/errors';
import type { Activities } from '../activities';
import { APPROVAL_OPTIONS, APPROVED_EXECUTION_OPTIONS, SLACK_OPTIONS } from './activity-options';
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

function validDecision(d: unknown): d is ApprovalDecision {
  const x = d as ApprovalDecision | undefined;
  return !!x && typeof x.operator === 'string' && x.operator.trim().length > 0 && typeof x.reason === 'string';
}

/** The reminder leads that fall inside the wait, largest first, each once. */
function reminderLeads(input: ApprovalInput): number[] {
  const leads = input.slack?.reminderLeadsSeconds ?? [];
  return [...new Set(leads)].filter((l) => l > 0 && l < input.timeoutSeconds).sort((a, b) => b - a);
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
  const state: ApprovalState = { actionId: input.actionId, status: 'pending', deadline: input.deadline };
  let decision: { approve: boolean; by: ApprovalDecision } | undefined;
  const onSignal = (approve: boolean) => (d: ApprovalDecision) => {
    if (decision) return; // the first decision wins; later ones are ignored
    if (!validDecision(d)) {
      log.warn('Ignoring an approval signal without operator/reason', { actionId: input.actionId });
      return;
    }
    decision = { approve, by: { operator: d.operator.trim(), reason: d.reason } };
  };
  setHandler(approveSignal, onSignal(true));
  setHandler(rejectSignal, onSignal(false));
  setHandler(approvalStateQuery, () => state);

  await acts.openApproval(input);
  setCurrentDetails(`Waiting for approve/reject of action ${input.actionId} until ${input.deadline}`);
  // Slack is a view of the approval: its failures are logged, never block or fail the decision.
  const slackStep = (what: string, step: Promise<unknown>) =>
    step.catch((err: unknown) => log.warn(`Slack ${what} failed`, { actionId: input.actionId, error: String(err) }));
  const { actionId } = input;
  // Posted alongside the wait, so a slow Slack never delays the deadline's timer.
  const posting = input.slack ? slackStep('post', slackActs.postApprovalToSlack({ actionId })) : Promise.resolve();
  const decidedNow = () => decision !== undefined;
  let decided = false;
  let waited = 0;
  let reminder = 0;
  for (const lead of reminderLeads(input)) {
    const at = input.timeoutSeconds - lead;
    decided = await condition(decidedNow, (at - waited) * 1000);
    waited = at;
    if (decided) break;
    await posting;
    reminder += 1;
    await slackStep('reminder', slackActs.remindApprovalInSlack({ actionId, reminder }));
  }
  if (!decided) decided = await condition(decidedNow, (input.timeoutSeconds - waited) * 1000);
  const updateSlack = async () => {
    if (!input.slack) return;
    await posting;
    await slackStep('update', slackActs.updateApprovalInSlack({ actionId }));
  };

  if (!decided || !decision) {
    state.status = 'expired';
    await acts.resolveApproval({
      actionId: input.actionId,
      status: 'expired',
      operator: null,
      reason: 'deadline passed without a decision',
    });
    await updateSlack();
  } else if (!decision.approve) {
    Object.assign(state, { status: 'rejected', decidedBy: decision.by.operator, reason: decision.by.reason });
    await acts.resolveApproval({
      actionId: input.actionId,
      status: 'rejected',
      operator: decision.by.operator,
      reason: decision.by.reason,
    });
    await updateSlack();
  } else {
    Object.assign(state, { status: 'approved', decidedBy: decision.by.operator, reason: decision.by.reason });
    await acts.resolveApproval({
      actionId: input.actionId,
      status: 'approved',
      operator: decision.by.operator,
      reason: decision.by.reason,
    });
    // The message shows the approval while the action runs; a slow Slack never delays the execution.
    const shown = updateSlack();
    const result = await execution.executeApprovedAction({
      actionId: input.actionId,
      operator: decision.by.operator,
      reason: decision.by.reason,
    });
    state.status = result.status === 'executed' ? 'executed' : 'failed';
    await shown;
    await updateSlack();
  }
  await posting;
  setCurrentDetails(`Action ${input.actionId}: ${state.status}${state.decidedBy ? ` by ${state.decidedBy}` : ''}`);
  return state;
}
