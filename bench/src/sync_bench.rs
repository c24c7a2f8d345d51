//! Part 1: our sync protocol against per-document Automerge sync, on the same corpus and
//! the same edits.
//!
//! The story, for both protocols:
//! 1. device A (an administrator's laptop) holds all N records and the server holds
//!    them too (A pushed them; A's cursor is at the log's end);
//! 2. device B (a reviewer) is new: its first sync brings all N records;  [measured]
//! 3. B edits 50 records and syncs (the "edits from others");
//! 4. A edits k = 100 other records and syncs: 100 documents up, 50 down;  [measured]
//! 5. A syncs again with nothing changed.  [measured]
//!
//! The limit is the deflated size of the new changes alone (A's 100 and B's 50, raw
//! Automerge change bytes, deflated together).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use automerge::AutoCommit;
use ccs_core::model::input::RecordInput;
use ccs_core::model::*;
use ccs_core::store::{Identity, KdfParams, Store};
use ccs_core::sync::client::{self, HttpTransport, SyncReport, Transport};
use ccs_core::sync::session::{Next, Session, SYNC_PATH};
use ccs_core::sync::wire::{self, DocPush, SyncRequest};
use ccs_core::sync::{Cursor, SyncPage};
use ccs_sync_server::admin;
use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;

use crate::corpus::{self, CommitteeInfo, GenDoc, Generator};
use crate::perdoc::{self, PerDocPeer, PerDocReport, PerDocServer};
use crate::server::{self, RawCursor, RawDevice, Server};

pub const PASS: &str = "terrain-2026";

/// One sync as our protocol did it.
#[derive(Debug, Clone, Default)]
pub struct Ours {
    pub round_trips: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub elapsed_ms: f64,
    pub pushed: usize,
    pub received: usize,
}

impl Ours {
    fn of(report: &SyncReport, elapsed: Duration) -> Ours {
        Ours {
            round_trips: report.round_trips,
            bytes_up: report.bytes_up,
            bytes_down: report.bytes_down,
            elapsed_ms: elapsed.as_secs_f64() * 1000.0,
            pushed: report.pushed,
            received: report.received,
        }
    }

    pub fn bytes(&self) -> usize {
        self.bytes_up + self.bytes_down
    }
}

#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub ours: Ours,
    pub perdoc: PerDocReport,
}

impl Scenario {
    /// Per-document bytes ÷ ours.
    pub fn ratio(&self) -> f64 {
        self.perdoc.bytes() as f64 / self.ours.bytes().max(1) as f64
    }
}

#[derive(Debug, Clone, Default)]
pub struct SyncFigures {
    pub n: usize,
    pub k: usize,
    pub others: usize,
    pub first: Scenario,
    pub edit: Scenario,
    pub idle: Scenario,
    /// Raw bytes of the new changes (A's k and B's edits).
    pub new_changes_raw: usize,
    /// Deflated together: the limit.
    pub limit: usize,
    /// Of A's request, the frame without change bytes (routing metadata and heads).
    pub edit_request_metadata: usize,
    /// The same, in frame format 2.
    pub edit_request_metadata_v2: usize,
    /// A's edit sync, the same requests and answers written in frame format 1 (what a
    /// device or server before format 2 sends): (up, down).
    pub edit_v1: (usize, usize),
    /// The same frames in format 2 (documents named by id), up and down.
    pub edit_v2: (usize, usize),
    /// A's request of the edits without any change bytes, in format 3.
    pub edit_request_metadata_v3: usize,
    /// B's first sync in frame format 1 (the server's page size throughout): before.
    pub first_v1: Ours,
    pub first_profile: Profile,
    pub first_v1_profile: Profile,
    /// Documents on the server at the end (for part 2).
    pub docs_on_server: usize,
    pub converged: bool,
}

/// What part 2 reuses: the server data directory with the corpus, and its committees.
pub struct Seeded {
    pub data: tempfile::TempDir,
    pub committees: Vec<CommitteeInfo>,
    pub docs: usize,
}

fn store(dir: &Path, name: &str, role: Role) -> anyhow::Result<Store> {
    Ok(Store::create(&dir.join(format!("{name}.db")), PASS, Identity::new(role), KdfParams::insecure_fast_for_tests())?)
}

fn enroll(store: &mut Store, server: &Server, role: Role, name: &str) -> anyhow::Result<()> {
    let code = admin::create_enrollment_code(
        &server.data,
        &server::grant(role, None),
        chrono::Duration::hours(1),
        Utc::now(),
    )?
    .code;
    client::enroll(store, &HttpTransport::default(), &server.url(), &code, Some(name))?;
    Ok(())
}

/// A sync round's request and answer frames.
pub type Exchange = (Vec<u8>, Vec<u8>);

/// One sync driven here in frame `version`, as `client::run` drives it; returns the
/// report and every sync round's (request, answer) frames.
pub fn sync_in(
    store: &mut Store,
    version: u8,
    now: DateTime<Utc>,
) -> anyhow::Result<(SyncReport, Duration, Vec<Exchange>)> {
    let t = Instant::now();
    let link = store.server_link()?.context("enrolled")?;
    let http = HttpTransport::new(Duration::from_secs(300));
    let mut session = Session::with_format(&link.url, version);
    let mut frames = Vec::new();
    let cost_before = store.last_save_cost();
    let (mut net, mut apply) = (Duration::ZERO, Duration::ZERO);
    loop {
        match session.next(store, now)? {
            Next::Done(report) => {
                ensure!(report.rejected.is_empty(), "documents refused: {:?}", report.rejected);
                let c = store.last_save_cost();
                let ms = |a: Duration, b: Duration| (a.saturating_sub(b)).as_secs_f64() * 1000.0;
                *PROFILE.lock().unwrap_or_else(|e| e.into_inner()) = Profile {
                    net_ms: net.as_secs_f64() * 1000.0,
                    apply_ms: apply.as_secs_f64() * 1000.0,
                    encode_ms: ms(c.encode, cost_before.encode),
                    write_ms: ms(c.write, cost_before.write),
                    projection_ms: ms(c.projection, cost_before.projection),
                    search_ms: ms(c.search, cost_before.search),
                    indicators_ms: ms(c.indicators, cost_before.indicators),
                };
                return Ok((report, t.elapsed(), frames));
            }
            Next::Send(r) => {
                let sent = Instant::now();
                let answer =
                    http.post(&link.url, r.path, Some(&link.token), "application/x-ccs-frame", r.body.clone())?;
                session.timed(sent.elapsed());
                net += sent.elapsed();
                let applying = Instant::now();
                session.receive(r.id, &answer, store, now)?;
                apply += applying.elapsed();
                if r.path == SYNC_PATH {
                    frames.push((r.body, answer));
                }
            }
        }
    }
}

/// Where the time of the last [`sync_in`] went, in ms: the HTTP exchanges (the server's
/// work included), applying the answers on the device, and within that the store's
/// timed steps (the rest of applying is reading the changes into Automerge).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub net_ms: f64,
    pub apply_ms: f64,
    pub encode_ms: f64,
    pub write_ms: f64,
    pub projection_ms: f64,
    pub search_ms: f64,
    pub indicators_ms: f64,
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "network and server {:.0} ms; device apply {:.0} ms (encode {:.0}, write {:.0}, projection {:.0}, \
             full text {:.0}, indicators {:.0}, rest: Automerge apply and bookkeeping {:.0})",
            self.net_ms,
            self.apply_ms,
            self.encode_ms,
            self.write_ms,
            self.projection_ms,
            self.search_ms,
            self.indicators_ms,
            self.apply_ms - self.encode_ms - self.write_ms - self.projection_ms - self.search_ms - self.indicators_ms
        )
    }
}

pub static PROFILE: std::sync::Mutex<Profile> = std::sync::Mutex::new(Profile {
    net_ms: 0.0,
    apply_ms: 0.0,
    encode_ms: 0.0,
    write_ms: 0.0,
    projection_ms: 0.0,
    search_ms: 0.0,
    indicators_ms: 0.0,
});

fn last_profile() -> Profile {
    PROFILE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The bytes an older format (1 or 2) takes for the format 3 frames of a sync: requests
/// decoded, the documents named by number given back their ids (`ids`, the device's
/// numbers) and the heads format 2 leaves out (`pushes`, as the device built them), the
/// answers decoded against them; both written again in `version`.
fn as_format(
    frames: &[Exchange],
    pushes: &[DocPush],
    ids: &HashMap<u64, [u8; 16]>,
    version: u8,
) -> anyhow::Result<(usize, usize)> {
    let heads: HashMap<[u8; 16], &DocPush> = pushes.iter().map(|p| (p.meta.id, p)).collect();
    let (mut up, mut down) = (0, 0);
    for (request, answer) in frames {
        let wire::DecodedRequest { mut request, by_number, page_bytes, .. } = wire::decode_sync_request(request)?;
        for (index, number) in by_number {
            request.push[index].meta.id = *ids.get(&number).context("a number the device was not given")?;
        }
        for p in &mut request.push {
            if let Some(full) = heads.get(&p.meta.id) {
                p.acked_heads = full.acked_heads.clone();
                p.heads = full.heads.clone();
            }
        }
        let response = wire::decode_sync_response(answer, &request)?;
        up += wire::encode_sync_request(&request, version, page_bytes).len();
        down += wire::encode_sync_response(&response, version, &request).len();
    }
    Ok((up, down))
}

fn timed_sync(store: &mut Store, now: DateTime<Utc>) -> anyhow::Result<(SyncReport, Duration)> {
    let t = Instant::now();
    let r = client::sync(store, &HttpTransport::new(Duration::from_secs(300)), now)?;
    ensure!(r.rejected.is_empty(), "documents refused: {:?}", r.rejected);
    Ok((r, t.elapsed()))
}

/// Edits `ids` in `store` the way a person does (a sentence added to the main text);
/// returns the changes each edit made, as the next push will carry them.
fn edit_all(
    store: &mut Store,
    gen: &mut Generator,
    ids: &[RecordId],
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<[u8; 16], Vec<u8>>> {
    for id in ids {
        let current = store.get(*id, now)?.record.context("record unreadable")?;
        let mut body = current.body.clone();
        corpus::edit_body(&mut body, &gen.follow_up());
        store.edit_record(*id, RecordInput { body, committee_id: None, sensitivity: None, status: None }, now)?;
    }
    let pushes: Vec<DocPush> = store.dirty_pushes()?;
    Ok(pushes.into_iter().map(|p| (p.meta.id, p.changes)).collect())
}

pub fn run(n: usize, k: usize, others: usize, log: &dyn Fn(&str)) -> anyhow::Result<(SyncFigures, Seeded)> {
    let now = Utc::now();
    let mut figures = SyncFigures { n, k, others, ..Default::default() };
    log(&format!("generating {n} records"));
    let (mut gen, records) = corpus::records(1, n, now);
    let docs: Vec<GenDoc> = records.iter().map(GenDoc::from_record).collect::<anyhow::Result<_>>()?;
    let data = tempfile::tempdir()?;
    let server = Server::start(data.path())?;
    let devices = tempfile::tempdir()?;
    let agent = server::agent(Duration::from_secs(300));

    // 1. A holds everything; the server too.
    log("seeding the server and device A");
    let mut a = store(devices.path(), "a", Role::Admin)?;
    enroll(&mut a, &server, Role::Admin, "A")?;
    let link = a.server_link()?.context("A is enrolled")?;
    let a_raw = RawDevice { id: a.identity().device_id, token: link.token.clone() };
    let (end, numbers) =
        server::seed_numbered(&agent, &link.url, &a_raw, RawCursor::default(), docs.iter().map(GenDoc::push))?;
    for chunk in docs.chunks(500) {
        let batch: Vec<_> = chunk.iter().map(|d| (d.header.clone(), d.bytes.clone())).collect();
        a.apply_batch(&batch, now)?;
    }
    // A's state after pushing them all: every document acknowledged, cursor at the end,
    // the numbers the server gave them kept (frame format 3 names them by number).
    let ids_by_number: HashMap<u64, [u8; 16]> = numbers.iter().map(|(id, n)| (*n, *id)).collect();
    a.apply_sync_page(
        &SyncPage {
            server: link.url.clone(),
            cursor: Cursor { epoch: end.epoch, seq: end.seq },
            numbers: numbers.iter().map(|(id, n)| (RecordId(uuid::Uuid::from_bytes(*id)), *n)).collect(),
            ..Default::default()
        },
        now,
    )?;

    // 2. B's first sync.
    log("B's first sync (ours)");
    let mut b = store(devices.path(), "b", Role::Reviewer)?;
    enroll(&mut b, &server, Role::Reviewer, "B")?;
    let (r, t, _) = sync_in(&mut b, wire::FORMAT_V3, now)?;
    figures.first_profile = last_profile();
    log(&format!("  format 3: {:.1} s, {} round trips; {}", t.as_secs_f64(), r.round_trips, figures.first_profile));
    ensure!(r.received == n, "B received {} of {n} documents", r.received);
    figures.first.ours = Ours::of(&r, t);
    log("a reviewer's first sync in frame format 1 (before)");
    let mut b1 = store(devices.path(), "b1", Role::Reviewer)?;
    enroll(&mut b1, &server, Role::Reviewer, "B1")?;
    let (r, t, _) = sync_in(&mut b1, wire::FORMAT_VERSION, now)?;
    ensure!(r.received == n, "B1 received {} of {n} documents", r.received);
    figures.first_v1 = Ours::of(&r, t);
    figures.first_v1_profile = last_profile();
    log(&format!("  format 1: {:.1} s, {} round trips; {}", t.as_secs_f64(), r.round_trips, figures.first_v1_profile));
    drop(b1);

    // 3. and 4. The edits.
    let mut editable: Vec<RecordId> = records
        .iter()
        .filter(|r| r.kind() != RecordKind::Committee && ccs_core::model::review::editable(r.review_status()))
        .map(|r| r.id)
        .collect();
    editable.shuffle(gen.rng());
    ensure!(editable.len() >= k + others, "not enough editable records for {k} + {others} edits");
    let b_ids = editable[..others].to_vec();
    let a_ids = editable[others..others + k].to_vec();
    log("B edits and syncs");
    let b_changes = edit_all(&mut b, &mut gen, &b_ids, now)?;
    timed_sync(&mut b, now)?;
    log("A edits and syncs (ours)");
    let a_changes = edit_all(&mut a, &mut gen, &a_ids, now)?;
    let a_pushes = a.dirty_pushes()?;
    let metadata_only = SyncRequest {
        epoch: end.epoch,
        cursor: end.seq,
        push: a_pushes.iter().map(|p| DocPush { changes: Vec::new(), ..p.clone() }).collect(),
    };
    figures.edit_request_metadata = wire::encode(&metadata_only).len();
    figures.edit_request_metadata_v2 = wire::encode_sync_request(&metadata_only, wire::FORMAT_V2, None).len();
    let by_id: HashMap<[u8; 16], u64> = numbers.iter().copied().collect();
    figures.edit_request_metadata_v3 =
        wire::encode_sync_request_numbered(&metadata_only, wire::FORMAT_V3, None, &by_id).len();
    let (r, t, frames) = sync_in(&mut a, wire::FORMAT_V3, now)?;
    figures.edit.ours = Ours::of(&r, t);
    figures.edit_v1 = as_format(&frames, &a_pushes, &ids_by_number, wire::FORMAT_VERSION)?;
    figures.edit_v2 = as_format(&frames, &a_pushes, &ids_by_number, wire::FORMAT_V2)?;
    let all_new: Vec<u8> = a_changes.values().chain(b_changes.values()).flatten().copied().collect();
    figures.new_changes_raw = all_new.len();
    figures.limit = perdoc::deflated_len(&all_new);

    // 5. Nothing changed.
    log("A syncs with nothing changed (ours)");
    let (r, t) = timed_sync(&mut a, now)?;
    figures.idle.ours = Ours::of(&r, t);

    let mut converged = true;
    for id in &b_ids {
        converged &= a.heads(*id)?.0 == b.heads(*id)?.0;
    }

    // The baseline, same documents, same edits.
    log("per-document baseline");
    let load = |d: &GenDoc| -> anyhow::Result<([u8; 16], AutoCommit)> { Ok((d.meta.id, AutoCommit::load(&d.bytes)?)) };
    let server_docs: HashMap<[u8; 16], AutoCommit> = docs.iter().map(load).collect::<anyhow::Result<_>>()?;
    let a_docs: HashMap<[u8; 16], AutoCommit> = docs.iter().map(load).collect::<anyhow::Result<_>>()?;
    let b_docs: HashMap<[u8; 16], AutoCommit> = docs.iter().map(|d| (d.meta.id, AutoCommit::new())).collect();
    let pd_server = PerDocServer::start(server_docs)?;
    let mut pa = PerDocPeer::new("a", a_docs);
    let mut pb = PerDocPeer::new("b", b_docs);
    // A's earlier sync, which leaves both sides with persisted sync states.
    pa.sync(&agent, &pd_server)?;
    figures.first.perdoc = pb.sync(&agent, &pd_server)?;
    for (id, c) in &b_changes {
        pb.apply(*id, c)?;
    }
    pb.sync(&agent, &pd_server)?;
    for (id, c) in &a_changes {
        pa.apply(*id, c)?;
    }
    figures.edit.perdoc = pa.sync(&agent, &pd_server)?;
    figures.idle.perdoc = pa.sync(&agent, &pd_server)?;
    for id in &b_ids {
        let key = *id.as_uuid().as_bytes();
        let ha = pa.docs.get_mut(&key).map(|d| d.get_heads());
        let hb = pb.docs.get_mut(&key).map(|d| d.get_heads());
        converged &= ha.is_some() && ha == hb;
    }
    figures.converged = converged;
    drop(pd_server);

    figures.docs_on_server = n;
    let committees = gen.committees.clone();
    drop(a);
    drop(b);
    server.stop();
    Ok((figures, Seeded { data, committees, docs: n }))
}

/// A reviewer's first sync of a large server, in frame format 1 (the server's page size,
/// before) and 2 (growing pages, after).
#[derive(Debug, Clone, Default)]
pub struct FirstSync {
    pub n: usize,
    pub v1: Option<Ours>,
    /// In the current format (3).
    pub current: Ours,
    pub v1_profile: Option<Profile>,
    pub current_profile: Profile,
}

/// Seeds a server with `n` documents (as part 2 does) and times a reviewer's first
/// sync in the current format (3), and in format 1 when `with_v1`.
pub fn first_sync(n: usize, with_v1: bool, log: &dyn Fn(&str)) -> anyhow::Result<FirstSync> {
    let now = Utc::now();
    log(&format!("first sync: seeding a server with {n} documents"));
    let (data, _) = crate::load::seed_large(n, 11, log)?;
    let server = Server::start(data.path())?;
    let devices = tempfile::tempdir()?;
    let mut out = FirstSync { n, ..Default::default() };
    let mut versions = vec![wire::FORMAT_V3];
    if with_v1 {
        versions.push(wire::FORMAT_VERSION);
    }
    for version in versions {
        log(&format!("first sync of {n} documents in frame format {version}"));
        let mut b = store(devices.path(), &format!("first{version}"), Role::Reviewer)?;
        enroll(&mut b, &server, Role::Reviewer, "first")?;
        let (r, t, _) = sync_in(&mut b, version, now)?;
        ensure!(r.received >= n, "received {} of {n} documents", r.received);
        let profile = last_profile();
        log(&format!(
            "  format {version}: {:.1} s, {} round trips, {} bytes down; {profile}",
            t.as_secs_f64(),
            r.round_trips,
            r.bytes_down
        ));
        if version == wire::FORMAT_V3 {
            out.current = Ours::of(&r, t);
            out.current_profile = profile;
        } else {
            out.v1 = Some(Ours::of(&r, t));
            out.v1_profile = Some(profile);
        }
    }
    server.stop();
    Ok(out)
}
