// engine.audit_log (docs/safety.md audit): appending entries and reading them back. The table is
// append-only (a trigger rejects UPDATE, DELETE and TRUNCATE); a dedupe key makes an entry written by a
// retried activity land once.
import { json, type Queryable } from '../types';

export interface AuditEntryInput {
  actor: string;
  cycleId?: string | null;
  event: string;
  target?: string | null;
  before?: unknown;
  after?: unknown;
  dryRun: boolean;
  /** Same key, same entry: a second append with it is ignored. */
  dedupeKey?: string | null;
  /** Defaults to the database's now(). */
  at?: Date;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  cycleId: string | null;
  event: string;
  target: string | null;
  before: unknown;
  after: unknown;
  dryRun: boolean;
  dedupeKey: string | null;
}

function toRow(e: AuditEntryInput): Record<string, unknown> {
  return {
    actor: e.actor,
    cycle_id: e.cycleId ?? null,
    event: e.event,
    target: e.target ?? null,
    before: json(e.before),
    after: json(e.after),
    dry_run: e.dryRun,
    dedupe_key: e.dedupeKey ?? null,
    ...(e.at ? { at: e.at } : {}),
  };
}

export function toAuditEntry(r: Record<string, any>): AuditEntry {
  return {
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    cycleId: r.cycle_id ?? null,
    event: r.event,
    target: r.target ?? null,
    before: r.before ?? null,
    after: r.after ?? null,
    dryRun: Boolean(r.dry_run),
    dedupeKey: r.dedupe_key ?? null,
  };
}

/** Appends one entry; returns its id, or null when an entry with the same dedupe key already exists. */
export async function appendAudit(db: Queryable, entry: AuditEntryInput): Promise<number | null> {
  const rows = await db('engine.audit_log').insert(toRow(entry)).onConflict('dedupe_key').ignore().returning('id');
  return rows.length ? Number((rows[0] as { id: number }).id) : null;
}

/** The entry appended with `dedupeKey`, if any. */
export async function findAuditByDedupeKey(db: Queryable, dedupeKey: string): Promise<AuditEntry | null> {
  const row = await db('engine.audit_log').where({ dedupe_key: dedupeKey }).first();
  return row ? toAuditEntry(row) : null;
}

/** Appends many entries in set-based batches; returns how many were new. */
export async function appendAuditMany(
  db: Queryable,
  entries: readonly AuditEntryInput[],
  chunkSize = 1000,
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < entries.length; i += chunkSize) {
    const rows = await db('engine.audit_log')
      .insert(entries.slice(i, i + chunkSize).map(toRow))
      .onConflict('dedupe_key')
      .ignore()
      .returning('id');
    inserted += rows.length;
  }
  return inserted;
}

export interface AuditFilters {
  cycleId?: string;
  actor?: string;
  /** Exact event name, or a prefix ending in '.' / '*' (e.g. 'approval.' or 'effect.*'). */
  event?: string;
  target?: string;
  dryRun?: boolean;
  since?: Date;
  until?: Date;
  /** Keyset pagination: entries with id > afterId (ascending) or < beforeId (descending). */
  afterId?: number;
  beforeId?: number;
  order?: 'asc' | 'desc';
  /** Default 100, at most 1000. */
  limit?: number;
}

export async function listAudit(db: Queryable, f: AuditFilters = {}): Promise<AuditEntry[]> {
  const q = db('engine.audit_log');
  if (f.cycleId !== undefined) q.where('cycle_id', f.cycleId);
  if (f.actor !== undefined) q.where('actor', f.actor);
  if (f.event !== undefined) {
    if (f.event.endsWith('*') || f.event.endsWith('.')) {
      const prefix = f.event.replace(/\*$/, '').replace(/[\\%_]/g, (c) => `\\${c}`);
      q.where('event', 'like', `${prefix}%`);
    } else q.where('event', f.event);
  }
  if (f.target !== undefined) q.where('target', f.target);
  if (f.dryRun !== undefined) q.where('dry_run', f.dryRun);
  if (f.since) q.where('at', '>=', f.since);
  if (f.until) q.where('at', '<', f.until);
  if (f.afterId !== undefined) q.where('id', '>', f.afterId);
  if (f.beforeId !== undefined) q.where('id', '<', f.beforeId);
  const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
  const rows = await q.orderBy('id', f.order ?? 'asc').limit(limit);
  return rows.map(toAuditEntry);
}

/** The finding.opened / reopened / resolved entries a cycle recorded, in order: its finding changes. */
export async function findingChangesOfCycle(
  db: Queryable,
  cycleId: string,
): Promise<Array<{ event: string; target: string }>> {
  const { rows } = (await db.raw(
    `select event, target from engine.audit_log
      where cycle_id = ? and event in ('finding.opened', 'finding.reopened', 'finding.resolved') and dedupe_key like 'finding.%'
      order by id`,
    [cycleId],
  )) as { rows: Array<{ event: string; target: string }> };
  return rows;
}

/** Each finding's status changes (finding.opened / reopened / resolved entries), oldest first, by fingerprint. */
export async function findingTransitions(
  db: Queryable,
  fingerprints: readonly string[],
): Promise<Map<string, Array<{ at: string; status: 'open' | 'resolved' }>>> {
  const out = new Map<string, Array<{ at: string; status: 'open' | 'resolved' }>>();
  if (!fingerprints.length) return out;
  const { rows } = (await db.raw(
    `select event, target, at from engine.audit_log
      where event in ('finding.opened', 'finding.reopened', 'finding.resolved') and target = any(?::text[])
      order by id`,
    [fingerprints.map((fp) => `finding:${fp}`)],
  )) as { rows: Array<{ event: string; target: string; at: Date }> };
  for (const r of rows) {
    const fp = r.target.replace(/^finding:/, '');
    const status = r.event === 'finding.resolved' ? 'resolved' : 'open';
    out.set(fp, [...(out.get(fp) ?? []), { at: new Date(r.at).toISOString(), status }]);
  }
  return out;
}
