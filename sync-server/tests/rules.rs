//! The rules the server enforces whatever the client (issue 9): a hostile member, a
//! colleague offline, a device speaking the wire protocol with another Automerge, each
//! through a real server on loopback.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT};
use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::sync::wire::{DocPush, LogEntry};
use ccs_sync_server::Limits;
use common::*;
use rstest::rstest;
use sha2::Digest;

/// A device's copy of a record, rebuilt from the entries it pulled.
fn replica(entries: &[LogEntry], id: RecordId) -> LocalDoc {
    let mut doc = RecordDoc::empty();
    for e in entries.iter().filter(|e| e.meta.id == *id.as_uuid().as_bytes()) {
        doc.apply(&e.changes).unwrap();
    }
    let record = doc.read().unwrap();
    let mut local = LocalDoc { record, doc, acked: vec![] };
    local.acked();
    local
}

/// A copy of a local document (the same bytes, heads and acknowledged heads).
fn fork(d: &mut LocalDoc) -> LocalDoc {
    LocalDoc { record: d.record.clone(), doc: RecordDoc::load(&d.doc.save()).unwrap(), acked: d.acked.clone() }
}

fn rejected(device: &mut TestDevice, push: DocPush) -> Option<String> {
    let r = device.sync(vec![push]);
    r.results[0].rejected.clone()
}

/// The same event `hours` later (events of one test are otherwise simultaneous).
fn later(mut e: ReviewEvent, hours: i64) -> ReviewEvent {
    e.at += chrono::Duration::hours(hours);
    e
}

fn set_notes(r: &mut Record, text: &str) {
    match &mut r.body {
        RecordBody::Session(b) => b.summary = text.into(),
        RecordBody::Assessment(a) => a.notes = text.into(),
        _ => panic!("no free text here"),
    }
}

/// A member submits a session; the reviewer asks for a correction. Returns the
/// server, the member, the reviewer, a colleague, and the member's copy after pulling.
fn reviewed_session() -> (TestServer, TestDevice, TestDevice, TestDevice, LocalDoc) {
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let colleague = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    s.edit(me, |r| r.review.push(review_event(me, Role::Member, Decision::Submitted)));
    member.push_ok(vec![s.push()]);
    s.acked();

    let rid = reviewer.id;
    let mut on_reviewer = replica(&reviewer.pull_all(), s.id());
    on_reviewer.edit(rid, |r| {
        let mut e = later(review_event(rid, Role::Reviewer, Decision::NeedsCorrection), 1);
        e.comment = Some("Préciser le nombre de participants".into());
        r.review.push(e);
    });
    reviewer.push_ok(vec![on_reviewer.push()]);
    let entries = member.pull_all();
    assert_eq!(entries.len(), 1);
    for e in &entries {
        s.doc.apply(&e.changes).unwrap();
    }
    s.record = s.doc.read().unwrap();
    s.acked();
    (server, member, reviewer, colleague, s)
}

/// One way of altering a review event on file.
type Forgery = Box<dyn Fn(&mut ReviewEvent)>;

/// H1: the reviewer's decision cannot be rewritten (decision, role, device, time,
/// comment, heads) nor deleted by a member, and nothing of the attempts reaches anyone.
#[rstest]
fn rewriting_or_deleting_a_review_event_is_refused(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let (_server, mut member, mut reviewer, mut colleague, mut s) = reviewed_session();
    let me = member.id;
    let before_trail = s.record.review.clone();
    let forgeries: Vec<(&str, Forgery)> = vec![
        ("decision", Box::new(|e| e.decision = Decision::Approved)),
        ("role", Box::new(|e| e.role = Role::Member)),
        ("by_device", Box::new(move |e| e.by_device = me)),
        ("at", Box::new(|e| e.at += chrono::Duration::days(30))),
        ("comment", Box::new(|e| e.comment = Some("RAS".into()))),
        // The heads a decision was made on (issue 12): moved onto a later edit, they
        // would make that edit look reviewed.
        ("heads", Box::new(|e| e.heads = vec!["ab".repeat(32)])),
    ];
    for (what, forge) in forgeries {
        let mut attempt = fork(&mut s);
        attempt.edit(me, |r| forge(&mut r.review[1]));
        assert_eq!(rejected(&mut member, attempt.push()).as_deref(), Some("review.forged"), "{what}");
    }
    let mut deleted = fork(&mut s);
    deleted.edit(me, |r| {
        r.review.remove(1);
    });
    assert_eq!(rejected(&mut member, deleted.push()).as_deref(), Some("review.forged"));

    // Nothing of it went anywhere: the colleague and the reviewer see the trail as made.
    let entries = colleague.pull_all();
    assert_eq!(entries.len(), 2);
    assert_eq!(replica(&entries, s.id()).record.review, before_trail);
    assert!(reviewer.pull_all().is_empty());

    // The member's honest answer, a resubmission, goes through.
    s.edit(me, |r| {
        set_notes(r, "Séance corrigée : 18 participants.");
        r.review.push(later(review_event(me, Role::Member, Decision::Submitted), 2));
    });
    member.push_ok(vec![s.push()]);
    let mut all = entries;
    all.extend(colleague.pull_all());
    assert_eq!(all.len(), 3);
    let trail = replica(&all, s.id()).record.review;
    assert_eq!(trail.len(), 3);
    assert_eq!(trail[..2], before_trail[..]);
}

/// H1: what the CRSS approved stays on file: an edit without a `reopened` event is
/// refused, from a member as from the reviewer itself; reopening first is accepted.
#[rstest]
fn editing_an_approved_record_without_reopen_is_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let (me, rid) = (member.id, reviewer.id);
    let mut s = LocalDoc::new(session(goundam(), me), me);
    s.edit(me, |r| r.review.push(review_event(me, Role::Member, Decision::Submitted)));
    member.push_ok(vec![s.push()]);
    s.acked();
    // A colleague's copy as it stood before the approval, edited offline.
    let mut offline = fork(&mut s);
    let mut on_reviewer = replica(&reviewer.pull_all(), s.id());
    on_reviewer.edit(rid, |r| r.review.push(later(review_event(rid, Role::Reviewer, Decision::Approved), 1)));
    reviewer.push_ok(vec![on_reviewer.push()]);
    on_reviewer.acked();
    // Pushed after the approval, its edit is checked against the record as the server
    // now holds it (approved), not as the colleague last saw it, though the server read
    // both states lately.
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let cid = colleague.id;
    offline.edit(cid, |r| set_notes(r, "Écrit hors ligne avant l’approbation"));
    assert_eq!(rejected(&mut colleague, offline.push()).as_deref(), Some("record.locked"));
    for e in member.pull_all() {
        s.doc.apply(&e.changes).unwrap();
    }
    s.record = s.doc.read().unwrap();
    s.acked();
    assert_eq!(s.record.review_status(), ReviewStatus::Approved);

    let mut edit = fork(&mut s);
    edit.edit(me, |r| set_notes(r, "Autre version des faits"));
    assert_eq!(rejected(&mut member, edit.push()).as_deref(), Some("record.locked"));
    let mut by_reviewer = fork(&mut on_reviewer);
    by_reviewer.edit(rid, |r| set_notes(r, "Retouche"));
    assert_eq!(rejected(&mut reviewer, by_reviewer.push()).as_deref(), Some("record.locked"));

    // Reopened (by anyone with write access, on the trail), then edited: accepted.
    s.edit(me, |r| {
        r.review.push(later(review_event(me, Role::Member, Decision::Reopened), 2));
        set_notes(r, "Version corrigée");
    });
    member.push_ok(vec![s.push()]);
    let mut auditor = server.enroll(Role::Reviewer, None, None);
    let got = replica(&auditor.pull_all(), s.id());
    assert_eq!(got.record, s.record);
    assert_eq!(got.record.review_status(), ReviewStatus::Reopened);
}

/// S1 and rule 3: a member cannot push a change in the name (Automerge actor) of
/// another device; the victim's own offline edits still go through afterwards, and
/// every device in scope still applies every entry.
#[rstest]
fn change_with_another_devices_actor_is_refused(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut victim = server.enroll(Role::Member, Some(goundam()), None);
    let mut attacker = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let (v, m) = (victim.id, attacker.id);
    let mut s = LocalDoc::new(session(goundam(), v), v);
    victim.push_ok(vec![s.push()]);
    s.acked();

    // The attacker read the victim's actor and seq from the shared record, and writes
    // the victim's next change itself.
    let mut forged = replica(&attacker.pull_all(), s.id());
    forged.edit(v, |r| set_notes(r, "Le maire a tout inventé"));
    assert_eq!(rejected(&mut attacker, forged.push()).as_deref(), Some("changes.foreign_actor"));
    // Mixed with one of its own: the whole document is refused.
    forged.edit(m, |r| set_notes(r, "Et moi aussi"));
    assert_eq!(rejected(&mut attacker, forged.push()).as_deref(), Some("changes.foreign_actor"));

    // The victim edited offline meanwhile, with that very sequence number: accepted.
    s.edit(v, |r| set_notes(r, "Séance calme, 20 participants."));
    victim.push_ok(vec![s.push()]);
    s.acked();
    let entries = reviewer.pull_all();
    assert_eq!(entries.len(), 2);
    let got = replica(&entries, s.id());
    assert_eq!(got.record, s.record);
    let mut history = got.doc;
    assert!(history.history().iter().all(|h| h.device == Some(v)));
    assert!(victim.pull_all().is_empty());

    // The administrator's import is the documented exception: it files records made
    // on other devices, with their actors.
    let mut admin = server.enroll(Role::Admin, None, None);
    let elsewhere = DeviceId::new();
    let mut imported = LocalDoc::new(session(goundam(), elsewhere), elsewhere);
    admin.push_ok(vec![imported.push()]);
}

/// A server with the committees imported, a Goundam member and a reviewer.
fn member_and_reviewer() -> (TestServer, TestDevice, TestDevice) {
    let server = TestServer::start();
    server.import_committees();
    let member = server.enroll(Role::Member, Some(goundam()), None);
    let reviewer = server.enroll(Role::Reviewer, None, None);
    (server, member, reviewer)
}

/// Makes a fresh local record (a new id each time).
type Maker = Box<dyn Fn() -> LocalDoc>;

/// The push of a record as one saved document instead of its changes (the app sends
/// changes; another tool may send the whole record). The server loads such a record
/// once and reads the rules off that load: every hostile record is refused with the
/// same code in either form, a damaged byte in either form is `changes.malformed`, and
/// a whole record sent again with an edit files the edit alone.
#[rstest]
fn a_record_sent_whole_is_checked_as_one_sent_as_changes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let (_server, mut member, mut reviewer) = member_and_reviewer();
    let me = member.id;
    let whole = |d: &mut LocalDoc| DocPush { changes: d.doc.save(), ..d.push() };

    // Hostile records, each made twice (two ids), sent once in each form.
    let hostile: Vec<(&str, Maker)> = vec![
        (
            "doc.too_deep",
            Box::new(move || {
                let mut d = LocalDoc::new(session(goundam(), me), me);
                let mut obj = d.doc.inner().put_object(ROOT, "x", ObjType::Map).unwrap();
                for _ in 0..100 {
                    obj = d.doc.inner().put_object(&obj, "a", ObjType::Map).unwrap();
                }
                d.doc.inner().commit();
                d
            }),
        ),
        (
            // An approval in a new record, in the name of a reviewer.
            "review.forged",
            Box::new(move || {
                let mut r = session(goundam(), me);
                r.review.push(review_event(me, Role::Reviewer, Decision::Approved));
                LocalDoc::new(r, me)
            }),
        ),
        (
            "changes.foreign_actor",
            Box::new(|| {
                let elsewhere = DeviceId::new();
                LocalDoc::new(session(goundam(), elsewhere), elsewhere)
            }),
        ),
    ];
    for (code, make) in &hostile {
        let as_changes = rejected(&mut member, make().push());
        let sent_whole = rejected(&mut member, whole(&mut make()));
        assert_eq!((as_changes.as_deref(), sent_whole.as_deref()), (Some(*code), Some(*code)));
    }
    // One byte damaged past the caps' reach, in a saved document and in a change: the
    // caps pass it, Automerge's checksum does not. In the change, a byte whose damage
    // still parses (Automerge's parse of a change alone does not check the checksum).
    let mut saved = whole(&mut LocalDoc::new(session(goundam(), me), me));
    let middle = saved.changes.len() / 2;
    saved.changes[middle] ^= 0x55;
    assert_eq!(rejected(&mut member, saved).as_deref(), Some("changes.malformed"));
    let mut change = LocalDoc::new(session(goundam(), me), me).push();
    let at = (9..change.changes.len())
        .rev()
        .find(|&i| {
            let mut bytes = change.changes.clone();
            bytes[i] ^= 0x01;
            automerge::Change::try_from(bytes.as_slice()).is_ok()
        })
        .expect("a byte whose damage still parses");
    change.changes[at] ^= 0x01;
    assert_eq!(rejected(&mut member, change).as_deref(), Some("changes.malformed"));
    // A saved document whose heads are not its changes' (its checksum made to match):
    // only Automerge's check of the heads against the changes finds it.
    let mut lying = LocalDoc::new(session(goundam(), me), me);
    let mut push = whole(&mut lying);
    let head = lying.doc.heads()[0].0;
    let at = push.changes.windows(32).position(|w| w == head).expect("the saved heads");
    push.changes[at] ^= 0x55;
    let checksum = sha2::Sha256::digest(&push.changes[8..]);
    push.changes[4..8].copy_from_slice(&checksum[..4]);
    assert_eq!(rejected(&mut member, push).as_deref(), Some("changes.malformed"));
    assert!(reviewer.pull_all().is_empty(), "nothing refused was filed");

    // An honest record sent whole is filed and reads as made.
    let mut s = LocalDoc::new(session(goundam(), me), me);
    member.push_ok(vec![whole(&mut s)]);
    s.acked();
    let entries = reviewer.pull_all();
    assert_eq!(replica(&entries, s.id()).record, s.record);
    // Sent whole again with an edit (a device that lost its acknowledgements): only the
    // edit is new, and only the edit is filed.
    s.edit(me, |r| set_notes(r, "Séance calme, 20 participants."));
    member.push_ok(vec![whole(&mut s)]);
    let again = reviewer.pull_all();
    assert_eq!(again.len(), 1);
    let mut copy = replica(&entries, s.id());
    copy.doc.apply(&again[0].changes).unwrap();
    assert_eq!(copy.doc.read().unwrap(), s.record);
    assert!(again[0].changes.len() < s.doc.save().len(), "the edit alone, not the record again");
}

/// A phone restored from an old backup edits again with sequence numbers it already
/// used: its second history of the same numbers is refused (Automerge cannot hold two
/// changes of one actor and number), the first stays filed and readable, and the server
/// goes on taking edits of the record.
#[rstest]
fn an_edit_reusing_a_filed_sequence_number_is_refused_and_the_record_is_unharmed(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let (_server, mut member, mut reviewer) = member_and_reviewer();
    let me = member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    member.push_ok(vec![s.push()]);
    s.acked();
    let mut restored = fork(&mut s);
    s.edit(me, |r| set_notes(r, "Séance calme, 20 participants."));
    member.push_ok(vec![s.push()]);
    s.acked();
    restored.edit(me, |r| set_notes(r, "Autre version, écrite après la restauration."));
    assert_eq!(rejected(&mut member, restored.push()).as_deref(), Some("changes.malformed"));
    // The filed history is whole, and the next honest edit lands on it.
    s.edit(me, |r| set_notes(r, "Séance calme, 21 participants."));
    member.push_ok(vec![s.push()]);
    let entries = reviewer.pull_all();
    assert_eq!(entries.len(), 3);
    assert_eq!(replica(&entries, s.id()).record, s.record);
}

/// M3: who wrote a confidential record is every device whose changes are in it. A
/// member who adds an allegation against the security forces to a colleague's
/// restricted record keeps editing it, and so does the colleague; other members of
/// the committee no longer receive it and cannot write it.
#[rstest]
fn a_member_who_makes_a_colleagues_record_confidential_keeps_editing_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut author = server.enroll(Role::Member, Some(goundam()), None);
    let mut b = server.enroll(Role::Member, Some(goundam()), None);
    let mut other = server.enroll(Role::Member, Some(goundam()), None);
    let mut facilitator = server.enroll(Role::Facilitator, None, Some("tombouctou"));
    let a = author.id;
    let mut record = Record::new(RecordBody::Assessment(assessment_body()), goundam(), a, now());
    record.sensitivity = Sensitivity::Restricted;
    let mut on_a = LocalDoc::new(record, a);
    author.push_ok(vec![on_a.push()]);
    on_a.acked();
    let mut on_other = replica(&other.pull_all(), on_a.id());
    assert_eq!(facilitator.pull_all().len(), 1);

    let bid = b.id;
    let mut on_b = replica(&b.pull_all(), on_a.id());
    on_b.edit(bid, |r| {
        if let RecordBody::Assessment(x) = &mut r.body {
            let mut t = x.threats[0].clone();
            t.id = ItemId::new();
            t.category = ThreatCategory::FdsTensions;
            x.threats.push(t);
        }
    });
    b.push_ok(vec![on_b.push()]);
    on_b.acked();
    on_b.edit(bid, |r| set_notes(r, "Suivi après la réunion"));
    b.push_ok(vec![on_b.push()]);
    on_b.acked();

    // The author receives both, filed confidential, and keeps editing.
    let entries = author.pull_all();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.meta.sensitivity == "confidential"));
    for e in &entries {
        on_a.doc.apply(&e.changes).unwrap();
    }
    on_a.record = on_a.doc.read().unwrap();
    on_a.acked();
    on_a.edit(a, |r| set_notes(r, "Suivi, complété"));
    author.push_ok(vec![on_a.push()]);
    assert_eq!(b.pull_all().len(), 1);

    // Others of the committee and the facilitator get nothing of it, and cannot write.
    assert!(other.pull_all().is_empty());
    assert!(facilitator.pull_all().is_empty());
    let oid = other.id;
    on_other.edit(oid, |r| set_notes(r, "Ajout"));
    assert_eq!(rejected(&mut other, on_other.push()).as_deref(), Some("scope.outside"));
}

/// M3: the sensitivity a record is filed under is its content's, not the device's
/// claim: claiming `confidential` on a restricted session cannot lock the committee
/// out of it.
#[rstest]
fn claiming_confidential_cannot_lock_colleagues_out(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    let mut p = s.push();
    p.meta.sensitivity = "confidential".into();
    member.push_ok(vec![p]);
    s.acked();
    let entries = colleague.pull_all();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].meta.sensitivity, "restricted");
    let cid = colleague.id;
    let mut on_colleague = replica(&entries, s.id());
    on_colleague.edit(cid, |r| set_notes(r, "Complété par un collègue"));
    colleague.push_ok(vec![on_colleague.push()]);
    // A later claim on an edit does not lock it either.
    s.edit(me, |r| set_notes(r, "Encore"));
    let mut p = s.push();
    p.meta.sensitivity = "confidential".into();
    member.push_ok(vec![p]);
    let entries = colleague.pull_all();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].meta.sensitivity, "restricted");
}

fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, kind];
    let mut len = data.len() as u64;
    loop {
        let b = (len & 0x7f) as u8;
        len >>= 7;
        out.push(if len == 0 { b } else { b | 0x80 });
        if len == 0 {
            break;
        }
    }
    out.extend(data);
    out
}

/// Pseudo-random letters: text that does not compress away.
fn noise(n: usize, seed: u64) -> String {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

/// Adds `n` characters of noise under an extra root key (which records ignore), written
/// straight into the document: no text diff, so any size is cheap to make.
fn pad(d: &mut LocalDoc, key: &str, n: usize, seed: u64) {
    let doc = d.doc.inner();
    let text = doc.put_object(ROOT, key, ObjType::Text).unwrap();
    doc.splice_text(&text, 0, 0, &noise(n, seed)).unwrap();
    doc.commit();
}

/// S2, S3, M7: hostile documents are refused at the door with stable codes, and the
/// server keeps serving everyone.
#[rstest]
fn hostile_documents_are_refused_at_the_door(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::with_limits(Limits { max_doc_bytes: 256 * 1024, ..Limits::default() });
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let me = member.id;

    // 100 nested maps under an unknown root key: a valid record otherwise.
    let mut deep = LocalDoc::new(session(goundam(), me), me);
    let mut obj = deep.doc.inner().put_object(ROOT, "x", ObjType::Map).unwrap();
    for _ in 0..100 {
        obj = deep.doc.inner().put_object(&obj, "a", ObjType::Map).unwrap();
    }
    deep.doc.inner().commit();
    assert_eq!(rejected(&mut member, deep.push()).as_deref(), Some("doc.too_deep"));

    // A compressed change chunk inflating to 17 MiB, sent as a few KB.
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; 17 * 1024 * 1024]).unwrap();
    let bomb = chunk(2, &enc.finish().unwrap());
    let mut p = LocalDoc::new(session(goundam(), me), me).push();
    p.changes = bomb;
    assert!(p.changes.len() < 64 * 1024);
    assert_eq!(rejected(&mut member, p).as_deref(), Some("doc.too_large"));

    // A record past the per-document cap (here 256 KiB), in one push or over several.
    let mut big = LocalDoc::new(session(goundam(), me), me);
    pad(&mut big, "pad", 300 * 1024, 7);
    assert_eq!(rejected(&mut member, big.push()).as_deref(), Some("doc.too_large"));
    let mut growing = LocalDoc::new(session(goundam(), me), me);
    let mut refused = None;
    for i in 0..10 {
        pad(&mut growing, &format!("pad{i}"), 60 * 1024, i);
        match rejected(&mut member, growing.push()) {
            None => growing.acked(),
            Some(code) => {
                refused = Some((i, code));
                break;
            }
        }
    }
    let (at, code) = refused.expect("the cap was never reached");
    assert!(at >= 2, "refused too early, at push {at}");
    assert_eq!(code, "doc.too_large");

    // And everyone is still served: an honest push and a pull.
    let mut fine = LocalDoc::new(session(goundam(), me), me);
    member.push_ok(vec![fine.push()]);
    let got = reviewer.pulled_docs();
    assert!(got.contains(&fine.id()) && got.contains(&growing.id()));
    assert!(!got.contains(&deep.id()) && !got.contains(&big.id()));
}

/// A member builds the depth up push by push: the push that crosses the bound is
/// refused though everything it hangs from was filed by earlier pushes, while edits
/// that make no object pass however deep they write.
#[rstest]
fn depth_built_up_push_by_push_is_refused_at_the_push_that_crosses_the_bound(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let mut deep = LocalDoc::new(session(goundam(), me), me);
    let nest = |d: &mut LocalDoc, obj: &automerge::ObjId, levels: usize| {
        let mut obj = obj.clone();
        for _ in 0..levels {
            obj = d.doc.inner().put_object(&obj, "a", ObjType::Map).unwrap();
        }
        d.doc.inner().commit();
        obj
    };
    // 60 maps deep under an unknown root key: within the bound (64).
    let top = deep.doc.inner().put_object(ROOT, "x", ObjType::Map).unwrap();
    let mut obj = nest(&mut deep, &top, 59);
    member.push_ok(vec![deep.push()]);
    deep.acked();
    // Writing at the bottom makes no object: accepted.
    deep.doc.inner().put(&obj, "note", "x").unwrap();
    deep.doc.inner().commit();
    member.push_ok(vec![deep.push()]);
    deep.acked();
    // Four more levels reach the bound exactly: accepted.
    obj = nest(&mut deep, &obj, 4);
    member.push_ok(vec![deep.push()]);
    deep.acked();
    // One more crosses it.
    nest(&mut deep, &obj, 1);
    assert_eq!(rejected(&mut member, deep.push()).as_deref(), Some("doc.too_deep"));
}

/// M7: a device pushing many large documents does not stall another device's sync,
/// and a device sending too many requests is answered 429 with a stable code while
/// the others are served.
#[rstest]
fn a_device_pushing_many_large_documents_does_not_stall_another(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::with_limits(Limits { device_burst: 40, device_refill_per_sec: 10, ..Limits::default() });
    server.import_committees();
    let mut heavy = server.enroll(Role::Member, Some(goundam()), None);
    let mut other = server.enroll(Role::Member, Some(ansongo()), None);
    let hid = heavy.id;
    let pushes: Vec<Vec<DocPush>> = (0..3)
        .map(|round| {
            (0..100)
                .map(|i| {
                    let mut d = LocalDoc::new(session(goundam(), hid), hid);
                    pad(&mut d, "pad", 20 * 1024, round * 1000 + i);
                    d.push()
                })
                .collect()
        })
        .collect();
    let heavy_thread = std::thread::spawn(move || {
        for p in pushes {
            heavy.push_ok(p);
        }
        heavy
    });
    let oid = other.id;
    let mut slowest = Duration::ZERO;
    let mut rounds = 0;
    while !heavy_thread.is_finished() || rounds < 3 {
        let mut d = LocalDoc::new(session(ansongo(), oid), oid);
        let start = Instant::now();
        other.push_ok(vec![d.push()]);
        slowest = slowest.max(start.elapsed());
        rounds += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    let heavy = heavy_thread.join().unwrap();
    assert!(slowest < Duration::from_secs(10), "another device waited {slowest:?}");
    eprintln!("{rounds} rounds of the other device while 300 documents of 20 KB were pushed; slowest {slowest:?}");

    // Hammering: past its allowance a device gets 429 request.rate_limited.
    let body = ccs_core::sync::wire::encode(&ccs_core::sync::wire::SyncRequest {
        epoch: heavy.epoch,
        cursor: heavy.cursor,
        push: vec![],
    });
    let mut limited = None;
    for _ in 0..200 {
        let (status, bytes) = heavy.sync_raw(&body);
        if status != 200 {
            limited = Some((status, error_body(&bytes).code));
            break;
        }
    }
    assert_eq!(limited, Some((429, "request.rate_limited".to_string())));
    // The other device is served meanwhile.
    let mut d = LocalDoc::new(session(ansongo(), oid), oid);
    other.push_ok(vec![d.push()]);
}

/// M7: a request past the deadline is answered 503 server.timeout, and the server
/// keeps serving.
#[rstest]
fn a_request_past_the_deadline_is_answered_server_timeout(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::with_limits(Limits { request_timeout: Duration::from_millis(200), ..Limits::default() });
    server.import_committees();
    let member = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let pushes: Vec<DocPush> = (0..500)
        .map(|i| {
            let mut d = LocalDoc::new(session(goundam(), me), me);
            pad(&mut d, "pad", 10 * 1024, i);
            d.push()
        })
        .collect();
    let body =
        ccs_core::sync::wire::encode(&ccs_core::sync::wire::SyncRequest { epoch: None, cursor: 0, push: pushes });
    let (status, bytes) = member.sync_raw(&body);
    assert_eq!((status, error_body(&bytes).code.as_str()), (503, "server.timeout"));
    assert_eq!(get(&server.url, "/healthz"), (200, "ok".to_string()));
}

/// A member's copy of `s` after pulling what `device` has not seen yet.
fn catch_up(device: &mut TestDevice, s: &mut LocalDoc) {
    for e in device.pull_all() {
        s.doc.apply(&e.changes).unwrap();
    }
    s.record = s.doc.read().unwrap();
    s.acked();
}

/// Issue 11: a record saved by mistake is deleted with a tombstone that syncs. Once the
/// committee submitted it, a member (its author, a colleague) may no longer delete it,
/// whatever its client lets through; a facilitator of the region may, and every device
/// then holds the deletion with who made it and when, the content kept for the trail.
#[rstest]
fn a_member_cannot_delete_a_submitted_record_and_a_facilitators_deletion_reaches_everyone(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let mut facilitator = server.enroll(Role::Facilitator, None, Some("tombouctou"));
    let mut elsewhere = server.enroll(Role::Facilitator, None, Some("gao"));
    let (me, fid) = (member.id, facilitator.id);
    let mut s = LocalDoc::new(session(goundam(), me), me);
    s.edit(me, |r| r.review.push(review_event(me, Role::Member, Decision::Submitted)));
    member.push_ok(vec![s.push()]);
    s.acked();

    let mut by_author = fork(&mut s);
    by_author.edit(me, |r| r.review.push(later(review_event(me, Role::Member, Decision::Deleted), 1)));
    assert_eq!(rejected(&mut member, by_author.push()).as_deref(), Some("record.delete_not_allowed"));
    let cid = colleague.id;
    let mut on_colleague = replica(&colleague.pull_all(), s.id());
    on_colleague.edit(cid, |r| r.review.push(later(review_event(cid, Role::Member, Decision::Deleted), 1)));
    assert_eq!(rejected(&mut colleague, on_colleague.push()).as_deref(), Some("record.delete_not_allowed"));
    // Another region's facilitator is outside the record's scope.
    let eid = elsewhere.id;
    let mut outsider = fork(&mut s);
    outsider.edit(eid, |r| r.review.push(later(review_event(eid, Role::Facilitator, Decision::Deleted), 1)));
    assert_eq!(rejected(&mut elsewhere, outsider.push()).as_deref(), Some("scope.outside"));

    let mut on_facilitator = replica(&facilitator.pull_all(), s.id());
    on_facilitator.edit(fid, |r| r.review.push(later(review_event(fid, Role::Facilitator, Decision::Deleted), 2)));
    facilitator.push_ok(vec![on_facilitator.push()]);

    catch_up(&mut member, &mut s);
    assert_eq!(s.record.review_status(), ReviewStatus::Deleted);
    let tombstone = s.record.review.iter().find(|e| e.decision == Decision::Deleted).expect("the deletion is on file");
    assert_eq!((tombstone.by_device, tombstone.role), (fid, Role::Facilitator));
    assert_eq!(s.record.review.len(), 2, "the trail keeps the submission: nothing is erased");
    let mut auditor = server.enroll(Role::Reviewer, None, None);
    assert_eq!(replica(&auditor.pull_all(), s.id()).record.review_status(), ReviewStatus::Deleted);
}

/// Issue 11: before submission, the committee deletes its own draft; a reviewer may not
/// delete a draft it has no business checking yet.
#[rstest]
fn a_member_deletes_a_draft_saved_by_mistake_and_a_reviewer_may_not(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let (me, rid) = (member.id, reviewer.id);
    let mut s = LocalDoc::new(session(goundam(), me), me);
    member.push_ok(vec![s.push()]);
    s.acked();

    let mut on_reviewer = replica(&reviewer.pull_all(), s.id());
    on_reviewer.edit(rid, |r| r.review.push(later(review_event(rid, Role::Reviewer, Decision::Deleted), 1)));
    assert_eq!(rejected(&mut reviewer, on_reviewer.push()).as_deref(), Some("record.delete_not_allowed"));

    s.edit(me, |r| r.review.push(later(review_event(me, Role::Member, Decision::Deleted), 1)));
    member.push_ok(vec![s.push()]);
    let got = replica(&colleague.pull_all(), s.id());
    assert_eq!(got.record.review_status(), ReviewStatus::Deleted);
}

/// Issue 11: a member withdraws a submission no reviewer decided on (the record is a
/// draft again, the withdrawal in the trail). Once a reviewer decided, a withdrawal
/// made offline is refused, even one stamped before the decision.
#[rstest]
fn a_submission_is_withdrawn_before_a_decision_and_not_after(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let (me, rid) = (member.id, reviewer.id);

    let mut pending = LocalDoc::new(session(goundam(), me), me);
    pending.edit(me, |r| r.review.push(review_event(me, Role::Member, Decision::Submitted)));
    member.push_ok(vec![pending.push()]);
    pending.acked();
    pending.edit(me, |r| r.review.push(later(review_event(me, Role::Member, Decision::Withdrawn), 1)));
    member.push_ok(vec![pending.push()]);
    let got = replica(&colleague.pull_all(), pending.id());
    assert_eq!(got.record.review_status(), ReviewStatus::Draft);
    assert_eq!(got.record.review.last().map(|e| e.decision), Some(Decision::Withdrawn));

    let mut decided = LocalDoc::new(session(goundam(), me), me);
    decided.edit(me, |r| r.review.push(review_event(me, Role::Member, Decision::Submitted)));
    member.push_ok(vec![decided.push()]);
    decided.acked();
    let mut on_reviewer = replica(&reviewer.pull_all(), decided.id());
    on_reviewer.edit(rid, |r| r.review.push(later(review_event(rid, Role::Reviewer, Decision::Approved), 3)));
    reviewer.push_ok(vec![on_reviewer.push()]);
    // The member, offline, withdrew an hour after submitting: before the approval's time.
    let mut offline = fork(&mut decided);
    offline.edit(me, |r| r.review.push(later(review_event(me, Role::Member, Decision::Withdrawn), 1)));
    assert_eq!(rejected(&mut member, offline.push()).as_deref(), Some("review.withdraw_not_allowed"));
    // And after catching up, later than the approval.
    catch_up(&mut member, &mut decided);
    decided.edit(me, |r| r.review.push(later(review_event(me, Role::Member, Decision::Withdrawn), 5)));
    assert_eq!(rejected(&mut member, decided.push()).as_deref(), Some("review.withdraw_not_allowed"));
}
