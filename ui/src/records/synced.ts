/**
 * Record screens follow syncs: a sync (from the panel or the background) may bring new
 * or changed records, committees and decisions. The sign is a new `last_sync_at` in the
 * sync state the backend pushes.
 */
import { syncState } from '../lib/sync';

/** Whether the sync state moved from `prev` to a new completed sync. `undefined` is the
 * value before the first state is known (nothing to refresh yet). */
export function isNewSync(prev: string | null | undefined, next: string | null | undefined): boolean {
  return prev !== undefined && !!next && next !== prev;
}

/** Calls `cb` after every sync that completes from now on; returns the unsubscribe. */
export function onSynced(cb: () => void): () => void {
  let prev: string | null | undefined = undefined;
  return syncState.subscribe((s) => {
    const next = s?.last_sync_at ?? null;
    const fire = isNewSync(prev, next);
    prev = next;
    if (fire) cb();
  });
}
