/**
 * Numbers as the CRSS and its partners write them: French grouping with a thin space
 * (2 797), a space before « % » (30 %), people counted « 2 797 (540 F, 818 J) ». Pure
 * and language-aware; every chart label and table cell goes through here.
 *
 * The spaces are no-break spaces (U+202F inside numbers, U+00A0 before « % ») so a
 * number is never cut across two lines on a phone.
 */
import type { Lang } from '../i18n';

const NNBSP = '\u202f';
const NBSP = '\u00a0';

/** An integer (rounded) grouped by thousands: « 2 797 » in French, « 2,797 » in English. */
export function formatCount(n: number | null | undefined, lang: Lang): string {
  if (n == null || !Number.isFinite(n)) return '–';
  const rounded = Math.round(n);
  const digits = String(Math.abs(rounded));
  const sep = lang === 'fr' ? NNBSP : ',';
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return (rounded < 0 ? '−' : '') + grouped;
}

/** A share (0..1) as a percentage with `digits` decimals: « 31 % », « 31,5 % », « 31.5% ». */
export function formatPercent(share: number | null | undefined, lang: Lang, digits = 0): string {
  if (share == null || !Number.isFinite(share)) return '–';
  const value = (share * 100).toFixed(digits);
  return lang === 'fr' ? `${value.replace('.', ',')}${NBSP}%` : `${value}%`;
}

/** A decimal number with one decimal: « 1,5 » / « 1.5 ». */
export function formatDecimal(n: number | null | undefined, lang: Lang, digits = 1): string {
  if (n == null || !Number.isFinite(n)) return '–';
  const s = n.toFixed(digits);
  return lang === 'fr' ? s.replace('.', ',') : s;
}

/** People as partners report them: « 2 797 (540 F, 818 J) » / « 2,797 (540 W, 818 Y) ». */
export function formatPeople(total: number, women: number, youth: number, lang: Lang): string {
  const [w, y] = lang === 'fr' ? ['F', 'J'] : ['W', 'Y'];
  return `${formatCount(total, lang)} (${formatCount(women, lang)}${NBSP}${w}, ${formatCount(youth, lang)}${NBSP}${y})`;
}

/** `part / whole`, or null when there is nothing to divide (shown « – », never « NaN % »). */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** A value in a chart's own unit. */
export type Unit = 'count' | 'percent' | 'days';

export function formatValue(v: number | null | undefined, unit: Unit, lang: Lang): string {
  switch (unit) {
    case 'percent':
      return formatPercent(v, lang);
    case 'days':
      return v == null || !Number.isFinite(v) ? '–' : `${formatCount(v, lang)}${NBSP}${lang === 'fr' ? 'j' : 'd'}`;
    default:
      return formatCount(v, lang);
  }
}
