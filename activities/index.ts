// createActivities(deps): every activity the workflows call, as thin adapters over engine/ and db/.
import { runActionPhase } from './action-phases';
import { sendAlerts } from './alerts/send-alerts';
import { analyze } from './analyze';
import { approvalActivities } from './approvals';
import { campaignActivities } from './campaigns';
import type { CycleContext } from './context';
import { closeCycle, openCycle, type OpenCycleInput } from './cycle-bookkeeping';
import { decide } from './decide';
import type { ActivityDeps } from './deps';
import { learn } from './learn';
import { monitorHealth } from './monitor';
import { slackApprovalActivities } from './slack/approval-messages';
import { relayOutboxBatch } from './outbox-relay';
import { verify } from './verify';
export type { CycleContext, PhaseSummary } from './context';

export function createActivities(deps: ActivityDeps) {
  return {
    openCycle: (input: OpenCycleInput) => openCycle(deps.db, deps.clock, input),
    closeCycle: (input: { cycleId: string; status: 'completed' | 'failed'; error?: string }) =>
      closeCycle(deps.db, input),
    analyze: (ctx: CycleContext) => analyze(deps, ctx),
    heal: (ctx: CycleContext) => runActionPhase(deps, 'heal', ctx),
    optimize: (ctx: CycleContext) => runActionPhase(deps, 'optimize', ctx),
    prevent: (ctx: CycleContext) => runActionPhase(deps, 'prevent', ctx),
    learn: (ctx: CycleContext) => learn(deps, ctx),
    decide: (ctx: CycleContext) => decide(deps, ctx),
    verify: (ctx: CycleContext) => verify(deps, ctx),
    monitorHealth: (ctx: CycleContext) => monitorHealth(deps, ctx),
    sendAlerts: (ctx: CycleContext) => sendAlerts(deps, ctx),
    relayOutboxBatch: () => relayOutboxBatch(deps),
    ...approvalActivities(deps),
    ...campaignActivities(deps),
    ...slackApprovalActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
