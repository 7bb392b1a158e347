// Versioned thresholds and policies (engine.thresholds, engine.policies; docs/safety.md): the newest version
// of each name is in force; a change inserts version + 1 (validated) and appends an audit entry in the
// same transaction, so the history of who changed what, when and why is complete.
import {
  DEFAULT_POLICIES,
  isPolicyName,
  parsePolicy,
  parseThreshold,
  POLICY_SCHEMAS,
  type Policies,
  type PolicyName,
} from '../../engine/safety/config-schema';
import { ValidationError } from '../../engine/safety/errors';
import { appendAudit } from './audit';
import type { Queryable } from '../types';

export {
  POLICY_NAMES,
  POLICY_SCHEMAS,
  THRESHOLD_NAMES,
  THRESHOLD_SCHEMAS,
  type Policies,
  type PolicyName,
} from '../../engine/safety/config-schema';
export { ValidationError } from '../../engine/safety/errors';

export type ConfigKind = 'threshold' | 'policy';

export interface ConfigEntry {
  kind: ConfigKind;
  name: string;
  version: number;
  value: unknown;
  changedBy: string;
  reason: string | null;
  createdAt: string;
}

function toEntry(kind: ConfigKind, r: Record<string, any>): ConfigEntry {
  return {
    kind,
    name: r.name,
    version: Number(r.version),
    value: kind === 'threshold' ? Number(r.value) : r.value,
    changedBy: r.changed_by,
    reason: r.reason ?? null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

const TABLE: Record<ConfigKind, string> = { threshold: 'engine.thresholds', policy: 'engine.policies' };

async function newestRows(db: Queryable, kind: ConfigKind): Promise<Record<string, any>[]> {
  const { rows } = await db.raw(`SELECT DISTINCT ON (name) * FROM ${TABLE[kind]} ORDER BY name, version DESC`);
  return rows;
}

/** The value in force of every threshold (newest version of each name). */
export async function getThresholds(db: Queryable): Promise<Record<string, number>> {
  const rows = await newestRows(db, 'threshold');
  return Object.fromEntries(rows.map((r) => [r.name as string, Number(r.value)]));
}

/**
 * Every policy in force, parsed. A policy without rows falls back to its default (the migration's
 * version 1); a stored value that no longer parses is an error: the engine does not guess a safety setting.
 */
export async function getPolicies(db: Queryable): Promise<Policies> {
  const rows = await newestRows(db, 'policy');
  const out: Record<string, unknown> = { ...DEFAULT_POLICIES };
  for (const r of rows) {
    if (!isPolicyName(r.name)) continue;
    const parsed = POLICY_SCHEMAS[r.name].safeParse(r.value);
    if (!parsed.success) {
      throw new Error(
        `Stored policy '${r.name}' version ${r.version} is invalid (${parsed.error.issues.map((i) => i.message).join('; ')}); set a valid version through the api`,
      );
    }
    out[r.name] = parsed.data;
  }
  return out as Policies;
}

/** The entries in force, with their versions: what the api shows. */
export async function getCurrentConfig(db: Queryable): Promise<{ thresholds: ConfigEntry[]; policies: ConfigEntry[] }> {
  const [t, p] = await Promise.all([newestRows(db, 'threshold'), newestRows(db, 'policy')]);
  return { thresholds: t.map((r) => toEntry('threshold', r)), policies: p.map((r) => toEntry('policy', r)) };
}

function checkActor(changedBy: string): string {
  const actor = typeof changedBy === 'string' ? changedBy.trim() : '';
  if (!actor)
    throw new ValidationError('changedBy must name who makes the change', [{ path: 'changedBy', message: 'required' }]);
  return actor;
}

async function insertVersion(
  db: Queryable,
  kind: ConfigKind,
  name: string,
  value: unknown,
  changedBy: string,
  reason: string | null | undefined,
): Promise<ConfigEntry> {
  const actor = checkActor(changedBy);
  const why = typeof reason === 'string' && reason.trim() ? reason.trim() : null;
  return db.transaction(async (trx) => {
    // Two admins changing the same name at once: the second waits and gets the next version.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${TABLE[kind]}:${name}`]);
    const previous = await trx(TABLE[kind]).where({ name }).orderBy('version', 'desc').first();
    const version = previous ? Number(previous.version) + 1 : 1;
    const [row] = await trx(TABLE[kind])
      .insert({
        name,
        version,
        value: kind === 'policy' ? JSON.stringify(value) : value,
        changed_by: actor,
        reason: why,
      })
      .returning('*');
    const entry = toEntry(kind, row);
    await appendAudit(trx, {
      actor,
      event: `config.${kind}.changed`,
      target: `${kind}:${name}`,
      before: previous
        ? { version: Number(previous.version), value: kind === 'threshold' ? Number(previous.value) : previous.value }
        : null,
      after: { version, value: entry.value, reason: why },
      dryRun: false,
      dedupeKey: `config:${kind}:${name}:v${version}`,
    });
    return entry;
  });
}

/** Sets a threshold (new version); ValidationError for an unknown name, a bad value or no actor. */
export async function setThreshold(
  db: Queryable,
  name: string,
  value: unknown,
  changedBy: string,
  reason?: string | null,
): Promise<ConfigEntry> {
  const v = parseThreshold(name, value);
  return insertVersion(db, 'threshold', name, v, changedBy, reason);
}

/** Sets a policy (new version, the whole value); ValidationError for an unknown name, a bad value or no actor. */
export async function setPolicy<N extends PolicyName>(
  db: Queryable,
  name: N | string,
  value: unknown,
  changedBy: string,
  reason?: string | null,
): Promise<ConfigEntry> {
  const v = parsePolicy(name, value);
  return insertVersion(db, 'policy', name, v, changedBy, reason);
}

export interface ConfigHistoryFilters {
  kind?: ConfigKind;
  name?: string;
  /** Default 200, at most 1000. */
  limit?: number;
}

/** Every version of thresholds and policies, newest first. */
export async function listConfigHistory(db: Queryable, f: ConfigHistoryFilters = {}): Promise<ConfigEntry[]> {
  const limit = Math.min(Math.max(Math.trunc(f.limit ?? 200), 1), 1000);
  const kinds: ConfigKind[] = f.kind ? [f.kind] : ['threshold', 'policy'];
  const lists = await Promise.all(
    kinds.map(async (kind) => {
      const q = db(TABLE[kind]).select('*');
      if (f.name !== undefined) q.where({ name: f.name });
      const rows = await q
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'name' }, { column: 'version', order: 'desc' }])
        .limit(limit);
      return rows.map((r: Record<string, any>) => toEntry(kind, r));
    }),
  );
  return lists
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name) || b.version - a.version)
    .slice(0, limit);
}

/** The newest version of one threshold, or null when it was never set. */
export async function latestThresholdValue(db: Queryable, name: string): Promise<number | null> {
  const row = await db('engine.thresholds').where({ name }).orderBy('version', 'desc').first('value');
  return row ? Number(row.value) : null;
}
