/**
 * The home screen's table of record counts: one row per kind, one column per review
 * status, from the flat list the backend returns.
 */
import { RECORD_KINDS, type Kind } from './router';

export const REVIEW_STATUSES = ['draft', 'submitted', 'validated', 'approved', 'needs_correction', 'reopened'] as const;
export type Status = (typeof REVIEW_STATUSES)[number];

export interface Count {
  kind: string;
  status: string;
  count: number;
}

export interface CountRow {
  kind: Kind;
  byStatus: Record<Status, number>;
  total: number;
}

export interface CountTable {
  /** Statuses with at least one record, in review order. */
  statuses: Status[];
  /** Kinds with at least one record, in navigation order. */
  rows: CountRow[];
  total: number;
}

const isStatus = (s: string): s is Status => (REVIEW_STATUSES as readonly string[]).includes(s);
const isKind = (k: string): k is Kind => (RECORD_KINDS as readonly string[]).includes(k);

export function countTable(counts: readonly Count[]): CountTable {
  const zero = () => Object.fromEntries(REVIEW_STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const rows = new Map<Kind, CountRow>();
  const used = new Set<Status>();
  for (const c of counts) {
    // Unknown kinds or statuses (a newer backend) are left out rather than mislabelled.
    if (!isKind(c.kind) || !isStatus(c.status) || !(c.count > 0)) continue;
    let row = rows.get(c.kind);
    if (!row) rows.set(c.kind, (row = { kind: c.kind, byStatus: zero(), total: 0 }));
    row.byStatus[c.status] += c.count;
    row.total += c.count;
    used.add(c.status);
  }
  const ordered = RECORD_KINDS.filter((k) => rows.has(k)).map((k) => rows.get(k)!);
  return {
    statuses: REVIEW_STATUSES.filter((s) => used.has(s)),
    rows: ordered,
    total: ordered.reduce((n, r) => n + r.total, 0),
  };
}
