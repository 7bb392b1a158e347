// The api's view of a stored finding (db/repos/findings.ts owns the store).
import type { Knex } from 'knex';
import { toFindingRecord, type FindingRecord } from './findings';
import type { FindingDto } from '../../api/schemas/common';

export function toFindingDto(f: FindingRecord): FindingDto {
  return {
    id: f.id,
    fingerprint: f.fingerprint,
    detector: f.detector,
    kind: f.kind,
    category: f.category,
    severity: f.severity,
    confidence: f.confidence,
    title: f.title,
    evidence: f.evidence,
    status: f.status,
    firstSeenAt: f.firstSeenAt,
    lastSeenAt: f.lastSeenAt,
    occurrences: f.occurrences,
    firstCycleId: f.firstCycleId,
    lastCycleId: f.lastCycleId,
  };
}

const SEVERITY_RANK = `case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`;

/** Findings by status (open: most severe first; otherwise newest first), with optional filters. */
export async function listFindings(
  db: Knex,
  q: {
    status: 'open' | 'resolved' | 'all';
    category?: string;
    severity?: string;
    detector?: string;
    limit: number;
    offset: number;
  },
): Promise<{ items: FindingDto[]; total: number }> {
  const filtered = () => {
    const b = db('engine.findings');
    if (q.status !== 'all') b.where({ status: q.status });
    if (q.category) b.where({ category: q.category });
    if (q.severity) b.where({ severity: q.severity });
    if (q.detector) b.where({ detector: q.detector });
    return b;
  };
  const order = q.status === 'open' ? `${SEVERITY_RANK}, last_seen_at desc, id` : 'last_seen_at desc, id';
  const [rows, count] = await Promise.all([
    filtered().orderByRaw(order).limit(q.limit).offset(q.offset),
    filtered().count({ n: '*' }).first(),
  ]);
  return {
    items: rows.map((r: Record<string, any>) => toFindingDto(toFindingRecord(r))),
    total: Number((count as { n: number } | undefined)?.n ?? 0),
  };
}

export async function getFinding(db: Knex, id: number): Promise<FindingDto | null> {
  const row = await db('engine.findings').where({ id }).first();
  return row ? toFindingDto(toFindingRecord(row)) : null;
}
