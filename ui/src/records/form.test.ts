import { describe, expect, it } from 'vitest';
import type { FieldError } from '../bindings/FieldError';
import {
  changedFields,
  cloneFields,
  countGrid,
  draftFields,
  errorsByPath,
  fieldId,
  getIn,
  gridToRows,
  inputPathOf,
  moveItem,
  newAgendaItem,
  newAttendee,
  newItemId,
  newThreat,
  parsePath,
  participationSummary,
  PARTICIPATION_COLUMNS,
  PARTICIPATION_TOTAL_COLUMNS,
  removeAt,
  setCount,
  setIn,
  tableErrorCell,
  toCount,
  toggleCode,
  toOptional,
  toTime,
  toVerify,
  PRESET_CHOICES,
  warningsByPath,
  type Fields,
} from './form';

const COLLEGES = ['fds', 'autorites_administratives', 'elus', 'femmes', 'jeunes'];
const err = (path: string, fr = 'erreur'): FieldError => ({ code: 'x', path, message: { fr, en: fr } });

describe('paths', () => {
  it('reads paths with objects and list indexes', () => {
    expect(parsePath('agenda[1].theme')).toEqual(['agenda', 1, 'theme']);
    expect(parsePath('zone.commune')).toEqual(['zone', 'commune']);
    expect(parsePath('present')).toEqual(['present']);
    expect(parsePath('a[0][2].b')).toEqual(['a', 0, 2, 'b']);
  });

  it('gets values, undefined for missing steps', () => {
    const f = { zone: { commune: 'x' }, agenda: [{ theme: 'a' }, { theme: 'b' }] };
    expect(getIn(f, 'zone.commune')).toBe('x');
    expect(getIn(f, 'agenda[1].theme')).toBe('b');
    expect(getIn(f, 'agenda[5].theme')).toBeUndefined();
    expect(getIn(f, 'nothing.here')).toBeUndefined();
    expect(getIn(null, 'a')).toBeUndefined();
  });

  it('sets values in place, creating objects but never lists', () => {
    const f: Fields = { agenda: [{ theme: 'a', notes: '' }] };
    expect(setIn(f, 'agenda[0].notes', 'n')).toBe(true);
    expect(setIn(f, 'zone.locality', 'Toya')).toBe(true);
    expect(setIn(f, 'threats[0].impact', 3)).toBe(false);
    expect(f).toEqual({ agenda: [{ theme: 'a', notes: 'n' }], zone: { locality: 'Toya' } });
  });

  it('makes DOM ids from paths', () => {
    expect(fieldId('agenda[1].theme')).toBe('f-agenda-1-theme');
    expect(fieldId('attendance.fds.men')).toBe('f-attendance-fds-men');
  });
});

describe('normalisation of what inputs give', () => {
  it.each([
    ['12', 12],
    ['', 0],
    ['  ', 0],
    ['abc', 0],
    ['3.7', 3],
    ['2,5', 2],
    ['-4', -4],
    [7, 7],
    [Number.NaN, 0],
    [null, 0],
    [undefined, 0],
  ])('count %j → %j', (raw, n) => {
    expect(toCount(raw as string)).toBe(n);
  });

  it('optional texts are null when empty, kept as typed otherwise', () => {
    expect(toOptional('')).toBeNull();
    expect(toOptional('   ')).toBeNull();
    expect(toOptional(null)).toBeNull();
    expect(toOptional(' Toya ')).toBe(' Toya ');
  });

  it('times are HH:MM or null', () => {
    expect(toTime('09:30')).toBe('09:30');
    expect(toTime('9:05')).toBe('09:05');
    expect(toTime('14:15:00')).toBe('14:15');
    expect(toTime('')).toBeNull();
  });

  it('ticked codes follow the list order and keep unknown ones', () => {
    const all = ['femmes', 'enfants', 'jeunes'];
    expect(toggleCode([], 'jeunes', true, all)).toEqual(['jeunes']);
    expect(toggleCode(['jeunes'], 'femmes', true, all)).toEqual(['femmes', 'jeunes']);
    expect(toggleCode(['femmes', 'jeunes'], 'femmes', false, all)).toEqual(['jeunes']);
    expect(toggleCode(['nouveau'], 'enfants', true, all)).toEqual(['enfants', 'nouveau']);
    expect(toggleCode(null, 'enfants', true, all)).toEqual(['enfants']);
  });

  it('never sends the follow-up history (the backend appends it from the status)', () => {
    const fields = { text: 'x', status: 'transmise', status_history: [{ id: 'a', at: 't', by_device: 'd', status: 'proposee' }] };
    expect(draftFields(fields)).toEqual({ text: 'x', status: 'transmise' });
    expect(fields.status_history).toHaveLength(1);
  });

  it('clones fields deeply', () => {
    const src = { attendance: [{ college: 'fds', women: 1, men: 2 }] };
    const copy = cloneFields(src);
    (copy.attendance as { men: number }[])[0].men = 9;
    expect(src.attendance[0].men).toBe(2);
    expect(cloneFields(null)).toEqual({});
  });
});

describe('attendance table', () => {
  const rows = [
    { college: 'elus', women: 1, men: 3 },
    { college: 'fds', women: 0, men: 4 },
  ];

  it('has one row per college in the list order, zeros where nothing was counted', () => {
    const g = countGrid(rows, 'college', COLLEGES, ['women', 'men']);
    expect(g.rows.map((r) => r.code)).toEqual(COLLEGES);
    expect(g.rows[0]).toEqual({ code: 'fds', cells: { women: 0, men: 4 }, total: 4 });
    expect(g.rows[2]).toEqual({ code: 'elus', cells: { women: 1, men: 3 }, total: 4 });
    expect(g.rows[3].total).toBe(0);
  });

  it('totals rows and columns', () => {
    const g = countGrid(rows, 'college', COLLEGES, ['women', 'men']);
    expect(g.totals).toEqual({ women: 1, men: 7 });
    expect(g.total).toBe(8);
  });

  it('keeps rows of colleges this version does not know, after the known ones', () => {
    const g = countGrid([...rows, { college: 'nouveau', women: 2, men: 0 }], 'college', COLLEGES, ['women', 'men']);
    expect(g.rows[g.rows.length - 1]).toEqual({ code: 'nouveau', cells: { women: 2, men: 0 }, total: 2 });
    expect(g.total).toBe(10);
  });

  it('goes back to rows with only the non-zero ones, in the list order', () => {
    const g = countGrid(rows, 'college', COLLEGES, ['women', 'men']);
    expect(gridToRows(g, 'college', ['women', 'men'])).toEqual([
      { college: 'fds', women: 0, men: 4 },
      { college: 'elus', women: 1, men: 3 },
    ]);
  });

  it('one cell changed: adds the row, updates it, drops it when all zero', () => {
    let r = setCount([], 'college', COLLEGES, ['women', 'men'], 'fds', 'men', 4);
    expect(r).toEqual([{ college: 'fds', women: 0, men: 4 }]);
    r = setCount(r, 'college', COLLEGES, ['women', 'men'], 'femmes', 'women', 2);
    expect(r).toEqual([
      { college: 'fds', women: 0, men: 4 },
      { college: 'femmes', women: 2, men: 0 },
    ]);
    r = setCount(r, 'college', COLLEGES, ['women', 'men'], 'fds', 'men', 0);
    expect(r).toEqual([{ college: 'femmes', women: 2, men: 0 }]);
  });

  it('treats missing or null rows as an empty table', () => {
    expect(countGrid(null, 'college', COLLEGES, ['women', 'men']).total).toBe(0);
    expect(setCount(undefined, 'college', COLLEGES, ['women', 'men'], 'jeunes', 'women', 1)).toEqual([
      { college: 'jeunes', women: 1, men: 0 },
    ]);
  });

  it('keeps the first of duplicate rows (the backend reports the duplicate)', () => {
    const g = countGrid(
      [
        { college: 'fds', women: 1, men: 1 },
        { college: 'fds', women: 5, men: 5 },
      ],
      'college',
      COLLEGES,
      ['women', 'men'],
    );
    expect(g.rows[0].total).toBe(2);
  });
});

describe('participation table', () => {
  const CATS = ['police_nationale', 'elu', 'membre_ccs'];
  const rows = [
    { category: 'elu', women: 10, men: 20, young_women: 4, young_men: 6 },
    { category: 'police_nationale', women: 2, men: 8, young_women: 0, young_men: 3 },
  ];

  it('row totals add women and men only: youth are parts of them', () => {
    const g = countGrid(rows, 'category', CATS, PARTICIPATION_COLUMNS, PARTICIPATION_TOTAL_COLUMNS);
    expect(g.rows.find((r) => r.code === 'elu')!.total).toBe(30);
    expect(g.total).toBe(40);
    expect(g.totals).toEqual({ women: 12, men: 28, young_women: 4, young_men: 9 });
  });

  it('summarises as partners report it', () => {
    const g = countGrid(rows, 'category', CATS, PARTICIPATION_COLUMNS, PARTICIPATION_TOTAL_COLUMNS);
    expect(participationSummary(g)).toEqual({ total: 40, women: 12, youth: 13 });
  });

  it('sends only categories with a count, every column present', () => {
    const r = setCount(rows, 'category', CATS, PARTICIPATION_COLUMNS, 'membre_ccs', 'young_men', 1);
    expect(r).toEqual([
      { category: 'police_nationale', women: 2, men: 8, young_women: 0, young_men: 3 },
      { category: 'elu', women: 10, men: 20, young_women: 4, young_men: 6 },
      { category: 'membre_ccs', women: 0, men: 0, young_women: 0, young_men: 1 },
    ]);
  });
});

describe('what an edit sends', () => {
  const base: Fields = {
    invited: 20,
    summary: 'Calme',
    zone: { commune: 'c', locality: null },
    threats: [{ id: 'a', likelihood: 2 }],
  };

  it('sends nothing when nothing changed, whatever the key order', () => {
    const same = cloneFields(base);
    same.zone = { locality: null, commune: 'c' };
    expect(changedFields(same, base)).toEqual({});
  });

  it('sends only the changed top-level fields, each whole', () => {
    const f = cloneFields(base);
    f.summary = 'Calme en ville';
    (f.zone as Fields).locality = 'Hondo';
    expect(changedFields(f, base)).toEqual({ summary: 'Calme en ville', zone: { commune: 'c', locality: 'Hondo' } });
  });

  it('sends a list of items as the user left it (added, removed, changed)', () => {
    const f = cloneFields(base);
    f.threats = [{ id: 'b', likelihood: 5 }];
    expect(changedFields(f, base)).toEqual({ threats: [{ id: 'b', likelihood: 5 }] });
  });

  it('sends a field the base did not have, and a field cleared to null', () => {
    const f = cloneFields(base);
    f.committee_id = 'x';
    f.invited = null;
    expect(changedFields(f, base)).toEqual({ committee_id: 'x', invited: null });
  });
});

describe('errors and warnings by path', () => {
  const errors = [err('present'), err('threats'), err('threats[0].impact'), err('threats_extra'), err('zone.commune')];

  it('finds errors at a path, or inside it', () => {
    const by = errorsByPath(errors);
    expect(by.at('present')).toHaveLength(1);
    expect(by.at('invited')).toHaveLength(0);
    expect(by.under('threats').map((e) => e.path)).toEqual(['threats', 'threats[0].impact']);
    expect(by.under('zone').map((e) => e.path)).toEqual(['zone.commune']);
    expect(errorsByPath(null).at('x')).toEqual([]);
  });

  it('finds warnings the same way', () => {
    const w = warningsByPath([{ path: 'summary', held: false, warning: { kind: 'phone', excerpt: '76 12 34 56', message: { fr: 'a', en: 'b' } } }]);
    expect(w.at('summary')).toHaveLength(1);
    expect(w.at('agenda[0].notes')).toHaveLength(0);
  });

  it('places an error of a count table on the cell of the row code', () => {
    const rows = [
      { college: 'fds', women: 0, men: 4 },
      { college: 'elus', women: -1, men: 0 },
    ];
    expect(tableErrorCell('attendance[1].women', 'attendance', rows, 'college')).toEqual({ code: 'elus', column: 'women' });
    expect(tableErrorCell('attendance[0]', 'attendance', rows, 'college')).toEqual({ code: 'fds', column: null });
    expect(tableErrorCell('attendance', 'attendance', rows, 'college')).toEqual({ code: null, column: null });
    expect(tableErrorCell('present', 'attendance', rows, 'college')).toBeNull();
    expect(tableErrorCell('attendance_x', 'attendance', rows, 'college')).toBeNull();
  });

  it("gives the input a table error points at (the cell's data-field)", () => {
    const fields = { attendance: [{ college: 'femmes', women: -2, men: 0 }] };
    const tables = [{ path: 'attendance', rowKey: 'college' }];
    expect(inputPathOf('attendance[0].women', fields, tables)).toBe('attendance.femmes.women');
    expect(inputPathOf('attendance', fields, tables)).toBe('attendance');
    expect(inputPathOf('present', fields, tables)).toBe('present');
  });
});

describe('list items', () => {
  const first = (list: string) => ({ AgendaTheme: 'evaluation_situation', ThreatCategory: 'groupes_armes', PlaceType: 'village_fraction', Trend: 'nouvelle', InformationSource: 'constat_direct', ParticipantCategory: 'police_nationale' })[list] ?? '';

  it('makes item ids as UUID strings, different each time', () => {
    const a = newItemId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(newItemId()).not.toBe(a);
  });

  it('makes new items valid for the backend', () => {
    expect(newAgendaItem(first)).toMatchObject({ theme: 'evaluation_situation', notes: '' });
    const threat = newThreat(first);
    expect(threat).toMatchObject({ category: 'groupes_armes', likelihood: 1, impact: 1, suspected_actor: 'inconnu', reliability: 'non_verifiee', vulnerable_groups: [] });
    expect(Object.keys(threat).sort()).toEqual(
      ['id', 'category', 'place_type', 'suspected_actor', 'trend', 'likelihood', 'impact', 'vulnerable_groups', 'existing_capacities', 'source', 'reliability'].sort(),
    );
    expect(newAttendee(first)).toMatchObject({ pseudonym: '', category: 'police_nationale', sex: 'f', youth: false });
  });

  it('removes and moves items', () => {
    expect(removeAt(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
    expect(removeAt(null, 0)).toEqual([]);
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
    expect(moveItem(['a', 'b', 'c'], 2, -2)).toEqual(['c', 'a', 'b']);
  });
});

describe('choices she never made are « à vérifier » until she touches them', () => {
  it('a new session marks its pre-filled type, venue, chair, minutes status and sensitivity', () => {
    expect(toVerify('session', true, new Set())).toEqual([
      'session_type',
      'venue_type',
      'chaired_by',
      'minutes_status',
      'sensitivity',
    ]);
  });

  it('a touched choice is no longer marked, the others stay', () => {
    expect(toVerify('session', true, new Set(['venue_type', 'sensitivity']))).toEqual([
      'session_type',
      'chaired_by',
      'minutes_status',
    ]);
    expect(toVerify('session', true, new Set(PRESET_CHOICES.session))).toEqual([]);
  });

  it('a record that exists already has nothing to check', () => {
    expect(toVerify('session', false, new Set())).toEqual([]);
  });

  it('every kind marks its sensitivity or its first choice', () => {
    for (const kind of ['session', 'assessment', 'workshop', 'recommendation', 'committee'] as const) {
      expect(toVerify(kind, true, new Set()).length, kind).toBeGreaterThan(0);
    }
  });
});
