/**
 * The relay commands' answers as the screens read them (issue 15). Written by hand from
 * the Rust types being built (core/src/app/relay.rs, core/src/app/courier.rs) with
 * their names, so they are swapped for the ts-rs bindings (`src/bindings`) by changing
 * the imports only.
 */
import type { AppError } from './api';
import type { Message } from '../bindings/Message';
import type { QuarantineView } from '../bindings/QuarantineView';
import type { Refusal } from '../bindings/Refusal';

/** An up-bundle the server refused whole (kept in its quarantine). */
export interface BundleRefusal {
  file_name: string;
  code: string;
  message: Message;
  exported_at: string | null;
}

export interface RelayExportSummary {
  at: string;
  parts: number;
  records: number;
  /** The files written (full paths), empty in a status. */
  files: string[];
  enrollment: boolean;
}

export interface RelayStatus {
  ready: boolean;
  enrollment_pending: boolean;
  server_url: string | null;
  server_fingerprint: string | null;
  waiting: number;
  last_export: RelayExportSummary | null;
  unacknowledged: number;
  last_import_at: string | null;
  refused: Refusal[];
  refused_bundles: BundleRefusal[];
}

export interface RelayImportReport {
  file_name: string;
  received: number;
  acknowledged: number;
  refused: Refusal[];
  refused_bundles: BundleRefusal[];
  enrollment_completed: boolean;
  nothing_new: boolean;
  repair_needed: Message | null;
  quarantined: QuarantineView[];
  flagged: number;
}

export type CustodyDirection = 'to_server' | 'to_member';
export type CustodyState = 'carried' | 'forwarded' | 'refused' | 'delivered' | 'superseded';

export interface CustodyView {
  bundle: string;
  direction: CustodyDirection;
  device: string;
  label: string | null;
  committee_id: string | null;
  committee_name: string | null;
  region: string | null;
  size: number;
  part: number;
  parts: number;
  state: CustodyState;
  code: string | null;
  message: Message | null;
  note: string | null;
  taken_at: string;
  updated_at: string;
}

export interface RosterView {
  issued_at: string | null;
  fetched_at: string;
  age_days: number;
  devices: number;
  revoked: number;
}

export interface CourierView {
  roster: RosterView | null;
  to_server: CustodyView[];
  to_members: CustodyView[];
  handed_on: CustodyView[];
  bytes_to_server: number;
  bytes_to_members: number;
}

export interface Collected {
  bundle: string;
  device: string;
  label: string | null;
  enrolling: boolean;
  new: boolean;
}

export interface RefusedBundle {
  bundle: string;
  device: string;
  code: string;
  message: Message;
}

export interface ForwardSummary {
  forwarded: number;
  refused: RefusedBundle[];
  left: number;
  error: AppError | null;
  roster_renewed: boolean;
}

export interface FetchSummary {
  received: number;
  superseded: number;
  rejected: RefusedBundle[];
}

/** « Distribuer »: the files written for one device. */
export interface Distributed {
  folder: string;
  files: string[];
}

/** « Servir sur le réseau local »: what the screen shows while serving. */
export interface HotspotView {
  address: string;
  pairing: string;
  exchanges: number;
}

/** « Échanger avec le facilitateur »: what went and what came back. */
export interface RelayExchange {
  sent: RelayExportSummary;
  received: RelayImportReport[];
}
