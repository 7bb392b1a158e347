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
  for (const w of writes) {
    const version = (ACTION_DEFINITION_VERSIONS as Record<string, number | undefined>)[w.actionType] ?? 1;
    await db.raw(
      `INSERT INTO engine.autonomy_levels AS l
         (action_type, level, definition_version, level_since, reason, evidence, next_step, evaluated_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, now())
       ON CONFLICT (action_type) DO UPDATE SET
         level              = CASE WHEN l.pinned OR NOT ? THEN l.level ELSE excluded.level END,
         definition_version = CASE WHEN l.pinned OR NOT ? THEN l.definition_version ELSE excluded.definition_version END,
         level_since        = CASE WHEN l.pinned OR NOT ? THEN l.level_since ELSE excluded.level_since END,
         reason             = CASE WHEN l.pinned OR NOT ? THEN l.reason ELSE excluded.reason END,
         evidence = excluded.evidence, next_step = excluded.next_step, evaluated_at = excluded.evaluated_at,
         updated_at = now()`,
      [
        w.actionType,
        w.level,
        version,
        at,
        w.reason,
        JSON.stringify(w.evidence),
        w.nextStep,
        at,
        w.moved,
        w.moved,
        w.moved,
        w.moved,
      ],
    );
  }
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
