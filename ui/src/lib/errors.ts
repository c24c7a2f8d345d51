/**
 * Errors from the Rust side arrive as `AppError { code, message: {fr, en}, fields }`;
 * anything else (a rejected promise with a string, a JS exception) is wrapped so that
 * screens always show a sentence, never a stack trace.
 */
import { pickMessage, type Lang } from '../i18n';

export interface UiError {
  code: string;
  message: { fr: string; en: string } | null;
  fields: unknown[];
}

export function isAppError(e: unknown): e is UiError {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  const m = o.message as Record<string, unknown> | undefined;
  return typeof o.code === 'string' && typeof m === 'object' && m !== null && typeof m.fr === 'string';
}

export function toUiError(e: unknown): UiError {
  if (isAppError(e)) return { code: e.code, message: e.message, fields: Array.isArray(e.fields) ? e.fields : [] };
  return { code: 'ui.unexpected', message: null, fields: [] };
}

/** The sentence to show: the backend's own message, else the generic fallback. */
export function errorText(e: unknown, lang: Lang, fallback: string): string {
  const u = toUiError(e);
  return pickMessage(u.message, lang) || fallback;
}

/** Sync failures the sync panel explains in its own words. */
export type SyncFailure = 'network' | 'revoked' | 'notEnrolled' | 'refused' | 'other';

export function syncFailure(code: string): SyncFailure {
  if (code === 'sync.network' || code.startsWith('sync.network') || code === 'sync.timeout' || code === 'sync.tls')
    return 'network';
  if (code === 'auth.revoked') return 'revoked';
  if (code === 'sync.not_enrolled' || code === 'auth.not_enrolled') return 'notEnrolled';
  if (code.startsWith('sync.refused') || code.startsWith('sync.server') || code.startsWith('auth.')) return 'refused';
  return 'other';
}
