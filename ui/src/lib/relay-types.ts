/**
 * The relay commands' answers as the screens read them (issue 15): the ts-rs bindings
 * of core's views (core/src/app/relay.rs, courier.rs, handover.rs), in one place, plus
 * the shapes of the local-network transport, whose commands are not in core yet
 * (`LOCAL_NETWORK_READY` in relay.ts).
 */
import type { RelayExportSummary } from '../bindings/RelayExportSummary';
import type { RelayImportReport } from '../bindings/RelayImportReport';

export type { BundleRefusal } from '../bindings/BundleRefusal';
export type { Collected } from '../bindings/Collected';
export type { CourierView } from '../bindings/CourierView';
export type { CustodyDirection } from '../bindings/CustodyDirection';
export type { CustodyState } from '../bindings/CustodyState';
export type { CustodyView } from '../bindings/CustodyView';
export type { Distributed } from '../bindings/Distributed';
export type { FetchSummary } from '../bindings/FetchSummary';
export type { ForwardSummary } from '../bindings/ForwardSummary';
export type { RefusedBundle } from '../bindings/RefusedBundle';
export type { RelayStatus } from '../bindings/RelayStatus';
export type { RosterView } from '../bindings/RosterView';
export type { RelayExportSummary, RelayImportReport };

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
