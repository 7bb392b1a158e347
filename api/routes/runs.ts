// POST routes that start the cycle workflows (run-cycle and the seed's single-purpose runs). All are
// dry-run unless the body says dryRun: false, which only admins may (docs/safety.md).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../db/repos/audit';
import type { Phase } from '../../engine/types';
import { assertRole, requireRole } from '../plugins/auth';
import { problems } from '../schemas/common';
import { effectiveDryRun, RunBody, RunCycleBody, StartedSchema } from '../schemas/runs';
import {
  CYCLE_WORKFLOWS,
  startCycleWorkflow,
  temporalUiLink,
  type CycleWorkflowType,
} from '../temporal/cycle-workflows';

export const runRoutes: FastifyPluginAsyncZod = async (app) => {
  async function start(
    request: FastifyRequest,
    reply: FastifyReply,
    type: CycleWorkflowType,
    body: { dryRun?: boolean; dry_run?: boolean; phases?: Phase[]; full?: boolean } | null | undefined,
  ) {
    const dryRun = effectiveDryRun(body);
    const principal = dryRun
      ? assertRole(request, 'operator', 'A dry-run cycle')
      : assertRole(request, 'admin', 'A live cycle (dryRun: false)');
    const spec = CYCLE_WORKFLOWS[type];
    const { client, taskQueue, namespace, uiUrl } = app.temporal;
    const started = await startCycleWorkflow(client, taskQueue, spec, {
      dryRun,
      requestedBy: principal.name,
      phases: body?.phases,
      full: body?.full,
      requestId: request.id,
    });
    app.metrics.cyclesStarted.inc({ kind: spec.kind, dry_run: String(dryRun) });
    // Who asked for what, even if no worker ever picks the workflow up (the workflow audits its own start).
    await appendAudit(app.knex, {
      actor: principal.name,
      cycleId: started.cycleId,
      event: 'cycle.requested',
      target: started.cycleId,
      after: {
        workflowType: spec.workflowType,
        kind: spec.kind,
        dryRun,
        phases: body?.phases ?? null,
        ...(body?.full ? { full: true } : {}),
        via: 'api',
        role: principal.role,
        requestId: request.id,
      },
      dryRun,
      dedupeKey: `cycle.requested:${started.cycleId}`,
    });
    request.log.info({ cycleId: started.cycleId, kind: spec.kind, dryRun, by: principal.name }, 'cycle started');
    const self = `/api/autonomous/cycles/${encodeURIComponent(started.cycleId)}`;
    return reply
      .code(202)
      .header('location', self)
      .send({
        ...started,
        links: { self, progress: `${self}/progress`, temporalUi: temporalUiLink(uiUrl, namespace, started.cycleId) },
      });
  }

  const common = {
    onRequest: requireRole('operator'),
  };
  const responses = { 202: StartedSchema, ...problems(403) };

  app.post(
    '/run-cycle',
    {
      ...common,
      schema: {
        tags: ['cycles'],
        summary: 'Start an autonomous cycle',
        description:
          'Starts workflow `autonomousCycle` (analyze → heal → optimize → prevent → learn → decide → verify, or the given subset). ' +
          'Dry-run by default. Role: operator; admin for dryRun: false.',
        body: RunCycleBody,
        response: responses,
      },
    },
    (request, reply) => start(request, reply, 'autonomousCycle', request.body),
  );

  const single: Array<{ url: string; type: CycleWorkflowType; summary: string; description: string }> = [
    {
      url: '/auto-remediate',
      type: 'autoRemediate',
      summary: 'Start an auto-remediation run',
      description: 'Workflow `autoRemediate`: a fresh analysis, then the heal phase.',
    },
    {
      url: '/self-optimize',
      type: 'selfOptimize',
      summary: 'Start a self-optimization run',
      description: 'Workflow `selfOptimize`: a fresh analysis, then the optimize phase.',
    },
    {
      url: '/self-heal',
      type: 'selfHeal',
      summary: 'Start a self-heal run',
      description: 'Workflow `selfHeal`: the heal phase on the findings already open.',
    },
    {
      url: '/monitor-and-respond',
      type: 'monitorAndRespond',
      summary: 'Run the health monitor now',
      description:
        'Workflow `monitorAndRespond`: the cheap health detectors; alerts on critical findings and may start a self-heal.',
    },
  ];
  for (const s of single) {
    app.post(
      s.url,
      {
        ...common,
        schema: {
          tags: ['cycles'],
          summary: s.summary,
          description: `${s.description} Dry-run by default. Role: operator; admin for dryRun: false.`,
          body: RunBody,
          response: responses,
        },
      },
      (request, reply) => start(request, reply, s.type, request.body),
    );
  }
};
