//! Rule 4, "nothing stops a device's sync for good", with real stores and a real server
//! on loopback: a bad entry in the log is set aside and later syncs go on; a refused
//! record is shown as refused and not resent until it changes; a repair against a
//! server restored from an older backup never marks as synced a record it did not
//! exchange.

use ccs_core::model::*;
use ccs_core::store::ListFilter;
use ccs_sync_server::admin;
use ccs_tests::fixtures;
use ccs_tests::*;

/// A server with the Goundam committee in it, created by a reviewer device.
fn server_with_goundam() -> (InProcessServer, Device, CommitteeId) {
    let server = InProcessServer::start();
    let mut reviewer =
        Device::enrolled("reviewer", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let goundam = reviewer.store.create_record(fixtures::goundam(), now()).unwrap().into();
    reviewer.sync().unwrap();
    (server, reviewer, goundam)
}

fn tonka() -> ccs_core::model::input::RecordInput {
    fixtures::committee("CCS de Tonka", "tombouctou", "tombouctou/goundam", "tombouctou/goundam/tonka")
}

fn facilitator(server: &InProcessServer) -> Device {
    let mut f = Device::enrolled(
        "facilitator",
        &server.url(),
        server.data_dir(),
        grant(Role::Facilitator, None, Some("tombouctou")),
    );
    f.sync().unwrap();
    f
}

fn is_dirty(d: &Device, id: RecordId) -> bool {
    let (heads, acked) = d.store.heads(id).unwrap();
    heads != acked
}

#[test]
fn a_bad_entry_in_the_log_does_not_stop_a_devices_later_syncs() {
    let (server, mut reviewer, goundam) = server_with_goundam();
    let mut m = Device::enrolled("goundam", &server.url(), server.data_dir(), grant(Role::Member, Some(goundam), None));
    m.sync().unwrap();

    // An entry no device can apply reaches the log (a damaged disk, a bug, another
    // implementation): garbage filed for a record of Goundam.
    let bad = RecordId::new();
    let store = ccs_sync_server::store::Store::open(server.data_dir()).unwrap();
    store
        .conn()
        .unwrap()
        .execute_batch(&format!(
            "INSERT INTO docs (id, kind, committee_id, sensitivity, region, author_device, heads, created_at, updated_at)
             VALUES ('{bad}', 'session', '{goundam}', 'restricted', NULL, '{dev}', x'', '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z');
             INSERT INTO log (doc_id, origin_device, bytes, at, committee_id) VALUES ('{bad}', '{dev}', x'00ff00ff6e6f7420616e206175746f6d65726765', '2026-11-20T10:00:00Z', '{goundam}');",
            dev = reviewer.store.identity().device_id
        ))
        .unwrap();
    drop(store);

    let report = m.sync().unwrap();
    assert_eq!(
        report.quarantined.iter().map(|q| (q.doc_id, q.code.as_str())).collect::<Vec<_>>(),
        vec![(bad, "doc.corrupt")],
        "{report:?}"
    );

    // Later syncs go on both ways.
    let from_reviewer = reviewer.store.create_record(fixtures::session(goundam, 5, "relevé CRSS"), now()).unwrap();
    reviewer.sync().unwrap();
    let own = m.store.create_record(fixtures::session(goundam, 6, "séance du comité"), now()).unwrap();
    let report = m.sync().unwrap();
    assert!(report.quarantined.is_empty(), "set aside once, not met again: {report:?}");
    assert_eq!((report.accepted, report.received), (1, 1), "{report:?}");
    assert!(m.store.get(from_reviewer, now()).unwrap().record.is_some());
    reviewer.sync().unwrap();
    assert!(reviewer.store.get(own, now()).unwrap().record.is_some());
    // Still listed, with its reason.
    assert_eq!(m.store.quarantined().unwrap().iter().map(|q| q.doc_id).collect::<Vec<_>>(), vec![bad]);
    assert_eq!(m.sync().unwrap().round_trips, 1, "nothing left to do");
}

#[test]
fn a_refused_record_is_not_resent_until_it_changes() {
    let (server, reviewer, _) = server_with_goundam();
    let mut f = facilitator(&server);
    // A committee installed by the CRSS, known on the facilitator's phone before the
    // server has it (the reviewer has not synced yet).
    let mut reviewer = reviewer;
    let tonka: CommitteeId = reviewer.store.create_record(tonka(), now()).unwrap().into();
    let bytes = reviewer.store.document_bytes(tonka.into()).unwrap();
    let hint = ccs_core::store::DocHeaderView::from(ccs_core::doc::RecordDoc::load(&bytes).unwrap().header().unwrap());
    f.store.apply_changes(&hint, &bytes, now()).unwrap();
    f.store.mark_acked(tonka.into(), &f.store.heads(tonka.into()).unwrap().0).unwrap();
    let session = f.store.create_record(fixtures::session(tonka, 7, "installation du comité"), now()).unwrap();

    let report = f.sync().unwrap();
    assert_eq!(report.rejected, vec![(session, "scope.outside".to_string())], "{report:?}");
    // Shown as refused, with the reason, and not sent again while unchanged.
    let held = f.store.held_back(now()).unwrap();
    assert_eq!(held.iter().map(|r| (r.id, r.code.as_str())).collect::<Vec<_>>(), vec![(session, "scope.outside")]);
    let report = f.sync().unwrap();
    assert_eq!((report.pushed, report.held_back, report.round_trips), (0, 1, 1), "{report:?}");
    assert!(report.rejected.is_empty());

    // A local edit: sent again (and refused again: the server still lacks the committee).
    let mut patch = serde_json::Map::new();
    patch.insert("invited".into(), serde_json::json!(26));
    f.store.patch_record(session, patch, now()).unwrap();
    let report = f.sync().unwrap();
    assert_eq!((report.pushed, report.rejected.len()), (1, 1), "{report:?}");

    // The committee reaches the server: its registry entry reaching the phone releases
    // the refusal, and the record goes in the same sync.
    reviewer.sync().unwrap();
    let report = f.sync().unwrap();
    assert_eq!((report.pushed, report.accepted), (1, 1), "{report:?}");
    assert!(report.rejected.is_empty() && f.store.held_back(now()).unwrap().is_empty());
    assert!(!is_dirty(&f, session));
    reviewer.sync().unwrap();
    assert_eq!(reviewer.store.heads(session).unwrap().0, f.store.heads(session).unwrap().0);
}

#[test]
fn repair_against_a_restored_server_that_lacks_a_committee_keeps_its_records_unsynced() {
    let (mut server, mut reviewer, _) = server_with_goundam();
    let mut f = facilitator(&server);
    // The admin takes a backup; then the CRSS installs Tonka and the facilitator records
    // a session there, synced.
    let backup = tempfile::tempdir().unwrap();
    admin::backup(server.data_dir(), &backup.path().join(ccs_sync_server::store::DB_FILE)).unwrap();
    let tonka: CommitteeId = reviewer.store.create_record(tonka(), now()).unwrap().into();
    reviewer.sync().unwrap();
    f.sync().unwrap();
    let synced = f.store.create_record(fixtures::session(tonka, 8, "séance avant la panne"), now()).unwrap();
    f.sync().unwrap();
    assert!(!is_dirty(&f, synced));

    // The server is lost and restored from the backup, which knows nothing of Tonka.
    // Meanwhile the facilitator recorded another session offline.
    let addr = server.addr;
    drop(std::mem::replace(&mut server, InProcessServer::start()));
    let _restored = InProcessServer::on_addr(backup, ccs_sync_server::Limits::default(), addr);
    let offline = f.store.create_record(fixtures::session(tonka, 9, "séance hors ligne"), now()).unwrap();

    let report = f.sync().unwrap();
    assert!(report.repaired, "{report:?}");
    // Neither record was exchanged: neither is marked synced.
    for id in [synced, offline] {
        assert!(is_dirty(&f, id), "record {id} marked synced without reaching the server");
        assert!(report.rejected.contains(&(id, "scope.outside".to_string())), "{report:?}");
    }

    // The reviewer repairs too, which files Tonka again; the facilitator's records go.
    let report = reviewer.sync().unwrap();
    assert!(report.repaired, "{report:?}");
    let report = f.sync().unwrap();
    assert_eq!(report.accepted, 2, "{report:?}");
    assert!(f.store.dirty().unwrap().is_empty());
    reviewer.sync().unwrap();
    for id in [synced, offline] {
        assert_eq!(reviewer.store.heads(id).unwrap().0, f.store.heads(id).unwrap().0, "record {id}");
    }
    let sessions = reviewer.store.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap();
    assert_eq!(sessions.total, 2);
}
