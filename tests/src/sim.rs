//! A simulated network for the sync session, in the spirit of samod's test harness: the
//! real server's round functions called in this process (no socket, no clock: time is
//! passed in), devices with real encrypted stores driving [`Session`]s, and a seeded
//! scheduler that decides who acts and what the link does to each exchange (deliver,
//! lose the request, lose the answer) and when the server is restored from a backup. The
//! same seed gives the same run.
//!
//! A link that hands back an earlier answer as the answer to a later request is not
//! played here: binding an answer to its request is the transport's part of the
//! contract (the connection for HTTP, the signed binding of a return bundle for the
//! relay), and the session cannot tell such an answer from a true one when the cursor
//! did not move (it would acknowledge pushes the server never saw). The session's own
//! checks (stale ids, cursors going back, answers from another log) are tables in
//! `tests/tests/session.rs`.

use std::path::{Path, PathBuf};

use ccs_core::model::*;
use ccs_core::store::Store;
use ccs_core::sync::client::{self, SyncError, Transport};
use ccs_core::sync::session::{Next, Request, Session, REPAIR_PATH, SYNC_PATH};
use ccs_core::sync::wire;
use ccs_sync_server::enrollment::{self, EnrollRequest, Grant};
use ccs_sync_server::{admin, auth, repair, store as server_store, sync as server_sync, Limits};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tempfile::TempDir;

use crate::{fixtures, now, Device};

/// The real server's logic on a data directory of its own, answered in-process.
pub struct SimServer {
    dirs: Vec<TempDir>,
    store: server_store::Store,
    pub limits: Limits,
    pub now: DateTime<Utc>,
}

impl SimServer {
    pub fn new(limits: Limits) -> SimServer {
        let dir = tempfile::tempdir().unwrap();
        let store = server_store::Store::open(dir.path()).unwrap();
        SimServer { dirs: vec![dir], store, limits, now: now() }
    }

    pub fn data_dir(&self) -> &Path {
        self.dirs.last().unwrap().path()
    }

    /// A single-use enrollment code for `grant`.
    pub fn code(&self, grant: &Grant) -> String {
        let conn = self.store.conn().unwrap();
        enrollment::issue(&conn, grant, self.now, Duration::hours(1)).unwrap().code
    }

    /// A backup file of the server as it is now (with a new epoch, as `backup` makes).
    pub fn backup(&self) -> PathBuf {
        let dest = self.dirs.last().unwrap().path().join(format!("backup-{}.db", uuid_like(self.dirs.len())));
        admin::backup(self.data_dir(), &dest).unwrap();
        dest
    }

    /// Replaces the server's data with `backup`, as an administrator restoring it would.
    pub fn restore(&mut self, backup: &Path) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(backup, dir.path().join(server_store::DB_FILE)).unwrap();
        self.store = server_store::Store::open(dir.path()).unwrap();
        self.dirs.push(dir);
    }

    /// The server's epoch (changes with a restore).
    pub fn epoch(&self) -> [u8; 16] {
        server_store::epoch(&self.store.conn().unwrap()).unwrap()
    }

    /// Answers one request as the HTTP handlers do, minus the socket.
    pub fn answer(&self, path: &str, token: Option<&str>, body: &[u8]) -> Result<Vec<u8>, SyncError> {
        let refused = |status: u16, code: &str| SyncError::Refused {
            status,
            code: ccs_core::error_code::ReceivedCode::parse(code),
            message: code.to_string(),
        };
        let mut conn = self.store.conn().map_err(|_| refused(500, "server.internal"))?;
        if path == "/v1/enroll" {
            let request: EnrollRequest = serde_json::from_slice(body).map_err(|_| refused(400, "request.bad"))?;
            let response =
                enrollment::redeem(&mut conn, &request, self.now).map_err(|e| refused(400, &e.code().to_string()))?;
            return Ok(serde_json::to_vec(&response).unwrap());
        }
        let scope = auth::device_scope(&conn, token.unwrap_or("")).map_err(|e| refused(401, &e.code().to_string()))?;
        match path {
            SYNC_PATH => {
                let wire::DecodedRequest { request, version, page_bytes, by_number } =
                    wire::decode_sync_request(body).map_err(|e| refused(400, &e.code().to_string()))?;
                let mut limits = self.limits.clone();
                limits.page_bytes = limits.granted_page_bytes(page_bytes);
                let answer = server_sync::round(&mut conn, &scope, request, &by_number, &limits, self.now)
                    .map_err(|e| refused(e.status().as_u16(), &e.code().to_string()))?;
                Ok(wire::encode_sync_response_numbered(&answer.response, version, &answer.pushed, &answer.numbers))
            }
            REPAIR_PATH => {
                let request = wire::decode(body).map_err(|e| refused(400, &e.code().to_string()))?;
                let response = repair::round(&mut conn, &scope, &request, &self.limits, self.now)
                    .map_err(|_| refused(500, "server.internal"))?;
                Ok(wire::encode(&response))
            }
            _ => Err(refused(404, "http.not_found")),
        }
    }
}

fn uuid_like(n: usize) -> String {
    format!("{n:04}-{}", std::process::id())
}

impl Transport for SimServer {
    fn post(
        &self,
        _server: &str,
        path: &str,
        token: Option<&str>,
        _content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError> {
        self.answer(path, token, &body)
    }
}

/// The address simulated devices are enrolled with (never dialled).
pub const SIM_URL: &str = "http://127.0.0.1:9";

/// A device enrolled with the simulated server.
pub fn enroll(server: &SimServer, name: &str, grant: Grant) -> Device {
    let mut d = Device::new(name);
    let code = server.code(&grant);
    client::enroll(&mut d.store, server, SIM_URL, &code, Some(name)).unwrap();
    d
}

/// What the link does to one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The request reaches the server and its answer comes back.
    Deliver,
    /// The request never reaches the server.
    LoseRequest,
    /// The server applies the request; its answer is lost.
    LoseAnswer,
}

/// A device and its session in flight.
pub struct Peer {
    pub device: Device,
    pub session: Option<Session>,
    pub completed: usize,
    pub errors: Vec<String>,
}

impl Peer {
    pub fn new(device: Device) -> Peer {
        Peer { device, session: None, completed: 0, errors: Vec::new() }
    }

    fn token(&self) -> String {
        self.device.store.server_link().unwrap().unwrap().token
    }

    /// One exchange of this device's session (starting one if none runs), with `link`
    /// deciding its fate. Returns what happened, for the run's log.
    pub fn step(&mut self, server: &SimServer, link: Link) -> String {
        let t = server.now;
        let token = self.token();
        let session = self.session.get_or_insert_with(|| Session::new(SIM_URL));
        let request: Request = match session.next(&mut self.device.store, t) {
            Ok(Next::Send(r)) => r,
            Ok(Next::Done(report)) => {
                self.session = None;
                self.completed += 1;
                return format!("{} done ({} rounds)", self.device.name, report.round_trips);
            }
            Err(e) => {
                self.session = None;
                self.errors.push(e.code().to_string());
                return format!("{} failed building: {}", self.device.name, e.code());
            }
        };
        let answer = match link {
            Link::LoseRequest => None,
            Link::LoseAnswer => {
                let _ = server.answer(request.path, Some(&token), &request.body);
                None
            }
            Link::Deliver => Some(server.answer(request.path, Some(&token), &request.body)),
        };
        let Some(answer) = answer else {
            session.lost();
            return format!("{} {} lost ({link:?})", self.device.name, request.path);
        };
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                // A refusal of the whole request (HTTP error) ends the sync, as with HTTP.
                self.session = None;
                self.errors.push(e.code().to_string());
                return format!("{} refused: {}", self.device.name, e.code());
            }
        };
        match session.receive(request.id, &answer, &mut self.device.store, t) {
            Ok(()) => format!("{} {} ok ({link:?})", self.device.name, request.path),
            Err(e) => {
                // An answer that does not fit ends this sync; nothing of it was applied.
                self.session = None;
                self.errors.push(e.code().to_string());
                format!("{} answer refused: {} ({link:?})", self.device.name, e.code())
            }
        }
    }

    /// Runs a whole sync over a perfect link.
    pub fn sync(&mut self, server: &SimServer) -> ccs_core::sync::client::SyncReport {
        let mut session = Session::new(SIM_URL);
        let token = self.token();
        for _ in 0..10_000 {
            match session.next(&mut self.device.store, server.now).unwrap() {
                Next::Done(report) => return report,
                Next::Send(r) => {
                    let answer = server.answer(r.path, Some(&token), &r.body).unwrap();
                    session.receive(r.id, &answer, &mut self.device.store, server.now).unwrap();
                }
            }
        }
        panic!("{}: the sync never ended", self.device.name);
    }
}

/// A seeded random source for a run.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Picks a link fate: mostly delivered, sometimes lost on the way there or back.
pub fn pick_link(rng: &mut StdRng) -> Link {
    match rng.gen_range(0..100) {
        0..=69 => Link::Deliver,
        70..=84 => Link::LoseRequest,
        _ => Link::LoseAnswer,
    }
}

/// A new session record by `peer` for `committee`, or an edit of one of the
/// committee's sessions, whoever wrote it.
pub fn write_something(
    peer: &mut Peer,
    committee: CommitteeId,
    commune: &str,
    rng: &mut StdRng,
    step: usize,
) -> String {
    let store: &mut Store = &mut peer.device.store;
    let own: Vec<RecordId> = store
        .list(&ccs_core::store::ListFilter {
            limit: 500,
            kind: Some(RecordKind::Session),
            committee_id: Some(committee),
            ..Default::default()
        })
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    let day = rng.gen_range(1..28);
    let summary = format!("{} note {step}", peer.device.name);
    if own.is_empty() || rng.gen_bool(0.4) {
        let input = if rng.gen_bool(0.2) {
            fixtures::assessment(committee, commune, ThreatCategory::CattleTheft)
        } else {
            fixtures::session(committee, day, &summary)
        };
        match store.create_record(input, now()) {
            Ok(id) => format!("{} created {id}", peer.device.name),
            Err(e) => format!("{} could not create: {}", peer.device.name, e.code()),
        }
    } else {
        let id = own[rng.gen_range(0..own.len())];
        match store.edit_record(id, fixtures::session(committee, day, &summary), now()) {
            Ok(_) => format!("{} edited {id}", peer.device.name),
            Err(e) => format!("{} could not edit {id}: {}", peer.device.name, e.code()),
        }
    }
}
