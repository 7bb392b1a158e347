// engine.change_freezes (docs/safety.md#change-freezes): the windows in which no effect runs. Created and removed
// by admins, each write audited in the same transaction; removal is soft, so a blocked action's freeze stays
// on record. listActiveFreezeWindows is the one query the executor runs before every effect.
import type { FreezeWindow, FreezeWindowInput } from '../../engine/safety/change-freeze';
import { inTransaction, iso, type Queryable } from '../types';
import { appendAudit } from './audit';

export interface ChangeFreezeRecord {
  window: FreezeWindow;
  createdBy: string;
  createdAt: string;
  deletedAt: string | null;
  deletedBy: string | null;
}

function toWindow(r: Record<string, any>): FreezeWindow {
  const base = { id: Number(r.id), name: r.name, reason: r.reason, timezone: r.timezone };
  return r.kind === 'one_off'
    ? { ...base, kind: 'one_off', startsAt: new Date(r.starts_at), endsAt: new Date(r.ends_at) }
    : { ...base, kind: 'recurring', cron: r.cron, durationMinutes: Number(r.duration_minutes) };
}

function toRecord(r: Record<string, any>): ChangeFreezeRecord {
  return {
    window: toWindow(r),
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    deletedAt: iso(r.deleted_at),
    deletedBy: r.deleted_by ?? null,
  };
}

/** The windows not removed, oldest first; activeFreeze decides which (if any) is in force. */
export async function listActiveFreezeWindows(db: Queryable): Promise<FreezeWindow[]> {
  const rows = await db('engine.change_freezes').whereNull('deleted_at').orderBy('id');
  return rows.map(toWindow);
}

export async function listChangeFreezes(
  db: Queryable,
  opts: { includeDeleted?: boolean } = {},
): Promise<ChangeFreezeRecord[]> {
  const q = db('engine.change_freezes').orderBy('id');
  if (!opts.includeDeleted) q.whereNull('deleted_at');
  return (await q).map(toRecord);
}

export async function getChangeFreeze(db: Queryable, id: number): Promise<ChangeFreezeRecord | null> {
  const row = await db('engine.change_freezes').where({ id }).first();
  return row ? toRecord(row) : null;
}

/** Stores a validated window (FreezeWindowInputSchema) and audits it, in one transaction. */
export async function createChangeFreeze(
  db: Queryable,
  input: FreezeWindowInput,
  actor: string,
): Promise<ChangeFreezeRecord> {
  return inTransaction(db, async (trx) => {
    const [row] = await trx('engine.change_freezes')
      .insert({
        name: input.name,
        reason: input.reason,
        kind: input.kind,
        timezone: input.timezone,
        starts_at: input.kind === 'one_off' ? new Date(input.startsAt) : null,
        ends_at: input.kind === 'one_off' ? new Date(input.endsAt) : null,
        cron: input.kind === 'recurring' ? input.cron : null,
        duration_minutes: input.kind === 'recurring' ? input.durationMinutes : null,
        created_by: actor,
      })
      .returning('*');
    const record = toRecord(row);
    await appendAudit(trx, {
      actor,
      event: 'change_freeze.created',
      target: `change_freeze:${record.window.id}`,
      before: null,
      after: record,
      dryRun: false,
      dedupeKey: `change_freeze.created:${record.window.id}`,
    });
    return record;
  });
}

/**
 * Removes a window (soft: deleted_at, deleted_by) and audits it. Null when there is no such window; a window
 * already removed is returned as it is, with `removed` false.
 */
export async function deleteChangeFreeze(
  db: Queryable,
  id: number,
  actor: string,
): Promise<{ record: ChangeFreezeRecord; removed: boolean } | null> {
  return inTransaction(db, async (trx) => {
    const [row] = await trx('engine.change_freezes')
      .where({ id })
      .whereNull('deleted_at')
      .update({ deleted_at: trx.fn.now(), deleted_by: actor })
      .returning('*');
    if (!row) {
      const existing = await getChangeFreeze(trx, id);
      return existing ? { record: existing, removed: false } : null;
    }
    const record = toRecord(row);
    await appendAudit(trx, {
      actor,
      event: 'change_freeze.deleted',
      target: `change_freeze:${id}`,
      before: { ...record, deletedAt: null, deletedBy: null },
      after: { deletedAt: record.deletedAt, deletedBy: record.deletedBy },
      dryRun: false,
      dedupeKey: `change_freeze.deleted:${id}`,
    });
    return { record, removed: true };
  });
}
