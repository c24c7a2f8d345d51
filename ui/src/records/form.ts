/**
 * The record form's logic, as pure functions over the form's JSON (the `fields` of
 * `DraftView` / `RecordView`, sent back as `DraftInput.fields`): reading and writing a
 * field by path, the count tables (attendance, membership, participation) built from
 * their rows and back, totals, the fields an edit changed, the normalisation of what
 * inputs give (an emptied count is 0, an emptied optional field is `null`), field errors
 * and warnings by path, and new list items.
 *
 * Not here either: the record's rules (quorum, risk levels, effective sensitivity,
 * decisions): core computes them and sends them as `Derived`.
 *
 * Not here: calling the backend (see autosave.ts for the save queue), labels (labels.ts),
 * which fields each kind has (schema.ts).
 */
import type { AgendaItem } from '../bindings/AgendaItem';
import type { Attendee } from '../bindings/Attendee';
import type { FieldError } from '../bindings/FieldError';
import type { FieldWarning } from '../bindings/FieldWarning';
import type { RecordKind } from '../bindings/RecordKind';
import type { Threat } from '../bindings/Threat';

/** The form's state: a record's fields as JSON (plus `sensitivity`, and `status` for a
 * recommendation), possibly incomplete while it is a draft. */
export type Fields = { [key: string]: unknown };

// ---------------------------------------------------------------- paths

/** `agenda[1].theme` → `['agenda', 1, 'theme']`; `zone.commune` → `['zone', 'commune']`. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** The value at `path`, or `undefined` when any step is missing. */
export function getIn(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of parsePath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as { [k: string]: unknown })[key as string];
  }
  return cur;
}

/** Writes `value` at `path` in place, creating missing objects on the way (arrays are
 * never created: an index into a missing list is refused, returning `false`). */
export function setIn(obj: Fields, path: string, value: unknown): boolean {
  const keys = parsePath(path);
  if (keys.length === 0) return false;
  let cur: { [k: string]: unknown } = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i] as string;
    let next = cur[key];
    if (next === null || typeof next !== 'object') {
      if (typeof keys[i + 1] === 'number') return false;
      next = {};
      cur[key] = next;
    }
    cur = next as { [k: string]: unknown };
  }
  cur[keys[keys.length - 1] as string] = value;
  return true;
}

// ---------------------------------------------------------------- normalisation

/**
 * What a count input gives: an integer. Empty (or unreadable) is 0, decimals are cut.
 * Negative numbers are kept, so that validation can say they are wrong.
 */
export function toCount(raw: string | number | null | undefined): number {
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.trunc(raw) : 0;
  if (raw === null || raw === undefined) return 0;
  const text = raw.trim().replace(',', '.');
  if (text === '') return 0;
  const n = Number(text);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** An optional field: empty or blank is `null`; anything else is kept as typed. */
export function toOptional(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  return raw.trim() === '' ? null : raw;
}

/** A time input's value as the backend wants it (`HH:MM`); empty is `null`. */
export function toTime(raw: string | null | undefined): string | null {
  const v = toOptional(raw);
  if (v === null) return null;
  const m = /^(\d{1,2}):(\d{2})/.exec(v.trim());
  return m ? `${m[1].padStart(2, '0')}:${m[2]}` : v;
}

/** A multi-choice list after ticking or unticking `code`, in the order of `all`. */
export function toggleCode(selected: readonly string[] | null | undefined, code: string, on: boolean, all: readonly string[]): string[] {
  const set = new Set(selected ?? []);
  if (on) set.add(code);
  else set.delete(code);
  const known = all.filter((c) => set.has(c));
  // Codes unknown to this version (a newer device) are kept, after the known ones.
  const unknown = [...set].filter((c) => !all.includes(c));
  return [...known, ...unknown];
}

// ---------------------------------------------------------------- count tables

/** One row of a count table: the value of the row list (college, category) and a count
 * per column. Rows as the backend stores them (`AttendanceRow`, `ParticipationRow`). */
export type CountRow = { [key: string]: unknown };

export interface GridRow {
  code: string;
  cells: { [column: string]: number };
  /** Sum of the `totalColumns` of the row. */
  total: number;
}

export interface Grid {
  rows: GridRow[];
  /** Per column, over all rows. */
  totals: { [column: string]: number };
  /** Sum of the row totals. */
  total: number;
}

/**
 * The table shown: one row per value of the list (every college, every category), in the
 * list's order, with the counts of `rows` (0 where there is no row), then any row whose
 * code this version does not know. `totalColumns` are the columns a row's total adds up
 * (for participation, women and men: the youth columns are parts of them).
 */
export function countGrid(
  rows: readonly CountRow[] | null | undefined,
  rowKey: string,
  codes: readonly string[],
  columns: readonly string[],
  totalColumns: readonly string[] = columns,
): Grid {
  const byCode = new Map<string, CountRow>();
  for (const r of rows ?? []) {
    const code = String(r[rowKey]);
    if (!byCode.has(code)) byCode.set(code, r);
  }
  const order = [...codes, ...[...byCode.keys()].filter((c) => !codes.includes(c))];
  const totals: { [c: string]: number } = Object.fromEntries(columns.map((c) => [c, 0]));
  const out: GridRow[] = order.map((code) => {
    const r = byCode.get(code);
    const cells: { [c: string]: number } = {};
    for (const c of columns) {
      const v = r ? toCount(r[c] as number) : 0;
      cells[c] = v;
      totals[c] += v;
    }
    return { code, cells, total: totalColumns.reduce((n, c) => n + cells[c], 0) };
  });
  return { rows: out, totals, total: out.reduce((n, r) => n + r.total, 0) };
}

/** The rows to send: one per code with a non-zero count, in the table's order. */
export function gridToRows(grid: Grid, rowKey: string, columns: readonly string[]): CountRow[] {
  return grid.rows
    .filter((r) => columns.some((c) => r.cells[c] !== 0))
    .map((r) => {
      const row: CountRow = { [rowKey]: r.code };
      for (const c of columns) row[c] = r.cells[c];
      return row;
    });
}

/** The rows after one cell changed: rows with only zeros are dropped. */
export function setCount(
  rows: readonly CountRow[] | null | undefined,
  rowKey: string,
  codes: readonly string[],
  columns: readonly string[],
  code: string,
  column: string,
  value: number,
): CountRow[] {
  const grid = countGrid(rows, rowKey, codes, columns);
  const row = grid.rows.find((r) => r.code === code);
  if (row) row.cells[column] = value;
  else grid.rows.push({ code, cells: { ...Object.fromEntries(columns.map((c) => [c, 0])), [column]: value }, total: 0 });
  return gridToRows(grid, rowKey, columns);
}

export const ATTENDANCE_COLUMNS = ['women', 'men'] as const;
export const PARTICIPATION_COLUMNS = ['women', 'men', 'young_women', 'young_men'] as const;
/** Youth columns are parts of the women and men columns, not added to them. */
export const PARTICIPATION_TOTAL_COLUMNS = ['women', 'men'] as const;

/** How partners report participation: "2 797 (540 F, 818 J)". */
export function participationSummary(grid: Grid): { total: number; women: number; youth: number } {
  return {
    total: (grid.totals.women ?? 0) + (grid.totals.men ?? 0),
    women: grid.totals.women ?? 0,
    youth: (grid.totals.young_women ?? 0) + (grid.totals.young_men ?? 0),
  };
}

// ---------------------------------------------------------------- what changed

/** JSON with object keys sorted, so that two equal values always compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as { [k: string]: unknown }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/**
 * What an edit form sends: the top-level fields that differ from `base` (the record as
 * the form opened it, or as its last save left it), each whole (a list of items as the
 * user left it). Core applies them against the heads `base` was read at, so nothing the
 * user did not touch is written back over edits merged meanwhile.
 */
export function changedFields(fields: Fields, base: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!(k in base) || canonical(v) !== canonical(base[k])) out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------- errors and warnings

export interface PathMessages<T> {
  /** Exactly at this path. */
  at: (path: string) => T[];
  /** At this path or inside it (`threats` holds `threats[0].impact`). */
  under: (path: string) => T[];
}

function isInside(path: string, prefix: string): boolean {
  if (path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  const next = path[prefix.length];
  return next === '.' || next === '[';
}

/** Lookups of field errors or warnings by path. */
export function byPath<T extends { path: string }>(items: readonly T[] | null | undefined): PathMessages<T> {
  const list = items ?? [];
  return {
    at: (path) => list.filter((i) => i.path === path),
    under: (path) => list.filter((i) => isInside(i.path, path)),
  };
}

export const errorsByPath = (errors: readonly FieldError[] | null | undefined) => byPath(errors);
export const warningsByPath = (warnings: readonly FieldWarning[] | null | undefined) => byPath(warnings);

/**
 * Where an error of a count table belongs. The backend names rows by their index in the
 * list sent (`attendance[2].men`); the table shows them by code (`attendance.fds.men`,
 * the cell's `data-field`). Returns `null` for paths outside this table, `{cell: null}`
 * for the table as a whole (`attendance`) or a whole row (`attendance[2]`).
 */
export function tableErrorCell(
  errorPath: string,
  tablePath: string,
  rows: readonly CountRow[] | null | undefined,
  rowKey: string,
): { code: string | null; column: string | null } | null {
  if (errorPath === tablePath) return { code: null, column: null };
  if (!errorPath.startsWith(`${tablePath}[`)) return null;
  const m = /^\[(\d+)\](?:\.(\w+))?$/.exec(errorPath.slice(tablePath.length));
  if (!m) return null;
  const row = (rows ?? [])[Number(m[1])];
  const code = row ? String(row[rowKey]) : null;
  return { code, column: m[2] ?? null };
}

/** The `data-field` of the input a field error points at (table cells by code). */
export function inputPathOf(errorPath: string, fields: Fields, tables: readonly { path: string; rowKey: string }[]): string {
  for (const t of tables) {
    const cell = tableErrorCell(errorPath, t.path, fields[t.path] as CountRow[], t.rowKey);
    if (cell?.code && cell.column) return `${t.path}.${cell.code}.${cell.column}`;
    if (cell) return t.path;
  }
  return errorPath;
}

// ---------------------------------------------------------------- list items

/** A new item id (`ItemId`: a UUID string). */
export function newItemId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** First code of a list, for a new item's selects. */
export type FirstCode = (list: string) => string;

export function newAgendaItem(first: FirstCode): AgendaItem {
  return { id: newItemId(), theme: first('AgendaTheme') as AgendaItem['theme'], notes: '' };
}

/** A new threat: on the scale's lowest values, an unknown actor and an unverified
 * report until the user says otherwise. */
export function newThreat(first: FirstCode): Threat {
  return {
    id: newItemId(),
    category: first('ThreatCategory') as Threat['category'],
    place_type: first('PlaceType') as Threat['place_type'],
    suspected_actor: 'inconnu',
    trend: first('Trend') as Threat['trend'],
    likelihood: 1,
    impact: 1,
    vulnerable_groups: [],
    existing_capacities: '',
    source: first('InformationSource') as Threat['source'],
    reliability: 'non_verifiee',
  };
}

export function newAttendee(first: FirstCode): Attendee {
  return { id: newItemId(), pseudonym: '', category: first('ParticipantCategory') as Attendee['category'], sex: 'f', youth: false };
}

/** The list without item `index`. */
export function removeAt<T>(list: readonly T[] | null | undefined, index: number): T[] {
  return (list ?? []).filter((_, i) => i !== index);
}

/** The list with item `index` moved by `delta` places (clamped). */
export function moveItem<T>(list: readonly T[] | null | undefined, index: number, delta: number): T[] {
  const out = [...(list ?? [])];
  const to = Math.max(0, Math.min(out.length - 1, index + delta));
  if (index < 0 || index >= out.length || to === index) return out;
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item);
  return out;
}

/**
 * Fields the form shows but never sends: a recommendation's `status_history` is
 * appended by the backend (from `status`), refused in a new record and refused in an
 * edit unless unchanged, and the form's copy is stale once the record exists.
 */
export const NOT_SENT = ['status_history'] as const;

/** What `saveDraft` is sent: the form's fields without those it must not send. */
export function draftFields(fields: Fields): Fields {
  const out: Fields = { ...fields };
  for (const k of NOT_SENT) delete out[k];
  return out;
}

/** A deep copy of JSON data (the form never edits the backend's object in place). */
export function cloneFields(fields: { [key: string]: unknown } | null | undefined): Fields {
  return fields ? (JSON.parse(JSON.stringify(fields)) as Fields) : {};
}

/** The DOM id of a field's input, from its path (`agenda[1].theme` → `f-agenda-1-theme`). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+$/, '')}`;
}

/**
 * Choices a new form starts with that she never made: core pre-fills them (the usual
 * chair and venue of her committee, the first session type, the minutes « brouillon »,
 * the kind's usual sensitivity) so the form is quick to fill, but each is marked
 * « à vérifier » until she has touched it, and « Soumettre » waits for her to.
 */
export const PRESET_CHOICES: { [K in RecordKind]: readonly string[] } = {
  session: ['session_type', 'venue_type', 'chaired_by', 'minutes_status', 'sensitivity'],
  assessment: ['sensitivity'],
  workshop: ['workshop_type', 'sensitivity'],
  recommendation: ['addressee', 'domain', 'priority', 'status', 'sensitivity'],
  committee: ['level'],
};

/** The pre-filled choices of a form still to check: none on a record that exists
 * already (they were checked, or saved before this screen existed). */
export function toVerify(kind: RecordKind, startedNew: boolean, touched: ReadonlySet<string>): string[] {
  if (!startedNew) return [];
  return PRESET_CHOICES[kind].filter((p) => !touched.has(p));
}
