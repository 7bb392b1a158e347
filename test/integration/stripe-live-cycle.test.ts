// A live cycle with the Stripe gateway (PAYMENT_GATEWAY=stripe through the adapter selection) against stripe-mock,
// behind a recording proxy: every executed payment retry is exactly one Stripe request — the invoice paid or the
// PaymentIntent confirmed — carrying the effect's idempotency key, and its effect records the Stripe object.
// A second live cycle sends nothing again for the same payments.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdapters } from '../../worker/adapters';
import { seedDemoData } from '../../scripts/seed/generate';
import { loadConfig } from '../../platform/config';
import { autonomousCycle } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';
import { waitingWorkflowIds } from '../helpers/waiting-workflows';
import { startRecordingProxy, stripeMockUrl, type RecordingProxy } from '../helpers/local-servers';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
let t: TestDb;
let w: TestWorker;
let proxy: RecordingProxy;

beforeAll(async () => {
  proxy = await startRecordingProxy(stripeMockUrl());
  t = await createTestDb('stripe-live-cycle');
  await seedDemoData(t.db, { users: 2000, seed: 17, now: NOW });
  const settings = loadConfig({
    PAYMENT_GATEWAY: 'stripe',
    STRIPE_API_KEY: 'sk_test_floyo',
    STRIPE_API_BASE: proxy.url,
  });
  const adapters = createAdapters(t.db, settings, () => new Date());
  expect(adapters.names.paymentGateway).toBe('stripe');
  w = await startTestWorker(t.db, { label: 'stripe-cycle', deps: { payments: adapters.payments } });
}, 120_000);

afterAll(async () => {
  const pending: string[] = t ? await waitingWorkflowIds(t.db) : [];
  await Promise.all(
    pending.map((id) =>
      w?.client.workflow
        .getHandle(id)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await w?.shutdown();
  await proxy?.close();
  await t?.drop();
});

const live = (n: number) =>
  w.client.workflow.execute(autonomousCycle, {
    workflowId: `stripe-live-${process.pid}-${n}`,
    taskQueue: w.taskQueue,
    args: [{ dryRun: false, trigger: 'api', requestedBy: 'test', now: NOW.toISOString() }],
  });

it('sends each executed payment retry to Stripe once, with its idempotency key, and records the Stripe object', async () => {
  await live(1);
  const effects: Array<{ idempotency_key: string; target: string; response: Record<string, unknown>; status: string }> =
    await t.db('engine.effects').where({ port: 'payments' }).orderBy('id');
  expect(effects.length).toBeGreaterThan(0);
  const payments = new Map<string, string>(
    (
      await t
        .db('app.payments')
        .whereIn(
          'id',
          effects.map((e) => Number(String(e.target).replace(/\D/g, ''))),
        )
        .select('id', 'provider_ref')
    ).map((p: { id: number; provider_ref: string }) => [String(p.id), p.provider_ref]),
  );
  const stripeCalls = proxy.requests.filter(
    (r) => r.path.startsWith('/v1/invoices/') || r.path.startsWith('/v1/payment_intents/'),
  );
  // One request per effect, each with the effect's own key, accepted by stripe-mock's OpenAPI validation.
  expect(stripeCalls.map((r) => r.headers['idempotency-key']).sort()).toEqual(
    effects.map((e) => e.idempotency_key).sort(),
  );
  for (const r of stripeCalls) expect(r.status).toBe(200);
  for (const e of effects) {
    const ref = payments.get(String(e.target).replace(/\D/g, ''))!;
    expect(ref).toMatch(/^(in|pi)_/);
    expect(e.response).toMatchObject({ providerRef: ref });
    const call = stripeCalls.find((r) => r.headers['idempotency-key'] === e.idempotency_key)!;
    expect(call.path).toBe(ref.startsWith('in_') ? `/v1/invoices/${ref}/pay` : `/v1/payment_intents/${ref}/confirm`);
  }
}, 300_000);

it('sends nothing again for the same payments on the next live cycle', async () => {
  const before = proxy.requests.length;
  const keysBefore = new Set(
    (await t.db('engine.effects').where({ port: 'payments' }).pluck('idempotency_key')) as string[],
  );
  await live(2);
  const repeated = proxy.requests.slice(before).filter((r) => keysBefore.has(String(r.headers['idempotency-key'])));
  expect(repeated).toEqual([]);
}, 300_000);
