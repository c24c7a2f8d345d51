/**
 * The logic of what a committee secretary looks for (issue 11), pure so it is tested
 * without a window: the sentence proving a record was sent, and the content of a
 * session's procès-verbal for printing. Texts come from the `secretary` dictionary.
 */
import type { Delivery } from '../bindings/Delivery';
import type { IdentityView } from '../bindings/IdentityView';
import type { RecordKind } from '../bindings/RecordKind';
import type { RecordView } from '../bindings/RecordView';
import type { Session } from '../bindings/Session';
import type { Vocabulary } from '../bindings/Vocabulary';
import type { Dict } from '../i18n/en';
import type { Lang } from '../i18n';
import { formatDate, formatDateTime } from '../lib/format';
import { committeeName, label } from './labels';

type Texts = Dict['secretary'];

/**
 * The committee a list shows by default: a member's own, so that her lists hold what
 * she acts on (a device may hold other committees' records: a demonstration, a shared
 * phone). Facilitators and reviewers see everything they hold; the committee registry
 * is listed whole.
 */
export function ownCommittee(identity: IdentityView | null | undefined, kind: RecordKind): string | null {
  if (kind === 'committee' || identity?.role !== 'member') return null;
  return identity.committee_id ?? null;
}

/** « Envoyée le …, reçue par le serveur », from the store's acknowledgement. */
export function deliveryText(d: Delivery, lang: Lang, texts: Texts['delivery']): string {
  const when = (at: string | null) => (at ? formatDateTime(at, lang, '') : '');
  switch (d.state) {
    case 'not_sent':
      return texts.notSent;
    case 'received':
      return d.at ? texts.received(when(d.at)) : texts.receivedUndated;
    case 'changes_waiting':
      return d.at ? texts.changesWaiting(when(d.at)) : texts.changesWaitingUndated;
    case 'relayed':
      return texts.relayed(when(d.at));
  }
}

export interface MinutesRow {
  label: string;
  value: string;
}

export interface Minutes {
  title: string;
  rows: MinutesRow[];
  agenda: { theme: string; notes: string }[];
  attendance: { college: string; women: number; men: number; total: number }[];
  totals: { women: number; men: number; total: number };
  summary: string;
}

/** The session of a record view, or `null` for any other kind (or an unreadable one). */
export function sessionOf(view: RecordView | null): Session | null {
  const r = view?.record;
  return r && r.kind === 'session' ? r.fields : null;
}

/** What the printed procès-verbal holds, in `lang`. */
export function minutes(view: RecordView, session: Session, vocab: Vocabulary | null, lang: Lang, texts: Texts['print']): Minutes {
  const l = (list: string, code: unknown) => label(vocab, list, code, lang);
  const quorum = view.derived.quorum;
  const rows: MinutesRow[] = [
    { label: texts.committee, value: committeeName(vocab, view.summary.committee_id) },
    { label: texts.sessionType, value: l('SessionType', session.session_type) },
    {
      label: texts.venue,
      value: session.venue_other ? `${l('VenueType', session.venue_type)} (${session.venue_other})` : l('VenueType', session.venue_type),
    },
    { label: texts.chair, value: l('ChairRole', session.chaired_by) },
  ];
  if (session.start_time && session.end_time) {
    rows.push({ label: texts.hours, value: texts.hoursValue(session.start_time, session.end_time) });
  }
  rows.push({ label: texts.attendance, value: texts.attendanceValue(session.present, session.invited) });
  rows.push({
    label: texts.quorum,
    value: quorum === 'reached' ? texts.quorumReached : quorum === 'not_reached' ? texts.quorumNotReached : texts.quorumUnknown,
  });
  rows.push({ label: texts.minutesStatus, value: l('MinutesStatus', session.minutes_status) });
  rows.push({ label: texts.reviewStatus, value: l('ReviewStatus', view.status) });
  const attendance = session.attendance.map((a) => ({
    college: l('College', a.college),
    women: a.women,
    men: a.men,
    total: a.women + a.men,
  }));
  const totals = attendance.reduce(
    (s, a) => ({ women: s.women + a.women, men: s.men + a.men, total: s.total + a.total }),
    { women: 0, men: 0, total: 0 },
  );
  return {
    title: texts.title(formatDate(session.date, lang, session.date)),
    rows,
    agenda: session.agenda.map((a) => ({ theme: l('AgendaTheme', a.theme), notes: a.notes })),
    attendance,
    totals,
    summary: session.summary,
  };
}
