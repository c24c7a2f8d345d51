/**
 * Sync state shown in the top bar and the sync panel: the backend's `SyncState`
 * (pushed by `sync-state` events), the progress of a running sync (`sync-progress`),
 * and the outcome of the last one started from this window.
 */
import { get, writable } from 'svelte/store';
import * as api from './api';
import type { AppError, SyncProgress, SyncState, SyncSummary } from './api';
import { noticeLocked, onLock } from './session';
import { syncFailure } from './errors';
import { pickMessage, type Dict, type Lang } from '../i18n';

export const syncState = writable<SyncState | null>(null);
export const progress = writable<SyncProgress | null>(null);
export const running = writable(false);
export const result = writable<SyncSummary | null>(null);
export const failure = writable<AppError | null>(null);

/** Whether the sync panel is shown (opened from the top bar or the home screen). */
export const panelOpen = writable(false);

export function reset(): void {
  progress.set(null);
  result.set(null);
  failure.set(null);
}

// Refusals name records: forget them on lock.
onLock(() => {
  reset();
  syncState.set(null);
  panelOpen.set(false);
});

export async function refreshSyncState(): Promise<void> {
  try {
    syncState.set(await api.syncState());
  } catch (e) {
    noticeLocked(e);
  }
}

/** Runs one sync; never throws (the outcome is in `result` or `failure`). */
export async function runSync(): Promise<void> {
  if (get(running)) return;
  reset();
  running.set(true);
  try {
    result.set(await api.syncNow());
  } catch (e) {
    const err = api.toAppError(e);
    failure.set(err);
    noticeLocked(err);
  } finally {
    running.set(false);
    progress.set(null);
    await refreshSyncState();
  }
}

/** Opens the panel and starts a sync unless one is running. */
export function openAndSync(): void {
  panelOpen.set(true);
  if (!get(running)) void runSync();
}

/**
 * The one sync state every screen tells, so the top bar, home and the panel never
 * contradict each other: a demonstration sends nothing (no count); an enrolled device
 * has changes waiting or is up to date, with the last sync; a failure is one sentence.
 */
export type SyncLine =
  | { kind: 'demo' }
  | { kind: 'failed'; error: AppError; pending: number; lastSync: string | null }
  | { kind: 'waiting'; pending: number; lastSync: string | null }
  | { kind: 'up_to_date'; lastSync: string | null };

export function syncLine(state: SyncState, failed: AppError | null = null): SyncLine {
  if (!state.enrolled) return { kind: 'demo' };
  const lastSync = state.last_sync_at ?? null;
  const error = failed ?? state.last_error ?? null;
  if (error) return { kind: 'failed', error, pending: state.pending, lastSync };
  if (state.pending > 0) return { kind: 'waiting', pending: state.pending, lastSync };
  return { kind: 'up_to_date', lastSync };
}

/** The count on the top bar's sync button: changes that will really be sent. */
export function badgeCount(state: SyncState | null | undefined): number {
  return state?.enrolled ? state.pending : 0;
}

/** A failed sync in one sentence: ours for the failures we know, else the backend's. */
export function failureSentence(error: AppError, dict: Dict, l: Lang): string {
  const kind = syncFailure(error.code);
  if (kind === 'other') return pickMessage(error.message, l) || dict.common.unknownError;
  return dict.sync.errors[kind];
}
