// The alert step the monitor and the cycle share: one sendAlerts activity after the findings are recorded.
// An outage that outlasts the activity's retries does not fail the run: its deliveries stay pending in
// engine.alert_deliveries and the next run sends them.
import { ActivityFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities, CycleContext } from '../activities';
import { ALERT_DELIVERY_OPTIONS } from './activity-options';

const { sendAlerts } = proxyActivities<Activities>(ALERT_DELIVERY_OPTIONS);

// Runs started before alert delivery existed replay without the step.
const ALERT_DELIVERY_PATCH = 'alert-delivery';

export async function alertStep(ctx: CycleContext): Promise<void> {
  if (!patched(ALERT_DELIVERY_PATCH)) return;
  try {
    await sendAlerts(ctx);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.warn('alerts left pending for the next run', { cycleId: ctx.cycleId, error: err.cause?.message });
  }
}
