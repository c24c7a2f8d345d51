/**
 * The list screen's logic: the filter sent to `listRecords` from what the user chose,
 * paging, what each row shows, and who may create records of a kind.
 */
import type { ListFilter } from '../bindings/ListFilter';
import type { RecordKind } from '../bindings/RecordKind';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { ReviewStatus } from '../bindings/ReviewStatus';
import type { Role } from '../bindings/Role';

export const PAGE_SIZE = 25;

/** What the filter controls hold (dates as `YYYY-MM-DD`, empty when unset). */
export interface FilterState {
  commune: string;
  from: string;
  to: string;
  status: string;
  text: string;
}

export const EMPTY_FILTERS: FilterState = { commune: '', from: '', to: '', status: '', text: '' };

const blank = (s: string) => (s.trim() === '' ? null : s.trim());

/** The `listRecords` argument for one page of one kind. */
export function toListFilter(kind: RecordKind, f: FilterState, offset: number, limit = PAGE_SIZE): Partial<ListFilter> {
  let from = blank(f.from);
  let to = blank(f.to);
  // A period typed backwards is meant the other way round.
  if (from && to && from > to) [from, to] = [to, from];
  return {
    kind,
    commune: blank(f.commune),
    date_from: from,
    date_to: to,
    status: (blank(f.status) as ReviewStatus | null) ?? null,
    text: blank(f.text),
    offset: Math.max(0, offset),
    limit,
  };
}

export function hasFilters(f: FilterState): boolean {
  return Object.values(f).some((v) => v.trim() !== '');
}

export interface PageInfo {
  /** 1-based number of the first row shown (0 when none). */
  first: number;
  last: number;
  total: number;
  hasPrevious: boolean;
  hasNext: boolean;
  previousOffset: number;
  nextOffset: number;
}

export function pageInfo(offset: number, shown: number, total: number, limit = PAGE_SIZE): PageInfo {
  return {
    first: shown > 0 ? offset + 1 : 0,
    last: offset + shown,
    total,
    hasPrevious: offset > 0,
    hasNext: offset + shown < total,
    previousOffset: Math.max(0, offset - limit),
    nextOffset: offset + limit,
  };
}

/** The row's title in the language shown, falling back to the other one. */
export function recordTitle(r: Pick<RecordSummary, 'title' | 'title_en'>, lang: 'fr' | 'en'): string {
  return (lang === 'en' ? r.title_en || r.title : r.title || r.title_en) || '';
}

export interface RowFlags {
  errors: number;
  conflicts: number;
  notSynced: boolean;
  readOnly: boolean;
}

export function rowFlags(r: RecordSummary): RowFlags {
  return { errors: r.error_count, conflicts: r.conflict_count, notSynced: r.dirty, readOnly: r.read_only };
}

/**
 * Whether this role may create records of `kind` (the backend's write scope): the
 * committee registry is kept by administrators and reviewers; members record for their
 * committee; every role may record sessions, assessments, workshops, recommendations.
 */
export function canCreate(role: Role | null | undefined, kind: RecordKind): boolean {
  if (!role) return false;
  if (kind === 'committee') return role === 'admin' || role === 'reviewer';
  return true;
}
