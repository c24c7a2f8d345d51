import { describe, expect, it } from 'vitest';
import { contrast, FLOW, REFERENCE, RISK, SERIES } from './palette';

describe('chart colours', () => {
  const all = { ...Object.fromEntries(SERIES.map((c, i) => [`series ${i}`, c])), ...RISK, ...FLOW, reference: REFERENCE };
  it.each(Object.entries(all))('%s (%s) stands out from white at 3:1 at least', (_name, colour) => {
    expect(contrast(colour, '#ffffff')).toBeGreaterThanOrEqual(3);
  });
  it('risk levels get darker as they get worse', () => {
    const order = [RISK.low, RISK.medium, RISK.high, RISK.very_high].map((c) => contrast(c, '#ffffff'));
    expect(order[3]).toBeGreaterThan(order[0]);
  });
  it('contrast is symmetric and black on white is 21', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 0);
    expect(contrast('#0b4a8f', '#ffffff')).toBeCloseTo(contrast('#ffffff', '#0b4a8f'));
  });
});
