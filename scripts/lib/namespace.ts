// A Temporal namespace of the e2e tests' and the chaos trials' own, so tests that pause or trigger the engine's schedules
// (whose ids are fixed) never touch those of a dev stack sharing the same server.
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes } from '../../worker/search-attributes';

const ALREADY_EXISTS = 6;

export async function ensureTestNamespace(address: string, namespace: string): Promise<void> {
  const conn = await Connection.connect({ address });
  try {
    try {
      await conn.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    // A new namespace takes a moment to become visible to every service of the dev server.
    for (let attempt = 0; ; attempt++) {
      try {
        await ensureSearchAttributes(conn, namespace);
        return;
      } catch (err) {
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await conn.close();
  }
}
