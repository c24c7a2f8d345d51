/**
 * The facilitator's « Courrier » screen, as data: the bundles in custody grouped by the
 * device they travel for (its label from the roster and its committee, never anything
 * they hold), with counts and sizes each way. Pure, tested without a window; the
 * commands are in `api.ts`, the texts in the `courier` dictionary.
 */
import type { CourierView, CustodyView } from './relay-types';

/** What the screen shows for one device: counts and bytes each way, the latest date. */
export interface DeviceRow {
  device: string;
  label: string | null;
  committee: string | null;
  upWaiting: number;
  upBytes: number;
  downWaiting: number;
  downBytes: number;
  refused: number;
  latest: string;
}

/** Every bundle the view lists, those still carried first. */
export function allBundles(view: CourierView): CustodyView[] {
  return [...view.to_server, ...view.to_members, ...view.handed_on];
}

/** The bundles of each device, sorted by label (devices without one last, by id). */
export function byDevice(view: CourierView): DeviceRow[] {
  const rows = new Map<string, DeviceRow>();
  for (const i of allBundles(view)) {
    let row = rows.get(i.device);
    if (!row) {
      row = {
        device: i.device,
        label: i.label,
        committee: i.committee_name,
        upWaiting: 0,
        upBytes: 0,
        downWaiting: 0,
        downBytes: 0,
        refused: 0,
        latest: i.updated_at,
      };
      rows.set(i.device, row);
    }
    row.label ??= i.label;
    row.committee ??= i.committee_name;
    if (i.updated_at > row.latest) row.latest = i.updated_at;
    if (i.state === 'carried' && i.direction === 'to_server') {
      row.upWaiting += 1;
      row.upBytes += i.size;
    } else if (i.state === 'carried') {
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

/** Devices with return bundles to hand over (« Distribuer »). */
export function toVisit(view: CourierView): DeviceRow[] {
  return byDevice(view).filter((d) => d.downWaiting > 0);
}

/** A short, neutral name for a device without a label: the first 8 characters of its
 * id, enough to tell two apart on a visit. */
export function shortDevice(device: string): string {
  return device.replace(/-/g, '').slice(0, 8);
}

/** The state's dictionary key: a carried bundle waits for the server or for a visit. */
export function stateKey(i: CustodyView): 'carried_up' | 'carried_down' | Exclude<CustodyView['state'], 'carried'> {
  if (i.state === 'carried') return i.direction === 'to_server' ? 'carried_up' : 'carried_down';
  return i.state;
}
