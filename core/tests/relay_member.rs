//! Issue 15, the member's device: keys in the encrypted store, up-bundles exported for a
//! courier, return bundles applied in one transaction, offline enrollment from a slip.
//! Real encrypted stores; the "server" is a generated key pair that opens up-bundles
//! with `relay::open_up` and seals hand-made return bundles with `relay::seal_down`.

mod common;

use ccs_core::app::App;
use ccs_core::error_code::ReceivedCode;
use ccs_core::model::*;
use ccs_core::relay::api::{KeysRequest, KeysResponse, KEYS_PATH};
use ccs_core::relay::bundle::{self, Sender};
use ccs_core::relay::member::{self, RelayError};
use ccs_core::relay::PublicKeys;
use ccs_core::relay::{self, DeviceKeys, DownPayload, EnrollmentGrant, Receipt, SignerKey, Slip, UpPayload};
use ccs_core::store::delivery::Delivery;
use ccs_core::store::ServerLink;
use ccs_core::store::{KdfParams, Store};
use ccs_core::sync::client::{self, SyncError, Transport};
use ccs_core::sync::plan::PUSH_DOCS_PER_REQUEST;
use ccs_core::sync::wire::{LogEntry, PushResult, SyncResponse};
use common::*;
use std::sync::Mutex;

const URL: &str = "https://crss.example.ml";

/// The server's side, as far as these tests need it.
struct Server {
    keys: DeviceKeys,
    epoch: [u8; 16],
}

fn server() -> Server {
    Server { keys: DeviceKeys::generate(1), epoch: [42; 16] }
}

fn device(store: &Store) -> [u8; 16] {
    *store.identity().device_id.0.as_bytes()
}

/// A member's store that knows the server's keys (enrolled directly), with the Goundam
/// committee.
fn member(server: &Server) -> (TestStore, CommitteeId) {
    let (mut t, committee) = store_with_committee(Role::Member);
    t.store.pin_server_keys(URL, &server.keys.public(), Some(server.epoch)).unwrap();
    (t, committee)
}

fn new_session(t: &mut TestStore, committee: CommitteeId, summary: &str) -> RecordId {
    let mut body = session_body();
    body.summary = summary.into();
    t.store.create_record(input(RecordBody::Session(body), committee), now()).unwrap()
}

impl Server {
    /// Opens an up-bundle as the server does, the device's key from `store`.
    fn open(&self, store: &Store, bytes: &[u8]) -> (bundle::Header, UpPayload) {
        let key = store.relay_keys().public();
        relay::open_up(bytes, |_| SignerKey::Known(key), &self.keys).unwrap()
    }

    /// A receipt accepting every record of `up`, but those in `refuse` (with their code).
    fn receipt(&self, up: &UpPayload, refuse: &[(RecordId, &str)]) -> Receipt {
        let results = up
            .request
            .push
            .iter()
            .map(|p| PushResult {
                id: p.meta.id,
                rejected: refuse.iter().find(|(id, _)| id.0.as_bytes() == &p.meta.id).map(|(_, c)| c.to_string()),
            })
            .collect();
        Receipt { bundle: up.bundle, refused: None, results }
    }

    /// A return bundle for `store`'s device.
    fn down(&self, store: &Store, receipts: Vec<Receipt>, from: u64, cursor: u64, entries: Vec<LogEntry>) -> Vec<u8> {
        self.down_with(store, receipts, None, from, cursor, entries)
    }

    fn down_with(
        &self,
        store: &Store,
        receipts: Vec<Receipt>,
        enrollment: Option<EnrollmentGrant>,
        from: u64,
        cursor: u64,
        entries: Vec<LogEntry>,
    ) -> Vec<u8> {
        let payload = DownPayload {
            bundle: bundle::new_id(),
            device: device(store),
            receipts,
            enrollment,
            from,
            response: SyncResponse {
                epoch: self.epoch,
                repair_needed: false,
                results: vec![],
                entries,
                cursor,
                more: false,
            },
        };
        relay::seal_down(&payload, &self.keys, &store.relay_keys().public(), self.epoch, 1, 1).unwrap()
    }
}

fn position(t: &TestStore) -> (Option<[u8; 16]>, u64) {
    t.store.sync_position(URL).unwrap()
}

fn code_of(e: RelayError) -> String {
    e.code().as_str().to_string()
}

// ------------------------------------------------------------------------------ keys

#[test]
fn keys_live_only_in_the_encrypted_store_survive_unlock_and_go_with_a_wipe() {
    let t = store_with(Role::Member);
    let path = t.path();
    let public = t.store.relay_keys().public();
    public.check().unwrap();
    let secret = t.store.relay_keys().secret_bytes();
    let dir = t.dir;
    drop(t.store);
    // Nothing but the store's own files beside it, and no secret in clear in them.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        assert!(name.starts_with("store.db"), "unexpected file {name}");
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(!bytes.windows(32).any(|w| w == &secret[..32]), "secret seed in clear in {name}");
    }
    let store = Store::open(&path, PASS).unwrap();
    assert_eq!(store.relay_keys().public(), public, "the same keys after lock and unlock");
    drop(store);
    Store::wipe(&path).unwrap();
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "the wipe left nothing");
    assert!(Store::open(&path, PASS).is_err());
}

#[test]
fn a_store_of_the_previous_schema_gets_keys_at_its_first_open() {
    let mut t = store_with(Role::Member);
    let before = t.store.relay_keys().public();
    t.store
        .execute_sql_for_migration_tests(
            "DROP TABLE relay_keys; DROP TABLE relay_server; DROP TABLE relay_exports;
             DROP TABLE relay_export_docs; DROP TABLE relay_imports; DROP TABLE relay_key_refusals;
             PRAGMA user_version = 10;",
        )
        .unwrap();
    let path = t.path();
    drop(t.store);
    let store = Store::open(&path, PASS).unwrap();
    let keys = store.relay_keys().public();
    assert_ne!(keys, before, "new keys were made");
    assert_eq!(keys.epoch, 1);
    drop(store);
    assert_eq!(Store::open(&path, PASS).unwrap().relay_keys().public(), keys, "made once, then kept");
}

/// A server as a device's direct sync sees it: `/v1/keys` answered (or refused, as a
/// server without the relay does), the sync itself out of reach. Counts the requests.
struct KeysServer {
    server: Option<PublicKeys>,
    asked: Mutex<Vec<String>>,
}

impl Transport for KeysServer {
    fn post(&self, _: &str, path: &str, token: Option<&str>, _: &str, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        self.asked.lock().unwrap().push(path.to_string());
        assert_eq!(token, Some("jeton"), "over the authenticated link");
        match (path, &self.server) {
            (KEYS_PATH, Some(k)) => {
                let request: KeysRequest = serde_json::from_slice(&body).unwrap();
                request.keys.check().unwrap();
                Ok(serde_json::to_vec(&KeysResponse { server_keys: k.clone(), epoch: hex::encode([42u8; 16]) })
                    .unwrap())
            }
            (KEYS_PATH, None) => Err(SyncError::Refused {
                status: 404,
                code: ReceivedCode::parse("request.not_found"),
                message: "no such path".into(),
            }),
            _ => Err(SyncError::Network("out of reach".into())),
        }
    }
}

fn enrolled_before_the_relay() -> TestStore {
    let mut t = store_with(Role::Member);
    let link = ServerLink { url: URL.into(), token: "jeton".into() };
    t.store.set_enrollment(&link, t.store.identity().clone()).unwrap();
    t
}

#[test]
fn a_device_enrolled_before_the_relay_registers_its_keys_once_at_its_next_sync() {
    let s = server();
    let mut t = enrolled_before_the_relay();
    let server = KeysServer { server: Some(s.keys.public()), asked: Mutex::new(vec![]) };
    assert!(client::sync(&mut t.store, &server, now()).is_err(), "the sync itself is out of reach");
    let pinned = t.store.pinned_server().unwrap().expect("pinned");
    assert_eq!((pinned.keys, pinned.epoch), (s.keys.public(), Some(s.epoch)));
    let _ = client::sync(&mut t.store, &server, now());
    assert_eq!(server.asked.lock().unwrap().iter().filter(|p| *p == KEYS_PATH).count(), 1, "once");
    // Now it can export for a courier.
    member::export(&mut t.store, now()).unwrap();
}

#[test]
fn a_server_without_the_relay_is_asked_for_keys_once_a_day_and_the_sync_goes_on() {
    let mut t = enrolled_before_the_relay();
    let server = KeysServer { server: None, asked: Mutex::new(vec![]) };
    let err = client::sync(&mut t.store, &server, now()).unwrap_err();
    assert_eq!(err.code(), "sync.network", "the refusal did not stop the sync");
    let _ = client::sync(&mut t.store, &server, now() + chrono::Duration::hours(1));
    let _ = client::sync(&mut t.store, &server, now() + chrono::Duration::hours(25));
    let asked = server.asked.lock().unwrap().clone();
    assert_eq!(asked.iter().filter(|p| *p == KEYS_PATH).count(), 2, "{asked:?}");
    assert!(t.store.pinned_server().unwrap().is_none());
}

// ------------------------------------------------------------------------------ export

#[test]
fn an_export_with_nothing_to_send_still_declares_the_cursor() {
    let s = server();
    let (mut t, _) = member(&s);
    let export = member::export(&mut t.store, now()).unwrap();
    assert_eq!(export.bundles.len(), 1);
    let b = &export.bundles[0];
    assert!(b.file_name.starts_with("paquet-") && b.file_name.ends_with(".ccsb"));
    let (header, up) = s.open(&t.store, &b.bytes);
    assert_eq!((header.part, header.parts), (1, 1));
    assert!(matches!(header.sender, Sender::Device { .. }));
    let own: Vec<_> = up.request.push.iter().filter(|p| p.meta.kind == "session").collect();
    assert!(own.is_empty(), "no record of this device to send");
    assert_eq!(up.request.cursor, 0);
    assert!(up.enrollment.is_none());
}

#[test]
fn an_export_without_pinned_server_keys_is_refused() {
    let mut t = store_with(Role::Member);
    assert_eq!(code_of(member::export(&mut t.store, now()).unwrap_err()), "relay.not_enrolled");
}

#[test]
fn a_receipt_in_a_return_bundle_marks_the_record_received() {
    let s = server();
    let (mut t, committee) = member(&s);
    let id = new_session(&mut t, committee, "Réunion de Goundam");
    assert_eq!(t.store.delivery(id).unwrap(), Delivery::NotSent);

    let export = member::export(&mut t.store, now()).unwrap();
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Relayed { .. }), "« remis au relais le … »");
    let (_, up) = s.open(&t.store, &export.bundles[0].bytes);
    assert!(up.request.push.iter().any(|p| p.meta.id == *id.0.as_bytes()));
    let status = ccs_core::app::relay_status_of(&t.store, now()).unwrap();
    assert_eq!(status.unacknowledged, 1);

    let back = s.down(&t.store, vec![s.receipt(&up, &[])], 0, 7, vec![]);
    let report = member::import(&mut t.store, &back, now()).unwrap();
    assert!(report.acknowledged >= 1);
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Received { at: Some(_) }));
    assert_eq!(position(&t), (Some(s.epoch), 7));
    let status = ccs_core::app::relay_status_of(&t.store, now()).unwrap();
    assert_eq!(status.unacknowledged, 0);
    assert!(status.last_import_at.is_some());

    // The same file again: nothing twice.
    let again = member::import(&mut t.store, &back, now()).unwrap();
    assert!(again.nothing_new);
    // The next export reports the return bundle applied, and carries nothing.
    let next = member::export(&mut t.store, now()).unwrap();
    let (_, up2) = s.open(&t.store, &next.bundles[0].bytes);
    assert_eq!(up2.applied, vec![report.bundle]);
    assert!(!up2.request.push.iter().any(|p| p.meta.id == *id.0.as_bytes()));
    assert_eq!(up2.request.cursor, 7);
}

#[test]
fn a_refused_record_keeps_its_changes_and_waits_for_a_change() {
    let s = server();
    let (mut t, committee) = member(&s);
    let id = new_session(&mut t, committee, "Réunion refusée");
    let export = member::export(&mut t.store, now()).unwrap();
    let (_, up) = s.open(&t.store, &export.bundles[0].bytes);
    let back = s.down(&t.store, vec![s.receipt(&up, &[(id, "scope.outside")])], 0, 3, vec![]);
    let report = member::import(&mut t.store, &back, now()).unwrap();
    assert_eq!(report.refused, vec![(id, "scope.outside".to_string())]);
    let (heads, acked) = t.store.heads(id).unwrap();
    assert_ne!(heads, acked, "still unsent");
    assert_eq!(t.store.delivery(id).unwrap(), Delivery::NotSent);
    assert!(t.store.held_back(now()).unwrap().iter().any(|r| r.id == id), "held back as a direct sync would");
    assert!(!t.store.to_push(now()).unwrap().contains(&id));
}

#[test]
fn a_bundle_refused_whole_by_the_server_moves_nothing_and_is_shown() {
    let s = server();
    let (mut t, committee) = member(&s);
    let id = new_session(&mut t, committee, "Réunion");
    let export = member::export(&mut t.store, now()).unwrap();
    let (_, up) = s.open(&t.store, &export.bundles[0].bytes);
    let receipt = Receipt { bundle: up.bundle, refused: Some("bundle.revoked_signer".into()), results: vec![] };
    let back = s.down(&t.store, vec![receipt], 0, 0, vec![]);
    let report = member::import(&mut t.store, &back, now()).unwrap();
    assert_eq!(report.bundles_refused, vec![(up.bundle, "bundle.revoked_signer".to_string())]);
    assert!(t.store.to_push(now()).unwrap().contains(&id), "sent again with the next export");
    let status = ccs_core::app::relay_status_of(&t.store, now()).unwrap();
    assert_eq!(status.refused_bundles.len(), 1);
    assert_eq!(status.refused_bundles[0].code, "bundle.revoked_signer");
}

#[test]
fn a_backlog_bigger_than_one_request_goes_as_parts_each_applied_alone() {
    let s = server();
    let (mut t, committee) = member(&s);
    let ids: Vec<RecordId> = t
        .store
        .without_waiting_for_disk(|store| {
            (0..PUSH_DOCS_PER_REQUEST + 5)
                .map(|i| {
                    let mut body = session_body();
                    body.summary = format!("Réunion {i}");
                    store.create_record(input(RecordBody::Session(body), committee), now()).unwrap()
                })
                .collect()
        })
        .unwrap();
    let export = member::export(&mut t.store, now()).unwrap();
    assert_eq!(export.bundles.len(), 2, "two parts");
    let ups: Vec<UpPayload> = export.bundles.iter().map(|b| s.open(&t.store, &b.bytes).1).collect();
    for (k, b) in export.bundles.iter().enumerate() {
        assert_eq!((b.part, b.parts), (k as u16 + 1, 2));
        assert_eq!(ups[k].request.cursor, 0, "every part declares the same cursor");
    }
    let carried: usize = ups.iter().map(|u| u.request.push.len()).sum();
    assert!(carried >= ids.len());
    // Part 2's receipt alone: exactly its records are acknowledged.
    let back = s.down(&t.store, vec![s.receipt(&ups[1], &[])], 0, 0, vec![]);
    member::import(&mut t.store, &back, now()).unwrap();
    let second: Vec<[u8; 16]> = ups[1].request.push.iter().map(|p| p.meta.id).collect();
    for id in &ids {
        let received = matches!(t.store.delivery(*id).unwrap(), Delivery::Received { .. });
        assert_eq!(received, second.contains(id.0.as_bytes()), "{id}");
    }
    let back = s.down(&t.store, vec![s.receipt(&ups[0], &[])], 0, 0, vec![]);
    member::import(&mut t.store, &back, now()).unwrap();
    assert!(ids.iter().all(|id| matches!(t.store.delivery(*id).unwrap(), Delivery::Received { .. })));
}

#[test]
fn an_old_return_bundle_after_a_newer_one_moves_nothing_back() {
    let s = server();
    let (mut t, committee) = member(&s);
    let id = new_session(&mut t, committee, "Première version");
    let first = member::export(&mut t.store, now()).unwrap();
    let (_, up1) = s.open(&t.store, &first.bundles[0].bytes);
    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::Value::String("Deuxième version".into()));
    t.store.patch_record(id, patch, now()).unwrap();
    let second = member::export(&mut t.store, now()).unwrap();
    let (_, up2) = s.open(&t.store, &second.bundles[0].bytes);
    let (heads_now, _) = t.store.heads(id).unwrap();

    // The server answered both; the newer answer is applied first.
    let old = s.down(&t.store, vec![s.receipt(&up1, &[])], 0, 4, vec![]);
    let new = s.down(&t.store, vec![s.receipt(&up2, &[])], 0, 9, vec![]);
    member::import(&mut t.store, &new, now()).unwrap();
    assert_eq!(t.store.heads(id).unwrap().1, heads_now);
    assert_eq!(position(&t), (Some(s.epoch), 9));
    let report = member::import(&mut t.store, &old, now()).unwrap();
    assert_eq!(t.store.heads(id).unwrap().1, heads_now, "the acknowledgement did not move back");
    assert_eq!(position(&t), (Some(s.epoch), 9), "the cursor did not move back");
    assert_eq!(report.acknowledged, 0);
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Received { .. }));
}

#[test]
fn received_records_merge_and_a_repeated_page_changes_nothing() {
    let s = server();
    let c = goundam_committee();
    let (mut t, _) = member(&s);
    t.store.insert_new(&c, now()).unwrap();
    // A colleague's record, as the server's log holds it.
    let mut colleague = store_with(Role::Member);
    colleague.store.insert_new(&c, now()).unwrap();
    let mut body = session_body();
    body.summary = "Séance du collègue".into();
    let theirs = colleague.store.create_record(input(RecordBody::Session(body), c.committee_id), now()).unwrap();
    let push = colleague.store.push_of(theirs).unwrap();
    let entry = LogEntry { seq: 3, meta: push.meta, changes: push.changes };
    let back = s.down(&t.store, vec![], 0, 3, vec![entry.clone()]);
    let report = member::import(&mut t.store, &back, now()).unwrap();
    assert_eq!(report.received, 1);
    assert!(t.store.record(theirs).is_ok());
    // An older offer of the same page, in a new bundle: merged again, nothing new.
    let again = s.down(&t.store, vec![], 0, 3, vec![entry]);
    let report = member::import(&mut t.store, &again, now()).unwrap();
    assert!(report.nothing_new);
    assert_eq!(position(&t), (Some(s.epoch), 3));
}

// ------------------------------------------------------------------------------ refusals

#[test]
fn a_return_bundle_for_another_device_is_refused() {
    let s = server();
    let (mut a, _) = member(&s);
    let (b, _) = member(&s);
    let for_b = s.down(&b.store, vec![], 0, 5, vec![]);
    assert_eq!(code_of(member::import(&mut a.store, &for_b, now()).unwrap_err()), "bundle.not_for_this_device");
    // Sealed to A's key but naming B inside: refused too.
    let payload = DownPayload {
        bundle: bundle::new_id(),
        device: device(&b.store),
        receipts: vec![],
        enrollment: None,
        from: 0,
        response: SyncResponse {
            epoch: s.epoch,
            repair_needed: false,
            results: vec![],
            entries: vec![],
            cursor: 5,
            more: false,
        },
    };
    let bytes = relay::seal_down(&payload, &s.keys, &a.store.relay_keys().public(), s.epoch, 1, 1).unwrap();
    assert_eq!(code_of(member::import(&mut a.store, &bytes, now()).unwrap_err()), "bundle.not_for_this_device");
    assert_eq!(position(&a), (None, 0));
}

#[test]
fn a_return_bundle_signed_by_another_key_is_refused_and_the_store_unchanged() {
    let s = server();
    let (mut t, committee) = member(&s);
    let id = new_session(&mut t, committee, "Réunion");
    let export = member::export(&mut t.store, now()).unwrap();
    let (_, up) = s.open(&t.store, &export.bundles[0].bytes);
    let forger = Server { keys: DeviceKeys::generate(1), epoch: s.epoch };
    let forged = forger.down(&t.store, vec![s.receipt(&up, &[])], 0, 50, vec![]);
    assert_eq!(code_of(member::import(&mut t.store, &forged, now()).unwrap_err()), "bundle.bad_signature");
    assert_eq!(position(&t), (None, 0));
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Relayed { .. }));
    // A truncated or altered genuine bundle: refused, then the intact one applies.
    let genuine = s.down(&t.store, vec![s.receipt(&up, &[])], 0, 5, vec![]);
    assert!(member::import(&mut t.store, &genuine[..genuine.len() - 3], now()).is_err());
    let mut flipped = genuine.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(code_of(member::import(&mut t.store, &flipped, now()).unwrap_err()), "bundle.bad_hash");
    assert_eq!(position(&t), (None, 0));
    member::import(&mut t.store, &genuine, now()).unwrap();
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Received { .. }));
}

#[test]
fn a_part_that_follows_one_not_yet_applied_is_kept_for_later() {
    let s = server();
    let (mut t, _) = member(&s);
    let part1 = s.down(&t.store, vec![], 0, 5, vec![]);
    let part2 = s.down(&t.store, vec![], 5, 8, vec![]);
    let e = member::import(&mut t.store, &part2, now()).unwrap_err();
    assert_eq!(code_of(e), "relay.out_of_order");
    assert_eq!(position(&t), (None, 0), "nothing written");
    member::import(&mut t.store, &part1, now()).unwrap();
    member::import(&mut t.store, &part2, now()).unwrap();
    assert_eq!(position(&t), (Some(s.epoch), 8));
}

#[test]
fn a_restored_server_says_repair_needed_and_the_page_waits_for_a_direct_sync() {
    let s = server();
    let (mut t, committee) = member(&s);
    let id = new_session(&mut t, committee, "Réunion");
    let export = member::export(&mut t.store, now()).unwrap();
    let (_, up) = s.open(&t.store, &export.bundles[0].bytes);
    let first = s.down(&t.store, vec![], 0, 6, vec![]);
    member::import(&mut t.store, &first, now()).unwrap();
    assert_eq!(position(&t), (Some(s.epoch), 6));
    // The server was restored: another log. Its receipt still counts; its page does not.
    let restored = Server { keys: DeviceKeys::from_secret_bytes(&s.keys.secret_bytes()).unwrap(), epoch: [7; 16] };
    let payload = DownPayload {
        bundle: bundle::new_id(),
        device: device(&t.store),
        receipts: vec![s.receipt(&up, &[])],
        enrollment: None,
        from: 0,
        response: SyncResponse {
            epoch: restored.epoch,
            repair_needed: true,
            results: vec![],
            entries: vec![],
            cursor: 2,
            more: false,
        },
    };
    let bytes =
        relay::seal_down(&payload, &restored.keys, &t.store.relay_keys().public(), restored.epoch, 1, 1).unwrap();
    let report = member::import(&mut t.store, &bytes, now()).unwrap();
    assert!(report.repair_needed);
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Received { .. }));
    assert_eq!(position(&t), (Some(s.epoch), 6), "the cursor waits for a direct sync");
    // Another log without saying so: refused, nothing written.
    let other = restored.down(&t.store, vec![], 0, 9, vec![]);
    assert_eq!(code_of(member::import(&mut t.store, &other, now()).unwrap_err()), "relay.other_server");
    assert_eq!(position(&t), (Some(s.epoch), 6));
}

// ------------------------------------------------------------------------------ offline enrollment

fn slip(s: &Server, committee: CommitteeId, valid_until: &str) -> Slip {
    Slip {
        server: URL.into(),
        code: "ABCD-EFGH-JKLM".into(),
        server_keys: s.keys.public(),
        epoch: s.epoch,
        valid_until: date(valid_until),
        role: "member".into(),
        committee_id: Some(committee.to_string()),
        region: None,
    }
}

#[test]
fn offline_enrollment_from_a_slip_sends_the_code_until_the_grant_arrives() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    let c = goundam_committee();
    let status =
        app.enroll_offline(PASS, &slip(&s, c.committee_id, "2027-02-01").to_text(), Some("Téléphone"), now()).unwrap();
    let identity = status.identity.unwrap();
    assert!(identity.enrollment_pending, "« inscription en attente »");
    assert_eq!((identity.role, identity.committee_id), (Role::Member, Some(c.committee_id)));
    assert!(app.relay_status(now()).unwrap().enrollment_pending);

    // The device works fully meanwhile: a record made offline.
    app.lock();
    let mut store = Store::open(&app.store_path(), PASS).unwrap();
    assert!(store.server_link().unwrap().is_none(), "no token: no direct sync yet");
    store.insert_new(&c, now()).unwrap();
    let mut body = session_body();
    body.summary = "Séance tenue hors ligne".into();
    let id = store.create_record(input(RecordBody::Session(body), c.committee_id), now()).unwrap();
    let keys = store.relay_keys().public();
    let dev = device(&store);
    drop(store);
    app.unlock(PASS, now()).unwrap();

    // Every up-bundle carries the code, signed by the key it enrolls, until the grant.
    let open = |bytes: &[u8]| relay::open_up(bytes, |_| SignerKey::Unknown, &s.keys).unwrap();
    let mut ups = Vec::new();
    for _ in 0..2 {
        let export = app.relay_export(now()).unwrap();
        assert!(export.enrollment);
        for b in &export.bundles {
            let (header, up) = open(&b.bytes);
            assert_eq!(header.sender, Sender::Enrolling { id: dev, sign_key: keys.sign });
            let e = up.enrollment.clone().expect("the code");
            assert_eq!((e.code.as_str(), e.label.as_deref(), &e.keys), ("ABCD-EFGH-JKLM", Some("Téléphone"), &keys));
            ups.push(up);
        }
    }
    // The server redeems the code and answers with the grant and the receipt.
    let grant = EnrollmentGrant {
        token: "jeton-secret".into(),
        role: "member".into(),
        committee_id: Some(c.committee_id.to_string()),
        region: None,
    };
    let receipt = s.receipt(&ups[1], &[]);
    let payload = DownPayload {
        bundle: bundle::new_id(),
        device: dev,
        receipts: vec![receipt],
        enrollment: Some(grant),
        from: 0,
        response: SyncResponse {
            epoch: s.epoch,
            repair_needed: false,
            results: vec![],
            entries: vec![],
            cursor: 2,
            more: false,
        },
    };
    let back = relay::seal_down(&payload, &s.keys, &keys, s.epoch, 1, 1).unwrap();
    let report = app.relay_import(&back, now()).unwrap();
    assert!(report.enrollment_completed);
    assert!(report.acknowledged >= 1);
    let status = app.status();
    assert!(!status.identity.unwrap().enrollment_pending);
    assert!(!app.relay_status(now()).unwrap().enrollment_pending);
    // Enrolled for good: the next bundle is an ordinary one.
    let export = app.relay_export(now()).unwrap();
    assert!(!export.enrollment);
    let key = keys.clone();
    let (header, up) = relay::open_up(&export.bundles[0].bytes, |_| SignerKey::Known(key), &s.keys).unwrap();
    assert!(matches!(header.sender, Sender::Device { .. }));
    assert!(up.enrollment.is_none());
    assert!(!up.request.push.iter().any(|p| p.meta.id == *id.0.as_bytes()), "acknowledged");
    app.lock();
    let store = Store::open(&app.store_path(), PASS).unwrap();
    let link = store.server_link().unwrap().expect("the token came back");
    assert_eq!((link.url.as_str(), link.token.as_str()), (URL, "jeton-secret"));
}

#[test]
fn an_expired_slip_is_refused_and_leaves_nothing() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    let e = app.enroll_offline(PASS, &slip(&s, CommitteeId::new(), "2026-11-19").to_text(), None, now()).unwrap_err();
    assert_eq!(e.code.as_str(), "slip.expired");
    assert!(!app.store_path().exists());
    let e = app.enroll_offline(PASS, "ccs-inscription:1?s=nope", None, now()).unwrap_err();
    assert_eq!(e.code.as_str(), "slip.malformed");
    assert!(!app.store_path().exists());
}
