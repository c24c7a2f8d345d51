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
use ccs_core::sync::client::{self, HttpTransport, SyncReport};
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
    let end = server::seed(&agent, &link.url, &a_raw, RawCursor::default(), docs.iter().map(GenDoc::push))?;
    for chunk in docs.chunks(500) {
        let batch: Vec<_> = chunk.iter().map(|d| (d.header.clone(), d.bytes.clone())).collect();
        a.apply_batch(&batch, now)?;
    }
    // A's state after pushing them all: every document acknowledged, cursor at the end.
    a.apply_sync_page(
        &SyncPage { server: link.url.clone(), cursor: Cursor { epoch: end.epoch, seq: end.seq }, ..Default::default() },
        now,
    )?;

    // 2. B's first sync.
    log("B's first sync (ours)");
    let mut b = store(devices.path(), "b", Role::Reviewer)?;
    enroll(&mut b, &server, Role::Reviewer, "B")?;
    let (r, t) = timed_sync(&mut b, now)?;
    ensure!(r.received == n, "B received {} of {n} documents", r.received);
    figures.first.ours = Ours::of(&r, t);

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
    let (r, t) = timed_sync(&mut a, now)?;
    figures.edit.ours = Ours::of(&r, t);
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
