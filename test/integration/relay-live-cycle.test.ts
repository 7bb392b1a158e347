// A live cycle with MESSENGER=smtp against Mailpit, read back through Mailpit's HTTP API: every executed message
// effect is accepted into engine.outbox by the effect, delivered by the outbox relay workflow, and ends as exactly
// one email in Mailpit — to the user, with the template's subject, a one-click List-Unsubscribe and the Message-ID
// derived from the effect's idempotency key. A second relay run sends nothing more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../activities/effects/smtp-messenger';
import { setThreshold } from '../../db/repos/config';
import { loadConfig } from '../../platform/config';
import { seedDemoData } from '../../scripts/seed/generate';
import { createAdapters } from '../../worker/adapters';
import { autonomousCycle, outboxRelay } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';
import { waitingWorkflowIds } from '../helpers/waiting-workflows';
import { mailpitServer } from '../helpers/local-servers';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const RUN = `relaycycle${process.pid}${Date.now().toString(36)}`;
let t: TestDb;
let w: TestWorker;

interface MailpitMessage {
  ID: string;
  MessageID: string;
  Subject: string;
  To: { Address: string }[];
}

async function mailpit<T>(p: string): Promise<T> {
  const res = await fetch(`${mailpitServer().apiUrl}${p}`);
  if (!res.ok) throw new Error(`Mailpit ${p}: ${res.status}`);
  return (await res.json()) as T;
}

/** Every message in Mailpit with this Message-ID (without its angle brackets). */
const withMessageId = async (id: string) =>
  (
    await mailpit<{ messages: MailpitMessage[] }>(
      `/api/v1/search?query=${encodeURIComponent(`message-id:"${id.replace(/^<|>$/g, '')}"`)}`,
    )
  ).messages;

beforeAll(async () => {
  t = await createTestDb('relay-live-cycle');
  await seedDemoData(t.db, { users: 1500, seed: 17, now: NOW });
  // Message actions need no operator here, so the cycle executes them (the gates themselves are tested elsewhere).
  for (const gate of ['gate.optimization', 'gate.remediation', 'gate.healing'])
    await setThreshold(t.db, gate, 0.01, 'test', 'execute the messages');
  const m = mailpitServer();
  const adapters = createAdapters(
    t.db,
    loadConfig({
      MESSENGER: 'smtp',
      SMTP_URL: `smtp://floyo:any@${m.smtpHost}:${m.smtpPort}`,
      MAIL_FROM: 'Floyo <hello@floyo.example>',
      UNSUBSCRIBE_SECRET: 'relay-live-cycle-secret',
      PUBLIC_BASE_URL: 'https://app.floyo.example',
    }),
    () => new Date(),
  );
  w = await startTestWorker(t.db, {
    label: 'relay-cycle',
    deps: { messenger: adapters.messenger, outboxRelay: adapters.outboxRelay },
  });
}, 120_000);
afterAll(async () => {
  const pending: string[] = await waitingWorkflowIds(t.db);
  await Promise.all(
    pending.map((id) =>
      w.client.workflow
        .getHandle(id)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await w?.shutdown();
  await t?.drop();
});

describe('a live cycle with MESSENGER=smtp', () => {
  it('turns every executed message effect into exactly one email in Mailpit, through the relay', async () => {
    const cycleId = `${RUN}-cycle`;
    await w.client.workflow.execute(autonomousCycle, {
      workflowId: cycleId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: false, trigger: 'api', requestedBy: 'test', now: NOW.toISOString() }],
    });
    const effects: Array<{ idempotency_key: string; user_id: string; email: string }> = await t
      .db('engine.effects as e')
      .join('engine.actions as a', 'a.id', 'e.action_id')
      .join('engine.outbox as o', 'o.idempotency_key', 'e.idempotency_key')
      .join('app.users as u', 'u.id', 'o.user_id')
      .where({ 'a.cycle_id': cycleId, 'e.port': 'messenger', 'e.status': 'succeeded' })
      .select('e.idempotency_key', 'o.user_id', 'u.email');
    expect(effects.length).toBeGreaterThan(5);
    // The effect only accepted them: nothing reached Mailpit before the relay ran.
    expect(await withMessageId(messageIdFor(effects[0]!.idempotency_key, 'floyo.example'))).toHaveLength(0);

    const relayed = await w.client.workflow.execute(outboxRelay, {
      workflowId: `${RUN}-relay-1`,
      taskQueue: w.taskQueue,
      args: [{ maxWaitSeconds: 0 }],
    });
    expect(relayed).toMatchObject({ channel: 'smtp', delivered: effects.length, bounced: 0, failed: 0, retrying: 0 });

    for (const e of effects) {
      const id = messageIdFor(e.idempotency_key, 'floyo.example');
      const found = await withMessageId(id);
      expect(found, e.idempotency_key).toHaveLength(1);
      const [m] = found;
      expect(`<${m!.MessageID}>`).toBe(id);
      expect(m!.To.map((x) => x.Address)).toEqual([e.email.trim()]);
      expect(m!.Subject.length).toBeGreaterThan(5);
      const headers = await mailpit<Record<string, string[]>>(`/api/v1/message/${m!.ID}/headers`);
      expect(headers['List-Unsubscribe']![0]).toMatch(/^<https:\/\/app\.floyo\.example\/api\/unsubscribe\?token=/);
      expect(headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
    }
    const rows = await t.db('engine.outbox').whereIn(
      'idempotency_key',
      effects.map((e) => e.idempotency_key),
    );
    expect(rows.every((r) => r.channel === 'smtp' && r.status === 'delivered' && r.attempts === 1)).toBe(true);

    // Nothing left to send: the next run delivers nothing and Mailpit still holds one email per effect.
    expect(
      await w.client.workflow.execute(outboxRelay, {
        workflowId: `${RUN}-relay-2`,
        taskQueue: w.taskQueue,
        args: [{ maxWaitSeconds: 0 }],
      }),
    ).toMatchObject({ claimed: 0 });
    expect(await withMessageId(messageIdFor(effects.at(-1)!.idempotency_key, 'floyo.example'))).toHaveLength(1);
  }, 240_000);
});
