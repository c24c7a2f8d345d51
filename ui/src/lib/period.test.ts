import { describe, expect, it } from 'vitest';
import { fr } from '../i18n/fr';
import { currentPeriod, isFuture, periodDates, periodLabel, periodMonths, quarterCode, shiftPeriod, shortMonth, switchKind } from './period';

const words = fr.indicators;
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

describe('periods', () => {
  const dec = new Date(2026, 11, 1);
  it('the current month, quarter and year', () => {
    expect(currentPeriod('month', dec)).toEqual({ kind: 'month', year: 2026, index: 12 });
    expect(currentPeriod('quarter', dec)).toEqual({ kind: 'quarter', year: 2026, index: 4 });
    expect(currentPeriod('year', dec)).toEqual({ kind: 'year', year: 2026, index: 1 });
  });

  it.each([
    [{ kind: 'month', year: 2026, index: 1 }, -1, { kind: 'month', year: 2025, index: 12 }],
    [{ kind: 'month', year: 2026, index: 12 }, 1, { kind: 'month', year: 2027, index: 1 }],
    [{ kind: 'quarter', year: 2026, index: 1 }, -1, { kind: 'quarter', year: 2025, index: 4 }],
    [{ kind: 'quarter', year: 2026, index: 4 }, -5, { kind: 'quarter', year: 2025, index: 3 }],
    [{ kind: 'year', year: 2026, index: 1 }, -1, { kind: 'year', year: 2025, index: 1 }],
  ] as const)('%o shifted by %d', (p, d, want) => {
    expect(shiftPeriod(p, d)).toEqual(want);
  });

  it('switching kind keeps the moment', () => {
    expect(switchKind({ kind: 'month', year: 2026, index: 8 }, 'quarter')).toEqual({ kind: 'quarter', year: 2026, index: 3 });
    expect(switchKind({ kind: 'quarter', year: 2026, index: 3 }, 'month')).toEqual({ kind: 'month', year: 2026, index: 7 });
  });

  it('months, dates and the report quarter', () => {
    const q4 = { kind: 'quarter', year: 2026, index: 4 } as const;
    expect(periodMonths(q4)).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(periodDates(q4)).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(periodDates({ kind: 'month', year: 2024, index: 2 })).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(quarterCode(q4)).toBe('2026-T4');
    expect(quarterCode({ kind: 'month', year: 2026, index: 5 })).toBe('2026-T2');
    expect(quarterCode({ kind: 'year', year: 2026, index: 1 })).toBe('2026-T4');
  });

  it('no stepping into the future', () => {
    expect(isFuture({ kind: 'quarter', year: 2027, index: 1 }, dec)).toBe(true);
    expect(isFuture({ kind: 'quarter', year: 2026, index: 4 }, dec)).toBe(false);
  });

  it('says the period in French', () => {
    expect(periodLabel({ kind: 'quarter', year: 2026, index: 4 }, words)).toBe('4e trimestre 2026');
    expect(periodLabel({ kind: 'quarter', year: 2026, index: 1 }, words)).toBe('1er trimestre 2026');
    expect(periodLabel({ kind: 'month', year: 2026, index: 2 }, words)).toBe('février 2026');
    expect(plain(periodLabel({ kind: 'year', year: 2026, index: 1 }, words))).toBe('Année 2026');
    expect(shortMonth('2026-09', words.monthsShort)).toBe('sept. 26');
  });
});
