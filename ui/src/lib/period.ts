/**
 * The dashboard's period: a month, a quarter or a year, stepped back and forth with
 * « Période précédente / suivante ». Pure (tested); the screen turns it into the
 * indicators command's filter and into the quarter of the PDF report (« 2026-T4 »).
 */
export type PeriodKind = 'month' | 'quarter' | 'year';

/** `index`: the month (1–12), the quarter (1–4), or 1 for a year. */
export interface UiPeriod {
  kind: PeriodKind;
  year: number;
  index: number;
}

/** The period of `kind` holding `today`. */
export function currentPeriod(kind: PeriodKind, today: Date): UiPeriod {
  const year = today.getFullYear();
  const month = today.getMonth() + 1;
  switch (kind) {
    case 'month':
      return { kind, year, index: month };
    case 'quarter':
      return { kind, year, index: Math.ceil(month / 3) };
    case 'year':
      return { kind, year, index: 1 };
  }
}

/** The period `delta` steps away (−1 the previous one). */
export function shiftPeriod(p: UiPeriod, delta: number): UiPeriod {
  const per = p.kind === 'month' ? 12 : p.kind === 'quarter' ? 4 : 1;
  const n = p.year * per + (p.index - 1) + delta;
  return { kind: p.kind, year: Math.floor(n / per), index: (((n % per) + per) % per) + 1 };
}

/** The same moment seen as another kind of period (a month's quarter, a quarter's first
 * month…), for switching between month, quarter and year. */
export function switchKind(p: UiPeriod, kind: PeriodKind): UiPeriod {
  const [first] = periodMonthNumbers(p);
  return currentPeriod(kind, new Date(p.year, first - 1, 1));
}

/** The month numbers (1–12) a period covers. */
export function periodMonthNumbers(p: UiPeriod): number[] {
  switch (p.kind) {
    case 'month':
      return [p.index];
    case 'quarter':
      return [1, 2, 3].map((m) => (p.index - 1) * 3 + m);
    case 'year':
      return Array.from({ length: 12 }, (_, i) => i + 1);
  }
}

/** The months a period covers, as `YYYY-MM`. */
export function periodMonths(p: UiPeriod): string[] {
  return periodMonthNumbers(p).map((m) => `${p.year}-${String(m).padStart(2, '0')}`);
}

/** First and last day (`YYYY-MM-DD`, inclusive). */
export function periodDates(p: UiPeriod): { from: string; to: string } {
  const months = periodMonthNumbers(p);
  const last = months[months.length - 1];
  const lastDay = new Date(Date.UTC(p.year, last, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { from: `${p.year}-${pad(months[0])}-01`, to: `${p.year}-${pad(last)}-${pad(lastDay)}` };
}

/** The quarter holding the period's last month, as the report names it: « 2026-T4 ». */
export function quarterCode(p: UiPeriod): string {
  const months = periodMonthNumbers(p);
  return `${p.year}-T${Math.ceil(months[months.length - 1] / 3)}`;
}

/** Whether the period starts after `today` (no « suivante » into the future). */
export function isFuture(p: UiPeriod, today: Date): boolean {
  const [first] = periodMonthNumbers(p);
  return new Date(p.year, first - 1, 1) > today;
}

/** The words of a period, from the dictionary's month names and patterns. */
export function periodLabel(
  p: UiPeriod,
  words: { months: string[]; monthYear: (m: string, y: number) => string; quarter: (q: number, y: number) => string; year: (y: number) => string },
): string {
  switch (p.kind) {
    case 'month':
      return words.monthYear(words.months[p.index - 1], p.year);
    case 'quarter':
      return words.quarter(p.index, p.year);
    case 'year':
      return words.year(p.year);
  }
}

/** « janv. 26 »: a month `YYYY-MM` on a chart's axis. */
export function shortMonth(ym: string, monthsShort: string[]): string {
  const [y, m] = ym.split('-').map(Number);
  return `${monthsShort[(m || 1) - 1]} ${String(y % 100).padStart(2, '0')}`;
}
