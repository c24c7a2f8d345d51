//! Devices and a real sync server over loopback, as the field uses them: offline edits,
//! syncs in random orders, scopes, correction requests, refusals, a link that drops in
//! the middle of an answer, a server killed in the middle of a push.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use ccs_core::model::*;
use ccs_core::store::ListFilter;
use ccs_core::sync::client::{self, HttpTransport};
use ccs_sync_server::admin;
use ccs_tests::fixtures;
use ccs_tests::proxy::Proxy;
use ccs_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn member(w: &World, name: &str, committee: CommitteeId) -> Device {
    let mut d =
        Device::enrolled(name, &w.server.url(), w.server.data_dir(), grant(Role::Member, Some(committee), None));
    d.sync().unwrap();
    d
}

/// What each record looks like on a device: its heads.
fn snapshot(d: &Device) -> BTreeMap<RecordId, Vec<automerge::ChangeHash>> {
    d.ids().into_iter().map(|id| (id, d.store.heads(id).unwrap().0)).collect()
}

#[test]
fn devices_converge_within_their_scopes_whatever_the_sync_order() {
    let seed: u64 = std::env::var("CCS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("seed {seed} (replay with CCS_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = world();
    let (goundam, ansongo) = (w.goundam, w.ansongo);
    let mut devices =
        vec![member(&w, "m1-goundam", goundam), member(&w, "m2-goundam", goundam), member(&w, "m3-ansongo", ansongo)];
    let mut facilitator = Device::enrolled(
        "facilitator",
        &w.server.url(),
        w.server.data_dir(),
        grant(Role::Facilitator, None, Some("tombouctou")),
    );
    facilitator.sync().unwrap();
    devices.push(facilitator);

    // One allegation against the security forces, by m1: confidential.
    let secret = devices[0]
        .store
        .create_record(fixtures::assessment(goundam, "tombouctou/goundam/goundam", ThreatCategory::FdsTensions), now())
        .unwrap();

    for step in 0..60 {
        let d = rng.gen_range(0..devices.len() + 1);
        let action = rng.gen_range(0..4);
        if d == devices.len() {
            // The reviewer: syncs, or approves what is submitted.
            if action == 0 {
                let submitted = w
                    .reviewer
                    .store
                    .list(&ListFilter { status: Some(ReviewStatus::Submitted), ..Default::default() })
                    .unwrap();
                if let Some(item) = submitted.items.first() {
                    // Directly from « soumis »: with its reason.
                    let reason = Some("Facilitateur absent : approuvée directement".to_string());
                    w.reviewer.store.review(item.id, Decision::Approved, reason, now()).unwrap();
                }
            }
            w.reviewer.sync().unwrap();
            continue;
        }
        let device = &mut devices[d];
        let committee = if device.name.contains("ansongo") { ansongo } else { goundam };
        match action {
            0 if !device.name.starts_with("facilitator") => {
                device
                    .store
                    .create_record(fixtures::session(committee, 1 + step % 28, &format!("séance {step}")), now())
                    .unwrap();
            }
            1 => {
                // Edit a session this device can see.
                let sessions =
                    device.store.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap();
                if !sessions.items.is_empty() {
                    let item = &sessions.items[rng.gen_range(0..sessions.items.len())];
                    let mut patch = serde_json::Map::new();
                    patch.insert("summary".into(), serde_json::json!(format!("{} — note {}", device.name, step)));
                    let _ = device.store.patch_record(item.id, patch, now());
                }
            }
            2 if !device.name.starts_with("facilitator") => {
                let drafts = device
                    .store
                    .list(&ListFilter {
                        status: Some(ReviewStatus::Draft),
                        kind: Some(RecordKind::Session),
                        ..Default::default()
                    })
                    .unwrap();
                if let Some(item) = drafts.items.first() {
                    device.store.review(item.id, Decision::Submitted, None, now()).unwrap();
                }
            }
            _ => {
                device.sync().unwrap();
            }
        }
    }
    // Everyone syncs until nothing moves.
    for _ in 0..3 {
        for d in devices.iter_mut() {
            d.sync().unwrap();
        }
        w.reviewer.sync().unwrap();
    }

    let all = snapshot(&w.reviewer);
    let kinds: BTreeMap<RecordId, (CommitteeId, Sensitivity)> = w
        .reviewer
        .store
        .list(&ListFilter { limit: 500, ..Default::default() })
        .unwrap()
        .items
        .iter()
        .map(|i| (i.id, (i.committee_id, i.sensitivity)))
        .collect();
    assert!(all.contains_key(&secret), "the reviewer sees the confidential assessment");
    let approved: Vec<RecordId> = w
        .reviewer
        .store
        .list(&ListFilter { status: Some(ReviewStatus::Approved), limit: 500, ..Default::default() })
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    for d in &devices {
        let mine = snapshot(d);
        let expected: Vec<RecordId> = all
            .keys()
            .filter(|id| {
                let (committee, sensitivity) = kinds[id];
                let in_scope = match d.name.as_str() {
                    "m3-ansongo" => committee == ansongo,
                    // The facilitator of Tombouctou: Goundam's committee.
                    _ => committee == goundam,
                };
                let confidential_ok = sensitivity != Sensitivity::Confidential || (d.name == "m1-goundam");
                in_scope && confidential_ok
            })
            .copied()
            .collect();
        assert_eq!(mine.keys().copied().collect::<Vec<_>>(), expected, "{} holds exactly its scope", d.name);
        for (id, heads) in &mine {
            // The server refuses an edit made offline to a record the CRSS approved
            // meanwhile (record.locked, until reopened): that device keeps its edit.
            if approved.contains(id) && heads != &all[id] {
                continue;
            }
            assert_eq!(heads, &all[id], "{}: record {id} differs from the reviewer's", d.name);
        }
    }
}

#[test]
fn member_sees_correction_request_after_sync_and_the_fix_reaches_the_reviewer() {
    let mut w = world();
    let mut m = member(&w, "goundam", w.goundam);
    let id = m.store.create_record(fixtures::session(w.goundam, 5, "Situation calme."), now()).unwrap();
    m.store.review(id, Decision::Submitted, None, now()).unwrap();
    m.sync().unwrap();
    w.reviewer.sync().unwrap();
    w.reviewer
        .store
        .review(id, Decision::NeedsCorrection, Some("Préciser le nombre de présents FDS.".into()), now())
        .unwrap();
    w.reviewer.sync().unwrap();

    m.sync().unwrap();
    let record = m.store.get(id, now()).unwrap().record.unwrap();
    assert_eq!(record.review_status(), ReviewStatus::NeedsCorrection);
    assert_eq!(record.review.last().unwrap().comment.as_deref(), Some("Préciser le nombre de présents FDS."));

    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::json!("Situation calme. 4 FDS présents."));
    m.store.patch_record(id, patch, now()).unwrap();
    m.store.review(id, Decision::Submitted, None, now()).unwrap();
    m.sync().unwrap();
    w.reviewer.sync().unwrap();
    let fixed = w.reviewer.store.get(id, now()).unwrap().record.unwrap();
    assert_eq!(fixed.review_status(), ReviewStatus::Submitted);
    let RecordBody::Session(s) = fixed.body else { panic!("session") };
    assert_eq!(s.summary, "Situation calme. 4 FDS présents.");
}

#[test]
fn refusals_revoked_device_reused_and_expired_codes_push_into_another_committee() {
    let w = world();
    let mut m = member(&w, "goundam", w.goundam);

    // A code is single-use.
    let code = issue_code(w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    let mut first = Device::new("first");
    client::enroll(&mut first.store, &HttpTransport::default(), &w.server.url(), &code, None).unwrap();
    let mut second = Device::new("second");
    let err = client::enroll(&mut second.store, &HttpTransport::default(), &w.server.url(), &code, None).unwrap_err();
    assert_eq!(err.code(), "enroll.used");

    // An expired code.
    let old = admin::create_enrollment_code(
        w.server.data_dir(),
        &grant(Role::Member, Some(w.goundam), None),
        chrono::Duration::minutes(5),
        chrono::Utc::now() - chrono::Duration::hours(2),
    )
    .unwrap()
    .code;
    let err = client::enroll(&mut second.store, &HttpTransport::default(), &w.server.url(), &old, None).unwrap_err();
    assert_eq!(err.code(), "enroll.expired");

    // A push into another committee: the record reached this store somehow (bypassing
    // the device's own checks); the server refuses it and only it.
    let mut foreign = ccs_core::model::Record::new(
        fixtures::session(w.ansongo, 3, "hors périmètre").body,
        w.ansongo,
        m.store.identity().device_id,
        now(),
    );
    foreign.sensitivity = Sensitivity::Restricted;
    // The committee document must exist locally for the projection; take it from the reviewer.
    let committee_bytes = w.reviewer.store.document_bytes(w.ansongo.into()).unwrap();
    let hint = ccs_core::store::DocHeaderView::from(
        ccs_core::doc::RecordDoc::load(&committee_bytes).unwrap().header().unwrap(),
    );
    m.store.apply_changes(&hint, &committee_bytes, now()).unwrap();
    m.store.insert_new(&foreign, now()).unwrap();
    let own = m.store.create_record(fixtures::session(w.goundam, 4, "dans le périmètre"), now()).unwrap();
    let report = m.sync().unwrap();
    assert!(report.rejected.iter().any(|(id, code)| *id == foreign.id && code == "scope.outside"), "{report:?}");
    assert!(!report.rejected.iter().any(|(id, _)| *id == own));

    // Revocation takes effect on the next request.
    admin::revoke_device(w.server.data_dir(), &m.store.identity().device_id.to_string(), chrono::Utc::now()).unwrap();
    let err = m.sync().unwrap_err();
    assert_eq!(err.code(), "auth.revoked");
}

#[test]
fn sync_with_nothing_to_do_is_one_round_trip_under_one_kilobyte() {
    let w = world();
    let proxy = Proxy::start(w.server.addr).unwrap();
    let mut m =
        Device::enrolled("goundam", &proxy.url(), w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    m.sync().unwrap();
    m.store.create_record(fixtures::session(w.goundam, 2, "Rien à signaler."), now()).unwrap();
    m.sync().unwrap();
    proxy.wire.reset_counts();
    let report = m.sync().unwrap();
    let bytes = proxy.wire.total();
    println!(
        "nothing to do: {} round trip(s), {bytes} bytes on the wire (frames {} up, {} down)",
        report.round_trips, report.bytes_up, report.bytes_down
    );
    assert_eq!(report.round_trips, 1);
    assert_eq!(proxy.wire.connections.load(Ordering::SeqCst), 1);
    assert!(bytes < 1024, "{bytes} bytes");
}

#[test]
fn a_backlog_larger_than_the_server_takes_in_one_request_goes_over_several_rounds() {
    // Weeks offline: more dirty records than the server's 500 documents per request.
    let server = InProcessServer::start();
    let mut reviewer =
        Device::enrolled("reviewer", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let goundam: CommitteeId = reviewer.store.create_record(fixtures::goundam(), now()).unwrap().into();
    reviewer.sync().unwrap();
    let mut m = Device::enrolled("goundam", &server.url(), server.data_dir(), grant(Role::Member, Some(goundam), None));
    m.sync().unwrap();
    for i in 0..520 {
        m.store.create_record(fixtures::session(goundam, 1 + i % 28, &format!("séance {i}")), now()).unwrap();
    }
    let report = m.sync().unwrap();
    assert_eq!((report.pushed, report.accepted), (520, 520), "{report:?}");
    assert!(report.rejected.is_empty());
    assert!(report.round_trips >= 3, "batches of at most 200: {report:?}");
    assert!(m.store.dirty().unwrap().is_empty());
    reviewer.sync().unwrap();
    let total = reviewer.store.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap();
    assert_eq!(total.total, 520);
}

#[test]
fn link_cut_in_the_middle_of_answers_loses_nothing_and_duplicates_nothing() {
    // Small pages, so a cut can fall after some pages were applied.
    let server = InProcessServer::with_limits(ccs_sync_server::Limits { page_bytes: 4096, ..Default::default() });
    let mut reviewer =
        Device::enrolled("reviewer", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let goundam: CommitteeId = reviewer.store.create_record(fixtures::goundam(), now()).unwrap().into();
    reviewer.sync().unwrap();
    let proxy = Proxy::start(server.addr).unwrap();
    let mut m = Device::enrolled("goundam", &proxy.url(), server.data_dir(), grant(Role::Member, Some(goundam), None));
    m.sync_until_ok(3);
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(m.store.create_record(fixtures::session(goundam, 1 + i % 28, &format!("séance {i}")), now()).unwrap());
    }
    // Pushes whose answers are cut at many points: the server may have filed them, the
    // device does not know; it sends them again and nothing is filed twice.
    for cut in [0usize, 1, 50, 120, 200, 400, 800, 1500, 3000] {
        proxy.cut_after(cut);
        let _ = m.sync();
    }
    proxy.never_cut();
    m.sync_until_ok(3);
    reviewer.sync().unwrap();
    let expected = snapshot(&reviewer);

    // New devices pull everything through a link that drops after N bytes, for many N,
    // then finish over a good link.
    let probe_proxy = Proxy::start(server.addr).unwrap();
    let mut probe = Device::enrolled("probe", &probe_proxy.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    probe.sync().unwrap();
    let full = probe_proxy.wire.down.load(Ordering::SeqCst);
    let mut cut_syncs = 0;
    for k in 0..16 {
        let cut = full * k / 16;
        let link = Proxy::start(server.addr).unwrap();
        let mut d =
            Device::enrolled(&format!("late-{k}"), &link.url(), server.data_dir(), grant(Role::Reviewer, None, None));
        link.cut_after(cut);
        if d.sync().is_err() {
            cut_syncs += 1;
        }
        let partial = d.ids().len();
        link.never_cut();
        d.sync_until_ok(3);
        assert_eq!(snapshot(&d), expected, "cut after {cut} of {full} bytes ({partial} records before the cut)");
    }
    println!("full pull: {full} bytes; {cut_syncs} of 16 pulls cut mid-answer, all completed afterwards");
    assert!(cut_syncs >= 12);
    for id in &ids {
        let RecordBody::Session(s) = reviewer.store.get(*id, now()).unwrap().record.unwrap().body else { panic!() };
        assert_eq!(s.agenda.len(), 1, "no duplicated list item");
    }
}

#[test]
fn server_killed_in_the_middle_of_a_push_and_restarted_loses_nothing() {
    let data = tempfile::tempdir().unwrap();
    let mut server = ChildServer::start(data.path());
    let mut reviewer = Device::enrolled("reviewer", &server.url(), data.path(), grant(Role::Reviewer, None, None));
    let goundam: CommitteeId = reviewer.store.create_record(fixtures::goundam(), now()).unwrap().into();
    reviewer.sync().unwrap();
    let mut m = Device::enrolled("goundam", &server.url(), data.path(), grant(Role::Member, Some(goundam), None));
    m.sync().unwrap();

    let mut rng = StdRng::seed_from_u64(7);
    let mut ids = Vec::new();
    let mut interrupted = 0;
    for round in 0..4 {
        for i in 0..60 {
            ids.push(
                m.store
                    .create_record(fixtures::session(goundam, 1 + i % 28, &format!("tour {round} séance {i}")), now())
                    .unwrap(),
            );
        }
        // Kill the server while the push is on its way.
        let delay = rng.gen_range(1..40);
        let handle = std::thread::spawn({
            let addr = server.addr;
            move || {
                std::thread::sleep(std::time::Duration::from_millis(delay));
                addr
            }
        });
        let path = m.store.path().to_path_buf();
        let pusher = std::thread::spawn(move || {
            let mut store = ccs_core::store::Store::open(&path, PASS).unwrap();
            client::sync(&mut store, &HttpTransport::new(std::time::Duration::from_secs(5)), now()).is_err()
        });
        let _ = handle.join();
        server.kill();
        if pusher.join().unwrap_or(false) {
            interrupted += 1;
        }
        server.restart();
        m.sync_until_ok(5);
    }
    println!("{interrupted} of 4 pushes interrupted by the kill");
    reviewer.sync_until_ok(5);
    for id in &ids {
        assert_eq!(reviewer.store.heads(*id).unwrap().0, m.store.heads(*id).unwrap().0);
        let RecordBody::Session(s) = reviewer.store.get(*id, now()).unwrap().record.unwrap().body else { panic!() };
        assert_eq!(s.agenda.len(), 1);
    }
    assert!(m.store.dirty().unwrap().is_empty(), "everything acknowledged");
}

#[test]
fn device_repairs_against_a_server_restored_from_an_older_backup() {
    let mut w = world();
    let mut m = member(&w, "goundam", w.goundam);
    let early = m.store.create_record(fixtures::session(w.goundam, 3, "avant la sauvegarde"), now()).unwrap();
    m.sync().unwrap();
    // The admin takes a backup, then life goes on: more records reach the server.
    let backup_dir = tempfile::tempdir().unwrap();
    admin::backup(w.server.data_dir(), &backup_dir.path().join(ccs_sync_server::store::DB_FILE)).unwrap();
    let late = m.store.create_record(fixtures::session(w.goundam, 4, "après la sauvegarde"), now()).unwrap();
    m.sync().unwrap();
    w.reviewer.sync().unwrap();
    m.sync().unwrap();
    let reviewer_late = w.reviewer.store.create_record(fixtures::session(w.goundam, 6, "relevé CRSS"), now()).unwrap();
    w.reviewer.sync().unwrap();

    // The server is lost and restored from the backup, at the same address.
    let addr = w.server.addr;
    drop(std::mem::replace(&mut w.server, InProcessServer::start()));
    let _restored = InProcessServer::on_addr(backup_dir, ccs_sync_server::Limits::default(), addr);
    let report = m.sync().unwrap();
    assert!(report.repaired, "{report:?}");
    let report = w.reviewer.sync().unwrap();
    assert!(report.repaired, "{report:?}");
    m.sync().unwrap();
    for id in [early, late, reviewer_late] {
        assert_eq!(m.store.heads(id).unwrap().0, w.reviewer.store.heads(id).unwrap().0, "record {id}");
    }
    assert!(m.store.dirty().unwrap().is_empty());
    // And ordinary sync resumes: one round trip for nothing to do.
    assert_eq!(m.sync().unwrap().round_trips, 1);
}
