/**
 * The app's stage (setup / locked / unlocked) and what happens on lock.
 *
 * On lock every piece of record data held in memory must go: the screens that hold
 * some are unmounted when the stage leaves `unlocked`, and anything cached outside a
 * component registers a cleaner with `onLock`.
 */
import { get, writable } from 'svelte/store';
import * as api from './api';
import type { AppStatus, Role } from './api';
import { setLang } from '../i18n';

export const status = writable<AppStatus | null>(null);

/** Set when the last lock came from the backend refusing too many attempts. */
export const wipedNotice = writable(false);

const cleaners = new Set<() => void>();

/** Registers a function that drops cached record data; returns its removal. */
export function onLock(clean: () => void): () => void {
  cleaners.add(clean);
  return () => cleaners.delete(clean);
}

function dropData(): void {
  for (const clean of cleaners) {
    try {
      clean();
    } catch {
      // A cleaner that fails must not keep the others from running.
    }
  }
}

/** Takes a status from the backend: language, stage, and data dropped when not unlocked. */
export function applyStatus(next: AppStatus): void {
  if (next.stage !== 'unlocked') dropData();
  setLang(next.settings?.lang);
  status.set(next);
}

export async function refreshStatus(): Promise<AppStatus> {
  const s = await api.appStatus();
  applyStatus(s);
  return s;
}

/** Locks now. Whatever the backend answers, the UI shows the unlock screen. */
export async function lockNow(): Promise<void> {
  dropData();
  markLocked();
  try {
    applyStatus(await api.lock());
  } catch {
    // The backend may already be locked (its own timer); the UI is locked either way.
  }
}

/** The backend's `locked` event. */
export async function handleLockedEvent(): Promise<void> {
  dropData();
  markLocked();
  try {
    await refreshStatus();
  } catch {
    // Keep the locked screen; the unlock attempt will report any problem.
  }
}

function markLocked(): void {
  const s = get(status);
  if (s && s.stage === 'unlocked') status.set({ ...s, stage: 'locked' });
}

/**
 * The backend locks an idle store by itself; a command then fails with `app.locked`.
 * Screens pass their failures here so that the UI follows at once.
 */
export function noticeLocked(e: unknown): boolean {
  if (api.toAppError(e).code !== 'app.locked') return false;
  void handleLockedEvent();
  return true;
}

/** Roles that can decide on other people's records. */
export function canReview(role: Role | null | undefined): boolean {
  return role === 'facilitator' || role === 'reviewer' || role === 'admin';
}

/** Roles that may export records to a spreadsheet (« Exporter »): not a member, whose
 * phone is the device most likely searched (core's `export::redaction`). */
export function canExport(role: Role | null | undefined): boolean {
  return role === 'facilitator' || role === 'reviewer' || role === 'admin';
}

/** Roles whose device carries other devices' bundles (« Courrier » in the menu); any
 * enrolled device may, from the « Facilitateur » screen's link. */
export function carriesBundles(role: Role | null | undefined): boolean {
  return role === 'facilitator' || role === 'admin';
}
