/**
 * What the dashboard « Indicateurs » draws, in the shape of its charts: totals for the
 * figures, rows by region, by month, by threat category and by addressee, each with
 * codes (labelled from the vocabulary by the screen). `toDashboard` reads the
 * `indicators` command's answer into it; the charts never see the command's types, so
 * a change there is one function here.
 */
import type { Indicators } from '../bindings/Indicators';
import type { IndicatorFilter } from '../bindings/IndicatorFilter';
import type { Period } from '../bindings/Period';
import type { UiPeriod } from './period';

export interface RegionRow {
  /** The region's code (null: committees whose registry entry is not on this device). */
  region: string | null;
  /** Its name from the reference data, as the backend gives it. */
  name: string | null;
  installed: number;
  operational: number;
  present: number;
  women: number;
  youth: number;
  participants: number;
  participantsWomen: number;
  participantsYouth: number;
}

export interface MonthRow {
  /** `YYYY-MM`. */
  month: string;
  held: number;
  expected: number;
  present: number;
  women: number;
  youth: number;
}

export interface CategoryRow {
  category: string;
  count: number;
}

export interface RiskLevels {
  low: number;
  medium: number;
  high: number;
  very_high: number;
}

export interface AddresseeRow {
  addressee: string;
  made: number;
  transmitted: number;
  realised90: number;
}

export interface DashboardView {
  committees: { installed: number; operational: number };
  sessions: { held: number; expected: number };
  attendance: { present: number; women: number; youth: number };
  workshops: { participants: number; women: number; youth: number };
  recommendations: { made: number; transmitted: number; realised90: number; medianDelayDays: number | null };
  risks: { threats: number; levels: RiskLevels };
  /** Exclusive stages: approved; validated, not yet approved; submitted (waiting or sent
   * back), not validated; never submitted. */
  flow: { total: number; approved: number; validated: number; submitted: number; draft: number; medianSyncDays: number | null };
  regions: RegionRow[];
  months: MonthRow[];
  categories: CategoryRow[];
  addressees: AddresseeRow[];
}

/** Whether there is anything at all to draw. */
export function isEmpty(v: DashboardView): boolean {
  return (
    v.committees.installed === 0 &&
    v.sessions.held === 0 &&
    v.workshops.participants === 0 &&
    v.recommendations.made === 0 &&
    v.flow.total === 0
  );
}

/** Categories sorted by count, largest first, the smallest folded into the last of
 * `keep` rows when there are more (a phone shows eight bars, not fifteen). */
export function topCategories(rows: CategoryRow[], keep: number, otherLabel: string): CategoryRow[] {
  const sorted = [...rows].filter((r) => r.count > 0).sort((a, b) => b.count - a.count);
  if (sorted.length <= keep) return sorted;
  const rest = sorted.slice(keep - 1).reduce((a, r) => a + r.count, 0);
  return [...sorted.slice(0, keep - 1), { category: otherLabel, count: rest }];
}

// ------------------------------------------------------------------ the command

/** What the screen asks for. */
export interface IndicatorsQuery {
  period: UiPeriod;
  region: string | null;
  level: string | null;
  basis: 'approved' | 'all';
}

export function toPeriod(p: UiPeriod): Period {
  switch (p.kind) {
    case 'month':
      return { unit: 'month', year: p.year, month: p.index };
    case 'quarter':
      return { unit: 'quarter', year: p.year, quarter: p.index };
    case 'year':
      return { unit: 'year', year: p.year };
  }
}

/** The `indicators` command's arguments for a query. */
export function toCommandArgs(q: IndicatorsQuery): { filter: IndicatorFilter } {
  return {
    filter: {
      period: toPeriod(q.period),
      basis: q.basis,
      region: q.region,
      level: (q.level as IndicatorFilter['level']) ?? null,
      committee_id: null,
    },
  };
}

/** The command's answer as the dashboard draws it. */
export function toDashboard(ind: Indicators): DashboardView {
  const key = (r: string | null) => r ?? '';
  const regions = new Map<string, RegionRow>();
  const region = (code: string | null, name: string | null): RegionRow => {
    let row = regions.get(key(code));
    if (!row) {
      row = {
        region: code,
        name,
        installed: 0,
        operational: 0,
        present: 0,
        women: 0,
        youth: 0,
        participants: 0,
        participantsWomen: 0,
        participantsYouth: 0,
      };
      regions.set(key(code), row);
    }
    return row;
  };
  for (const r of ind.committees.by_region) {
    const row = region(r.region, r.region_name);
    row.installed = r.value.installed;
    row.operational = r.value.operational;
  }
  for (const r of ind.inclusion.by_region) {
    const row = region(r.region, r.region_name);
    row.present = r.value.women.denominator;
    row.women = r.value.women.numerator;
    row.youth = r.value.youth.numerator;
  }
  for (const r of ind.workshops.by_region) {
    const row = region(r.region, r.region_name);
    row.participants = r.value.participants.total;
    row.participantsWomen = r.value.participants.women;
    row.participantsYouth = r.value.participants.youth;
  }
  const months = ind.months.map((month) => {
    const s = ind.sessions.by_month.find((m) => m.month === month)?.value;
    const i = ind.inclusion.by_month.find((m) => m.month === month)?.value;
    return {
      month,
      held: s?.held ?? 0,
      expected: s?.expected ?? 0,
      present: i?.women.denominator ?? 0,
      women: i?.women.numerator ?? 0,
      youth: i?.youth.numerator ?? 0,
    };
  });
  const level = (code: string) => ind.assessments.total.by_level.find((l) => l.level === code)?.count ?? 0;
  const flow = ind.data_flow.total;
  const rec = ind.recommendations.total;
  return {
    committees: { installed: ind.committees.total.installed, operational: ind.committees.total.operational },
    sessions: { held: ind.sessions.total.held, expected: ind.sessions.total.expected },
    attendance: {
      present: ind.inclusion.total.women.denominator,
      women: ind.inclusion.total.women.numerator,
      youth: ind.inclusion.total.youth.numerator,
    },
    workshops: {
      participants: ind.workshops.total.participants.total,
      women: ind.workshops.total.participants.women,
      youth: ind.workshops.total.participants.youth,
    },
    recommendations: {
      made: rec.counts.made,
      transmitted: rec.counts.transmitted,
      realised90: rec.counts.realised_in_time,
      medianDelayDays: rec.median_delay_days,
    },
    risks: {
      threats: ind.assessments.total.threats,
      levels: { low: level('faible'), medium: level('moyen'), high: level('eleve'), very_high: level('tres_eleve') },
    },
    flow: {
      total: flow.records,
      approved: flow.approved.numerator,
      validated: Math.max(0, flow.validated.numerator - flow.approved.numerator),
      submitted: Math.max(0, flow.submitted.numerator - flow.validated.numerator),
      draft: Math.max(0, flow.records - flow.submitted.numerator),
      medianSyncDays: flow.median_delay_days,
    },
    regions: [...regions.values()],
    months,
    categories: ind.assessments.total.by_category.map((c) => ({ category: c.category, count: c.count })),
    addressees: rec.by_addressee.map((a) => ({
      addressee: a.addressee,
      made: a.counts.made,
      transmitted: a.counts.transmitted,
      realised90: a.counts.realised_in_time,
    })),
  };
}
