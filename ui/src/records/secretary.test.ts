import { describe, expect, it } from 'vitest';
import type { RecordView } from '../bindings/RecordView';
import type { Session } from '../bindings/Session';
import { fr } from '../i18n/fr';
import { en } from '../i18n/en';
import { href, parseRoute, section } from '../lib/router';
import { VOCAB } from './fixtures';
import { deliveryText, minutes, ownCommittee, sessionOf } from './secretary';

describe('proof that a record was sent', () => {
  const d = fr.secretary.delivery;
  it('says when the server received the record', () => {
    const text = deliveryText({ state: 'received', at: '2026-03-12T14:05:00Z' }, 'fr', d);
    expect(text).toMatch(/^Reçue par le serveur le 12\/03\/2026 à \d\d:\d\d\.$/);
  });
  it('says what still waits, and what was never sent', () => {
    expect(deliveryText({ state: 'changes_waiting', at: '2026-03-12T14:05:00Z' }, 'fr', d)).toContain(
      'les modifications faites depuis partiront',
    );
    expect(deliveryText({ state: 'not_sent' }, 'fr', d)).toBe(d.notSent);
    expect(deliveryText({ state: 'received', at: null }, 'en', en.secretary.delivery)).toBe('Received by the server.');
  });
  it('says when the record was handed to the relay', () => {
    expect(deliveryText({ state: 'relayed', at: '2026-03-12T14:05:00Z' }, 'fr', d)).toMatch(
      /^Remise au relais le 12\/03\/2026 à \d\d:\d\d/,
    );
  });
});

const session: Session = {
  session_type: 'ordinaire_mensuelle',
  date: '2026-03-02',
  start_time: '09:00',
  end_time: '12:30',
  venue_type: 'mairie',
  venue_other: null,
  chaired_by: 'maire',
  agenda: [{ id: 'a-1', theme: 'evaluation_situation', notes: 'Tensions au marché de Goundam.' }],
  invited: 23,
  present: 18,
  attendance: [
    { college: 'fds', women: 0, men: 4 },
    { college: 'femmes', women: 2, men: 0 },
  ],
  summary: 'La séance a examiné la situation au marché.',
  minutes_status: 'adopte',
  linked_records: [],
};

const view = {
  summary: { committee_id: 'c-1', kind: 'session' },
  status: 'submitted',
  derived: { quorum: 'reached' },
  record: { kind: 'session', fields: session },
} as unknown as RecordView;

describe('printed procès-verbal', () => {
  it('holds the session in French with its labels, attendance totals and quorum', () => {
    const pv = minutes(view, session, VOCAB, 'fr', fr.secretary.print);
    expect(pv.title).toMatch(/^Procès-verbal de la séance du 02\/03\/2026$/);
    const rows = Object.fromEntries(pv.rows.map((r) => [r.label, r.value]));
    expect(rows['Comité']).toBe('CCS de Goundam');
    expect(rows['Type de séance']).toBe('Ordinaire mensuelle');
    expect(rows['Horaires']).toBe('de 09:00 à 12:30');
    expect(rows['Présents']).toBe('18 présents pour 23 invités');
    expect(rows['Quorum']).toBe('atteint');
    expect(rows['Statut de revue']).toBe('Soumis');
    expect(pv.agenda).toEqual([{ theme: 'Évaluation de la situation sécuritaire', notes: 'Tensions au marché de Goundam.' }]);
    expect(pv.attendance.map((a) => a.college)).toEqual(['FDS', 'Femmes/associations féminines']);
    expect(pv.totals).toEqual({ women: 2, men: 4, total: 6 });
  });

  it('only a session has one', () => {
    expect(sessionOf(view)).toBe(session);
    expect(sessionOf({ ...view, record: { kind: 'assessment', fields: {} } } as unknown as RecordView)).toBeNull();
    expect(sessionOf(null)).toBeNull();
  });
});

describe('routes', () => {
  it('reaches the help page from the menu and a session’s print view', () => {
    expect(parseRoute(href({ name: 'help' }))).toEqual({ name: 'help' });
    expect(section({ name: 'help' })).toBe('help');
    expect(fr.nav.help).toBe('Aide');
    const print = { name: 'print', id: '0190f5a2-0000-7000-8000-00000000000a' } as const;
    expect(href(print)).toBe('#/record/0190f5a2-0000-7000-8000-00000000000a/print');
    expect(parseRoute(href(print))).toEqual(print);
  });
});

describe('default list view', () => {
  const identity = {
    device_id: 'd-1',
    role: 'member',
    committee_id: 'c-1',
    committee_name: 'CCS de Goundam',
    region: null,
    region_name: null,
    server_url: null,
    enrollment_pending: false,
  } as const;
  it('keeps a member to her own committee', () => {
    expect(ownCommittee(identity, 'session')).toBe('c-1');
    expect(fr.secretary.ownCommittee('CCS de Goundam')).toBe('Mon comité seulement (CCS de Goundam)');
  });
  it('lists everything for checkers and the registry whole', () => {
    expect(ownCommittee({ ...identity, role: 'facilitator' }, 'session')).toBeNull();
    expect(ownCommittee(identity, 'committee')).toBeNull();
    expect(ownCommittee(null, 'session')).toBeNull();
  });
});
