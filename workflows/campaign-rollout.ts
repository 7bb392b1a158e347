// campaignRollout: one workflow per campaign (docs/campaigns.md). When the campaign needs an operator it waits
// for one `approve` or `reject` until the deadline (expiry fails closed); then it sends in waves along the
// ramp, each wave a batch activity with bounded concurrency, and after each wave halts if the error rate so
// far exceeds MaxErrors. `pause`, `resume` and `cancel` signals (api, CLI, dashboard, Web UI) act between
// waves; the `campaignProgress` query answers where it is. Crash-safe: the waves already sent are in the
// history, and a retried wave finds its sent recipients executed, so nothing is sent twice.
//   temporal workflow signal --workflow-id campaign-<campaignId> --name pause \
//     --input '{"operator":"alice","reason":"checking complaints"}'
import {
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  log,
} from '@temporalio/workflow';
import { castVote, type VoteState } from '../engine/approvals/quorum';
import { afterWave, type RolloutProgress } from '../engine/campaigns/rollout';
import { ValidationError } from '../engine/safety/errors';
import type { Activities } from '../activities';
import { APPROVAL_OPTIONS, CAMPAIGN_WAVE_OPTIONS, ESCALATION_OPTIONS } from './activity-options';
import {
  approveSignal,
  campaignProgressQuery,
  cancelCampaignSignal,
  pauseCampaignSignal,
  rejectSignal,
  resumeCampaignSignal,
  type ApprovalDecision,
  type CampaignRolloutInput,
} from './definitions';

const acts = proxyActivities<Activities>(APPROVAL_OPTIONS);
const waves = proxyActivities<Activities>(CAMPAIGN_WAVE_OPTIONS);
const escalation = proxyActivities<Activities>(ESCALATION_OPTIONS);

function validDecision(d: unknown): d is ApprovalDecision {
  const x = d as ApprovalDecision | undefined;
  return !!x && typeof x.operator === 'string' && x.operator.trim().length > 0 && typeof x.reason === 'string';
}

export async function campaignRollout(input: CampaignRolloutInput): Promise<RolloutProgress> {
  if (!input || typeof input.campaignId !== 'string' || !input.campaignId) {
    throw ApplicationFailure.nonRetryable(
      'Invalid campaign rollout input: campaignId is required',
      ValidationError.name,
    );
  }
  const { campaignId } = input;
  const progress: RolloutProgress = {
    campaignId,
    status: 'running',
    wave: 0,
    waves: 0,
    reached: 0,
    total: 0,
    executed: 0,
    failed: 0,
    blocked: 0,
  };
  let decision: { approve: boolean; by: ApprovalDecision } | undefined;
  // Votes as they come (quorum and self-approval are counted in the main flow, which can record them).
  const quorum = patched('campaign-quorum');
  const votes: Array<ApprovalDecision & { approve: boolean }> = [];
  let paused: ApprovalDecision | undefined;
  let cancelled: ApprovalDecision | undefined;
  let transition: { to: 'paused' | 'running'; operator: string; reason: string } | undefined;
  const guard = (what: string, fn: (d: ApprovalDecision) => void) => (d: ApprovalDecision) => {
    if (!validDecision(d)) {
      log.warn(`Ignoring a ${what} signal without operator/reason`, { campaignId });
      return;
    }
    fn({ operator: d.operator.trim(), reason: d.reason });
  };
  setHandler(
    approveSignal,
    guard('approve', (d) => (quorum ? votes.push({ ...d, approve: true }) : (decision ??= { approve: true, by: d }))),
  );
  setHandler(
    rejectSignal,
    guard('reject', (d) => (quorum ? votes.push({ ...d, approve: false }) : (decision ??= { approve: false, by: d }))),
  );
  setHandler(
    pauseCampaignSignal,
    guard('pause', (d) => {
      if (cancelled || paused) return;
      paused = d;
      transition = { to: 'paused', ...d };
    }),
  );
  setHandler(
    resumeCampaignSignal,
    guard('resume', (d) => {
      if (!paused) return;
      paused = undefined;
      transition = { to: 'running', ...d };
    }),
  );
  setHandler(
    cancelCampaignSignal,
    guard('cancel', (d) => (cancelled ??= d)),
  );
  setHandler(campaignProgressQuery, () => ({ ...progress, ...(paused ? { pausedBy: paused.operator } : {}) }));

  /**
   * Waits for `required` distinct approvals (a reject decides alone) until the deadline; each vote, counted or
   * refused (the run's starter, the same operator twice), is recorded. True when decided (or cancelled) in time.
   */
  const countVotes = async (
    required: number,
    startedBy: string | null,
    timeoutSeconds: number,
    escalateAtFraction: number | null,
    reminderLeadsSeconds: number[],
  ): Promise<boolean> => {
    let state: VoteState = { approvers: [], required: Math.max(1, required) };
    let timedOut = false;
    void sleep(timeoutSeconds * 1000).then(() => (timedOut = true));
    // Before the deadline, each lead reminds the operators once while the campaign still waits.
    let remindersDue = 0;
    let reminded = 0;
    for (const lead of reminderLeadsSeconds)
      if (lead > 0 && lead < timeoutSeconds) void sleep((timeoutSeconds - lead) * 1000).then(() => (remindersDue += 1));
    // Late in the wait a still-pending campaign is escalated to admins, once (an alert outage never delays the wait).
    let escalateDue = false;
    let escalated = false;
    const escalateAt = escalateAtFraction ? Math.floor(timeoutSeconds * escalateAtFraction) : 0;
    if (escalateAt > 0 && escalateAt < timeoutSeconds) void sleep(escalateAt * 1000).then(() => (escalateDue = true));
    progress.approvals = { required: state.required, approvers: [] };
    while (!decision && !cancelled) {
      await condition(
        () =>
          votes.length > 0 ||
          cancelled !== undefined ||
          timedOut ||
          (escalateDue && !escalated) ||
          remindersDue > reminded,
      );
      if (remindersDue > reminded && !timedOut) {
        reminded = remindersDue;
        void escalation
          .remindCampaignApproval({ campaignId, reminder: reminded, approvals: { ...progress.approvals! } })
          .catch((err: unknown) => log.warn('Campaign reminder failed', { campaignId, error: String(err) }));
        if (!votes.length && !(escalateDue && !escalated)) continue;
      }
      if (escalateDue && !escalated && !timedOut) {
        escalated = true;
        void escalation
          .escalateCampaignApproval({ campaignId, approvals: { ...progress.approvals! } })
          .catch((err: unknown) => log.warn('Campaign escalation failed', { campaignId, error: String(err) }));
        if (!votes.length) continue;
      }
      if (timedOut && !votes.length) return cancelled !== undefined;
      const recorded = [];
      for (const v of votes.splice(0)) {
        const r = castVote(state, { operator: v.operator, approve: v.approve }, startedBy);
        state = r.state;
        recorded.push({
          operator: v.operator,
          approve: v.approve,
          outcome: r.outcome,
          reason: r.reason,
          comment: v.reason,
        });
        if (r.outcome === 'refused') log.warn('Campaign vote refused', { campaignId, reason: r.reason });
        if (r.outcome === 'approved')
          decision = { approve: true, by: { operator: state.approvers.join(', '), reason: v.reason } };
        if (r.outcome === 'rejected') decision = { approve: false, by: { operator: v.operator, reason: v.reason } };
        if (decision) break;
      }
      progress.approvals = { required: state.required, approvers: [...state.approvers] };
      await acts.recordCampaignVotes({ campaignId, votes: recorded, approvals: progress.approvals });
      if (timedOut && !decision) return cancelled !== undefined;
    }
    return true;
  };

  const plan = await acts.openCampaignRollout({ campaignId });
  Object.assign(progress, { waves: plan.cutoffs.length, total: plan.total });

  if (plan.needsApproval) {
    progress.status = 'awaiting_approval';
    setCurrentDetails(
      `Campaign ${campaignId}: ${plan.total} recipient(s) wait for approve/reject until ${plan.deadline}`,
    );
    const decided = quorum
      ? await countVotes(
          plan.requiredApprovers,
          plan.startedBy,
          plan.timeoutSeconds,
          plan.escalateAtFraction,
          // Reminders came later: a history recorded before them waits without.
          patched('campaign-reminders') ? (plan.reminderLeadsSeconds ?? []) : [],
        )
      : await condition(() => decision !== undefined || cancelled !== undefined, plan.timeoutSeconds * 1000);
    const d = decision ?? (cancelled ? { approve: false, by: cancelled } : undefined);
    if (!decided || !d) {
      await acts.decideCampaign({
        campaignId,
        decision: 'expired',
        operator: null,
        reason: 'deadline passed without a decision',
      });
      progress.status = 'expired';
      setCurrentDetails(`Campaign ${campaignId}: approval expired, nothing sent`);
      return progress;
    }
    const r = await acts.decideCampaign({
      campaignId,
      decision: d.approve ? 'approved' : 'rejected',
      operator: d.by.operator,
      reason: d.by.reason,
    });
    if (!d.approve || r.status === 'rejected' || r.status === 'expired') {
      progress.status = r.status === 'expired' ? 'expired' : 'rejected';
      setCurrentDetails(`Campaign ${campaignId}: ${progress.status} by ${d.by.operator}, nothing sent`);
      return progress;
    }
  } else if (plan.status !== 'approved' && plan.status !== 'running' && plan.status !== 'paused') {
    log.info('Campaign is not runnable', { campaignId, status: plan.status });
    return { ...progress, status: plan.status === 'cancelled' ? 'cancelled' : 'completed' };
  }
  progress.status = 'running';

  const record = async () => {
    const t = transition;
    transition = undefined;
    await acts.recordCampaignProgress({ progress: { ...progress }, ...(t ? { transition: t } : {}) });
  };
  // Before each wave: a change freeze holds it back until it ends; the type's guardrails pause (minor breach)
  // or cancel (major) the rollout. An operator's resume overrides a guardrail pause for the rest of the rollout.
  const gated = patched('campaign-wave-gate');
  let resumedByOperator = false;
  const gateWave = async (i: number) => {
    for (;;) {
      const g = await acts.campaignWaveGate({ campaignId });
      if (g.cancel && !cancelled) cancelled = { operator: 'engine', reason: g.cancel };
      if (g.pause && !paused && !resumedByOperator && !cancelled) {
        paused = { operator: 'engine', reason: g.pause };
        transition = { to: 'paused', ...paused };
      }
      if (!g.freeze || cancelled) return;
      progress.reason = g.freeze.reason;
      setCurrentDetails(`Campaign ${campaignId}: wave ${i + 1} waits: ${g.freeze.reason}`);
      await condition(() => cancelled !== undefined, g.freeze.waitSeconds * 1000);
      delete progress.reason;
    }
  };
  let afterSeq = 0;
  for (const [i, upto] of plan.cutoffs.entries()) {
    if (gated) await gateWave(i);
    if (paused || transition) {
      progress.status = paused ? 'paused' : 'running';
      await record();
      if (paused)
        setCurrentDetails(
          `Campaign ${campaignId}: paused by ${paused.operator} after wave ${i} of ${plan.cutoffs.length}`,
        );
      await condition(() => !paused || cancelled !== undefined);
      if (!cancelled) resumedByOperator = true;
      progress.status = 'running';
      if (transition) await record();
    }
    if (cancelled) break;
    setCurrentDetails(
      `Campaign ${campaignId}: sending wave ${i + 1} of ${plan.cutoffs.length} (recipients ${afterSeq + 1}–${upto} of ${plan.total})`,
    );
    const tally = await waves.runCampaignWave({
      campaignId,
      wave: i,
      afterSeq,
      uptoSeq: upto,
      maxConcurrency: plan.maxConcurrency,
    });
    afterSeq = upto;
    Object.assign(progress, {
      wave: i + 1,
      reached: upto,
      executed: tally.executed,
      failed: tally.failed + tally.deliveryFailed,
      blocked: tally.blocked,
    });
    const verdict = afterWave(
      { attempted: tally.executed + tally.failed, failed: tally.failed + tally.deliveryFailed },
      plan.maxErrorRate,
    );
    if (verdict.halt) {
      const r = await acts.finishCampaign({
        progress: { ...progress, reason: verdict.reason },
        status: 'halted',
        reason: verdict.reason,
      });
      Object.assign(progress, { status: 'halted', reason: verdict.reason, blocked: progress.blocked + r.unreached });
      setCurrentDetails(`Campaign ${campaignId}: halted after wave ${i + 1}: ${verdict.reason}`);
      return progress;
    }
    await record();
    if (plan.waveIntervalSeconds > 0 && i < plan.cutoffs.length - 1)
      await condition(() => cancelled !== undefined, plan.waveIntervalSeconds * 1000);
  }
  if (cancelled) {
    const r = await acts.finishCampaign({
      progress: { ...progress, reason: cancelled.reason },
      status: 'cancelled',
      reason: cancelled.reason,
      operator: cancelled.operator,
    });
    Object.assign(progress, { status: 'cancelled', reason: cancelled.reason, blocked: progress.blocked + r.unreached });
    setCurrentDetails(`Campaign ${campaignId}: cancelled by ${cancelled.operator} after wave ${progress.wave}`);
    return progress;
  }
  const reason = `sent in ${plan.cutoffs.length} wave(s): ${progress.executed} executed, ${progress.failed} failed, ${progress.blocked} blocked`;
  await acts.finishCampaign({ progress: { ...progress, status: 'completed', reason }, status: 'completed', reason });
  Object.assign(progress, { status: 'completed', reason });
  setCurrentDetails(`Campaign ${campaignId}: completed · ${reason}`);
  return progress;
}
