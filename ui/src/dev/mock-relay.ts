/**
 * The relay's commands in the stand-in backend (`npm run dev`, never in `ui/dist`):
 * made-up custody and outcomes so the « Facilitateur » and « Courrier » screens can be
 * looked at in a plain browser. `?pending=1` shows a device enrolled from a slip,
 * `?serving=1` a courier serving on the local network.
 */
import type { CourierView, CustodyView, HotspotView, RelayExportSummary, RelayImportReport, RelayStatus } from '../lib/relay-types';

type Any = Record<string, unknown>;
const params = new URLSearchParams(window.location.search);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msg = (fr: string, en: string) => ({ fr, en });

let lastExport: RelayExportSummary | null = null;
const SERVING: HotspotView = {
  address: 'https://192.168.43.1:8443',
  pairing: `ccs-relais:1?a=192.168.43.1:8443&f=${'3f'.repeat(32)}&t=Q2VzdCB1biBqZXRvbg`,
  exchanges: 2,
};
let serving: HotspotView | null = params.get('serving') === '1' ? SERVING : null;

const item = (bundle: string, p: Partial<CustodyView>): CustodyView => ({
  bundle,
  direction: 'to_server',
  device: '0192f0c4-aaaa-7000-8000-000000000001',
  label: 'Tablette Goundam 2',
  committee_id: null,
  committee_name: 'CCS de Goundam',
  region: 'tombouctou',
  size: 14_200,
  part: 1,
  parts: 1,
  state: 'carried',
  code: null,
  message: null,
  note: null,
  taken_at: '2026-02-27T09:12:00Z',
  updated_at: '2026-02-27T09:12:00Z',
  ...p,
});

const menaka = { device: '0192f0c4-bbbb-7000-8000-000000000002', label: 'Ménaka — secrétaire', committee_name: null };
const view = (): CourierView => ({
  roster: { issued_at: '2026-02-28T16:05:00Z', fetched_at: '2026-02-28T16:05:00Z', age_days: 1, devices: 14, revoked: 1 },
  to_server: [item('b1', {}), item('b2', { size: 3_100, updated_at: '2026-02-28T15:40:00Z' }), item('b3', { ...menaka, size: 220_000 })],
  to_members: [item('b4', { ...menaka, direction: 'to_member', size: 48_000 })],
  handed_on: [
    item('b5', { device: '0192f0c4-cccc-7000-8000-000000000003', label: null, committee_name: null, state: 'refused', size: 900 }),
    item('b6', { direction: 'to_member', state: 'delivered', size: 12_000, updated_at: '2026-02-20T11:00:00Z' }),
  ],
  bytes_to_server: 237_300,
  bytes_to_members: 48_000,
});

const report = (p: Partial<RelayImportReport> = {}): RelayImportReport => ({
  file_name: 'paquet-77aa.ccsb',
  received: 4,
  acknowledged: 3,
  refused: [],
  refused_bundles: [],
  enrollment_completed: params.get('pending') === '1',
  nothing_new: false,
  repair_needed: null,
  quarantined: [],
  flagged: 0,
  ...p,
});

export function handleRelay(cmd: string, args: Any): Promise<unknown> | undefined {
  switch (cmd) {
    case 'relay_status':
      return Promise.resolve({
        ready: true,
        enrollment_pending: params.get('pending') === '1',
        server_url: 'https://srv.example.ml',
        server_fingerprint: '3F9A 21C0 7B44 E1D2',
        waiting: 3,
        last_export: lastExport,
        unacknowledged: lastExport ? lastExport.parts : 0,
        last_import_at: '2026-02-20T11:00:00Z',
        refused: [],
        refused_bundles: [],
      } satisfies RelayStatus);
    case 'relay_default_folder':
      return Promise.resolve('/home/membre/Documents/CCS relais');
    case 'relay_export_to':
      return wait(700).then(() => {
        const folder = String(args.folder);
        lastExport = {
          at: new Date().toISOString(),
          parts: 2,
          records: 3,
          files: [`${folder}/paquet-3f9a.ccsb`, `${folder}/paquet-b21c.ccsb`],
          enrollment: params.get('pending') === '1',
        };
        return lastExport;
      });
    case 'relay_import':
      return wait(500).then(() => {
        if ((args.bytes as number[]).length < 4)
          throw { code: 'bundle.truncated', message: msg('Ce paquet est incomplet (coupé pendant la copie).', 'This bundle is incomplete.'), fields: [] };
        return report();
      });
    case 'relay_exchange':
      return wait(900).then(() => ({
        sent: { at: new Date().toISOString(), parts: 1, records: 3, files: [], enrollment: false },
        received: [report({ received: 2 })],
      }));
    case 'courier_view':
      return Promise.resolve(view());
    case 'courier_collect':
      return wait(400).then(() => ({ bundle: 'b9', device: menaka.device, label: menaka.label, enrolling: false, new: true }));
    case 'courier_forward':
      return wait(800).then(() => ({ forwarded: 3, refused: [], left: 0, error: null, roster_renewed: true }));
    case 'courier_fetch':
      return wait(800).then(() => ({ received: 2, superseded: 1, rejected: [] }));
    case 'courier_distribute':
      return wait(400).then(() => ({ folder: String(args.folder), files: [`${String(args.folder)}/paquet-c0de.ccsb`] }));
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
