//! The relay on the server, over real HTTP: members' bundles carried by a courier, return
//! bundles, the roster, offline enrollment from a slip, quarantine, and the hostile
//! couriers and late bundles RELAY.md guards against.

mod common;

use ccs_core::model::*;
use ccs_core::relay::api::{
    KeysRequest, KeysResponse, OutboxRequest, OutboxResponse, ReceiptStatus, RelayReceipt, Roster, OUTBOX_PATH,
    RELAY_PATH, ROSTER_PATH,
};
use ccs_core::relay::bundle::{self, Header, Sender, SIGNATURE_DOMAIN};
use ccs_core::relay::{open_down, seal_up, DeviceKeys, DownPayload, OfflineEnrollment, PublicKeys, Slip, UpPayload};
use ccs_core::sync::wire::{self, DocPush, SyncRequest};
use ccs_sync_server::enrollment::{EnrollResponse, Grant};
use ccs_sync_server::{admin, Limits};
use chrono::Utc;
use common::*;
use rstest::rstest;

/// A device enrolled with relay keys, as a member's app does it.
struct KeyedDevice {
    device: TestDevice,
    keys: DeviceKeys,
    server: PublicKeys,
    epoch: [u8; 16],
}

impl KeyedDevice {
    fn id(&self) -> [u8; 16] {
        *self.device.id.as_uuid().as_bytes()
    }

    /// An up-bundle of `push` declaring `cursor`.
    fn bundle(&self, cursor: u64, push: Vec<DocPush>, applied: Vec<[u8; 16]>) -> ([u8; 16], Vec<u8>) {
        let id = bundle::new_id();
        let payload = UpPayload {
            bundle: id,
            device: self.id(),
            enrollment: None,
            applied,
            request: SyncRequest { epoch: Some(self.epoch), cursor, push },
        };
        (id, seal_up(&payload, &self.keys, &self.server, self.epoch, 1, 1).unwrap())
    }

    /// Opens a return bundle with this device's keys.
    fn open(&self, bytes: &[u8]) -> DownPayload {
        open_down(bytes, &self.server, &[&self.keys], self.id()).unwrap().1
    }
}

fn enroll_keyed(server: &TestServer, role: Role, committee: Option<CommitteeId>, region: Option<&str>) -> KeyedDevice {
    let code = server.code(role, committee, region);
    let id = DeviceId::new();
    let keys = DeviceKeys::generate(1);
    let body =
        serde_json::json!({"code": code, "device_id": id.to_string(), "label": "Téléphone", "keys": keys.public()});
    let (status, bytes) = post(&server.url, "/v1/enroll", None, "application/json", body.to_string().as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let r: EnrollResponse = serde_json::from_slice(&bytes).unwrap();
    let epoch: [u8; 16] = hex::decode(&r.epoch).unwrap().try_into().unwrap();
    let device = TestDevice { id, token: r.token, role, epoch: None, cursor: 0, url: server.url.clone() };
    KeyedDevice { device, keys, server: r.server_keys.expect("the server answers its keys"), epoch }
}

fn carry(courier: &TestDevice, bytes: &[u8]) -> RelayReceipt {
    let (status, body) = post(&courier.url, RELAY_PATH, Some(&courier.token), "application/octet-stream", bytes);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn outbox(courier: &TestDevice, devices: Vec<[u8; 16]>) -> OutboxResponse {
    let body = wire::encode(&OutboxRequest { devices });
    let (status, bytes) = post(&courier.url, OUTBOX_PATH, Some(&courier.token), "application/x-ccs-frame", &body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    wire::decode(&bytes).unwrap()
}

fn roster(courier: &TestDevice) -> Roster {
    let mut resp = agent()
        .get(format!("{}{ROSTER_PATH}", courier.url))
        .header("Authorization", &format!("Bearer {}", courier.token))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    wire::decode(&resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap()).unwrap()
}

fn register_keys(device: &TestDevice, keys: &PublicKeys) -> (u16, Vec<u8>) {
    let body = serde_json::to_vec(&KeysRequest { keys: keys.clone() }).unwrap();
    post(&device.url, "/v1/keys", Some(&device.token), "application/json", &body)
}

fn accepted(r: &RelayReceipt) {
    assert_eq!((r.status, r.code.as_deref()), (ReceiptStatus::Accepted, None), "{r:?}");
}

fn refused(r: &RelayReceipt, code: &str) {
    assert_eq!((r.status, r.code.as_deref()), (ReceiptStatus::Refused, Some(code)), "{r:?}");
}

/// The Goundam story's cast: a member with keys, a colleague syncing directly, the
/// Tombouctou facilitator and the CRSS reviewer.
struct Cast {
    server: TestServer,
    member: KeyedDevice,
    colleague: TestDevice,
    facilitator: TestDevice,
    reviewer: TestDevice,
}

fn cast() -> Cast {
    let server = TestServer::start();
    server.import_committees();
    let member = enroll_keyed(&server, Role::Member, Some(goundam()), None);
    let colleague = server.enroll(Role::Member, Some(goundam()), None);
    let facilitator = server.enroll(Role::Facilitator, None, Some("tombouctou"));
    let reviewer = server.enroll(Role::Reviewer, None, None);
    Cast { server, member, colleague, facilitator, reviewer }
}

fn submitted_session(device: DeviceId) -> LocalDoc {
    let mut s = LocalDoc::new(session(goundam(), device), device);
    s.edit(device, |r| r.review.push(review_event(device, Role::Member, Decision::Submitted)));
    s
}

#[rstest]
fn a_members_bundle_carried_by_the_facilitator_reaches_a_colleagues_direct_sync(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let mut s = submitted_session(c.member.device.id);
    let (id, bytes) = c.member.bundle(0, vec![s.push()], vec![]);
    let receipt = carry(&c.facilitator, &bytes);
    accepted(&receipt);
    assert_eq!(receipt.bundle, hex::encode(id));
    assert_eq!(receipt.device, Some(c.member.device.id.to_string()));
    assert_eq!(c.colleague.pulled_docs(), vec![s.id()]);
}

#[rstest]
fn the_same_bundle_brought_twice_gets_the_same_receipt_and_is_applied_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let mut s = submitted_session(c.member.device.id);
    let (_, bytes) = c.member.bundle(0, vec![s.push()], vec![]);
    let first = carry(&c.facilitator, &bytes);
    // A second courier with a copy of the same file.
    let second = carry(&c.reviewer, &bytes);
    accepted(&first);
    assert_eq!(first, second);
    assert_eq!(c.colleague.pull_all().len(), 1, "applied once");
    // The member's return bundle holds one receipt for it, not two.
    let back = outbox(&c.facilitator, vec![c.member.id()]);
    assert_eq!(back.bundles.len(), 1);
    assert_eq!(c.member.open(&back.bundles[0].bytes).receipts.len(), 1);
}

#[rstest]
fn a_revoked_members_bundle_is_refused_quarantined_and_listed(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let mut s = submitted_session(c.member.device.id);
    let (id, bytes) = c.member.bundle(0, vec![s.push()], vec![]);
    admin::revoke_device(c.server.at(), &c.member.device.id.to_string(), Utc::now()).unwrap();
    let receipt = carry(&c.facilitator, &bytes);
    refused(&receipt, "bundle.revoked_signer");
    assert_eq!(receipt.bundle, hex::encode(id));
    assert!(c.colleague.pull_all().is_empty(), "nothing of it applied");
    let listed = admin::relay_quarantine(c.server.at()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].code, "bundle.revoked_signer");
    assert_eq!(listed[0].device, Some(c.member.device.id.to_string()));
    assert_eq!(listed[0].courier, c.facilitator.id.to_string());
    assert_eq!(listed[0].size, bytes.len() as u64);
    assert!(listed[0].kept);
    // Nothing goes back to a revoked device either.
    assert!(outbox(&c.facilitator, vec![c.member.id()]).bundles.is_empty());
}

#[rstest]
fn a_bundle_signed_by_an_unknown_key_is_refused(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    // A device the server never enrolled, and an enrolled one that never registered keys.
    let stranger = KeyedDevice {
        device: TestDevice {
            id: DeviceId::new(),
            token: String::new(),
            role: Role::Member,
            epoch: None,
            cursor: 0,
            url: c.server.url.clone(),
        },
        keys: DeviceKeys::generate(1),
        server: c.member.server.clone(),
        epoch: c.member.epoch,
    };
    let mut s = submitted_session(stranger.device.id);
    refused(&carry(&c.facilitator, &stranger.bundle(0, vec![s.push()], vec![]).1), "bundle.unknown_signer");
    let keyless = KeyedDevice { device: c.server.enroll(Role::Member, Some(goundam()), None), ..stranger };
    let mut s = submitted_session(keyless.device.id);
    refused(&carry(&c.facilitator, &keyless.bundle(0, vec![s.push()], vec![]).1), "bundle.unknown_signer");
    // A member's bundle whose header claims key epoch 2, never registered.
    let epoch2 = KeyedDevice {
        device: TestDevice { token: String::new(), ..clone_device(&c.member.device) },
        keys: DeviceKeys::generate(2),
        server: c.member.server.clone(),
        epoch: c.member.epoch,
    };
    let mut s = submitted_session(epoch2.device.id);
    let (_, bytes) = epoch2.bundle(0, vec![s.push()], vec![]);
    refused(&carry(&c.facilitator, &bytes), "bundle.unknown_signer");
    assert!(c.colleague.pull_all().is_empty());
    assert_eq!(admin::relay_quarantine(c.server.at()).unwrap().len(), 3);
}

fn clone_device(d: &TestDevice) -> TestDevice {
    TestDevice { id: d.id, token: d.token.clone(), role: d.role, epoch: d.epoch, cursor: d.cursor, url: d.url.clone() }
}

/// Re-signs `bytes`'s ciphertext under `signer` with `sender` and `id` in the header, as a
/// hostile courier would (it cannot change what is encrypted).
fn resign(bytes: &[u8], signer: &DeviceKeys, sender: Sender, id: [u8; 16]) -> Vec<u8> {
    let original = bundle::read(bytes).unwrap().header;
    let old_len = usize::from(u16::from_be_bytes([bytes[6], bytes[7]]));
    let payload = &bytes[8 + old_len + 64..];
    let header = Header { id, sender, ..original };
    let header_bytes = postcard::to_stdvec(&header).unwrap();
    let mut out = b"CCSB".to_vec();
    out.push(bundle::VERSION);
    out.push(1);
    out.extend_from_slice(&(header_bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(&header_bytes);
    let mut message = SIGNATURE_DOMAIN.to_vec();
    message.extend_from_slice(&out);
    out.extend_from_slice(&signer.sign(&message));
    out.extend_from_slice(payload);
    out
}

#[rstest]
fn a_courier_resigning_a_members_ciphertext_is_refused_and_nothing_applied(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let courier = enroll_keyed(&c.server, Role::Member, Some(goundam()), None);
    let mut s = submitted_session(c.member.device.id);
    let (id, bytes) = c.member.bundle(0, vec![s.push()], vec![]);
    let as_courier = || Sender::Device { id: courier.id(), key_epoch: courier.keys.epoch() };
    // Passed off as the courier's own, under the member's id and under a new one.
    for forged_id in [id, bundle::new_id()] {
        let forged = resign(&bytes, &courier.keys, as_courier(), forged_id);
        refused(&carry(&courier.device, &forged), "bundle.binding_mismatch");
    }
    // The member's header kept, the courier's signature: the signature does not match.
    let member_sender = Sender::Device { id: c.member.id(), key_epoch: 1 };
    refused(&carry(&courier.device, &resign(&bytes, &courier.keys, member_sender, id)), "bundle.bad_signature");
    assert!(c.colleague.pull_all().is_empty(), "nothing applied");
    // The refusals claimed nothing: the member's real bundle, same id, still goes through.
    accepted(&carry(&c.facilitator, &bytes));
    assert_eq!(c.colleague.pulled_docs(), vec![s.id()]);
    // The member is told of its own bundle only; the forgeries are the courier's to hear.
    let down = c.member.open(&outbox(&c.facilitator, vec![c.member.id()]).bundles[0].bytes);
    assert_eq!(down.receipts.iter().map(|r| (r.bundle, r.refused.clone())).collect::<Vec<_>>(), vec![(id, None)]);
}

#[rstest]
fn a_members_bundle_sealed_to_another_servers_key_is_refused_and_the_member_told(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let mut s = submitted_session(c.member.device.id);
    let elsewhere = KeyedDevice { server: DeviceKeys::generate(1).public(), ..clone_keyed(&c.member) };
    let (id, bytes) = elsewhere.bundle(0, vec![s.push()], vec![]);
    refused(&carry(&c.facilitator, &bytes), "bundle.not_for_this_device");
    // Its next bundle (sealed right) declares a cursor; the return says what became of both.
    let (next, good) = c.member.bundle(0, vec![], vec![]);
    accepted(&carry(&c.facilitator, &good));
    let back = outbox(&c.facilitator, vec![c.member.id()]);
    let down = c.member.open(&back.bundles[0].bytes);
    let mut said: Vec<_> = down.receipts.iter().map(|r| (r.bundle, r.refused.clone())).collect();
    said.sort();
    let mut expected = vec![(id, Some("bundle.not_for_this_device".to_string())), (next, None)];
    expected.sort();
    assert_eq!(said, expected);
    // Confirmed through `applied`: not said again.
    let (_, confirm) = c.member.bundle(0, vec![], vec![back.bundles[0].id]);
    accepted(&carry(&c.facilitator, &confirm));
    let later = c.member.open(&outbox(&c.facilitator, vec![c.member.id()]).bundles[0].bytes);
    assert!(later.receipts.iter().all(|r| r.refused.is_none() && r.bundle != next));
}

fn clone_keyed(d: &KeyedDevice) -> KeyedDevice {
    KeyedDevice {
        device: clone_device(&d.device),
        keys: DeviceKeys::from_secret_bytes(&d.keys.secret_bytes()).unwrap(),
        server: d.server.clone(),
        epoch: d.epoch,
    }
}

#[rstest]
fn a_members_bundle_touching_another_committees_record_gets_scope_outside_in_its_receipt(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let me = c.member.device.id;
    let mut own = submitted_session(me);
    let mut foreign = LocalDoc::new(session(ansongo(), me), me);
    let (id, bytes) = c.member.bundle(0, vec![own.push(), foreign.push()], vec![]);
    accepted(&carry(&c.facilitator, &bytes));
    let back = outbox(&c.facilitator, vec![c.member.id()]);
    let down = c.member.open(&back.bundles[0].bytes);
    assert_eq!(down.receipts.len(), 1);
    let receipt = &down.receipts[0];
    assert_eq!((receipt.bundle, receipt.refused.as_deref()), (id, None));
    let verdict: Vec<_> = receipt.results.iter().map(|r| (r.id, r.rejected.as_deref())).collect();
    assert_eq!(
        verdict,
        vec![(*own.id().as_uuid().as_bytes(), None), (*foreign.id().as_uuid().as_bytes(), Some("scope.outside"))]
    );
}

/// A slip printed for Goundam, and a device's first bundle enrolling with it.
fn slip(server: &TestServer, valid_for: chrono::Duration) -> Slip {
    let grant = Grant { role: Role::Member, committee_id: Some(goundam()), region: None, label: None };
    let (_, slip) = admin::create_slip(server.at(), &grant, "https://crss.example.ml", valid_for, Utc::now()).unwrap();
    Slip::parse(&slip.to_text()).unwrap()
}

fn enrolling_bundle(slip: &Slip, device: DeviceId, keys: &DeviceKeys, push: Vec<DocPush>) -> Vec<u8> {
    let id = bundle::new_id();
    let payload = UpPayload {
        bundle: id,
        device: *device.as_uuid().as_bytes(),
        enrollment: Some(OfflineEnrollment {
            code: slip.code.clone(),
            label: Some("Awa".into()),
            keys: keys.public(),
            demo: false,
        }),
        applied: vec![],
        request: SyncRequest { epoch: None, cursor: 0, push },
    };
    seal_up(&payload, keys, &slip.server_keys, slip.epoch, 1, 1).unwrap()
}

#[rstest]
fn a_device_enrolled_offline_from_a_slip_is_enrolled_through_a_courier_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let slip = slip(&c.server, chrono::Duration::days(90));
    assert_eq!(slip.valid_until, (Utc::now() + chrono::Duration::days(90) - chrono::Duration::seconds(1)).date_naive());
    let awa = DeviceId::new();
    let keys = DeviceKeys::generate(1);
    let mut s = submitted_session(awa);
    accepted(&carry(&c.facilitator, &enrolling_bundle(&slip, awa, &keys, vec![s.push()])));
    assert_eq!(c.colleague.pulled_docs(), vec![s.id()], "its push applied with its scope");
    // Its second bundle, made before the answer came back, carries the same code: fine.
    let mut s2 = submitted_session(awa);
    accepted(&carry(&c.facilitator, &enrolling_bundle(&slip, awa, &keys, vec![s2.push()])));
    // The same code on another device, or another key for this device: used.
    let other = DeviceId::new();
    refused(&carry(&c.facilitator, &enrolling_bundle(&slip, other, &DeviceKeys::generate(1), vec![])), "enroll.used");
    refused(&carry(&c.facilitator, &enrolling_bundle(&slip, awa, &DeviceKeys::generate(2), vec![])), "enroll.used");

    // The return bundle carries the token, which works for a direct sync.
    let awa_keyed = KeyedDevice {
        device: TestDevice {
            id: awa,
            token: String::new(),
            role: Role::Member,
            epoch: None,
            cursor: 0,
            url: c.server.url.clone(),
        },
        keys,
        server: slip.server_keys.clone(),
        epoch: slip.epoch,
    };
    let back = outbox(&c.facilitator, vec![awa_keyed.id()]);
    assert_eq!(back.bundles.len(), 1);
    let down = awa_keyed.open(&back.bundles[0].bytes);
    let grant = down.enrollment.expect("the grant");
    assert_eq!((grant.role.as_str(), grant.committee_id.as_deref()), ("member", Some(GOUNDAM)));
    assert_eq!(down.receipts.len(), 2);
    let mut direct = TestDevice { token: grant.token, ..clone_device(&awa_keyed.device) };
    assert!(direct.pull_all().iter().all(|e| e.meta.committee_id == *goundam().as_uuid().as_bytes()));

    // Once the device says it applied that return bundle, the grant and receipts stop.
    let (_, confirm) = awa_keyed.bundle(0, vec![], vec![back.bundles[0].id]);
    accepted(&carry(&c.facilitator, &confirm));
    let later = awa_keyed.open(&outbox(&c.facilitator, vec![awa_keyed.id()]).bundles[0].bytes);
    assert_eq!(later.enrollment, None);
    assert_eq!(later.receipts.len(), 1, "only the confirming bundle's own receipt");
}

#[rstest]
fn a_device_enrolled_offline_that_syncs_directly_no_longer_gets_its_grant(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let slip = slip(&c.server, chrono::Duration::days(90));
    let binta = KeyedDevice {
        device: TestDevice {
            id: DeviceId::new(),
            token: String::new(),
            role: Role::Member,
            epoch: None,
            cursor: 0,
            url: c.server.url.clone(),
        },
        keys: DeviceKeys::generate(1),
        server: slip.server_keys.clone(),
        epoch: slip.epoch,
    };
    accepted(&carry(&c.facilitator, &enrolling_bundle(&slip, binta.device.id, &binta.keys, vec![])));
    let down = binta.open(&outbox(&c.facilitator, vec![binta.id()]).bundles[0].bytes);
    let mut direct = TestDevice { token: down.enrollment.expect("the grant").token, ..clone_device(&binta.device) };
    direct.pull_all();
    let down = binta.open(&outbox(&c.facilitator, vec![binta.id()]).bundles[0].bytes);
    assert_eq!(down.enrollment, None, "the token reached the device: no need to carry it again");
}

#[rstest]
fn a_slip_is_printed_by_the_enroll_command_with_its_page(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let page = server.dir().join("fiche.html");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-sync-server"))
        .arg("--data")
        .arg(server.dir())
        .args(server.database_args())
        .args(["enroll", "--role", "member", "--committee", GOUNDAM, "--slip", "--address", "https://crss.example.ml"])
        .arg("--slip-page")
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("ccs-inscription:1?")).expect("the slip's text");
    let slip = Slip::parse(line).unwrap();
    assert_eq!(slip.server, "https://crss.example.ml");
    assert_eq!(slip.committee_id.as_deref(), Some(GOUNDAM));
    assert_eq!(slip.valid_until, (Utc::now() + chrono::Duration::days(90) - chrono::Duration::seconds(1)).date_naive());
    assert!(text.contains('█') || text.contains('▀') || text.contains('▄'), "a QR code in the terminal");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(&slip.code) && html.contains("Fiche d’inscription") && html.contains("<svg"));
    // The slip's keys are the ones the server answers at enrollment.
    let member = enroll_keyed(&server, Role::Member, Some(goundam()), None);
    assert_eq!(slip.server_keys, member.server);
    assert_eq!(slip.epoch, member.epoch);
    // No address, no slip: a device could not find the server.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-sync-server"))
        .arg("--data")
        .arg(server.dir())
        .args(server.database_args())
        .args(["enroll", "--role", "member", "--committee", GOUNDAM, "--slip"])
        .env_remove("CCS_PUBLIC_ADDRESS")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--address"));
}

#[rstest]
fn the_quarantine_is_listed_by_the_relay_command(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    carry(&c.facilitator, b"CCSB\x01\x01garbage");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-sync-server"))
        .arg("--data")
        .arg(c.server.dir())
        .args(c.server.database_args())
        .args(["relay", "quarantine"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("bundle.") && text.contains(&c.facilitator.id.to_string()), "{text}");
    let seq = admin::relay_quarantine(c.server.at()).unwrap()[0].seq;
    let file = c.server.dir().join("q.ccsb");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-sync-server"))
        .arg("--data")
        .arg(c.server.dir())
        .args(c.server.database_args())
        .args(["relay", "quarantine", "--export", &seq.to_string(), "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&file).unwrap(), b"CCSB\x01\x01garbage");
}

#[rstest]
fn an_expired_slip_is_refused_and_kept_in_quarantine(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let slip = slip(&c.server, chrono::Duration::days(90));
    let awa = DeviceId::new();
    let file = c.server.dir().join(bundle::file_name(&[1; 16]));
    std::fs::write(&file, enrolling_bundle(&slip, awa, &DeviceKeys::generate(1), vec![])).unwrap();
    // Brought to the server on a stick four months later.
    let later = Utc::now() + chrono::Duration::days(120);
    let receipts = admin::relay_import(c.server.at(), &[file], &Limits::default(), later).unwrap();
    refused(&receipts[0].1, "enroll.expired");
    let listed = admin::relay_quarantine(c.server.at()).unwrap();
    assert_eq!((listed[0].code.as_str(), listed[0].courier.as_str()), ("enroll.expired", "admin import"));
    assert!(!admin::list_devices(c.server.at()).unwrap().iter().any(|d| d.id == awa.to_string()));
}

#[rstest]
fn the_return_bundle_carries_the_reviewers_correction_and_not_the_members_own_changes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let me = c.member.device.id;
    let mut s = submitted_session(me);
    let (up, bytes) = c.member.bundle(0, vec![s.push()], vec![]);
    accepted(&carry(&c.facilitator, &bytes));
    // The CRSS asks for a correction, over its direct sync.
    let entries = c.reviewer.pull_all();
    let mut on_reviewer = LocalDoc::new(s.record.clone(), c.reviewer.id);
    on_reviewer.doc = ccs_core::doc::RecordDoc::empty();
    for e in &entries {
        on_reviewer.doc.apply(&e.changes).unwrap();
    }
    on_reviewer.record = on_reviewer.doc.read().unwrap();
    on_reviewer.acked();
    let rid = c.reviewer.id;
    on_reviewer.edit(rid, |r| {
        let mut e = review_event(rid, Role::Reviewer, Decision::NeedsCorrection);
        e.at += chrono::Duration::hours(1);
        e.comment = Some("Préciser le nombre de participants".into());
        r.review.push(e);
    });
    c.reviewer.push_ok(vec![on_reviewer.push()]);

    // A facilitator of another region learns nothing of this member.
    let gao = c.server.enroll(Role::Facilitator, None, Some("gao"));
    assert!(outbox(&gao, vec![c.member.id()]).bundles.is_empty());
    assert!(outbox(&gao, vec![]).bundles.is_empty());
    assert!(roster(&gao).devices.iter().all(|d| d.device != c.member.id()));

    // Tombouctou's facilitator, asking for everyone of its area, gets the member's (the
    // colleague never declared a cursor through the relay: nothing for it).
    let back = outbox(&c.facilitator, vec![]);
    let mine: Vec<_> = back.bundles.iter().filter(|b| b.device == c.member.id()).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(back.bundles.len(), 1);
    let down = c.member.open(&mine[0].bytes);
    assert_eq!(down.from, 0);
    assert_eq!(down.receipts.iter().map(|r| r.bundle).collect::<Vec<_>>(), vec![up]);
    assert_eq!(down.response.entries.len(), 1, "the reviewer's change only, not the member's own");
    s.acked();
    s.doc.apply(&down.response.entries[0].changes).unwrap();
    let record = s.doc.read().unwrap();
    let last = record.review.last().unwrap();
    assert_eq!(last.decision, Decision::NeedsCorrection);
    assert_eq!(last.comment.as_deref(), Some("Préciser le nombre de participants"));
    // Another device cannot open it.
    let stranger = DeviceKeys::generate(1);
    assert!(open_down(&mine[0].bytes, &c.member.server, &[&stranger], c.member.id()).is_err());
    // A return bundle handed back to the server as if it were the member's: refused.
    refused(&carry(&c.facilitator, &mine[0].bytes), "bundle.wrong_direction");
    // A fresh id each time: the courier files each return bundle on its own.
    let again = outbox(&c.facilitator, vec![c.member.id()]);
    assert_ne!(again.bundles[0].id, mine[0].id);
}

#[rstest]
fn an_older_up_bundle_arriving_after_a_newer_one_does_not_move_the_cursor_back(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let mut other = submitted_session(c.colleague.id);
    c.colleague.push_ok(vec![other.push()]);
    // The member synced directly once (it reached town): its cursor is past the entry.
    let mut direct = clone_device(&c.member.device);
    direct.epoch = Some(c.member.epoch);
    assert_eq!(direct.pull_all().len(), 1);
    let cursor = direct.cursor;
    assert!(cursor > 0);
    let (_, older) = c.member.bundle(0, vec![], vec![]);
    let (_, newer) = c.member.bundle(cursor, vec![], vec![]);
    accepted(&carry(&c.facilitator, &newer));
    accepted(&carry(&c.facilitator, &older));
    let down = c.member.open(&outbox(&c.facilitator, vec![c.member.id()]).bundles[0].bytes);
    assert_eq!(down.from, cursor);
    assert!(down.response.entries.is_empty(), "nothing sent twice");
    assert!(!down.response.repair_needed);
}

#[rstest]
fn a_cursor_from_another_server_log_gets_repair_needed_in_the_return(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let id = bundle::new_id();
    let payload = UpPayload {
        bundle: id,
        device: c.member.id(),
        enrollment: None,
        applied: vec![],
        request: SyncRequest { epoch: Some([9; 16]), cursor: 3, push: vec![] },
    };
    let bytes = seal_up(&payload, &c.member.keys, &c.member.server, c.member.epoch, 1, 1).unwrap();
    accepted(&carry(&c.facilitator, &bytes));
    let down = c.member.open(&outbox(&c.facilitator, vec![c.member.id()]).bundles[0].bytes);
    assert!(down.response.repair_needed);
    assert!(down.response.entries.is_empty());
}

#[rstest]
fn key_registration_is_idempotent_replaces_upward_and_refuses_conflicts(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let d = &c.member.device;
    let (status, body) = register_keys(d, &c.member.keys.public());
    assert_eq!(status, 200, "same keys again: {}", String::from_utf8_lossy(&body));
    let answer: KeysResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer.server_keys, c.member.server);
    assert_eq!(answer.epoch, hex::encode(c.member.epoch));
    let (status, body) = register_keys(d, &DeviceKeys::generate(1).public());
    assert_eq!((status, error_body(&body).code.as_str()), (409, "relay.key_conflict"));
    assert_eq!(register_keys(d, &DeviceKeys::generate(3).public()).0, 200);
    let (status, body) = register_keys(d, &DeviceKeys::generate(2).public());
    assert_eq!((status, error_body(&body).code.as_str()), (409, "relay.key_stale"));
    let mut bad = DeviceKeys::generate(4).public();
    bad.encrypt = "age1nope".into();
    let (status, body) = register_keys(d, &bad);
    assert_eq!((status, error_body(&body).code.as_str()), (400, "relay.bad_key"));
    // A device enrolled before the relay registers once, and learns the server's keys.
    let old = c.server.enroll(Role::Member, Some(goundam()), None);
    let (status, body) = register_keys(&old, &DeviceKeys::generate(1).public());
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_slice::<KeysResponse>(&body).unwrap().server_keys, c.member.server);
}

#[rstest]
fn a_key_replaced_while_a_bundle_is_in_transit_still_verifies_and_returns_go_to_the_new_key(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let mut s = submitted_session(c.member.device.id);
    let (_, in_transit) = c.member.bundle(0, vec![s.push()], vec![]);
    let new_keys = DeviceKeys::generate(2);
    assert_eq!(register_keys(&c.member.device, &new_keys.public()).0, 200);
    accepted(&carry(&c.facilitator, &in_transit));
    assert_eq!(c.colleague.pulled_docs(), vec![s.id()]);
    let back = outbox(&c.facilitator, vec![c.member.id()]);
    let old = &c.member.keys;
    assert!(matches!(
        open_down(&back.bundles[0].bytes, &c.member.server, &[old], c.member.id()),
        Err(ccs_core::relay::BundleError::NotForThisDevice)
    ));
    let (_, down) = open_down(&back.bundles[0].bytes, &c.member.server, &[&new_keys, old], c.member.id()).unwrap();
    assert_eq!(down.receipts.len(), 1);
}

#[rstest]
fn the_roster_lists_the_area_keys_and_revoked_devices(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let c = cast();
    let ansongo_member = enroll_keyed(&c.server, Role::Member, Some(ansongo()), None);
    admin::revoke_device(c.server.at(), &c.member.device.id.to_string(), Utc::now()).unwrap();
    let r = roster(&c.facilitator);
    assert_eq!(r.server_keys, c.member.server);
    assert_eq!(r.epoch, c.member.epoch);
    let member = r.devices.iter().find(|d| d.device == c.member.id()).expect("the member is listed");
    assert!(member.revoked);
    assert_eq!(member.keys, vec![c.member.keys.public()]);
    assert_eq!(member.label.as_deref(), Some("Téléphone"));
    assert_eq!(member.committee_id.as_deref(), Some(GOUNDAM));
    let colleague = r.devices.iter().find(|d| d.device == *c.colleague.id.as_uuid().as_bytes()).unwrap();
    assert!(!colleague.revoked);
    assert!(r.devices.iter().all(|d| d.device != ansongo_member.id()), "another region's device");
    // The CRSS sees every device; a member courier its committee's.
    assert!(roster(&c.reviewer).devices.iter().any(|d| d.device == ansongo_member.id()));
    let from_colleague = roster(&c.colleague);
    assert!(from_colleague.devices.iter().any(|d| d.device == c.member.id()));
    assert!(from_colleague.devices.iter().all(|d| d.device != ansongo_member.id()));
}

#[rstest]
fn a_stick_brought_to_the_server_is_imported_and_answered_with_return_bundles(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast();
    let mut s = submitted_session(c.member.device.id);
    let (_, bytes) = c.member.bundle(0, vec![s.push()], vec![]);
    let stick = tempfile::tempdir().unwrap();
    let good = stick.path().join("paquet-a.ccsb");
    let cut = stick.path().join("paquet-b.ccsb");
    std::fs::write(&good, &bytes).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let receipts = admin::relay_import(c.server.at(), &[good, cut], &Limits::default(), Utc::now()).unwrap();
    accepted(&receipts[0].1);
    refused(&receipts[1].1, "bundle.truncated");
    assert_eq!(c.colleague.pulled_docs(), vec![s.id()]);
    let out = stick.path().join("retour");
    let written =
        admin::relay_outbox(c.server.at(), &[c.member.device.id.to_string()], &out, &Limits::default(), Utc::now())
            .unwrap();
    assert_eq!(written.len(), 1);
    let name = written[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.starts_with("paquet-") && name.ends_with(".ccsb"), "{name}");
    let down = c.member.open(&std::fs::read(&written[0]).unwrap());
    assert_eq!(down.receipts.len(), 1);
    assert_eq!(bundle::file_name(&down.bundle), name);
}

#[rstest]
fn a_large_backlog_goes_back_as_parts_each_starting_where_the_last_ended(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let limits = Limits { page_bytes: 2048, ..Limits::default() };
    let server = TestServer::with_limits(limits);
    server.import_committees();
    let member = enroll_keyed(&server, Role::Member, Some(goundam()), None);
    let facilitator = server.enroll(Role::Facilitator, None, Some("tombouctou"));
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let pushes: Vec<_> = (0..6).map(|_| submitted_session(colleague.id).push()).collect();
    colleague.push_ok(pushes);
    accepted(&carry(&facilitator, &member.bundle(0, vec![], vec![]).1));
    let back = outbox(&facilitator, vec![member.id()]);
    assert!(back.bundles.len() > 1, "{} part(s)", back.bundles.len());
    let mut from = 0;
    let mut docs = 0;
    for (k, b) in back.bundles.iter().enumerate() {
        let (header, down) = open_down(&b.bytes, &member.server, &[&member.keys], member.id()).unwrap();
        assert_eq!((header.part as usize, header.parts as usize), (k + 1, back.bundles.len()));
        assert_eq!(down.from, from);
        from = down.response.cursor;
        docs += down.response.entries.len();
        assert_eq!(down.response.more, k + 1 < back.bundles.len());
    }
    assert_eq!(docs, 6);
}

#[rstest]
fn the_server_keeps_its_keys_across_restarts_and_a_bad_device_key_does_not_cost_the_code(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let first = enroll_keyed(&server, Role::Member, Some(goundam()), None);
    let server = TestServer::on(server.stop(), Limits::default());
    let second = enroll_keyed(&server, Role::Member, Some(goundam()), None);
    assert_eq!(first.server, second.server, "devices pinned these keys");

    let code = server.code(Role::Member, Some(goundam()), None);
    let mut bad = DeviceKeys::generate(1).public();
    bad.sign = [0xff; 32];
    bad.encrypt = "age1nope".into();
    let id = DeviceId::new();
    let body = serde_json::json!({"code": code, "device_id": id.to_string(), "keys": bad});
    let (status, bytes) = post(&server.url, "/v1/enroll", None, "application/json", body.to_string().as_bytes());
    assert_eq!((status, error_body(&bytes).code.as_str()), (400, "relay.bad_key"));
    let body = serde_json::json!({"code": code, "device_id": id.to_string(), "keys": DeviceKeys::generate(1).public()});
    let (status, bytes) = post(&server.url, "/v1/enroll", None, "application/json", body.to_string().as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
}

#[rstest]
fn a_bundle_with_more_records_than_one_direct_request_is_applied_whole(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let limits = Limits { max_docs_per_request: 2, ..Limits::default() };
    let server = TestServer::with_limits(limits);
    server.import_committees();
    let member = enroll_keyed(&server, Role::Member, Some(goundam()), None);
    let facilitator = server.enroll(Role::Facilitator, None, Some("tombouctou"));
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let pushes: Vec<_> = (0..5).map(|_| submitted_session(member.device.id).push()).collect();
    accepted(&carry(&facilitator, &member.bundle(0, pushes, vec![]).1));
    assert_eq!(colleague.pull_all().len(), 5);
    let down = member.open(&outbox(&facilitator, vec![member.id()]).bundles[0].bytes);
    assert_eq!(down.receipts[0].results.len(), 5);
    assert!(down.receipts[0].results.iter().all(|r| r.rejected.is_none()));
}
