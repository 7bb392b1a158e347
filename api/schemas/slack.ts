// The Slack interaction endpoint's documented shapes: Slack's form body and the answer it gets.
import { z } from 'zod';

export const SlackInteractionBody = z
  .object({
    payload: z
      .string()
      .describe('The block_actions JSON of an Approve / Reject click, as Slack sends it (form-encoded)'),
  })
  .describe('application/x-www-form-urlencoded, signed by Slack (x-slack-signature, x-slack-request-timestamp)');

export const SlackSignatureHeaders = z.object({
  'x-slack-signature': z.string().optional().describe('v0=<hex HMAC-SHA256 of v0:<timestamp>:<raw body>>'),
  'x-slack-request-timestamp': z.string().optional().describe('Unix seconds; at most 5 minutes from now'),
});
