// The scripts' flag parsing (node:util parseArgs underneath): values in both spellings, switches, and one
// line naming the flag for each misuse.
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../scripts/lib/flags';

const spec = { users: { type: 'string' }, explain: { type: 'boolean' } } as const;

describe('parseFlags', () => {
  it('reads --flag value, --flag=value and switches', () => {
    expect(parseFlags(['--users', '5', '--explain'], spec)).toEqual({
      ok: true,
      help: false,
      values: { users: '5', explain: true },
    });
    expect(parseFlags(['--users=-1'], spec)).toEqual({ ok: true, help: false, values: { users: '-1' } });
    expect(parseFlags(['--users', '-1'], spec)).toEqual({ ok: true, help: false, values: { users: '-1' } });
    expect(parseFlags([], spec)).toEqual({ ok: true, help: false, values: {} });
  });

  it('asks for the usage with --help or -h, wherever it is', () => {
    expect(parseFlags(['--users', '5', '-h'], spec)).toEqual({ ok: true, help: true });
    expect(parseFlags(['--help', '--bogus'], spec)).toEqual({ ok: true, help: true });
  });

  it.each([
    [['--bogus'], 'unknown argument "--bogus"'],
    [['--bogus=3'], 'unknown argument "--bogus=3"'],
    [['-u', '3'], 'unknown argument "-u"'],
    [['stray'], 'unknown argument "stray"'],
    [['--users'], '--users needs a value'],
    [['--users', '--explain'], '--users needs a value'],
    [['--users', '1', '--users=2'], '--users given twice'],
    [['--explain=yes'], '--explain is a switch and takes no value'],
  ])('rejects %j with one line', (argv, error) => {
    expect(parseFlags(argv, spec)).toEqual({ ok: false, error });
  });
});
