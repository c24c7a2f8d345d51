/**
 * Sync state shown in the top bar and the sync panel: the backend's `SyncState`
 * (pushed by `sync-state` events), the progress of a running sync (`sync-progress`),
 * and the outcome of the last one started from this window.
 */
import { get, writable } from 'svelte/store';
import * as api from './api-draft';
import type { SyncProgress, SyncState, SyncSummary } from './api-draft';
import { toUiError, type UiError } from './errors';
import { onLock } from './session';

export const syncState = writable<SyncState | null>(null);
export const progress = writable<SyncProgress | null>(null);
export const running = writable(false);
export const result = writable<SyncSummary | null>(null);
export const failure = writable<UiError | null>(null);

export function reset(): void {
  progress.set(null);
  result.set(null);
  failure.set(null);
}

// Refusal reasons name records: forget them on lock.
onLock(() => {
  reset();
  syncState.set(null);
});

export async function refreshSyncState(): Promise<void> {
  try {
    syncState.set(await api.syncState());
  } catch {
    // Locked or not enrolled: keep what we had.
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
    failure.set(toUiError(e));
  } finally {
    running.set(false);
    progress.set(null);
    await refreshSyncState();
  }
}

/** Whether the sync panel is shown (opened from the top bar or the home screen). */
export const panelOpen = writable(false);
