/**
 * The dashboard's command in the stand-in backend (`npm run dev`, never in `ui/dist`):
 * made-up indicators, varying with the period and the filters, so « Indicateurs » can
 * be looked at in a plain browser at any width. `?indicators=empty` shows a period with
 * nothing recorded.
 */
import type { DashboardView } from '../lib/dashboard';
import type { UiPeriod } from '../lib/period';
import { periodMonths } from '../lib/period';

type Any = Record<string, unknown>;
const params = new URLSearchParams(window.location.search);

const REGIONS = ['tombouctou', 'gao', 'menaka', 'mopti', 'segou', 'sikasso', 'koulikoro', 'kayes', 'bamako', 'taoudenit'];
const CATEGORIES = [
  'groupes_armes',
  'banditisme',
  'eei_mines',
  'vol_de_betail',
  'conflit_foncier',
  'conflit_intercommunautaire',
  'conflit_eau_paturage',
  'vbg',
  'trafics',
  'criminalite_urbaine',
];
const ADDRESSEES = ['fds', 'maire_conseil', 'prefet', 'gouverneur', 'chefferie', 'communaute'];

/** A small deterministic generator (the same screen at every reload). */
function seeded(seed: number) {
  let s = seed;
  return (max: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * max);
  };
}

export function mockIndicators(args: Any): DashboardView {
  const filter = (args.filter ?? {}) as { period: UiPeriod; region: string | null; level: string | null; basis: string };
  const months = periodMonths(filter.period);
  const rnd = seeded(filter.period.year * 100 + filter.period.index + (filter.region?.length ?? 0) + (filter.basis === 'all' ? 7 : 0));
  const empty = params.get('indicators') === 'empty';
  const regions = (filter.region ? [filter.region] : REGIONS).map((region) => {
    const installed = empty ? 0 : 4 + rnd(12);
    const present = empty ? 0 : 80 + rnd(400);
    const participants = empty ? 0 : 30 + rnd(300);
    return {
      region,
      installed,
      operational: Math.max(0, installed - rnd(5)),
      present,
      women: Math.round(present * (0.12 + rnd(25) / 100)),
      youth: Math.round(present * (0.1 + rnd(30) / 100)),
      participants,
      participantsWomen: Math.round(participants * (0.2 + rnd(20) / 100)),
      participantsYouth: Math.round(participants * (0.2 + rnd(15) / 100)),
    };
  });
  const sum = (f: (r: (typeof regions)[number]) => number) => regions.reduce((a, r) => a + f(r), 0);
  const installed = sum((r) => r.installed);
  const monthRows = months.map((month) => {
    const present = empty ? 0 : sum((r) => r.present) / months.length;
    return {
      month,
      held: empty ? 0 : Math.max(0, installed - rnd(installed / 2 + 1)),
      expected: installed,
      present: Math.round(present),
      women: Math.round(present * (0.15 + rnd(20) / 100)),
      youth: Math.round(present * (0.15 + rnd(20) / 100)),
    };
  });
  const riskMix = CATEGORIES.map((category) => ({
    category,
    low: empty ? 0 : rnd(12),
    medium: empty ? 0 : rnd(10),
    high: empty ? 0 : rnd(7),
    very_high: empty ? 0 : rnd(4),
  }));
  const addressees = ADDRESSEES.map((addressee) => {
    const made = empty ? 0 : 3 + rnd(30);
    const transmitted = Math.max(0, made - rnd(4));
    return { addressee, made, transmitted, realised90: Math.round(transmitted * (0.2 + rnd(50) / 100)) };
  });
  const total = empty ? 0 : 400 + rnd(800);
  const approved = Math.round(total * (filter.basis === 'all' ? 0.55 : 1));
  return {
    committees: { installed, operational: sum((r) => r.operational) },
    sessions: { held: monthRows.reduce((a, m) => a + m.held, 0), expected: monthRows.reduce((a, m) => a + m.expected, 0) },
    attendance: { present: sum((r) => r.present), women: sum((r) => r.women), youth: sum((r) => r.youth) },
    workshops: {
      participants: sum((r) => r.participants),
      women: sum((r) => r.participantsWomen),
      youth: sum((r) => r.participantsYouth),
    },
    recommendations: {
      made: addressees.reduce((a, r) => a + r.made, 0),
      transmitted: addressees.reduce((a, r) => a + r.transmitted, 0),
      realised90: addressees.reduce((a, r) => a + r.realised90, 0),
      medianDelayDays: empty ? null : 40 + rnd(50),
    },
    risks: { high: riskMix.reduce((a, r) => a + r.high, 0), veryHigh: riskMix.reduce((a, r) => a + r.very_high, 0) },
    flow: {
      total,
      approved,
      validated: Math.round((total - approved) * 0.4),
      submitted: Math.round((total - approved) * 0.4),
      medianSyncDays: empty ? null : 3 + rnd(9),
    },
    regions,
    months: monthRows,
    riskMix,
    addressees,
  };
}

export function handleIndicators(cmd: string, args: Any): unknown {
  switch (cmd) {
    case 'indicators':
      return mockIndicators(args);
    case 'report_pdf':
      return `/home/crss/Documents/Rapport-trimestriel-${String(args.quarter)}.pdf`;
    default:
      return undefined;
  }
}
