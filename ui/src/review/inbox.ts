/**
 * The inbox « À traiter » on the front end: its filters as the screen holds them and as
 * the `inbox` command takes them, and where « Suivant » leads. Pure (tested); what waits
 * for whom, the order and the counts are core's (`Store::inbox`).
 */
import type { InboxFilter } from '../bindings/InboxFilter';
import type { InboxItem } from '../bindings/InboxItem';
import type { InboxPage } from '../bindings/InboxPage';
import type { RecordKind } from '../bindings/RecordKind';
import { writable } from 'svelte/store';

/** The filter form: empty strings for « tous ». */
export type InboxForm = {
  region: string;
  committee: string;
  kind: string;
  from: string;
  to: string;
  /** Waiting more than this many days; '' for any. */
  age: string;
};

export const EMPTY_FORM: InboxForm = { region: '', committee: '', kind: '', from: '', to: '', age: '' };

/** The ages offered, in days. */
export const AGES = [3, 7, 14, 30] as const;

const KINDS: readonly RecordKind[] = ['session', 'assessment', 'workshop', 'recommendation', 'committee'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The command's filter from the form; what is not a valid value is left out. */
export function inboxFilter(form: InboxForm, limit = 50, offset = 0): InboxFilter {
  const age = Number.parseInt(form.age, 10);
  return {
    region: form.region || null,
    committee_id: form.committee || null,
    kind: (KINDS as readonly string[]).includes(form.kind) ? (form.kind as RecordKind) : null,
    date_from: DATE.test(form.from) ? form.from : null,
    date_to: DATE.test(form.to) ? form.to : null,
    older_than_days: Number.isFinite(age) && age > 0 ? age : null,
    limit,
    offset,
  };
}

/** Whether any filter is set (to offer « Effacer les filtres »). */
export function isFiltered(form: InboxForm): boolean {
  return Object.values(form).some((v) => v !== '');
}

/** The form as a query string kept in the URL's fragment, so « Suivant » and the
 * back button come back to the same filters. */
export function formToQuery(form: InboxForm): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== '') p.set(k, v);
  return p.toString();
}

export function formFromQuery(query: string): InboxForm {
  const p = new URLSearchParams(query);
  const form = { ...EMPTY_FORM };
  for (const k of Object.keys(form) as (keyof InboxForm)[]) form[k] = p.get(k) ?? '';
  return form;
}

/**
 * The record « Suivant » opens after `current` was decided on: the inbox is reloaded
 * after the decision, so the record decided on has usually left it; the next is the
 * first one that was after it in the list seen before, still waiting, else the first
 * still waiting that is not `current`. `null`: nothing left.
 */
export function nextAfter(before: readonly InboxItem[], now: readonly InboxItem[], current: string): string | null {
  const waiting = new Set(now.map((i) => i.summary.id));
  const at = before.findIndex((i) => i.summary.id === current);
  if (at >= 0) {
    const later = before.slice(at + 1).find((i) => waiting.has(i.summary.id) && i.summary.id !== current);
    if (later) return later.summary.id;
  }
  return now.find((i) => i.summary.id !== current)?.summary.id ?? null;
}

/** Where `current` stands in the inbox (1-based), or null when it is no longer there. */
export function position(items: readonly InboxItem[], current: string): number | null {
  const i = items.findIndex((x) => x.summary.id === current);
  return i < 0 ? null : i + 1;
}

/** The chips of one dimension: its counts, largest first, then by key. */
export function chips(page: InboxPage | null, dimension: 'by_region' | 'by_kind'): { key: string; count: number }[] {
  if (!page) return [];
  return [...page[dimension]].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** The filters chosen, kept while the reviewer goes from the list to records and back. */
export const inboxForm = writable<InboxForm>({ ...EMPTY_FORM });
