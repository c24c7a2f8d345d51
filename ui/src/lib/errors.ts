/**
 * Turning failures into sentences. Every command rejects with an `AppError`
 * `{ code, message: {fr, en}, fields }` (lib/api.ts wraps anything else), so screens
 * show the backend's own words in the current language; the sync panel adds its own
 * plain explanation for the failures a user can do something about.
 */
import { toAppError } from './api';
import type { ErrorCode } from '../bindings/ErrorCode';
import { pickMessage, type Lang } from '../i18n';

/** The sentence to show for a failure; `fallback` if it carries no text. */
export function errorText(e: unknown, lang: Lang, fallback: string): string {
  return pickMessage(toAppError(e).message, lang) || fallback;
}

/**
 * The failure's code, typed: screens compare it with `ErrorCode` values, so a misspelt
 * code is a type error (svelte-check), never a branch that silently never runs.
 */
export function errorCode(e: unknown): ErrorCode {
  return toAppError(e).code;
}

/** Sync failures the sync panel explains in its own words. */
export type SyncFailure = 'network' | 'revoked' | 'unknownDevice' | 'notEnrolled' | 'refused' | 'other';

export function syncFailure(code: ErrorCode): SyncFailure {
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
    case 'scope.outside':
    case 'scope.registry_read_only':
    case 'sync.refused':
    case 'request.too_large':
    case 'request.too_many_docs':
    case 'request.malformed':
    case 'request.not_found':
    case 'request.method_not_allowed':
    case 'request.rate_limited':
    case 'enroll.code_required':
    case 'enroll.invalid_code':
    case 'enroll.expired':
    case 'enroll.used':
    case 'enroll.device_exists':
    case 'enroll.scope_required':
    case 'enroll.unknown_region':
    case 'enroll.demo_store':
      return 'refused';
    default:
      return 'other';
  }
}
