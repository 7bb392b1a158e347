// The engine's custom search attributes, the one list of their names and types: the workflows set them, the
// dev server is started with them and a server we did not start gets them registered. Pure (no node
// built-ins, no I/O), so the workflow bundle may import it.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA_CYCLE_KIND = defineSearchAttributeKey('FloyoCycleKind', SearchAttributeType.KEYWORD);
export const SA_DRY_RUN = defineSearchAttributeKey('FloyoDryRun', SearchAttributeType.BOOL);
export const SA_HEALTH_SCORE = defineSearchAttributeKey('FloyoHealthScore', SearchAttributeType.INT);
export const SA_TRIGGER = defineSearchAttributeKey('FloyoTrigger', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [SA_CYCLE_KIND, SA_DRY_RUN, SA_HEALTH_SCORE, SA_TRIGGER] as const;

/** The type as the Temporal CLI's `--search-attribute name=Type` spells it: KEYWORD_LIST → KeywordList. */
export function cliSearchAttributeType(type: SearchAttributeType): string {
  return type
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** `--search-attribute` flags for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${cliSearchAttributeType(k.type)}`]);
}

/**
 * The `temporal operator search-attribute create` command(s) that register `attrs` in `namespace`, joined by
 * ` && ` on one line: the CLI takes several --name but one --type, so one command per type. `address` is
 * included when given (a cluster, not the CLI's default localhost:7233).
 */
export function searchAttributeCreateCommand(
  namespace: string,
  attrs: ReadonlyArray<{ name: string; type: SearchAttributeType }>,
  address?: string,
): string {
  const byType = new Map<SearchAttributeType, string[]>();
  for (const k of attrs) byType.set(k.type, [...(byType.get(k.type) ?? []), k.name]);
  const target = address ? ['--address', address] : [];
  return [...byType]
    .map(([type, names]) =>
      [
        'temporal operator search-attribute create',
        ...target,
        '--namespace',
        namespace,
        ...names.flatMap((n) => ['--name', n]),
        '--type',
        cliSearchAttributeType(type),
      ].join(' '),
    )
    .join(' && ');
}
