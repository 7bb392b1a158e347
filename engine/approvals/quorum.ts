// Approval quorum and self-approval (pure, docs/safety.md#approvals): how many distinct operators must approve
// a decision given its blast radius, and whether one vote counts given the votes so far and who started the
// run. Independent of any workflow's input, so every approval (one action, a campaign rollout) shares them.

export interface BlastRadius {
  /** Users the decision touches. */
  users: number;
  /** Monthly recurring revenue it touches, in cents (a payment retry: the amount retried). */
  mrrCents: number;
}

export interface QuorumPolicy {
  /** Distinct approvals needed once a threshold is reached. */
  approvers: number;
  whenUsersAtLeast: number;
  whenMrrCentsAtLeast: number;
}

/** One approval below both thresholds; `policy.approvers` when the users or the MRR touched reach one. */
export function requiredApprovers(blast: BlastRadius, policy: QuorumPolicy): number {
  const reached = blast.users >= policy.whenUsersAtLeast || blast.mrrCents >= policy.whenMrrCentsAtLeast;
  return reached ? Math.max(1, Math.floor(policy.approvers)) : 1;
}

/** Why a quorum applies, in a line for the reviewer (null when one approval suffices). */
export function quorumReason(blast: BlastRadius, policy: QuorumPolicy): string | null {
  const why: string[] = [];
  if (blast.users >= policy.whenUsersAtLeast) why.push(`${blast.users} users ≥ ${policy.whenUsersAtLeast}`);
  if (blast.mrrCents >= policy.whenMrrCentsAtLeast)
    why.push(`MRR ${blast.mrrCents} ¢ ≥ ${policy.whenMrrCentsAtLeast} ¢`);
  return why.length && requiredApprovers(blast, policy) > 1
    ? `${requiredApprovers(blast, policy)} approvers needed: ${why.join(', ')}`
    : null;
}

export interface VoteState {
  /** Operators whose approve counted, in order. */
  approvers: string[];
  required: number;
}

export interface Vote {
  operator: string;
  approve: boolean;
}

export type VoteOutcome = 'pending' | 'approved' | 'rejected' | 'refused';

export interface VoteResult {
  state: VoteState;
  /** pending: counted, more approvals needed; refused: not counted, the state is unchanged. */
  outcome: VoteOutcome;
  reason: string;
}

/** Operators are API key names or what a Temporal CLI signal says: compared trimmed and case-blind. */
export const sameOperator = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Applies one vote. A reject always counts and rejects (stopping is never the risky direction, so the run's
 * starter may reject too); an approve from whoever started the run by hand, or a second one from an operator
 * who already approved, is refused and changes nothing; enough distinct approvals approve.
 */
export function castVote(state: VoteState, vote: Vote, startedBy: string | null): VoteResult {
  const operator = vote.operator.trim();
  if (!operator) return { state, outcome: 'refused', reason: 'a vote needs an operator' };
  if (state.approvers.length >= state.required)
    return { state, outcome: 'refused', reason: 'the approval is already decided' };
  if (!vote.approve) return { state, outcome: 'rejected', reason: `rejected by ${operator}` };
  if (startedBy && sameOperator(startedBy, operator))
    return {
      state,
      outcome: 'refused',
      reason: `self-approval: ${operator} started the run by hand, so another operator must approve`,
    };
  if (state.approvers.some((a) => sameOperator(a, operator)))
    return {
      state,
      outcome: 'refused',
      reason: `${operator} already approved: the same operator twice counts once`,
    };
  const next: VoteState = { approvers: [...state.approvers, operator], required: state.required };
  return next.approvers.length >= next.required
    ? { state: next, outcome: 'approved', reason: `approved by ${next.approvers.join(', ')}` }
    : {
        state: next,
        outcome: 'pending',
        reason: `${next.approvers.length} of ${next.required} approvals`,
      };
}

/** Who started a run by hand, from its trigger and requested_by; a schedule or the monitor is nobody. */
export function runStarter(cycle: { trigger: string; requestedBy: string | null } | null): string | null {
  if (!cycle || !(cycle.trigger === 'api' || cycle.trigger === 'cli')) return null;
  return cycle.requestedBy?.trim() || null;
}
