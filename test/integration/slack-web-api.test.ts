// The Slack Web API adapter against a local HTTP receiver: what it sends (bearer token, form fields, the
// thread) and how Slack's answers become errors — a configuration refusal is non-retryable, an outage, a
// rate limit or Slack's own trouble is retryable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError, UpstreamUnavailableError } from '../../activities/effects/errors';
import { createSlackApi } from '../../activities/slack/web-api';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

let slack: HttpReceiver;
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

beforeAll(async () => {
  slack = await startHttpReceiver();
});
afterAll(async () => {
  await slack?.close();
});

const api = () => createSlackApi({ token: 'xoxb-adapter-test', apiBase: `${slack.url}/api`, timeoutMs: 2_000 });
const message = {
  channel: '#approvals',
  text: 'hello',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
};

describe('Slack Web API adapter', () => {
  it('posts into a thread with the bot token and answers where the message landed', async () => {
    slack.reply(json(200, { ok: true, channel: 'C1', ts: '1763640000.000001' }));
    await expect(api().postMessage({ ...message, threadTs: '1763639999.000009' })).resolves.toEqual({
      channel: 'C1',
      ts: '1763640000.000001',
    });
    const req = slack.requests.at(-1)!;
    expect(req.path).toBe('/api/chat.postMessage');
    expect(req.headers.authorization).toBe('Bearer xoxb-adapter-test');
    const form = new URLSearchParams(req.body);
    expect(form.get('channel')).toBe('#approvals');
    expect(form.get('thread_ts')).toBe('1763639999.000009');
    expect(JSON.parse(form.get('blocks')!)).toEqual(message.blocks);
  });

  it('updates a message by channel and ts', async () => {
    slack.reply(json(200, { ok: true, channel: 'C1', ts: '1763640000.000001' }));
    await api().update({ ...message, channel: 'C1', ts: '1763640000.000001' });
    const req = slack.requests.at(-1)!;
    expect(req.path).toBe('/api/chat.update');
    expect(new URLSearchParams(req.body).get('ts')).toBe('1763640000.000001');
  });

  it('makes a configuration refusal non-retryable', async () => {
    slack.reply(json(200, { ok: false, error: 'channel_not_found' }));
    const err = await api()
      .postMessage(message)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as NonRetryableError).code).toBe('slack_channel_not_found');
  });

  it('makes an outage, a rate limit and Slack trouble retryable', async () => {
    for (const reply of [
      json(503, { ok: false }),
      json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '7' }),
      json(200, { ok: false, error: 'internal_error' }),
    ]) {
      slack.reply(reply);
      const err = await api()
        .update({ ...message, ts: '1.2' })
        .catch((e: unknown) => e);
      expect(err, JSON.stringify(reply)).toBeInstanceOf(UpstreamUnavailableError);
    }
  });
});
