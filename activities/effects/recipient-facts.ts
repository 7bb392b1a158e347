// What the recipient gate needs to know about a user right before a message goes out: read by the executor
// when the effect runs and again by the outbox relay when it sends.
import type { Queryable } from '../../db/types';
import { recipientOf } from '../../db/queries/users';
import { suppressionOfUser } from '../../db/repos/suppressions';
import type { RecipientFacts } from '../../engine/safety/recipient-gate';

export async function recipientFactsOf(
  db: Queryable,
  userId: number,
): Promise<(RecipientFacts & { email: string | null }) | null> {
  const user = await recipientOf(db, userId);
  if (!user) return null;
  return { ...user, suppression: await suppressionOfUser(db, userId, user.email) };
}
