/**
 * The typed client of the app's Tauri commands (docs/app-commands.md). Screens call
 * these functions, never `invoke` directly. Argument and result types are generated
 * from Rust (src/bindings, ts-rs); a failed command rejects with an `AppError`
 * `{ code, message: { fr, en }, fields }`.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import type { AppError } from '../bindings/AppError';
import type { AppStatus } from '../bindings/AppStatus';
import type { DuressState } from '../bindings/DuressState';
import type { SecondUse } from '../bindings/SecondUse';
import type { Decision } from '../bindings/Decision';
import type { DraftInput } from '../bindings/DraftInput';
import type { DraftOutcome } from '../bindings/DraftOutcome';
import type { DraftView } from '../bindings/DraftView';
import type { ExportLogEntry } from '../bindings/ExportLogEntry';
import type { ExportRequest } from '../bindings/ExportRequest';
import type { ExportSummary } from '../bindings/ExportSummary';
import type { Home } from '../bindings/Home';
import type { InboxFilter } from '../bindings/InboxFilter';
import type { InboxItem } from '../bindings/InboxItem';
import type { InboxPage } from '../bindings/InboxPage';
import type { ListFilter } from '../bindings/ListFilter';
import type { Page } from '../bindings/Page';
import type { PassphraseCheck } from '../bindings/PassphraseCheck';
import type { RecordKind } from '../bindings/RecordKind';
import type { RecordView } from '../bindings/RecordView';
import type { Role } from '../bindings/Role';
import type { Settings } from '../bindings/Settings';
import type { SettingsPatch } from '../bindings/SettingsPatch';
import type { SyncProgress } from '../bindings/SyncProgress';
import type { SyncState } from '../bindings/SyncState';
import type { SyncSummary } from '../bindings/SyncSummary';
import type { TextWarning } from '../bindings/TextWarning';
import type { Vocabulary } from '../bindings/Vocabulary';
import type { Indicators } from '../bindings/Indicators';
import type { ReportWritten } from '../bindings/ReportWritten';
import { toCommandArgs, toDashboard, type DashboardView, type IndicatorsQuery } from './dashboard';
import type {
  Collected,
  CourierView,
  Distributed,
  FetchSummary,
  ForwardSummary,
  HotspotView,
  RelayExchange,
  RelayExportSummary,
  RelayImportReport,
  RelayStatus,
} from './relay-types';

export type {
  AppError,
  AppStatus,
  Decision,
  DraftInput,
  DraftOutcome,
  DraftView,
  ExportLogEntry,
  ExportRequest,
  ExportSummary,
  Home,
  InboxFilter,
  InboxItem,
  InboxPage,
  ListFilter,
  Page,
  PassphraseCheck,
  RecordKind,
  RecordView,
  Role,
  Settings,
  SettingsPatch,
  SyncProgress,
  SyncState,
  SyncSummary,
  TextWarning,
  Vocabulary,
};

/** Whether a thrown value is an `AppError` from the Rust side. */
export function isAppError(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

/** Any failure as an `AppError` (a JavaScript exception becomes `ui.unexpected`). */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const text = e instanceof Error ? e.message : String(e);
  return { code: 'ui.unexpected', message: { fr: `Erreur inattendue : ${text}`, en: `Unexpected error: ${text}` }, fields: [] };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** A `ListFilter` with every field at its default. */
export function listFilter(patch: Partial<ListFilter> = {}): ListFilter {
  return {
    kind: null,
    committee_id: null,
    region: null,
    commune: null,
    date_from: null,
    date_to: null,
    status: null,
    statuses: [],
    text: null,
    flagged_only: false,
    limit: 0,
    offset: 0,
    ...patch,
  };
}

export const appStatus = () => call<AppStatus>('app_status');
export const checkPassphrase = (passphrase: string) => call<PassphraseCheck>('check_passphrase', { passphrase });
export const createDemo = (passphrase: string, role: Role) => call<AppStatus>('create_demo', { passphrase, role });
export const enroll = (passphrase: string, serverUrl: string, code: string, label?: string | null) =>
  call<AppStatus>('enroll', { passphrase, serverUrl, code, label: label ?? null });
export const unlock = (passphrase: string) => call<AppStatus>('unlock', { passphrase });
export const lock = () => call<AppStatus>('lock');
export const wipeDevice = () => call<AppStatus>('wipe_device');
export const updateSettings = (patch: SettingsPatch) => call<Settings>('update_settings', { patch });
export const changePassphrase = (current: string, next: string) =>
  call<void>('change_passphrase', { current, next });
export const duressState = () => call<DuressState>('duress_state');
export const setDuress = (current: string, pin: string, action: SecondUse) =>
  call<DuressState>('set_duress', { current, pin, action });
export const clearDuress = (current: string) => call<DuressState>('clear_duress', { current });
export const home = () => call<Home>('home');
export const vocabulary = () => call<Vocabulary>('vocabulary');
export const listRecords = (filter: Partial<ListFilter> = {}) =>
  call<Page>('list_records', { filter: listFilter(filter) });
export const reviewQueue = () => call<Page>('review_queue');
/** « À traiter »: what waits for this role, oldest first, with the filter chips' counts. */
export const inbox = (filter: InboxFilter) => call<InboxPage>('inbox', { filter });
export const openRecord = (id: string) => call<RecordView>('open_record', { id });
export const newRecord = (kind: RecordKind) => call<DraftView>('new_record', { kind });
export const saveDraft = (draft: DraftInput) => call<DraftOutcome>('save_draft', { draft });
export const openDraft = (draftId: string) => call<DraftView>('open_draft', { draftId });
/** User activity seen by the window (reading, scrolling): keeps the store unlocked. */
export const touch = () => call<void>('touch');
/** A file chooser opens over the window (or closed): the focus it takes does not lock the store. */
export const choosingFile = (open: boolean) => call<void>('choosing_file', { open });
export const discardDraft = (draftId: string) => call<void>('discard_draft', { draftId });
export const decide = (id: string, decision: Decision, comment?: string | null) =>
  call<RecordView>('decide', { id, decision, comment: comment ?? null });
export const resolveConflict = (id: string, path: string, choice: number) =>
  call<RecordView>('resolve_conflict', { id, path, choice });
/** « Purger l'historique »: answers with the copy without history that replaces it. */
export const purgeRecord = (id: string) => call<RecordView>('purge_record', { id });
export const syncNow = () => call<SyncSummary>('sync_now');
export const syncState = () => call<SyncState>('sync_state');
export const textWarnings = (text: string) => call<TextWarning[]>('text_warnings', { text });

// ---------------------------------------------------------------- the CRSS (issue 12)

/** « Indicateurs »: the indicators of a period, region, level and basis, computed on
 * this device, in the dashboard's shape (`lib/dashboard.ts` reads the command's answer). */
export const indicators = async (query: IndicatorsQuery): Promise<DashboardView> =>
  toDashboard(await call<Indicators>('indicators', toCommandArgs(query)));
/** « Rapport trimestriel (PDF) »: writes the report of `quarter` (« 2026-T4 ») to `path`,
 * for a region or the whole country, counting approved records or all. */
export const reportPdf = (quarter: string, path: string, region: string | null, basis: 'approved' | 'all') =>
  call<ReportWritten>('report_pdf', { quarter, path, region, basis });

// ---------------------------------------------------------------- the relay (issue 15)

/** First start without a network: the slip's text (`ccs-inscription:1?…`) instead of
 * a server and a code; the device works at once, « inscription en attente ». */
export const enrollOffline = (passphrase: string, slip: string, label?: string | null) =>
  call<AppStatus>('enroll_offline', { passphrase, slip, label: label ?? null });
/** Where this device's records stand on the relay path. */
export const relayStatus = () => call<RelayStatus>('relay_status');
/** The folder suggested for bundle files (under Documents, else the data folder). */
export const relayDefaultFolder = () => call<string>('relay_default_folder');
/** « Envoyer par le facilitateur »: the up-bundles written to `folder`. */
export const relayExport = (folder: string) => call<RelayExportSummary>('relay_export_to', { folder });
/** « Recevoir du facilitateur »: one return bundle file, applied in one transaction. */
export const relayImport = (bytes: number[]) => call<RelayImportReport>('relay_import', { bytes });
/** « Échanger avec le facilitateur » over the local network, from the pairing text. */
export const relayExchange = (pairing: string) => call<RelayExchange>('relay_exchange', { pairing });

/** « Exporter »: the records of the request's filter written at `path` (CSV: one file
 * per sheet beside it); refused with a code when the role may not. Logged either way. */
export const exportRecords = (request: ExportRequest, path: string) =>
  call<ExportSummary>('export_records', { request, path });
/** The exports made on this device, newest first (never their content). */
export const exportLog = () => call<ExportLogEntry[]>('export_log');
/** The folder suggested for exports (the user's documents). */
export const exportDefaultFolder = () => call<string>('export_default_folder');

/** The facilitator's « Courrier »: custody, states and dates, labels only. */
export const courierView = () => call<CourierView>('courier_view');
/** « Collecter »: one member's bundle file, checked against the roster, taken in custody. */
export const courierCollect = (bytes: number[]) => call<Collected>('courier_collect', { bytes });
/** « Envoyer au serveur »: custody up-bundles forwarded (a sync does it too). */
export const courierForward = () => call<ForwardSummary>('courier_forward');
/** « Chercher les retours »: return bundles for every device of the area. */
export const courierFetch = () => call<FetchSummary>('courier_fetch');
/** « Distribuer »: one device's return bundles written to `folder`. */
export const courierDistribute = (device: string, folder: string) =>
  call<Distributed>('courier_distribute', { device, folder });
/** « Servir sur le réseau local »: starts serving custody; the pairing text to show. */
export const hotspotStart = () => call<HotspotView>('hotspot_start');
export const hotspotStop = () => call<void>('hotspot_stop');

/** The backend locked the store (idle delay): drop every record in memory. */
export const onLocked = (cb: () => void): Promise<UnlistenFn> => listen('locked', () => cb());
export const onSyncProgress = (cb: (p: SyncProgress) => void): Promise<UnlistenFn> =>
  listen<SyncProgress>('sync-progress', (e) => cb(e.payload));
export const onSyncState = (cb: (s: SyncState) => void): Promise<UnlistenFn> =>
  listen<SyncState>('sync-state', (e) => cb(e.payload));
