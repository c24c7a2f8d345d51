/**
 * The relay commands' answers as the screens read them (issue 15). Written by hand
 * while core's `App` methods are being built; replaced by the ts-rs bindings
 * (`src/bindings`) as soon as they exist, so that a field renamed in Rust is a type
 * error here.
 */
import type { CustodyItem } from './courier';

export interface RelayStatus {
  /** Enrolled from a slip, the server's answer not back yet. */
  enrollment_pending: boolean;
  /** Records whose changes the server has not acknowledged. */
  waiting: number;
  /** Where bundles go unless she chose elsewhere (under the data or Documents folder). */
  default_folder: string;
  last_export_at: string | null;
  last_import_at: string | null;
}

export interface BundleFile {
  name: string;
  size: number;
}

export interface RelayExport {
  folder: string;
  files: BundleFile[];
  records: number;
  at: string;
}

export interface RelayImport {
  received: number;
  acknowledged: number;
  to_correct: number;
  enrollment_done: boolean;
  already_applied: boolean;
}

export interface RelayExchange {
  sent: RelayExport;
  received: RelayImport;
}

export interface CourierView {
  items: CustodyItem[];
  last_forward_at: string | null;
  last_fetch_at: string | null;
  serving: HotspotView | null;
}

export interface CourierCollect {
  taken: boolean;
  already: boolean;
}

export interface CourierForward {
  accepted: number;
  refused: number;
}

export interface CourierFetch {
  bundles: number;
  devices: number;
}

export interface CourierDistribute {
  folder: string;
  files: BundleFile[];
}

export interface HotspotView {
  address: string;
  pairing: string;
  exchanges: number;
}
