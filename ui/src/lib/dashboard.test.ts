import { describe, expect, it } from 'vitest';
import { toCommandArgs, toDashboard, toPeriod, topCategories } from './dashboard';
import { mockIndicators } from '../dev/mock-indicators';

describe('threat categories', () => {
  it('keeps the largest categories and folds the rest into one', () => {
    const rows = [
      { category: 'a', count: 1 },
      { category: 'b', count: 9 },
      { category: 'c', count: 5 },
      { category: 'd', count: 2 },
      { category: 'e', count: 0 },
    ];
    const top = topCategories(rows, 3, 'Autres');
    expect(top).toEqual([
      { category: 'b', count: 9 },
      { category: 'c', count: 5 },
      { category: 'Autres', count: 3 },
    ]);
  });
  it('drops empty categories and keeps a short list as it is', () => {
    expect(topCategories([{ category: 'a', count: 0 }, { category: 'b', count: 2 }], 8, 'Autres')).toEqual([
      { category: 'b', count: 2 },
    ]);
  });
});

describe('the indicators command', () => {
  it('asks with the backend’s filter', () => {
    const args = toCommandArgs({ period: { kind: 'quarter', year: 2026, index: 4 }, region: 'gao', level: 'communal', basis: 'all' });
    expect(args).toEqual({
      filter: { period: { unit: 'quarter', year: 2026, quarter: 4 }, basis: 'all', region: 'gao', level: 'communal', committee_id: null },
    });
    expect(toPeriod({ kind: 'month', year: 2026, index: 11 })).toEqual({ unit: 'month', year: 2026, month: 11 });
    expect(toPeriod({ kind: 'year', year: 2026, index: 1 })).toEqual({ unit: 'year', year: 2026 });
  });

  it('reads the answer into the charts’ rows, the stages of the flow exclusive', () => {
    const args = toCommandArgs({ period: { kind: 'quarter', year: 2026, index: 4 }, region: null, level: null, basis: 'all' });
    const ind = mockIndicators(args);
    const v = toDashboard(ind);
    expect(v.committees.installed).toBe(ind.committees.total.installed);
    expect(v.regions.map((r) => r.name)).toContain('Ménaka');
    expect(v.regions.reduce((a, r) => a + r.installed, 0)).toBe(ind.committees.total.installed);
    expect(v.months.map((m) => m.month)).toEqual(['2026-10', '2026-11', '2026-12']);
    // Submitted counts validated and approved ones too; the chart's stages do not.
    const f = v.flow;
    expect(f.approved + f.validated + f.submitted + f.draft).toBe(f.total);
    expect(f.approved).toBe(ind.data_flow.total.approved.numerator);
    expect(f.validated).toBe(ind.data_flow.total.validated.numerator - f.approved);
    const levels = ind.assessments.total.by_level;
    expect(v.risks.levels.very_high).toBe(levels.find((l) => l.level === 'tres_eleve')?.count);
    expect(v.addressees.length).toBe(ind.recommendations.total.by_addressee.length);
  });
});
