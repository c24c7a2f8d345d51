//! The courier (RELAY.md, "Courier"): a facilitator's app with a real encrypted store
//! collects members' bundles, forwards them to a server over real HTTP, fetches return
//! bundles and hands them over, without ever being able to read them.
//!
//! The server here is a small axum server on 127.0.0.1:0 speaking the relay's HTTP
//! contract (`core::relay::api`) with the real bundle functions (`open_up`, `seal_down`);
//! the whole story against the real sync server is in `tests/`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccs_core::app::courier::CustodyDirection;
use ccs_core::app::App;
use ccs_core::error_code::ErrorCode;
use ccs_core::model::*;
use ccs_core::relay::api::{
    OutboxBundle, OutboxRequest, OutboxResponse, ReceiptStatus, RelayReceipt, Roster, RosterDevice,
};
use ccs_core::relay::bundle::{self, BundleError};
use ccs_core::relay::{self, DeviceKeys, DownPayload, OfflineEnrollment, UpPayload};
use ccs_core::store::custody::CustodyState;
use ccs_core::store::KdfParams;
use ccs_core::sync::wire::{self, DocMeta, DocPush, SyncRequest, SyncResponse};
use chrono::{DateTime, TimeZone, Utc};

const PASS: &str = "goundam-2026";
const TOKEN: &str = "courier-token";
const EPOCH: [u8; 16] = [7; 16];
const CANARY: &str = "CANARI-Hamadoun-Maiga-76123456";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

fn later(minutes: i64) -> DateTime<Utc> {
    now() + chrono::Duration::minutes(minutes)
}

/// A member device: its id and keys.
struct Member {
    id: [u8; 16],
    keys: DeviceKeys,
    label: &'static str,
}

impl Member {
    fn new(label: &'static str) -> Member {
        Member { id: *DeviceId::new().0.as_bytes(), keys: DeviceKeys::generate(1), label }
    }

    fn device_id(&self) -> DeviceId {
        DeviceId(uuid::Uuid::from_bytes(self.id))
    }

    fn roster_entry(&self, revoked: bool) -> RosterDevice {
        RosterDevice {
            device: self.id,
            label: Some(self.label.into()),
            committee_id: Some("0192f0c4-0000-7000-8000-000000000001".into()),
            region: Some("TBK".into()),
            keys: vec![self.keys.public()],
            revoked,
        }
    }

    fn payload(&self, note: &str) -> UpPayload {
        UpPayload {
            bundle: bundle::new_id(),
            device: self.id,
            enrollment: None,
            applied: vec![],
            request: SyncRequest {
                epoch: Some(EPOCH),
                cursor: 3,
                push: vec![DocPush {
                    meta: DocMeta {
                        id: *RecordId::new().0.as_bytes(),
                        kind: "session".into(),
                        committee_id: [1; 16],
                        sensitivity: "confidential".into(),
                        region: None,
                    },
                    acked_heads: vec![],
                    heads: vec![[9; 32]],
                    changes: note.as_bytes().to_vec(),
                }],
            },
        }
    }

    /// An up-bundle holding `note` in its (encrypted) push.
    fn bundle(&self, server: &relay::PublicKeys, note: &str) -> Vec<u8> {
        relay::seal_up(&self.payload(note), &self.keys, server, EPOCH, 1, 1).unwrap()
    }
}

/// The server's side, as far as these tests need it.
struct ServerState {
    keys: DeviceKeys,
    roster: Mutex<Roster>,
    /// Bundles opened, with their payloads.
    received: Mutex<Vec<UpPayload>>,
    /// Paths asked, in order.
    log: Mutex<Vec<String>>,
    /// Answer `POST /v1/relay` with a 503 (a link that fails before the receipt).
    fail_relay: AtomicBool,
    /// Parts of each return bundle the outbox makes.
    parts: AtomicU32,
    /// Sign return bundles with another key (a forged outbox).
    forge: AtomicBool,
    /// Answer `POST /v1/relay` only after this many milliseconds.
    delay_ms: AtomicU32,
}

fn bearer_ok(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

fn denied() -> Response {
    (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"code": "auth.invalid_token", "message": "no"}))).into_response()
}

async fn enroll(State(s): State<Arc<ServerState>>, Json(body): Json<serde_json::Value>) -> Response {
    s.log.lock().unwrap().push("/v1/enroll".into());
    Json(serde_json::json!({
        "device_id": body["device_id"],
        "token": TOKEN,
        "role": "facilitator",
        "committee_id": null,
        "region": "TBK",
    }))
    .into_response()
}

async fn roster_route(State(s): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    s.log.lock().unwrap().push("/v1/relay/roster".into());
    if !bearer_ok(&headers) {
        return denied();
    }
    wire::encode(&*s.roster.lock().unwrap()).into_response()
}

async fn relay_up(State(s): State<Arc<ServerState>>, headers: HeaderMap, body: Bytes) -> Response {
    s.log.lock().unwrap().push("/v1/relay".into());
    if !bearer_ok(&headers) {
        return denied();
    }
    if s.fail_relay.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let delay = s.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(delay))).await;
    }
    let roster = s.roster.lock().unwrap().clone();
    let id = bundle::read(&body).map(|u| u.header.id).unwrap_or_default();
    let receipt = match relay::open_up(&body, |sender| ccs_core::app::courier::roster_lookup(&roster, sender), &s.keys)
    {
        Ok((header, payload)) => {
            s.received.lock().unwrap().push(payload);
            RelayReceipt {
                bundle: hex::encode(id),
                status: ReceiptStatus::Accepted,
                code: None,
                device: header.sender.device().map(|d| uuid::Uuid::from_bytes(d).to_string()),
            }
        }
        Err(e) => RelayReceipt {
            bundle: hex::encode(id),
            status: ReceiptStatus::Refused,
            code: Some(e.code().as_str().into()),
            device: None,
        },
    };
    Json(receipt).into_response()
}

async fn outbox(State(s): State<Arc<ServerState>>, headers: HeaderMap, body: Bytes) -> Response {
    s.log.lock().unwrap().push("/v1/relay/outbox".into());
    if !bearer_ok(&headers) {
        return denied();
    }
    let request: OutboxRequest = wire::decode(&body).unwrap();
    let roster = s.roster.lock().unwrap().clone();
    let parts = s.parts.load(Ordering::SeqCst).max(1) as u16;
    let forger = DeviceKeys::generate(s.keys.epoch());
    let signer = if s.forge.load(Ordering::SeqCst) { &forger } else { &s.keys };
    let mut bundles = Vec::new();
    for d in roster.devices.iter().filter(|d| request.devices.is_empty() || request.devices.contains(&d.device)) {
        for part in 1..=parts {
            let payload = DownPayload {
                bundle: bundle::new_id(),
                device: d.device,
                receipts: vec![],
                enrollment: None,
                from: 3,
                response: SyncResponse {
                    epoch: EPOCH,
                    repair_needed: false,
                    results: vec![],
                    entries: vec![],
                    cursor: 3 + u64::from(part),
                    more: part < parts,
                },
            };
            let bytes = relay::seal_down(&payload, signer, &d.keys[0], EPOCH, part, parts).unwrap();
            bundles.push(OutboxBundle { device: d.device, id: payload.bundle, bytes });
        }
    }
    wire::encode(&OutboxResponse { bundles }).into_response()
}

async fn sync(State(s): State<Arc<ServerState>>, headers: HeaderMap, body: Bytes) -> Response {
    s.log.lock().unwrap().push("/v1/sync".into());
    if !bearer_ok(&headers) {
        return denied();
    }
    let wire::DecodedRequest { request, version, .. } = wire::decode_sync_request(&body).unwrap();
    let response = SyncResponse {
        epoch: EPOCH,
        repair_needed: false,
        results: request.push.iter().map(|p| wire::PushResult { id: p.meta.id, rejected: None }).collect(),
        entries: vec![],
        cursor: 0,
        more: false,
    };
    wire::encode_sync_response(&response, version, &request).into_response()
}

struct Server {
    url: String,
    state: Arc<ServerState>,
}

fn server(devices: Vec<RosterDevice>) -> Server {
    let keys = DeviceKeys::generate(1);
    let roster = Roster { server_keys: keys.public(), epoch: EPOCH, issued_at: "2026-11-18T08:00:00Z".into(), devices };
    let state = Arc::new(ServerState {
        keys,
        roster: Mutex::new(roster),
        received: Mutex::new(vec![]),
        log: Mutex::new(vec![]),
        fail_relay: AtomicBool::new(false),
        parts: AtomicU32::new(1),
        forge: AtomicBool::new(false),
        delay_ms: AtomicU32::new(0),
    });
    let app = Router::new()
        .route("/v1/enroll", post(enroll))
        .route("/v1/relay/roster", get(roster_route))
        .route("/v1/relay", post(relay_up))
        .route("/v1/relay/outbox", post(outbox))
        .route("/v1/sync", post(sync))
        .with_state(state.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    Server { url: format!("http://{addr}"), state }
}

impl Server {
    fn server_keys(&self) -> relay::PublicKeys {
        self.state.keys.public()
    }

    fn log(&self) -> Vec<String> {
        self.state.log.lock().unwrap().clone()
    }
}

/// A facilitator's app enrolled with `server`, its roster fetched.
fn courier(dir: &Path, server: &Server) -> App {
    let mut app = App::new(dir.to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.enroll(PASS, &server.url, "CODE-FACIL", Some("Portable du facilitateur"), now()).unwrap();
    app.courier_refresh_roster(now()).unwrap();
    app
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn custody_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let c = dir.join("courrier");
    if c.exists() {
        files_under(&c)
    } else {
        vec![]
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn bundles_from_unknown_revoked_tampered_or_truncated_senders_are_refused_and_not_taken() {
    let aminata = Member::new("Téléphone d’Aminata");
    let revoked = Member::new("Téléphone perdu");
    let stranger = Member::new("Inconnu");
    let srv = server(vec![aminata.roster_entry(false), revoked.roster_entry(true)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    let good = aminata.bundle(&srv.server_keys(), "séance du 12");

    let refused = |app: &mut App, bytes: &[u8]| app.courier_collect(bytes, now()).unwrap_err().code;
    assert_eq!(refused(&mut app, &stranger.bundle(&srv.server_keys(), "x")), ErrorCode::BundleUnknownSigner);
    assert_eq!(refused(&mut app, &revoked.bundle(&srv.server_keys(), "x")), ErrorCode::BundleRevokedSigner);
    // A bundle for another server: its server could not open it.
    let elsewhere = DeviceKeys::generate(1).public();
    assert_eq!(refused(&mut app, &aminata.bundle(&elsewhere, "x")), ErrorCode::RelayOtherServer);
    // A courier re-signing Aminata's bundle as hers, with its own key.
    let forged = {
        let mut p = aminata.payload("x");
        p.bundle = bundle::new_id();
        relay::seal_up(&p, &DeviceKeys::generate(1), &srv.server_keys(), EPOCH, 1, 1).unwrap()
    };
    assert_eq!(refused(&mut app, &forged), ErrorCode::BundleBadSignature);
    // A return bundle is not an up-bundle.
    let header_end = good.len() - bundle::read(&good).unwrap().header.payload_len as usize;
    let mut flipped_header = good.clone();
    flipped_header[20] ^= 0x01;
    assert!(matches!(
        refused(&mut app, &flipped_header),
        ErrorCode::BundleBadSignature | ErrorCode::BundleHeaderMalformed | ErrorCode::BundleUnknownSigner
    ));
    let mut flipped_payload = good.clone();
    flipped_payload[header_end + 10] ^= 0x01;
    assert_eq!(refused(&mut app, &flipped_payload), ErrorCode::BundleBadHash);
    let mut signature = good.clone();
    signature[header_end - 1] ^= 0x01;
    assert_eq!(refused(&mut app, &signature), ErrorCode::BundleBadSignature);
    for len in 0..good.len() {
        let code = refused(&mut app, &good[..len]);
        assert!(
            matches!(code, ErrorCode::BundleTruncated | ErrorCode::BundleHeaderMalformed | ErrorCode::BundleBadMagic),
            "prefix of {len} bytes: {code:?}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(refused(&mut app, &longer), ErrorCode::BundleBadLength);

    let view = app.courier_view(now()).unwrap();
    assert!(view.to_server.is_empty() && view.handed_on.is_empty(), "nothing refused was taken");
    assert!(custody_files(dir.path()).is_empty(), "no file was written for a refused bundle");

    // The intact bundle still goes in.
    let taken = app.courier_collect(&good, now()).unwrap();
    assert!(taken.new && !taken.enrolling);
    assert_eq!(taken.label.as_deref(), Some("Téléphone d’Aminata"));
    assert_eq!(custody_files(dir.path()).len(), 1);
}

#[test]
fn a_device_enrolling_offline_is_carried_and_the_server_decides() {
    let srv = server(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    let newcomer = Member::new("Nouveau téléphone");
    let mut payload = newcomer.payload("première séance");
    payload.enrollment =
        Some(OfflineEnrollment { code: "ABCD-EFGH".into(), label: None, keys: newcomer.keys.public(), demo: false });
    let bytes = relay::seal_up(&payload, &newcomer.keys, &srv.server_keys(), EPOCH, 1, 1).unwrap();
    let taken = app.courier_collect(&bytes, now()).unwrap();
    assert!(taken.new && taken.enrolling);
    // Its own signature still holds: a flipped byte is refused.
    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 5] ^= 1;
    assert_eq!(app.courier_collect(&flipped, now()).unwrap_err().code, ErrorCode::BundleBadHash);
}

#[test]
fn collecting_before_any_roster_is_refused() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.enroll(PASS, &srv.url, "CODE-FACIL", None, now()).unwrap();
    let err = app.courier_collect(&aminata.bundle(&srv.server_keys(), "x"), now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::RelayNoRoster);
    assert!(custody_files(dir.path()).is_empty());
}

#[test]
fn the_same_bundle_handed_twice_adds_nothing() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    let bytes = aminata.bundle(&srv.server_keys(), "séance");
    assert!(app.courier_collect(&bytes, now()).unwrap().new);
    assert!(!app.courier_collect(&bytes, later(1)).unwrap().new);
    assert_eq!(app.courier_view(now()).unwrap().to_server.len(), 1);
    assert_eq!(custody_files(dir.path()).len(), 1);
    // Another member's bundle under the same id is no duplicate: refused.
    let boubacar = Member::new("Téléphone de Boubacar");
    srv.state.roster.lock().unwrap().devices.push(boubacar.roster_entry(false));
    app.courier_refresh_roster(now()).unwrap();
    let mut copied = boubacar.payload("autre séance");
    copied.bundle = bundle::read(&bytes).unwrap().header.id;
    let copied = relay::seal_up(&copied, &boubacar.keys, &srv.server_keys(), EPOCH, 1, 1).unwrap();
    assert_eq!(app.courier_collect(&copied, now()).unwrap_err().code, ErrorCode::BundleBindingMismatch);
    // Forwarded, then handed again: still nothing new, nothing sent twice.
    app.courier_forward(later(2)).unwrap();
    assert!(!app.courier_collect(&bytes, later(3)).unwrap().new);
    let summary = app.courier_forward(later(4)).unwrap();
    assert_eq!((summary.forwarded, summary.left), (0, 0));
    assert_eq!(srv.state.received.lock().unwrap().len(), 1);
    assert!(custody_files(dir.path()).is_empty());
}

#[test]
fn an_up_bundle_is_deleted_only_on_the_servers_receipt() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    let first = aminata.bundle(&srv.server_keys(), "séance 1");
    // Signed by Aminata but holding another device's payload: only the server can tell.
    let rebound = {
        let mut p = aminata.payload("séance 2");
        p.device = [0xAA; 16];
        let server_keys = srv.server_keys();
        let envelope = bundle::Envelope {
            direction: bundle::Direction::Up,
            id: p.bundle,
            sender: relay::Sender::Device { id: aminata.id, key_epoch: 1 },
            recipient: &server_keys,
            epoch: EPOCH,
            part: 1,
            parts: 1,
        };
        bundle::seal(&envelope, &wire::encode(&p), &aminata.keys).unwrap()
    };
    app.courier_collect(&first, now()).unwrap();
    app.courier_collect(&rebound, now()).unwrap();

    srv.state.fail_relay.store(true, Ordering::SeqCst);
    let failed = app.courier_forward(later(1)).unwrap();
    assert_eq!((failed.forwarded, failed.left), (0, 2));
    assert!(failed.error.is_some());
    assert_eq!(custody_files(dir.path()).len(), 2, "no receipt, no deletion");
    assert_eq!(app.courier_view(later(1)).unwrap().to_server.len(), 2);

    // A file a crash left without its row (written, never taken) is swept away.
    let orphan = dir.path().join("courrier").join("paquet-deadbeef.ccsb");
    std::fs::write(&orphan, b"CCSB left by a crash").unwrap();
    srv.state.fail_relay.store(false, Ordering::SeqCst);
    let done = app.courier_forward(later(2)).unwrap();
    assert!(!orphan.exists());
    assert_eq!((done.forwarded, done.refused.len(), done.left), (1, 1, 0));
    assert_eq!(done.refused[0].code, "bundle.binding_mismatch");
    assert!(done.roster_renewed);
    assert!(custody_files(dir.path()).is_empty(), "accepted and refused: both files deleted");
    let view = app.courier_view(later(2)).unwrap();
    assert!(view.to_server.is_empty());
    let states: Vec<CustodyState> = view.handed_on.iter().map(|c| c.state).collect();
    assert!(states.contains(&CustodyState::Forwarded) && states.contains(&CustodyState::Refused));
    let refused = view.handed_on.iter().find(|c| c.state == CustodyState::Refused).unwrap();
    assert_eq!(refused.code.as_deref(), Some("bundle.binding_mismatch"));
    assert!(refused.message.is_some());
}

#[test]
fn custody_goes_to_the_server_before_the_devices_own_sync() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    app.courier_collect(&aminata.bundle(&srv.server_keys(), "séance"), now()).unwrap();
    let shared = Mutex::new(app);
    let summary = ccs_core::app::sync_shared(&shared, later(1), true, &mut |_| {}).unwrap();
    let courier = summary.courier.expect("a courier's sync reports its custody");
    assert_eq!(courier.forwarded, 1);
    let log = srv.log();
    let relay = log.iter().position(|p| p == "/v1/relay").unwrap();
    let sync = log.iter().position(|p| p == "/v1/sync").unwrap();
    assert!(relay < sync, "custody first: {log:?}");
    assert!(custody_files(dir.path()).is_empty());
}

#[test]
fn return_bundles_newer_replace_older_and_leave_only_when_applied() {
    let aminata = Member::new("Téléphone d’Aminata");
    let boubacar = Member::new("Téléphone de Boubacar");
    let srv = server(vec![aminata.roster_entry(false), boubacar.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);

    srv.state.parts.store(2, Ordering::SeqCst);
    let first = app.courier_fetch(&[aminata.device_id()], now()).unwrap();
    assert_eq!((first.received, first.superseded), (2, 0));
    let old: Vec<[u8; 16]> =
        app.courier_bundles_for(aminata.device_id(), now()).unwrap().iter().map(|b| b.id).collect();
    assert_eq!(old.len(), 2);

    let second = app.courier_fetch(&[], later(1)).unwrap();
    assert_eq!((second.received, second.superseded), (4, 2), "Aminata's two old parts replaced");
    let handed = app.courier_bundles_for(aminata.device_id(), later(1)).unwrap();
    assert_eq!(handed.len(), 2);
    assert!(handed.iter().all(|b| !old.contains(&b.id)));
    // In the order to apply them: part 1 then part 2.
    let parts: Vec<u16> = handed.iter().map(|b| bundle::read(&b.bytes).unwrap().header.part).collect();
    assert_eq!(parts, [1, 2]);
    // Aminata can open hers; nobody else's key can.
    let (_, opened) = relay::open_down(&handed[0].bytes, &srv.server_keys(), &[&aminata.keys], aminata.id).unwrap();
    assert_eq!(opened.device, aminata.id);
    assert_eq!(
        relay::open_down(&handed[0].bytes, &srv.server_keys(), &[&boubacar.keys], boubacar.id).unwrap_err(),
        BundleError::NotForThisDevice
    );

    // Boubacar cannot clear Aminata's mail; a bundle not yet applied stays.
    let boubacar_ids: Vec<[u8; 16]> =
        app.courier_bundles_for(boubacar.device_id(), later(1)).unwrap().iter().map(|b| b.id).collect();
    assert_eq!(app.courier_delivered(boubacar.device_id(), &[handed[0].id], later(2)).unwrap(), 0);
    assert_eq!(app.courier_bundles_for(aminata.device_id(), later(2)).unwrap().len(), 2);
    assert_eq!(app.courier_delivered(aminata.device_id(), &[handed[0].id], later(2)).unwrap(), 1);
    assert_eq!(app.courier_bundles_for(aminata.device_id(), later(2)).unwrap().len(), 1, "part 2 waits");
    assert_eq!(app.courier_delivered(aminata.device_id(), &[handed[1].id], later(3)).unwrap(), 1);
    assert!(app.courier_bundles_for(aminata.device_id(), later(3)).unwrap().is_empty());
    assert_eq!(custody_files(dir.path()).len(), 2, "Boubacar's two parts only");

    // A newer bundle applied clears the older ones too.
    srv.state.parts.store(1, Ordering::SeqCst);
    app.courier_fetch(&[aminata.device_id()], later(4)).unwrap();
    let view = app.courier_view(later(4)).unwrap();
    assert_eq!(view.to_members.len(), 3);
    let applied = app.courier_bundles_for(boubacar.device_id(), later(4)).unwrap();
    assert_eq!(applied.iter().map(|b| b.id).collect::<Vec<_>>(), boubacar_ids);
    assert_eq!(app.courier_delivered(boubacar.device_id(), &[boubacar_ids[1]], later(5)).unwrap(), 1);
    // Part 1 is of the same batch: it stays until applied.
    assert_eq!(app.courier_bundles_for(boubacar.device_id(), later(5)).unwrap().len(), 1);
}

#[test]
fn a_forged_return_bundle_is_not_kept() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    srv.state.forge.store(true, Ordering::SeqCst);
    let fetched = app.courier_fetch(&[], now()).unwrap();
    assert_eq!(fetched.received, 0);
    assert_eq!(fetched.rejected.len(), 1);
    assert_eq!(fetched.rejected[0].code, "bundle.bad_signature");
    assert!(custody_files(dir.path()).is_empty());
}

#[test]
fn a_canary_in_a_members_record_never_appears_in_the_couriers_files() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    // The canary is in the member's push (the server finds it below)...
    let payload = aminata.payload(CANARY);
    let bytes = relay::seal_up(&payload, &aminata.keys, &srv.server_keys(), EPOCH, 1, 1).unwrap();
    app.courier_collect(&bytes, now()).unwrap();
    app.courier_fetch(&[], now()).unwrap();
    app.courier_note(&hex::encode(payload.bundle), Some("remis au marché de Goundam"), now()).unwrap();

    // ...and nowhere in what the courier keeps: store, its journal, custody files.
    let _ = app.courier_view(now()).unwrap();
    let mut looked = 0;
    for f in files_under(dir.path()) {
        let content = std::fs::read(&f).unwrap();
        assert!(!contains(&content, CANARY.as_bytes()), "canary found in {}", f.display());
        looked += 1;
    }
    assert!(looked >= 3, "store, key file and custody files were searched");
    // The custody file is the bundle as received; no key but the server's opens it.
    let kept = std::fs::read(&custody_files(dir.path())[0]).unwrap();
    let lookup = |s: &relay::Sender| ccs_core::app::courier::roster_lookup(&srv.state.roster.lock().unwrap(), s);
    for stranger in [DeviceKeys::generate(1), DeviceKeys::generate(2)] {
        assert!(relay::open_up(&kept, lookup, &stranger).is_err());
    }

    // The server reads it once forwarded: the canary was carried, intact.
    app.courier_forward(later(1)).unwrap();
    let received = srv.state.received.lock().unwrap();
    assert!(contains(&received[0].request.push[0].changes, CANARY.as_bytes()));
    drop(received);
    app.lock();
    for f in files_under(dir.path()) {
        assert!(!contains(&std::fs::read(&f).unwrap(), CANARY.as_bytes()), "canary in {}", f.display());
    }
}

#[test]
fn the_courier_screen_says_what_waits_for_whom_and_never_what() {
    let aminata = Member::new("Téléphone d’Aminata");
    let boubacar = Member::new("Téléphone de Boubacar");
    let srv = server(vec![aminata.roster_entry(false), boubacar.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    let up = aminata.bundle(&srv.server_keys(), "séance");
    app.courier_collect(&up, now()).unwrap();
    app.courier_fetch(&[boubacar.device_id()], now()).unwrap();
    let view = app.courier_view(now()).unwrap();
    let roster = view.roster.as_ref().unwrap();
    assert_eq!((roster.devices, roster.revoked), (2, 0));
    assert_eq!(roster.age_days, 2, "issued on the 18th, seen on the 20th");
    assert_eq!(view.to_server.len(), 1);
    assert_eq!(view.to_server[0].label.as_deref(), Some("Téléphone d’Aminata"));
    assert_eq!(view.to_server[0].direction, CustodyDirection::ToServer);
    assert_eq!(view.to_server[0].size, up.len() as u64);
    assert_eq!(view.bytes_to_server, up.len() as u64);
    assert_eq!(view.to_members.len(), 1);
    assert_eq!(view.to_members[0].label.as_deref(), Some("Téléphone de Boubacar"));
    assert_eq!(view.to_members[0].device, boubacar.device_id());
    assert!(view.to_members[0].committee_id.is_some());
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("séance"), "no content in the view");
    // Wiping the device takes custody with it.
    app.wipe().unwrap();
    assert!(!dir.path().join("courrier").exists());
}

#[test]
fn the_app_stays_usable_while_custody_travels_to_the_server() {
    let aminata = Member::new("Téléphone d’Aminata");
    let srv = server(vec![aminata.roster_entry(false)]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = courier(dir.path(), &srv);
    app.courier_collect(&aminata.bundle(&srv.server_keys(), "séance"), now()).unwrap();
    srv.state.delay_ms.store(800, Ordering::SeqCst);
    let shared = Arc::new(Mutex::new(app));
    let syncing = {
        let shared = shared.clone();
        std::thread::spawn(move || ccs_core::app::courier::courier_forward_shared(&shared, later(1)))
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    // The bundle is on its way: the screen still answers at once.
    let asked = std::time::Instant::now();
    let view = shared.lock().unwrap().courier_view(later(1)).unwrap();
    assert!(asked.elapsed() < std::time::Duration::from_millis(400), "the app was held across the network");
    assert_eq!(view.to_server.len(), 1, "still carried until the receipt");
    let summary = syncing.join().unwrap().unwrap();
    assert_eq!(summary.forwarded, 1);
    assert!(shared.lock().unwrap().courier_view(later(2)).unwrap().to_server.is_empty());

    // Fetching for the window goes the same way.
    let fetched = ccs_core::app::courier::courier_fetch_shared(&shared, &[aminata.device_id()], later(3)).unwrap();
    assert_eq!(fetched.received, 1);
}
