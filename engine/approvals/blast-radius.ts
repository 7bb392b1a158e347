// The blast radius of one action awaiting approval (pure): the users and the MRR it touches, the input of the
// approval quorum (engine/approvals/quorum.ts). A payment retry touches its amount; a per-user action one user
// and that user's MRR; an orphaned subscription's cancel its own MRR; a data-fix review the records its finding
// counts; a funnel or system action nobody directly.
import type { BlastRadius } from './quorum';

interface ActionLike {
  type: string;
  targetType: string;
  targetId: string;
  params: Record<string, unknown>;
}

const cents = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

/** The user an action is about (its params.userId, else a user target's id), or null. */
export function userOf(a: ActionLike): number | null {
  const raw = a.params.userId ?? (a.targetType === 'user' ? a.targetId : null);
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** `userMrrCents` is the MRR of userOf(a) (its live subscriptions), read by the caller. */
export function actionBlastRadius(a: ActionLike, userMrrCents: number): BlastRadius {
  if (a.type === 'retry_payment') return { users: 1, mrrCents: cents(a.params.amountCents) };
  if (a.type === 'cancel_orphaned_subscription') return { users: 1, mrrCents: cents(a.params.mrrCents) };
  if (a.type === 'data_fix_review') return { users: cents(a.params.count), mrrCents: 0 };
  if (userOf(a) === null) return { users: 0, mrrCents: 0 };
  return { users: 1, mrrCents: cents(userMrrCents) };
}
