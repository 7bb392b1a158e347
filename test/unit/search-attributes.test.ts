// The search attributes' one declaration: the dev server's flags are built from it with the CLI's
// spelling of each type.
import { SearchAttributeType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  cliSearchAttributeType,
  devServerSearchAttributeArgs,
  SA_CYCLE_KIND,
  SEARCH_ATTRIBUTES,
  searchAttributeCreateCommand,
} from '../../platform/search-attributes';

describe('search attributes', () => {
  it('spells each type as the Temporal CLI does', () => {
    expect(Object.values(SearchAttributeType).map(cliSearchAttributeType)).toEqual([
      'Text',
      'Keyword',
      'Int',
      'Double',
      'Bool',
      'Datetime',
      'KeywordList',
    ]);
  });

  it('gives the dev server one flag per attribute', () => {
    expect(devServerSearchAttributeArgs()).toEqual([
      '--search-attribute',
      'FloyoCycleKind=Keyword',
      '--search-attribute',
      'FloyoDryRun=Bool',
      '--search-attribute',
      'FloyoHealthScore=Int',
      '--search-attribute',
      'FloyoTrigger=Keyword',
    ]);
  });

  it('formats the CLI commands that register the missing attributes, one per type, with the address when given', () => {
    expect(searchAttributeCreateCommand('prod', [SA_CYCLE_KIND])).toBe(
      'temporal operator search-attribute create --namespace prod --name FloyoCycleKind --type Keyword',
    );
    expect(searchAttributeCreateCommand('prod', SEARCH_ATTRIBUTES, 'temporal.internal:7233')).toBe(
      'temporal operator search-attribute create --address temporal.internal:7233 --namespace prod' +
        ' --name FloyoCycleKind --name FloyoTrigger --type Keyword' +
        ' && temporal operator search-attribute create --address temporal.internal:7233 --namespace prod' +
        ' --name FloyoDryRun --type Bool' +
        ' && temporal operator search-attribute create --address temporal.internal:7233 --namespace prod' +
        ' --name FloyoHealthScore --type Int',
    );
  });
});
