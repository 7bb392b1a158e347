// The autonomy ladder (docs/safety.md#autonomy-ladder): each action type's level, the evidence behind it and
// its next step for everyone with a key; an admin pins a level (or unpins it), with a reason, audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../db/repos/audit';
import { listAutonomyLevels, pinAutonomyLevel, type AutonomyLevelRecord } from '../../db/repos/autonomy-levels';
import { listGuardrailResults, type GuardrailResultRecord } from '../../db/repos/guardrail-results';
import { guardrailActionOf } from '../../engine/guardrails/verdict';
import { allReads } from '../../db/types';
import { toIntervalDto } from '../schemas/interval';
import { ACTION_DEFINITION_VERSIONS, effectiveLevel } from '../../engine/autonomy/levels';
import { ACTION_TYPES, type ActionType } from '../../engine/types';
import { requireRole } from '../plugins/auth';
import { problems } from '../schemas/common';
import { AutonomyListSchema, AutonomyTypeParams, PinLevelBody, PinLevelResponse } from '../schemas/autonomy';

function guardrailsDto(results: readonly GuardrailResultRecord[]) {
  if (!results.length) return null;
  const action = guardrailActionOf(results);
  return {
    action: action?.action ?? null,
    reason: action?.reason ?? null,
    metrics: results.map((g) => ({
      metric: g.metric,
      verdict: g.verdict,
      action: g.action,
      severity: g.severity,
      margin: g.margin,
      treated: g.treated,
      holdout: g.holdout,
      difference: g.difference,
      pValue: g.pValue,
      interval: toIntervalDto(g.interval),
      alpha: g.alpha,
      reason: g.reason,
      looks: g.looks,
      evaluatedAt: g.evaluatedAt,
    })),
  };
}

function dto(
  type: ActionType,
  r: AutonomyLevelRecord | null | undefined,
  guardrails: readonly GuardrailResultRecord[],
) {
  const level = effectiveLevel(type, r);
  return {
    actionType: type,
    level,
    storedLevel: r?.level ?? null,
    definitionVersion: r?.definitionVersion ?? null,
    currentDefinitionVersion: ACTION_DEFINITION_VERSIONS[type],
    pinned: r?.pinned ?? false,
    pinnedBy: r?.pinnedBy ?? null,
    pinnedReason: r?.pinnedReason ?? null,
    pinnedAt: r?.pinnedAt ?? null,
    levelSince: r?.levelSince ?? null,
    reason: !r
      ? 'a new action type starts in shadow'
      : level !== r.level
        ? 'its definition changed: it starts again in shadow'
        : r.reason,
    nextStep: r?.nextStep ?? null,
    evidence: r?.evidence ?? {},
    evaluatedAt: r?.evaluatedAt ?? null,
    guardrails: guardrailsDto(guardrails.filter((g) => g.type === type)),
  };
}

export const autonomyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/autonomy',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['config'],
        summary: 'The autonomy ladder',
        description:
          'Every action type’s level (shadow: recorded only; approval: an operator decides; auto: the gates decide), ' +
          'the evidence of the last evaluation and the next step, and for a message type its guardrails (treated vs ' +
          'holdout rates, always-valid p-value and interval, verdict). Role: viewer.',
        response: { 200: AutonomyListSchema, ...problems(403) },
      },
    },
    async () => {
      const [levels, guardrails] = await allReads(app.knex, [
        () => listAutonomyLevels(app.knex),
        () => listGuardrailResults(app.knex),
      ] as const);
      const rows = new Map(levels.map((r) => [r.actionType, r]));
      return { items: ACTION_TYPES.map((t) => dto(t, rows.get(t), guardrails)) };
    },
  );

  app.put(
    '/autonomy/:actionType',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['config'],
        summary: 'Pin (or unpin) an action type’s level',
        description:
          'Pins the type at a level the ladder then never changes, or unpins it with level null (the ladder moves it ' +
          'again from its level at the next learn phase); reason required; audited. Role: admin.',
        params: AutonomyTypeParams,
        body: PinLevelBody,
        response: { 200: PinLevelResponse, ...problems(403) },
      },
    },
    async (request) => {
      const type = request.params.actionType;
      const by = request.principal!.name;
      const { level, reason } = request.body;
      const { before, after } = await app.knex.transaction(async (trx) => {
        const r = await pinAutonomyLevel(trx, type, { level, by, reason });
        await appendAudit(trx, {
          actor: by,
          event: level ? 'autonomy.pinned' : 'autonomy.unpinned',
          target: `action_type:${type}`,
          before: r.before && { level: r.before.level, pinned: r.before.pinned },
          after: { level: r.after.level, pinned: r.after.pinned, reason },
          dryRun: false,
        });
        return r;
      });
      request.log.info({ actionType: type, level, by }, level ? 'autonomy level pinned' : 'autonomy level unpinned');
      const guardrails = await listGuardrailResults(app.knex);
      return { before: before && dto(type, before, guardrails), after: dto(type, after, guardrails) };
    },
  );
};
