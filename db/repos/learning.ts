// engine.learnings and engine.decisions: what the learn phase concluded (one payload per kind per cycle)
// and the decide phase's decisions (one per kind per cycle). Both upsert on (cycle_id, kind), so a retried
// activity rewrites its own rows instead of adding new ones; created_at keeps the first write.
import type { Decision, DecisionKind } from '../../engine/decide/types';
import { iso, type Queryable } from '../types';

/** Kinds the learn phase writes; free text in the table, listed here so readers agree on the names. */
export type LearningKind = 'action_outcomes' | 'suggestion_feedback' | 'high_performers' | (string & {});

export interface LearningRecord {
  id: number;
  cycleId: string;
  kind: string;
  payload: unknown;
  createdAt: string;
}

export interface DecisionRecord extends Decision {
  id: number;
  cycleId: string;
  createdAt: string;
}

function toLearning(r: Record<string, any>): LearningRecord {
  return { id: Number(r.id), cycleId: r.cycle_id, kind: r.kind, payload: r.payload, createdAt: iso(r.created_at)! };
}

function toDecision(r: Record<string, any>): DecisionRecord {
  return {
    id: Number(r.id),
    cycleId: r.cycle_id,
    kind: r.kind,
    title: r.title,
    rationale: r.rationale,
    confidence: Number(r.confidence),
    payload: r.payload,
    createdAt: iso(r.created_at)!,
  };
}

/** Stores (or, on retry, replaces) the cycle's learning of this kind. The payload must be JSON-serializable. */
export async function saveLearning(
  db: Queryable,
  cycleId: string,
  kind: LearningKind,
  payload: unknown,
): Promise<LearningRecord> {
  const [row] = await db('engine.learnings')
    .insert({ cycle_id: cycleId, kind, payload: JSON.stringify(payload ?? null) })
    .onConflict(['cycle_id', 'kind'])
    .merge(['payload'])
    .returning('*');
  return toLearning(row);
}

/** Stores (or replaces) the cycle's decisions, one per kind; two decisions of one kind in a call is a caller bug. */
export async function saveDecisions(
  db: Queryable,
  cycleId: string,
  decisions: readonly Decision[],
): Promise<DecisionRecord[]> {
  if (!decisions.length) return [];
  const kinds = new Set<string>();
  for (const d of decisions) {
    if (kinds.has(d.kind)) throw new Error(`saveDecisions: two decisions of kind '${d.kind}' for cycle ${cycleId}`);
    kinds.add(d.kind);
    if (!(d.confidence >= 0 && d.confidence <= 1))
      throw new Error(`saveDecisions: decision '${d.kind}' has confidence ${d.confidence} outside [0, 1]`);
  }
  const rows = await db('engine.decisions')
    .insert(
      decisions.map((d) => ({
        cycle_id: cycleId,
        kind: d.kind,
        title: d.title,
        rationale: d.rationale,
        confidence: d.confidence,
        payload: JSON.stringify(d.payload ?? {}),
      })),
    )
    .onConflict(['cycle_id', 'kind'])
    .merge(['title', 'rationale', 'confidence', 'payload'])
    .returning('*');
  return rows.map(toDecision).sort((a: DecisionRecord, b: DecisionRecord) => a.id - b.id);
}

/** The newest learning of every kind (the latest cycle that wrote that kind), keyed by kind. */
export async function latestLearnings(db: Queryable): Promise<Record<string, LearningRecord>> {
  const { rows } = (await db.raw(
    `SELECT DISTINCT ON (kind) * FROM engine.learnings ORDER BY kind, created_at DESC, id DESC`,
  )) as { rows: Array<Record<string, any>> };
  return Object.fromEntries(rows.map((r) => [r.kind as string, toLearning(r)]));
}

/** The learnings one cycle wrote, keyed by kind. */
export async function learningsOfCycle(db: Queryable, cycleId: string): Promise<Record<string, LearningRecord>> {
  const rows = await db('engine.learnings').where({ cycle_id: cycleId }).orderBy('id');
  return Object.fromEntries(rows.map((r: Record<string, any>) => [r.kind as string, toLearning(r)]));
}

/** Decisions, newest first; optionally of one kind and/or one cycle. limit defaults to 50, at most 500. */
export async function listDecisions(
  db: Queryable,
  opts: { limit?: number; kind?: DecisionKind | string; cycleId?: string } = {},
): Promise<DecisionRecord[]> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 500);
  const q = db('engine.decisions').select('*');
  if (opts.kind) q.where({ kind: opts.kind });
  if (opts.cycleId) q.where({ cycle_id: opts.cycleId });
  const rows = await q
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
  return rows.map(toDecision);
}

/** The last `limit` learnings of one kind, newest first: a metric's trend across cycles. */
export async function learningHistory(db: Queryable, kind: LearningKind, limit = 20): Promise<LearningRecord[]> {
  const rows = await db('engine.learnings')
    .where({ kind })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
  return rows.map((r: Record<string, any>) => toLearning(r));
}
