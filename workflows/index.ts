// Every workflow the worker registers. Deterministic code only (see DESIGN.md §2).
export { autonomousCycle, selfHeal, autoRemediate, selfOptimize } from './cycle';
export { monitorAndRespond } from './monitor';
export { actionApproval } from './approval';
