/**
 * The relay's commands in the stand-in backend (`npm run dev`, never in `ui/dist`):
 * made-up custody and outcomes so the « Facilitateur » and « Courrier » screens can be
 * looked at in a plain browser. `?pending=1` shows a device enrolled from a slip,
 * `?serving=1` a courier serving on the local network.
 */
import type { CustodyItem } from '../lib/courier';
import type { CourierView, HotspotView, RelayStatus } from '../lib/relay-types';

type Any = Record<string, unknown>;
const params = new URLSearchParams(window.location.search);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msg = (fr: string, en: string) => ({ fr, en });

let lastExport: string | null = null;
const SERVING: HotspotView = {
  address: 'https://192.168.43.1:8443',
  pairing: `ccs-relais:1?a=192.168.43.1:8443&f=${'3f'.repeat(32)}&t=Q2VzdCB1biBqZXRvbg`,
  exchanges: 2,
};
let serving: HotspotView | null = params.get('serving') === '1' ? SERVING : null;

const item = (id: string, p: Partial<CustodyItem>): CustodyItem => ({
  id,
  direction: 'up',
  device: '0192f0c4-aaaa-7000-8000-000000000001',
  label: 'Tablette Goundam 2',
  size: 14_200,
  state: 'held',
  taken_at: '2026-02-27T09:12:00Z',
  updated_at: '2026-02-27T09:12:00Z',
  ...p,
});

const custody: CustodyItem[] = [
  item('b1', {}),
  item('b2', { size: 3_100, updated_at: '2026-02-28T15:40:00Z' }),
  item('b3', { device: '0192f0c4-bbbb-7000-8000-000000000002', label: 'Ménaka — secrétaire', size: 220_000 }),
  item('b4', { device: '0192f0c4-bbbb-7000-8000-000000000002', label: 'Ménaka — secrétaire', direction: 'down', size: 48_000 }),
  item('b5', { device: '0192f0c4-cccc-7000-8000-000000000003', label: null, state: 'refused', size: 900 }),
  item('b6', { direction: 'down', state: 'applied', size: 12_000, updated_at: '2026-02-20T11:00:00Z' }),
];

export function handleRelay(cmd: string, args: Any): Promise<unknown> | undefined {
  switch (cmd) {
    case 'relay_status':
      return Promise.resolve({
        enrollment_pending: params.get('pending') === '1',
        waiting: 3,
        default_folder: '/home/membre/Documents/Relais',
        last_export_at: lastExport,
        last_import_at: '2026-02-20T11:00:00Z',
      } satisfies RelayStatus);
    case 'relay_export_to':
      return wait(700).then(() => {
        lastExport = new Date().toISOString();
        return {
          folder: String(args.folder),
          files: [
            { name: 'paquet-3f9a.ccsb', size: 18_000 },
            { name: 'paquet-b21c.ccsb', size: 4_200 },
          ],
          records: 3,
          at: lastExport,
        };
      });
    case 'relay_import':
      return wait(500).then(() => {
        if (String(args.name).includes('autre'))
          throw { code: 'bundle.not_for_this_device', message: msg('Ce paquet est destiné à un autre appareil.', 'This bundle is for another device.'), fields: [] };
        return { received: 4, acknowledged: 3, to_correct: 1, enrollment_done: params.get('pending') === '1', already_applied: false };
      });
    case 'relay_exchange':
      return wait(900).then(() => ({
        sent: { folder: '', files: [{ name: 'paquet-77aa.ccsb', size: 9_000 }], records: 3, at: new Date().toISOString() },
        received: { received: 2, acknowledged: 3, to_correct: 0, enrollment_done: false, already_applied: false },
      }));
    case 'enroll_offline':
      return undefined; // handled with `enroll` in mock-backend.ts
    case 'courier_view':
      return Promise.resolve({
        items: custody,
        last_forward_at: '2026-02-28T16:05:00Z',
        last_fetch_at: '2026-02-28T16:06:00Z',
        serving,
      } satisfies CourierView);
    case 'courier_collect':
      return wait(400).then(() => ({ taken: true, already: false }));
    case 'courier_forward':
      return wait(800).then(() => ({ accepted: 3, refused: 1 }));
    case 'courier_fetch':
      return wait(800).then(() => ({ bundles: 2, devices: 2 }));
    case 'courier_distribute':
      return wait(400).then(() => ({ folder: String(args.folder), files: [{ name: 'paquet-c0de.ccsb', size: 48_000 }] }));
    case 'hotspot_start':
      return wait(500).then(() => {
        serving = { ...SERVING, exchanges: 0 };
        return serving;
      });
    case 'hotspot_stop':
      serving = null;
      return Promise.resolve(null);
  }
  return undefined;
}
