import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../bindings/RecordSummary';
import { VOCAB } from './fixtures';
import { codes, committeeName, filterOptions, firstCode, fold, label, options, unitName, unitOptions } from './labels';
import { isNewSync } from './synced';
import { canCreate, EMPTY_FILTERS, hasFilters, pageInfo, recordTitle, rowFlags, toListFilter } from './list';

const summary = (patch: Partial<RecordSummary> = {}): RecordSummary => ({
  id: 'r1',
  kind: 'session',
  committee_id: 'c-1',
  region: 'tombouctou',
  cercle: 'tombouctou/goundam',
  commune: 'tombouctou/goundam/goundam',
  date: '2025-02-14',
  title: 'Séance ordinaire mensuelle du 14 février',
  title_en: 'Monthly ordinary session of 14 February',
  status: 'submitted',
  followup_status: null,
  sensitivity: 'restricted',
  read_only: false,
  error_count: 0,
  conflict_count: 0,
  updated_at: '2025-02-15T09:00:00Z',
  dirty: false,
  superseded_by: null,
  ...patch,
});

describe('list filter', () => {
  it('sends null for unset filters and the page', () => {
    expect(toListFilter('session', EMPTY_FILTERS, 0)).toEqual({
      kind: 'session',
      commune: null,
      date_from: null,
      date_to: null,
      status: null,
      text: null,
      offset: 0,
      limit: 25,
    });
  });

  it('sends what was chosen, trimmed', () => {
    const f = toListFilter(
      'assessment',
      { commune: 'tombouctou/goundam/goundam', from: '2025-01-01', to: '2025-03-31', status: 'needs_correction', text: '  marché ' },
      50,
    );
    expect(f).toMatchObject({
      kind: 'assessment',
      commune: 'tombouctou/goundam/goundam',
      date_from: '2025-01-01',
      date_to: '2025-03-31',
      status: 'needs_correction',
      text: 'marché',
      offset: 50,
    });
  });

  it('turns a period typed backwards round', () => {
    const f = toListFilter('session', { ...EMPTY_FILTERS, from: '2025-03-31', to: '2025-01-01' }, 0);
    expect([f.date_from, f.date_to]).toEqual(['2025-01-01', '2025-03-31']);
  });

  it('knows whether any filter is set', () => {
    expect(hasFilters(EMPTY_FILTERS)).toBe(false);
    expect(hasFilters({ ...EMPTY_FILTERS, text: ' ' })).toBe(false);
    expect(hasFilters({ ...EMPTY_FILTERS, status: 'draft' })).toBe(true);
  });
});

describe('paging', () => {
  it('says which rows are shown and where the other pages start', () => {
    expect(pageInfo(0, 25, 60)).toEqual({ first: 1, last: 25, total: 60, hasPrevious: false, hasNext: true, previousOffset: 0, nextOffset: 25 });
    expect(pageInfo(50, 10, 60)).toMatchObject({ first: 51, last: 60, hasPrevious: true, hasNext: false, previousOffset: 25 });
    expect(pageInfo(0, 0, 0)).toMatchObject({ first: 0, last: 0, hasPrevious: false, hasNext: false });
  });
});

describe('rows', () => {
  it('titles in the language shown, falling back to the other', () => {
    expect(recordTitle(summary(), 'fr')).toBe('Séance ordinaire mensuelle du 14 février');
    expect(recordTitle(summary(), 'en')).toBe('Monthly ordinary session of 14 February');
    expect(recordTitle(summary({ title_en: '' }), 'en')).toBe('Séance ordinaire mensuelle du 14 février');
    expect(recordTitle(summary({ title: '', title_en: '' }), 'fr')).toBe('');
  });

  it('flags errors, conflicts, unsynced and read-only records', () => {
    expect(rowFlags(summary({ error_count: 2, conflict_count: 1, dirty: true, read_only: true }))).toEqual({
      errors: 2,
      conflicts: 1,
      notSynced: true,
      readOnly: true,
    });
  });

  it('lets members create everything but committees', () => {
    expect(canCreate('member', 'session')).toBe(true);
    expect(canCreate('member', 'committee')).toBe(false);
    expect(canCreate('facilitator', 'committee')).toBe(false);
    expect(canCreate('reviewer', 'committee')).toBe(true);
    expect(canCreate('admin', 'committee')).toBe(true);
    expect(canCreate(null, 'session')).toBe(false);
  });
});

describe('vocabulary labels', () => {
  it('gives options and labels in the language shown', () => {
    expect(options(VOCAB, 'SessionType', 'fr')).toEqual([
      { code: 'ordinaire_mensuelle', label: 'Ordinaire mensuelle' },
      { code: 'extraordinaire', label: 'Extraordinaire' },
    ]);
    expect(label(VOCAB, 'ReviewStatus', 'needs_correction', 'fr')).toBe('À corriger');
    expect(label(VOCAB, 'ReviewStatus', 'needs_correction', 'en')).toBe('Needs correction');
    expect(label(VOCAB, 'ReviewStatus', 'from_the_future', 'fr')).toBe('from_the_future');
    expect(label(VOCAB, 'ReviewStatus', null, 'fr')).toBe('');
    expect(label(null, 'ReviewStatus', 'draft', 'fr')).toBe('draft');
    expect(codes(VOCAB, 'College')).toEqual(['fds', 'elus', 'femmes']);
    expect(codes(VOCAB, 'Nope')).toEqual([]);
    expect(firstCode(VOCAB, 'AgendaTheme')).toBe('evaluation_situation');
    expect(committeeName(VOCAB, 'c-1')).toBe('CCS de Goundam');
  });

  it('names units and lists communes with their cercle and region, sorted', () => {
    expect(unitName(VOCAB, 'tombouctou/goundam/goundam')).toBe('Goundam');
    expect(unitName(VOCAB, 'x/y')).toBe('x/y');
    const communes = unitOptions(VOCAB, 'commune', { until: (d) => `jusqu’au ${d}` });
    expect(communes.map((c) => c.label)).toEqual([
      'Alafia (Tombouctou, Tombouctou)',
      'Goundam (Goundam, Tombouctou)',
      'Ménaka (Ménaka, Gao) — jusqu’au 2023-03-13',
    ]);
  });

  it('narrows units to those under a parent', () => {
    expect(unitOptions(VOCAB, 'cercle', { parent: 'gao' }).map((u) => u.code)).toEqual(['gao/menaka']);
    expect(unitOptions(VOCAB, 'commune', { parent: 'tombouctou/goundam' }).map((u) => u.code)).toEqual([
      'tombouctou/goundam/goundam',
    ]);
    expect(unitOptions(VOCAB, 'commune', { parent: 'tombouctou' })).toHaveLength(2);
  });

  it('searches without accents, by word starts, keeping the selected one', () => {
    const communes = unitOptions(VOCAB, 'commune');
    expect(fold('  Ménaka ')).toBe('menaka');
    expect(filterOptions(communes, 'mena').map((c) => c.code)).toEqual(['gao/menaka/menaka']);
    expect(filterOptions(communes, 'gao').map((c) => c.code)).toEqual(['gao/menaka/menaka']);
    expect(filterOptions(communes, 'tomb al').map((c) => c.code)).toEqual(['tombouctou/tombouctou/alafia']);
    expect(filterOptions(communes, 'zzz', 'tombouctou/goundam/goundam').map((c) => c.code)).toEqual([
      'tombouctou/goundam/goundam',
    ]);
    expect(filterOptions(communes, '')).toHaveLength(3);
  });
});

describe('following syncs', () => {
  it('refreshes after a sync completes, not when the state is first known or unchanged', () => {
    expect(isNewSync(undefined, '2025-03-01T10:00:00Z')).toBe(false);
    expect(isNewSync('2025-03-01T10:00:00Z', '2025-03-01T10:00:00Z')).toBe(false);
    expect(isNewSync('2025-03-01T10:00:00Z', '2025-03-01T11:00:00Z')).toBe(true);
    expect(isNewSync(null, '2025-03-01T11:00:00Z')).toBe(true);
    expect(isNewSync('2025-03-01T10:00:00Z', null)).toBe(false);
  });
});
