import { describe, expect, it } from 'vitest';
import { topRisks, type RiskRow } from './dashboard';

const row = (category: string, n: number): RiskRow => ({ category, low: n, medium: 0, high: 0, very_high: 0 });

describe('risk rows', () => {
  it('keeps the largest categories and folds the rest into one', () => {
    const rows = [row('a', 1), row('b', 9), row('c', 5), row('d', 2), row('e', 0)];
    const top = topRisks(rows, 3, 'Autres');
    expect(top.map((r) => r.category)).toEqual(['b', 'c', 'Autres']);
    expect(top[2].low).toBe(3);
  });
  it('drops empty categories and keeps a short list as it is', () => {
    expect(topRisks([row('a', 0), row('b', 2)], 8, 'Autres').map((r) => r.category)).toEqual(['b']);
  });
});
