/**
 * Where things go in a chart, as pure functions of the width it is given and the texts
 * it must show, so that labels never overlap and numbers are never cut, from a 360 px
 * phone to a laptop. The components only draw what these return (tested without a
 * browser: text widths are estimated, on the safe side, from the font size).
 */
import { scaleLinear } from 'd3-scale';

/** The charts' font size in SVG pixels. */
export const FONT = 13;

/** An estimate of a text's width in pixels, generous on purpose (a little room is better
 * than an overlap): wide letters and digits count more than narrow ones. */
export function textWidth(text: string, size = FONT): number {
  let em = 0;
  for (const ch of text) {
    if ('iljtf.,:;!|\'’ ()[]'.includes(ch)) em += 0.33;
    else if ('\u202f\u00a0'.includes(ch)) em += 0.25;
    else if ('mwMW%'.includes(ch)) em += 0.9;
    else if (ch >= 'A' && ch <= 'Z') em += 0.68;
    else em += 0.58;
  }
  return em * size;
}

/** `text` cut with « … » to fit `width` (the whole text stays in the table and titles). */
export function truncate(text: string, width: number, size = FONT): string {
  if (textWidth(text, size) <= width) return text;
  let cut = text;
  while (cut.length > 1 && textWidth(cut + '…', size) > width) cut = cut.slice(0, -1);
  return cut.trimEnd() + '…';
}

/** How a horizontal bar chart is laid out at a width. */
export interface BarLayout {
  width: number;
  /** Labels on their own line above each bar (narrow screens, long names), or in a
   * column on the left. */
  labelsAbove: boolean;
  /** Width of the label column (0 when labels are above). */
  labelWidth: number;
  /** Where bars start and how long the longest may be. */
  plotX: number;
  plotWidth: number;
  /** Room kept right of the bars for the value texts. */
  valueRoom: number;
  barHeight: number;
  /** Height of one category: its label line (if above), its bars, the gap. */
  rowHeight: number;
  /** Top of the first row (room for the reference line's label). */
  top: number;
  height: number;
}

export const BAR = 18;
const GAP = 10;
const LABEL_LINE = FONT + 6;

/**
 * The layout of `categories` rows of `bars` bars each (1 when stacked), labelled
 * `labels`, with value texts `values` drawn at the end of the bars. Labels go in a left
 * column when the longest takes at most 38 % of the width, else above their bars.
 */
export function barLayout(
  width: number,
  labels: string[],
  values: string[],
  bars = 1,
  withReference = false,
): BarLayout {
  const w = Math.max(width, 200);
  const longest = Math.max(0, ...labels.map((l) => textWidth(l)));
  const valueRoom = Math.max(0, ...values.map((v) => textWidth(v))) + 8;
  const labelsAbove = longest + 12 > w * 0.38;
  const labelWidth = labelsAbove ? 0 : Math.ceil(longest + 12);
  const plotX = labelWidth;
  const plotWidth = Math.max(40, w - plotX - valueRoom);
  const barHeight = BAR;
  const rowHeight = (labelsAbove ? LABEL_LINE : 0) + bars * barHeight + (bars - 1) * 2 + GAP;
  const top = withReference ? LABEL_LINE + 2 : 4;
  return {
    width: w,
    labelsAbove,
    labelWidth,
    plotX,
    plotWidth,
    valueRoom,
    barHeight,
    rowHeight,
    top,
    height: top + labels.length * rowHeight + 4,
  };
}

/** The y (top) of bar `j` of row `i`. */
export function barY(l: BarLayout, i: number, j = 0): number {
  return l.top + i * l.rowHeight + (l.labelsAbove ? LABEL_LINE : 0) + j * (l.barHeight + 2);
}

/** The baseline of row `i`'s label. */
export function labelY(l: BarLayout, i: number, bars = 1): number {
  if (l.labelsAbove) return l.top + i * l.rowHeight + FONT;
  const middle = barY(l, i) + (bars * l.barHeight + (bars - 1) * 2) / 2;
  return middle + FONT * 0.35;
}

/** Which of `n` evenly spaced tick labels of width `labelWidth` to show on an axis of
 * `axisWidth` pixels without two touching: every `step`-th, counting from the last (the
 * most recent month is always named). */
export function tickStep(n: number, axisWidth: number, labelWidth: number): number {
  if (n <= 1) return 1;
  const spacing = axisWidth / (n - 1);
  return Math.max(1, Math.ceil((labelWidth + 8) / spacing));
}

export function shownTicks(n: number, step: number): number[] {
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

/** A « nice » upper bound for values up to `max` (at least `floor`), and its ticks
 * for an axis `length` pixels long (one every 50 px or so). */
export function niceAxis(max: number, length: number, floor = 1): { max: number; ticks: number[] } {
  const count = Math.max(2, Math.floor(length / 50));
  const scale = scaleLinear().domain([0, Math.max(max, floor)]).nice(count);
  const top = scale.domain()[1];
  return { max: top, ticks: scale.ticks(count) };
}

/** Whether intervals `[start, start + width]` overlap, for the tests and for callers
 * that place labels themselves. */
export function overlaps(intervals: { start: number; width: number }[]): boolean {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].start + sorted[i - 1].width) return true;
  }
  return false;
}
