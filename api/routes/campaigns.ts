// Campaigns (docs/campaigns.md): list and show them with their cohort, recipients, expected impact, preview and
// ramp; approve or reject one (the campaign's one approval), and pause, resume or cancel its rollout. Each
// control is a signal to the campaign's rollout workflow, which records it; this records who asked.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit, findAuditByDedupeKey } from '../../db/repos/audit';
import { campaignStatusCounts, getCampaign, listCampaigns } from '../../db/repos/campaigns';
import { getCycle } from '../../db/repos/cycles';
import { runStarter, sameOperator } from '../../engine/approvals/quorum';
import { campaignWorkflowId, type CampaignStatus } from '../../engine/campaigns/campaign';
import { requireRole } from '../plugins/auth';
import { conflict, forbidden, notFound } from '../problem';
import { problems } from '../schemas/common';
import {
  CAMPAIGN_CONTROLS,
  CampaignControlAccepted,
  CampaignControlBody,
  CampaignDetailSchema,
  CampaignIdParams,
  CampaignListSchema,
  ListCampaignsQuery,
  type CampaignControl,
} from '../schemas/campaigns';

const SIGNAL_DEADLINE_MS = 10_000;

/** The campaign statuses in which each control means something. */
const CONTROL_FROM: Record<CampaignControl, readonly CampaignStatus[]> = {
  approve: ['pending_approval'],
  reject: ['pending_approval'],
  pause: ['approved', 'running'],
  resume: ['paused'],
  cancel: ['pending_approval', 'approved', 'running', 'paused'],
};

export const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/campaigns',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['campaigns'],
        summary: 'Campaigns (newest first)',
        description:
          'One per (cycle, phase, message type): the cohort, recipients after the gates, expected impact, a preview ' +
          'and the rollout. Filter by status (comma-separated), cycle or type. Role: viewer.',
        querystring: ListCampaignsQuery,
        response: { 200: CampaignListSchema, ...problems(403) },
      },
    },
    async (request) => {
      const { status, cycleId, type, limit } = request.query;
      return { items: await listCampaigns(app.knex, { status: status?.split(','), cycleId, type, limit }) };
    },
  );

  app.get(
    '/campaigns/:campaignId',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign with its actions per status',
        params: CampaignIdParams,
        response: { 200: CampaignDetailSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const c = await getCampaign(app.knex, request.params.campaignId);
      if (!c) throw notFound(`No campaign '${request.params.campaignId}'. GET /api/autonomous/campaigns lists them.`);
      return { ...c, counts: await campaignStatusCounts(app.knex, c.id) };
    },
  );

  for (const control of CAMPAIGN_CONTROLS) {
    app.post(
      `/campaigns/:campaignId/${control}`,
      {
        onRequest: requireRole('operator'),
        schema: {
          tags: ['campaigns'],
          summary: `${control[0]!.toUpperCase()}${control.slice(1)} a campaign`,
          description:
            `Signals \`${control}\` {operator, reason} to workflow campaign-<campaignId>; the operator is the API key's ` +
            `name. Allowed while the campaign is ${CONTROL_FROM[control].join(' or ')}; 409 otherwise. ` +
            (control === 'approve'
              ? 'With a quorum (policy approval_quorum) each distinct operator approves once; 403 for whoever started the live run by hand. '
              : '') +
            'Role: operator.',
          params: CampaignIdParams,
          body: CampaignControlBody,
          response: { 202: CampaignControlAccepted, ...problems(403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { campaignId } = request.params;
        const operator = request.principal!.name;
        const { reason } = request.body;
        const c = await getCampaign(app.knex, campaignId);
        if (!c) throw notFound(`No campaign '${campaignId}'. GET /api/autonomous/campaigns lists them.`);
        if (!CONTROL_FROM[control].includes(c.status))
          throw conflict(
            `Campaign '${campaignId}' is ${c.status}${c.statusReason ? ` (${c.statusReason})` : ''}: ` +
              `${control} applies only while it is ${CONTROL_FROM[control].join(' or ')}.`,
            'campaign-state',
          );
        const workflowId = c.workflowId ?? campaignWorkflowId(campaignId);
        const decision = control === 'approve' || control === 'reject';
        if (control === 'approve') {
          const starter = runStarter(await getCycle(app.knex, c.cycleId));
          if (starter && sameOperator(starter, operator))
            throw forbidden(
              `You started this live run (cycle '${c.cycleId}') by hand: another operator must approve its campaign.`,
            );
        }
        // A decision is claimed once (its audit entry's dedupe key), so two operators never both get a 202; with a
        // quorum each operator's approve claims its own key, and a reject (which decides alone) the campaign's.
        const claimKey =
          control === 'approve'
            ? `campaign.decision:${campaignId}:approve:${operator.trim().toLowerCase()}`
            : control === 'reject'
              ? `campaign.decision:${campaignId}`
              : null;
        await app.knex.transaction(async (trx) => {
          const claimed = await appendAudit(trx, {
            actor: operator,
            cycleId: c.cycleId,
            event: `campaign.${control}_requested`,
            target: `campaign:${campaignId}`,
            before: { status: c.status },
            after: { control, reason, workflowId, requestId: request.id },
            dryRun: c.dryRun,
            dedupeKey: claimKey,
          });
          if (decision && claimed === null) {
            const first = await findAuditByDedupeKey(trx, claimKey!);
            throw conflict(
              control === 'approve'
                ? `You already approved campaign '${campaignId}' (at ${first?.at ?? 'an earlier moment'}): the same operator counts once.`
                : `Campaign '${campaignId}' was already rejected by ${first?.actor ?? 'another operator'}.`,
              'campaign-already-decided',
            );
          }
          const { client } = app.temporal;
          try {
            await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
              client.workflow.getHandle(workflowId).signal(control, { operator, reason }),
            );
          } catch (err) {
            if (err instanceof WorkflowNotFoundError)
              throw conflict(`The rollout workflow '${workflowId}' is no longer running.`, 'campaign-state');
            throw err;
          }
        });
        request.log.info({ campaignId, control, operator }, 'campaign control signaled');
        return reply.code(202).send({ campaignId, workflowId, control, operator, reason, status: 'signaled' as const });
      },
    );
  }
};
