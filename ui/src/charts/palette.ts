/**
 * The charts' colours: each at least 3:1 against white (WCAG's rule for graphics) so a
 * bar reads in sunlight on a cheap screen, and told apart by more than hue (the legend
 * and the table name every series; the risk levels go from light to dark).
 */

/** Series in order of use. */
export const SERIES = ['#0b4a8f', '#b04a00', '#2d6a1f', '#6b2c91', '#8a1538', '#005f66'] as const;

/** Threat levels, low to very high. */
export const RISK = {
  low: '#4d7c0f',
  medium: '#a16207',
  high: '#c2410c',
  very_high: '#991b1b',
} as const;

/** Review stages of the data flow. */
export const FLOW = {
  approved: '#0b6428',
  validated: '#0b4a8f',
  submitted: '#a16207',
  other: '#5b5b5b',
} as const;

/** The reference line (30 %). */
export const REFERENCE = '#a3000f';

/** Relative luminance of `#rrggbb` (WCAG 2). */
export function luminance(hex: string): number {
  const c = hex.replace('#', '');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(c.slice(i, i + 2), 16) / 255);
  const lin = (v: number) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
