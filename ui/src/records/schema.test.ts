import { describe, expect, it } from 'vitest';
import type { AgendaItem } from '../bindings/AgendaItem';
import type { Attendee } from '../bindings/Attendee';
import type { RecordKind } from '../bindings/RecordKind';
import type { Threat } from '../bindings/Threat';
import { fr } from '../i18n/fr';
import { en } from '../i18n/en';
import { RECORD_KINDS } from '../lib/router';
import { NEW_FIELD_KEYS, VALUE_LIST_NAMES, VOCAB } from './fixtures';
import { pathName, displayAtPath, displayValue, type DisplayContext } from './display';
import { allSpecs, countTables, describePath, editedPaths, linkKinds, SCHEMAS } from './schema';

const KINDS = RECORD_KINDS as readonly RecordKind[];

describe('the schema covers every field of each kind', () => {
  it.each(KINDS)('%s: every field new_record gives is shown, and nothing else', (kind) => {
    const top = new Set(allSpecs(kind).filter((s) => !s.parent).map(({ spec }) => spec.path.split(/[.[]/)[0]));
    // Shown but not stored: derived values and the committee chosen for a new record.
    for (const derived of ['quorum', 'committee_id']) top.delete(derived);
    expect([...top].sort()).toEqual([...NEW_FIELD_KEYS[kind]].sort());
  });

  it('edits the stored fields only (derived and read-only fields are shown, not sent)', () => {
    expect(editedPaths('session')).not.toContain('quorum');
    expect(editedPaths('recommendation')).not.toContain('status_history');
    expect(editedPaths('assessment')).toEqual(expect.arrayContaining(['zone.commune', 'zone.locality', 'zone.road']));
  });

  it('item lists cover every field of their Rust type but the id', () => {
    const itemPaths = (kind: RecordKind, list: string) => {
      const spec = allSpecs(kind).find(({ spec, parent }) => !parent && spec.path === list)!.spec;
      if (spec.input.type !== 'items') throw new Error(list);
      return spec.input.item.map((s) => s.path).filter((p) => p !== 'score');
    };
    const threat: (keyof Threat)[] = ['category', 'place_type', 'suspected_actor', 'trend', 'likelihood', 'impact', 'vulnerable_groups', 'existing_capacities', 'source', 'reliability'];
    const agenda: (keyof AgendaItem)[] = ['theme', 'notes'];
    const attendee: (keyof Attendee)[] = ['pseudonym', 'category', 'sex', 'youth'];
    expect(itemPaths('assessment', 'threats').sort()).toEqual([...threat].sort());
    expect(itemPaths('session', 'agenda').sort()).toEqual([...agenda].sort());
    expect(itemPaths('workshop', 'attendees').sort()).toEqual([...attendee].sort());
  });

  it('names only value lists the backend gives', () => {
    for (const kind of KINDS) {
      for (const { spec } of allSpecs(kind)) {
        const input = spec.input as { list?: string };
        if (input.list) expect(VALUE_LIST_NAMES, `${kind}.${spec.path}`).toContain(input.list);
      }
    }
  });

  it('has a label in both languages for every field and section', () => {
    for (const kind of KINDS) {
      for (const section of SCHEMAS[kind]) {
        expect(fr.records.sections[section.key]).toBeTruthy();
        expect(en.records.sections[section.key]).toBeTruthy();
      }
      for (const { spec } of allSpecs(kind)) {
        expect(fr.records.fields[spec.label], spec.label).toBeTruthy();
        expect(en.records.fields[spec.label], spec.label).toBeTruthy();
        if (spec.help) expect(en.records.help[spec.help]).toBeTruthy();
      }
    }
  });

  it('has unique paths within a kind', () => {
    for (const kind of KINDS) {
      const paths = allSpecs(kind)
        .filter((s) => !s.parent)
        .map(({ spec }) => spec.path);
      expect(new Set(paths).size, kind).toBe(paths.length);
    }
  });

  it('knows which kinds each kind links to', () => {
    expect(linkKinds('session').sort()).toEqual(['assessment', 'recommendation']);
    expect(linkKinds('recommendation').sort()).toEqual(['assessment', 'session', 'workshop']);
    expect(linkKinds('workshop')).toEqual([]);
  });

  it('knows the count tables and their row keys', () => {
    expect(countTables('session')).toEqual([{ path: 'attendance', rowKey: 'college' }]);
    expect(countTables('workshop')).toEqual([{ path: 'participation', rowKey: 'category' }]);
    expect(countTables('committee')).toEqual([{ path: 'membership', rowKey: 'college' }]);
    expect(countTables('assessment')).toEqual([]);
  });

  it('shows the "specify" fields after "other" only', () => {
    const venueOther = allSpecs('session').find(({ spec }) => spec.path === 'venue_other')!.spec;
    expect(venueOther.when!({ venue_type: 'autre' })).toBe(true);
    expect(venueOther.when!({ venue_type: 'mairie' })).toBe(false);
    const corps = allSpecs('recommendation').find(({ spec }) => spec.path === 'fds_corps')!.spec;
    expect(corps.when!({ addressee: 'fds' })).toBe(true);
  });
});

describe('paths named for people', () => {
  const ctx: DisplayContext = { vocab: VOCAB, lang: 'fr', dict: fr.records, formatDate: (d) => `le ${d}` };

  it('resolves fields, list items and table cells', () => {
    expect(describePath('session', 'present')).toEqual({ label: 'present', item: null, cell: null });
    expect(describePath('session', 'agenda[1].theme')).toEqual({ label: 'theme', item: { label: 'agenda_item', number: 2 }, cell: null });
    expect(describePath('session', 'attendance[0].men')).toEqual({ label: 'attendance', item: null, cell: { code: null, column: 'men' } });
    expect(describePath('assessment', 'zone.commune').label).toBe('zone_commune');
    expect(describePath('session', 'nothing').label).toBeNull();
  });

  it('names them in the language shown', () => {
    expect(pathName('session', 'present', null, ctx)).toBe('Membres présents');
    expect(pathName('session', 'agenda[1].theme', null, ctx)).toBe('Point de l’ordre du jour n° 2 — Thème');
    expect(pathName('assessment', 'threats[0]', null, ctx)).toBe('Menace n° 1');
    expect(pathName('assessment', 'threats', null, ctx)).toBe('Menaces');
    expect(pathName('session', '', null, ctx)).toBe('Fiche');
    const fields = { attendance: [{ college: 'elus', women: -1, men: 0 }] };
    expect(pathName('session', 'attendance[0].women', fields, ctx)).toBe('Présents par collège — Élus, Femmes');
    expect(pathName('session', 'attendance', fields, ctx)).toBe('Présents par collège');
    expect(pathName('session', 'attendance[0].women', fields, { ...ctx, lang: 'en', dict: en.records })).toBe(
      'Present by member group — Elected officials, Women',
    );
    expect(pathName('session', 'mystery_field', null, ctx)).toBe('mystery_field');
  });
});

describe('values shown read-only', () => {
  const ctx: DisplayContext = {
    vocab: VOCAB,
    lang: 'fr',
    dict: fr.records,
    formatDate: (d) => `le ${d}`,
    recordTitle: (id) => (id === 'r1' ? 'Séance du 3 mars' : null),
  };

  it('labels codes, dates, units, booleans and links', () => {
    expect(displayValue({ type: 'select', list: 'SessionType' }, 'extraordinaire', ctx)).toBe('Extraordinaire');
    expect(displayValue({ type: 'select', list: 'SessionType' }, 'extraordinaire', { ...ctx, lang: 'en' })).toBe('Extraordinary');
    expect(displayValue({ type: 'select', list: 'SessionType' }, 'inconnu_ici', ctx)).toBe('inconnu_ici');
    expect(displayValue({ type: 'checks', list: 'VulnerableGroup' }, ['femmes', 'enfants'], ctx)).toBe('Femmes, Enfants');
    expect(displayValue({ type: 'date' }, '2025-03-03', ctx)).toBe('le 2025-03-03');
    expect(displayValue({ type: 'unit', level: 'commune' }, 'tombouctou/goundam/goundam', ctx)).toBe('Goundam');
    expect(displayValue({ type: 'bool' }, true, ctx)).toBe('Oui');
    expect(displayValue({ type: 'record', kinds: ['session'] }, 'r1', ctx)).toBe('Séance du 3 mars');
    expect(displayValue({ type: 'record', kinds: ['session'] }, 'r2', ctx)).toBe('Fiche liée (pas sur cet appareil)');
    expect(displayValue({ type: 'committee' }, 'c-1', ctx)).toBe('CCS de Goundam');
    expect(displayValue({ type: 'number' }, 0, ctx)).toBe('0');
    expect(displayValue({ type: 'text', optional: true }, null, ctx)).toBe('');
  });

  it('shows conflicting values by the field they belong to', () => {
    expect(displayAtPath('session', 'session_type', 'ordinaire_mensuelle', ctx)).toBe('Ordinaire mensuelle');
    expect(displayAtPath('session', 'agenda[0].theme', 'autre', ctx)).toBe('Autre');
    expect(displayAtPath('session', 'summary', 'Texte', ctx)).toBe('Texte');
    expect(displayAtPath('session', 'unknown', { a: 1 }, ctx)).toBe('{"a":1}');
  });
});
