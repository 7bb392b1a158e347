// Every benchmark case, in report order, filtered by the groups asked for (--only).
import type { BenchGroup } from './args';
import type { BenchCase } from './case';
import { analyzeCases } from './cases-analyze';
import { learningCases } from './cases-learning';
import { planningCases } from './cases-planning';

export function benchCases(groups: readonly BenchGroup[]): BenchCase[] {
  return [...analyzeCases(), ...planningCases(), ...learningCases()].filter((c) => groups.includes(c.group));
}
