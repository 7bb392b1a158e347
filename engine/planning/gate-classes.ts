// Which confidence gate (docs/safety.md: remediation ≥ 0.80, healing ≥ 0.75, optimization ≥ 0.70) each
// action type passes. A function of the type alone, so the same type is gated the same way in every phase.
//
// healing       retry_payment, cancel_orphaned_subscription, normalize_email. The heal phase's automatic
//               repairs: each puts one identified record back into the state the data contract requires
//               (a soft-declined payment retried within the retry policy, billing stopped for a customer who
//               no longer exists, an address put in canonical form). Detection is deterministic (1.0), so
//               what the gate weighs is the type's learned success posterior, and the class the design names
//               for the heal phase (the self-heal path) is the one that fits.
// remediation   data_fix_review, investigate_system_health. Changes no rule can make safely: merging
//               accounts, correcting a ledger, repairing ingestion. The strictest class, and their planned
//               confidence is kept below every gate (data_fix_review) or they are not executable at all
//               (investigations), so a human always decides.
// optimization  the messages (onboarding_nudge, retention_campaign, upgrade_offer, proactive_retention)
//               and funnel_recommendation: growth actions driven by KPI gaps and churn signals.
import type { ActionType, GateClass } from '../types';

export const GATE_CLASS_BY_TYPE: Record<ActionType, GateClass> = {
  retry_payment: 'healing',
  cancel_orphaned_subscription: 'healing',
  normalize_email: 'healing',
  data_fix_review: 'remediation',
  investigate_system_health: 'remediation',
  retention_campaign: 'optimization',
  onboarding_nudge: 'optimization',
  upgrade_offer: 'optimization',
  funnel_recommendation: 'optimization',
  proactive_retention: 'optimization',
};

export function gateClassOf(type: ActionType): GateClass {
  return GATE_CLASS_BY_TYPE[type];
}
