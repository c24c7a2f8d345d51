/**
 * What the dashboard « Indicateurs » draws, in the shape of its charts: totals for the
 * figures, rows by region, by month, by threat category and by addressee, each with
 * codes (labelled from the vocabulary by the screen). `toDashboard` reads the
 * `indicators` command's answer into it; the charts never see the command's types, so
 * a change there is one function here.
 */
export interface RegionRow {
  region: string;
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

export interface RiskRow {
  category: string;
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
  risks: { high: number; veryHigh: number };
  flow: { total: number; submitted: number; validated: number; approved: number; medianSyncDays: number | null };
  regions: RegionRow[];
  months: MonthRow[];
  riskMix: RiskRow[];
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

/** Risk rows sorted by their total, largest first, the smallest folded into the last
 * `keep`-th row when there are more (a phone shows eight bars, not fifteen). */
export function topRisks(rows: RiskRow[], keep: number, otherLabel: string): RiskRow[] {
  const total = (r: RiskRow) => r.low + r.medium + r.high + r.very_high;
  const sorted = [...rows].filter((r) => total(r) > 0).sort((a, b) => total(b) - total(a));
  if (sorted.length <= keep) return sorted;
  const head = sorted.slice(0, keep - 1);
  const rest = sorted.slice(keep - 1).reduce<RiskRow>(
    (acc, r) => ({
      category: otherLabel,
      low: acc.low + r.low,
      medium: acc.medium + r.medium,
      high: acc.high + r.high,
      very_high: acc.very_high + r.very_high,
    }),
    { category: otherLabel, low: 0, medium: 0, high: 0, very_high: 0 },
  );
  return [...head, rest];
}

// ------------------------------------------------------------------ the command

import type { UiPeriod } from './period';

/** What the screen asks for. */
export interface IndicatorsQuery {
  period: UiPeriod;
  region: string | null;
  level: string | null;
  basis: 'approved' | 'all';
}

/** The `indicators` command's arguments for a query. */
export function toCommandArgs(q: IndicatorsQuery): Record<string, unknown> {
  return { filter: { period: q.period, region: q.region, level: q.level, basis: q.basis } };
}

/** The command's answer as the dashboard draws it. */
export function toDashboard(answer: unknown): DashboardView {
  return answer as DashboardView;
}
