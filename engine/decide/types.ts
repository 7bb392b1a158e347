// A decision the decide phase records (engine.decisions, one per kind per cycle): what the engine
// concluded, why in words an operator can check, and how sure it is. Decisions are advice and
// proposals; nothing here changes configuration or data by itself.
export type DecisionKind =
  | 'resource_allocation'
  | 'feature_prioritization'
  | 'pricing'
  | 'ml_threshold'
  | 'action_type_demotion'
  | 'autonomy_ladder';

export interface Decision {
  kind: DecisionKind;
  title: string;
  /** Human-readable reasoning with the numbers behind it. */
  rationale: string;
  /** In [0, 1]; 0 when the inputs were insufficient to decide anything. */
  confidence: number;
  payload: Record<string, unknown>;
}
