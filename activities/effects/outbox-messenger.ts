// The Messenger every effect uses: accepts the message into engine.outbox, in the effect, idempotent on its key.
// Who delivers the row is its channel: 'outbox' leaves it to the platform's own mailer; 'smtp' and 'webhook' are
// delivered by the engine's outbox relay (workflows/outbox-relay.ts), which retries until delivered.
import type { Knex } from 'knex';
import { enqueueMessage, type OutboxChannel } from '../../db/repos/outbox';
import type { MessageRequest, Messenger } from './ports';

export function createOutboxMessenger(db: Knex, clock?: () => Date, channel: OutboxChannel = 'outbox'): Messenger {
  return {
    async send(req: MessageRequest): Promise<{ messageId: string }> {
      const id = await enqueueMessage(db, { ...req, channel, ...(clock ? { createdAt: clock() } : {}) });
      return { messageId: String(id) };
    },
  };
}
