//! The client side of sync over a network: enrollment with a code, the transports, and
//! [`run`], which drives a [`Session`] (the sync itself, without I/O: see
//! [`crate::sync::session`]) by moving its requests and answers.
//!
//! HTTP goes through [`Transport`], so the session runs over the real client
//! ([`HttpTransport`], blocking `ureq`) or anything a test puts in between. The store
//! goes through [`StoreAccess`]: a plain `Store` for the CLI and tests, or the app's
//! shared state, which is locked only to build a request or apply an answer, never
//! across the network (so lock and wipe act at once during a sync).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error_code::{ErrorCode, ReceivedCode};
use crate::model::*;
use crate::relay::api::{KeysRequest, KeysResponse, KEYS_PATH};
use crate::relay::PublicKeys;
use crate::store::{Identity, ServerLink, Store, StoreError};
use crate::sync::session::{Next, Session};
use crate::sync::wire::{ErrorBody, WireError};
/// Largest response accepted, in bytes.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this device is not enrolled with a server")]
    NotEnrolled,
    #[error("server unreachable: {0}")]
    Network(String),
    /// The server's `{code, message}`: `code` as read, possibly from a newer server.
    #[error("server refused ({status}, {code}): {message}")]
    Refused { status: u16, code: ReceivedCode, message: String },
    #[error("unreadable server response: {0}")]
    BadResponse(String),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("repair did not converge")]
    RepairStuck,
    #[error("server address refused: {0}")]
    Address(String),
    #[error("sync cancelled (the app was locked or wiped)")]
    Cancelled,
}

impl SyncError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::NotEnrolled => ErrorCode::SyncNotEnrolled,
            SyncError::Network(_) => ErrorCode::SyncNetwork,
            SyncError::Refused { code, .. } => code.code(),
            SyncError::BadResponse(_) => ErrorCode::SyncBadResponse,
            SyncError::Wire(e) => e.code(),
            SyncError::Store(e) => e.code(),
            SyncError::RepairStuck => ErrorCode::SyncRepairStuck,
            SyncError::Address(_) => ErrorCode::SyncAddress,
            SyncError::Cancelled => ErrorCode::SyncCancelled,
        }
    }
}

/// One HTTP exchange: the body received, or a refusal. `Send + Sync` so a sync can run
/// on its own thread.
pub trait Transport: Send + Sync {
    /// POSTs `body` to `path` of `server` with the content type and optional bearer
    /// token; returns the response body of a 2xx answer.
    fn post(
        &self,
        server: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError>;

    /// GETs `path` of `server` with an optional bearer token; returns the body of a 2xx
    /// answer. Only the relay's roster is read this way; a transport made for the sync
    /// rounds alone (a simulated network) need not offer it.
    fn get(&self, server: &str, path: &str, token: Option<&str>) -> Result<Vec<u8>, SyncError> {
        let _ = (server, token);
        Err(SyncError::Network(format!("GET {path}: not offered by this transport")))
    }
}

/// The real transport: blocking HTTP(S) with `ureq`. A server that answers it is
/// overloaded is asked again after a wait ([`crate::sync::retry`]).
pub struct HttpTransport {
    agent: ureq::Agent,
    backoff: crate::sync::retry::Backoff,
}

impl HttpTransport {
    pub fn new(timeout: Duration) -> HttpTransport {
        let agent =
            ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
        HttpTransport { agent, backoff: crate::sync::retry::Backoff::DEFAULT }
    }

    /// The same transport with another retry policy.
    pub fn with_backoff(mut self, backoff: crate::sync::retry::Backoff) -> HttpTransport {
        self.backoff = backoff;
        self
    }

    /// Sends with `send` until the answer is not an overload refusal, or the retries
    /// are spent (the last refusal is then returned).
    fn with_retries(
        &self,
        mut send: impl FnMut() -> Result<ureq::http::Response<ureq::Body>, SyncError>,
    ) -> Result<Vec<u8>, SyncError> {
        use crate::sync::retry;
        let mut attempt = 0;
        loop {
            let resp = send()?;
            let retry_after =
                resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(retry::parse_retry_after);
            match answer(resp) {
                Err(SyncError::Refused { status, code, .. })
                    if attempt < self.backoff.retries && retry::retryable(status, code.code()) =>
                {
                    std::thread::sleep(self.backoff.wait(attempt, retry_after, rand::random::<f64>()));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport::new(Duration::from_secs(60))
    }
}

impl Transport for HttpTransport {
    fn post(
        &self,
        server: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError> {
        // The token and the records never leave this machine in clear, whatever
        // address a setting or a scanned code gave.
        let server = crate::sync::address::check(server).map_err(|e| SyncError::Address(e.to_string()))?;
        let url = format!("{server}{path}");
        self.with_retries(|| {
            let mut req = self.agent.post(&url).header("Content-Type", content_type);
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            req.send(&body[..]).map_err(|e| SyncError::Network(e.to_string()))
        })
    }

    fn get(&self, server: &str, path: &str, token: Option<&str>) -> Result<Vec<u8>, SyncError> {
        let server = crate::sync::address::check(server).map_err(|e| SyncError::Address(e.to_string()))?;
        let url = format!("{server}{path}");
        self.with_retries(|| {
            let mut req = self.agent.get(&url);
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            req.call().map_err(|e| SyncError::Network(e.to_string()))
        })
    }
}

/// The body of a 2xx answer, or the server's `{code, message}` refusal.
fn answer(mut resp: ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, SyncError> {
    let status = resp.status().as_u16();
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|e| SyncError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        return Ok(bytes);
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(e) => Err(SyncError::Refused { status, code: ReceivedCode::parse(&e.code), message: e.message }),
        Err(_) => Err(SyncError::Refused {
            status,
            code: ReceivedCode::Unknown(format!("http.{status}")),
            message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
        }),
    }
}

/// Whether the server answers its health check within `timeout`: what "online" means
/// for a device (a network may be up with the server out of reach).
pub fn reachable(server: &str, timeout: Duration) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(timeout)).build().into();
    let url = format!("{}/healthz", server.trim_end_matches('/'));
    agent.get(&url).call().is_ok_and(|r| r.status().is_success())
}

#[derive(Debug, Serialize)]
struct EnrollRequest<'a> {
    code: &'a str,
    device_id: String,
    label: Option<&'a str>,
    /// The server enrolls a store holding demonstration records only with an
    /// administrator's code (a trial server), never as a member, facilitator or reviewer.
    demo: bool,
    /// This device's relay keys, registered with the enrollment (RELAY.md, "Keys").
    keys: Option<PublicKeys>,
}

#[derive(Debug, Deserialize)]
struct EnrollResponse {
    device_id: String,
    token: String,
    role: String,
    committee_id: Option<String>,
    region: Option<String>,
    /// The server's relay keys, which the device pins (absent from an older server).
    #[serde(default)]
    server_keys: Option<PublicKeys>,
    /// The server log's epoch, hex, when the server gives it.
    #[serde(default)]
    epoch: Option<String>,
}

/// A server log epoch given as 32 hex characters.
fn parse_epoch(hex_epoch: &str) -> Option<[u8; 16]> {
    hex::decode(hex_epoch).ok().and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
}

/// Exchanges an enrollment code for a device token and records the role and scope the
/// server gave. Returns the device's identity.
pub fn enroll(
    store: &mut Store,
    transport: &dyn Transport,
    server: &str,
    code: &str,
    label: Option<&str>,
) -> Result<Identity, SyncError> {
    let device = store.identity().device_id;
    let demo = store.holds_demo_records()?;
    let keys = Some(store.relay_keys().public());
    let body = serde_json::to_vec(&EnrollRequest { code, device_id: device.to_string(), label, demo, keys })
        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let bytes = transport.post(server, "/v1/enroll", None, "application/json", body)?;
    let r: EnrollResponse = serde_json::from_slice(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let bad = |what: &str| SyncError::BadResponse(format!("enrollment answer: bad {what}"));
    if r.device_id.parse::<DeviceId>().ok() != Some(device) {
        return Err(bad("device id"));
    }
    let identity = Identity {
        device_id: device,
        role: r.role.parse().map_err(|_| bad("role"))?,
        committee_id: match r.committee_id {
            Some(c) => Some(c.parse().map_err(|_| bad("committee id"))?),
            None => None,
        },
        region: r.region,
    };
    if let Some(k) = &r.server_keys {
        k.check().map_err(|_| bad("server keys"))?;
    }
    let url = server.trim_end_matches('/').to_string();
    store.set_enrollment(&ServerLink { url: url.clone(), token: r.token }, identity.clone())?;
    if let Some(k) = &r.server_keys {
        store.pin_server_keys(&url, k, r.epoch.as_deref().and_then(parse_epoch))?;
    }
    Ok(identity)
}

/// Registers this device's relay keys with its server over the authenticated link and
/// pins the server's: a device enrolled before the relay does it once, at the start of
/// a direct sync ([`run`]).
pub fn register_keys(store: &mut Store, transport: &dyn Transport, link: &ServerLink) -> Result<(), SyncError> {
    let r = register_answer(transport, link, store.relay_keys().public())?;
    store.pin_server_keys(&link.url, &r.server_keys, parse_epoch(&r.epoch))?;
    Ok(())
}

fn register_answer(transport: &dyn Transport, link: &ServerLink, keys: PublicKeys) -> Result<KeysResponse, SyncError> {
    let body = serde_json::to_vec(&KeysRequest { keys }).map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let bytes = transport.post(&link.url, KEYS_PATH, Some(&link.token), "application/json", body)?;
    let r: KeysResponse = serde_json::from_slice(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
    r.server_keys.check().map_err(|_| SyncError::BadResponse("server keys".into()))?;
    Ok(r)
}

pub use crate::sync::session::{SyncProgress, SyncReport};

const FRAME: &str = "application/x-ccs-frame";

/// How a sync reaches the store: for the length of one step (build a request, apply an
/// answer), never across a network exchange.
pub trait StoreAccess {
    /// Runs `f` with the store; fails with [`SyncError::Cancelled`] when the sync must
    /// stop (the store was locked or wiped meanwhile).
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T, SyncError>) -> Result<T, SyncError>;
}

impl StoreAccess for Store {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T, SyncError>) -> Result<T, SyncError> {
        f(self)
    }
}

/// Syncs the store with its server: pushes every dirty document, then pulls pages
/// until the server has no more. One round trip when there is little to do.
pub fn sync(store: &mut Store, transport: &dyn Transport, now: DateTime<Utc>) -> Result<SyncReport, SyncError> {
    sync_with_progress(store, transport, now, &mut |_| {})
}

/// [`sync`], calling `progress` after every round trip.
pub fn sync_with_progress(
    store: &mut Store,
    transport: &dyn Transport,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<SyncReport, SyncError> {
    run(store, transport, now, progress)
}

/// Drives a [`Session`] over a transport: the store is reached once to build each
/// request and once to apply each answer (through [`StoreAccess`], so the app's lock
/// is never held across the network); the transport only moves the bytes.
pub fn run<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let link = access.with(|s| s.server_link()?.ok_or(SyncError::NotEnrolled))?;
    let register = access.with(|s| Ok(s.pinned_server()?.is_none() && !s.key_registration_refused(&link.url, now)?))?;
    if register {
        // Once, for a device enrolled before the relay. Only a broken link stops the
        // sync here (it would fail next anyway); a server without the relay refuses,
        // is left alone for a day, and the sync goes on as before.
        let keys = access.with(|s| Ok(s.relay_keys().public()))?;
        match register_answer(transport, &link, keys) {
            Ok(r) => access.with(|s| Ok(s.pin_server_keys(&link.url, &r.server_keys, parse_epoch(&r.epoch))?))?,
            Err(SyncError::Network(e)) => return Err(SyncError::Network(e)),
            Err(_) => access.with(|s| Ok(s.note_key_registration_refused(&link.url, now)?))?,
        }
    }
    let mut session = Session::new(&link.url);
    loop {
        let request = match access.with(|store| session.next(store, now))? {
            Next::Done(mut report) => {
                report.elapsed_ms = started.elapsed().as_millis() as u64;
                return Ok(report);
            }
            Next::Send(request) => request,
        };
        let sent = Instant::now();
        let answer = match transport.post(&link.url, request.path, Some(&link.token), FRAME, request.body) {
            Ok(answer) => answer,
            // A server older than frame format 2: the same request again, in format 1.
            Err(SyncError::Refused { code, .. })
                if code.code() == ErrorCode::WireUnsupportedVersion && session.fall_back() =>
            {
                session.lost();
                continue;
            }
            // The server does not know a document number this device kept: the same
            // request again, naming every document by id (nothing was applied).
            Err(SyncError::Refused { code, .. })
                if code.code() == ErrorCode::WireUnknownNumber && session.stop_numbering() =>
            {
                access.with(|s| Ok(s.forget_doc_numbers(&link.url)?))?;
                session.lost();
                continue;
            }
            Err(e) => return Err(e),
        };
        session.timed(sent.elapsed());
        access.with(|store| session.receive(request.id, &answer, store, now))?;
        if let Some(p) = session.progress() {
            progress(&p);
        }
    }
}
