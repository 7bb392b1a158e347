// The analyze path's cases: each KPI query and computeKpis, each detector group, runHealthDetectors and
// runAllDetectors, recordFindings, and the whole analyze phase end to end (groups kpis, detectors,
// findings, analyze). Writes happen only inside transactions that are rolled back.
import type { Knex } from 'knex';
import {
  computeKpis,
  queryActivationCounts,
  queryD7RetentionCounts,
  queryFunnelCounts,
  queryLtvCacInputs,
} from '../../db/queries/kpis';
import {
  detectBillingFailures,
  detectDataQuality,
  detectOrphanedRecords,
  detectSystemHealth,
  detectorScope,
  runAllDetectors,
  runHealthDetectors,
  type DetectorOptions,
} from '../../db/queries/detectors';
import { listOpenFindings, recordFindings } from '../../db/repos/findings';
import { saveKpiSnapshots } from '../../db/repos/kpi-snapshots';
import type { DetectedFinding, KpiResult } from '../../engine/types';
import type { SeedManifest } from '../seed/manifest';
import type { BenchGroup } from './args';
import { DETECTOR_OPTIONS, KPI_OPTIONS, inRolledBackCycle, type BenchCase, type BenchContext } from './case';

function kpiNote(kpis: KpiResult[]): string {
  return kpis.map((k) => `${k.name}=${k.value === null ? 'n/a' : k.value.toFixed(3)} (n=${k.sampleSize})`).join(', ');
}

function findingsNote(found: DetectedFinding[]): string {
  return `${found.length} findings`;
}

/** The analyze activity's storage steps (activities/analyze.ts) for already computed KPIs and findings. */
async function recordAnalysis(db: Knex, now: Date, kpis: KpiResult[], detected: DetectedFinding[]): Promise<string> {
  return inRolledBackCycle(db, now, async (trx, cycleId) => {
    await saveKpiSnapshots(trx, cycleId, now, kpis);
    const recorded = await recordFindings(trx, cycleId, now, detected, { scope: detectorScope({ kpis }) });
    const open = await listOpenFindings(trx);
    return `${recorded.findings.length} recorded, ${recorded.opened} opened, ${open.length} open`;
  });
}

export function analyzeCases(): BenchCase[] {
  const opts = (ctx: BenchContext): DetectorOptions => ({ ...DETECTOR_OPTIONS, kpis: ctx.kpis });
  return [
    {
      group: 'kpis',
      name: 'queryActivationCounts',
      explain: true,
      run: async ({ db, now }) => JSON.stringify(await queryActivationCounts(db, now)),
    },
    {
      group: 'kpis',
      name: 'queryD7RetentionCounts',
      explain: true,
      run: async ({ db, now }) => JSON.stringify(await queryD7RetentionCounts(db, now)),
    },
    {
      group: 'kpis',
      name: 'queryFunnelCounts',
      explain: true,
      run: async ({ db, now }) => {
        const f = await queryFunnelCounts(db, now);
        return `cohort ${f.cohort}, onboarded ${f.onboarded}, activated ${f.activated}, paid ${f.paid}`;
      },
    },
    {
      group: 'kpis',
      name: 'queryLtvCacInputs',
      explain: true,
      run: async ({ db, now }) => {
        const l = await queryLtvCacInputs(db, now);
        return `${l.activeCustomers} paying, ${l.churnedCustomers} churned, ${l.newPayingCustomers} new`;
      },
    },
    {
      group: 'kpis',
      name: 'computeKpis',
      explain: false,
      run: async ({ db, now }) => kpiNote(await computeKpis(db, now, KPI_OPTIONS)),
    },

    {
      group: 'detectors',
      name: 'detectSystemHealth',
      explain: true,
      run: async (ctx) => findingsNote(await detectSystemHealth(ctx.db, ctx.now, DETECTOR_OPTIONS)),
    },
    {
      group: 'detectors',
      name: 'detectDataQuality',
      explain: true,
      run: async (ctx) => findingsNote(await detectDataQuality(ctx.db, ctx.now, DETECTOR_OPTIONS)),
    },
    {
      group: 'detectors',
      name: 'detectOrphanedRecords',
      explain: true,
      run: async (ctx) => findingsNote(await detectOrphanedRecords(ctx.db, ctx.now, DETECTOR_OPTIONS)),
    },
    {
      group: 'detectors',
      name: 'detectBillingFailures',
      explain: true,
      run: async (ctx) => findingsNote(await detectBillingFailures(ctx.db, ctx.now, DETECTOR_OPTIONS)),
    },
    {
      group: 'detectors',
      name: 'runHealthDetectors',
      explain: false,
      run: async (ctx) => findingsNote(await runHealthDetectors(ctx.db, ctx.now, DETECTOR_OPTIONS)),
    },
    {
      group: 'detectors',
      name: 'runAllDetectors',
      explain: false,
      run: async (ctx) => findingsNote(await runAllDetectors(ctx.db, ctx.now, opts(ctx))),
    },

    {
      group: 'findings',
      name: 'recordFindings',
      explain: false,
      run: async ({ db, now, kpis, detected }) =>
        inRolledBackCycle(db, now, async (trx, cycleId) => {
          const r = await recordFindings(trx, cycleId, now, detected, { scope: detectorScope({ kpis }) });
          return `${r.findings.length} recorded, ${r.opened} opened, ${r.resolved} resolved`;
        }),
    },

    {
      group: 'analyze',
      name: 'analyze (KPIs + detectors + record)',
      explain: false,
      run: async ({ db, now }) => {
        const kpis = await computeKpis(db, now, KPI_OPTIONS);
        const detected = await runAllDetectors(db, now, { ...DETECTOR_OPTIONS, kpis });
        return recordAnalysis(db, now, kpis, detected);
      },
    },
  ];
}

/**
 * The inputs of the cases that consume KPI results (runAllDetectors) and findings (recordFindings),
 * computed once and untimed, and only when a group that needs them runs.
 */
export async function prepareContext(
  db: Knex,
  now: Date,
  manifest: SeedManifest,
  groups: readonly BenchGroup[],
): Promise<BenchContext> {
  const needFindings = groups.includes('findings');
  const needKpis = needFindings || groups.includes('detectors');
  const kpis = needKpis ? await computeKpis(db, now, KPI_OPTIONS) : [];
  const detected = needFindings ? await runAllDetectors(db, now, { ...DETECTOR_OPTIONS, kpis }) : [];
  return { db, now, manifest, kpis, detected };
}
