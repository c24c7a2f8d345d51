/**
 * Which fields each kind of record has, in the order the form and the detail screen show
 * them, and how each is entered: the Rust types of src/bindings (Session, Assessment,
 * Workshop, Recommendation, Committee) as data. The form (RecordForm.svelte) and the
 * read-only view walk the same sections, so both show every field.
 *
 * Labels are keys of the `records.fields` dictionary; value lists are the Rust type names
 * of `vocabulary().lists`.
 */
import type { RecordKind } from '../bindings/RecordKind';
import type { records } from '../i18n/fr/records';
import type { Fields } from './form';

export type LabelKey = keyof typeof records.fields;
export type HelpKey = keyof typeof records.help;
export type SectionKey = keyof typeof records.sections;

export type Input =
  | { type: 'text'; optional?: boolean }
  | { type: 'textarea' }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'date'; optional?: boolean }
  | { type: 'time' }
  | { type: 'select'; list: string; optional?: boolean }
  /** Several codes of a list, as check boxes. */
  | { type: 'checks'; list: string }
  | { type: 'bool' }
  /** An administrative unit (commune, cercle, region), searchable. `within` names the
   * field holding the parent unit that narrows the choice. */
  | { type: 'unit'; level: 'region' | 'cercle' | 'commune'; optional?: boolean; within?: string[] }
  /** The committee a new record belongs to (devices without a committee of their own). */
  | { type: 'committee' }
  /** One record of the same committee (a recommendation's origin). */
  | { type: 'record'; kinds: RecordKind[] }
  /** Several records of the same committee (a session's links). */
  | { type: 'records'; kinds: RecordKind[] }
  /** Counts per value of `list` (rows) × `columns`. */
  | { type: 'counts'; list: string; rowKey: string; columns: readonly string[]; totalColumns?: readonly string[] }
  /** A list of items, each with its own fields and an `id`. */
  | { type: 'items'; item: FieldSpec[]; make: 'agenda' | 'threat' | 'attendee'; itemLabel: LabelKey }
  /** Derived, shown only: whether the session has its quorum. */
  | { type: 'quorum' }
  /** Derived, shown only: a threat's score and level. */
  | { type: 'risk' }
  /** Shown only: the follow-up status changes of a recommendation. */
  | { type: 'status_history' };

export interface FieldSpec {
  /** Path in the form's fields, relative to the item for item fields. */
  path: string;
  label: LabelKey;
  input: Input;
  help?: HelpKey;
  /** Spans both columns of the wide layout. */
  wide?: boolean;
  /** Shown only when this holds (e.g. "specify" after "other"); still shown when it has a
   * value or an error. */
  when?: (fields: Fields) => boolean;
  /** Shown in the form only for new records (the committee of a new record). */
  newOnly?: boolean;
  /** Not shown in the form (read-only information). */
  viewOnly?: boolean;
}

export interface Section {
  key: SectionKey;
  fields: FieldSpec[];
}

const sensitivity: FieldSpec = {
  path: 'sensitivity',
  label: 'sensitivity',
  input: { type: 'select', list: 'Sensitivity' },
  help: 'sensitivity',
};

const committee: FieldSpec = { path: 'committee_id', label: 'committee_id', input: { type: 'committee' }, newOnly: true };

const is = (path: string, code: string) => (f: Fields) => f[path] === code;

export const SCHEMAS: { [K in RecordKind]: Section[] } = {
  session: [
    {
      key: 'general',
      fields: [
        committee,
        { path: 'session_type', label: 'session_type', input: { type: 'select', list: 'SessionType' } },
        { path: 'date', label: 'date', input: { type: 'date' } },
        { path: 'start_time', label: 'start_time', input: { type: 'time' } },
        { path: 'end_time', label: 'end_time', input: { type: 'time' } },
        { path: 'venue_type', label: 'venue_type', input: { type: 'select', list: 'VenueType' } },
        {
          path: 'venue_other',
          label: 'venue_other',
          input: { type: 'text', optional: true },
          when: is('venue_type', 'autre'),
        },
        { path: 'chaired_by', label: 'chaired_by', input: { type: 'select', list: 'ChairRole' }, help: 'chaired_by' },
        { path: 'minutes_status', label: 'minutes_status', input: { type: 'select', list: 'MinutesStatus' } },
        sensitivity,
      ],
    },
    {
      key: 'attendance',
      fields: [
        { path: 'invited', label: 'invited', input: { type: 'number', min: 0 } },
        { path: 'present', label: 'present', input: { type: 'number', min: 0 } },
        { path: 'quorum', label: 'quorum', input: { type: 'quorum' }, wide: true },
        {
          path: 'attendance',
          label: 'attendance',
          input: { type: 'counts', list: 'College', rowKey: 'college', columns: ['women', 'men'] },
          help: 'attendance',
          wide: true,
        },
      ],
    },
    {
      key: 'content',
      fields: [
        {
          path: 'agenda',
          label: 'agenda',
          wide: true,
          input: {
            type: 'items',
            make: 'agenda',
            itemLabel: 'agenda_item',
            item: [
              { path: 'theme', label: 'theme', input: { type: 'select', list: 'AgendaTheme' } },
              { path: 'notes', label: 'agenda_notes', input: { type: 'textarea' }, help: 'free_text', wide: true },
            ],
          },
        },
        { path: 'summary', label: 'summary', input: { type: 'textarea' }, help: 'free_text', wide: true },
        {
          path: 'linked_records',
          label: 'linked_records',
          input: { type: 'records', kinds: ['assessment', 'recommendation'] },
          help: 'linked_records',
          wide: true,
        },
      ],
    },
  ],

  assessment: [
    {
      key: 'general',
      fields: [
        committee,
        { path: 'date', label: 'date', input: { type: 'date' } },
        { path: 'period_start', label: 'period_start', input: { type: 'date' } },
        { path: 'period_end', label: 'period_end', input: { type: 'date' } },
        sensitivity,
      ],
    },
    {
      key: 'zone',
      fields: [
        { path: 'zone.commune', label: 'zone_commune', input: { type: 'unit', level: 'commune' } },
        { path: 'zone.locality', label: 'zone_locality', input: { type: 'text', optional: true }, help: 'locality' },
        { path: 'zone.road', label: 'zone_road', input: { type: 'text', optional: true } },
      ],
    },
    {
      key: 'threats',
      fields: [
        {
          path: 'threats',
          label: 'threats',
          wide: true,
          help: 'threats',
          input: {
            type: 'items',
            make: 'threat',
            itemLabel: 'threat_item',
            item: [
              { path: 'category', label: 'threat_category', input: { type: 'select', list: 'ThreatCategory' } },
              { path: 'place_type', label: 'place_type', input: { type: 'select', list: 'PlaceType' } },
              {
                path: 'suspected_actor',
                label: 'suspected_actor',
                input: { type: 'select', list: 'SuspectedActor' },
                help: 'suspected_actor',
              },
              { path: 'trend', label: 'trend', input: { type: 'select', list: 'Trend' } },
              { path: 'likelihood', label: 'likelihood', input: { type: 'number', min: 1, max: 5 } },
              { path: 'impact', label: 'impact', input: { type: 'number', min: 1, max: 5 } },
              { path: 'score', label: 'risk', input: { type: 'risk' }, wide: true },
              {
                path: 'vulnerable_groups',
                label: 'vulnerable_groups',
                input: { type: 'checks', list: 'VulnerableGroup' },
                wide: true,
              },
              {
                path: 'existing_capacities',
                label: 'existing_capacities',
                input: { type: 'textarea' },
                help: 'free_text',
                wide: true,
              },
              { path: 'source', label: 'source', input: { type: 'select', list: 'InformationSource' } },
              { path: 'reliability', label: 'reliability', input: { type: 'select', list: 'Reliability' } },
            ],
          },
        },
        { path: 'notes', label: 'notes', input: { type: 'textarea' }, help: 'free_text', wide: true },
      ],
    },
  ],

  workshop: [
    {
      key: 'general',
      fields: [
        committee,
        { path: 'workshop_type', label: 'workshop_type', input: { type: 'select', list: 'WorkshopType' } },
        { path: 'title', label: 'title', input: { type: 'text' } },
        { path: 'start_date', label: 'start_date', input: { type: 'date' } },
        { path: 'end_date', label: 'end_date', input: { type: 'date' } },
        { path: 'commune', label: 'commune', input: { type: 'unit', level: 'commune' } },
        { path: 'place', label: 'place', input: { type: 'text' } },
        { path: 'organizer', label: 'organizer', input: { type: 'text' } },
        { path: 'partner', label: 'partner', input: { type: 'select', list: 'Partner', optional: true } },
        {
          path: 'partner_other',
          label: 'partner_other',
          input: { type: 'text', optional: true },
          when: is('partner', 'autre'),
        },
        sensitivity,
        { path: 'themes', label: 'themes', input: { type: 'checks', list: 'WorkshopTheme' }, wide: true },
      ],
    },
    {
      key: 'participation',
      fields: [
        {
          path: 'participation',
          label: 'participation',
          input: {
            type: 'counts',
            list: 'ParticipantCategory',
            rowKey: 'category',
            columns: ['women', 'men', 'young_women', 'young_men'],
            totalColumns: ['women', 'men'],
          },
          help: 'participation',
          wide: true,
        },
        {
          path: 'attendees',
          label: 'attendees',
          help: 'attendees',
          wide: true,
          input: {
            type: 'items',
            make: 'attendee',
            itemLabel: 'attendee_item',
            item: [
              { path: 'pseudonym', label: 'pseudonym', input: { type: 'text' }, help: 'pseudonym' },
              { path: 'category', label: 'attendee_category', input: { type: 'select', list: 'ParticipantCategory' } },
              { path: 'sex', label: 'sex', input: { type: 'select', list: 'Sex' } },
              { path: 'youth', label: 'youth', input: { type: 'bool' } },
            ],
          },
        },
        { path: 'notes', label: 'notes', input: { type: 'textarea' }, help: 'free_text', wide: true },
      ],
    },
  ],

  recommendation: [
    {
      key: 'general',
      fields: [
        committee,
        {
          path: 'origin',
          label: 'origin',
          input: { type: 'record', kinds: ['session', 'assessment', 'workshop'] },
          help: 'origin',
        },
        { path: 'made_on', label: 'made_on', input: { type: 'date' } },
        { path: 'text', label: 'text', input: { type: 'textarea' }, help: 'free_text', wide: true },
        { path: 'addressee', label: 'addressee', input: { type: 'select', list: 'Addressee' } },
        {
          path: 'fds_corps',
          label: 'fds_corps',
          input: { type: 'select', list: 'FdsCorps', optional: true },
          when: is('addressee', 'fds'),
        },
        { path: 'domain', label: 'domain', input: { type: 'select', list: 'RecommendationDomain' } },
        { path: 'priority', label: 'priority', input: { type: 'select', list: 'Priority' } },
        { path: 'responsible', label: 'responsible', input: { type: 'text' }, help: 'responsible' },
        { path: 'due_date', label: 'due_date', input: { type: 'date', optional: true } },
        sensitivity,
      ],
    },
    {
      key: 'followup',
      fields: [
        { path: 'status', label: 'status', input: { type: 'select', list: 'RecommendationStatus' } },
        { path: 'evidence', label: 'evidence', input: { type: 'textarea' }, help: 'evidence', wide: true },
        { path: 'status_history', label: 'status_history', input: { type: 'status_history' }, wide: true, viewOnly: true },
      ],
    },
  ],

  committee: [
    {
      key: 'general',
      fields: [
        { path: 'name', label: 'name', input: { type: 'text' } },
        { path: 'level', label: 'level', input: { type: 'select', list: 'CommitteeLevel' } },
        { path: 'region', label: 'region', input: { type: 'unit', level: 'region' } },
        { path: 'cercle', label: 'cercle', input: { type: 'unit', level: 'cercle', optional: true, within: ['region'] } },
        {
          path: 'commune',
          label: 'commune',
          input: { type: 'unit', level: 'commune', optional: true, within: ['cercle', 'region'] },
        },
        { path: 'installed_on', label: 'installed_on', input: { type: 'date', optional: true } },
        sensitivity,
      ],
    },
    {
      key: 'membership',
      fields: [
        {
          path: 'membership',
          label: 'membership',
          input: { type: 'counts', list: 'College', rowKey: 'college', columns: ['women', 'men'] },
          wide: true,
        },
      ],
    },
  ],
};

/** Every field spec of a kind, items' fields included (with their list's path). */
export function allSpecs(kind: RecordKind): { spec: FieldSpec; parent: FieldSpec | null }[] {
  const out: { spec: FieldSpec; parent: FieldSpec | null }[] = [];
  for (const section of SCHEMAS[kind]) {
    for (const spec of section.fields) {
      out.push({ spec, parent: null });
      if (spec.input.type === 'items') for (const s of spec.input.item) out.push({ spec: s, parent: spec });
    }
  }
  return out;
}

/** The count tables of a kind, to map the backend's row indexes to codes. */
export function countTables(kind: RecordKind): { path: string; rowKey: string }[] {
  return allSpecs(kind)
    .filter(({ spec, parent }) => !parent && spec.input.type === 'counts')
    .map(({ spec }) => ({ path: spec.path, rowKey: (spec.input as { rowKey: string }).rowKey }));
}

/** The kinds of record a kind links to (a recommendation's origin, a session's
 * assessments and recommendations), to list them for the form and the detail. */
export function linkKinds(kind: RecordKind): RecordKind[] {
  const kinds = new Set<RecordKind>();
  for (const { spec } of allSpecs(kind))
    if (spec.input.type === 'record' || spec.input.type === 'records') spec.input.kinds.forEach((k) => kinds.add(k));
  return [...kinds];
}

/** Fields shown only: derived values, read-only history, the committee of a new record. */
const NOT_STORED = new Set(['quorum', 'risk', 'committee', 'status_history']);

/** The paths of the stored fields the form edits (for checking the schema against the
 * backend's fields). */
export function editedPaths(kind: RecordKind): string[] {
  return SCHEMAS[kind].flatMap((s) => s.fields.filter((f) => !NOT_STORED.has(f.input.type)).map((f) => f.path));
}

export interface PathLabel {
  /** The field's label key. */
  label: LabelKey | null;
  /** For an item's field: the list's item label key and the item's number (1-based). */
  item: { label: LabelKey; number: number } | null;
  /** For a count table's cell: the row code and the column. */
  cell: { code: string | null; column: string | null } | null;
}

/**
 * What a backend path names, to label an error or a conflict: `agenda[1].theme` is the
 * theme of agenda item 2; `attendance[0].men` a cell of the attendance table (its code
 * resolved by the caller, who has the rows); `zone.commune` the zone's commune.
 */
export function describePath(kind: RecordKind, path: string): PathLabel {
  const specs = SCHEMAS[kind].flatMap((s) => s.fields);
  const exact = specs.find((s) => s.path === path);
  if (exact) return { label: exact.label, item: null, cell: null };
  const m = /^([\w.]+)\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (m) {
    const list = specs.find((s) => s.path === m[1]);
    if (list?.input.type === 'items') {
      const sub = m[3] ? list.input.item.find((s) => s.path === m[3]) : undefined;
      return {
        label: sub?.label ?? list.label,
        item: { label: list.input.itemLabel, number: Number(m[2]) + 1 },
        cell: null,
      };
    }
    if (list?.input.type === 'counts') {
      return { label: list.label, item: null, cell: { code: null, column: m[3] ?? null } };
    }
    if (list) return { label: list.label, item: null, cell: null };
  }
  // A field inside an item without index, or unknown to this version.
  const head = specs.find((s) => path.startsWith(`${s.path}.`) || path.startsWith(`${s.path}[`));
  return { label: head?.label ?? null, item: null, cell: null };
}
