// Builds the real api for one e2e test file: a fresh migrated database, a real Temporal client on the
// suite's dev server, API keys of every role, and a unique task queue no worker polls (so workflows the
// tests start just wait, and are terminated at the end) unless the test brings its own worker's queue.
import { inject } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { buildApp, type App, type AppDeps } from '../../api/app';
import { createApiKey } from '../../db/repos/api-keys';
import { parseSlackOperators } from '../../platform/slack-operators';
import { createTestDb, type TestDb } from '../helpers/db';

/** The signing secret of the e2e api's Slack endpoint, so tests can sign requests as Slack. */
export const E2E_SLACK_SECRET = 'e2e-slack-signing-secret';
/** The key the e2e api verifies unsubscribe links with (tests sign their links with it). */
export const E2E_UNSUBSCRIBE_SECRET = 'e2e-unsubscribe-secret';

export interface E2E {
  app: App;
  t: TestDb;
  client: Client;
  namespace: string;
  taskQueue: string;
  keys: { viewer: string; operator: string; admin: string };
  /** Authorization headers for a role. */
  as(role: 'viewer' | 'operator' | 'admin'): { authorization: string };
  /** Remembers a workflow to terminate at the end. */
  track(workflowId: string): void;
  close(): Promise<void>;
}

export async function setupE2E(
  label: string,
  opts: { namespace?: string; taskQueue?: string; db?: TestDb; alertChannels?: AppDeps['alertChannels'] } = {},
): Promise<E2E> {
  const t = opts.db ?? (await createTestDb(`e2e-${label}`));
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const namespace = opts.namespace ?? inject('temporalNamespace');
  const client = new Client({ connection, namespace });
  const taskQueue = opts.taskQueue ?? `e2e-${label}-${process.pid}-${Date.now().toString(36)}`;
  const admin = `e2e-admin-key-${label}-${process.pid}`;
  const app = await buildApp({
    db: t.db,
    temporal: { client, namespace, taskQueue },
    uiUrl: 'http://127.0.0.1:8233',
    bootstrapAdminKey: admin,
    slack: { signingSecret: E2E_SLACK_SECRET, operators: parseSlackOperators('UOSCAR=oscar-operator:operator') },
    unsubscribeSecret: E2E_UNSUBSCRIBE_SECRET,
    ...(opts.alertChannels ? { alertChannels: opts.alertChannels } : {}),
  });
  await app.ready();
  const viewer = (await createApiKey(t.db, 'vera-viewer', 'viewer')).key;
  const operator = (await createApiKey(t.db, 'oscar-operator', 'operator')).key;
  const keys = { viewer, operator, admin };
  const started = new Set<string>();
  return {
    app,
    t,
    client,
    namespace,
    taskQueue,
    keys,
    as: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    track: (id) => started.add(id),
    close: async () => {
      for (const id of started) {
        await client.workflow
          .getHandle(id)
          .terminate('e2e test cleanup')
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
      }
      await app.close();
      await connection.close();
      await t.drop();
    },
  };
}

/** Asserts the RFC 9457 shape and returns the parsed problem. */
export function problemOf(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got '${type}' (status ${res.statusCode}): ${res.body}`);
  }
  return JSON.parse(res.body) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    instance: string;
    errors?: Array<{ location: string; path: string; message: string; code: string }>;
  };
}
