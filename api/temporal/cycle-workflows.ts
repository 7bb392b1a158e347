// Starting the cycle-like workflows from the api, by function reference: their ids, search attributes and
// Web UI summary, and how a Temporal execution status maps onto the api's cycle status.
import crypto from 'node:crypto';
import type { Client, WorkflowExecutionStatusName } from '@temporalio/client';
import type { CycleKind, Phase } from '../../engine/types';
import { autonomousCycle, autoRemediate, monitorAndRespond, selfHeal, selfOptimize } from '../../workflows';
import { SA_CYCLE_KIND, SA_DRY_RUN, SA_TRIGGER, type CycleInput, type CycleResult } from '../../workflows/definitions';

/** A workflow the api starts with a CycleInput (referenced by function, so a rename fails to compile). */
export type CycleWorkflow = (input?: CycleInput) => Promise<CycleResult>;

export interface CycleWorkflowSpec {
  workflow: CycleWorkflow;
  /** The Temporal workflow type: the function's name, which is also its export name in workflows/index. */
  workflowType: string;
  kind: CycleKind;
  idPrefix: string;
  label: string;
}

function spec(workflow: CycleWorkflow, kind: CycleKind, idPrefix: string, label: string): CycleWorkflowSpec {
  return { workflow, workflowType: workflow.name, kind, idPrefix, label };
}

export const CYCLE_WORKFLOWS = {
  autonomousCycle: spec(autonomousCycle, 'cycle', 'cycle', 'autonomous cycle'),
  autoRemediate: spec(autoRemediate, 'auto_remediate', 'auto-remediate', 'auto-remediation'),
  selfOptimize: spec(selfOptimize, 'self_optimize', 'self-optimize', 'self-optimization'),
  selfHeal: spec(selfHeal, 'self_heal', 'self-heal', 'self-heal'),
  monitorAndRespond: spec(monitorAndRespond, 'monitor', 'monitor', 'monitor and respond'),
} as const satisfies Record<string, CycleWorkflowSpec>;

export type CycleWorkflowType = keyof typeof CYCLE_WORKFLOWS;

/** `<prefix>-<yyyyMMddTHHmmss>-<6 random base36>` (UTC): sortable by start time, unique across api processes. */
export function newWorkflowId(prefix: string, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '');
  const random = crypto
    .randomInt(36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `${prefix}-${stamp}-${random}`;
}

export interface StartCycleRequest {
  dryRun: boolean;
  requestedBy: string;
  phases?: Phase[];
  /** Rebuild the event rollups from scratch (docs/scale.md). */
  full?: boolean;
  /** The api request that started it: in the memo and the Web UI details, to follow it from the logs. */
  requestId?: string;
}

export interface StartedCycle {
  cycleId: string;
  runId: string;
  workflowType: string;
  kind: CycleKind;
  dryRun: boolean;
}

const START_DEADLINE_MS = 10_000;

export async function startCycleWorkflow(
  client: Client,
  taskQueue: string,
  spec: CycleWorkflowSpec,
  req: StartCycleRequest,
): Promise<StartedCycle> {
  const workflowId = newWorkflowId(spec.idPrefix);
  const input: CycleInput = { dryRun: req.dryRun, trigger: 'api', requestedBy: req.requestedBy };
  if (req.phases) input.phases = req.phases;
  if (req.full) input.full = true;
  const mode = req.dryRun ? 'Dry-run' : 'LIVE';
  const handle = await client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
    client.workflow.start(spec.workflow, {
      workflowId,
      taskQueue,
      args: [input],
      memo: { requestedBy: req.requestedBy, ...(req.requestId ? { requestId: req.requestId } : {}) },
      typedSearchAttributes: [
        { key: SA_CYCLE_KIND, value: spec.kind },
        { key: SA_DRY_RUN, value: req.dryRun },
        { key: SA_TRIGGER, value: 'api' },
      ],
      staticSummary: `${mode} ${spec.label} requested by ${req.requestedBy} via the api`,
      staticDetails: [
        `**${mode} ${spec.label}**`,
        `- requested by: \`${req.requestedBy}\` (api${req.requestId ? `, request id \`${req.requestId}\`` : ''})`,
        `- phases: ${req.phases ? req.phases.join(' → ') : "all of this workflow's phases"}`,
        ...(req.full ? ['- full: the event rollups are rebuilt from scratch'] : []),
        `- follow it: \`GET /api/autonomous/cycles/${workflowId}\``,
      ].join('\n'),
    }),
  );
  return {
    cycleId: workflowId,
    runId: handle.firstExecutionRunId,
    workflowType: spec.workflowType,
    kind: spec.kind,
    dryRun: req.dryRun,
  };
}

export type CycleStatus = 'running' | 'completed' | 'failed' | 'canceled' | 'terminated' | 'timed_out';

/** The api's cycle status for a Temporal execution status; null when Temporal does not know better. */
export function cycleStatusFromTemporal(status: WorkflowExecutionStatusName): CycleStatus | null {
  switch (status) {
    case 'RUNNING':
    case 'PAUSED':
      return 'running';
    case 'COMPLETED':
    case 'CONTINUED_AS_NEW':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'canceled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return null;
  }
}

export function temporalUiLink(uiUrl: string | null, namespace: string, workflowId: string): string | null {
  return uiUrl
    ? `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`
    : null;
}
