// The api's Temporal connection (api/temporal/connection.ts) on the suite's dev server: calls keep their
// deadline and namespace scope, also when other calls start and end meanwhile, and between calls the
// client's AsyncLocalStorage is off, so the process's promises carry no hooks (executionAsyncId() inside a
// promise reaction is 0 only then).
import { executionAsyncId } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, isGrpcDeadlineError } from '@temporalio/client';
import { ApiTemporalConnection } from '../../api/temporal/connection';

const promiseHooksOn = () => Promise.resolve().then(() => executionAsyncId() !== 0);

let connection: ApiTemporalConnection;
let client: Client;

beforeAll(async () => {
  connection = (await ApiTemporalConnection.connect({
    address: inject('temporalAddress'),
  })) as ApiTemporalConnection;
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});
afterAll(async () => connection?.close());

describe('api Temporal connection', () => {
  it('leaves no promise hooks on once connected and after each call', async () => {
    expect(await promiseHooksOn()).toBe(false);
    await client.workflowService.describeNamespace({ namespace: inject('temporalNamespace') });
    expect(await promiseHooksOn()).toBe(false);
    await client.withDeadline(Date.now() + 5_000, () => client.workflowService.getSystemInfo({}));
    expect(await promiseHooksOn()).toBe(false);
  });

  it('keeps a pending call its deadline while other calls start and end', async () => {
    // The deadline passes during the sleep; meanwhile a second call runs to completion.
    const late = client.withDeadline(Date.now() + 100, async () => {
      await sleep(300);
      return client.workflowService.getSystemInfo({});
    });
    const other = client.withDeadline(Date.now() + 5_000, () =>
      client.workflowService.describeNamespace({ namespace: inject('temporalNamespace') }),
    );
    await expect(other).resolves.toBeDefined();
    const err = await late.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isGrpcDeadlineError(err)).toBe(true);
    expect(await promiseHooksOn()).toBe(false);
  });
});
