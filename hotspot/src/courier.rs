//! The courier's side of the hotspot: an HTTPS server with a certificate made for this
//! session, reaching the app's custody only through [`Custody`].
//!
//! Every request carries a session token as bearer. A token is made per member
//! ([`Hotspot::pairing`]); the first device that says hello with it owns it; it is used
//! up when that device says it is done. A wrong, foreign or used token gets
//! `relay.session_token` and nothing else.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{paths, ErrorBody, HotspotError, Pairing};
use ccs_core::error_code::ErrorCode;

/// What the courier's custody does for the hotspot. The app implements it with its
/// `courier_*` methods; calls block (a store), so the server runs them off its threads.
pub trait Custody: Send + Sync + 'static {
    /// Checks an up-bundle and keeps it: `Ok(true)` taken now, `Ok(false)` held already.
    fn accept(&self, bytes: &[u8]) -> Result<bool, Refusal>;
    /// Whether the custody holds (or held and handed on) this bundle.
    fn holds(&self, id: [u8; 16]) -> bool;
    /// The return bundles for `device`, in the order to apply them.
    fn bundles_for(&self, device: [u8; 16]) -> Result<Bundles, Refusal>;
    /// `device` applied `applied`: they (and older ones) leave custody.
    fn delivered(&self, device: [u8; 16], applied: &[[u8; 16]]) -> Result<u32, Refusal>;
}

/// Return bundles as (id, bytes).
pub type Bundles = Vec<([u8; 16], Vec<u8>)>;

/// A refusal from the custody: a stable code and its sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The member's device id, hex.
    pub device: String,
    /// Ids (hex) of the up-bundles it is about to send.
    pub up: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// Those of `up` the courier holds already: not to send again.
    pub known: Vec<String>,
    /// Return bundles waiting for this device, in the order to apply them.
    pub down: Vec<DownInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownInfo {
    pub id: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    pub bundle: String,
    /// `false`: held already.
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// Return bundles (hex ids) the member applied.
    pub applied: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closed {
    /// Return bundles that left custody.
    pub delivered: u32,
}

/// What one member's session did, when it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub device: [u8; 16],
    /// Up-bundles taken into custody.
    pub taken: u32,
    /// Return bundles handed over.
    pub handed: u32,
    /// Return bundles that left custody (applied, or older than an applied one).
    pub delivered: u32,
}

#[derive(Debug, Default)]
struct Session {
    device: Option<[u8; 16]>,
    taken: u32,
    handed: u32,
    used: bool,
}

struct Shared {
    custody: Arc<dyn Custody>,
    sessions: Mutex<HashMap<String, Session>>,
    finished: Mutex<mpsc::Sender<Finished>>,
}

/// A running hotspot server.
pub struct Hotspot {
    address: SocketAddr,
    fingerprint: [u8; 32],
    shared: Arc<Shared>,
    handle: axum_server::Handle<SocketAddr>,
    finished: mpsc::Receiver<Finished>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Largest request accepted: one bundle.
const MAX_BODY: usize = ccs_core::relay::bundle::MAX_PAYLOAD_BYTES + 4096;

impl Hotspot {
    /// Serves `custody` on `listener` with a certificate made now for `advertise` (the
    /// address members reach, e.g. the hotspot's own address), until [`Hotspot::stop`].
    pub fn start(
        listener: std::net::TcpListener,
        advertise: IpAddr,
        custody: Arc<dyn Custody>,
    ) -> Result<Hotspot, HotspotError> {
        let start = |e: &dyn std::fmt::Display| HotspotError::Start(e.to_string());
        let port = listener.local_addr().map_err(|e| start(&e))?.port();
        let names = vec![advertise.to_string(), "localhost".to_string()];
        let certified = rcgen::generate_simple_self_signed(names).map_err(|e| start(&e))?;
        let cert = certified.cert.der().clone();
        let fingerprint: [u8; 32] = Sha256::digest(cert.as_ref()).into();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| start(&e))?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(|e| start(&e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared { custody, sessions: Mutex::new(HashMap::new()), finished: Mutex::new(tx) });
        let app = Router::new()
            .route(paths::HELLO, post(hello))
            .route(paths::UP, post(up))
            .route(&format!("{}/{{id}}", paths::DOWN), get(down))
            .route(paths::DONE, post(done))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(shared.clone());
        listener.set_nonblocking(true).map_err(|e| start(&e))?;
        let handle = axum_server::Handle::new();
        let serving = handle.clone();
        let rustls_config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| start(&e))?;
        let server = {
            // The listener is registered with this runtime's reactor.
            let _entered = runtime.enter();
            axum_server::from_tcp_rustls(listener, rustls_config).map_err(|e| start(&e))?
        };
        let thread = std::thread::Builder::new()
            .name("ccs-hotspot".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let _ = server.handle(serving).serve(app.into_make_service()).await;
                });
            })
            .map_err(|e| start(&e))?;
        Ok(Hotspot {
            address: SocketAddr::new(advertise, port),
            fingerprint,
            shared,
            handle,
            finished: rx,
            thread: Some(thread),
        })
    }

    /// A pairing with a new one-time token, for the next member.
    pub fn pairing(&self) -> Pairing {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        self.shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), Session::default());
        Pairing { address: self.address, fingerprint: self.fingerprint, token }
    }

    /// The next session that ended, waiting at most `timeout`.
    pub fn finished(&self, timeout: Duration) -> Option<Finished> {
        self.finished.recv_timeout(timeout).ok()
    }

    /// Stops serving now (open connections are closed).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Hotspot {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(ErrorBody { code: code.into(), message: message.into() })).into_response()
}

fn token_refused() -> Response {
    let code = ErrorCode::RelaySessionToken;
    refusal(StatusCode::UNAUTHORIZED, code.as_str(), code.sentence(ccs_core::i18n::Lang::Fr))
}

fn bad_request(what: &str) -> Response {
    refusal(StatusCode::BAD_REQUEST, ErrorCode::RelayUnknownBundle.as_str(), what)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::to_string)
}

/// The device of a live session (after its hello), or the token's refusal.
fn session_device(shared: &Shared, headers: &HeaderMap) -> Option<(String, [u8; 16])> {
    let token = bearer(headers)?;
    let sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
    match sessions.get(&token) {
        Some(Session { device: Some(d), used: false, .. }) => Some((token, *d)),
        _ => None,
    }
}

fn id16(s: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Runs a custody call off the server's threads; `None` when it panicked.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

fn task_failed() -> Response {
    refusal(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::AppTask.as_str(), "task failed")
}

async fn hello(State(shared): State<Arc<Shared>>, headers: HeaderMap, Json(hello): Json<Hello>) -> Response {
    let Some(device) = id16(&hello.device) else { return bad_request("device") };
    let Some(token) = bearer(&headers) else { return token_refused() };
    {
        let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
        match sessions.get_mut(&token) {
            // The first device to say hello owns the token; the same device may come
            // back after a cut link.
            Some(s) if !s.used && s.device.is_none_or(|d| d == device) => s.device = Some(device),
            _ => return token_refused(),
        }
    }
    let up: Vec<[u8; 16]> = hello.up.iter().filter_map(|s| id16(s)).collect();
    let custody = shared.custody.clone();
    let answer = blocking(move || {
        let known: Vec<String> = up.into_iter().filter(|id| custody.holds(*id)).map(hex::encode).collect();
        custody.bundles_for(device).map(|down| Welcome {
            known,
            down: down.into_iter().map(|(id, b)| DownInfo { id: hex::encode(id), size: b.len() as u64 }).collect(),
        })
    })
    .await;
    match answer {
        Some(Ok(w)) => Json(w).into_response(),
        Some(Err(r)) => refusal(StatusCode::UNPROCESSABLE_ENTITY, &r.code, &r.message),
        None => task_failed(),
    }
}

async fn up(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((token, _)) = session_device(&shared, &headers) else { return token_refused() };
    let id = ccs_core::relay::bundle::read(&body).map(|u| hex::encode(u.header.id)).unwrap_or_default();
    let custody = shared.custody.clone();
    match blocking(move || custody.accept(&body)).await {
        Some(Ok(new)) => {
            if new {
                if let Some(s) = shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&token) {
                    s.taken += 1;
                }
            }
            Json(Taken { bundle: id, new }).into_response()
        }
        Some(Err(r)) => refusal(StatusCode::UNPROCESSABLE_ENTITY, &r.code, &r.message),
        None => task_failed(),
    }
}

async fn down(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some((token, device)) = session_device(&shared, &headers) else { return token_refused() };
    let Some(id) = id16(&id) else { return bad_request("bundle id") };
    let custody = shared.custody.clone();
    // Only this device's own return bundles: another's id is unknown here.
    match blocking(move || custody.bundles_for(device)).await {
        Some(Ok(bundles)) => match bundles.into_iter().find(|(b, _)| *b == id) {
            Some((_, bytes)) => {
                if let Some(s) = shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&token) {
                    s.handed += 1;
                }
                bytes.into_response()
            }
            None => refusal(StatusCode::NOT_FOUND, ErrorCode::RelayUnknownBundle.as_str(), "unknown bundle"),
        },
        Some(Err(r)) => refusal(StatusCode::UNPROCESSABLE_ENTITY, &r.code, &r.message),
        None => task_failed(),
    }
}

async fn done(State(shared): State<Arc<Shared>>, headers: HeaderMap, Json(done): Json<Done>) -> Response {
    let Some((token, device)) = session_device(&shared, &headers) else { return token_refused() };
    let applied: Vec<[u8; 16]> = done.applied.iter().filter_map(|s| id16(s)).collect();
    let custody = shared.custody.clone();
    match blocking(move || custody.delivered(device, &applied)).await {
        Some(Ok(delivered)) => {
            let finished = {
                let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
                sessions.get_mut(&token).map(|s| {
                    s.used = true;
                    Finished { device, taken: s.taken, handed: s.handed, delivered }
                })
            };
            if let Some(f) = finished {
                let _ = shared.finished.lock().unwrap_or_else(|p| p.into_inner()).send(f);
            }
            Json(Closed { delivered }).into_response()
        }
        Some(Err(r)) => refusal(StatusCode::UNPROCESSABLE_ENTITY, &r.code, &r.message),
        None => task_failed(),
    }
}

/// The address this machine is reached at on its local network: the source address of a
/// route outward (no packet is sent), else loopback.
pub fn local_address() -> IpAddr {
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}
