/**
 * The settings form: what the user typed, checked before it is sent. The bounds are
 * those of core/src/app/settings.rs (which checks again and has the last word); here
 * they only give an immediate, field-level message.
 */
import { normalizeServerUrl } from './enrollment';

export const LOCK_MINUTES = { min: 1, max: 240 } as const;
export const MAX_ATTEMPTS = { min: 3, max: 20 } as const;
export const MAX_NAME_CHARS = 40;
export const BACKGROUND_SECONDS = { min: 0, max: 600 } as const;

export interface SettingsForm {
  server: string;
  lockMinutes: string;
  maxAttempts: string;
  name: string;
  /** Seconds in the background before the lock; absent leaves it unchanged. */
  backgroundSeconds?: string;
}

export type SettingsField = keyof SettingsForm;
export type SettingsProblem = 'serverInvalid' | 'outOfRange' | 'nameRequired' | 'nameTooLong';

/** What to send: an empty server address clears it (the backend reads '' as none). */
export interface CheckedSettings {
  server_url: string;
  lock_minutes: number;
  max_attempts: number;
  window_name: string;
  background_lock_seconds?: number;
}

export type SettingsCheck =
  | { ok: true; value: CheckedSettings }
  | { ok: false; problems: Partial<Record<SettingsField, SettingsProblem>> };

function intIn(raw: string, bounds: { min: number; max: number }): number | null {
  const s = String(raw ?? '').trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= bounds.min && n <= bounds.max ? n : null;
}

export function checkSettings(form: SettingsForm): SettingsCheck {
  const problems: Partial<Record<SettingsField, SettingsProblem>> = {};
  let server_url = '';
  if (form.server.trim() !== '') {
    const url = normalizeServerUrl(form.server);
    if (url === null) problems.server = 'serverInvalid';
    else server_url = url;
  }
  const lock_minutes = intIn(form.lockMinutes, LOCK_MINUTES);
  if (lock_minutes === null) problems.lockMinutes = 'outOfRange';
  const max_attempts = intIn(form.maxAttempts, MAX_ATTEMPTS);
  if (max_attempts === null) problems.maxAttempts = 'outOfRange';
  const window_name = form.name.trim();
  if (window_name === '') problems.name = 'nameRequired';
  else if ([...window_name].length > MAX_NAME_CHARS) problems.name = 'nameTooLong';
  let background_lock_seconds: number | undefined;
  if (form.backgroundSeconds !== undefined) {
    const b = intIn(form.backgroundSeconds, BACKGROUND_SECONDS);
    if (b === null) problems.backgroundSeconds = 'outOfRange';
    else background_lock_seconds = b;
  }
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  const value: CheckedSettings = { server_url, lock_minutes: lock_minutes!, max_attempts: max_attempts!, window_name };
  if (background_lock_seconds !== undefined) value.background_lock_seconds = background_lock_seconds;
  return { ok: true, value };
}

/** The wipe dialog's typed confirmation: the word, in any case, with stray spaces. */
export function wipeConfirmed(typed: string, word: string): boolean {
  return typed.trim().toLocaleUpperCase() === word.trim().toLocaleUpperCase() && word.trim() !== '';
}
