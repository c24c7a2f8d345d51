/**
 * The relay as the member's screen and the first start use it (issue 15): recognising
 * the texts a person pastes (an enrollment slip, a facilitator's pairing text), the
 * folder the bundles are written to, file sizes, and the sum of several imports.
 * Pure, so it is tested without a window; the commands are in `api.ts`, the texts in
 * the `relay` dictionary.
 *
 * Core reads the slip and the pairing text for real (and refuses them with a code and a
 * sentence); what is read here only shows the person what she pasted before she sends
 * it (the server's address, the last valid day) and catches a text pasted in the wrong
 * field.
 */
import type { AppError } from './api';
import type { Message } from '../bindings/Message';
import type { Refusal } from '../bindings/Refusal';
import type { Lang } from '../i18n';

/**
 * Whether the facilitator's local-network transport (« Servir sur le réseau local »,
 * « Échanger avec le facilitateur ») is in core yet: its screens are written, and shown
 * once the commands exist (`hotspot_start`, `hotspot_stop`, `relay_exchange`).
 */
export const LOCAL_NETWORK_READY = true;

/** The enrollment slip's text form (core/src/relay/slip.rs). */
export const SLIP_PREFIX = 'ccs-inscription:1?';
/** The pairing text a facilitator's device shows while it serves its custody. */
export const PAIRING_PREFIX = 'ccs-relais:1?';
/** Bundle files: the neutral `paquet-3f9a.ccsb`. */
export const BUNDLE_EXTENSION = '.ccsb';

export type PastedKind = 'slip' | 'pairing' | 'code' | 'unknown' | 'empty';

/** What a pasted or typed text is, so a slip pasted into the pairing field (or the
 * reverse) is named as such instead of failing as "malformed". */
export function pastedKind(text: string): PastedKind {
  const s = text.trim();
  if (s === '') return 'empty';
  if (s.startsWith(SLIP_PREFIX)) return 'slip';
  if (s.startsWith(PAIRING_PREFIX)) return 'pairing';
  if (/^[A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4}$/.test(s)) return 'code';
  return 'unknown';
}

/** The `key=value` fields after the prefix, unescaped as slip.rs writes them. */
function fields(text: string, prefix: string): Map<string, string> | null {
  const s = text.trim();
  if (!s.startsWith(prefix)) return null;
  const out = new Map<string, string>();
  for (const pair of s.slice(prefix.length).split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) return null;
    const v = pair
      .slice(at + 1)
      .replace(/%20/g, ' ')
      .replace(/%3D/g, '=')
      .replace(/%26/g, '&')
      .replace(/%25/g, '%');
    out.set(pair.slice(0, at), v);
  }
  return out;
}

export interface SlipPreview {
  server: string;
  code: string;
  /** `YYYY-MM-DD`, the last day the code may be redeemed. */
  validUntil: string;
  role: string;
}

/** What a slip says, for display; `null` when it is not a complete slip. */
export function slipPreview(text: string): SlipPreview | null {
  const f = fields(text, SLIP_PREFIX);
  if (!f) return null;
  const server = f.get('s');
  const code = f.get('c');
  const validUntil = f.get('d');
  const role = f.get('r');
  if (!server || !code || !validUntil || !role) return null;
  if (!f.get('k') || !f.get('x')) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(validUntil)) return null;
  return { server, code, validUntil, role };
}

/** Whether the slip's last day is before `today` (`YYYY-MM-DD`, local). The server
 * decides; this only warns before a long trip through the field for nothing. */
export function slipExpired(preview: SlipPreview, today: string): boolean {
  return preview.validUntil < today;
}

/** Today as `YYYY-MM-DD` in local time. */
export function localDay(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** A size as a person reads it: « 840 octets », « 12 ko », « 1,4 Mo » (dot in English). */
export function formatBytes(n: number, lang: Lang): string {
  const units = lang === 'fr' ? ['octets', 'ko', 'Mo', 'Go'] : ['bytes', 'KB', 'MB', 'GB'];
  if (!Number.isFinite(n) || n < 0) return `0 ${units[0]}`;
  if (n < 1000) return `${Math.round(n)} ${units[0]}`;
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${lang === 'fr' ? text.replace('.', ',') : text} ${units[unit]}`;
}

/** Whether a picked file looks like a bundle (its name; core checks its bytes). */
export function isBundleName(name: string): boolean {
  return name.toLowerCase().endsWith(BUNDLE_EXTENSION);
}

/** The folder to write bundles to: what she chose last time, else the device's
 * suggestion (under the data or Documents folder), trimmed. */
export function chosenFolder(remembered: string | null | undefined, suggested: string): string {
  const r = (remembered ?? '').trim();
  return r !== '' ? r : suggested.trim();
}

const FOLDER_KEY = 'ccs.relay.folder';

/** The folder chosen last time on this device (a path, never anything about records). */
export function rememberedFolder(): string | null {
  try {
    return globalThis.localStorage?.getItem(FOLDER_KEY) ?? null;
  } catch {
    return null;
  }
}

export function rememberFolder(folder: string): void {
  try {
    globalThis.localStorage?.setItem(FOLDER_KEY, folder.trim());
  } catch {
    // A browser without storage: the suggestion comes back next time, harmless.
  }
}

/** A file as passed to a command: its name (for the messages) and its bytes. */
export interface PickedFile {
  name: string;
  bytes: number[];
}

/** Reads a picked file's bytes (an `<input type="file">` entry). */
export async function readPicked(file: File): Promise<PickedFile> {
  const buffer = await file.arrayBuffer();
  return { name: file.name, bytes: Array.from(new Uint8Array(buffer)) };
}

/** One file that could not be taken, with the code's sentence. */
export interface FileFailure {
  file: string;
  error: AppError;
}

/** The sum of several imports, one per file: the screen reads files one by one (a
 * progress bar) and shows one result. */
export interface ImportTotals {
  files: number;
  received: number;
  acknowledged: number;
  /** Records sent back « à corriger » that arrived with these files. */
  toCorrect: number;
  enrollmentDone: boolean;
  /** Files applied before, or with nothing this device did not have: harmless. */
  nothingNew: number;
  /** Records the server refused, with its reasons. */
  refused: Refusal[];
  /** The server was restored: received records wait for a direct sync. */
  repairNeeded: Message | null;
  failures: FileFailure[];
}

export const NO_IMPORT: ImportTotals = {
  files: 0,
  received: 0,
  acknowledged: 0,
  toCorrect: 0,
  enrollmentDone: false,
  nothingNew: 0,
  refused: [],
  repairNeeded: null,
  failures: [],
};

/** What one file's import said, as far as the totals need it (core's
 * `RelayImportReport`). */
export interface ImportPart {
  received: number;
  acknowledged: number;
  refused: Refusal[];
  enrollment_completed: boolean;
  nothing_new: boolean;
  repair_needed: Message | null;
}

export function addImport(total: ImportTotals, file: string, part: ImportPart | { error: AppError }): ImportTotals {
  if ('error' in part) {
    return { ...total, files: total.files + 1, failures: [...total.failures, { file, error: part.error }] };
  }
  return {
    files: total.files + 1,
    received: total.received + part.received,
    acknowledged: total.acknowledged + part.acknowledged,
    toCorrect: total.toCorrect,
    enrollmentDone: total.enrollmentDone || part.enrollment_completed,
    nothingNew: total.nothingNew + (part.nothing_new ? 1 : 0),
    refused: [...total.refused, ...part.refused],
    repairNeeded: part.repair_needed ?? total.repairNeeded,
    failures: total.failures,
  };
}

/** Records « à corriger » after the import that were not before: the ones that
 * arrived with the files (home lists them all, with their comment). */
export function arrivedToCorrect(before: readonly string[], after: readonly string[]): number {
  const was = new Set(before);
  return after.filter((id) => !was.has(id)).length;
}

/** Whether an import changed nothing at all (every file an old copy, or none read). */
export function importChangedNothing(t: ImportTotals): boolean {
  return t.received === 0 && t.acknowledged === 0 && t.toCorrect === 0 && !t.enrollmentDone && t.refused.length === 0;
}

/** The file name of a path, for the screen (`/media/cle/paquet-3f9a.ccsb` →
 * `paquet-3f9a.ccsb`), whatever the platform's separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** The folder of a path (`/media/cle/paquet-3f9a.ccsb` → `/media/cle`). */
export function folderOf(path: string): string {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return at > 0 ? path.slice(0, at) : path;
}
