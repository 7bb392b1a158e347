// The autonomy ladder (docs/safety.md#autonomy-ladder): each action type's level, the evidence behind it and
// its next step for everyone with a key; an admin pins a level (or unpins it), with a reason, audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../db/repos/audit';
import { listAutonomyLevels, pinAutonomyLevel, type AutonomyLevelRecord } from '../../db/repos/autonomy-levels';
import { ACTION_DEFINITION_VERSIONS, effectiveLevel } from '../../engine/autonomy/levels';
import { ACTION_TYPES, type ActionType } from '../../engine/types';
import { requireRole } from '../plugins/auth';
import { problems } from '../schemas/common';
import { AutonomyListSchema, AutonomyTypeParams, PinLevelBody, PinLevelResponse } from '../schemas/autonomy';

function dto(type: ActionType, r: AutonomyLevelRecord | null | undefined) {
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
          'the evidence of the last evaluation and the next step. Role: viewer.',
        response: { 200: AutonomyListSchema, ...problems(403) },
      },
    },
    async () => {
      const rows = new Map((await listAutonomyLevels(app.knex)).map((r) => [r.actionType, r]));
      return { items: ACTION_TYPES.map((t) => dto(t, rows.get(t))) };
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
      return { before: before && dto(type, before), after: dto(type, after) };
    },
  );
};
