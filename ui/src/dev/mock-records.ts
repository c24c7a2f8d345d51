/**
 * The record commands of the dev-only mock backend (see mock-backend.ts): vocabulary,
 * lists, forms with autosave and a few of the backend's validation rules, review
 * decisions, conflicts. Made-up data; shapes are the generated bindings. Never part of
 * `ui/dist`.
 */
import type { Derived } from '../bindings/Derived';
import type { DraftInput } from '../bindings/DraftInput';
import type { DraftOutcome } from '../bindings/DraftOutcome';
import type { DraftView } from '../bindings/DraftView';
import type { FieldError } from '../bindings/FieldError';
import type { FieldWarning } from '../bindings/FieldWarning';
import type { ListFilter } from '../bindings/ListFilter';
import type { Page } from '../bindings/Page';
import type { RecordKind } from '../bindings/RecordKind';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { RecordView } from '../bindings/RecordView';
import type { ReviewStatus } from '../bindings/ReviewStatus';
import type { Role } from '../bindings/Role';
import type { TrailEntry } from '../bindings/TrailEntry';
import type { Vocabulary } from '../bindings/Vocabulary';

type Fields = { [k: string]: unknown };
const msg = (fr: string, en: string) => ({ fr, en });
const L = (name: string, values: string) => ({
  name,
  values: values.split('|').map((v) => {
    const [code, fr, en] = v.split(':');
    return { code, fr, en: en ?? fr };
  }),
});

const VOCAB: Vocabulary = {
  lists: [
    L('RecordKind', 'session:Séance:Session|assessment:Évaluation sécuritaire:Threat assessment|workshop:Atelier:Workshop|recommendation:Recommandation:Recommendation|committee:Comité:Committee'),
    L('Sensitivity', 'public:Public|restricted:Restreint:Restricted|confidential:Confidentiel:Confidential'),
    L('Role', 'member:Membre du CCS:CCS member|facilitator:Facilitateur régional:Regional facilitator|reviewer:Examinateur CRSS:CRSS reviewer|admin:Administrateur:Administrator'),
    L('CommitteeLevel', 'regional:Régional:Regional|communal:Communal|district:District de Bamako:Bamako District'),
    L('College', 'fds:FDS:Security forces|autorites_administratives:Autorités administratives:Administrative authorities|elus:Élus:Elected officials|chefs_traditionnels:Chefs traditionnels/coutumiers:Traditional chiefs|leaders_religieux:Leaders religieux:Religious leaders|societe_civile:Société civile:Civil society|femmes:Femmes/associations féminines:Women|jeunes:Jeunes:Youth|justice:Justice|chasseurs:Chasseurs:Hunters|partenaires:Partenaires:Partners'),
    L('Sex', 'f:Femme:Woman|h:Homme:Man'),
    L('SessionType', 'ordinaire_mensuelle:Ordinaire mensuelle:Monthly ordinary|extraordinaire:Extraordinaire:Extraordinary|installation:Installation|commission_thematique:Commission thématique:Thematic commission'),
    L('VenueType', 'mairie:Mairie:Town hall|gouvernorat:Gouvernorat:Governorate|prefecture:Préfecture:Prefecture|conseil_de_cercle:Conseil de cercle:Cercle council|autre:Autre:Other'),
    L('ChairRole', 'gouverneur:Gouverneur:Governor|maire:Maire:Mayor|adjoint_au_maire:Adjoint au maire:Deputy mayor|prefet:Préfet:Prefect|autre:Autre:Other'),
    L('AgendaTheme', 'evaluation_situation:Évaluation de la situation sécuritaire:Security situation|diagnostic_local:Diagnostic local de sécurité:Local security diagnosis|suivi_recommandations:Suivi des recommandations:Follow-up of recommendations|sensibilisation:Sensibilisation:Awareness|police_de_proximite:Police de proximité:Community policing|cohesion_sociale:Cohésion sociale/conflits:Social cohesion|deplaces:Déplacés:Displaced people|autre:Autre:Other'),
    L('MinutesStatus', 'brouillon:Brouillon:Draft|adopte:Adopté:Adopted|signe:Signé:Signed|transmis:Transmis:Sent'),
    L('ThreatCategory', 'groupes_armes:Groupes armés/terrorisme:Armed groups|banditisme:Banditisme/braquages:Banditry|enlevements:Enlèvements:Kidnappings|eei_mines:EEI/mines:IEDs/mines|vol_de_betail:Vol de bétail:Cattle theft|conflit_intercommunautaire:Conflit intercommunautaire:Intercommunal conflict|conflit_foncier:Conflit foncier agriculteurs-éleveurs:Land conflict|conflit_eau_paturage:Conflit eau/pâturage:Water/pasture conflict|vbg:VBG:GBV|trafics:Trafics:Trafficking|criminalite_urbaine:Criminalité urbaine:Urban crime|blocus:Blocus/restriction de mouvement:Blockade|tensions_fds_population:Tensions FDS-population:Security forces-population tensions|catastrophe_naturelle:Catastrophe naturelle:Natural disaster|autre:Autre:Other'),
    L('PlaceType', 'village_fraction:Village/fraction|quartier:Quartier:Quarter|axe_routier:Axe routier:Road|marche_foire:Marché/foire:Market|point_d_eau:Point d’eau:Water point|paturage_couloir:Pâturage/couloir de transhumance:Pasture|frontiere:Frontière:Border|site_de_deplaces:Site de déplacés:Displacement site|ecole:École:School|autre:Autre:Other'),
    L('SuspectedActor', 'groupe_arme:Groupe armé:Armed group|milice_autodefense:Milice/autodéfense:Militia|criminels:Criminels:Criminals|membres_communaute:Membres de la communauté:Community members|inconnu:Inconnu:Unknown'),
    L('Trend', 'nouvelle:Nouvelle:New|en_hausse:En hausse:Rising|stable:Stable|en_baisse:En baisse:Falling'),
    L('RiskLevel', 'faible:Faible:Low|moyen:Moyen:Medium|eleve:Élevé:High|tres_eleve:Très élevé:Very high'),
    L('VulnerableGroup', 'femmes:Femmes:Women|enfants:Enfants:Children|jeunes:Jeunes:Youth|deplaces:Déplacés:Displaced|eleveurs:Éleveurs/transhumants:Herders|commercants:Commerçants:Traders|elus_agents_etat:Élus/agents de l’État:Officials|personnes_handicapees:Personnes handicapées:People with disabilities'),
    L('InformationSource', 'constat_direct:Constat direct:Direct observation|communaute:Communauté:Community|fds:FDS:Security forces|autorites:Autorités:Authorities|medias:Médias:Media|rumeur:Rumeur:Rumour'),
    L('Reliability', 'confirmee:Confirmée:Confirmed|probable:Probable|non_verifiee:Non vérifiée:Unverified'),
    L('WorkshopType', 'formation:Formation:Training|installation_ccs:Installation de CCS:CCS installation|vulgarisation_sn_rss:Vulgarisation de la SN-RSS:SN-RSS outreach|dialogue:Dialogue|journee_de_confiance:Journée de confiance FDS-population:Trust day'),
    L('WorkshopTheme', 'generalites_rss:Généralités RSS:SSR basics|sn_rss_plan:SN-RSS et plan d’actions:SN-RSS|roles_ccs:Rôles et responsabilités des CCS:Roles of CCS|coproduction_securite:Coproduction de la sécurité:Security co-production|police_de_proximite:Police de proximité:Community policing|menaces_defis:Menaces et défis:Threats|missions_fds:Missions des FDS:Missions of the security forces|genre:Genre:Gender'),
    L('Partner', 'pnud_prosmed:PNUD/PROSMED:UNDP/PROSMED|minusma:MINUSMA|dcaf:DCAF|eucap_sahel:EUCAP Sahel|onu_femmes:ONU Femmes:UN Women|autre:Autre:Other'),
    L('ParticipantCategory', 'police_nationale:Police nationale:National police|gendarmerie_nationale:Gendarmerie nationale:Gendarmerie|garde_nationale:Garde nationale:National guard|fama:FAMa:Armed forces|protection_civile:Protection civile:Civil protection|elu:Élu(e):Elected official|autorite_administrative:Autorité administrative:Administrative authority|representante_femmes:Représentante des femmes:Women’s representative|representant_jeunes:Représentant(e) des jeunes:Youth representative|membre_ccs:Membre CCS:CCS member|chef_traditionnel:Chef traditionnel:Traditional chief|leader_religieux:Leader religieux:Religious leader|societe_civile:Société civile:Civil society|justice:Justice|medias:Médias:Media|autre:Autre:Other'),
    L('Addressee', 'maire_conseil:Maire/conseil communal:Mayor/council|prefet:Préfet/sous-préfet:Prefect|gouverneur:Gouverneur:Governor|fds:FDS:Security forces|justice:Justice|autorites_traditionnelles:Autorités traditionnelles:Traditional authorities|societe_civile:Société civile:Civil society|crss:CRSS|partenaires:Partenaires:Partners|ccs:CCS'),
    L('FdsCorps', 'police_nationale:Police nationale:National police|gendarmerie_nationale:Gendarmerie nationale:Gendarmerie|garde_nationale:Garde nationale:National guard|fama:FAMa:Armed forces|protection_civile:Protection civile:Civil protection'),
    L('RecommendationDomain', 'patrouilles:Patrouilles/présence FDS:Patrols|eclairage_infrastructures:Éclairage/infrastructures:Lighting|sensibilisation_radio:Sensibilisation/radio:Awareness|mediation_cohesion:Médiation/cohésion:Mediation|logistique_fds:Logistique FDS:Logistics|protection_vbg:Protection/VBG:Protection/GBV|deplaces:Déplacés:Displaced|justice:Justice|autre:Autre:Other'),
    L('Priority', 'haute:Haute:High|moyenne:Moyenne:Medium|basse:Basse:Low'),
    L('RecommendationStatus', 'proposee:Proposée:Proposed|adoptee:Adoptée:Adopted|transmise:Transmise:Sent|en_cours:En cours:In progress|realisee:Réalisée:Done|partiellement_realisee:Partiellement réalisée:Partly done|non_realisee:Non réalisée:Not done|caduque:Caduque:Lapsed'),
    L('Decision', 'submitted:Soumis:Submitted|validated:Validé par le facilitateur:Validated by the facilitator|approved:Approuvé CRSS:Approved by the CRSS|needs_correction:À corriger:Needs correction|reopened:Rouvert:Reopened'),
    L('ReviewStatus', 'draft:Non soumis:Not submitted|submitted:Soumis:Submitted|validated:Validé:Validated|approved:Approuvé:Approved|needs_correction:À corriger:Needs correction|reopened:Rouvert:Reopened'),
  ],
  units: [
    ['region', 'tombouctou', 'Tombouctou'],
    ['region', 'gao', 'Gao'],
    ['region', 'menaka', 'Ménaka'],
    ['cercle', 'tombouctou/tombouctou', 'Tombouctou'],
    ['cercle', 'tombouctou/goundam', 'Goundam'],
    ['cercle', 'tombouctou/dire', 'Diré'],
    ['cercle', 'gao/ansongo', 'Ansongo'],
    ['cercle', 'menaka/menaka', 'Ménaka'],
    ['commune', 'tombouctou/tombouctou/alafia', 'Alafia'],
    ['commune', 'tombouctou/goundam/goundam', 'Goundam'],
    ['commune', 'tombouctou/dire/dire', 'Diré'],
    ['commune', 'tombouctou/goundam/soboundou', 'Soboundou'],
    ['commune', 'gao/ansongo/ansongo', 'Ansongo'],
    ['commune', 'menaka/menaka/menaka', 'Ménaka'],
  ].map(([level, code, name]) => ({
    code,
    level: level as 'region' | 'cercle' | 'commune',
    name,
    parent: code.includes('/') ? code.slice(0, code.lastIndexOf('/')) : null,
    valid_from: null,
    valid_to: null,
    dataset_version: '2023.1',
  })),
  committees: [
    { id: '0192f0c4-0000-7000-8000-0000000000cc', name: 'CCS de Goundam', region: 'tombouctou', commune: 'tombouctou/goundam/goundam' },
    { id: '0192f0c4-0000-7000-8000-0000000000cd', name: 'CCS d’Alafia', region: 'tombouctou', commune: 'tombouctou/tombouctou/alafia' },
  ],
  thresholds: { medium: 5, high: 10, very_high: 17 },
};

const GOUNDAM = '0192f0c4-0000-7000-8000-0000000000cc';
const COMMUNE = 'tombouctou/goundam/goundam';
const ME = 'this_device';

interface Stored {
  summary: RecordSummary;
  fields: Fields;
  trail: TrailEntry[];
  draft: { id: string; body: Fields } | null;
  /** A copy without history: the record it replaced. */
  copyOf?: string;
}

/** A rough stand-in for what core computes (the real rules live in Rust only). */
function mockDerived(kind: RecordKind, f: Fields, decisions: Derived['decisions'] = []): Derived {
  const invited = Number(f.invited ?? 0);
  const present = Number(f.present ?? 0);
  const threats = (Array.isArray(f.threats) ? f.threats : []) as { id: string; likelihood: number; impact: number; category: string }[];
  const level = (s: number) => (s >= 17 ? 'tres_eleve' : s >= 10 ? 'eleve' : s >= 5 ? 'moyen' : 'faible');
  const forced = threats.some((t) => t.category === 'tensions_fds_population') || (Array.isArray(f.attendees) && f.attendees.length > 0);
  return {
    quorum: kind !== 'session' ? null : invited <= 0 || present > invited ? 'unknown' : present * 2 > invited ? 'reached' : 'not_reached',
    present,
    invited,
    threats: threats.map((t) => {
      const ok = [t.likelihood, t.impact].every((v) => Number.isInteger(v) && v >= 1 && v <= 5);
      return { id: t.id, score: ok ? t.likelihood * t.impact : null, level: ok ? level(t.likelihood * t.impact) : null };
    }),
    effective_sensitivity: forced ? 'confidential' : ((f.sensitivity as Derived['effective_sensitivity']) ?? 'restricted'),
    forced_confidential: forced,
    decisions,
  };
}

const records = new Map<string, Stored>();
const drafts = new Map<string, { kind: RecordKind; record_id: string | null; body: Fields; updated_at: string }>();
let seq = 100;
const newId = () => `0192f0c4-0000-7000-8000-${String(++seq).padStart(12, '0')}`;
const today = () => new Date().toISOString().slice(0, 10);

function template(kind: RecordKind): Fields {
  const t = today();
  switch (kind) {
    case 'session':
      return { session_type: 'ordinaire_mensuelle', date: t, start_time: null, end_time: null, venue_type: 'mairie', venue_other: null, chaired_by: 'gouverneur', agenda: [], invited: 0, present: 0, attendance: [], summary: '', minutes_status: 'brouillon', linked_records: [], sensitivity: 'restricted' };
    case 'assessment':
      return { date: t, period_start: t, period_end: t, zone: { commune: COMMUNE, locality: null, road: null }, threats: [], notes: '', sensitivity: 'restricted' };
    case 'workshop':
      return { workshop_type: 'formation', title: '', themes: [], organizer: 'CRSS', partner: null, partner_other: null, start_date: t, end_date: t, commune: COMMUNE, place: '', participation: [], attendees: [], notes: '', sensitivity: 'public' };
    case 'recommendation':
      return { origin: null, made_on: t, text: '', addressee: 'maire_conseil', fds_corps: null, domain: 'patrouilles', priority: 'haute', responsible: '', due_date: null, status_history: [], evidence: '', status: 'proposee', sensitivity: 'restricted' };
    case 'committee':
      return { level: 'regional', name: '', region: '', cercle: null, commune: null, installed_on: null, membership: [], sensitivity: 'public' };
  }
}

function validate(kind: RecordKind, f: Fields): FieldError[] {
  const e: FieldError[] = [];
  const push = (path: string, fr: string, en: string) => e.push({ code: 'mock', path, message: msg(fr, en) });
  const required = (path: string) => {
    if (typeof f[path] !== 'string' || (f[path] as string).trim() === '') push(path, 'Ce champ est obligatoire.', 'This field is required.');
  };
  if (kind === 'session') {
    const invited = Number(f.invited);
    const present = Number(f.present);
    if (present > invited)
      push('present', `${present} présents pour ${invited} invités : il ne peut y avoir plus de présents que d'invités.`, `${present} present for ${invited} invited: there cannot be more present than invited.`);
    const rows = (f.attendance as { women: number; men: number }[]) ?? [];
    rows.forEach((r, i) => {
      if (r.women < 0) push(`attendance[${i}].women`, 'Un nombre ne peut pas être négatif.', 'A count cannot be negative.');
      if (r.men < 0) push(`attendance[${i}].men`, 'Un nombre ne peut pas être négatif.', 'A count cannot be negative.');
    });
    const total = rows.reduce((n, r) => n + r.women + r.men, 0);
    if (total > 0 && total !== present)
      push('attendance', `Le total par collège (${total}) diffère du nombre de présents (${present}).`, `The total by college (${total}) differs from the number present (${present}).`);
    if (f.venue_type === 'autre' && !f.venue_other) push('venue_other', 'Précisez lorsque « Autre » est choisi.', 'Specify when “Other” is chosen.');
    if (typeof f.date === 'string' && f.date > today()) push('date', 'La date ne peut pas être dans le futur.', 'The date cannot be in the future.');
  }
  if (kind === 'assessment') {
    const threats = (f.threats as { likelihood: number; impact: number }[]) ?? [];
    if (threats.length === 0) push('threats', 'Ajoutez au moins une menace.', 'Add at least one threat.');
    threats.forEach((t, i) => {
      for (const k of ['likelihood', 'impact'] as const)
        if (!(t[k] >= 1 && t[k] <= 5)) push(`threats[${i}].${k}`, `Valeur ${t[k]} hors de l'échelle 1 à 5.`, `Value ${t[k]} outside the 1 to 5 scale.`);
    });
  }
  if (kind === 'workshop') required('title');
  if (kind === 'recommendation') {
    required('text');
    if (f.addressee === 'fds' && !f.fds_corps) push('fds_corps', 'Précisez le corps des FDS concerné.', 'Specify which security force is addressed.');
  }
  if (kind === 'committee') {
    required('name');
    required('region');
  }
  return e;
}

function warnings(f: Fields, prefix = ''): FieldWarning[] {
  const out: FieldWarning[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string') {
      const phone = /(\+?223[\s.]?)?\b\d{2}[\s.]?\d{2}[\s.]?\d{2}[\s.]?\d{2}\b/.exec(v);
      if (phone) out.push({ path, held: false, warning: { kind: 'phone', excerpt: phone[0], message: msg('Ceci ressemble à un numéro de téléphone : ne notez pas de numéros.', 'This looks like a phone number: do not write numbers down.') } });
      const name = /\b(M\.|Mme|Monsieur|Madame)\s+\p{Lu}\p{L}+/u.exec(v);
      if (name) out.push({ path, held: false, warning: { kind: 'name', excerpt: name[0], message: msg('Ceci ressemble à un nom de personne : écrivez une fonction plutôt qu’un nom.', 'This looks like a person’s name: write a role instead.') } });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) if (k !== 'id' && !k.endsWith('_id')) walk(x, path ? `${path}.${k}` : k);
  };
  walk(f, prefix);
  return out;
}

function titleOf(kind: RecordKind, f: Fields): [string, string] {
  switch (kind) {
    case 'session':
      return [`Séance du ${f.date}`, `Session of ${f.date}`];
    case 'assessment':
      return [`Évaluation du ${f.date}`, `Assessment of ${f.date}`];
    case 'workshop':
      return [String(f.title || 'Atelier'), String(f.title || 'Workshop')];
    case 'recommendation':
      return [String(f.text || 'Recommandation').slice(0, 60), String(f.text || 'Recommendation').slice(0, 60)];
    case 'committee':
      return [String(f.name || 'Comité'), String(f.name || 'Committee')];
  }
}

function statusOf(trail: TrailEntry[]): ReviewStatus {
  // A copy's own event (declassified, purged) does not change the status, as in core.
  const decisions = trail.map((e) => e.decision).filter((d) => d !== 'declassified' && d !== 'purged');
  return (decisions[decisions.length - 1] as ReviewStatus | undefined) ?? 'draft';
}

function put(id: string, kind: RecordKind, fields: Fields, trail: TrailEntry[] = [], extra: Partial<RecordSummary> = {}): Stored {
  const [title, title_en] = titleOf(kind, fields);
  const s: Stored = {
    fields,
    trail,
    draft: null,
    summary: {
      id,
      kind,
      committee_id: kind === 'committee' ? id : GOUNDAM,
      region: 'tombouctou',
      cercle: 'tombouctou/goundam',
      commune: COMMUNE,
      date: (fields.date ?? fields.made_on ?? fields.start_date ?? fields.installed_on ?? null) as string | null,
      title,
      title_en,
      status: statusOf(trail),
      followup_status: kind === 'recommendation' ? (fields.status as RecordSummary['followup_status']) : null,
      sensitivity: fields.sensitivity as RecordSummary['sensitivity'],
      read_only: false,
      error_count: 0,
      conflict_count: 0,
      updated_at: new Date().toISOString(),
      dirty: true,
      superseded_by: null,
      ...extra,
    },
  };
  records.set(id, s);
  return s;
}

// Demo records.
{
  const ev = (decision: TrailEntry['decision'], role: Role, comment: string | null, mine: boolean, at: string): TrailEntry => ({
    at,
    decision,
    role,
    comment,
    by_this_device: mine,
    device: mine ? ME : '9d2e5a',
  });
  put('0192f0c4-0000-7000-8000-000000000001', 'session', {
    ...template('session'),
    date: '2025-02-14',
    start_time: '09:30',
    end_time: '12:00',
    invited: 23,
    present: 15,
    attendance: [
      { college: 'fds', women: 0, men: 4 },
      { college: 'elus', women: 1, men: 5 },
      { college: 'femmes', women: 2, men: 0 },
      { college: 'jeunes', women: 1, men: 2 },
    ],
    agenda: [
      { id: 'a1', theme: 'evaluation_situation', notes: 'Situation calme au marché.' },
      { id: 'a2', theme: 'suivi_recommandations', notes: '' },
    ],
    summary: 'Situation calme au marché ; patrouille conjointe prévue.',
    linked_records: ['0192f0c4-0000-7000-8000-000000000003'],
  }, [ev('submitted', 'member', null, true, '2025-02-15T08:00:00Z'), ev('needs_correction', 'reviewer', 'Préciser le nombre de présents FDS.', false, '2025-02-20T10:00:00Z')]);
  put('0192f0c4-0000-7000-8000-000000000002', 'assessment', {
    ...template('assessment'),
    date: '2025-02-10',
    period_start: '2025-01-10',
    period_end: '2025-02-10',
    threats: [
      { id: 't1', category: 'banditisme', place_type: 'axe_routier', suspected_actor: 'criminels', trend: 'en_hausse', likelihood: 4, impact: 3, vulnerable_groups: ['commercants'], existing_capacities: 'Patrouilles de la gendarmerie le jour du marché.', source: 'communaute', reliability: 'probable' },
      { id: 't2', category: 'tensions_fds_population', place_type: 'marche_foire', suspected_actor: 'inconnu', trend: 'stable', likelihood: 2, impact: 4, vulnerable_groups: [], existing_capacities: '', source: 'rumeur', reliability: 'non_verifiee' },
    ],
  }, [ev('submitted', 'member', null, true, '2025-02-11T08:00:00Z')], { error_count: 1, conflict_count: 1 });
  put('0192f0c4-0000-7000-8000-000000000003', 'recommendation', {
    ...template('recommendation'),
    made_on: '2025-02-14',
    text: 'Organiser des patrouilles conjointes les jours de marché.',
    addressee: 'fds',
    fds_corps: 'gendarmerie_nationale',
    responsible: 'Commandant de brigade',
    origin: '0192f0c4-0000-7000-8000-000000000001',
    status: 'transmise',
    status_history: [
      { id: 's1', at: '2025-02-14T12:00:00Z', by_device: 'x', status: 'proposee' },
      { id: 's2', at: '2025-02-16T12:00:00Z', by_device: 'x', status: 'transmise' },
    ],
  }, [ev('submitted', 'member', null, true, '2025-02-15T08:00:00Z'), ev('validated', 'facilitator', 'RAS', false, '2025-02-16T08:00:00Z'), ev('approved', 'reviewer', null, false, '2025-02-18T08:00:00Z')]);
  put('0192f0c4-0000-7000-8000-000000000004', 'workshop', {
    ...template('workshop'),
    title: 'Formation des membres du CCS',
    start_date: '2025-01-20',
    end_date: '2025-01-22',
    place: 'Salle de la mairie',
    partner: 'pnud_prosmed',
    themes: ['roles_ccs', 'genre'],
    participation: [
      { category: 'membre_ccs', women: 5, men: 15, young_women: 2, young_men: 4 },
      { category: 'police_nationale', women: 1, men: 3, young_women: 0, young_men: 1 },
    ],
  });
}

function view(id: string, role: Role): RecordView {
  const r = records.get(id);
  if (!r) throw { code: 'record.not_found', message: msg('Fiche introuvable.', 'Record not found.'), fields: [] };
  const status = statusOf(r.trail);
  const decisions: RecordView['decisions'] = [];
  const may = (d: RecordView['decisions'][number]) =>
    role === 'admin' ||
    (role === 'member' && d === 'submitted') ||
    (role === 'facilitator' && (d === 'validated' || d === 'needs_correction')) ||
    (role === 'reviewer' && (d === 'approved' || d === 'needs_correction')) ||
    d === 'reopened';
  const from: { [d: string]: ReviewStatus[] } = {
    submitted: ['draft', 'needs_correction', 'reopened'],
    validated: ['submitted'],
    approved: ['submitted', 'validated'],
    needs_correction: ['submitted', 'validated'],
    reopened: ['validated', 'approved', 'needs_correction'],
  };
  for (const d of ['submitted', 'validated', 'approved', 'needs_correction', 'reopened'] as const)
    if (may(d) && from[d].includes(status)) decisions.push(d);
  const last = r.trail[r.trail.length - 1];
  const isAssessment = r.summary.kind === 'assessment';
  return {
    summary: { ...r.summary, status },
    record: {
      id,
      committee_id: r.summary.committee_id,
      schema_version: 1,
      created_at: '2025-02-14T12:00:00Z',
      created_by: ME,
      updated_at: r.summary.updated_at,
      updated_by: ME,
      sensitivity: r.summary.sensitivity,
      review: [],
      kind: r.summary.kind,
      fields: r.fields,
    } as unknown as RecordView['record'],
    fields: r.fields as RecordView['fields'],
    status,
    trail: r.trail,
    correction_comment: last?.decision === 'needs_correction' ? last.comment : null,
    history: [
      { entry: { hash: 'h1', device: ME, at: '2025-02-14T12:00:00Z', message: 'Création' }, by_this_device: true, device: ME },
      { entry: { hash: 'h2', device: 'x', at: '2025-02-16T09:00:00Z', message: null }, by_this_device: false, device: '9d2e5a' },
    ],
    conflicts: isAssessment
      ? [
          {
            conflict: {
              path: 'threats[0].likelihood',
              values: [
                { value: 4, device: ME, current: true },
                { value: 3, device: 'x', current: false },
              ],
            },
            authors: [ME, '9d2e5a'],
          },
        ]
      : [],
    errors: isAssessment
      ? [{ code: 'mock', path: 'threats[1].impact', message: msg('Valeur 7 hors de l’échelle 1 à 5.', 'Value 7 outside the 1 to 5 scale.') }]
      : [],
    warnings: warnings(r.fields),
    heads: ['mock'],
    draft: r.draft
      ? {
          draft_id: r.draft.id,
          record_id: id,
          kind: r.summary.kind,
          fields: { ...r.fields, ...r.draft.body } as RecordView['fields'],
          base: r.fields as RecordView['fields'],
          base_heads: ['mock'],
          acknowledged: [],
        }
      : null,
    derived: mockDerived(r.summary.kind, r.fields, decisions),
    editable: status !== 'approved' && !(r.summary.kind === 'committee' && role === 'member'),
    decisions,
    read_only: false,
    copy_of: r.copyOf ? { id: r.copyOf, title: null, title_en: null } : null,
    replaced_by: null,
    may_purge: role !== 'member' && r.summary.kind !== 'committee',
    links: [],
    delivery: r.summary.dirty ? { state: 'not_sent' } : { state: 'received', at: r.summary.updated_at },
    approval: null,
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers a record command, or `undefined` when `cmd` is not one. */
export function handleRecords(cmd: string, args: { [k: string]: unknown }, role: Role): Promise<unknown> | undefined {
  switch (cmd) {
    case 'vocabulary':
      return Promise.resolve(VOCAB);
    case 'list_records': {
      const f = args.filter as ListFilter;
      const words = (f.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const all = [...records.values()]
        .map((r) => ({ ...r.summary, status: statusOf(r.trail) }))
        .filter(
          (s) =>
            (!f.kind || s.kind === f.kind) &&
            (!f.committee_id || s.committee_id === f.committee_id) &&
            (!f.commune || s.commune === f.commune) &&
            (!f.status || s.status === f.status) &&
            (!f.date_from || (s.date ?? '') >= f.date_from) &&
            (!f.date_to || (s.date ?? '') <= f.date_to) &&
            words.every((w) => s.title.toLowerCase().includes(w)),
        )
        .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
      const limit = f.limit || 50;
      return wait(150).then(() => ({ items: all.slice(f.offset, f.offset + limit), total: all.length, offset: f.offset, limit }) satisfies Page);
    }
    case 'open_record':
      return wait(100).then(() => view(String(args.id), role));
    case 'new_record': {
      const kind = args.kind as RecordKind;
      if (kind === 'committee' && role === 'member')
        return Promise.reject({ code: 'scope.registry_read_only', message: msg('Le registre des comités est tenu par les administrateurs.', 'The committee registry is kept by administrators.'), fields: [] });
      const id = newId();
      const fields = template(kind);
      drafts.set(id, { kind, record_id: null, body: fields, updated_at: new Date().toISOString() });
      return Promise.resolve({ draft_id: id, kind, record_id: null, fields: fields as DraftView['fields'], base: {}, base_heads: [], acknowledged: [] } satisfies DraftView);
    }
    case 'save_draft': {
      const d = args.draft as DraftInput;
      // An edit sends only the changed fields: the mock lays them over the record.
      const sent = JSON.parse(JSON.stringify(d.fields)) as Fields;
      const fields = d.record_id ? { ...records.get(d.record_id)?.fields, ...sent } : sent;
      delete fields.committee_id;
      const errors = validate(d.kind, fields);
      const warns = warnings(fields);
      let recordId = d.record_id;
      if (errors.length === 0) {
        drafts.delete(d.draft_id);
        if (recordId) {
          const r = records.get(recordId)!;
          r.fields = fields;
          r.draft = null;
          put(recordId, d.kind, fields, r.trail);
        } else {
          recordId = newId();
          put(recordId, d.kind, fields);
        }
      } else if (recordId) {
        records.get(recordId)!.draft = { id: d.draft_id, body: fields };
      } else {
        drafts.set(d.draft_id, { kind: d.kind, record_id: null, body: fields, updated_at: new Date().toISOString() });
      }
      const outcome: DraftOutcome = {
        draft_id: d.draft_id,
        record_id: recordId,
        saved: errors.length === 0,
        errors,
        warnings: warns,
        held_fields: [],
        base_heads: ['mock'],
        derived: mockDerived(d.kind, fields, recordId ? ['submitted'] : []),
      };
      return wait(200).then(() => outcome);
    }
    case 'open_draft': {
      const id = String(args.draftId);
      const d = drafts.get(id) ?? (id === 'draft-1' ? { kind: 'session' as RecordKind, record_id: null, body: { ...template('session'), invited: 10, present: 12, summary: 'Commencé hier soir.' }, updated_at: '' } : undefined);
      if (!d) return Promise.reject({ code: 'draft.not_found', message: msg('Brouillon introuvable.', 'Draft not found.'), fields: [] });
      return Promise.resolve({ draft_id: id, kind: d.kind, record_id: d.record_id, fields: d.body as DraftView['fields'], base: {}, base_heads: [], acknowledged: [] } satisfies DraftView);
    }
    case 'discard_draft':
      drafts.delete(String(args.draftId));
      return Promise.resolve(null);
    case 'decide': {
      const r = records.get(String(args.id));
      if (!r) return Promise.reject({ code: 'record.not_found', message: msg('Fiche introuvable.', 'Record not found.'), fields: [] });
      if (r.draft && args.decision === 'submitted')
        return Promise.reject({ code: 'record.draft_pending', message: msg('La fiche a des modifications non valides : corrigez les erreurs avant de la soumettre.', 'The record has invalid changes: fix the errors before submitting it.'), fields: [] });
      r.trail.push({ at: new Date().toISOString(), decision: args.decision as TrailEntry['decision'], role, comment: (args.comment as string | null) ?? null, by_this_device: true, device: ME });
      return Promise.resolve(view(String(args.id), role));
    }
    case 'purge_record': {
      // The copy holds the current fields only; the old record leaves the lists.
      const r = records.get(String(args.id));
      if (!r) return Promise.reject({ code: 'record.not_found', message: msg('Fiche introuvable.', 'Record not found.'), fields: [] });
      if (role === 'member')
        return Promise.reject({ code: 'record.purge_not_allowed', message: msg('Seuls les facilitateurs, la CRSS et les administrateurs peuvent purger l’historique d’une fiche.', 'Only facilitators, CRSS reviewers and administrators may purge a record’s history.'), fields: [] });
      const copyId = `${String(args.id)}-copie`;
      records.set(copyId, { ...r, summary: { ...r.summary, id: copyId }, copyOf: String(args.id) });
      records.delete(String(args.id));
      return Promise.resolve(view(copyId, role));
    }
    case 'resolve_conflict': {
      const r = records.get(String(args.id))!;
      r.summary.conflict_count = 0;
      return Promise.resolve({ ...view(String(args.id), role), conflicts: [] });
    }
    case 'mock_drafts':
      return Promise.resolve([...drafts.entries()].filter(([, d]) => d.record_id === null).map(([id, d]) => ({ id, kind: d.kind, updated_at: d.updated_at })));
    default:
      return undefined;
  }
}
