// Approvals from Slack, the pure parts: the SLACK_* config (the operator mapping, what a bot token needs,
// one line per bad variable), when reminders go out, permalinks, and the outcome / reminder messages.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config';
import { approvalReminderLeads } from '../../engine/approvals/reminder-leads';
import {
  buildApprovalOutcomeMessage,
  buildApprovalReminderMessage,
  SLACK_APPROVE_ACTION_ID,
  slackPermalink,
  type ApprovalRequestView,
} from '../../platform/slack-approval-message';
import { parseSlackOperators } from '../../platform/slack-operators';

const errorOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

const view: ApprovalRequestView = {
  actionId: 'act_1',
  actionType: 'data_fix_review',
  summary: 'data fix review for user 42',
  reason: 'confidence 0.61 below the healing gate 0.75',
  confidence: 0.61,
  deadline: '2026-11-23T12:00:00.000Z',
  approvalsUrl: 'http://127.0.0.1:3000/approvals',
};

describe('SLACK_OPERATORS', () => {
  it('maps Slack user ids to operators and roles (operator by default)', () => {
    expect([...parseSlackOperators(' U123=alice:operator, U456=bob:admin,U789=vera:viewer,UDEF=dan ')]).toEqual([
      ['U123', { operator: 'alice', role: 'operator' }],
      ['U456', { operator: 'bob', role: 'admin' }],
      ['U789', { operator: 'vera', role: 'viewer' }],
      ['UDEF', { operator: 'dan', role: 'operator' }],
    ]);
    expect(parseSlackOperators('').size).toBe(0);
  });

  it('names the bad entry in the config error', () => {
    expect(errorOf({ SLACK_OPERATORS: 'U123=alice:owner' })).toBe(
      "SLACK_OPERATORS=U123=alice:owner: 'U123=alice:owner': the role must be one of viewer, operator, admin",
    );
    expect(errorOf({ SLACK_OPERATORS: 'alice' })).toMatch(/^SLACK_OPERATORS=alice: 'alice' is not <Slack user id>=/);
    expect(errorOf({ SLACK_OPERATORS: 'U1X=a,U1X=b' })).toMatch(/'U1X' is mapped twice/);
  });
});

describe('Slack config', () => {
  it('is off by default, with slack.com for permalinks', () => {
    const c = loadConfig({});
    expect(c.SLACK_BOT_TOKEN).toBeUndefined();
    expect(c.SLACK_WORKSPACE_URL).toBe('https://slack.com');
  });

  it('needs the channel and the signing secret with a bot token, one line each, the token hidden', () => {
    expect(errorOf({ SLACK_BOT_TOKEN: 'xoxb-1-2-3' })).toBe(
      'SLACK_APPROVAL_CHANNEL: required when SLACK_BOT_TOKEN is set; SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set',
    );
    expect(errorOf({ SLACK_BOT_TOKEN: 'not-a-token' })).toMatch(
      /^SLACK_BOT_TOKEN=\*\*\*: expected a Slack bot token \(xoxb-…\)/,
    );
    expect(errorOf({ SLACK_API_BASE: 'ftp://x' })).toBe('SLACK_API_BASE=ftp://x: expected a http or https URL');
    const c = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
      SLACK_SIGNING_SECRET: 's3cret',
      SLACK_API_BASE: 'http://127.0.0.1:9999/api/',
    });
    expect(c).toMatchObject({ SLACK_APPROVAL_CHANNEL: 'C0APPROVALS', SLACK_API_BASE: 'http://127.0.0.1:9999/api/' });
  });
});

describe('Slack reminders', () => {
  it('reminds a day and an hour before the deadline, only in the second half of the wait', () => {
    expect(approvalReminderLeads(72 * 3600)).toEqual([86_400, 3_600]);
    expect(approvalReminderLeads(24 * 3600)).toEqual([3_600]);
    expect(approvalReminderLeads(2 * 3600)).toEqual([3_600]);
    expect(approvalReminderLeads(3600)).toEqual([]);
  });
});

describe('Slack approval messages', () => {
  it('links a message from its channel and ts', () => {
    expect(slackPermalink('https://acme.slack.com/', 'C0APPROVALS', '1763640000.000100')).toBe(
      'https://acme.slack.com/archives/C0APPROVALS/p1763640000000100',
    );
  });

  it('shows each outcome with who decided and why, and no buttons', () => {
    const approved = buildApprovalOutcomeMessage(view, {
      outcome: 'executed',
      operator: 'alice',
      reason: 'approved in Slack by @alice',
      at: '2026-11-20T13:00:00.000Z',
    });
    expect(approved.text).toBe(
      'Approved and executed by alice at 2026-11-20T13:00:00.000Z: data fix review for user 42',
    );
    expect(JSON.stringify(approved.blocks)).not.toContain(SLACK_APPROVE_ACTION_ID);
    expect(approved.blocks.some((b) => b.type === 'actions')).toBe(false);
    const expired = buildApprovalOutcomeMessage(view, { outcome: 'expired', operator: null, reason: null, at: null });
    expect(expired.text).toBe('Expired without a decision: data fix review for user 42');
    const rejected = buildApprovalOutcomeMessage(view, {
      outcome: 'rejected',
      operator: 'bob',
      reason: 'not now',
      at: null,
    });
    expect(JSON.stringify(rejected.blocks)).toContain(':no_entry: Rejected by bob\\n>not now');
  });

  it('reminds with the deadline', () => {
    expect(buildApprovalReminderMessage(view).text).toBe(
      ':alarm_clock: Still waiting for a decision: data fix review for user 42. It expires at 2026-11-23T12:00:00.000Z.',
    );
  });
});
