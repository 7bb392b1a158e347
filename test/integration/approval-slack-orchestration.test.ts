// The approval workflow's Slack steps alone, on the real dev server with stub activities: Slack refusing
// every call never blocks or fails the decision, and an approval started without Slack calls no Slack step.
import { afterEach, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { NonRetryableError } from '../../activities/effects/errors';
import { actionApproval } from '../../workflows';
import { approvalWorkflowId, rejectSignal, type ApprovalInput } from '../../workflows/definitions';
import { startStubWorker, type StubWorker } from '../helpers/temporal';

let w: StubWorker | undefined;
afterEach(async () => {
  await w?.shutdown();
  w = undefined;
});

function stubs(calls: string[], slackFails: boolean): Partial<Activities> {
  const slack = (name: string) => async () => {
    calls.push(name);
    if (slackFails)
      throw new NonRetryableError('Slack chat.postMessage refused: channel_not_found', 'slack_channel_not_found');
    return { sent: true, permalink: null };
  };
  return {
    openApproval: async () => {
      calls.push('openApproval');
      return { status: 'pending', requiredApprovers: 1, startedBy: null, escalateAtFraction: null };
    },
    recordApprovalVotes: async (input) => {
      calls.push(`recordApprovalVotes:${input.votes.length}`);
      return { recorded: input.votes.length };
    },
    resolveApproval: async (input) => {
      calls.push(`resolveApproval:${input.status}`);
      return { changed: true, status: input.status };
    },
    postApprovalToSlack: slack('postApprovalToSlack'),
    remindApprovalInSlack: slack('remindApprovalInSlack'),
    updateApprovalInSlack: slack('updateApprovalInSlack'),
  };
}

const input = (id: string, over: Partial<ApprovalInput> = {}): ApprovalInput => ({
  actionId: id,
  cycleId: 'c-stub',
  deadline: '2026-11-23T12:00:00.000Z',
  timeoutSeconds: 2,
  ...over,
});

describe('actionApproval with Slack', () => {
  it('expires on time and records it although Slack refuses the post, the reminder and the update', async () => {
    const calls: string[] = [];
    w = await startStubWorker('approval-slack-down', stubs(calls, true));
    const id = `stub-slack-down-${process.pid}-${Date.now()}`;
    const state = await w.client.workflow.execute(actionApproval, {
      workflowId: approvalWorkflowId(id),
      taskQueue: w.taskQueue,
      args: [input(id, { slack: { reminderLeadsSeconds: [1] } })],
    });
    expect(state).toMatchObject({ actionId: id, status: 'expired' });
    expect(calls).toEqual([
      'openApproval',
      'postApprovalToSlack',
      'remindApprovalInSlack',
      'resolveApproval:expired',
      'updateApprovalInSlack',
    ]);
  });

  it('calls no Slack step for an approval started without Slack', async () => {
    const calls: string[] = [];
    w = await startStubWorker('approval-slack-off', stubs(calls, false));
    const id = `stub-slack-off-${process.pid}-${Date.now()}`;
    const handle = await w.client.workflow.start(actionApproval, {
      workflowId: approvalWorkflowId(id),
      taskQueue: w.taskQueue,
      args: [input(id, { timeoutSeconds: 60 })],
    });
    await handle.signal(rejectSignal, { operator: 'bob', reason: 'not now' });
    expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'bob' });
    expect(calls).toEqual(['openApproval', 'recordApprovalVotes:1', 'resolveApproval:rejected']);
  });
});
