// A Temporal namespace of the e2e tests' own, so tests that pause or trigger the engine's schedules
// (whose ids are fixed) never touch those of a dev stack sharing the same server.
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { loadDevConfig } from '../../scripts/lib/dev-config';

const SA_TYPES: Record<string, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};
const ALREADY_EXISTS = 6;

export async function ensureTestNamespace(address: string, namespace: string): Promise<void> {
  const conn = await Connection.connect({ address });
  try {
    try {
      await conn.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    const wanted = loadDevConfig().searchAttributes;
    // A new namespace takes a moment to become visible to every service of the dev server.
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await conn.operatorService.listSearchAttributes({ namespace });
        const missing = Object.entries(wanted).filter(([name]) => !(name in (existing.customAttributes ?? {})));
        if (missing.length) {
          await conn.operatorService.addSearchAttributes({
            namespace,
            searchAttributes: Object.fromEntries(missing.map(([n, t]) => [n, SA_TYPES[t]!])),
          });
        }
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
