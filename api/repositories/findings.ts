// The api's view of a stored finding (db/repos/findings.ts owns the store).
import type { FindingRecord } from '../../db/repos/findings';
import type { FindingDto } from '../schemas/common';

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
