/**
 * PROVISIONAL stand-in for `./api.ts` (the typed client written from the Rust
 * bindings). The screens import from here only until api.ts and src/bindings/ land;
 * then the imports switch to `./api` and this file is deleted. Shapes follow
 * docs/app-commands.md; field names are a best guess at the Rust side (snake_case).
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export type Lang = 'fr' | 'en';
export type Role = 'member' | 'facilitator' | 'reviewer' | 'admin';
export type RecordKind = 'session' | 'assessment' | 'workshop' | 'recommendation' | 'committee';
export type ReviewStatus =
  | 'draft'
  | 'submitted'
  | 'validated'
  | 'approved'
  | 'needs_correction'
  | 'reopened';

export interface Message {
  fr: string;
  en: string;
}

export interface AppError {
  code: string;
  message: Message;
  fields: unknown[];
}

export interface Settings {
  lang: Lang;
  server_url: string | null;
  lock_minutes: number;
  max_attempts: number;
  app_name: string;
  app_icon: string | null;
}

export type SettingsPatch = Partial<Settings>;

export interface Identity {
  device_id: string;
  role: Role;
  committee_id: string | null;
  region: string | null;
}

export interface AppStatus {
  stage: 'setup' | 'locked' | 'unlocked';
  settings: Settings;
  identity: Identity | null;
  attempts_left: number | null;
}

export interface PassphraseCheck {
  ok: boolean;
  problems: Message[];
}

export interface RecordSummary {
  id: string;
  kind: RecordKind;
  committee_id: string;
  region: string | null;
  cercle: string | null;
  commune: string | null;
  date: string | null;
  title: string;
  title_en: string;
  status: ReviewStatus;
  error_count: number;
  conflict_count: number;
  updated_at: string;
  dirty: boolean;
}

export interface Page {
  items: RecordSummary[];
  total: number;
  offset: number;
  limit: number;
}

export interface SyncState {
  online: boolean;
  last_sync: string | null;
  pending: number;
  running: boolean;
}

export interface KindStatusCount {
  kind: RecordKind;
  status: ReviewStatus;
  count: number;
}

export interface Home {
  committee_id: string | null;
  committee_name: string | null;
  region: string | null;
  counts: KindStatusCount[];
  to_correct: RecordSummary[];
  sync: SyncState;
}

export interface SyncProgress {
  done: number;
  total: number;
  step: string;
}

export interface Refusal {
  id: string;
  reason: Message;
}

export interface SyncSummary {
  sent: number;
  accepted: number;
  received: number;
  refused: Refusal[];
}

export const appStatus = () => invoke<AppStatus>('app_status');
export const checkPassphrase = (passphrase: string) =>
  invoke<PassphraseCheck>('check_passphrase', { passphrase });
export const createDemo = (passphrase: string, role: Role) =>
  invoke<AppStatus>('create_demo', { passphrase, role });
export const enroll = (passphrase: string, serverUrl: string, code: string, label?: string) =>
  invoke<AppStatus>('enroll', { passphrase, serverUrl, code, label });
export const unlock = (passphrase: string) => invoke<AppStatus>('unlock', { passphrase });
export const lock = () => invoke<AppStatus>('lock');
export const wipeDevice = () => invoke<AppStatus>('wipe_device');
export const updateSettings = (patch: SettingsPatch) => invoke<Settings>('update_settings', { patch });
export const changePassphrase = (current: string, next: string) =>
  invoke<void>('change_passphrase', { current, next });
export const home = () => invoke<Home>('home');
export const reviewQueue = () => invoke<Page>('review_queue');
export const syncNow = () => invoke<SyncSummary>('sync_now');
export const syncState = () => invoke<SyncState>('sync_state');

export const onLocked = (cb: () => void): Promise<UnlistenFn> => listen('locked', () => cb());
export const onSyncProgress = (cb: (p: SyncProgress) => void): Promise<UnlistenFn> =>
  listen<SyncProgress>('sync-progress', (e) => cb(e.payload));
export const onSyncState = (cb: (s: SyncState) => void): Promise<UnlistenFn> =>
  listen<SyncState>('sync-state', (e) => cb(e.payload));
