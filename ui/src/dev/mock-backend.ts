/**
 * A stand-in backend for `npm run dev` in a plain browser (no Tauri window): lets the
 * screens be looked at and tried without the Rust side. Loaded only in development
 * builds and only when no Tauri runtime is present; never part of `ui/dist`.
 * Made-up data only. `?stage=locked|unlocked|setup`, `?role=...` and `?lang=en` in the
 * page URL choose the starting state.
 */
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { handleRecords } from './mock-records';
import { handleRelay } from './mock-relay';
import { handleIndicators } from './mock-indicators';
import type { AppStatus, Home, InboxPage, Page, PassphraseCheck, Settings, SyncState, SyncSummary } from '../lib/api';
import type { IdentityView } from '../bindings/IdentityView';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { Stage } from '../bindings/Stage';
import type { Role } from '../bindings/Role';
import type { RecordKind } from '../bindings/RecordKind';
import type { ReviewStatus } from '../bindings/ReviewStatus';
import type { ErrorCode } from '../bindings/ErrorCode';

type Any = Record<string, unknown>;

const params = new URLSearchParams(window.location.search);
const msg = (fr: string, en: string) => ({ fr, en });
const fail = (code: ErrorCode, fr: string, en: string) => ({ code, message: msg(fr, en), fields: [] });

let stage = (params.get('stage') ?? 'setup') as Stage;
let attempts = 5;
let duress: 'decoy' | 'wipe' | null = null;
const settings: Settings = {
  lang: params.get('lang') === 'en' ? 'en' : 'fr',
  server_url: 'https://srv.example.ml',
  lock_minutes: Number(params.get('lock') ?? 5),
  max_attempts: 5,
  window_name: 'Carnet',
  background_lock_seconds: 30,
  icon: 'standard',
};
let identity: IdentityView = {
  device_id: '0192f0c4-7b1e-7c3a-9d2e-5a6b7c8d9e0f',
  role: (params.get('role') ?? 'member') as Role,
  committee_id: '0192f0c4-0000-7000-8000-0000000000cc',
  committee_name: 'CCS de Goundam',
  region: 'tombouctou',
  region_name: 'Tombouctou',
  server_url: 'https://srv.example.ml',
  enrollment_pending: false,
};
let passphrase = 'demo demo demo';
let pending = 3;
let lastSync: string | null = '2025-03-01T10:00:00Z';

const summary = (id: string, kind: RecordKind, title: string, status: ReviewStatus, errors = 0): RecordSummary => ({
  id,
  kind,
  committee_id: 'c-goundam',
  region: 'Tombouctou',
  cercle: 'Goundam',
  commune: 'Goundam',
  date: '2025-02-14',
  title,
  title_en: title,
  status,
  followup_status: null,
  sensitivity: 'restricted',
  read_only: false,
  error_count: errors,
  conflict_count: 0,
  updated_at: '2025-02-15T09:00:00Z',
  dirty: true,
  superseded_by: null,
});

const status = (): AppStatus => ({ stage, settings, identity: stage === 'unlocked' ? identity : null, attempts_left: attempts });
const syncState = (): SyncState => ({
  server_url: settings.server_url,
  enrolled: true,
  online: params.get('sync') === 'offline' ? false : true,
  last_sync_at: lastSync,
  pending,
  refused: [],
  quarantined: [],
  running: false,
  last_error: null,
});

function check(p: string): PassphraseCheck {
  if (p.length < 8) return { ok: false, message: msg('Au moins 8 caractères.', 'At least 8 characters.') };
  return { ok: true, message: null };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function handle(cmd: string, args: Any): Promise<unknown> {
  switch (cmd) {
    case 'app_status':
      return status();
    case 'check_passphrase':
      return check(String(args.passphrase));
    case 'create_demo':
    case 'enroll_offline':
    case 'enroll': {
      const c = check(String(args.passphrase));
      if (!c.ok) throw fail('passphrase.weak', 'Code secret trop faible.', 'Passphrase too weak.');
      await wait(600);
      if (cmd === 'enroll' && String(args.code).startsWith('AAAA'))
        throw fail('enroll.invalid_code', 'Code d’enrôlement inconnu.', 'Unknown enrollment code.');
      passphrase = String(args.passphrase);
      identity = { ...identity, role: cmd === 'create_demo' ? (args.role as Role) : 'member' };
      stage = 'unlocked';
      attempts = Number(settings.max_attempts);
      return status();
    }
    case 'unlock':
      await wait(400);
      if (args.passphrase !== passphrase) {
        attempts -= 1;
        if (attempts <= 0) {
          stage = 'setup';
          throw fail('unlock.wiped', 'Données effacées.', 'Data erased.');
        }
        throw fail('store.wrong_passphrase', 'Code secret incorrect.', 'Wrong passphrase.');
      }
      stage = 'unlocked';
      attempts = Number(settings.max_attempts);
      return status();
    case 'choosing_file':
      return null;
    case 'lock':
      if (stage === 'unlocked') stage = 'locked';
      return status();
    case 'wipe_device':
      stage = 'setup';
      return status();
    case 'update_settings':
      Object.assign(settings, args.patch as Partial<Settings>);
      if (settings.server_url === '') settings.server_url = null;
      return settings;
    case 'duress_state':
      return { action: duress };
    case 'set_duress':
      if (args.current !== passphrase) throw fail('store.wrong_passphrase', 'Code secret actuel incorrect.', 'Current passphrase is wrong.');
      if (args.pin === passphrase)
        throw fail('duress.same_as_passphrase', 'Le code de contrainte doit être différent du code de l’appareil.', 'The duress PIN must differ from the device’s passphrase.');
      duress = args.action as 'decoy' | 'wipe';
      return { action: duress };
    case 'clear_duress':
      duress = null;
      return { action: null };
    case 'change_passphrase':
      if (args.current !== passphrase) throw fail('store.wrong_passphrase', 'Code secret actuel incorrect.', 'Current passphrase is wrong.');
      passphrase = String(args.next);
      return null;
    case 'home':
      return {
        identity,
        drafts: [{ id: 'draft-1', kind: 'session', record_id: null, updated_at: '2025-02-20T08:30:00Z' }],
        to_review: identity.role === 'member' ? 0 : 2,
        counts: [
          { kind: 'session', status: 'draft', count: 2 },
          { kind: 'session', status: 'approved', count: 7 },
          { kind: 'assessment', status: 'needs_correction', count: 1 },
          { kind: 'assessment', status: 'submitted', count: 2 },
          { kind: 'recommendation', status: 'validated', count: 4 },
          { kind: 'workshop', status: 'approved', count: 1 },
        ],
        to_correct: [summary('0192f0c4-0000-7000-8000-000000000001', 'assessment', 'Évaluation — février 2025', 'needs_correction', 2)],
        sync: syncState(),
      } satisfies Home;
    case 'review_queue':
      return {
        items: [
          summary('0192f0c4-0000-7000-8000-000000000002', 'session', 'Séance ordinaire mensuelle', 'submitted'),
          summary('0192f0c4-0000-7000-8000-000000000003', 'recommendation', 'Patrouilles conjointes au marché', 'validated'),
        ],
        total: 2,
        offset: 0,
        limit: 50,
      } satisfies Page;
    case 'inbox': {
      const waiting = [
        summary('0192f0c4-0000-7000-8000-000000000002', 'session', 'Séance ordinaire mensuelle', 'submitted'),
        summary('0192f0c4-0000-7000-8000-000000000003', 'recommendation', 'Patrouilles conjointes au marché', 'validated'),
      ];
      return {
        items: waiting.map((s, i) => ({
          summary: s,
          reason: s.status === 'validated' ? 'validated' : 'submitted',
          waiting_since: '2025-02-10T08:00:00.000Z',
          waiting_days: 9 - i * 4,
        })),
        total: waiting.length,
        offset: 0,
        limit: 50,
        by_region: [{ key: 'tombouctou', count: 2 }],
        by_kind: [
          { key: 'recommendation', count: 1 },
          { key: 'session', count: 1 },
        ],
      } satisfies InboxPage;
    }
    case 'sync_state':
      return syncState();
    case 'sync_now': {
      if (params.get('sync') === 'offline') {
        await wait(500);
        throw fail('sync.network', 'Le serveur ne répond pas.', 'The server does not answer.');
      }
      for (let i = 1; i <= 4; i++) {
        await wait(300);
        await emit('sync-progress', { round_trips: i, sent: Math.min(i, pending), received: i > 2 ? i - 2 : 0, bytes_up: 0, bytes_down: 0, more: i < 4 });
      }
      const sent = pending;
      pending = 0;
      lastSync = new Date().toISOString();
      await emit('sync-state', syncState());
      return {
        sent,
        accepted: sent - 1,
        received: 2,
        refused: [
          {
            id: '0192f0c4-0000-7000-8000-000000000001',
            title: 'Évaluation — février 2025',
            code: 'scope.outside',
            message: msg('Cette fiche est hors du périmètre de l’appareil.', 'This record is outside the device’s scope.'),
          },
        ],
        held_back: 0,
        quarantined: [],
        flagged: 0,
        round_trips: 4,
        bytes_up: 0,
        bytes_down: 0,
        elapsed_ms: 1200,
        at: lastSync,
      } satisfies SyncSummary;
    }
    default: {
      const relay = handleRelay(cmd, args);
      if (relay !== undefined) return relay;
      const indicators = handleIndicators(cmd, args);
      if (indicators !== undefined) return indicators;
      // The record screens' commands (mock-records.ts).
      const answer = handleRecords(cmd, args, identity.role);
      if (answer !== undefined) return answer;
      throw fail('ui.unexpected', `Commande inconnue (maquette) : ${cmd}`, `Unknown command (mock): ${cmd}`);
    }
  }
}

export function install(): void {
  mockIPC((cmd, args) => handle(cmd, (args ?? {}) as Any), { shouldMockEvents: true });
  // eslint-disable-next-line no-console
  console.info('[dev] mock backend installed');
}
