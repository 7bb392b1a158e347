// A stand-in retraining pipeline for the retraining-hook test: a workflow started by name that hands the
// request it received to an activity (the test's recorder) and returns it. Bundled by the test's own worker.
import { proxyActivities } from '@temporalio/workflow';

const { receiveRetrainingRequest } = proxyActivities<{ receiveRetrainingRequest(request: unknown): Promise<void> }>({
  startToCloseTimeout: '10 seconds',
});

export async function retrainModel(request: unknown): Promise<unknown> {
  await receiveRetrainingRequest(request);
  return request;
}
