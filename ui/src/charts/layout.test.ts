import { describe, expect, it } from 'vitest';
import { barLayout, barY, FONT, labelY, niceAxis, overlaps, shownTicks, textWidth, tickStep, truncate } from './layout';

const REGIONS = ['Tombouctou', 'Gao', 'Ménaka', 'Mopti', 'Ségou', 'Sikasso', 'Koulikoro', 'Kayes', 'District de Bamako', 'Taoudénit'];
const MONTHS = ['janv. 26', 'févr. 26', 'mars 26', 'avr. 26', 'mai 26', 'juin 26', 'juil. 26', 'août 26', 'sept. 26', 'oct. 26', 'nov. 26', 'déc. 26'];

describe('bar layout', () => {
  it.each([360, 420, 600, 1280])('at %d px nothing leaves the chart and numbers have room', (width) => {
    const values = REGIONS.map(() => '1\u202f234');
    const l = barLayout(width - 34, REGIONS, values, 2, true);
    // The longest bar and its number fit in the width.
    expect(l.plotX + l.plotWidth + l.valueRoom).toBeLessThanOrEqual(l.width + 0.5);
    expect(l.valueRoom).toBeGreaterThanOrEqual(textWidth('1\u202f234'));
    // Labels fit their column, or sit on their own line above the bars.
    if (!l.labelsAbove) expect(Math.max(...REGIONS.map((r) => textWidth(r)))).toBeLessThan(l.labelWidth);
    // Rows never overlap: each row's bars end before the next row's label starts.
    for (let i = 0; i + 1 < REGIONS.length; i++) {
      const lastBarBottom = barY(l, i, 1) + l.barHeight;
      const nextTop = l.labelsAbove ? labelY(l, i + 1) - FONT : barY(l, i + 1, 0);
      expect(lastBarBottom).toBeLessThan(nextTop);
    }
    expect(barY(l, REGIONS.length - 1, 1) + l.barHeight).toBeLessThanOrEqual(l.height);
  });

  it('puts long labels above their bars on a phone, in a column on a laptop', () => {
    const long = ['Conflit foncier agriculteurs-éleveurs', 'Trafics (armes/drogue/personnes)'];
    expect(barLayout(326, long, ['12']).labelsAbove).toBe(true);
    expect(barLayout(1200, long, ['12']).labelsAbove).toBe(false);
  });

  it('leaves bars a usable length even on the narrowest screen', () => {
    const l = barLayout(280, REGIONS, ['100\u00a0%']);
    expect(l.plotWidth).toBeGreaterThan(150);
  });
});

describe('truncate', () => {
  it('keeps a text that fits and cuts one that does not, with an ellipsis', () => {
    expect(truncate('Gao', 100)).toBe('Gao');
    const cut = truncate('Conflit foncier agriculteurs-éleveurs', 120);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut)).toBeLessThanOrEqual(120);
  });
});

describe('month ticks', () => {
  it.each([300, 360, 600, 1000])('at an axis of %d px the shown months never touch', (axis) => {
    const widest = Math.max(...MONTHS.map((m) => textWidth(m)));
    const step = tickStep(MONTHS.length, axis, widest);
    const shown = shownTicks(MONTHS.length, step);
    const spacing = axis / (MONTHS.length - 1);
    const boxes = shown.map((i) => ({ start: i * spacing - textWidth(MONTHS[i]) / 2, width: textWidth(MONTHS[i]) }));
    expect(overlaps(boxes)).toBe(false);
    // The latest month is always named.
    expect(shown[shown.length - 1]).toBe(MONTHS.length - 1);
    if (axis >= 1000) expect(step).toBe(1);
  });

  it('a single month is one tick', () => {
    expect(shownTicks(1, tickStep(1, 300, 50))).toEqual([0]);
  });
});

describe('nice axis', () => {
  it('rounds the top up and gives round ticks', () => {
    const a = niceAxis(87, 200);
    expect(a.max).toBe(100);
    expect(a.ticks[0]).toBe(0);
    expect(a.ticks[a.ticks.length - 1]).toBeLessThanOrEqual(a.max);
  });
  it('an empty chart still has an axis', () => {
    expect(niceAxis(0, 200).max).toBeGreaterThan(0);
  });
});

describe('overlaps', () => {
  it('finds touching boxes', () => {
    expect(overlaps([{ start: 0, width: 10 }, { start: 9, width: 5 }])).toBe(true);
    expect(overlaps([{ start: 0, width: 10 }, { start: 10, width: 5 }])).toBe(false);
  });
});
