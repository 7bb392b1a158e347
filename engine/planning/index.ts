// The planners of the heal, optimize and prevent phases: findings, KPIs and target rows → ActionPlan[].
export {
  planHeal,
  retryVerdict,
  HEAL_FINGERPRINTS,
  HUMAN_DECISION_CONFIDENCE,
  type HealInput,
  type HealTargets,
} from './heal';
export { planOptimize, type OptimizeInput, type OptimizeTargets } from './optimize';
export { planPrevent, churnSignalConfidence, type PreventInput } from './prevent';
export { dataQualityDrift, dataQualityCounts, DRIFT_KIND, type DriftOptions } from './drift';
export { dedupeMessagesByUser, excludeUsers, messagedUserIds, MESSAGE_TEMPLATES, MESSAGE_PRIORITY } from './messages';
export { GATE_CLASS_BY_TYPE, gateClassOf } from './gate-classes';
export { successProbability, type SuccessPosteriors } from './common';
export type * from './targets';
