// The search attributes' one declaration: the dev server's flags are built from it with the CLI's
// spelling of each type.
import { SearchAttributeType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { cliSearchAttributeType, devServerSearchAttributeArgs } from '../../platform/search-attributes';

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
});
