// The scripts' `--flag value` / `--flag=value` / `--switch` arguments: node:util parseArgs splits them, and
// each misuse (unknown, repeated, missing or unexpected value) becomes one line naming the flag.
import { parseArgs } from 'node:util';

export type FlagSpec = Readonly<Record<string, { type: 'string' | 'boolean' }>>;

export type ParsedFlags =
  | { ok: true; help: false; values: Partial<Record<string, string | true>> }
  | { ok: true; help: true }
  | { ok: false; error: string };

/** Never throws. `--help` / `-h` anywhere asks for the usage line. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  // strict: false, so that parseArgs reports every token and the messages below stay one line each.
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...spec, help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { ok: true, help: true };
  const values: Partial<Record<string, string | true>> = {};
  for (const t of tokens) {
    if (t.kind !== 'option' || !Object.hasOwn(spec, t.name) || t.rawName !== `--${t.name}`)
      return { ok: false, error: `unknown argument "${argv[t.index]}"` };
    if (values[t.name] !== undefined) return { ok: false, error: `--${t.name} given twice` };
    if (spec[t.name]!.type === 'boolean') {
      if (t.inlineValue) return { ok: false, error: `--${t.name} is a switch and takes no value` };
      values[t.name] = true;
      continue;
    }
    // A following flag is not a value (`--users --seed 3`); a negative number is (`--seed -1`).
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))
      return { ok: false, error: `--${t.name} needs a value` };
    values[t.name] = t.value;
  }
  return { ok: true, help: false, values };
}
