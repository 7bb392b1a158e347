// engine.autonomy_levels: each action type's rung on the autonomy ladder (engine/autonomy), its definition
// version, an admin's pin and the evidence and next step of the learn phase's last evaluation.
import { ACTION_DEFINITION_VERSIONS, type AutonomyLevel, type StoredLevel } from '../../engine/autonomy/levels';
import { iso, type Queryable } from '../types';

export interface AutonomyLevelRecord extends StoredLevel {
  actionType: string;
  levelSince: string;
  reason: string;
  pinnedBy: string | null;
  pinnedReason: string | null;
  pinnedAt: string | null;
  evidence: Record<string, unknown>;
  nextStep: string | null;
  evaluatedAt: string | null;
}

function toRecord(r: Record<string, any>): AutonomyLevelRecord {
  return {
    actionType: r.action_type,
    level: r.level,
    definitionVersion: Number(r.definition_version),
    pinned: Boolean(r.pinned),
    levelSince: iso(r.level_since)!,
    reason: r.reason,
    pinnedBy: r.pinned_by ?? null,
    pinnedReason: r.pinned_reason ?? null,
    pinnedAt: iso(r.pinned_at),
    evidence: r.evidence ?? {},
    nextStep: r.next_step ?? null,
    evaluatedAt: iso(r.evaluated_at),
  };
}

export async function listAutonomyLevels(db: Queryable): Promise<AutonomyLevelRecord[]> {
  return (await db('engine.autonomy_levels').orderBy('action_type')).map(toRecord);
}

/** The stored levels of the given types; a type without a row is absent (it is in shadow). */
export async function autonomyLevelsOf(
  db: Queryable,
  types: readonly string[],
): Promise<Map<string, StoredLevel & { reason: string }>> {
  const out = new Map<string, StoredLevel & { reason: string }>();
  if (!types.length) return out;
  const rows = await db('engine.autonomy_levels').whereRaw('action_type = ANY(?::text[])', [[...new Set(types)]]);
  for (const r of rows.map(toRecord)) out.set(r.actionType, r);
  return out;
}

export interface LadderWrite {
  actionType: string;
  level: AutonomyLevel;
  /** True when the level (or the definition version) changes: level_since and reason are rewritten. */
  moved: boolean;
  reason: string;
  evidence: Record<string, unknown>;
  nextStep: string;
}

/**
 * The learn phase's evaluation of each type: a missing row is created, a moved level is stored with a new
 * level_since at the current definition version, and every row gets its evidence and next step. A pinned
 * row keeps its level (re-checked in the statement, so a pin made meanwhile wins).
 */
export async function applyLadder(db: Queryable, writes: readonly LadderWrite[], at: Date): Promise<void> {
  if (!writes.length) return;
  const rows = writes.map((w) => ({
    action_type: w.actionType,
    level: w.level,
    definition_version: (ACTION_DEFINITION_VERSIONS as Record<string, number | undefined>)[w.actionType] ?? 1,
    moved: w.moved,
    reason: w.reason,
    evidence: w.evidence,
    next_step: w.nextStep,
  }));
  const input = JSON.stringify(rows);
  const RECORDS = `jsonb_to_recordset(?::jsonb) AS x(action_type text, level text, definition_version int,
                     moved boolean, reason text, evidence jsonb, next_step text)`;
  // A type seen for the first time gets its row; then every row takes its evaluation in one statement.
  await db.raw(
    `INSERT INTO engine.autonomy_levels (action_type, level, definition_version, level_since, reason)
     SELECT x.action_type, x.level, x.definition_version, ?, x.reason FROM ${RECORDS}
     ON CONFLICT (action_type) DO NOTHING`,
    [at, input],
  );
  await db.raw(
    `UPDATE engine.autonomy_levels l SET
       level              = CASE WHEN l.pinned OR NOT x.moved THEN l.level ELSE x.level END,
       definition_version = CASE WHEN l.pinned OR NOT x.moved THEN l.definition_version ELSE x.definition_version END,
       level_since        = CASE WHEN l.pinned OR NOT x.moved OR l.level = x.level THEN l.level_since ELSE ? END,
       reason             = CASE WHEN l.pinned OR NOT x.moved THEN l.reason ELSE x.reason END,
       evidence = x.evidence, next_step = x.next_step, evaluated_at = ?, updated_at = now()
     FROM ${RECORDS}
     WHERE l.action_type = x.action_type`,
    [at, at, input],
  );
}

/** An admin's pin (level set) or unpin (level null); returns the row before and after. */
export async function pinAutonomyLevel(
  db: Queryable,
  actionType: string,
  pin: { level: AutonomyLevel; by: string; reason: string } | { level: null; by: string; reason: string },
): Promise<{ before: AutonomyLevelRecord | null; after: AutonomyLevelRecord }> {
  const beforeRow = await db('engine.autonomy_levels').where({ action_type: actionType }).forUpdate().first();
  const before = beforeRow ? toRecord(beforeRow) : null;
  const version = (ACTION_DEFINITION_VERSIONS as Record<string, number | undefined>)[actionType] ?? 1;
  const [row] = pin.level
    ? await db('engine.autonomy_levels')
        .insert({
          action_type: actionType,
          level: pin.level,
          definition_version: version,
          reason: `pinned by ${pin.by}: ${pin.reason}`,
          pinned: true,
          pinned_by: pin.by,
          pinned_reason: pin.reason,
          pinned_at: db.fn.now(),
        })
        .onConflict('action_type')
        .merge({
          level: pin.level,
          definition_version: version,
          level_since: before?.level === pin.level ? db.raw('engine.autonomy_levels.level_since') : db.fn.now(),
          reason: `pinned by ${pin.by}: ${pin.reason}`,
          pinned: true,
          pinned_by: pin.by,
          pinned_reason: pin.reason,
          pinned_at: db.fn.now(),
          updated_at: db.fn.now(),
        })
        .returning('*')
    : await db('engine.autonomy_levels')
        .insert({
          action_type: actionType,
          level: 'shadow',
          definition_version: version,
          reason: `unpinned by ${pin.by}: ${pin.reason}`,
        })
        .onConflict('action_type')
        .merge({ pinned: false, pinned_by: null, pinned_reason: null, pinned_at: null, updated_at: db.fn.now() })
        .returning('*');
  return { before, after: toRecord(row) };
}
