// The findings store (engine.findings + engine.cycle_findings): merges each run's detected findings with
// earlier sightings by fingerprint, resolves what a run no longer sees, and audits every open, reopen
// and resolve in the same transaction (docs/architecture.md analyze, docs/safety.md audit).
import type { FindingDto } from '../../api/schemas/common';
import type { DetectedFinding, Finding, FindingCategory, Severity } from '../../engine/types';
import { inTransaction, iso, type Queryable } from '../types';
import { appendAuditMany, findingChangesOfCycle, type AuditEntryInput } from './audit';
import { getCycle } from './cycles';

/** A stored finding: the domain Finding plus where it was first/last seen and how it was resolved. */
export interface FindingRecord extends Finding {
  firstCycleId: string;
  lastCycleId: string;
  resolvedAt: string | null;
  resolvedCycleId: string | null;
}

export type FindingChange = 'opened' | 'reopened' | 'resolved';

export interface RecordFindingsResult {
  /** The current state of every finding detected in this run. */
  findings: FindingRecord[];
  /** Findings resolved by this cycle (open before, not seen by a detector in scope). */
  resolvedFindings: FindingRecord[];
  /** New or reopened by this cycle. */
  opened: number;
  /** Seen again while already open. */
  updated: number;
  resolved: number;
  changes: Array<{ fingerprint: string; change: FindingChange }>;
}

const SEVERITY_ORDER = `case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`;

// Serializes recordFindings calls (a monitor and a cycle may finish at the same time) so the resolve
// step never races another run's upsert.
const LOCK_SQL = `select pg_advisory_xact_lock(hashtext('engine.findings:record'))`;

export function toFindingRecord(r: Record<string, any>): FindingRecord {
  return {
    id: Number(r.id),
    fingerprint: r.fingerprint,
    detector: r.detector,
    kind: r.kind,
    category: r.category,
    severity: r.severity,
    confidence: Number(r.confidence),
    title: r.title,
    evidence: r.evidence,
    status: r.status,
    firstSeenAt: iso(r.first_seen_at)!,
    lastSeenAt: iso(r.last_seen_at)!,
    occurrences: Number(r.occurrences),
    firstCycleId: r.first_cycle_id,
    lastCycleId: r.last_cycle_id,
    resolvedAt: iso(r.resolved_at),
    resolvedCycleId: r.resolved_cycle_id ?? null,
  };
}

function validate(detected: DetectedFinding[], scope: readonly string[]): void {
  const seen = new Set<string>();
  for (const d of detected) {
    if (seen.has(d.fingerprint)) throw new Error(`duplicate fingerprint in one run: ${d.fingerprint}`);
    seen.add(d.fingerprint);
    // Otherwise the finding could never be resolved by this kind of run: a caller bug, not data.
    if (!scope.includes(d.detector))
      throw new Error(
        `finding ${d.fingerprint} comes from detector '${d.detector}' outside the run's scope [${scope.join(', ')}]`,
      );
    if (!(d.confidence >= 0 && d.confidence <= 1))
      throw new Error(`finding ${d.fingerprint}: confidence ${d.confidence} outside [0, 1]`);
  }
}

/**
 * Records one run's detected findings for cycle `cycleId` (whose engine.cycles row must exist), in one
 * transaction:
 *  - new fingerprint → a new open finding (first/last seen = now, occurrences 1);
 *  - known fingerprint → last seen, evidence, severity, confidence and title updated, occurrences + 1,
 *    reopened if it was resolved;
 *  - every open finding of a detector in opts.scope that this run did not see → resolved;
 *  - a cycle_findings row per detected finding, and an audit_log entry per open/reopen/resolve.
 * Idempotent per cycle: a finding already linked to this cycle is left as the first call wrote it, so a
 * retried activity changes nothing and gets the same counts back. A sighting older than what is stored
 * (a slow cycle finishing after the monitor) never moves last seen backwards or reopens a newer resolution.
 */
export async function recordFindings(
  db: Queryable,
  cycleId: string,
  now: Date | string,
  detected: DetectedFinding[],
  opts: { scope: readonly string[] },
): Promise<RecordFindingsResult> {
  const at = now instanceof Date ? now : new Date(now);
  if (Number.isNaN(at.getTime())) throw new Error(`recordFindings: invalid now ${String(now)}`);
  validate(detected, opts.scope);
  const fingerprints = detected.map((d) => d.fingerprint);
  const input = JSON.stringify(
    detected.map((d) => ({
      fingerprint: d.fingerprint,
      detector: d.detector,
      kind: d.kind,
      category: d.category,
      severity: d.severity,
      confidence: d.confidence,
      title: d.title,
      evidence: d.evidence,
    })),
  );

  return inTransaction(db, async (trx) => {
    await trx.raw(LOCK_SQL);
    const cycle = await getCycle(trx, cycleId);
    if (!cycle) throw new Error(`recordFindings: cycle ${cycleId} does not exist`);
    const dryRun = cycle.dryRun;

    // State before this call, to know what each sighting changes (the advisory lock keeps it current).
    const { rows: prior } = (await trx.raw(
      `select f.*, exists (select 1 from engine.cycle_findings cf where cf.cycle_id = ? and cf.finding_id = f.id) as linked
         from engine.findings f where f.fingerprint = any(?)`,
      [cycleId, fingerprints],
    )) as { rows: Array<Record<string, any>> };
    const priorBy = new Map(prior.map((r) => [r.fingerprint as string, r]));

    // A sighting at `at` is the newest when it is not older than the stored last sighting.
    await trx.raw(
      `insert into engine.findings as f
         (fingerprint, detector, kind, category, severity, confidence, title, evidence, status,
          first_seen_at, last_seen_at, first_cycle_id, last_cycle_id, occurrences)
       select x.fingerprint, x.detector, x.kind, x.category, x.severity, x.confidence, x.title, x.evidence, 'open',
              ?, ?, ?, ?, 1
         from jsonb_to_recordset(?::jsonb) as x(fingerprint text, detector text, kind text, category text,
                                                severity text, confidence float8, title text, evidence jsonb)
       on conflict (fingerprint) do update set
         detector    = case when excluded.last_seen_at >= f.last_seen_at then excluded.detector else f.detector end,
         kind        = case when excluded.last_seen_at >= f.last_seen_at then excluded.kind else f.kind end,
         category    = case when excluded.last_seen_at >= f.last_seen_at then excluded.category else f.category end,
         severity    = case when excluded.last_seen_at >= f.last_seen_at then excluded.severity else f.severity end,
         confidence  = case when excluded.last_seen_at >= f.last_seen_at then excluded.confidence else f.confidence end,
         title       = case when excluded.last_seen_at >= f.last_seen_at then excluded.title else f.title end,
         evidence    = case when excluded.last_seen_at >= f.last_seen_at then excluded.evidence else f.evidence end,
         last_cycle_id = case when excluded.last_seen_at >= f.last_seen_at then excluded.last_cycle_id else f.last_cycle_id end,
         last_seen_at  = greatest(f.last_seen_at, excluded.last_seen_at),
         occurrences = f.occurrences + 1,
         status            = case when f.status = 'resolved' and excluded.last_seen_at >= f.resolved_at then 'open' else f.status end,
         resolved_at       = case when f.status = 'resolved' and excluded.last_seen_at >= f.resolved_at then null else f.resolved_at end,
         resolved_cycle_id = case when f.status = 'resolved' and excluded.last_seen_at >= f.resolved_at then null else f.resolved_cycle_id end
       where not exists (select 1 from engine.cycle_findings cf where cf.cycle_id = excluded.last_cycle_id and cf.finding_id = f.id)`,
      [at, at, cycleId, cycleId, input],
    );

    await trx.raw(
      `insert into engine.cycle_findings (cycle_id, finding_id, evidence)
       select ?, f.id, x.evidence
         from jsonb_to_recordset(?::jsonb) as x(fingerprint text, evidence jsonb)
         join engine.findings f on f.fingerprint = x.fingerprint
       on conflict (cycle_id, finding_id) do nothing`,
      [cycleId, input],
    );

    const { rows: resolvedNow } = (await trx.raw(
      `update engine.findings f
          set status = 'resolved', resolved_at = ?, resolved_cycle_id = ?
        where f.status = 'open'
          and f.detector = any(?)
          and not (f.fingerprint = any(?))
          and f.last_seen_at <= ?
          and not exists (select 1 from engine.cycle_findings cf where cf.cycle_id = ? and cf.finding_id = f.id)
        returning f.*`,
      [at, cycleId, [...opts.scope], fingerprints, at, cycleId],
    )) as { rows: Array<Record<string, any>> };

    // Audit what changed, deduplicated per (change, cycle, fingerprint) so a retried call appends nothing.
    const audit: AuditEntryInput[] = [];
    const entry = (change: FindingChange, fingerprint: string, before: unknown, after: unknown) =>
      audit.push({
        actor: 'engine',
        cycleId,
        event: `finding.${change}`,
        target: `finding:${fingerprint}`,
        before: before ?? null,
        after,
        dryRun,
        dedupeKey: `finding.${change}:${cycleId}:${fingerprint}`,
      });
    for (const d of detected) {
      const p = priorBy.get(d.fingerprint);
      const summary = {
        severity: d.severity,
        confidence: d.confidence,
        category: d.category,
        count: d.evidence.count,
        title: d.title,
      };
      if (!p) entry('opened', d.fingerprint, null, { status: 'open', detector: d.detector, kind: d.kind, ...summary });
      else if (!p.linked && p.status === 'resolved' && at.getTime() >= new Date(p.resolved_at).getTime())
        entry(
          'reopened',
          d.fingerprint,
          { status: 'resolved', resolvedAt: iso(p.resolved_at), resolvedCycleId: p.resolved_cycle_id },
          { status: 'open', ...summary },
        );
    }
    for (const r of resolvedNow) {
      entry(
        'resolved',
        r.fingerprint,
        {
          status: 'open',
          severity: r.severity,
          lastSeenAt: iso(r.last_seen_at),
          lastCycleId: r.last_cycle_id,
          count: r.evidence?.count ?? null,
        },
        { status: 'resolved', resolvedAt: at.toISOString() },
      );
    }
    await appendAuditMany(trx, audit);

    // Counts come from what is recorded for this cycle, so a repeated call reports the same numbers.
    const changeRows = await findingChangesOfCycle(trx, cycleId);
    const changes = changeRows.map((r) => ({
      fingerprint: r.target.replace(/^finding:/, ''),
      change: r.event.replace(/^finding\./, '') as FindingChange,
    }));
    const findings = await getFindingsByFingerprint(trx, fingerprints);
    const { rows: resolvedRows } = (await trx.raw(
      `select * from engine.findings where resolved_cycle_id = ? and status = 'resolved' order by id`,
      [cycleId],
    )) as {
      rows: Array<Record<string, any>>;
    };
    const { rows: linkedRows } = (await trx.raw(`select count(*) as n from engine.cycle_findings where cycle_id = ?`, [
      cycleId,
    ])) as { rows: Array<{ n: number }> };
    const opened = changes.filter((c) => c.change === 'opened' || c.change === 'reopened').length;
    return {
      findings,
      resolvedFindings: resolvedRows.map(toFindingRecord),
      opened,
      updated: Number(linkedRows[0]?.n ?? 0) - opened,
      resolved: resolvedRows.length,
      changes,
    };
  });
}

/** Open findings, most severe first, then most recently seen. */
export async function listOpenFindings(
  db: Queryable,
  filter: { category?: FindingCategory; detector?: string; severities?: Severity[] } = {},
): Promise<FindingRecord[]> {
  const q = db('engine.findings').where({ status: 'open' });
  if (filter.category) q.andWhere({ category: filter.category });
  if (filter.detector) q.andWhere({ detector: filter.detector });
  if (filter.severities?.length) q.whereIn('severity', filter.severities);
  const rows = await q.orderByRaw(`${SEVERITY_ORDER}, last_seen_at desc, id`);
  return rows.map(toFindingRecord);
}

/** The stored findings with these fingerprints (any status), in the order given; unknown ones are skipped. */
export async function getFindingsByFingerprint(
  db: Queryable,
  fingerprints: readonly string[],
): Promise<FindingRecord[]> {
  if (!fingerprints.length) return [];
  const rows = await db('engine.findings').whereIn('fingerprint', [...fingerprints]);
  const by = new Map(rows.map((r: Record<string, any>) => [r.fingerprint as string, toFindingRecord(r)]));
  return fingerprints.map((fp) => by.get(fp)).filter((f): f is FindingRecord => f !== undefined);
}

/** The findings a cycle saw, with the evidence as that cycle saw it. */
export async function listCycleFindings(
  db: Queryable,
  cycleId: string,
): Promise<Array<FindingRecord & { cycleEvidence: DetectedFinding['evidence'] }>> {
  const rows = await db('engine.cycle_findings as cf')
    .join('engine.findings as f', 'f.id', 'cf.finding_id')
    .where('cf.cycle_id', cycleId)
    .select('f.*', 'cf.evidence as cycle_evidence')
    .orderByRaw(`${SEVERITY_ORDER.replace('severity', 'f.severity')}, f.id`);
  return rows.map((r: Record<string, any>) => ({ ...toFindingRecord(r), cycleEvidence: r.cycle_evidence }));
}

/** The stored findings with these ids (any status), by id. */
export async function getFindingsByIds(db: Queryable, ids: readonly number[]): Promise<Map<number, FindingRecord>> {
  if (!ids.length) return new Map();
  const rows = await db('engine.findings').whereIn('id', [...new Set(ids)]);
  return new Map(rows.map((r: Record<string, any>) => [Number(r.id), toFindingRecord(r)]));
}

/** engine.findings ids by fingerprint. */
export async function findingIdsByFingerprint(
  db: Queryable,
  fingerprints: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!fingerprints.length) return out;
  const rows = await db('engine.findings')
    .select('id', 'fingerprint')
    .whereRaw('fingerprint = ANY(?::text[])', [[...new Set(fingerprints)]]);
  for (const r of rows) out.set(r.fingerprint, Number(r.id));
  return out;
}

// ---------------------------------------------------------------- the api's views

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

/** Findings by status (open: most severe first; otherwise newest first), with optional filters. */
export async function listFindings(
  db: Queryable,
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
  const order = q.status === 'open' ? `${SEVERITY_ORDER}, last_seen_at desc, id` : 'last_seen_at desc, id';
  const [rows, count] = await Promise.all([
    filtered().orderByRaw(order).limit(q.limit).offset(q.offset),
    filtered().count({ n: '*' }).first(),
  ]);
  return {
    items: rows.map((r: Record<string, any>) => toFindingDto(toFindingRecord(r))),
    total: Number((count as { n: number } | undefined)?.n ?? 0),
  };
}

export async function getFinding(db: Queryable, id: number): Promise<FindingDto | null> {
  const row = await db('engine.findings').where({ id }).first();
  return row ? toFindingDto(toFindingRecord(row)) : null;
}

/** The findings a cycle saw with that cycle's evidence, most severe and confident first. */
const SEVERITY_RANKS = ['critical', 'high', 'medium', 'low', 'info'];

export async function cycleFindings(
  db: Queryable,
  cycleId: string,
): Promise<Array<FindingDto & { cycleEvidence: Record<string, unknown> }>> {
  const rows = await db('engine.cycle_findings as cf')
    .join('engine.findings as f', 'f.id', 'cf.finding_id')
    .select('f.*', 'cf.evidence as cycle_evidence')
    .where('cf.cycle_id', cycleId)
    .orderBy('f.id');
  return rows
    .map((r) => ({
      ...toFindingDto(toFindingRecord(r)),
      cycleEvidence: (r.cycle_evidence ?? {}) as Record<string, unknown>,
    }))
    .sort(
      (a, b) => SEVERITY_RANKS.indexOf(a.severity) - SEVERITY_RANKS.indexOf(b.severity) || b.confidence - a.confidence,
    );
}

/** Counts for /metrics: open findings by severity and category. */
export async function countOpenFindings(
  db: Queryable,
): Promise<Array<{ severity: string; category: string; n: number }>> {
  const rows = await db('engine.findings')
    .where({ status: 'open' })
    .select('severity', 'category')
    .count({ n: '*' })
    .groupBy('severity', 'category');
  return rows.map((r: Record<string, any>) => ({ severity: r.severity, category: r.category, n: Number(r.n) }));
}

/**
 * Opens (or reopens) one finding that no detector run owns, such as an approval escalated to admins, with its
 * finding.opened audit entry; `dedupeKey` makes a retry append nothing. Returns the stored finding.
 */
export async function raiseFinding(
  db: Queryable,
  f: DetectedFinding & { cycleId: string; at: Date; dryRun: boolean; dedupeKey: string },
): Promise<FindingRecord> {
  return inTransaction(db, async (trx) => {
    const { rows } = (await trx.raw(
      `insert into engine.findings as f
         (fingerprint, detector, kind, category, severity, confidence, title, evidence, status,
          first_seen_at, last_seen_at, first_cycle_id, last_cycle_id)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'open', ?, ?, ?, ?)
       on conflict (fingerprint) do update set
         status = 'open', resolved_at = null, resolved_cycle_id = null, last_seen_at = excluded.last_seen_at,
         title = excluded.title, evidence = excluded.evidence, severity = excluded.severity
       returning f.*`,
      [
        f.fingerprint,
        f.detector,
        f.kind,
        f.category,
        f.severity,
        f.confidence,
        f.title,
        JSON.stringify(f.evidence),
        f.at,
        f.at,
        f.cycleId,
        f.cycleId,
      ],
    )) as { rows: Array<Record<string, any>> };
    await appendAuditMany(trx, [
      {
        actor: 'engine',
        cycleId: f.cycleId,
        event: 'finding.opened',
        target: `finding:${f.fingerprint}`,
        after: { status: 'open', detector: f.detector, kind: f.kind, severity: f.severity, title: f.title },
        dryRun: f.dryRun,
        dedupeKey: f.dedupeKey,
      },
    ]);
    return toFindingRecord(rows[0]!);
  });
}

/** Resolves one open finding by fingerprint (its cause is gone), audited; false when it was not open. */
export async function resolveFinding(
  db: Queryable,
  fingerprint: string,
  r: { cycleId: string; at: Date; dryRun: boolean; dedupeKey: string },
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const n = await trx('engine.findings')
      .where({ fingerprint, status: 'open' })
      .update({ status: 'resolved', resolved_at: r.at, resolved_cycle_id: r.cycleId });
    if (!Number(n)) return false;
    await appendAuditMany(trx, [
      {
        actor: 'engine',
        cycleId: r.cycleId,
        event: 'finding.resolved',
        target: `finding:${fingerprint}`,
        before: { status: 'open' },
        after: { status: 'resolved', resolvedAt: r.at.toISOString() },
        dryRun: r.dryRun,
        dedupeKey: r.dedupeKey,
      },
    ]);
    return true;
  });
}
