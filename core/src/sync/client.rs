//! The client side of sync: enrollment with a code, the sync session (push dirty
//! documents, pull pages until `more` is false, each page applied in one transaction),
//! and the repair path with Automerge's own sync protocol when the server does not know
//! this device's cursor (new or restored server).
//!
//! HTTP goes through [`Transport`], so the session runs over the real client
//! ([`HttpTransport`], blocking `ureq`) or anything a test puts in between. The store
//! goes through [`StoreAccess`]: a plain `Store` for the CLI and tests, or the app's
//! shared state, which is locked only to build a request or apply an answer, never
//! across the network (so lock and wipe act at once during a sync).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use automerge::sync::{Message, State, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error_code::{ErrorCode, ReceivedCode};
use crate::model::*;
use crate::store::{Cursor, DocHeaderView, Identity, QuarantinedEntry, ServerLink, Store, StoreError, SyncPage};
use crate::sync::plan;
use crate::sync::wire::{self, ErrorBody, RepairRequest, RepairResponse, SyncResponse, WireError};

/// Rounds of one sync before giving up: a server that always says `more` is broken.
const MAX_ROUNDS: usize = 10_000;
/// Rounds of the repair protocol: Automerge sync converges in a few.
const MAX_REPAIR_ROUNDS: usize = 20;
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
}

/// The real transport: blocking HTTP(S) with `ureq`.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    pub fn new(timeout: Duration) -> HttpTransport {
        let agent =
            ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
        HttpTransport { agent }
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
        let mut req = self.agent.post(&url).header("Content-Type", content_type);
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.send(&body[..]).map_err(|e| SyncError::Network(e.to_string()))?;
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
}

#[derive(Debug, Deserialize)]
struct EnrollResponse {
    device_id: String,
    token: String,
    role: String,
    committee_id: Option<String>,
    region: Option<String>,
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
    let body = serde_json::to_vec(&EnrollRequest { code, device_id: device.to_string(), label, demo })
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
    store.set_enrollment(
        &ServerLink { url: server.trim_end_matches('/').to_string(), token: r.token },
        identity.clone(),
    )?;
    Ok(identity)
}

/// What a sync did, for people and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub round_trips: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    /// Documents sent.
    pub pushed: usize,
    /// Documents accepted by the server.
    pub accepted: usize,
    /// Documents refused, with the server's reason code.
    pub rejected: Vec<(RecordId, String)>,
    /// Log entries received and merged.
    pub received: usize,
    /// Received documents whose merged state fails validation (kept, flagged).
    pub flagged: usize,
    /// Entries this build could not file (unknown kind).
    pub unreadable: usize,
    /// Received entries this device could not apply, kept aside (the sync went on).
    pub quarantined: Vec<QuarantinedEntry>,
    /// Refused documents not sent, because nothing changed since their refusal.
    pub held_back: usize,
    pub repaired: bool,
    pub elapsed_ms: u64,
}

const FRAME: &str = "application/x-ccs-frame";

fn exchange<Req: Serialize, Resp: serde::de::DeserializeOwned>(
    transport: &dyn Transport,
    link: &ServerLink,
    path: &str,
    request: &Req,
    report: &mut SyncReport,
) -> Result<Resp, SyncError> {
    let body = wire::encode(request);
    report.bytes_up += body.len();
    report.round_trips += 1;
    let bytes = transport.post(&link.url, path, Some(&link.token), FRAME, body)?;
    report.bytes_down += bytes.len();
    Ok(wire::decode(&bytes)?)
}

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

/// Where a sync stands after one round trip, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncProgress {
    pub round_trips: usize,
    pub sent: usize,
    pub received: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    /// The server has more pages for this device.
    pub more: bool,
}

/// [`sync`], calling `progress` after every round trip.
pub fn sync_with_progress(
    store: &mut Store,
    transport: &dyn Transport,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<SyncReport, SyncError> {
    sync_session(store, transport, now, progress)
}

/// [`sync_with_progress`] over any [`StoreAccess`]: the store is reached once to build
/// each request and once to apply each answer.
pub fn sync_session<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let link = access.with(|s| s.server_link()?.ok_or(SyncError::NotEnrolled))?;
    let mut report = SyncReport::default();
    // Each dirty document is pushed once per sync, in batches under the server's
    // limits; later rounds also resend what the server asked to have whole. A document
    // the server refused is not resent until it changes.
    let mut sent: HashSet<RecordId> = HashSet::new();
    let mut reset: Vec<RecordId> = Vec::new();
    for round in 0..MAX_ROUNDS {
        let (request, remaining) = access.with(|store| {
            if round == 0 {
                report.held_back = store.held_back(now)?.len();
            }
            let cursor = store.cursor(&link.url)?;
            let dirty = store.to_push(now)?;
            let (push, remaining) = plan::next_pushes(
                &dirty,
                &sent,
                &reset,
                plan::PUSH_DOCS_PER_REQUEST,
                plan::PUSH_BYTES_PER_REQUEST,
                |id| store.push_of(id),
            )?;
            Ok((plan::request(cursor, push), remaining))
        })?;
        let response: SyncResponse = exchange(transport, &link, "/v1/sync", &request, &mut report)?;
        if response.repair_needed {
            repair(access, transport, &link, now, &mut report)?;
            report.repaired = true;
            continue;
        }
        sent.extend(request.push.iter().map(|p| doc_id(&p.meta.id)));
        report.pushed += request.push.len();
        let interpretation = plan::interpret(&link.url, &request, &response);
        report.accepted += interpretation.page.acked.len();
        report.unreadable += interpretation.unreadable;
        for r in interpretation.rejected {
            if !report.rejected.contains(&r) {
                report.rejected.push(r);
            }
        }
        let outcome = access.with(|store| Ok(store.apply_sync_page(&interpretation.page, now)?))?;
        report.received += outcome.merged.len();
        report.flagged += outcome.merged.iter().filter(|o| o.error_count > 0).count();
        report.quarantined.extend(outcome.quarantined.iter().cloned());
        reset.clone_from(&interpretation.page.reset);
        // Refusals released by a registry entry just received: send those now.
        let again = response.more || !reset.is_empty() || remaining || outcome.released > 0;
        progress(&SyncProgress {
            round_trips: report.round_trips,
            sent: report.pushed,
            received: report.received,
            bytes_up: report.bytes_up,
            bytes_down: report.bytes_down,
            more: again,
        });
        if !again {
            break;
        }
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

fn doc_id(id: &[u8; 16]) -> RecordId {
    RecordId(Uuid::from_bytes(*id))
}

/// Rounds of the repair's first step: the server lists a bounded number of differing
/// documents per answer, so a device that lost everything asks again until none differ.
const MAX_REPAIR_BATCHES: usize = 1_000;

/// Repair: per-document Automerge sync for the documents whose heads differ, then a
/// fresh cursor at the log's end as it was when repair began.
///
/// Only what was exchanged is acknowledged: documents equal on both sides and those
/// settled by the exchange. A document the server refused or skipped (it answers a
/// refusal for a document only this device holds that it will not take, a committee it
/// does not know for instance) stays unsettled: if this device may write it, it is made
/// dirty again (nothing acknowledged), so the next push sends it whole.
fn repair<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    link: &ServerLink,
    now: DateTime<Utc>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let mut start: Option<([u8; 16], u64)> = None;
    // Documents not known to be equal on both sides: they stay dirty.
    let mut unsettled: HashSet<[u8; 16]> = HashSet::new();
    let mut previous: Option<HashSet<[u8; 16]>> = None;
    for _ in 0..MAX_REPAIR_BATCHES {
        let docs = access.with(|s| Ok(s.all_heads()?))?;
        let first: RepairResponse =
            exchange(transport, link, "/v1/repair", &RepairRequest { docs: docs.clone(), messages: vec![] }, report)?;
        start.get_or_insert((first.epoch, first.cursor));
        note_refusals(&first.results, &mut unsettled);
        let batch: HashSet<[u8; 16]> =
            first.missing.iter().map(|m| m.id).chain(first.messages.iter().map(|(id, _)| *id)).collect();
        if batch.is_empty() {
            break;
        }
        if previous.as_ref() == Some(&batch) {
            // The same documents again: they cannot settle now (refused); keep them
            // dirty and stop rather than loop.
            unsettled.extend(batch);
            break;
        }
        let mut hints: HashMap<[u8; 16], DocHeaderView> =
            first.missing.iter().filter_map(|m| Some((m.id, plan::header_of(m)?))).collect();
        for (meta, _) in &docs {
            if let Some(h) = plan::header_of(meta) {
                hints.entry(meta.id).or_insert(h);
            }
        }
        unsettled.extend(batch.iter().copied());
        exchange_messages(access, transport, link, now, report, first.messages, &hints, &mut unsettled)?;
        previous = Some(batch);
    }
    let Some((epoch, target)) = start else { return Ok(()) };
    access.with(|store| {
        // What both sides now hold is acknowledged; anything unsettled goes with the
        // next push, whole.
        let mut acked = Vec::new();
        let mut reset = Vec::new();
        for id in store.document_ids()? {
            if !unsettled.contains(id.as_uuid().as_bytes()) {
                let (heads, _): (Vec<ChangeHash>, _) = store.heads(id)?;
                acked.push((id, heads));
            } else if may_push(store, id) {
                reset.push(id);
            }
        }
        let page = SyncPage {
            server: link.url.clone(),
            cursor: Cursor { epoch: Some(epoch), seq: target },
            acked,
            reset,
            ..Default::default()
        };
        store.apply_sync_page(&page, now)?;
        Ok(())
    })
}

/// Whether this device may write `id` (its own scope check): only those are made dirty
/// again after a repair; a registry entry a member holds, say, is not its to send.
fn may_push(store: &Store, id: RecordId) -> bool {
    store.summary(id).is_ok_and(|s| store.check_write_scope(s.kind, s.committee_id).is_ok())
}

fn note_refusals(results: &[crate::sync::wire::PushResult], unsettled: &mut HashSet<[u8; 16]>) {
    for r in results.iter().filter(|r| r.rejected.is_some()) {
        unsettled.insert(r.id);
    }
}

/// Runs Automerge sync rounds for the documents the server sent messages for. A
/// document settles when this side has nothing more to say about it; a document the
/// server refused stays unsettled.
#[allow(clippy::too_many_arguments)]
fn exchange_messages<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    link: &ServerLink,
    now: DateTime<Utc>,
    report: &mut SyncReport,
    mut incoming: Vec<([u8; 16], Vec<u8>)>,
    hints: &HashMap<[u8; 16], DocHeaderView>,
    unsettled: &mut HashSet<[u8; 16]>,
) -> Result<(), SyncError> {
    let mut refused: HashSet<[u8; 16]> = HashSet::new();
    for _ in 0..MAX_REPAIR_ROUNDS {
        if incoming.is_empty() {
            break;
        }
        let mut outgoing = Vec::new();
        for (id, bytes) in std::mem::take(&mut incoming) {
            let Some(hint) = hints.get(&id).cloned() else { continue };
            let rid = doc_id(&id);
            let reply = access.with(|store| {
                let mut doc = match store.document_bytes(rid) {
                    Ok(b) => AutoCommit::load(&b).map_err(|e| SyncError::BadResponse(e.to_string()))?,
                    Err(StoreError::RecordNotFound(_)) => AutoCommit::new(),
                    Err(e) => return Err(e.into()),
                };
                let before = doc.get_heads();
                let message = Message::decode(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
                let mut state = State::new();
                doc.sync()
                    .receive_sync_message(&mut state, message)
                    .map_err(|e| SyncError::BadResponse(e.to_string()))?;
                if doc.get_heads() != before {
                    store.apply_changes(&hint, &doc.save(), now)?;
                }
                let reply = doc.sync().generate_sync_message(&mut state);
                Ok(reply)
            })?;
            match reply {
                Some(reply) => outgoing.push((id, reply.encode())),
                None if !refused.contains(&id) => {
                    unsettled.remove(&id);
                }
                None => {}
            }
        }
        if outgoing.is_empty() {
            return Ok(());
        }
        let sent: Vec<[u8; 16]> = outgoing.iter().map(|(id, _)| *id).collect();
        let resp: RepairResponse =
            exchange(transport, link, "/v1/repair", &RepairRequest { docs: vec![], messages: outgoing }, report)?;
        for r in resp.results.iter().filter(|r| r.rejected.is_some()) {
            refused.insert(r.id);
        }
        note_refusals(&resp.results, unsettled);
        // The server stops answering for a document once both sides hold the same heads.
        let answered: HashSet<[u8; 16]> = resp.messages.iter().map(|(id, _)| *id).collect();
        for id in sent {
            if !answered.contains(&id) && !refused.contains(&id) {
                unsettled.remove(&id);
            }
        }
        incoming = resp.messages;
    }
    if !incoming.is_empty() {
        return Err(SyncError::RepairStuck);
    }
    Ok(())
}
