//! The one writer with group commit, through a real server: many devices at once, a
//! batch where some documents are refused, two devices editing one document at the same
//! moment, a full write queue (503 `server.busy` + `Retry-After`, and the real client
//! retrying by itself), a batch whose commit fails, and a server stopped with requests
//! queued.
//!
//! To make requests meet in one batch the tests hold SQLite's write lock from outside
//! (as an admin command would): the writer waits for it with the first request while
//! the others queue behind, then files them all in one transaction.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::sync::client::{HttpTransport, Transport};
use ccs_core::sync::retry::Backoff;
use ccs_core::sync::wire::{self, DocPush, LogEntry, SyncRequest, SyncResponse};
use ccs_sync_server::Limits;
use common::*;
use rusqlite::Connection;

/// SQLite's write lock, held from outside the server until dropped.
struct WriteLock(Connection);

impl WriteLock {
    fn take(data: &Path) -> WriteLock {
        let conn = Connection::open(data.join("server.db")).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        WriteLock(conn)
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// Time for requests sent in threads to pass their checks and reach the write queue.
const QUEUE_SETTLE: Duration = Duration::from_millis(1500);

/// The raw answer of one sync round: status, `Retry-After`, body.
fn sync_round(device: &TestDevice, push: Vec<DocPush>) -> (u16, Option<String>, Vec<u8>) {
    let request = SyncRequest { epoch: device.epoch, cursor: device.cursor, push };
    let mut resp = agent()
        .post(format!("{}/v1/sync", device.url))
        .header("Authorization", &format!("Bearer {}", device.token))
        .content_type("application/x-ccs-frame")
        .send(&wire::encode(&request)[..])
        .unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, resp.body_mut().read_to_vec().unwrap())
}

/// Sends one round in a thread.
fn spawn_round(device: &TestDevice, push: Vec<DocPush>) -> JoinHandle<(u16, Option<String>, Vec<u8>)> {
    let device = TestDevice { token: device.token.clone(), url: device.url.clone(), ..*device };
    std::thread::spawn(move || sync_round(&device, push))
}

fn accepted(answer: &(u16, Option<String>, Vec<u8>)) -> SyncResponse {
    assert_eq!(answer.0, 200, "{}", String::from_utf8_lossy(&answer.2));
    wire::decode(&answer.2).unwrap()
}

/// The documents a reviewer pulls, with how many entries each has.
fn log_of(server: &TestServer) -> Vec<LogEntry> {
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    reviewer.pull_all()
}

fn doc_id(d: &LocalDoc) -> [u8; 16] {
    *d.id().as_uuid().as_bytes()
}

#[test]
fn many_devices_pushing_at_once_all_land_once() {
    let server = TestServer::start();
    server.import_committees();
    let devices: Vec<TestDevice> = (0..24).map(|_| server.enroll(Role::Member, Some(goundam()), None)).collect();
    let workers: Vec<_> = devices
        .into_iter()
        .map(|mut device| {
            std::thread::spawn(move || {
                let me = device.id;
                let mut ids = Vec::new();
                for _ in 0..3 {
                    let mut docs: Vec<LocalDoc> = (0..2).map(|_| LocalDoc::new(session(goundam(), me), me)).collect();
                    device.push_ok(docs.iter_mut().map(LocalDoc::push).collect());
                    ids.extend(docs.iter().map(doc_id));
                }
                ids
            })
        })
        .collect();
    let pushed: Vec<[u8; 16]> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    let entries = log_of(&server);
    let counts = count_by_doc(&entries);
    assert_eq!(pushed.len(), 144);
    assert_eq!(counts.len(), 144, "every document filed");
    assert!(pushed.iter().all(|id| counts.get(id) == Some(&1)), "each change filed once");
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=144).collect::<Vec<u64>>(), "one entry per document, no gap");
}

/// A round's page is read on its snapshot, before its own push is filed. A colleague's
/// push filed after that snapshot (here in the same batch) is not in the answer, and
/// the cursor the answer gives stops before it: the next round brings it, once. The
/// device never gets its own record back.
#[test]
fn a_colleagues_push_filed_after_a_rounds_page_comes_in_the_next_round_once() {
    let server = TestServer::start();
    server.import_committees();
    let mut a = server.enroll(Role::Member, Some(goundam()), None);
    let mut b = server.enroll(Role::Member, Some(goundam()), None);
    let mut before = LocalDoc::new(session(goundam(), b.id), b.id);
    b.push_ok(vec![before.push()]);
    let mut mine = LocalDoc::new(session(goundam(), a.id), a.id);
    let mut during = LocalDoc::new(session(goundam(), b.id), b.id);

    let lock = WriteLock::take(&server.dir());
    let a_round = spawn_round(&a, vec![mine.push()]);
    std::thread::sleep(QUEUE_SETTLE);
    let b_round = spawn_round(&b, vec![during.push()]);
    std::thread::sleep(QUEUE_SETTLE);
    drop(lock);
    let answer = accepted(&a_round.join().unwrap());
    accepted(&b_round.join().unwrap());

    assert_eq!(answer.results.len(), 1);
    assert_eq!(answer.results[0].rejected, None);
    let got: Vec<[u8; 16]> = answer.entries.iter().map(|e| e.meta.id).collect();
    assert_eq!(got, vec![doc_id(&before)], "the page as A's snapshot saw the log");
    a.epoch = Some(answer.epoch);
    a.cursor = answer.cursor;
    let next: Vec<[u8; 16]> = a.pull_all().iter().map(|e| e.meta.id).collect();
    assert_eq!(next, vec![doc_id(&during)], "the colleague's push filed meanwhile, once, and not A's own");
    assert!(a.pull_all().is_empty());
    let counts = count_by_doc(&log_of(&server));
    assert_eq!(counts.len(), 3, "every push filed");
    assert!(counts.values().all(|n| *n == 1));
}

#[test]
fn refused_documents_leave_the_rest_of_the_batch_filed() {
    let server = TestServer::start();
    server.import_committees();
    let a = server.enroll(Role::Member, Some(goundam()), None);
    let b = server.enroll(Role::Member, Some(goundam()), None);
    let mut good_a = LocalDoc::new(session(goundam(), a.id), a.id);
    // Outside the member's committee: refused by scope.
    let mut elsewhere = LocalDoc::new(session(ansongo(), a.id), a.id);
    // Written with another device's actor: refused as forged.
    let mut forged = LocalDoc::new(session(goundam(), b.id), b.id);
    let mut good_b = LocalDoc::new(session(goundam(), b.id), b.id);
    // The same document sent twice at once (a retry racing the first attempt): the
    // second finds it filed earlier in the batch, under the lock, and stores nothing.
    let twice = good_b.push();

    let lock = WriteLock::take(&server.dir());
    let ra = spawn_round(&a, vec![good_a.push(), elsewhere.push(), forged.push()]);
    let rb = spawn_round(&b, vec![good_b.push()]);
    let rb2 = spawn_round(&b, vec![twice]);
    std::thread::sleep(QUEUE_SETTLE);
    drop(lock);

    let ra = accepted(&ra.join().unwrap());
    let codes: Vec<Option<String>> = ra.results.iter().map(|r| r.rejected.clone()).collect();
    assert_eq!(codes[0], None);
    assert!(codes[1].as_deref().is_some_and(|c| c.starts_with("scope.")), "{codes:?}");
    assert_eq!(codes[2].as_deref(), Some("changes.foreign_actor"));
    for r in [accepted(&rb.join().unwrap()), accepted(&rb2.join().unwrap())] {
        assert_eq!(r.results[0].rejected, None);
    }
    let counts = count_by_doc(&log_of(&server));
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert_eq!(counts[&doc_id(&good_a)], 1);
    assert_eq!(counts[&doc_id(&good_b)], 1, "the racing resend stored nothing twice");
}

fn summary(r: &mut Record, text: &str) {
    let RecordBody::Session(b) = &mut r.body else { panic!("a session") };
    b.summary = text.into();
}

#[test]
fn two_devices_editing_one_document_at_once_both_land_merged() {
    let server = TestServer::start();
    server.import_committees();
    let mut a = server.enroll(Role::Member, Some(goundam()), None);
    let mut b = server.enroll(Role::Member, Some(goundam()), None);
    let mut doc_a = LocalDoc::new(session(goundam(), a.id), a.id);
    a.push_ok(vec![doc_a.push()]);
    doc_a.acked();
    // B holds the same document, pulled from the server.
    let mut doc_b = LocalDoc {
        record: doc_a.record.clone(),
        doc: RecordDoc::load(&doc_a.doc.save()).unwrap(),
        acked: doc_a.acked.clone(),
    };
    b.pull_all();
    doc_a.edit(a.id, |r| summary(r, "Réunion tenue le matin."));
    doc_b.edit(b.id, |r| summary(r, "Réunion tenue le soir."));
    let (change_a, change_b) = (doc_a.doc.heads(), doc_b.doc.heads());

    // Both checked on the same snapshot; the second filed has to be checked again
    // under the lock, as the first moved the document's heads.
    let lock = WriteLock::take(&server.dir());
    let ra = spawn_round(&a, vec![doc_a.push()]);
    let rb = spawn_round(&b, vec![doc_b.push()]);
    std::thread::sleep(QUEUE_SETTLE);
    drop(lock);
    assert_eq!(accepted(&ra.join().unwrap()).results[0].rejected, None);
    assert_eq!(accepted(&rb.join().unwrap()).results[0].rejected, None);

    let entries = log_of(&server);
    assert_eq!(count_by_doc(&entries)[&doc_id(&doc_a)], 3);
    let mut merged = RecordDoc::empty();
    for e in &entries {
        merged.apply(&e.changes).unwrap();
    }
    let heads: HashSet<_> = merged.heads().into_iter().collect();
    assert_eq!(heads, change_a.into_iter().chain(change_b).collect::<HashSet<_>>(), "both edits are the heads");
    assert!(merged.read().is_ok());
}

#[test]
fn a_full_write_queue_answers_busy_and_the_client_retries_until_filed() {
    let server = TestServer::with_limits(Limits { write_queue: 1, write_batch: 1, ..Limits::default() });
    server.import_committees();
    let devices: Vec<TestDevice> = (0..4).map(|_| server.enroll(Role::Member, Some(goundam()), None)).collect();
    let mut docs: Vec<LocalDoc> = devices.iter().map(|d| LocalDoc::new(session(goundam(), d.id), d.id)).collect();

    let lock = WriteLock::take(&server.dir());
    // The writer waits for the lock with the first; the second fills the queue.
    let first = spawn_round(&devices[0], vec![docs[0].push()]);
    std::thread::sleep(Duration::from_millis(500));
    let second = spawn_round(&devices[1], vec![docs[1].push()]);
    std::thread::sleep(QUEUE_SETTLE);
    // The third is refused at once: busy, with when to come back, nothing written.
    let (status, retry_after, body) = sync_round(&devices[2], vec![docs[2].push()]);
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert_eq!(error_body(&body).code, "server.busy");
    assert_eq!(retry_after.as_deref(), Some("1"));

    // The real client's transport retries by itself and gets through once the writer
    // drains the queue.
    let request = SyncRequest { epoch: None, cursor: 0, push: vec![docs[3].push()] };
    let (url, token) = (devices[3].url.clone(), devices[3].token.clone());
    let client = std::thread::spawn(move || {
        let transport = HttpTransport::new(Duration::from_secs(30)).with_backoff(Backoff {
            retries: 8,
            first: Duration::from_millis(300),
            max_wait: Duration::from_secs(2),
        });
        let started = std::time::Instant::now();
        let answer = transport.post(&url, "/v1/sync", Some(&token), "application/x-ccs-frame", wire::encode(&request));
        (answer, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(800));
    drop(lock);
    let (answer, waited) = client.join().unwrap();
    let response: SyncResponse = wire::decode(&answer.expect("the client's retries got through")).unwrap();
    assert_eq!(response.results[0].rejected, None);
    assert!(waited >= Duration::from_millis(700), "the client had to wait for the lock: {waited:?}");
    for r in [first, second] {
        assert_eq!(accepted(&r.join().unwrap()).results[0].rejected, None);
    }
    let counts = count_by_doc(&log_of(&server));
    assert_eq!(counts.len(), 3, "the refused one was not written");
    assert!(!counts.contains_key(&doc_id(&docs[2])));
    assert!(counts.contains_key(&doc_id(&docs[3])));
}

#[test]
fn a_storage_error_fails_its_request_alone_and_a_failed_commit_fails_the_whole_batch() {
    let server = TestServer::start();
    server.import_committees();
    let mut a = server.enroll(Role::Member, Some(goundam()), None);
    let b = server.enroll(Role::Member, Some(goundam()), None);
    let mut kept = LocalDoc::new(session(goundam(), a.id), a.id);
    a.push_ok(vec![kept.push()]);

    // A storage error while filing one document (a trigger refusing it, as a full disk
    // or a broken constraint would): that request alone is answered an error.
    let mut broken = LocalDoc::new(session(goundam(), a.id), a.id);
    let mut fine = LocalDoc::new(session(goundam(), b.id), b.id);
    let admin = Connection::open(server.dir().join("server.db")).unwrap();
    admin
        .execute_batch(&format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON log WHEN NEW.doc_id = '{}'
             BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;",
            broken.id()
        ))
        .unwrap();
    let lock = WriteLock::take(&server.dir());
    let ra = spawn_round(&a, vec![broken.push()]);
    let rb = spawn_round(&b, vec![fine.push()]);
    std::thread::sleep(QUEUE_SETTLE);
    drop(lock);
    let ra = ra.join().unwrap();
    assert_eq!(ra.0, 500, "{}", String::from_utf8_lossy(&ra.2));
    assert_eq!(error_body(&ra.2).code, "server.internal");
    assert_eq!(accepted(&rb.join().unwrap()).results[0].rejected, None, "the rest of the batch is filed");

    // A commit that fails (a deferred constraint checked at COMMIT): every request of the
    // batch hears it, none is told accepted, and nothing committed before is lost.
    admin
        .execute_batch(&format!(
            "DROP TRIGGER refuse_one;
             CREATE TABLE trap_parent (id TEXT PRIMARY KEY);
             CREATE TABLE trap (ref TEXT REFERENCES trap_parent(id) DEFERRABLE INITIALLY DEFERRED);
             CREATE TRIGGER fail_commit AFTER INSERT ON log WHEN NEW.doc_id = '{}'
             BEGIN INSERT INTO trap (ref) VALUES ('nothing'); END;",
            broken.id()
        ))
        .unwrap();
    let mut other = LocalDoc::new(session(goundam(), b.id), b.id);
    let lock = WriteLock::take(&server.dir());
    let ra = spawn_round(&a, vec![broken.push()]);
    let rb = spawn_round(&b, vec![other.push()]);
    std::thread::sleep(QUEUE_SETTLE);
    drop(lock);
    for r in [ra.join().unwrap(), rb.join().unwrap()] {
        assert_eq!(r.0, 500, "{}", String::from_utf8_lossy(&r.2));
        assert_eq!(error_body(&r.2).code, "server.internal");
    }
    let counts = count_by_doc(&log_of(&server));
    assert_eq!(counts.len(), 2, "only what was committed before: {counts:?}");
    assert!(counts.contains_key(&doc_id(&kept)) && counts.contains_key(&doc_id(&fine)));

    // Once the disk is healthy again, the devices' resends are filed.
    admin.execute_batch("DROP TRIGGER fail_commit;").unwrap();
    let mut a2 = TestDevice { token: a.token.clone(), url: a.url.clone(), ..a };
    let mut b2 = TestDevice { token: b.token.clone(), url: b.url.clone(), ..b };
    a2.push_ok(vec![broken.push()]);
    b2.push_ok(vec![other.push()]);
    assert_eq!(count_by_doc(&log_of(&server)).len(), 4);
}

#[test]
fn stopping_the_server_with_requests_queued_never_reports_unfiled_changes_accepted() {
    let server = TestServer::start();
    server.import_committees();
    let devices: Vec<TestDevice> = (0..6).map(|_| server.enroll(Role::Member, Some(goundam()), None)).collect();
    let mut docs: Vec<LocalDoc> = devices.iter().map(|d| LocalDoc::new(session(goundam(), d.id), d.id)).collect();
    let lock = WriteLock::take(&server.dir());
    let rounds: Vec<_> = devices.iter().zip(docs.iter_mut()).map(|(d, doc)| spawn_round(d, vec![doc.push()])).collect();
    std::thread::sleep(QUEUE_SETTLE);
    // Stop while every request waits for the writer; the lock goes a moment later.
    let stopping = std::thread::spawn(move || server.stop());
    std::thread::sleep(Duration::from_millis(300));
    drop(lock);
    let data = stopping.join().unwrap();
    let mut told_accepted = Vec::new();
    for (round, doc) in rounds.into_iter().zip(&docs) {
        let (status, _, body) = round.join().unwrap();
        if status == 200 {
            let r: SyncResponse = wire::decode(&body).unwrap();
            if r.results[0].rejected.is_none() {
                told_accepted.push(doc_id(doc));
            }
        }
    }
    // Whatever a device was told accepted is in the log after a restart.
    let server = TestServer::on(data, Limits::default());
    let counts = count_by_doc(&log_of(&server));
    for id in &told_accepted {
        assert_eq!(counts.get(id), Some(&1), "a document answered accepted is missing after the restart");
    }
    assert_eq!(told_accepted.len(), 6, "a graceful stop lets the queued requests finish");
}

#[test]
fn a_document_edited_many_times_is_rebuilt_from_its_snapshot_and_a_damaged_one_is_ignored() {
    let server = TestServer::start();
    server.import_committees();
    let mut a = server.enroll(Role::Member, Some(goundam()), None);
    let mut d = LocalDoc::new(session(goundam(), a.id), a.id);
    for i in 0..20 {
        if i > 0 {
            d.edit(a.id, |r| summary(r, &format!("Version {i} du résumé.")));
        }
        a.push_ok(vec![d.push()]);
        d.acked();
    }
    let db = Connection::open(server.dir().join("server.db")).unwrap();
    let (upto, bytes): (i64, Vec<u8>) = db
        .query_row("SELECT upto_seq, bytes FROM doc_snapshots WHERE doc_id = ?1", [d.id().to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(upto >= 16, "refreshed every {} entries: {upto}", ccs_sync_server::snapshots::REFRESH_AFTER);
    // The snapshot is the document as its first `upto` entries make it.
    let entries = log_of(&server);
    let mut replayed = RecordDoc::empty();
    for e in entries.iter().filter(|e| e.seq <= upto as u64) {
        replayed.apply(&e.changes).unwrap();
    }
    assert_eq!(RecordDoc::load(&bytes).unwrap().heads(), replayed.heads());

    // An edit on top of the snapshot's document is checked and filed.
    d.edit(a.id, |r| summary(r, "Version finale."));
    a.push_ok(vec![d.push()]);
    d.acked();

    // A damaged snapshot is ignored: the log is replayed and pushes go on.
    db.execute("UPDATE doc_snapshots SET bytes = x'00010203' WHERE doc_id = ?1", [d.id().to_string()]).unwrap();
    d.edit(a.id, |r| summary(r, "Après la réparation."));
    a.push_ok(vec![d.push()]);
    let mut merged = RecordDoc::empty();
    for e in log_of(&server) {
        merged.apply(&e.changes).unwrap();
    }
    assert_eq!(merged.heads(), d.doc.heads());
}

/// The log rows the database file itself holds, the write-ahead log ignored (what a
/// checkpoint has copied so far); `None` while the file cannot be read that way.
fn rows_in_the_file(data: &Path) -> Option<i64> {
    let uri = format!("file:{}?immutable=1", data.join("server.db").display());
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(uri, flags).ok()?;
    conn.query_row("SELECT count(*) FROM log", [], |r| r.get(0)).ok()
}

#[test]
fn commits_reach_the_database_file_beside_the_writer_even_while_a_reader_holds_a_snapshot() {
    // The connections checkpoint by themselves only past `checkpoint::FALLBACK_PAGES`
    // (far more than these pushes write): the checkpoint thread must copy the log into
    // the file, while the server keeps serving, and without making the writer wait.
    let server = TestServer::start();
    server.import_committees();
    let mut device = server.enroll(Role::Member, Some(goundam()), None);
    let me = device.id;
    // A reader from outside holds a snapshot from before the pushes, as a long pull
    // or a backup would: a PASSIVE checkpoint must neither wait for it nor block the
    // writer because of it.
    let reader = Connection::open(server.dir().join("server.db")).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let before: i64 = reader.query_row("SELECT count(*) FROM log", [], |r| r.get(0)).unwrap();
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let mut docs: Vec<LocalDoc> = (0..2).map(|_| LocalDoc::new(session(goundam(), me), me)).collect();
        device.push_ok(docs.iter_mut().map(LocalDoc::push).collect());
    }
    let pushing = started.elapsed();
    assert!(pushing < Duration::from_secs(10), "the writer was held up: 20 rounds took {pushing:?}");
    let all = before + 40;
    // What the held snapshot may still need stays in the log meanwhile; once released,
    // everything reaches the file within a few checkpoint periods.
    std::thread::sleep(ccs_sync_server::checkpoint::EVERY * 3);
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    // One more commit after the reader is gone, so the thread checkpoints again.
    let mut last = LocalDoc::new(session(goundam(), me), me);
    device.push_ok(vec![last.push()]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut seen = None;
    while std::time::Instant::now() < deadline {
        seen = rows_in_the_file(&server.dir());
        if seen == Some(all + 1) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(seen, Some(all + 1), "the database file holds every filed push while the server runs");
    // Nothing was lost or repeated on the way: the log a reviewer pulls is whole.
    assert_eq!(count_by_doc(&log_of(&server)).len() as i64, all + 1);
}
