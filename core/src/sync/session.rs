//! The sync session without I/O: a state machine that builds each request from a read
//! of the store, takes the answer, applies what it says (one store transaction per
//! page) and says what to send next, until the sync is over. It never touches the
//! network and never reads a clock: time comes in as `now`, bytes go out as
//! [`Request`]s and come back through [`Session::receive`]. Transports (HTTP today, a
//! file carried by a facilitator or a local hotspot next) only move those bytes; see
//! [`crate::sync::client::run`] for the HTTP driver.
//!
//! The shape follows samod's core (`samod-core/src/actors/hub.rs`): events in, effects
//! out. Here the effects are the requests to send and the end of the sync; the store is
//! reached only inside [`Session::next`] and [`Session::receive`], each a short step the
//! app runs under its lock, so nothing is locked across the network.
//!
//! States:
//!
//! ```text
//!            ┌──────────── more / reset / backlog ───────────┐
//!            ▼                                                │
//!   Start ─► Rounds ── POST /v1/sync ──► answer ──────────────┴─► Done
//!            │  ▲            │ repair_needed (cursor from another log)
//!            │  │            ▼
//!            │  └── acks ─ RepairList ── POST /v1/repair {heads} ──► batch differs?
//!            │                 ▲                                        │ yes
//!            │                 └──────── RepairMessages ◄───────────────┘
//!            │                          (Automerge sync messages, per document)
//! ```
//!
//! The session checks that an answer fits the request it answers: an answer given to
//! the wrong request (late, replayed) is refused with nothing applied; a sync answer
//! whose cursor goes back, or that names another log without saying so, is refused as
//! malformed. Binding an answer to its request is otherwise the transport's part: the
//! id given to [`Session::receive`] must be that of the request the answer was made for
//! (the connection guarantees it over HTTP; a return bundle's signed binding will over
//! the relay). An earlier answer passed off as a later one, with the cursor unmoved,
//! cannot be told from a true one here and would acknowledge pushes the server never saw. A lost answer ([`Session::lost`]) makes the next request be built again
//! from the store: what the server applied meanwhile is deduplicated by it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::doc::RecordDoc;
use crate::model::*;
use crate::store::{DocHeaderView, QuarantinedEntry, Store, StoreError};
use crate::sync::client::SyncError;
use crate::sync::page::{Cursor, SyncPage};
use crate::sync::plan;
use crate::sync::wire::{self, DocMeta, DocPush, RepairRequest, RepairResponse, SyncRequest, SyncResponse};

/// Rounds of one sync before giving up: a server that always says `more` is broken.
pub const MAX_ROUNDS: usize = 10_000;
/// Rounds of the repair protocol for one batch: Automerge sync converges in a few.
pub const MAX_REPAIR_ROUNDS: usize = 20;
/// Rounds of the repair's first step: the server lists a bounded number of differing
/// documents per answer, so a device that lost everything asks again until none differ.
pub const MAX_REPAIR_BATCHES: usize = 1_000;

/// Largest page a session asks for, in change bytes (the server caps it too).
pub const MAX_PAGE_ASK: u32 = 8 * 1024 * 1024;
/// A round trip at most this long counts as a good link: the next page may be larger.
pub const FAST_ROUND_TRIP: Duration = Duration::from_secs(2);

/// The server endpoints a session talks to.
pub const SYNC_PATH: &str = "/v1/sync";
pub const REPAIR_PATH: &str = "/v1/repair";

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
    /// Measured by the driver (the session reads no clock).
    pub elapsed_ms: u64,
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

/// A request for the transport to deliver: `body` to `path` of the session's server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which request an answer belongs to (see [`Session::receive`]).
    pub id: u64,
    pub path: &'static str,
    pub body: Vec<u8>,
}

/// What the caller does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Deliver this request and give its answer to [`Session::receive`].
    Send(Request),
    /// The sync is over.
    Done(SyncReport),
}

/// One sync of one device with one server.
#[derive(Debug)]
pub struct Session {
    server: String,
    state: State,
    report: SyncReport,
    /// Each dirty document is pushed once per sync; later rounds also resend what the
    /// server asked to have whole. A document the server refused is not resent until
    /// it changes (the store holds it back).
    sent: HashSet<RecordId>,
    reset: Vec<RecordId>,
    /// Documents already resent whole in this sync: a second "missing dependencies" for
    /// one of them (a colleague's change the server lost, that only the colleague may
    /// bring back) leaves it dirty for the next sync instead of resending it forever.
    resent_whole: HashSet<RecordId>,
    rounds: usize,
    next_id: u64,
    awaiting: Option<Awaiting>,
    /// Set after each sync round, taken by [`Session::progress`].
    progress: Option<SyncProgress>,
    /// The frame format of the sync rounds: 3, until a server refuses it.
    version: u8,
    /// Whether requests name documents by their numbers on the server's log (format 3);
    /// off for the rest of the sync once the server said it does not know one.
    numbered: bool,
    /// The page size to ask for, once a full page came back quickly.
    page_ask: Option<u32>,
    /// How long the last exchange took, as the driver measured it.
    last_round_trip: Option<Duration>,
}

#[derive(Debug)]
enum State {
    Rounds,
    RepairList(Repair),
    /// The messages to send for the current batch are in `outgoing`.
    RepairMessages(Repair, Exchange),
    Done,
}

/// What a repair knows across its batches.
#[derive(Debug, Default)]
struct Repair {
    /// The log's epoch and end as the server gave them when repair began: the cursor
    /// the device takes once every difference is settled.
    start: Option<([u8; 16], u64)>,
    /// Documents not known to be equal on both sides: they stay dirty.
    unsettled: HashSet<[u8; 16]>,
    previous: Option<HashSet<[u8; 16]>>,
    batches: usize,
}

/// The Automerge exchange of one batch of documents.
#[derive(Debug, Default)]
struct Exchange {
    batch: HashSet<[u8; 16]>,
    hints: HashMap<[u8; 16], DocHeaderView>,
    refused: HashSet<[u8; 16]>,
    outgoing: Vec<([u8; 16], Vec<u8>)>,
    rounds: usize,
}

#[derive(Debug)]
enum Awaiting {
    Sync { id: u64, request: SyncRequest, remaining: bool },
    RepairList { id: u64, docs: Vec<DocMeta> },
    RepairMessages { id: u64, sent: Vec<[u8; 16]> },
}

impl Awaiting {
    fn id(&self) -> u64 {
        match self {
            Awaiting::Sync { id, .. } | Awaiting::RepairList { id, .. } | Awaiting::RepairMessages { id, .. } => *id,
        }
    }
}

impl Session {
    /// A session with the server at `server` (the address the store's link names:
    /// cursors are kept per server).
    pub fn new(server: &str) -> Session {
        Session {
            server: server.to_string(),
            state: State::Rounds,
            report: SyncReport::default(),
            sent: HashSet::new(),
            reset: Vec::new(),
            resent_whole: HashSet::new(),
            rounds: 0,
            next_id: 1,
            awaiting: None,
            progress: None,
            version: wire::FORMAT_V3,
            numbered: true,
            page_ask: None,
            last_round_trip: None,
        }
    }

    /// A session that writes its sync rounds in frame format `version` (an older one for
    /// a server known to be older; the bench compares them).
    pub fn with_format(server: &str, version: u8) -> Session {
        let mut s = Session::new(server);
        s.version = if wire::SYNC_VERSIONS.contains(&version) { version } else { wire::FORMAT_VERSION };
        s
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// What the sync has done so far.
    pub fn report(&self) -> &SyncReport {
        &self.report
    }

    /// The server refused the frame format of the request in flight (an older server:
    /// `wire.unsupported_version`): the rest of the sync speaks the format below it.
    /// Returns whether there was a format to fall back to; the caller then calls
    /// [`Session::lost`] and goes on.
    pub fn fall_back(&mut self) -> bool {
        let Some(lower) = wire::SYNC_VERSIONS.iter().rev().find(|v| **v < self.version) else {
            return false;
        };
        self.version = *lower;
        true
    }

    /// The server does not know a document number the request in flight gave
    /// (`wire.unknown_number`: its log was replaced without a new epoch, or a bug): the
    /// rest of the sync names documents by id, and the caller forgets the numbers kept
    /// for this server ([`Store::forget_doc_numbers`]), calls [`Session::lost`] and goes
    /// on. Returns false when the sync already stopped using numbers: the server then
    /// refuses ids too, and the sync ends on its error.
    pub fn stop_numbering(&mut self) -> bool {
        std::mem::replace(&mut self.numbered, false)
    }

    /// The frame format the sync rounds are written in.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// How long the exchange just done took (the session reads no clock): a fast one
    /// lets the next page grow.
    pub fn timed(&mut self, round_trip: Duration) {
        self.last_round_trip = Some(round_trip);
    }

    /// The progress of the last sync round, once.
    pub fn progress(&mut self) -> Option<SyncProgress> {
        self.progress.take()
    }

    /// The next request, built from a read of the store, or the end of the sync. While
    /// a request waits for its answer, the same request is not built twice: calling
    /// this again before [`Session::receive`] or [`Session::lost`] is a caller's error.
    pub fn next(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<Next, SyncError> {
        if self.awaiting.is_some() {
            return Err(SyncError::BadResponse("a request is still waiting for its answer".into()));
        }
        loop {
            match &mut self.state {
                State::Done => return Ok(Next::Done(self.report.clone())),
                State::Rounds => {
                    if self.rounds >= MAX_ROUNDS {
                        self.state = State::Done;
                        continue;
                    }
                    return self.sync_request(store, now);
                }
                State::RepairList(repair) => {
                    if repair.batches >= MAX_REPAIR_BATCHES {
                        self.finish_repair(store, now)?;
                        continue;
                    }
                    let docs = store.all_heads()?;
                    let metas: Vec<DocMeta> = docs.iter().map(|(m, _)| m.clone()).collect();
                    let body = wire::encode(&RepairRequest { docs, messages: vec![] });
                    let id = self.take_id();
                    self.awaiting = Some(Awaiting::RepairList { id, docs: metas });
                    return Ok(self.send(id, REPAIR_PATH, body));
                }
                State::RepairMessages(_, exchange) => {
                    let outgoing = std::mem::take(&mut exchange.outgoing);
                    let sent: Vec<[u8; 16]> = outgoing.iter().map(|(id, _)| *id).collect();
                    let body = wire::encode(&RepairRequest { docs: vec![], messages: outgoing });
                    let id = self.take_id();
                    self.awaiting = Some(Awaiting::RepairMessages { id, sent });
                    return Ok(self.send(id, REPAIR_PATH, body));
                }
            }
        }
    }

    /// The answer to request `id`: checked against the request, then applied to the
    /// store (a sync page in one transaction). An answer to another request than the
    /// one awaited (late, replayed) is refused and changes nothing.
    pub fn receive(&mut self, id: u64, body: &[u8], store: &mut Store, now: DateTime<Utc>) -> Result<(), SyncError> {
        match &self.awaiting {
            Some(a) if a.id() == id => {}
            _ => return Err(SyncError::BadResponse(format!("answer to request {id}, which is not awaited"))),
        }
        let awaiting = self.awaiting.take().ok_or_else(|| SyncError::BadResponse("nothing awaited".into()))?;
        self.report.bytes_down += body.len();
        match awaiting {
            Awaiting::Sync { request, remaining, .. } => {
                let (response, numbers) = wire::decode_sync_response_numbered(body, &request)?;
                self.on_sync_answer(store, &request, &response, &numbers, remaining, now)
            }
            Awaiting::RepairList { docs, .. } => {
                let response: RepairResponse = wire::decode(body)?;
                self.on_repair_list(store, &docs, response, now)
            }
            Awaiting::RepairMessages { sent, .. } => {
                let response: RepairResponse = wire::decode(body)?;
                self.on_repair_messages(store, &sent, response, now)
            }
        }
    }

    /// The answer to the awaited request will not come (the link broke, the file was
    /// lost): the next request is built again from the store. In repair, the batch is
    /// listed again (the Automerge exchange keeps no state between messages).
    pub fn lost(&mut self) {
        if self.awaiting.take().is_none() {
            return;
        }
        if let State::RepairMessages(..) = self.state {
            let State::RepairMessages(repair, _) = std::mem::replace(&mut self.state, State::Done) else {
                return;
            };
            self.state = State::RepairList(repair);
        }
    }

    /// Whether the sync is over.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn send(&mut self, id: u64, path: &'static str, body: Vec<u8>) -> Next {
        self.report.bytes_up += body.len();
        self.report.round_trips += 1;
        Next::Send(Request { id, path, body })
    }

    fn sync_request(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<Next, SyncError> {
        if self.rounds == 0 {
            self.report.held_back = store.held_back(now)?.len();
        }
        self.rounds += 1;
        let cursor = store.cursor(&self.server)?;
        let dirty = store.to_push(now)?;
        let (push, remaining) = plan::next_pushes(
            &dirty,
            &self.sent,
            &self.reset,
            plan::PUSH_DOCS_PER_REQUEST,
            plan::PUSH_BYTES_PER_REQUEST,
            |id| -> Result<DocPush, SyncError> { Ok(store.outgoing_push(id)?) },
        )?;
        let request = plan::request(cursor, push);
        let numbers = match cursor.epoch {
            Some(epoch) if self.numbered && self.version == wire::FORMAT_V3 => {
                let ids: Vec<RecordId> = request.push.iter().map(|p| doc_id(&p.meta.id)).collect();
                store
                    .doc_numbers(&self.server, epoch, &ids)?
                    .into_iter()
                    .map(|(id, n)| (*id.as_uuid().as_bytes(), n))
                    .collect()
            }
            _ => HashMap::new(),
        };
        let body = wire::encode_sync_request_numbered(&request, self.version, self.page_ask, &numbers);
        let id = self.take_id();
        self.awaiting = Some(Awaiting::Sync { id, request, remaining });
        Ok(self.send(id, SYNC_PATH, body))
    }

    fn on_sync_answer(
        &mut self,
        store: &mut Store,
        request: &SyncRequest,
        response: &SyncResponse,
        numbers: &wire::DocNumbers,
        remaining: bool,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        if response.repair_needed {
            self.report.repaired = true;
            self.state = State::RepairList(Repair::default());
            return Ok(());
        }
        fits(request, response)?;
        self.sent.extend(request.push.iter().map(|p| doc_id(&p.meta.id)));
        self.report.pushed += request.push.len();
        let mut interpretation = plan::interpret(&self.server, request, response);
        interpretation.page.numbers = plan::numbers(response, numbers);
        self.report.accepted += interpretation.page.acked.len();
        self.report.unreadable += interpretation.unreadable;
        for r in interpretation.rejected {
            if !self.report.rejected.contains(&r) {
                self.report.rejected.push(r);
            }
        }
        let outcome = store.apply_sync_page(&interpretation.page, now)?;
        self.grow_page(response);
        self.report.received += outcome.merged.len();
        self.report.flagged += outcome.merged.iter().filter(|o| o.error_count > 0).count();
        self.report.quarantined.extend(outcome.quarantined.iter().cloned());
        self.reset = interpretation.page.reset.iter().filter(|id| self.resent_whole.insert(**id)).copied().collect();
        // Refusals released by a registry entry just received: send those now.
        let again = response.more || !self.reset.is_empty() || remaining || outcome.released > 0;
        self.progress = Some(SyncProgress {
            round_trips: self.report.round_trips,
            sent: self.report.pushed,
            received: self.report.received,
            bytes_up: self.report.bytes_up,
            bytes_down: self.report.bytes_down,
            more: again,
        });
        if !again {
            self.state = State::Done;
        }
        Ok(())
    }

    /// A full page that came back quickly: ask for twice what it held next time (the
    /// server caps it). A slow one keeps the size; a device that does not time its
    /// exchanges grows too (the server's cap still bounds each page).
    fn grow_page(&mut self, response: &SyncResponse) {
        if !response.more || self.last_round_trip.is_some_and(|t| t > FAST_ROUND_TRIP) {
            return;
        }
        let held: usize = response.entries.iter().map(|e| e.changes.len()).sum();
        let ask = u32::try_from(held.saturating_mul(2)).unwrap_or(MAX_PAGE_ASK).min(MAX_PAGE_ASK);
        if self.page_ask.is_none_or(|current| ask > current) {
            self.page_ask = Some(ask);
        }
    }

    fn on_repair_list(
        &mut self,
        store: &mut Store,
        docs: &[DocMeta],
        first: RepairResponse,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let State::RepairList(mut repair) = std::mem::replace(&mut self.state, State::Done) else {
            return Err(SyncError::BadResponse("a repair answer outside a repair".into()));
        };
        repair.batches += 1;
        repair.start.get_or_insert((first.epoch, first.cursor));
        note_refusals(&first.results, &mut repair.unsettled);
        let batch: HashSet<[u8; 16]> =
            first.missing.iter().map(|m| m.id).chain(first.messages.iter().map(|(id, _)| *id)).collect();
        if batch.is_empty() {
            self.state = State::RepairList(repair);
            return self.finish_repair(store, now);
        }
        if repair.previous.as_ref() == Some(&batch) {
            // The same documents again: they cannot settle now (refused); keep them
            // dirty and stop rather than loop.
            repair.unsettled.extend(batch);
            self.state = State::RepairList(repair);
            return self.finish_repair(store, now);
        }
        let mut hints: HashMap<[u8; 16], DocHeaderView> =
            first.missing.iter().filter_map(|m| Some((m.id, plan::header_of(m)?))).collect();
        for meta in docs {
            if let Some(h) = plan::header_of(meta) {
                hints.entry(meta.id).or_insert(h);
            }
        }
        repair.unsettled.extend(batch.iter().copied());
        let mut exchange = Exchange { batch, hints, ..Default::default() };
        self.answer_messages(store, &mut repair, &mut exchange, first.messages, now)?;
        self.after_messages(repair, exchange)
    }

    fn on_repair_messages(
        &mut self,
        store: &mut Store,
        sent: &[[u8; 16]],
        response: RepairResponse,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let State::RepairMessages(mut repair, mut exchange) = std::mem::replace(&mut self.state, State::Done) else {
            return Err(SyncError::BadResponse("a repair answer outside a repair".into()));
        };
        exchange.rounds += 1;
        for r in response.results.iter().filter(|r| r.rejected.is_some()) {
            exchange.refused.insert(r.id);
        }
        note_refusals(&response.results, &mut repair.unsettled);
        // The server stops answering for a document once both sides hold the same heads.
        let answered: HashSet<[u8; 16]> = response.messages.iter().map(|(id, _)| *id).collect();
        for id in sent {
            if !answered.contains(id) && !exchange.refused.contains(id) {
                repair.unsettled.remove(id);
            }
        }
        if !response.messages.is_empty() && exchange.rounds >= MAX_REPAIR_ROUNDS {
            return Err(SyncError::RepairStuck);
        }
        self.answer_messages(store, &mut repair, &mut exchange, response.messages, now)?;
        self.after_messages(repair, exchange)
    }

    /// Answers the server's messages document by document; the replies wait in
    /// `exchange.outgoing`. A document settles when this side has nothing more to say
    /// about it, unless the server refused it.
    fn answer_messages(
        &mut self,
        store: &mut Store,
        repair: &mut Repair,
        exchange: &mut Exchange,
        incoming: Vec<([u8; 16], Vec<u8>)>,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        for (id, bytes) in incoming {
            let Some(hint) = exchange.hints.get(&id).cloned() else { continue };
            let mut doc = match store.document_bytes(doc_id(&id)) {
                Ok(b) => RecordDoc::load(&b).map_err(|e| SyncError::BadResponse(e.to_string()))?,
                Err(StoreError::RecordNotFound(_)) => RecordDoc::empty(),
                Err(e) => return Err(e.into()),
            };
            let answer = doc.answer_sync_message(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
            if answer.changed {
                store.apply_changes(&hint, &doc.save(), now)?;
            }
            match answer.reply {
                Some(reply) => exchange.outgoing.push((id, reply)),
                None if !exchange.refused.contains(&id) => {
                    repair.unsettled.remove(&id);
                }
                None => {}
            }
        }
        Ok(())
    }

    /// After a batch's messages were answered: send the replies, or list the next batch.
    fn after_messages(&mut self, mut repair: Repair, exchange: Exchange) -> Result<(), SyncError> {
        if exchange.outgoing.is_empty() {
            repair.previous = Some(exchange.batch);
            self.state = State::RepairList(repair);
        } else {
            self.state = State::RepairMessages(repair, exchange);
        }
        Ok(())
    }

    /// Ends a repair: what both sides now hold is acknowledged and the cursor moves to
    /// the log's end as it was when repair began; anything unsettled goes with the next
    /// push, whole. Then the sync rounds go on.
    fn finish_repair(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<(), SyncError> {
        let State::RepairList(repair) = std::mem::replace(&mut self.state, State::Rounds) else {
            return Ok(());
        };
        let Some((epoch, target)) = repair.start else { return Ok(()) };
        let mut acked = Vec::new();
        let mut reset = Vec::new();
        for id in store.document_ids()? {
            if !repair.unsettled.contains(id.as_uuid().as_bytes()) {
                let (heads, _) = store.heads(id)?;
                acked.push((id, heads));
            } else if may_push(store, id) {
                reset.push(id);
            }
        }
        let page = SyncPage {
            server: self.server.clone(),
            cursor: Cursor { epoch: Some(epoch), seq: target },
            acked,
            reset,
            ..Default::default()
        };
        store.apply_sync_page(&page, now)?;
        Ok(())
    }
}

/// Whether a sync answer can be the answer to `request`: the server answers from the
/// log the request's cursor names (or says `repair_needed`), and never hands back a
/// cursor before the one it was given. An answer that does not fit (replayed from an
/// earlier round, or from another server) would move the cursor back or across logs.
fn fits(request: &SyncRequest, response: &SyncResponse) -> Result<(), SyncError> {
    if let Some(epoch) = request.epoch {
        if epoch != response.epoch {
            return Err(SyncError::BadResponse("the answer names another log than the request".into()));
        }
    }
    if response.cursor < request.cursor {
        return Err(SyncError::BadResponse("the answer's cursor is before the request's".into()));
    }
    Ok(())
}

fn doc_id(id: &[u8; 16]) -> RecordId {
    RecordId(Uuid::from_bytes(*id))
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
