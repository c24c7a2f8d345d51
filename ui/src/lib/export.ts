/**
 * « Exporter »: the pure parts of the screen (the request from the form, the suggested
 * file, what the result and the log show), tested without a window.
 */
import type { ExportFormat } from '../bindings/ExportFormat';
import type { ExportRequest } from '../bindings/ExportRequest';
import type { RecordKind } from '../bindings/RecordKind';
import type { ReviewStatus } from '../bindings/ReviewStatus';
import type { Role } from '../bindings/Role';

export const EXPORT_KINDS: RecordKind[] = ['session', 'assessment', 'workshop', 'recommendation', 'committee'];

/** The statuses one may filter on (a deleted record is never exported). */
export const EXPORT_STATUSES: ReviewStatus[] = ['approved', 'validated', 'submitted', 'needs_correction', 'reopened', 'draft'];

/** What the form holds. */
export type ExportForm = {
  format: ExportFormat;
  kinds: RecordKind[];
  region: string;
  committee: string;
  from: string;
  to: string;
  status: ReviewStatus | '';
  confidential: boolean;
  names: boolean;
  freeText: boolean;
};

export function emptyForm(): ExportForm {
  return {
    format: 'xlsx',
    kinds: [...EXPORT_KINDS],
    region: '',
    committee: '',
    from: '',
    to: '',
    status: '',
    confidential: false,
    names: false,
    freeText: false,
  };
}

/** Whether a role may ask for confidential records and named lists (the CRSS). */
export function mayIncludeConfidential(role: Role | null | undefined): boolean {
  return role === 'reviewer' || role === 'admin';
}

/** What is wrong with the form before anything is sent, by field. */
export function formProblems(f: ExportForm, path: string): { kinds?: true; period?: true; path?: true } {
  const out: { kinds?: true; period?: true; path?: true } = {};
  if (f.kinds.length === 0) out.kinds = true;
  if (f.from !== '' && f.to !== '' && f.from > f.to) out.period = true;
  if (path.trim() === '') out.path = true;
  return out;
}

/** The request the form stands for: every kind ticked means every kind; names only
 * with confidential records (core refuses them alone). */
export function requestOf(f: ExportForm): ExportRequest {
  const all = EXPORT_KINDS.every((k) => f.kinds.includes(k));
  return {
    format: f.format,
    filter: {
      kinds: all ? [] : EXPORT_KINDS.filter((k) => f.kinds.includes(k)),
      region: f.region || null,
      committee_id: f.committee || null,
      date_from: f.from || null,
      date_to: f.to || null,
      statuses: f.status ? [f.status] : [],
    },
    include: { confidential: f.confidential, named_attendance: f.confidential && f.names, free_text: f.freeText },
  };
}

/** `ccs-export-2026-11-20.xlsx` in `folder`, with the folder's own separator. */
export function suggestedPath(folder: string, format: ExportFormat, today: string): string {
  const name = `ccs-export-${today}.${format}`;
  const f = folder.trim();
  if (f === '') return name;
  const sep = f.includes('\\') && !f.includes('/') ? '\\' : '/';
  return f.endsWith(sep) ? `${f}${name}` : `${f}${sep}${name}`;
}

/** The path with its extension following the format (a path the user typed keeps its
 * name). */
export function withFormat(path: string, format: ExportFormat): string {
  return path.replace(/\.(xlsx|csv)$/i, `.${format}`);
}

/** The file name of a path, for lists. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
