/**
 * Sync state shown in the top bar and the sync panel: the backend's `SyncState`
 * (pushed by `sync-state` events), the progress of a running sync (`sync-progress`),
 * and the outcome of the last one started from this window.
 */
import { get, writable } from 'svelte/store';
import * as api from './api';
import type { AppError, SyncProgress, SyncState, SyncSummary } from './api';
import { noticeLocked, onLock } from './session';

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
