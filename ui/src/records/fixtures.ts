/**
 * Test data for the record screens' unit tests: a small vocabulary in the backend's
 * shape (`Vocabulary`), and the fields `new_record` starts each kind with
 * (core/src/app/templates.rs, `new_fields`).
 */
import type { RecordKind } from '../bindings/RecordKind';
import type { Vocabulary } from '../bindings/Vocabulary';

const list = (name: string, values: [string, string, string][]) => ({
  name,
  values: values.map(([code, fr, en]) => ({ code, fr, en })),
});

export const VOCAB: Vocabulary = {
  lists: [
    list('RecordKind', [
      ['session', 'Séance', 'Session'],
      ['assessment', 'Évaluation sécuritaire', 'Threat assessment'],
      ['recommendation', 'Recommandation', 'Recommendation'],
    ]),
    list('College', [
      ['fds', 'FDS', 'Security forces'],
      ['elus', 'Élus', 'Elected officials'],
      ['femmes', 'Femmes/associations féminines', 'Women'],
    ]),
    list('SessionType', [
      ['ordinaire_mensuelle', 'Ordinaire mensuelle', 'Monthly ordinary'],
      ['extraordinaire', 'Extraordinaire', 'Extraordinary'],
    ]),
    list('AgendaTheme', [
      ['evaluation_situation', 'Évaluation de la situation sécuritaire', 'Security situation assessment'],
      ['autre', 'Autre', 'Other'],
    ]),
    list('RiskLevel', [
      ['faible', 'Faible', 'Low'],
      ['moyen', 'Moyen', 'Medium'],
      ['eleve', 'Élevé', 'High'],
      ['tres_eleve', 'Très élevé', 'Very high'],
    ]),
    list('VulnerableGroup', [
      ['femmes', 'Femmes', 'Women'],
      ['enfants', 'Enfants', 'Children'],
    ]),
    list('ReviewStatus', [
      ['draft', 'Non soumis', 'Not submitted'],
      ['submitted', 'Soumis', 'Submitted'],
      ['needs_correction', 'À corriger', 'Needs correction'],
    ]),
  ],
  units: [
    { code: 'tombouctou', level: 'region', name: 'Tombouctou', parent: null, valid_from: null, valid_to: null, dataset_version: '2023.1' },
    { code: 'gao', level: 'region', name: 'Gao', parent: null, valid_from: null, valid_to: null, dataset_version: '2023.1' },
    {
      code: 'tombouctou/goundam',
      level: 'cercle',
      name: 'Goundam',
      parent: 'tombouctou',
      valid_from: null,
      valid_to: null,
      dataset_version: '2023.1',
    },
    {
      code: 'tombouctou/goundam/goundam',
      level: 'commune',
      name: 'Goundam',
      parent: 'tombouctou/goundam',
      valid_from: null,
      valid_to: null,
      dataset_version: '2023.1',
    },
    {
      code: 'tombouctou/tombouctou/alafia',
      level: 'commune',
      name: 'Alafia',
      parent: 'tombouctou/tombouctou',
      valid_from: null,
      valid_to: null,
      dataset_version: '2023.1',
    },
    {
      code: 'tombouctou/tombouctou',
      level: 'cercle',
      name: 'Tombouctou',
      parent: 'tombouctou',
      valid_from: null,
      valid_to: null,
      dataset_version: '2023.1',
    },
    { code: 'gao/menaka', level: 'cercle', name: 'Ménaka', parent: 'gao', valid_from: null, valid_to: '2023-03-13', dataset_version: '2023.1' },
    {
      code: 'gao/menaka/menaka',
      level: 'commune',
      name: 'Ménaka',
      parent: 'gao/menaka',
      valid_from: null,
      valid_to: '2023-03-13',
      dataset_version: '2023.1',
    },
  ],
  committees: [{ id: 'c-1', name: 'CCS de Goundam', region: 'tombouctou', commune: 'tombouctou/goundam/goundam' }],
  thresholds: { medium: 5, high: 10, very_high: 17 },
};

/** The keys `new_fields` gives each kind (templates.rs), `sensitivity` included. */
export const NEW_FIELD_KEYS: { [K in RecordKind]: string[] } = {
  session: [
    'session_type',
    'date',
    'start_time',
    'end_time',
    'venue_type',
    'venue_other',
    'chaired_by',
    'agenda',
    'invited',
    'present',
    'attendance',
    'summary',
    'minutes_status',
    'linked_records',
    'sensitivity',
  ],
  assessment: ['date', 'period_start', 'period_end', 'zone', 'threats', 'notes', 'sensitivity'],
  workshop: [
    'workshop_type',
    'title',
    'themes',
    'organizer',
    'partner',
    'partner_other',
    'start_date',
    'end_date',
    'commune',
    'place',
    'participation',
    'attendees',
    'notes',
    'sensitivity',
  ],
  recommendation: [
    'origin',
    'made_on',
    'text',
    'addressee',
    'fds_corps',
    'domain',
    'priority',
    'responsible',
    'due_date',
    'status_history',
    'evidence',
    'status',
    'sensitivity',
  ],
  committee: ['level', 'name', 'region', 'cercle', 'commune', 'installed_on', 'membership', 'sensitivity'],
};

/** The value lists `vocabulary()` gives (templates.rs, `value_lists`). */
export const VALUE_LIST_NAMES = [
  'RecordKind',
  'Sensitivity',
  'Role',
  'CommitteeLevel',
  'College',
  'Sex',
  'SessionType',
  'VenueType',
  'ChairRole',
  'AgendaTheme',
  'MinutesStatus',
  'ThreatCategory',
  'PlaceType',
  'SuspectedActor',
  'Trend',
  'RiskLevel',
  'VulnerableGroup',
  'InformationSource',
  'Reliability',
  'WorkshopType',
  'WorkshopTheme',
  'Partner',
  'ParticipantCategory',
  'Addressee',
  'FdsCorps',
  'RecommendationDomain',
  'Priority',
  'RecommendationStatus',
  'Decision',
  'ReviewStatus',
];
