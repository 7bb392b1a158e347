// Health score: 100 − Σ severity weights of open findings, floored at 0.
import { describe, expect, it } from 'vitest';
import { SEVERITY_WEIGHTS, healthBreakdown, healthScore } from '../../engine/health';
import type { Severity } from '../../engine/types';

const open = (...severities: Severity[]) => severities.map((severity) => ({ severity }));

describe('healthScore', () => {
  it('is 100 with no open findings', () => {
    expect(healthScore([])).toBe(100);
  });

  it('subtracts critical 25, high 10, medium 4, low 1, info 0', () => {
    expect(SEVERITY_WEIGHTS).toEqual({ critical: 25, high: 10, medium: 4, low: 1, info: 0 });
    expect(healthScore(open('critical'))).toBe(75);
    expect(healthScore(open('high', 'medium', 'low', 'info'))).toBe(85);
    expect(healthScore(open('high', 'high', 'medium', 'medium', 'medium', 'low'))).toBe(100 - 20 - 12 - 1);
  });

  it('is floored at 0', () => {
    expect(healthScore(open('critical', 'critical', 'critical', 'critical', 'high'))).toBe(0);
  });

  it('ignores resolved findings and reports the breakdown', () => {
    const b = healthBreakdown([
      { severity: 'critical', status: 'resolved' },
      { severity: 'high', status: 'open' },
      { severity: 'low' },
    ]);
    expect(b).toEqual({ score: 89, penalty: 11, bySeverity: { critical: 0, high: 1, medium: 0, low: 1, info: 0 } });
  });
});
