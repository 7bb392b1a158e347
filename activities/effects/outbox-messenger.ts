// The default Messenger: appends the message to engine.outbox, which the platform's mailer delivers.
// The idempotency key is unique there, so sending twice with one key queues one message.
import type { Knex } from 'knex';
import { enqueueMessage } from '../../db/repos/outbox';
import type { MessageRequest, Messenger } from './ports';

export function createOutboxMessenger(db: Knex, clock?: () => Date): Messenger {
  return {
    async send(req: MessageRequest): Promise<{ messageId: string }> {
      const id = await enqueueMessage(db, { ...req, ...(clock ? { createdAt: clock() } : {}) });
      return { messageId: String(id) };
    },
  };
}

/**
 * A real messenger whose messages are also recorded in engine.outbox (before sending, idempotent per key),
 * because the contact cap counts outbox rows: without the record, SMTP or webhook messages would escape it.
 */
export function withOutboxRecord(db: Knex, inner: Messenger, clock?: () => Date): Messenger {
  return {
    async send(req: MessageRequest): Promise<{ messageId: string }> {
      await enqueueMessage(db, { ...req, ...(clock ? { createdAt: clock() } : {}) });
      return inner.send(req);
    },
  };
}
