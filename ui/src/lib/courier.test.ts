import { describe, expect, it } from 'vitest';
import { allBundles, byDevice, shortDevice, stateKey, toVisit } from './courier';
import type { CourierView, CustodyView } from './relay-types';

const item = (p: Partial<CustodyView>): CustodyView => ({
  bundle: 'b',
  direction: 'to_server',
  device: 'd1',
  label: null,
  committee_id: null,
  committee_name: null,
  region: null,
  size: 100,
  part: 1,
  parts: 1,
  state: 'carried',
  code: null,
  message: null,
  note: null,
  taken_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-01T10:00:00Z',
  ...p,
});

const view: CourierView = {
  roster: null,
  to_server: [
    item({ bundle: 'u1', device: 'd1', label: 'Tablette 2', committee_name: 'CCS de Goundam', size: 1200 }),
    item({ bundle: 'u2', device: 'd1', label: 'Tablette 2', size: 800, updated_at: '2026-03-02T08:00:00Z' }),
  ],
  to_members: [
    item({ bundle: 'r1', direction: 'to_member', device: 'd2', label: 'Ménaka 1', size: 5000 }),
    item({ bundle: 'r3', direction: 'to_member', device: 'd1', size: 300 }),
  ],
  handed_on: [
    item({ bundle: 'u3', device: 'd2', label: 'Ménaka 1', state: 'forwarded' }),
    item({ bundle: 'u4', device: 'd3', state: 'refused' }),
    item({ bundle: 'r2', direction: 'to_member', device: 'd1', state: 'superseded' }),
  ],
  bytes_to_server: 2000,
  bytes_to_members: 5300,
};

describe('what the courier carries', () => {
  it('groups by device, labelled ones first by name, with counts, bytes and the latest date', () => {
    expect(byDevice(view)).toEqual([
      {
        device: 'd2',
        label: 'Ménaka 1',
        committee: null,
        upWaiting: 0,
        upBytes: 0,
        downWaiting: 1,
        downBytes: 5000,
        refused: 0,
        latest: '2026-03-01T10:00:00Z',
      },
      {
        device: 'd1',
        label: 'Tablette 2',
        committee: 'CCS de Goundam',
        upWaiting: 2,
        upBytes: 2000,
        downWaiting: 1,
        downBytes: 300,
        refused: 0,
        latest: '2026-03-02T08:00:00Z',
      },
      { device: 'd3', label: null, committee: null, upWaiting: 0, upBytes: 0, downWaiting: 0, downBytes: 0, refused: 1, latest: '2026-03-01T10:00:00Z' },
    ]);
  });

  it('devices to visit are those with return bundles carried', () => {
    expect(toVisit(view).map((d) => d.device)).toEqual(['d2', 'd1']);
  });

  it('lists what is carried before what was handed on', () => {
    expect(allBundles(view).map((i) => i.bundle)).toEqual(['u1', 'u2', 'r1', 'r3', 'u3', 'u4', 'r2']);
  });

  it('a carried bundle waits for the server or for a visit; others keep their state', () => {
    expect(stateKey(view.to_server[0])).toBe('carried_up');
    expect(stateKey(view.to_members[0])).toBe('carried_down');
    expect(stateKey(view.handed_on[1])).toBe('refused');
  });

  it('nothing carried, nothing listed; a device without a label gets a short neutral name', () => {
    expect(byDevice({ ...view, to_server: [], to_members: [], handed_on: [] })).toEqual([]);
    expect(shortDevice('0192f0c4-7b1e-7c3a-9d2e-5a6b7c8d9e0f')).toBe('0192f0c4');
  });
});
