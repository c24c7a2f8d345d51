/**
 * The facilitator's « Courrier » screen, as data: the bundles in custody grouped by the
 * device they travel for (its label from the roster, never anything they hold), what
 * waits for the server and what waits for a visit. Pure, tested without a window; the
 * commands are in `api.ts`, the texts in the `courier` dictionary.
 */

/** Which way a bundle travels: `up` from a member to the server, `down` back. */
export type Direction = 'up' | 'down';

/** One bundle in custody as the screen needs it: sizes, states and dates, no content
 * (the courier cannot read any). */
export interface CustodyItem {
  id: string;
  direction: Direction;
  device: string;
  /** The device's label from the roster (« Tablette 2 »), if the server gave one. */
  label: string | null;
  size: number;
  /** `held` (up: waiting for the server; down: waiting for the visit), `forwarded`
   * (up: the server's receipt came), `refused` (up: quarantined by the server),
   * `delivered` (down: handed over), `applied` / `replaced` (down: done). */
  state: string;
  taken_at: string;
  updated_at: string;
}

/** What the screen shows for one device: counts and bytes each way, the latest date. */
export interface DeviceRow {
  device: string;
  label: string | null;
  upWaiting: number;
  upBytes: number;
  downWaiting: number;
  downBytes: number;
  refused: number;
  latest: string;
}

/** Up-bundles still owed to the server. */
export function waitingForServer(items: CustodyItem[]): CustodyItem[] {
  return items.filter((i) => i.direction === 'up' && i.state === 'held');
}

/** Return bundles still to hand over on a visit. */
export function waitingForMembers(items: CustodyItem[]): CustodyItem[] {
  return items.filter((i) => i.direction === 'down' && (i.state === 'held' || i.state === 'delivered'));
}

/** The bundles of each device, sorted by label (devices without one last, by id). */
export function byDevice(items: CustodyItem[]): DeviceRow[] {
  const rows = new Map<string, DeviceRow>();
  for (const i of items) {
    let row = rows.get(i.device);
    if (!row) {
      row = { device: i.device, label: i.label, upWaiting: 0, upBytes: 0, downWaiting: 0, downBytes: 0, refused: 0, latest: i.updated_at };
      rows.set(i.device, row);
    }
    if (!row.label && i.label) row.label = i.label;
    if (i.updated_at > row.latest) row.latest = i.updated_at;
    if (i.direction === 'up' && i.state === 'held') {
      row.upWaiting += 1;
      row.upBytes += i.size;
    } else if (i.direction === 'down' && (i.state === 'held' || i.state === 'delivered')) {
      row.downWaiting += 1;
      row.downBytes += i.size;
    } else if (i.state === 'refused') {
      row.refused += 1;
    }
  }
  return [...rows.values()].sort((a, b) => {
    if (a.label && b.label) return a.label.localeCompare(b.label, 'fr') || a.device.localeCompare(b.device);
    if (a.label) return -1;
    if (b.label) return 1;
    return a.device.localeCompare(b.device);
  });
}

/** A short, neutral name for a device without a label: the first 8 characters of its
 * id, enough to tell two apart on a visit. */
export function shortDevice(device: string): string {
  return device.replace(/-/g, '').slice(0, 8);
}

/** Total bytes of some bundles. */
export function totalBytes(items: CustodyItem[]): number {
  return items.reduce((n, i) => n + i.size, 0);
}
