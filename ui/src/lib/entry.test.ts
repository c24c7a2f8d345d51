import { describe, expect, it } from 'vitest';
import { maskDate, maskTime, parseCount, parseDate, parseTime, showDate } from './entry';

describe('dates are typed day first, whatever the locale', () => {
  it.each([
    ['0112', '01/12'],
    ['01122026', '01/12/2026'],
    ['1/12/2026', '01/12/2026'],
    ['1.2.2026', '01/02/2026'],
    ['01-12-2026', '01/12/2026'],
    ['01/', '01/'],
    ['01', '01'],
    ['011', '01/1'],
    ['01/12/20261', '01/12/2026'],
    ['ab01cd12', '01/12'],
  ])('%s shows as %s', (typed, shown) => {
    expect(maskDate(typed)).toBe(shown);
  });

  it('reads the day before the month', () => {
    expect(parseDate('01/12/2026')).toEqual({ kind: 'ok', value: '2026-12-01' });
    expect(parseDate('5/11/2026')).toEqual({ kind: 'ok', value: '2026-11-05' });
    expect(parseDate('12/01/2026')).toEqual({ kind: 'ok', value: '2026-01-12' });
  });

  it('says why a date is not read', () => {
    expect(parseDate('')).toEqual({ kind: 'empty' });
    expect(parseDate('  ')).toEqual({ kind: 'empty' });
    expect(parseDate('05/11/20')).toEqual({ kind: 'bad', problem: 'incomplete' });
    expect(parseDate('31/02/2026')).toEqual({ kind: 'bad', problem: 'impossible' });
    expect(parseDate('01/13/2026')).toEqual({ kind: 'bad', problem: 'impossible' });
    expect(parseDate('douze')).toEqual({ kind: 'bad', problem: 'incomplete' });
  });

  it('shows a stored date day first and round-trips', () => {
    expect(showDate('2026-12-01')).toBe('01/12/2026');
    expect(showDate(null)).toBe('');
    expect(parseDate(showDate('2024-02-29'))).toEqual({ kind: 'ok', value: '2024-02-29' });
  });
});

describe('times are typed on 24 hours', () => {
  it.each([
    ['1430', '14:30'],
    ['14:30', '14:30'],
    ['9h30', '09:30'],
    ['930', '09:30'],
    ['0930', '09:30'],
    ['9:5', '09:5'],
    ['14', '14'],
    ['14:305', '14:30'],
  ])('%s shows as %s', (typed, shown) => {
    expect(maskTime(typed)).toBe(shown);
  });

  it('reads or refuses', () => {
    expect(parseTime('')).toEqual({ kind: 'empty' });
    expect(parseTime('9h30')).toEqual({ kind: 'ok', value: '09:30' });
    expect(parseTime('23:59')).toEqual({ kind: 'ok', value: '23:59' });
    expect(parseTime('24:00')).toEqual({ kind: 'bad', problem: 'impossible' });
    expect(parseTime('12:60')).toEqual({ kind: 'bad', problem: 'impossible' });
    expect(parseTime('12:3')).toEqual({ kind: 'bad', problem: 'incomplete' });
  });
});

describe('counts are typed in digits', () => {
  it('reads digits', () => {
    expect(parseCount('12')).toEqual({ kind: 'ok', value: 12 });
    expect(parseCount(' 1 200 ')).toEqual({ kind: 'ok', value: 1200 });
    expect(parseCount('-5')).toEqual({ kind: 'ok', value: -5 });
    expect(parseCount('')).toEqual({ kind: 'empty' });
  });

  it('says why « douze » is not a count', () => {
    expect(parseCount('douze')).toEqual({ kind: 'bad', problem: 'not_a_number' });
    expect(parseCount('12a')).toEqual({ kind: 'bad', problem: 'not_a_number' });
    expect(parseCount('12,5')).toEqual({ kind: 'bad', problem: 'not_whole' });
  });
});
