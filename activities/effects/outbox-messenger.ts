// The default Messenger: appends the message to engine.outbox, which the platform's mailer delivers.
// The idempotency key is unique there, so sending twice with one key queues one message.
import type { Knex } from 'knex';
import type { MessageRequest, Messenger } from './ports';

export function createOutboxMessenger(db: Knex, clock?: () => Date): Messenger {
  return {
    async send(req: MessageRequest): Promise<{ messageId: string }> {
      const inserted = await db('engine.outbox')
        .insert({
          idempotency_key: req.idempotencyKey,
          user_id: req.userId,
          template: req.template,
          payload: JSON.stringify(req.payload ?? {}),
          ...(clock ? { created_at: clock() } : {}),
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('id');
      if (inserted.length) return { messageId: String((inserted[0] as { id: number }).id) };
      const existing = await db('engine.outbox').where({ idempotency_key: req.idempotencyKey }).first('id');
      if (!existing) throw new Error(`outbox message ${req.idempotencyKey} vanished after a conflicting insert`);
      return { messageId: String(existing.id) };
    },
  };
}
