/**
 * The vocabulary (value lists, administrative units, committees), loaded once per
 * unlock and shared by the record screens. Committee names are data: the cache is
 * dropped on lock.
 */
import * as api from '../lib/api';
import type { Vocabulary } from '../bindings/Vocabulary';
import { onLock } from '../lib/session';
import { onSynced } from './synced';

let cached: Promise<Vocabulary> | null = null;

export function loadVocabulary(): Promise<Vocabulary> {
  if (!cached) {
    cached = api.vocabulary();
    // A failure is not kept: the next screen asks again.
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}

/** Forget the cache (after a sync brought new committees, or on lock). */
export function dropVocabulary(): void {
  cached = null;
}

onLock(dropVocabulary);
// A sync may bring committees (and reference units added by an administrator).
onSynced(dropVocabulary);
