/**
 * Values as read-only text (the detail screen, conflicts) and the names of field paths
 * (error summaries, conflicts): `agenda[1].theme` → "Point de l’ordre du jour n° 2 —
 * Thème". Pure: the dictionary, vocabulary and date formatting are passed in.
 */
import type { RecordKind } from '../bindings/RecordKind';
import type { Vocabulary } from '../bindings/Vocabulary';
import type { records } from '../i18n/fr/records';
import type { Widen } from '../i18n/types';
import { getIn, type CountRow, type Fields } from './form';
import { committeeName, label, unitName, type Lang } from './labels';
import { describePath, SCHEMAS, type Input } from './schema';

export type RecordsDict = Widen<typeof records>;

export interface DisplayContext {
  vocab: Vocabulary | null;
  lang: Lang;
  dict: RecordsDict;
  formatDate: (ymd: string) => string;
  /** The title of a linked record, when known on this device. */
  recordTitle?: (id: string) => string | null;
}

/** One value as text; empty values give `''` (the caller shows a dash). */
export function displayValue(input: Input, value: unknown, ctx: DisplayContext): string {
  if (value === null || value === undefined) return '';
  switch (input.type) {
    case 'select':
      return label(ctx.vocab, input.list, value, ctx.lang);
    case 'checks':
      return Array.isArray(value) ? value.map((c) => label(ctx.vocab, input.list, c, ctx.lang)).join(', ') : String(value);
    case 'bool':
      return value ? ctx.dict.detail.yes : ctx.dict.detail.no;
    case 'unit':
      return unitName(ctx.vocab, String(value));
    case 'committee':
      return committeeName(ctx.vocab, String(value));
    case 'date':
      return typeof value === 'string' && value !== '' ? ctx.formatDate(value) : '';
    case 'record':
      return typeof value === 'string' ? (ctx.recordTitle?.(value) ?? ctx.dict.detail.linkedUnknown) : '';
    case 'records':
      return Array.isArray(value)
        ? value.map((id) => ctx.recordTitle?.(String(id)) ?? ctx.dict.detail.linkedUnknown).join(' ; ')
        : '';
    case 'number':
    case 'text':
    case 'textarea':
    case 'time':
      return String(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** A stored value of any path (a conflict's competing values), as text. */
export function displayAtPath(kind: RecordKind, path: string, value: unknown, ctx: DisplayContext): string {
  const spec = findSpec(kind, path);
  if (spec) return displayValue(spec, value, ctx);
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The input of the field at a backend path (item fields by their list's item spec). */
export function findSpec(kind: RecordKind, path: string): Input | null {
  const specs = SCHEMAS[kind].flatMap((s) => s.fields);
  const exact = specs.find((s) => s.path === path);
  if (exact) return exact.input;
  const m = /^([\w.]+)\[(\d+)\]\.(\w+)$/.exec(path);
  if (m) {
    const list = specs.find((s) => s.path === m[1]);
    if (list?.input.type === 'items') return list.input.item.find((s) => s.path === m[3])?.input ?? null;
  }
  return null;
}

/**
 * The name of the field at a backend path, for an error summary or a conflict. Count
 * table cells are named by row and column ("Présents par collège — FDS, Hommes"), using
 * the form's rows to turn the index into a code.
 */
export function pathName(kind: RecordKind, path: string, fields: Fields | null, ctx: DisplayContext): string {
  if (path === '') return ctx.dict.editor.errorGeneral;
  const d = describePath(kind, path);
  const fieldLabel = d.label ? ctx.dict.fields[d.label] : path;
  if (d.item) {
    const item = ctx.dict.editor.itemNumber(ctx.dict.fields[d.item.label], d.item.number);
    return /\]\.\w+$/.test(path) ? `${item} — ${fieldLabel}` : item;
  }
  if (d.cell) {
    const spec = findSpec(kind, path.replace(/\[\d+\].*$/, ''));
    const m = /\[(\d+)\]/.exec(path);
    if (spec?.type === 'counts' && m && fields) {
      const row = (getIn(fields, path.replace(/\[\d+\].*$/, '')) as CountRow[] | undefined)?.[Number(m[1])];
      const rowName = row ? label(ctx.vocab, spec.list, row[spec.rowKey], ctx.lang) : `${Number(m[1]) + 1}`;
      const column = d.cell.column ? columnName(d.cell.column, ctx.dict) : '';
      return column ? `${fieldLabel} — ${ctx.dict.table.cell(rowName, column)}` : `${fieldLabel} — ${rowName}`;
    }
  }
  return fieldLabel;
}

const COLUMNS = ['women', 'men', 'young_women', 'young_men'] as const;
type Column = (typeof COLUMNS)[number];

/** A count table's column header. */
export function columnName(column: string, dict: RecordsDict): string {
  return (COLUMNS as readonly string[]).includes(column) ? dict.table[column as Column] : column;
}

/** The author of a value or an event: this device, or the short id the backend gives. */
export function authorName(device: string, byThisDevice: boolean, dict: RecordsDict): string {
  if (byThisDevice || device === 'this_device') return dict.detail.thisDevice;
  return dict.detail.device(device);
}
