// Checks a namespace for the engine's search attributes (platform/search-attributes.ts) and registers the
// missing ones; where the server refuses (a cluster without operator rights), the error says the one command
// an operator runs. Used by the worker at start, the dev launchers and the tests' own namespaces.
import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES, searchAttributeCreateCommand } from '../platform/search-attributes';

/** The namespace lacks search attributes and this process may not add them: the message is the fix. */
export class SearchAttributesMissingError extends Error {
  constructor(
    message: string,
    readonly missing: string[],
  ) {
    super(message);
    this.name = 'SearchAttributesMissingError';
  }
}

/** Registers the engine's attributes the namespace lacks; returns the names it added (none when all exist). */
export async function ensureSearchAttributes(
  conn: Connection,
  namespace: string,
  opts: { address?: string } = {},
): Promise<string[]> {
  const existing = await conn.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (!missing.length) return [];
  try {
    await conn.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!]),
      ),
    });
  } catch (err) {
    const names = missing.map((k) => k.name);
    const reason = ((err as { details?: string }).details ?? (err as Error).message).replace(/\s+/g, ' ');
    throw new SearchAttributesMissingError(
      `Namespace "${namespace}" lacks the search attributes ${names.join(', ')} and registering them failed ` +
        `(${reason}); have an operator run: ${searchAttributeCreateCommand(namespace, missing, opts.address)}`,
      names,
    );
  }
  return missing.map((k) => k.name);
}
