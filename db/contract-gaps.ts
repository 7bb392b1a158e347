// Compares schema `app`'s columns with the data contract (pure): one gap per missing table, missing column,
// incompatible type or nullable column, each a line naming what needs it.
import type { Contract, ContractColumn } from './contract';
import type { AppColumn } from './queries/app-columns';

export interface ContractGap {
  table: string;
  /** null for a missing table. */
  column: string | null;
  problem: 'missing_table' | 'missing' | 'type' | 'nullable';
  /** Optional columns (nothing reads them, or read only when present) are reported but do not fail the check. */
  required: boolean;
  line: string;
}

/** 'character varying(255)' → 'character varying'; 'timestamp(3) with time zone' → 'timestamp with time zone'. */
export function baseType(type: string): string {
  return type
    .replace(/\(\d+(,\s*\d+)?\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const needs = (c: ContractColumn) =>
  !c.neededBy
    ? 'optional, nothing reads it today'
    : c.optional
      ? `optional, ${c.neededBy} use it when present`
      : `${c.neededBy} need it`;

export function contractGaps(contract: Contract, columns: readonly AppColumn[]): ContractGap[] {
  const byTable = new Map<string, Map<string, AppColumn>>();
  for (const c of columns) {
    if (!byTable.has(c.table)) byTable.set(c.table, new Map());
    byTable.get(c.table)!.set(c.column, c);
  }
  const gaps: ContractGap[] = [];
  for (const [table, wanted] of Object.entries(contract)) {
    const have = byTable.get(table);
    if (!have) {
      const uses = [...new Set(Object.values(wanted).flatMap((c) => (c.neededBy ? [c.neededBy] : [])))];
      gaps.push({
        table,
        column: null,
        problem: 'missing_table',
        required: true,
        line: `app.${table}: missing (no table or view) — ${uses.join('; ')} need it`,
      });
      continue;
    }
    for (const [column, spec] of Object.entries(wanted)) {
      const name = `app.${table}.${column}`;
      const required = spec.neededBy != null && !spec.optional;
      const found = have.get(column);
      if (!found) {
        gaps.push({ table, column, problem: 'missing', required, line: `${name}: missing — ${needs(spec)}` });
      } else if (!spec.types.includes(baseType(found.type))) {
        gaps.push({
          table,
          column,
          problem: 'type',
          required,
          line: `${name}: type ${found.type}, expected ${spec.types.join(' or ')} — ${needs(spec)}`,
        });
      } else if (!spec.nullable && found.relation === 'table' && !found.notNull) {
        gaps.push({
          table,
          column,
          problem: 'nullable',
          required,
          line: `${name}: nullable, expected NOT NULL — ${needs(spec)} in every row`,
        });
      }
    }
  }
  return gaps;
}
