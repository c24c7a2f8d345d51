import { describe, expect, it } from 'vitest';
import type { SyncState } from './api';
import { badgeCount, failureSentence, syncLine } from './sync';
import { fr } from '../i18n/fr';

const state = (over: Partial<SyncState>): SyncState => ({
  server_url: null,
  enrolled: true,
  online: true,
  last_sync_at: '2026-12-01T10:00:00Z',
  pending: 0,
  refused: [],
  quarantined: [],
  running: false,
  last_error: null,
  ...over,
});

const network = { code: 'sync.network', message: { fr: 'Erreur réseau.', en: 'Network error.' }, fields: [] };

describe('one truthful sync state', () => {
  it('a demonstration sends nothing and counts nothing, whatever its store holds', () => {
    const demo = state({ enrolled: false, pending: 45, last_error: network as SyncState['last_error'] });
    expect(syncLine(demo)).toEqual({ kind: 'demo' });
    expect(badgeCount(demo)).toBe(0);
  });

  it('an enrolled device says how many changes wait and when it last sent', () => {
    expect(syncLine(state({ pending: 3 }))).toEqual({ kind: 'waiting', pending: 3, lastSync: '2026-12-01T10:00:00Z' });
    expect(badgeCount(state({ pending: 3 }))).toBe(3);
    expect(syncLine(state({}))).toEqual({ kind: 'up_to_date', lastSync: '2026-12-01T10:00:00Z' });
  });

  it('a failure is one sentence, ours for a known failure', () => {
    const line = syncLine(state({ pending: 2 }), network as SyncState['last_error']);
    expect(line.kind).toBe('failed');
    if (line.kind !== 'failed') return;
    const text = failureSentence(line.error, fr, 'fr');
    expect(text).toBe(fr.sync.errors.network);
    expect(text).not.toContain('a échoué');
  });
});
