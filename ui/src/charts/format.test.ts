import { describe, expect, it } from 'vitest';
import { formatCount, formatPeople, formatPercent, formatValue, share } from './format';

/** The tests write ordinary spaces; the screen has no-break ones. */
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

describe('numbers the French way', () => {
  it.each([
    [0, '0', '0'],
    [7, '7', '7'],
    [2797, '2 797', '2,797'],
    [1234567, '1 234 567', '1,234,567'],
    [-1500, '−1 500', '−1,500'],
    [12.6, '13', '13'],
  ])('%d', (n, fr, en) => {
    expect(plain(formatCount(n, 'fr'))).toBe(fr);
    expect(formatCount(n, 'en')).toBe(en);
  });

  it('groups with no-break spaces so a number is never cut across lines', () => {
    expect(formatCount(2797, 'fr')).toBe('2\u202f797');
    expect(formatPercent(0.3, 'fr')).toBe('30\u00a0%');
  });

  it('shows people as partners report them', () => {
    expect(plain(formatPeople(2797, 540, 818, 'fr'))).toBe('2 797 (540 F, 818 J)');
    expect(plain(formatPeople(2797, 540, 818, 'en'))).toBe('2,797 (540 W, 818 Y)');
  });

  it('writes percentages with a comma in French', () => {
    expect(plain(formatPercent(0.315, 'fr', 1))).toBe('31,5 %');
    expect(formatPercent(0.315, 'en', 1)).toBe('31.5%');
    expect(plain(formatPercent(1, 'fr'))).toBe('100 %');
  });

  it('never shows NaN or Infinity: nothing to divide is « – »', () => {
    expect(share(3, 0)).toBeNull();
    expect(formatPercent(share(3, 0), 'fr')).toBe('–');
    expect(formatCount(Number.NaN, 'fr')).toBe('–');
    expect(formatCount(null, 'fr')).toBe('–');
    expect(formatValue(Infinity, 'days', 'fr')).toBe('–');
  });

  it('days carry their unit', () => {
    expect(plain(formatValue(42, 'days', 'fr'))).toBe('42 j');
    expect(plain(formatValue(42, 'days', 'en'))).toBe('42 d');
  });
});
