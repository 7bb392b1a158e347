// Reads of engine.actions (and their approvals) for the cycle, system-state and opportunity routes.
import type { Knex } from 'knex';
import { toActionRecord } from '../../db/repos/actions';
import type { ActionDto } from '../schemas/common';

const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string).toISOString());

/** The api's shape of an action: the domain record (db/repos/actions.ts) under the api's field names. */
export function toActionDto(r: Record<string, any>): ActionDto {
  const { id, outcomeDueAt: _due, ...rest } = toActionRecord(r);
  return { actionId: id, ...rest, outcome: r.outcome ?? null, outcomeMeasuredAt: iso(r.outcome_measured_at) };
}

export interface Page<T> {
  items: T[];
  total: number;
}

async function page(base: () => Knex.QueryBuilder, order: (q: Knex.QueryBuilder) => Knex.QueryBuilder, limit: number, offset: number): Promise<Page<ActionDto>> {
  const [rows, count] = await Promise.all([order(base()).limit(limit).offset(offset), base().count({ n: '*' }).first()]);
  return { items: rows.map(toActionDto), total: Number((count as { n: number } | undefined)?.n ?? 0) };
}

export function listCycleActions(db: Knex, cycleId: string, q: { limit: number; offset: number; status?: string; phase?: string }): Promise<Page<ActionDto>> {
  return page(
    () => {
      const b = db('engine.actions').where({ cycle_id: cycleId });
      if (q.status) b.where({ status: q.status });
      if (q.phase) b.where({ phase: q.phase });
      return b;
    },
    (b) => b.orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }]),
    q.limit,
    q.offset,
  );
}

/** What the cycle recommends to humans: recommendation-mode actions and actions waiting for approval. */
export function cycleRecommendations(db: Knex, cycleId: string, limit: number): Promise<Page<ActionDto>> {
  return page(
    () => db('engine.actions').where({ cycle_id: cycleId }).andWhere((w) => w.where({ mode: 'recommendation' }).orWhere({ status: 'pending_approval' })),
    (b) => b.orderBy([{ column: 'confidence', order: 'desc' }, { column: 'id', order: 'asc' }]),
    limit,
    0,
  );
}

/** The actions a cycle planned in one phase, most confident first. */
export function phaseActions(db: Knex, cycleId: string, phase: string, limit: number): Promise<Page<ActionDto>> {
  return page(
    () => db('engine.actions').where({ cycle_id: cycleId, phase }),
    (b) => b.orderBy([{ column: 'confidence', order: 'desc' }, { column: 'id', order: 'asc' }]),
    limit,
    0,
  );
}
