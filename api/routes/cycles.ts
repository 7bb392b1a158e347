// Cycle routes: list, one cycle (Temporal's status when it knows, else the database's), its live
// progress (the workflow's progress query, else engine.cycle_phases), its actions and its audit trail.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { listAudit } from '../../db/repos/audit';
import {
  SA_CYCLE_KIND,
  SA_DRY_RUN,
  SA_HEALTH_SCORE,
  progressQuery,
  type CycleProgress,
} from '../../workflows/definitions';
import { requireRole } from '../plugins/auth';
import { badRequest, notFound } from '../problem';
import { listCycleActions } from '../../db/repos/actions';
import { cyclePhases } from '../../db/repos/cycle-phases';
import { decodeCycleCursor, getCycle, listCycles, type CycleRow } from '../../db/repos/cycles';
import { CycleIdParams, problems } from '../schemas/common';
import {
  ActionListSchema,
  AuditListSchema,
  AuditQuery,
  CycleActionsQuery,
  CycleDetailSchema,
  CycleListSchema,
  ListCyclesQuery,
  ProgressSchema,
} from '../schemas/cycles';
import { cycleStatusFromTemporal, temporalUiLink, type CycleStatus } from '../temporal/cycle-workflows';

const DESCRIBE_DEADLINE_MS = 3_000;
const QUERY_DEADLINE_MS = 3_000;

const noCycle = (cycleId: string) =>
  notFound(
    `No cycle '${cycleId}': neither engine.cycles nor Temporal knows it. GET /api/autonomous/cycles lists the cycles.`,
    'cycle-not-found',
  );

export const cycleRoutes: FastifyPluginAsyncZod = async (app) => {
  /** Temporal's view of the workflow; null when it does not exist or Temporal cannot be reached. */
  async function describe(cycleId: string): Promise<WorkflowExecutionDescription | null> {
    const { client } = app.temporal;
    try {
      return await client.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () =>
        client.workflow.getHandle(cycleId).describe(),
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError))
        app.log.warn({ err, cycleId }, 'describe failed; answering from the database');
      return null;
    }
  }

  const viewer = { onRequest: requireRole('viewer') };
  // The routes that read engine tables alone; one cycle's detail and progress ask Temporal too.
  const cachedViewer = { ...viewer, config: { readCache: true } };

  app.get(
    '/cycles',
    {
      ...cachedViewer,
      schema: {
        tags: ['cycles'],
        summary: 'List cycles, newest first',
        description: 'Every cycle-like run (cycle, monitor, self-heal, ...) recorded in engine.cycles. Role: viewer.',
        querystring: ListCyclesQuery,
        response: { 200: CycleListSchema, ...problems(403) },
      },
    },
    async (request) => {
      const { cursor, ...filters } = request.query;
      const after = cursor ? decodeCycleCursor(cursor) : undefined;
      if (after === null)
        throw badRequest(
          `The cursor '${cursor}' is not one this api issued: pass a nextCursor from a previous page.`,
          'invalid-cursor',
        );
      const { items, total, nextCursor } = await listCycles(app.knex, { ...filters, after });
      return {
        items: items.map((c) => ({
          cycleId: c.cycleId,
          kind: c.kind,
          trigger: c.trigger,
          requestedBy: c.requestedBy,
          dryRun: c.dryRun,
          status: c.status,
          phases: c.phases,
          startedAt: c.startedAt,
          finishedAt: c.finishedAt,
          healthScore: c.healthScore,
          alignmentScore: c.alignmentScore,
          error: c.error,
        })),
        total,
        limit: request.query.limit,
        offset: after ? 0 : request.query.offset,
        nextCursor,
      };
    },
  );

  app.get(
    '/cycles/:cycleId',
    {
      ...viewer,
      schema: {
        tags: ['cycles'],
        summary: 'One cycle: status, phases, scores',
        description:
          'Status from Temporal when it knows the workflow, else from engine.cycles; phases from engine.cycle_phases. Role: viewer.',
        params: CycleIdParams,
        response: { 200: CycleDetailSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const { cycleId } = request.params;
      const [row, description] = await Promise.all([getCycle(app.knex, cycleId), describe(cycleId)]);
      if (!row && !description) throw noCycle(cycleId);
      const temporalStatus = description ? cycleStatusFromTemporal(description.status.name) : null;
      const status: CycleStatus = temporalStatus ?? ((row?.status ?? 'running') as CycleStatus);
      const sa = description?.typedSearchAttributes;
      const { namespace, uiUrl } = app.temporal;
      return {
        cycleId,
        runId: row?.runId ?? description?.runId ?? null,
        kind: row?.kind ?? sa?.get(SA_CYCLE_KIND) ?? null,
        trigger: row?.trigger ?? null,
        requestedBy: row?.requestedBy ?? null,
        status,
        statusSource: temporalStatus ? ('temporal' as const) : ('database' as const),
        dryRun: row?.dryRun ?? sa?.get(SA_DRY_RUN) ?? null,
        phases: row ? await cyclePhases(app.knex, row) : [],
        healthScore: row?.healthScore ?? sa?.get(SA_HEALTH_SCORE) ?? null,
        alignmentScore: row?.alignmentScore ?? null,
        computedAt: row?.logicalNow ?? null,
        startedAt: row?.startedAt ?? description?.startTime.toISOString() ?? null,
        finishedAt: row?.finishedAt ?? description?.closeTime?.toISOString() ?? null,
        error: row?.error ?? null,
        summary: row?.summary ?? null,
        temporal: description
          ? {
              workflowType: description.type,
              status: description.status.name,
              historyLength: description.historyLength,
              uiUrl: temporalUiLink(uiUrl, namespace, cycleId),
            }
          : null,
      };
    },
  );

  async function progressFromDb(row: CycleRow) {
    const phases = await cyclePhases(app.knex, row);
    return {
      cycleId: row.cycleId,
      kind: row.kind,
      dryRun: row.dryRun,
      currentPhase: phases.find((p) => p.status === 'running')?.name ?? null,
      phases: phases.map((p) => ({
        name: p.name,
        status: p.status,
        startedAt: p.startedAt,
        finishedAt: p.finishedAt,
        counts: p.counts,
      })),
      healthScore: row.healthScore,
      alignmentScore: row.alignmentScore,
      source: 'database' as const,
    };
  }

  app.get(
    '/cycles/:cycleId/progress',
    {
      ...viewer,
      schema: {
        tags: ['cycles'],
        summary: 'Live progress of a cycle',
        description:
          "The workflow's `progress` query (current phase, counts so far) while it runs; engine.cycle_phases once it has finished " +
          'or when the query cannot be answered (e.g. no worker is running). Role: viewer.',
        params: CycleIdParams,
        response: { 200: ProgressSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const { cycleId } = request.params;
      const row = await getCycle(app.knex, cycleId);
      // A finished cycle's progress is in the database; querying would only make a worker replay it.
      if (row && row.status !== 'running') return progressFromDb(row);
      const { client } = app.temporal;
      try {
        const live: CycleProgress = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
          client.workflow.getHandle(cycleId).query(progressQuery),
        );
        return { ...live, source: 'workflow' as const };
      } catch (err) {
        if (row) return progressFromDb(row);
        if (err instanceof WorkflowNotFoundError) throw noCycle(cycleId);
        const description = await describe(cycleId);
        if (!description) throw noCycle(cycleId);
        // Started but not yet picked up by a worker: nothing has run.
        return {
          cycleId,
          kind: description.typedSearchAttributes.get(SA_CYCLE_KIND) ?? null,
          dryRun: description.typedSearchAttributes.get(SA_DRY_RUN) ?? null,
          currentPhase: null,
          phases: [],
          healthScore: null,
          alignmentScore: null,
          source: 'temporal' as const,
        };
      }
    },
  );

  app.get(
    '/cycles/:cycleId/actions',
    {
      ...cachedViewer,
      schema: {
        tags: ['cycles'],
        summary: 'Actions a cycle planned',
        description:
          'engine.actions of the cycle with their mode (auto | needs_approval | recommendation) and status. Role: viewer.',
        params: CycleIdParams,
        querystring: CycleActionsQuery,
        response: { 200: ActionListSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const { cycleId } = request.params;
      if (!(await getCycle(app.knex, cycleId))) throw noCycle(cycleId);
      const { items, total } = await listCycleActions(app.knex, cycleId, request.query);
      return { items, total, limit: request.query.limit, offset: request.query.offset };
    },
  );

  app.get(
    '/cycles/:cycleId/audit',
    {
      ...cachedViewer,
      schema: {
        tags: ['cycles'],
        summary: 'Audit trail of a cycle',
        description:
          'engine.audit_log entries of the cycle, oldest first (findings, plans, gate decisions, approvals, effects). Role: viewer.',
        params: CycleIdParams,
        querystring: AuditQuery,
        response: { 200: AuditListSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const { cycleId } = request.params;
      if (!(await getCycle(app.knex, cycleId))) throw noCycle(cycleId);
      const { limit, afterId } = request.query;
      const entries = await listAudit(app.knex, { cycleId, afterId, limit, order: 'asc' });
      const items = entries.map(({ dedupeKey: _dedupeKey, ...entry }) => entry);
      return { items, nextAfterId: items.length === limit ? items[items.length - 1]!.id : null };
    },
  );
};
