//! Epochs and repair: a device whose cursor belongs to another log (a server restored
//! from a backup) is told to repair, reconciles with Automerge's sync protocol, and
//! ends with the server holding everything it wrote and itself holding everything in
//! its scope.

mod common;

use std::collections::HashMap;

use automerge::sync::{Message, State, SyncDoc};
use automerge::AutoCommit;
use ccs_core::model::*;
use ccs_core::sync::wire::{self, DocMeta, RepairRequest, RepairResponse};
use ccs_sync_server::Limits;
use common::*;
use rstest::rstest;

fn repair_call(device: &TestDevice, request: &RepairRequest) -> RepairResponse {
    let (status, body) =
        post(&device.url, "/v1/repair", Some(&device.token), "application/x-ccs-frame", &wire::encode(request));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    wire::decode(&body).unwrap()
}

/// A device's documents for the repair protocol: metadata, document, sync state.
struct Replica {
    docs: HashMap<[u8; 16], (DocMeta, AutoCommit)>,
}

impl Replica {
    fn listing(&mut self) -> Vec<(DocMeta, Vec<[u8; 32]>)> {
        let mut out: Vec<_> = self
            .docs
            .values_mut()
            .map(|(meta, doc)| (meta.clone(), doc.get_heads().iter().map(|h| h.0).collect()))
            .collect();
        out.sort_by_key(|(m, _)| m.id);
        out
    }

    /// The client side of repair, as a device runs it: first rounds until nothing
    /// differs, each followed by message rounds until the server is silent. Returns
    /// the cursor of the very first round. With `fresh_state`, the device keeps no sync
    /// state between rounds either and lists its documents in the first round only.
    fn repair(&mut self, device: &TestDevice, fresh_state: bool) -> (u64, [u8; 16]) {
        let mut first_cursor = None;
        for _ in 0..10 {
            let first = repair_call(device, &RepairRequest { docs: self.listing(), messages: vec![] });
            first_cursor.get_or_insert((first.cursor, first.epoch));
            if first.missing.is_empty() && first.messages.is_empty() {
                return first_cursor.unwrap_or_default();
            }
            for meta in &first.missing {
                self.docs.entry(meta.id).or_insert_with(|| (meta.clone(), AutoCommit::new()));
            }
            let mut states: HashMap<[u8; 16], State> = HashMap::new();
            let mut incoming = first.messages;
            for _round in 0..20 {
                let mut outgoing = Vec::new();
                for (id, bytes) in incoming {
                    let (_, doc) = self.docs.get_mut(&id).expect("message for a document the device lists");
                    if fresh_state {
                        states.remove(&id);
                    }
                    let state = states.entry(id).or_default();
                    doc.sync().receive_sync_message(state, Message::decode(&bytes).unwrap()).unwrap();
                    if let Some(reply) = doc.sync().generate_sync_message(state) {
                        outgoing.push((id, reply.encode()));
                    }
                }
                if outgoing.is_empty() {
                    break;
                }
                let resp = repair_call(device, &RepairRequest { docs: vec![], messages: outgoing });
                for r in &resp.results {
                    assert_eq!(r.rejected, None, "repair refused {:?}", uuid::Uuid::from_bytes(r.id));
                }
                incoming = resp.messages;
            }
        }
        panic!("repair did not converge");
    }
}

fn replica_of(docs: &mut [&mut LocalDoc]) -> Replica {
    Replica {
        docs: docs.iter_mut().map(|d| (d.meta().id, (d.meta(), AutoCommit::load(&d.doc.save()).unwrap()))).collect(),
    }
}

#[rstest]
fn cursor_of_another_log_gets_repair_needed_and_nothing_applied(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    member.push_ok(vec![LocalDoc::new(session(goundam(), me), me).push()]);
    let real_epoch = member.epoch;

    member.epoch = Some([0x55; 16]);
    let mut unsent = LocalDoc::new(session(goundam(), me), me);
    let r = member.sync(vec![unsent.push()]);
    assert!(r.repair_needed);
    assert!(r.entries.is_empty() && r.results.is_empty());
    assert_eq!(Some(r.epoch), real_epoch);

    // A cursor past the log's end, or a cursor with no epoch, are from another log too.
    member.epoch = real_epoch;
    member.cursor = 1000;
    assert!(member.sync(vec![]).repair_needed);
    member.epoch = None;
    member.cursor = 5;
    assert!(member.sync(vec![]).repair_needed);

    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    assert_eq!(reviewer.pull_all().len(), 1, "the push sent with a foreign epoch was applied");
}

#[rstest]
fn device_repairs_against_a_server_restored_from_backup(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let (me, other) = (member.id, colleague.id);

    // Before the backup: one session from each member, both synced everywhere.
    let mut early = LocalDoc::new(session(goundam(), me), me);
    member.push_ok(vec![early.push()]);
    early.acked();
    let mut theirs = LocalDoc::new(recommendation(goundam(), other), other);
    colleague.push_ok(vec![theirs.push()]);
    theirs.acked();
    let pulled = member.pull_all();
    assert_eq!(pulled.len(), 1);
    // The member's copy of the colleague's record, as pulled.
    let mut theirs_on_member =
        LocalDoc { record: theirs.record.clone(), doc: ccs_core::doc::RecordDoc::empty(), acked: vec![] };
    theirs_on_member.doc.apply(&pulled[0].changes).unwrap();

    let backup = server.dir().join("backup.db");
    server.backup_to(&backup);

    // After the backup, lost when the server is restored: an edit and a new record.
    early.edit(me, |r| {
        if let RecordBody::Session(b) = &mut r.body {
            b.present = 22;
        }
    });
    member.push_ok(vec![early.push()]);
    early.acked();
    let mut late = LocalDoc::new(recommendation(goundam(), me), me);
    member.push_ok(vec![late.push()]);
    late.acked();
    // Meanwhile on the colleague's side, unsynced until after the restore.
    theirs.edit(other, |r| {
        if let RecordBody::Recommendation(b) = &mut r.body {
            b.priority = Priority::Medium;
        }
    });

    // The server is rebuilt from the backup.
    let restored_dir = restore(&backup);
    drop(server);
    let server = TestServer::on(restored_dir, Limits::default());
    member.url = server.url.clone();
    colleague.url = server.url.clone();

    // The member's cursor is from the old log: repair.
    let r = member.sync(vec![]);
    assert!(r.repair_needed);
    let mut replica = replica_of(&mut [&mut early, &mut late, &mut theirs_on_member]);
    let (cursor, epoch) = replica.repair(&member, false);
    member.epoch = Some(epoch);
    member.cursor = cursor;

    // The server got back what the member wrote after the backup.
    let mut auditor = server.enroll(Role::Reviewer, None, None);
    let mut rebuilt: HashMap<[u8; 16], ccs_core::doc::RecordDoc> = HashMap::new();
    for e in auditor.pull_all() {
        rebuilt.entry(e.meta.id).or_insert_with(ccs_core::doc::RecordDoc::empty).apply(&e.changes).unwrap();
    }
    assert_eq!(rebuilt.len(), 3);
    assert_eq!(rebuilt.get_mut(early.record.id.as_uuid().as_bytes()).unwrap().read().unwrap(), early.record);
    assert_eq!(rebuilt.get_mut(late.record.id.as_uuid().as_bytes()).unwrap().read().unwrap(), late.record);

    // The colleague repairs too, bringing its edit; the member then gets it by a plain
    // sync from its new cursor, and nothing it wrote itself.
    let r = colleague.sync(vec![]);
    assert!(r.repair_needed);
    // This one repairs as a stateless client: a fresh sync state every round.
    let mut colleague_replica = replica_of(&mut [&mut theirs]);
    let (cursor, epoch) = colleague_replica.repair(&colleague, true);
    colleague.epoch = Some(epoch);
    colleague.cursor = cursor;
    // The colleague now holds the member's records too.
    assert_eq!(colleague_replica.docs.len(), 3);
    let entries = member.pull_all();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].meta.id, *theirs.id().as_uuid().as_bytes());
    let (_, doc) = replica.docs.get_mut(&entries[0].meta.id).unwrap();
    doc.load_incremental(&entries[0].changes).unwrap();
    let mut mine = ccs_core::doc::RecordDoc::load(&doc.save()).unwrap();
    assert_eq!(mine.read().unwrap(), theirs.record);
    assert_eq!(mine.heads(), theirs.doc.heads());

    // A second repair finds nothing left to do.
    let again = repair_call(&member, &RepairRequest { docs: replica.listing(), messages: vec![] });
    assert!(again.missing.is_empty() && again.messages.is_empty(), "{:?}", again.missing);
}

#[rstest]
fn repair_answers_nothing_outside_scope(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut outsider = server.enroll(Role::Member, Some(ansongo()), None);
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    member.push_ok(vec![s.push()]);

    // The outsider's first round does not list Goundam's records.
    let first = repair_call(&outsider, &RepairRequest { docs: vec![], messages: vec![] });
    assert!(first.missing.is_empty() && first.messages.is_empty());
    // Asking by id with a sync message gets a refusal, not the document.
    let msg = AutoCommit::new().sync().generate_sync_message(&mut State::new()).unwrap().encode();
    let r = repair_call(&outsider, &RepairRequest { docs: vec![], messages: vec![(s.meta().id, msg)] });
    assert!(r.messages.is_empty());
    assert_eq!(r.results[0].rejected.as_deref(), Some("scope.outside"));
    // A message that is not a sync message.
    let r = repair_call(&member, &RepairRequest { docs: vec![], messages: vec![(s.meta().id, vec![1, 2, 3])] });
    assert_eq!(r.results[0].rejected.as_deref(), Some("repair.bad_message"));
    assert!(outsider.sync(vec![]).entries.is_empty());
}

#[rstest]
fn device_that_lost_everything_repairs_in_bounded_rounds(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::with_limits(Limits { repair_docs_per_round: 3, ..Limits::default() });
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let mut docs: Vec<LocalDoc> = (0..7).map(|_| LocalDoc::new(session(goundam(), me), me)).collect();
    member.push_ok(docs.iter_mut().map(LocalDoc::push).collect());

    // A new phone for a colleague: nothing local. Each first round names at most 3.
    let colleague = server.enroll(Role::Member, Some(goundam()), None);
    let first = repair_call(&colleague, &RepairRequest { docs: vec![], messages: vec![] });
    assert_eq!(first.missing.len(), 3);
    assert_eq!(first.messages.len(), 3);
    let mut replica = Replica { docs: HashMap::new() };
    replica.repair(&colleague, true);
    assert_eq!(replica.docs.len(), 7);
    for d in &mut docs {
        let (_, doc) = replica.docs.get_mut(d.record.id.as_uuid().as_bytes()).unwrap();
        let got = ccs_core::doc::RecordDoc::load(&doc.save()).unwrap();
        assert_eq!(got.read().unwrap(), d.record);
    }

    // More messages than a round takes: refused whole.
    let msg = AutoCommit::new().sync().generate_sync_message(&mut State::new()).unwrap().encode();
    let messages: Vec<_> = docs.iter().take(4).map(|d| (d.meta().id, msg.clone())).collect();
    let (status, body) = post(
        &server.url,
        "/v1/repair",
        Some(&colleague.token),
        "application/x-ccs-frame",
        &wire::encode(&RepairRequest { docs: vec![], messages }),
    );
    assert_eq!((status, error_body(&body).code.as_str()), (422, "request.too_many_docs"));
}

/// S1 on the repair path: after a restore, a member holding a colleague's change the
/// server lost cannot relay it (nor forge one) in the colleague's name; the colleague
/// brings it back by its own repair, after which the member's repair goes through.
#[rstest]
fn repair_relays_no_change_in_another_devices_name(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let reviewer = server.enroll(Role::Reviewer, None, None);
    let backup = server.dir().join("backup.db");
    server.backup_to(&backup);

    // After the backup: the colleague's record, which the member receives.
    let other = colleague.id;
    let mut theirs = LocalDoc::new(session(goundam(), other), other);
    colleague.push_ok(vec![theirs.push()]);
    let pulled = member.pull_all();
    let mut on_member =
        LocalDoc { record: theirs.record.clone(), doc: ccs_core::doc::RecordDoc::empty(), acked: vec![] };
    on_member.doc.apply(&pulled[0].changes).unwrap();

    let restored_dir = restore(&backup);
    drop(server);
    let server = TestServer::on(restored_dir, Limits::default());
    member.url = server.url.clone();
    colleague.url = server.url.clone();

    // The member's repair offers the colleague's record: refused, nothing filed.
    let mut replica = replica_of(&mut [&mut on_member]);
    let first = repair_call(&member, &RepairRequest { docs: replica.listing(), messages: vec![] });
    assert_eq!(first.messages.len(), 1);
    let (id, bytes) = &first.messages[0];
    let (_, doc) = replica.docs.get_mut(id).unwrap();
    let mut state = State::new();
    doc.sync().receive_sync_message(&mut state, Message::decode(bytes).unwrap()).unwrap();
    let reply = doc.sync().generate_sync_message(&mut state).unwrap().encode();
    let r = repair_call(&member, &RepairRequest { docs: vec![], messages: vec![(*id, reply)] });
    assert_eq!(r.results[0].rejected.as_deref(), Some("changes.foreign_actor"));

    // Nor can it forge a reviewer's approval through a repair.
    let rid = reviewer.id;
    let mut forged = LocalDoc::new(session(goundam(), rid), rid);
    forged.edit(rid, |r| r.review.push(review_event(rid, Role::Reviewer, Decision::Approved)));
    let mut forged_replica = replica_of(&mut [&mut forged]);
    let first = repair_call(&member, &RepairRequest { docs: forged_replica.listing(), messages: vec![] });
    let (id, bytes) = &first.messages[0];
    let (_, doc) = forged_replica.docs.get_mut(id).unwrap();
    let mut state = State::new();
    doc.sync().receive_sync_message(&mut state, Message::decode(bytes).unwrap()).unwrap();
    let reply = doc.sync().generate_sync_message(&mut state).unwrap().encode();
    let r = repair_call(&member, &RepairRequest { docs: vec![], messages: vec![(*id, reply)] });
    assert_eq!(r.results[0].rejected.as_deref(), Some("changes.foreign_actor"));
    let mut auditor = server.enroll(Role::Reviewer, None, None);
    assert!(auditor.pull_all().is_empty());

    // The colleague repairs with its own change; then the member's repair converges.
    let mut colleague_replica = replica_of(&mut [&mut theirs]);
    colleague_replica.repair(&colleague, false);
    replica.repair(&member, false);
    let entries = auditor.pull_all();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].meta.id, *theirs.id().as_uuid().as_bytes());
}
