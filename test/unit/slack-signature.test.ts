// Slack request verification (api/slack-signature.ts) against Slack's documented worked example, plus tampered,
// stale and malformed cases; the approval interaction parser (api/slack-interaction.ts) and the approval
// Block Kit messages (platform/slack-approval-message.ts), round-tripped through a signed request.
import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../api/slack-signature';
import { parseSlackApprovalInteraction } from '../../api/slack-interaction';
import { ValidationError } from '../../engine/safety/errors';
import {
  buildApprovalDecidedMessage,
  buildApprovalRequestMessage,
  SLACK_APPROVE_ACTION_ID,
  SLACK_REJECT_ACTION_ID,
} from '../../platform/slack-approval-message';

// The example of Slack's "Verifying requests from Slack" page.
const DOC = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&' +
    'channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&' +
    'response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&' +
    'trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const docTime = (offsetSeconds = 0) => new Date((Number(DOC.timestamp) + offsetSeconds) * 1000);
const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    signingSecret: DOC.secret,
    timestamp: DOC.timestamp,
    signature: DOC.signature,
    rawBody: DOC.body,
    now: docTime(),
    ...over,
  });

describe('Slack request signature', () => {
  it("computes Slack's documented signature and accepts it within the window", () => {
    expect(slackSignature(DOC.secret, DOC.timestamp, DOC.body)).toBe(DOC.signature);
    expect(slackSignature(DOC.secret, DOC.timestamp, Buffer.from(DOC.body))).toBe(DOC.signature);
    expect(check()).toEqual({ ok: true });
    expect(check({ now: docTime(299) })).toEqual({ ok: true });
    expect(check({ now: docTime(-299) })).toEqual({ ok: true });
  });

  it('rejects a tampered body, timestamp, signature or secret', () => {
    expect(check({ rawBody: DOC.body.replace('user_id=U2CERLKJA', 'user_id=U0ATTACKER') })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(check({ timestamp: '1531420619', now: docTime(1) })).toMatchObject({ ok: false, reason: 'mismatch' });
    const flipped = DOC.signature.slice(0, -1) + (DOC.signature.endsWith('3') ? '4' : '3');
    expect(check({ signature: flipped })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check({ signingSecret: 'another-secret' })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a stale or future request (replay window of 5 minutes) before comparing', () => {
    expect(check({ now: docTime(301) })).toEqual({
      ok: false,
      reason: 'stale',
      detail: 'the request is 301 s from now (at most 300 s)',
    });
    expect(check({ now: docTime(-301) })).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('rejects missing and malformed headers', () => {
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: 'missing' });
    expect(check({ timestamp: '' })).toMatchObject({ ok: false, reason: 'missing' });
    expect(check({ timestamp: '15314x0618' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check({ signature: 'v1=' + DOC.signature.slice(3) })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(check({ signature: DOC.signature.slice(0, 20) })).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

const request = {
  actionId: 'act_retry_payment_123',
  actionType: 'retry_payment',
  summary: 'Retry payment 123 (4,200 ¢)',
  reason: 'confidence 0.72 below the remediation gate 0.80',
  confidence: 0.72,
  deadline: '2026-11-21T12:00:00.000Z',
  approvalsUrl: 'http://127.0.0.1:3000/approvals',
};

/** A block_actions interaction as Slack posts it after a click on one of the request's buttons. */
function clickBody(actionIdOfButton: string, value: string, user = { id: 'U2CERLKJA', username: 'roadrunner' }) {
  const payload = {
    type: 'block_actions',
    user,
    api_app_id: 'A0KRD7HC3',
    container: { type: 'message', message_ts: '1548261231.000200', channel_id: 'CBR2V3XEX' },
    channel: { id: 'CBR2V3XEX', name: 'ops' },
    message: { ts: '1548261231.000200', text: 'Approval needed' },
    response_url: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
    actions: [
      { action_id: actionIdOfButton, block_id: 'approval:x', value, type: 'button', action_ts: '1548426417.840180' },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('approval messages and the interaction that answers them', () => {
  it('the request carries Approve / Reject buttons with the action id as value', () => {
    const msg = buildApprovalRequestMessage(request);
    const actions = msg.blocks.find((b) => b.type === 'actions') as { elements: Array<Record<string, unknown>> };
    expect(actions.elements.slice(0, 2)).toMatchObject([
      { action_id: SLACK_APPROVE_ACTION_ID, value: request.actionId, style: 'primary' },
      { action_id: SLACK_REJECT_ACTION_ID, value: request.actionId, style: 'danger' },
    ]);
    expect(msg.text).toBe('Approval needed: Retry payment 123 (4,200 ¢)');
    expect(JSON.stringify(msg.blocks)).toContain(request.reason);
  });

  it('a signed click on Approve parses into the decision; Reject likewise', () => {
    const body = clickBody(SLACK_APPROVE_ACTION_ID, request.actionId);
    const ts = '1764676800';
    const signature = slackSignature('app-secret', ts, body);
    expect(
      verifySlackSignature({
        signingSecret: 'app-secret',
        timestamp: ts,
        signature,
        rawBody: body,
        now: new Date(Number(ts) * 1000),
      }),
    ).toEqual({ ok: true });
    expect(parseSlackApprovalInteraction(body)).toEqual({
      actionId: request.actionId,
      decision: 'approve',
      slackUserId: 'U2CERLKJA',
      slackUserName: 'roadrunner',
      responseUrl: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
      channelId: 'CBR2V3XEX',
      messageTs: '1548261231.000200',
    });
    expect(
      parseSlackApprovalInteraction(clickBody(SLACK_REJECT_ACTION_ID, 'act_9', { id: 'U1', username: 'x' })),
    ).toMatchObject({
      actionId: 'act_9',
      decision: 'reject',
      slackUserId: 'U1',
    });
  });

  it('refuses anything else with a ValidationError naming the field', () => {
    const fail = (body: string) => {
      try {
        parseSlackApprovalInteraction(body);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).issues.map((i) => i.path);
      }
      throw new Error('expected a ValidationError');
    };
    expect(fail('token=abc')).toEqual(['payload']);
    expect(fail('payload=%7Bnot-json')).toEqual(['payload']);
    expect(fail(clickBody('some_other_button', 'act_1'))).toEqual(['payload.actions.0.action_id']);
    expect(fail(clickBody(SLACK_APPROVE_ACTION_ID, ''))).toEqual(['payload.actions.0.value']);
    expect(
      fail(
        new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', user: { id: 'U1' } }) }).toString(),
      ),
    ).toEqual(expect.arrayContaining(['payload.type']));
  });

  it('the decided message drops the buttons and says who decided', () => {
    const msg = buildApprovalDecidedMessage(request, {
      decision: 'reject',
      slackUserId: 'U2CERLKJA',
      decidedAt: '2026-11-20T13:00:00.000Z',
    });
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(msg.blocks)).toContain(':no_entry: Rejected by <@U2CERLKJA> at 2026-11-20T13:00:00.000Z');
    expect(msg.text).toBe('Rejected: Retry payment 123 (4,200 ¢)');
  });
});
