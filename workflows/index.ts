// Every workflow the worker registers. Deterministic code only (see docs/architecture.md).
export { autonomousCycle, selfHeal, autoRemediate, selfOptimize } from './cycle';
export { monitorAndRespond } from './monitor';
export { actionApproval } from './approval';
export { outboxRelay } from './outbox-relay';
export { campaignRollout } from './campaign-rollout';
