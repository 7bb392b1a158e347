// Versioned thresholds and policies (docs/safety.md): everyone with a key reads them; only admins
// change them, each change a new version with who and why (db/repos/config.ts validates and audits).
// Live mode is the policy `live_mode`.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  getCurrentConfig,
  listConfigHistory,
  POLICY_NAMES,
  POLICY_SCHEMAS,
  setPolicy,
  setThreshold,
  THRESHOLD_NAMES,
  THRESHOLD_SCHEMAS,
  type ConfigEntry,
  type ConfigKind,
} from '../../db/repos/config';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { problems } from '../schemas/common';
import {
  ConfigChangeSchema,
  ConfigHistorySchema,
  ConfigNameParams,
  PolicyListSchema,
  SetPolicyBody,
  SetThresholdBody,
  ThresholdListSchema,
} from '../schemas/config';

const KNOWN: Record<ConfigKind, readonly string[]> = { threshold: THRESHOLD_NAMES, policy: POLICY_NAMES };
const PLURAL: Record<ConfigKind, string> = { threshold: 'thresholds', policy: 'policies' };

function descriptionOf(kind: ConfigKind, name: string): string | null {
  const schemas: Record<string, { description?: string }> = kind === 'threshold' ? THRESHOLD_SCHEMAS : POLICY_SCHEMAS;
  return schemas[name]?.description ?? null;
}

function dto(kind: ConfigKind, e: ConfigEntry) {
  return { ...e, kind, description: descriptionOf(kind, e.name) };
}

/** Every known name: its version in force, or an unset entry (the engine then uses its default). */
function withUnset(kind: ConfigKind, entries: ConfigEntry[]) {
  const byName = new Map(entries.map((e) => [e.name, e]));
  return KNOWN[kind].map((name) => {
    const e = byName.get(name);
    return e
      ? dto(kind, e)
      : {
          kind,
          name,
          version: null,
          value: null,
          changedBy: null,
          reason: null,
          createdAt: null,
          description: descriptionOf(kind, name),
        };
  });
}

function assertKnown(kind: ConfigKind, name: string): void {
  if (!KNOWN[kind].includes(name)) {
    throw notFound(`Unknown ${kind} '${name}'. Known ${PLURAL[kind]}: ${KNOWN[kind].join(', ')}.`, `${kind}-not-found`);
  }
}

export const configRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/thresholds',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['config'],
        summary: 'Thresholds in force',
        description:
          'The newest version of every threshold (confidence gates, KPI settings, ML suggestion threshold). Role: viewer.',
        response: { 200: ThresholdListSchema, ...problems(403) },
      },
    },
    async () => ({ items: withUnset('threshold', (await getCurrentConfig(app.knex)).thresholds) }),
  );

  app.get(
    '/policies',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['config'],
        summary: 'Policies in force',
        description:
          'The newest version of every policy (live mode, kill switch, caps, quiet hours, circuit breaker, ...). Role: viewer.',
        response: { 200: PolicyListSchema, ...problems(403) },
      },
    },
    async () => {
      const items = withUnset('policy', (await getCurrentConfig(app.knex)).policies);
      const enabled = (name: string) =>
        (items.find((i) => i.name === name)?.value as { enabled?: unknown } | null)?.enabled === true;
      return { liveMode: enabled('live_mode'), killSwitch: enabled('kill_switch'), items };
    },
  );

  for (const kind of ['threshold', 'policy'] as const) {
    const plural = PLURAL[kind];
    app.get(
      `/${plural}/:name`,
      {
        onRequest: requireRole('viewer'),
        schema: {
          tags: ['config'],
          summary: `One ${kind} with its history`,
          description: `The ${kind} in force and every earlier version, newest first. Role: viewer.`,
          params: ConfigNameParams,
          response: { 200: ConfigHistorySchema, ...problems(403, 404) },
        },
      },
      async (request) => {
        const { name } = request.params;
        assertKnown(kind, name);
        const versions = (await listConfigHistory(app.knex, { kind, name, limit: 1000 })).map((e) => dto(kind, e));
        const current = versions[0] ?? withUnset(kind, []).find((e) => e.name === name)!;
        return { current, versions };
      },
    );
  }

  const changeRoute = <B extends typeof SetThresholdBody | typeof SetPolicyBody>(kind: ConfigKind, body: B) => ({
    onRequest: requireRole('admin'),
    schema: {
      tags: ['config'],
      summary: `Change a ${kind} (new version)`,
      description:
        `Validates the value against the ${kind}'s schema and stores it as the next version with the admin's key name and reason; ` +
        `audited. 404 for an unknown name. Role: admin.` +
        (kind === 'policy'
          ? ' Live mode: PUT /api/autonomous/policies/live_mode {"value": {"enabled": true}, "reason": "..."}.'
          : ''),
      params: ConfigNameParams,
      body,
      response: { 200: ConfigChangeSchema, ...problems(403, 404) },
    },
  });

  app.put('/thresholds/:name', changeRoute('threshold', SetThresholdBody), async (request) => {
    const { name } = request.params;
    assertKnown('threshold', name);
    const before = (await getCurrentConfig(app.knex)).thresholds.find((e) => e.name === name) ?? null;
    const entry = await setThreshold(app.knex, name, request.body.value, request.principal!.name, request.body.reason);
    request.log.info({ threshold: name, version: entry.version, by: entry.changedBy }, 'threshold changed');
    return { entry: dto('threshold', entry), previous: before && dto('threshold', before) };
  });

  app.put('/policies/:name', changeRoute('policy', SetPolicyBody), async (request) => {
    const { name } = request.params;
    assertKnown('policy', name);
    const before = (await getCurrentConfig(app.knex)).policies.find((e) => e.name === name) ?? null;
    const entry = await setPolicy(app.knex, name, request.body.value, request.principal!.name, request.body.reason);
    request.log.info({ policy: name, version: entry.version, by: entry.changedBy }, 'policy changed');
    return { entry: dto('policy', entry), previous: before && dto('policy', before) };
  });
};
