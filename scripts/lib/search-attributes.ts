// Registers the engine's search attributes (platform/search-attributes.ts) in a namespace of a server we
// did not start with them: a reused dev server, or a test's own namespace.
import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../platform/search-attributes';

export async function ensureSearchAttributes(conn: Connection, namespace: string): Promise<void> {
  const existing = await conn.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (!missing.length) return;
  await conn.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!])),
  });
}
