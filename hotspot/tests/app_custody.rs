//! The hotspot in front of a real app: a facilitator's `App` (encrypted store, roster and
//! return bundles fetched over HTTP from a small relay server on 127.0.0.1) serves its
//! custody through [`AppCustody`]; a member exchanges with it over HTTPS.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use ccs_core::app::App;
use ccs_core::model::DeviceId;
use ccs_core::relay::api::{OutboxBundle, OutboxRequest, OutboxResponse, Roster, RosterDevice};
use ccs_core::relay::{self, bundle, DeviceKeys, DownPayload, UpPayload};
use ccs_core::store::KdfParams;
use ccs_core::sync::wire::{self, SyncRequest, SyncResponse};
use ccs_hotspot::app::AppCustody;
use ccs_hotspot::courier::Hotspot;
use ccs_hotspot::member;
use chrono::Utc;

const EPOCH: [u8; 16] = [2; 16];

struct Relay {
    keys: DeviceKeys,
    roster: Roster,
}

async fn enroll(Json(body): Json<serde_json::Value>) -> impl IntoResponse {
    Json(serde_json::json!({
        "device_id": body["device_id"], "token": "t", "role": "facilitator",
        "committee_id": null, "region": "TBK",
    }))
}

async fn roster(State(r): State<Arc<Relay>>) -> impl IntoResponse {
    wire::encode(&r.roster)
}

async fn outbox(State(r): State<Arc<Relay>>, body: Bytes) -> impl IntoResponse {
    let _: OutboxRequest = wire::decode(&body).unwrap();
    let bundles = r
        .roster
        .devices
        .iter()
        .map(|d| {
            let payload = DownPayload {
                bundle: bundle::new_id(),
                device: d.device,
                receipts: vec![],
                enrollment: None,
                from: 0,
                response: SyncResponse {
                    epoch: EPOCH,
                    repair_needed: false,
                    results: vec![],
                    entries: vec![],
                    cursor: 1,
                    more: false,
                },
            };
            let bytes = relay::seal_down(&payload, &r.keys, &d.keys[0], EPOCH, 1, 1).unwrap();
            OutboxBundle { device: d.device, id: payload.bundle, bytes }
        })
        .collect();
    wire::encode(&OutboxResponse { bundles })
}

fn relay_server(relay: Arc<Relay>) -> String {
    let app = Router::new()
        .route("/v1/enroll", post(enroll))
        .route("/v1/relay/roster", get(roster))
        .route("/v1/relay/outbox", post(outbox))
        .with_state(relay);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            axum::serve(tokio::net::TcpListener::from_std(listener).unwrap(), app).await.unwrap();
        });
    });
    url
}

#[test]
fn a_member_exchanges_with_a_facilitators_app_over_https() {
    let member_id = *DeviceId::new().0.as_bytes();
    let member_keys = DeviceKeys::generate(1);
    let server = DeviceKeys::generate(1);
    let roster = Roster {
        server_keys: server.public(),
        epoch: EPOCH,
        issued_at: Utc::now().to_rfc3339(),
        devices: vec![RosterDevice {
            device: member_id,
            label: Some("Téléphone d’Aminata".into()),
            committee_id: None,
            region: None,
            keys: vec![member_keys.public()],
            revoked: false,
        }],
    };
    let url = relay_server(Arc::new(Relay { keys: server, roster: roster.clone() }));
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), Utc::now());
    app.enroll("goundam-2026", &url, "CODE", None, Utc::now()).unwrap();
    app.courier_fetch(&[], Utc::now()).unwrap();
    let app = Arc::new(Mutex::new(app));

    let hotspot = Hotspot::start(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        IpAddr::from([127, 0, 0, 1]),
        Arc::new(AppCustody(app.clone())),
    )
    .unwrap();
    let payload = UpPayload {
        bundle: bundle::new_id(),
        device: member_id,
        enrollment: None,
        applied: vec![],
        request: SyncRequest { epoch: Some(EPOCH), cursor: 1, push: vec![] },
    };
    let up = relay::seal_up(&payload, &member_keys, &roster.server_keys, EPOCH, 1, 1).unwrap();
    let stranger = relay::seal_up(
        &UpPayload { device: [8; 16], bundle: bundle::new_id(), ..payload.clone() },
        &DeviceKeys::generate(1),
        &roster.server_keys,
        EPOCH,
        1,
        1,
    )
    .unwrap();

    // A stranger's bundle is refused with its code; the member's goes in.
    let link = member::Link::new(&hotspot.pairing()).unwrap();
    link.hello(member_id, &[]).unwrap();
    assert_eq!(link.upload(&stranger).unwrap_err().code(), ccs_core::error_code::ErrorCode::BundleUnknownSigner);

    let done = member::exchange(
        &hotspot.pairing(),
        member_id,
        &[up],
        &mut |_, bytes| relay::open_down(bytes, &roster.server_keys, &[&member_keys], member_id).is_ok(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((done.uploaded, done.downloaded, done.applied.len(), done.delivered), (1, 1, 1, 1));
    let view = app.lock().unwrap().courier_view(Utc::now()).unwrap();
    assert_eq!(view.to_server.len(), 1);
    assert_eq!(view.to_server[0].label.as_deref(), Some("Téléphone d’Aminata"));
    assert!(view.to_members.is_empty(), "the applied return bundle left custody");
}
