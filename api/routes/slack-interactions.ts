// POST /api/integrations/slack/interactions: Slack's request when someone clicks Approve or Reject on an
// approval message. Public (Slack holds no API key): the signing secret proves the sender, checked over the
// raw body; the Slack user is mapped to an operator (SLACK_OPERATORS) with the api's role rules, and the
// decision is signaled exactly as the api's approve/reject routes do. The approval workflow updates the message.
import type { FastifyPluginAsync } from 'fastify';
import { appendAudit } from '../../db/repos/audit';
import { hasRole } from '../plugins/auth';
import { forbidden, notFound, unauthorized } from '../problem';
import { signalApprovalDecision } from '../services/approval-decision';
import { parseSlackApprovalInteraction } from '../slack-interaction';
import { verifySlackSignature } from '../slack-signature';
import type { SlackOperator } from '../../platform/slack-operators';
import { DecisionAcceptedSchema } from '../schemas/approvals';
import { problems } from '../schemas/common';
import { SlackInteractionBody, SlackSignatureHeaders } from '../schemas/slack';

export interface SlackInteractionOptions {
  /** Unset: Slack approvals are off and the endpoint answers 404. */
  signingSecret?: string;
  operators: ReadonlyMap<string, SlackOperator>;
  /** Tests move the clock for the replay window. */
  now?: () => Date;
}

// Slack retries a click it got no answer for within 3 s; leave room for the round trip.
const SIGNAL_DEADLINE_MS = 2_500;

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export const slackInteractionRoutes: FastifyPluginAsync<SlackInteractionOptions> = async (app, opts) => {
  // The signature covers the body byte for byte: this route takes every body as raw text, whatever its type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const now = opts.now ?? (() => new Date());

  app.post(
    '/interactions',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Approve / Reject clicks from Slack',
        description:
          'Public, signed by Slack (v0 HMAC-SHA256 with SLACK_SIGNING_SECRET, 5-minute replay window): 401 when ' +
          'unsigned, tampered or stale, and nothing changes; 400 for a payload that is not an approval click; 403 ' +
          'for a Slack user SLACK_OPERATORS does not map to an operator (or maps to a viewer), audited; 404 when ' +
          'Slack approvals are not configured. Otherwise the decision is signaled like POST ' +
          '/api/autonomous/approvals/{actionId}/approve|reject (404 / 409 likewise).',
        // No API key: Slack's signature headers are the credential.
        security: [],
        consumes: ['application/x-www-form-urlencoded'],
        headers: SlackSignatureHeaders,
        body: SlackInteractionBody,
        response: { 200: DecisionAcceptedSchema, ...problems(403, 404, 409) },
      },
      // The documented body is for readers; the route checks the signature before it parses anything.
      validatorCompiler: () => () => true,
    },
    async (request) => {
      if (!opts.signingSecret)
        throw notFound('Slack approvals are not configured: set SLACK_SIGNING_SECRET.', 'slack-not-configured');
      const rawBody = typeof request.body === 'string' ? request.body : '';
      const check = verifySlackSignature({
        signingSecret: opts.signingSecret,
        timestamp: header(request.headers['x-slack-request-timestamp']),
        signature: header(request.headers['x-slack-signature']),
        rawBody,
        now: now(),
      });
      if (!check.ok) throw unauthorized(`Not a signed Slack request (${check.reason}): ${check.detail}.`);
      const click = parseSlackApprovalInteraction(rawBody);
      const mapped = opts.operators.get(click.slackUserId);
      if (!mapped || !hasRole({ id: 0, name: mapped.operator, role: mapped.role }, 'operator')) {
        await appendAudit(app.knex, {
          actor: `slack:${click.slackUserId}`,
          event: 'approval.slack_refused',
          target: `action:${click.actionId}`,
          after: {
            decision: click.decision,
            slackUserId: click.slackUserId,
            slackUserName: click.slackUserName,
            operator: mapped?.operator ?? null,
            role: mapped?.role ?? null,
            requestId: request.id,
          },
          dryRun: false,
        });
        throw forbidden(
          mapped
            ? `The Slack user ${click.slackUserId} is ${mapped.operator}, a ${mapped.role}: deciding approvals needs the operator role.`
            : `The Slack user ${click.slackUserId} is not mapped to an operator (SLACK_OPERATORS).`,
        );
      }
      const who = click.slackUserName ? `@${click.slackUserName}` : click.slackUserId;
      const result = await signalApprovalDecision(app, {
        actionId: click.actionId,
        decision: click.decision,
        operator: mapped.operator,
        reason: `${click.decision === 'approve' ? 'approved' : 'rejected'} in Slack by ${who}`,
        requestId: request.id,
        via: { channel: 'slack', slackUserId: click.slackUserId, slackUserName: click.slackUserName },
        signalDeadlineMs: SIGNAL_DEADLINE_MS,
      });
      request.log.info(
        {
          actionId: result.actionId,
          decision: result.decision,
          operator: result.operator,
          slackUser: click.slackUserId,
        },
        'approval decision signaled from Slack',
      );
      return result;
    },
  );
};
