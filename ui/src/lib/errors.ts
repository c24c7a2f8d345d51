/**
 * Turning failures into sentences. Every command rejects with an `AppError`
 * `{ code, message: {fr, en}, fields }` (lib/api.ts wraps anything else), so screens
 * show the backend's own words in the current language; the sync panel adds its own
 * plain explanation for the failures a user can do something about.
 */
import { toAppError } from './api';
import { pickMessage, type Lang } from '../i18n';

/** The sentence to show for a failure; `fallback` if it carries no text. */
export function errorText(e: unknown, lang: Lang, fallback: string): string {
  return pickMessage(toAppError(e).message, lang) || fallback;
}

export function errorCode(e: unknown): string {
  return toAppError(e).code;
}

/** Sync failures the sync panel explains in its own words. */
export type SyncFailure = 'network' | 'revoked' | 'unknownDevice' | 'notEnrolled' | 'refused' | 'other';

export function syncFailure(code: string): SyncFailure {
  switch (code) {
    case 'sync.network':
      return 'network';
    case 'auth.revoked':
      return 'revoked';
    case 'auth.unknown_token':
    case 'auth.missing':
      return 'unknownDevice';
    case 'sync.not_enrolled':
      return 'notEnrolled';
  }
  if (code.startsWith('scope.') || code.startsWith('request.') || code.startsWith('enroll.')) return 'refused';
  return 'other';
}
