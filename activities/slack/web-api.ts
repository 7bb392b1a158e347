// The Slack Web API calls of approvals (chat.postMessage, chat.update) through the official client. The
// client's own retries are off: the activity's Temporal retry policy is the one durable retry loop.
import { ErrorCode, WebClient } from '@slack/web-api';
import { NonRetryableError, UpstreamUnavailableError } from '../effects/errors';
import type { SlackBlocksMessage } from '../../platform/slack-approval-message';

export interface SlackApi {
  /** Posts to a channel (or into a thread with threadTs); answers where the message landed. */
  postMessage(m: SlackBlocksMessage & { channel: string; threadTs?: string }): Promise<{ channel: string; ts: string }>;
  update(m: SlackBlocksMessage & { channel: string; ts: string }): Promise<void>;
}

// Slack answers these when the upstream itself is struggling: worth another attempt later.
const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

function translate(method: string, err: unknown): Error {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; message?: string };
  if (e.code === ErrorCode.PlatformError) {
    const code = e.data?.error ?? 'unknown_error';
    if (TRANSIENT.has(code)) return new UpstreamUnavailableError('slack', `Slack ${method}: ${code}`);
    // invalid_auth, channel_not_found, not_in_channel, …: a configuration problem no retry fixes.
    return new NonRetryableError(`Slack ${method} refused: ${code}`, `slack_${code}`);
  }
  if (e.code === ErrorCode.RateLimitedError)
    return new UpstreamUnavailableError('slack', `Slack ${method}: rate limited`, e.retryAfter ?? null);
  return new UpstreamUnavailableError('slack', `Slack ${method}: ${e.message ?? String(err)}`);
}

export function createSlackApi(opts: { token: string; apiBase?: string; timeoutMs?: number }): SlackApi {
  const client = new WebClient(opts.token, {
    ...(opts.apiBase ? { slackApiUrl: opts.apiBase.endsWith('/') ? opts.apiBase : `${opts.apiBase}/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
  });
  return {
    async postMessage(m) {
      try {
        const res = await client.chat.postMessage({
          channel: m.channel,
          text: m.text,
          blocks: m.blocks as never,
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        });
        if (!res.ts || !res.channel) throw new UpstreamUnavailableError('slack', 'Slack chat.postMessage: no ts');
        return { channel: res.channel, ts: res.ts };
      } catch (err) {
        throw err instanceof UpstreamUnavailableError ? err : translate('chat.postMessage', err);
      }
    },
    async update(m) {
      try {
        await client.chat.update({ channel: m.channel, ts: m.ts, text: m.text, blocks: m.blocks as never });
      } catch (err) {
        throw translate('chat.update', err);
      }
    },
  };
}
