// createActivities(deps): every activity the workflows call, as thin adapters over engine/ and db/.
import type { ActivityDeps } from './deps';
import { closeCycle, openCycle, type OpenCycleInput } from './cycle-bookkeeping';
export type { CycleContext, PhaseSummary } from './context';

export function createActivities(deps: ActivityDeps) {
  return {
    openCycle: (input: OpenCycleInput) => openCycle(deps.db, deps.clock, input),
    closeCycle: (input: { cycleId: string; status: 'completed' | 'failed'; error?: string }) => closeCycle(deps.db, input),
  };
}
export type Activities = ReturnType<typeof createActivities>;
