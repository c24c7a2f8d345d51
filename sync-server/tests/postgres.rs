//! PostgreSQL only: cursors under concurrent writers, and two server instances on one
//! database. Skipped (said on stderr) without `CCS_TEST_POSTGRES`.
mod common;

use std::collections::HashMap;

use ccs_core::model::*;
use ccs_sync_server::db::Mode;
use ccs_sync_server::store::{Location, Store};
use ccs_sync_server::Limits;
use common::*;
use rand::Rng;

/// A writer held open (a transaction that filed a log row and waits) while other pushes
/// commit and a reviewer pulls: once it commits, the reviewer gets its row. A cursor
/// over the insertion ids would have skipped it, as the naive query shows.
#[test]
fn a_writer_held_open_is_not_skipped_by_any_cursor() {
    let Some(db) = Backend::Postgres.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut slow = server.enroll(Role::Member, Some(goundam()), None);
    let mut fast = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);

    // The held writer: files a document's row and log entry by hand, uncommitted.
    let store = Store::open(Location { data_dir: server.dir(), database: db.url() }).unwrap();
    let mut conn = store.conn().unwrap();
    let mut held = LocalDoc::new(session(goundam(), slow.id), slow.id);
    let push = held.push();
    let id = RecordId(uuid::Uuid::from_bytes(push.meta.id)).to_string();
    let tx = conn.transaction(Mode::Write).unwrap();
    tx.execute(
        "INSERT INTO docs (id, kind, committee_id, sensitivity, region, author_device, heads, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
        ccs_sync_server::params![
            id,
            push.meta.kind,
            goundam().to_string(),
            push.meta.sensitivity,
            slow.id.to_string(),
            Vec::<u8>::new()
        ],
    )
    .unwrap();
    let held_id: i64 = tx
        .query_row(
            "INSERT INTO log (doc_id, origin_device, bytes, at) VALUES (?1, ?2, ?3, '2026-12-01T00:00:00Z') RETURNING id",
            ccs_sync_server::params![id, slow.id.to_string(), push.changes.clone()],
            |r| r.get(0),
        )
        .unwrap();

    // Others commit after it and the reviewer pulls them.
    let mut quick = Vec::new();
    for _ in 0..3 {
        let mut d = LocalDoc::new(recommendation(goundam(), fast.id), fast.id);
        fast.push_ok(vec![d.push()]);
        quick.push(d.id());
    }
    let first = reviewer.pulled_docs();
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(!first.contains(&held.id()));

    // The naive cursor: the highest insertion id the reviewer could have seen is above
    // the held row's, so "id > cursor" would never return it.
    let other = store.conn().unwrap();
    let visible: Vec<i64> = other.query_map("SELECT id FROM log ORDER BY id", (), |r| r.get(0)).unwrap();
    let naive_cursor = *visible.last().unwrap();
    assert!(!visible.contains(&held_id) && naive_cursor > held_id, "{visible:?} vs held {held_id}");

    tx.commit().unwrap();
    let naive_after: Vec<i64> =
        other.query_map("SELECT id FROM log WHERE id > ?1", [naive_cursor], |r| r.get(0)).unwrap();
    assert!(naive_after.is_empty(), "the naive cursor would have found {naive_after:?}");

    // The real cursor: the held row is numbered after the reviewer's cursor.
    let after = reviewer.pulled_docs();
    assert_eq!(after, vec![held.id()], "the held writer's row was skipped");
    let _ = slow.pull_all();
}

/// Two `serve` instances on one database, devices syncing through either at random
/// with concurrent edits: every device ends with every document it may read, each
/// exactly as often as it was filed, and the server's heads equal the devices' own.
#[test]
fn two_instances_on_one_database_converge() {
    let Some(_db) = Backend::Postgres.enter() else { return };
    let a = TestServer::start();
    a.import_committees();
    let b = TestServer::on(tempfile::tempdir().unwrap(), Limits::default());
    let urls = [a.url.clone(), b.url.clone()];
    let mut members: Vec<TestDevice> = (0..4).map(|_| a.enroll(Role::Member, Some(goundam()), None)).collect();
    let mut reviewer = b.enroll(Role::Reviewer, None, None);

    // Each member pushes its documents through a random instance, from its own thread.
    let handles: Vec<_> = members
        .drain(..)
        .map(|mut m| {
            let urls = urls.clone();
            std::thread::spawn(move || {
                let mut rng = rand::thread_rng();
                let mut docs = Vec::new();
                for round in 0..6 {
                    m.url = urls[rng.gen_range(0..2)].clone();
                    let mut d = LocalDoc::new(session(goundam(), m.id), m.id);
                    let mut pushes = vec![d.push()];
                    // And an edit of an earlier one in the same request.
                    if let Some(prev) = docs.last_mut() {
                        let prev: &mut LocalDoc = prev;
                        prev.edit(m.id, |r| {
                            if let RecordBody::Session(b) = &mut r.body {
                                b.present = round;
                            }
                        });
                        pushes.push(prev.push());
                    }
                    m.push_ok(pushes);
                    d.acked();
                    if let Some(prev) = docs.last_mut() {
                        prev.acked();
                    }
                    docs.push(d);
                    let _ = m.pull_all();
                }
                (m, docs)
            })
        })
        .collect();
    let mut all: HashMap<RecordId, Vec<automerge::ChangeHash>> = HashMap::new();
    for h in handles {
        let (_, docs) = h.join().unwrap();
        for mut d in docs {
            all.insert(d.id(), d.doc.heads());
        }
    }
    // The reviewer reads through either instance and receives every document, each
    // log entry once.
    let mut seen: HashMap<[u8; 16], usize> = HashMap::new();
    let mut got: HashMap<RecordId, ccs_core::doc::RecordDoc> = HashMap::new();
    for i in 0..4 {
        reviewer.url = urls[i % 2].clone();
        for e in reviewer.pull_all() {
            *seen.entry(e.meta.id).or_default() += 1;
            let id = RecordId(uuid::Uuid::from_bytes(e.meta.id));
            got.entry(id).or_insert_with(ccs_core::doc::RecordDoc::empty).apply(&e.changes).unwrap();
        }
    }
    assert_eq!(got.len(), all.len(), "documents lost");
    for (id, heads) in &all {
        let h = got.get_mut(id).unwrap().heads();
        assert_eq!(&h, heads, "document {id} differs");
    }
    // Six documents of each member, five of them edited once more: no entry repeated.
    let entries: usize = seen.values().sum();
    assert_eq!(entries, 4 * (6 + 5), "{seen:?}");
}

/// The PostgreSQL schema is applied once, by whichever instance starts first, and the
/// epoch made then stays; a database written by a newer server is refused.
#[test]
fn postgres_migrations_run_once_and_a_newer_schema_is_refused() {
    let Some(db) = Backend::Postgres.enter() else { return };
    let dir = tempfile::tempdir().unwrap();
    let at = Location { data_dir: dir.path().to_path_buf(), database: db.url() };
    // Two instances starting together.
    let opened: Vec<_> = (0..2)
        .map(|_| {
            let at = at.clone();
            std::thread::spawn(move || {
                let store = Store::open(at).unwrap();
                let conn = store.conn().unwrap();
                ccs_sync_server::store::epoch(&conn).unwrap()
            })
        })
        .collect();
    let epochs: Vec<[u8; 16]> = opened.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(epochs[0], epochs[1]);
    let store = Store::open(at.clone()).unwrap();
    let conn = store.conn().unwrap();
    assert_eq!(ccs_sync_server::store::epoch(&conn).unwrap(), epochs[0]);
    assert_eq!(ccs_sync_server::store::last_seq(&conn).unwrap(), 0);
    conn.execute("UPDATE schema_version SET version = 99", ()).unwrap();
    drop(conn);
    drop(store);
    let refused = Store::open(at).unwrap_err();
    assert!(matches!(refused, ccs_sync_server::store::StoreError::NewerSchema { found: 99, .. }), "{refused}");
}

/// `backup` on PostgreSQL makes nothing and says how, with the exact commands; the
/// restore path (pg_restore, then new-epoch) is what the restored-backup tests of
/// `repair.rs` run on this backend.
#[test]
fn backup_on_postgres_tells_how_and_new_epoch_changes_the_epoch() {
    let Some(_db) = Backend::Postgres.enter() else { return };
    let server = TestServer::start();
    let file = server.dir().join("dump.pgc");
    let err = ccs_sync_server::admin::backup(server.at(), &file).unwrap_err().to_string();
    assert!(
        err.contains("pg_dump --format=custom") && err.contains("pg_restore") && err.contains("new-epoch"),
        "{err}"
    );
    assert!(!file.exists());
    let before = {
        let store = Store::open(server.at()).unwrap();
        let conn = store.conn().unwrap();
        ccs_sync_server::store::epoch(&conn).unwrap()
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-sync-server"))
        .args(server.database_args())
        .arg("new-epoch")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(server.at()).unwrap();
    let conn = store.conn().unwrap();
    let after = ccs_sync_server::store::epoch(&conn).unwrap();
    assert_ne!(after, before);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&hex::encode(after)));
}
