import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import type { InboxItem } from '../bindings/InboxItem';
import type { InboxPage } from '../bindings/InboxPage';
import {
  chips,
  EMPTY_FORM,
  formFromQuery,
  formToQuery,
  inboxFilter,
  inboxForm,
  isFiltered,
  nextAfter,
  position,
} from './inbox';

function item(id: string, days = 0): InboxItem {
  return {
    summary: {
      id,
      kind: 'session',
      committee_id: 'c',
      region: 'tombouctou',
      cercle: null,
      commune: null,
      date: '2026-11-05',
      title: id,
      title_en: id,
      status: 'submitted',
      followup_status: null,
      sensitivity: 'restricted',
      read_only: false,
      error_count: 0,
      conflict_count: 0,
      updated_at: '2026-11-05T00:00:00Z',
      dirty: false,
      superseded_by: null,
    },
    reason: 'submitted',
    waiting_since: '2026-11-05T00:00:00.000Z',
    waiting_days: days,
  };
}

describe('inbox filter', () => {
  it('sends nothing for « tous » and only valid values', () => {
    expect(inboxFilter(EMPTY_FORM)).toEqual({
      region: null,
      committee_id: null,
      kind: null,
      date_from: null,
      date_to: null,
      older_than_days: null,
      limit: 50,
      offset: 0,
    });
    const f = inboxFilter(
      { region: 'gao', committee: 'c1', kind: 'assessment', from: '2026-10-01', to: '2026-12-31', age: '7' },
      100,
      100,
    );
    expect(f).toEqual({
      region: 'gao',
      committee_id: 'c1',
      kind: 'assessment',
      date_from: '2026-10-01',
      date_to: '2026-12-31',
      older_than_days: 7,
      limit: 100,
      offset: 100,
    });
  });

  it('leaves out a kind, a date or an age that is not one', () => {
    const f = inboxFilter({ ...EMPTY_FORM, kind: 'meeting', from: '01/10/2026', age: '-3' });
    expect([f.kind, f.date_from, f.older_than_days]).toEqual([null, null, null]);
    expect(inboxFilter({ ...EMPTY_FORM, age: 'abc' }).older_than_days).toBeNull();
  });

  it('knows when a filter is set and round-trips through a query string', () => {
    expect(isFiltered(EMPTY_FORM)).toBe(false);
    const form = { ...EMPTY_FORM, region: 'tombouctou', age: '14' };
    expect(isFiltered(form)).toBe(true);
    expect(formToQuery(form)).toBe('region=tombouctou&age=14');
    expect(formFromQuery(formToQuery(form))).toEqual(form);
    expect(formFromQuery('')).toEqual(EMPTY_FORM);
  });

  it('keeps the chosen filters between the list and a record', () => {
    inboxForm.set({ ...EMPTY_FORM, kind: 'workshop' });
    expect(get(inboxForm).kind).toBe('workshop');
    inboxForm.set({ ...EMPTY_FORM });
  });
});

describe('« Suivant »', () => {
  const before = [item('a', 9), item('b', 5), item('c', 2), item('d', 1)];

  it('goes to the record after the one decided on, which has left the inbox', () => {
    const now = [item('a', 9), item('c', 2), item('d', 1)].filter((i) => i.summary.id !== 'b');
    expect(nextAfter(before, now, 'b')).toBe('c');
  });

  it('skips records decided meanwhile on another device', () => {
    const now = [item('a', 9), item('d', 1)];
    expect(nextAfter(before, now, 'b')).toBe('d');
  });

  it('skips a record without deciding: the next one, not itself', () => {
    expect(nextAfter(before, before, 'b')).toBe('c');
  });

  it('wraps to the first still waiting after the last one, and ends when none is left', () => {
    expect(nextAfter(before, [item('a', 9)], 'd')).toBe('a');
    expect(nextAfter(before, [], 'd')).toBeNull();
    expect(nextAfter(before, [item('d', 1)], 'd')).toBeNull();
  });

  it('works for a record opened from a link, not in the list seen', () => {
    expect(nextAfter([], before, 'x')).toBe('a');
  });

  it('tells where a record stands', () => {
    expect(position(before, 'c')).toBe(3);
    expect(position(before, 'x')).toBeNull();
  });
});

describe('chips', () => {
  it('lists the counts largest first', () => {
    const page: InboxPage = {
      items: [],
      total: 6,
      offset: 0,
      limit: 50,
      by_region: [
        { key: 'gao', count: 1 },
        { key: 'tombouctou', count: 4 },
        { key: 'kidal', count: 1 },
      ],
      by_kind: [],
    };
    expect(chips(page, 'by_region').map((c) => c.key)).toEqual(['tombouctou', 'gao', 'kidal']);
    expect(chips(null, 'by_kind')).toEqual([]);
  });
});
