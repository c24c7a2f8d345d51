/**
 * The dashboard's commands in the stand-in backend (`npm run dev`, never in `ui/dist`):
 * made-up indicators in the shape of the `indicators` command (`Indicators`), varying
 * with the period and the filters, so « Indicateurs » can be looked at in a plain
 * browser at any width; `report_pdf` answers a path. `?indicators=empty` shows a period
 * with nothing recorded.
 */
import type { Indicators } from '../bindings/Indicators';
import type { IndicatorFilter } from '../bindings/IndicatorFilter';
import type { Ratio } from '../bindings/Ratio';
import type { Breakdown } from '../bindings/Breakdown';
import type { CommitteeLevel } from '../bindings/CommitteeLevel';
import type { ThreatCategory } from '../bindings/ThreatCategory';
import type { Addressee } from '../bindings/Addressee';

type Any = Record<string, unknown>;
const params = new URLSearchParams(typeof window === 'undefined' ? '' : window.location.search);

const REGIONS: [string, string][] = [
  ['tombouctou', 'Tombouctou'],
  ['gao', 'Gao'],
  ['menaka', 'Ménaka'],
  ['mopti', 'Mopti'],
  ['segou', 'Ségou'],
  ['sikasso', 'Sikasso'],
  ['koulikoro', 'Koulikoro'],
  ['kayes', 'Kayes'],
  ['bamako', 'District de Bamako'],
  ['taoudenit', 'Taoudénit'],
];
const CATEGORIES: ThreatCategory[] = [
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
const ADDRESSEES: Addressee[] = ['fds', 'maire_conseil', 'prefet', 'gouverneur', 'autorites_traditionnelles', 'societe_civile'];
const LEVELS: CommitteeLevel[] = ['regional', 'communal', 'district'];

/** A small deterministic generator (the same screen at every reload). */
function seeded(seed: number) {
  let s = seed;
  return (max: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * max);
  };
}

const ratio = (numerator: number, denominator: number): Ratio => ({
  numerator,
  denominator,
  share: denominator > 0 ? numerator / denominator : null,
});

function monthsOf(f: IndicatorFilter): string[] {
  const p = f.period;
  const nums = p.unit === 'month' ? [p.month] : p.unit === 'quarter' ? [1, 2, 3].map((m) => (p.quarter - 1) * 3 + m) : [...Array(12).keys()].map((m) => m + 1);
  return nums.map((m) => `${p.year}-${String(m).padStart(2, '0')}`);
}

/** One region's figures; the totals are their sums. */
function regionFigures(rnd: (n: number) => number, empty: boolean, months: number) {
  const installed = empty ? 0 : 4 + rnd(12);
  const present = empty ? 0 : 80 + rnd(400);
  const participants = empty ? 0 : 30 + rnd(300);
  const made = empty ? 0 : 5 + rnd(20);
  return {
    installed,
    operational: Math.max(0, installed - rnd(5)),
    held: empty ? 0 : Math.max(0, installed * months - rnd(installed * months)),
    expected: installed * months,
    present,
    women: Math.round(present * (0.12 + rnd(25) / 100)),
    youth: Math.round(present * (0.1 + rnd(30) / 100)),
    participants,
    pWomen: Math.round(participants * (0.2 + rnd(20) / 100)),
    pYouth: Math.round(participants * (0.2 + rnd(15) / 100)),
    made,
    realised: Math.round(made * (0.2 + rnd(50) / 100)),
  };
}
type Fig = ReturnType<typeof regionFigures>;
const sum = (all: Fig[]): Fig =>
  all.reduce((a, f) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof Fig] + f[k as keyof Fig]])) as Fig);

export function mockIndicators(args: Any): Indicators {
  const filter = args.filter as IndicatorFilter;
  const months = monthsOf(filter);
  const p = filter.period;
  const index = p.unit === 'month' ? p.month : p.unit === 'quarter' ? p.quarter : 0;
  const rnd = seeded(p.year * 100 + index + (filter.region?.length ?? 0) + (filter.basis === 'all' ? 7 : 0));
  const empty = params.get('indicators') === 'empty';
  const regions = REGIONS.filter(([code]) => !filter.region || code === filter.region).map(([code, name]) => ({
    code,
    name,
    f: regionFigures(rnd, empty, months.length),
  }));
  const total = sum(regions.map((r) => r.f));
  const byMonth = months.map((month) => ({ month, f: regionFigures(rnd, empty, 1) }));
  function breakdown<T>(of: (f: Fig) => T): Breakdown<T> {
    return {
      counts: filter.basis,
      total: of(total),
      by_region: regions.map((r) => ({ region: r.code, region_name: r.name, value: of(r.f) })),
      by_level: LEVELS.map((level) => ({ level, value: of(total) })),
      by_month: byMonth.map((m) => ({ month: m.month, value: of(m.f) })),
    };
  }
  const categories = CATEGORIES.map((category) => ({ category, count: empty ? 0 : rnd(25) })).filter((c) => c.count > 0);
  const threats = categories.reduce((a, c) => a + c.count, 0);
  const high = Math.round(threats * 0.25);
  const veryHigh = Math.round(threats * 0.1);
  const addressees = ADDRESSEES.map((addressee) => {
    const made = empty ? 0 : 3 + rnd(30);
    const transmitted = Math.max(0, made - rnd(4));
    const inTime = Math.round(transmitted * (0.2 + rnd(50) / 100));
    return { addressee, counts: { made, transmitted, realised: inTime + rnd(3), realised_in_time: inTime } };
  }).filter((a) => a.counts.made > 0);
  const records = empty ? 0 : 400 + rnd(800);
  const approved = Math.round(records * (filter.basis === 'all' ? 0.55 : 1));
  const validated = approved + Math.round((records - approved) * 0.4);
  const submitted = validated + Math.round((records - validated) * 0.6);
  return {
    filter,
    as_of: `${months[months.length - 1]}-28`,
    months,
    operational_days: 90,
    committees: breakdown((f) => ({
      registered: f.installed,
      installed: f.installed,
      operational: f.operational,
      operational_share: ratio(f.operational, f.installed),
    })),
    sessions: breakdown((f) => ({
      held: f.held,
      expected: f.expected,
      held_vs_expected: ratio(f.held, f.expected),
      by_type: [],
      committees_with_three_a_quarter: ratio(Math.round(f.installed / 2), f.installed),
    })),
    attendance: breakdown((f) => ({
      sessions: f.held,
      attendance_rate: ratio(f.present, Math.round(f.present * 1.3)),
      quorum_rate: ratio(f.held, f.held),
      fds_present: ratio(f.held, f.held),
    })),
    inclusion: breakdown((f) => ({ women: ratio(f.women, f.present), youth: ratio(f.youth, f.present), reference: 0.3 })),
    recommendations: {
      ...breakdown((f) => ({
        counts: { made: f.made, transmitted: f.made, realised: f.realised, realised_in_time: f.realised },
        transmitted: ratio(f.made, f.made),
        realised_in_time: ratio(f.realised, f.made),
        median_delay_days: empty ? null : 40 + rnd(50),
        by_addressee: [],
        by_domain: [],
      })),
      total: {
        counts: addressees.reduce(
          (a, x) => ({
            made: a.made + x.counts.made,
            transmitted: a.transmitted + x.counts.transmitted,
            realised: a.realised + x.counts.realised,
            realised_in_time: a.realised_in_time + x.counts.realised_in_time,
          }),
          { made: 0, transmitted: 0, realised: 0, realised_in_time: 0 },
        ),
        transmitted: ratio(0, 0),
        realised_in_time: ratio(0, 0),
        median_delay_days: empty ? null : 61,
        by_addressee: addressees,
        by_domain: [],
      },
    },
    assessments: breakdown(() => ({
      assessments: Math.round(threats / 2.5),
      committee_months: total.installed * months.length,
      per_committee_per_quarter: 0.8,
      threats,
      by_category: categories,
      by_level: [
        { level: 'faible', count: threats - high - veryHigh - Math.round(threats * 0.3) },
        { level: 'moyen', count: Math.round(threats * 0.3) },
        { level: 'eleve', count: high },
        { level: 'tres_eleve', count: veryHigh },
      ],
      high_or_very_high: high + veryHigh,
    })),
    workshops: breakdown((f) => ({
      workshops: Math.round(f.participants / 25),
      participants: { total: f.participants, women: f.pWomen, youth: f.pYouth },
      women: ratio(f.pWomen, f.participants),
      youth: ratio(f.pYouth, f.participants),
    })),
    data_flow: breakdown(() => ({
      records,
      delays_known: records,
      median_delay_days: empty ? null : 3 + rnd(9),
      submitted: ratio(submitted, records),
      validated: ratio(validated, records),
      approved: ratio(approved, records),
    })),
  };
}

export function handleIndicators(cmd: string, args: Any): unknown {
  switch (cmd) {
    case 'indicators':
      return mockIndicators(args);
    case 'report_pdf':
      return { path: String(args.path), bytes: 184_320, quarter: String(args.quarter), recommendations: 42 };
    default:
      return undefined;
  }
}
