import { describe, expect, it } from 'vitest';
import { byDevice, shortDevice, totalBytes, waitingForMembers, waitingForServer, type CustodyItem } from './courier';

const item = (p: Partial<CustodyItem>): CustodyItem => ({
  id: 'b',
  direction: 'up',
  device: 'd1',
  label: null,
  size: 100,
  state: 'held',
  taken_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-01T10:00:00Z',
  ...p,
});

const custody: CustodyItem[] = [
  item({ id: 'u1', device: 'd1', label: 'Tablette 2', size: 1200 }),
  item({ id: 'u2', device: 'd1', label: 'Tablette 2', size: 800, updated_at: '2026-03-02T08:00:00Z' }),
  item({ id: 'u3', device: 'd2', label: 'Ménaka 1', state: 'forwarded' }),
  item({ id: 'u4', device: 'd3', state: 'refused' }),
  item({ id: 'r1', direction: 'down', device: 'd2', label: 'Ménaka 1', size: 5000 }),
  item({ id: 'r2', direction: 'down', device: 'd1', label: 'Tablette 2', state: 'applied' }),
  item({ id: 'r3', direction: 'down', device: 'd1', state: 'delivered', size: 300 }),
];

describe('what the courier carries', () => {
  it('up-bundles without a receipt wait for the server', () => {
    expect(waitingForServer(custody).map((i) => i.id)).toEqual(['u1', 'u2']);
  });

  it('return bundles not yet applied wait for a visit (handed over ones too, until applied)', () => {
    expect(waitingForMembers(custody).map((i) => i.id)).toEqual(['r1', 'r3']);
  });

  it('groups by device, labelled ones first by name, with counts, bytes and the latest date', () => {
    expect(byDevice(custody)).toEqual([
      { device: 'd2', label: 'Ménaka 1', upWaiting: 0, upBytes: 0, downWaiting: 1, downBytes: 5000, refused: 0, latest: '2026-03-01T10:00:00Z' },
      { device: 'd1', label: 'Tablette 2', upWaiting: 2, upBytes: 2000, downWaiting: 1, downBytes: 300, refused: 0, latest: '2026-03-02T08:00:00Z' },
      { device: 'd3', label: null, upWaiting: 0, upBytes: 0, downWaiting: 0, downBytes: 0, refused: 1, latest: '2026-03-01T10:00:00Z' },
    ]);
  });

  it('nothing carried, nothing listed', () => {
    expect(byDevice([])).toEqual([]);
    expect(totalBytes([])).toBe(0);
  });

  it('sums sizes; a device without a label gets a short neutral name', () => {
    expect(totalBytes(waitingForServer(custody))).toBe(2000);
    expect(shortDevice('0192f0c4-7b1e-7c3a-9d2e-5a6b7c8d9e0f')).toBe('0192f0c4');
  });
});
