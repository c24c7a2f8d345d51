//! The encrypted local store as a device uses it: create, unlock, save, list, review,
//! merge with other devices, conflicts, damaged input.

mod common;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::store::{
    DocHeaderView, EntryOutcome, Identity, KdfParams, ListFilter, Store, StoreError, MAX_INCREMENTS,
};
use common::*;

#[test]
fn store_file_holds_no_plaintext_and_needs_the_passphrase() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let mut body = session_body();
    body.summary = "Zanzibar-Tessalit-7731 marqueur distinctif".into();
    t.store.create_record(input(RecordBody::Session(body), committee), now()).unwrap();
    let path = t.path();
    drop(t.store);
    for suffix in ["", "-wal"] {
        let p = format!("{}{suffix}", path.display());
        if let Ok(bytes) = std::fs::read(&p) {
            let needle = b"Zanzibar-Tessalit";
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "plaintext found in {p}");
            assert!(!bytes.windows(6).any(|w| w == b"SQLite"), "unencrypted header in {p}");
        }
    }
    assert!(matches!(Store::open(&path, "wrong-passphrase"), Err(StoreError::WrongPassphrase)));
    let store = Store::open(&path, PASS).unwrap();
    let page = store.list(&ListFilter { text: Some("Zanzibar".into()), ..Default::default() }).unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn search_follows_edits_one_row_per_record() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let mut body = session_body();
    body.summary = "Réunion au marché de Tonka".into();
    let id = t.store.create_record(input(RecordBody::Session(body), committee), now()).unwrap();
    let search =
        |store: &Store, q: &str| store.list(&ListFilter { text: Some(q.into()), ..Default::default() }).unwrap().total;
    assert_eq!(search(&t.store, "Tonka"), 1);
    for word in ["Gossi", "Bintagoungou", "Saraféré"] {
        let mut patch = serde_json::Map::new();
        patch.insert("summary".into(), serde_json::Value::String(format!("Réunion à {word}")));
        t.store.patch_record(id, patch, now()).unwrap();
        assert_eq!(search(&t.store, word), 1, "{word}");
    }
    assert_eq!(search(&t.store, "Tonka"), 0, "the old text left the index");
    assert_eq!(search(&t.store, "Reunion"), 1, "one search row per record");
}

#[test]
fn search_rows_of_an_older_store_are_moved_to_the_record_rowids() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let mut body = session_body();
    body.summary = "Réunion au marché de Tonka".into();
    let id = t.store.create_record(input(RecordBody::Session(body), committee), now()).unwrap();
    // As schema 2 left them: search rows with rowids of their own, drafts without a base,
    // no demo flag, no lineage table.
    t.store
        .execute_sql_for_migration_tests(
            "CREATE TEMP TABLE f AS SELECT id, title, body FROM records_fts;
             DELETE FROM records_fts;
             INSERT INTO records_fts (rowid, id, title, body) SELECT 1000 + rowid, id, title, body FROM f;
             ALTER TABLE drafts DROP COLUMN base_heads;
             ALTER TABLE drafts DROP COLUMN acknowledged;
             ALTER TABLE identity DROP COLUMN demo;
             DROP TABLE record_lineage;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    let path = t.path();
    drop(t.store);
    let mut store = Store::open(&path, PASS).unwrap();
    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::Value::String("Réunion à Gossi".into()));
    store.patch_record(id, patch, now()).unwrap();
    let search = |q: &str| store.list(&ListFilter { text: Some(q.into()), ..Default::default() }).unwrap().total;
    assert_eq!((search("Gossi"), search("Tonka")), (1, 0));
}

#[test]
fn wrong_passphrase_touches_nothing() {
    let (t, _) = store_with_committee(Role::Member);
    let path = t.path();
    drop(t.store);
    let before = std::fs::read(&path).unwrap();
    let kdf_before = std::fs::read(format!("{}.kdf", path.display())).unwrap();
    for _ in 0..3 {
        assert_eq!(Store::open(&path, "nope-nope").err().map(|e| e.code().as_str()), Some("store.wrong_passphrase"));
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read(format!("{}.kdf", path.display())).unwrap(), kdf_before);
    assert!(Store::open(&path, PASS).is_ok());
}

#[test]
fn passphrase_change_reencrypts() {
    let (mut t, _) = store_with_committee(Role::Member);
    let path = t.path();
    assert!(matches!(t.store.change_passphrase("bad-current", "new-pass-2026"), Err(StoreError::WrongPassphrase)));
    assert_eq!(t.store.change_passphrase(PASS, "123").unwrap_err().code(), "passphrase.weak");
    t.store.change_passphrase(PASS, "nouvelle-phrase-2026").unwrap();
    drop(t.store);
    assert!(matches!(Store::open(&path, PASS), Err(StoreError::WrongPassphrase)));
    let store = Store::open(&path, "nouvelle-phrase-2026").unwrap();
    assert_eq!(store.list(&ListFilter::default()).unwrap().total, 1);
}

#[test]
fn create_refuses_to_overwrite() {
    let t = store_with(Role::Member);
    let err = Store::create(&t.path(), PASS, Identity::new(Role::Member), KdfParams::insecure_fast_for_tests())
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.exists");
}

#[test]
fn corrupted_store_is_reported_not_mistaken_for_wrong_passphrase() {
    let (t, _) = store_with_committee(Role::Member);
    let path = t.path();
    drop(t.store);
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().take(200).skip(20) {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path, PASS).err().unwrap();
    assert_eq!(err.code(), "store.corrupt", "{err}");
    // Nothing was rewritten.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn invalid_record_returns_every_error_and_saves_nothing() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let mut body = session_body();
    body.present = 30; // more than invited
    body.date = date("2027-01-01"); // future
    body.attendance[0].men = -1;
    let err = t.store.create_record(input(RecordBody::Session(body), committee), now()).unwrap_err();
    let StoreError::Invalid(errors) = err else { panic!("expected invalid") };
    let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
    assert!(codes.contains(&"attendance.present_exceeds_invited"), "{codes:?}");
    assert!(codes.contains(&"date.in_future"), "{codes:?}");
    assert!(codes.contains(&"count.negative"), "{codes:?}");
    assert!(errors.iter().all(|e| !e.message.fr.is_empty() && !e.message.en.is_empty()));
    assert_eq!(t.store.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap().total, 0);
}

#[test]
fn lists_filter_and_paginate_from_the_projection() {
    let mut t = store_with(Role::Reviewer);
    let summary = ccs_core::demo::fill(&mut t.store, now()).unwrap();
    assert_eq!(summary.committees, 6);
    let all = t.store.list(&ListFilter::default()).unwrap();
    let expected =
        summary.committees + summary.sessions + summary.assessments + summary.workshops + summary.recommendations;
    assert_eq!(all.total as usize, expected);

    let sessions =
        t.store.list(&ListFilter { kind: Some(RecordKind::Session), limit: 5, ..Default::default() }).unwrap();
    assert_eq!(sessions.items.len(), 5);
    assert_eq!(sessions.total as usize, summary.sessions);
    let next = t
        .store
        .list(&ListFilter { kind: Some(RecordKind::Session), limit: 5, offset: 5, ..Default::default() })
        .unwrap();
    assert!(next.items.iter().all(|i| !sessions.items.iter().any(|j| j.id == i.id)));
    // Newest first.
    assert!(sessions.items.windows(2).all(|w| w[0].date >= w[1].date));

    let gao = t.store.list(&ListFilter { region: Some("gao".into()), ..Default::default() }).unwrap();
    assert!(gao.total > 0 && gao.items.iter().all(|i| i.region.as_deref() == Some("gao")));

    let goundam = t
        .store
        .list(&ListFilter {
            commune: Some("tombouctou/goundam/goundam".into()),
            kind: Some(RecordKind::Session),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(goundam.total, 3);

    let corrections =
        t.store.list(&ListFilter { status: Some(ReviewStatus::NeedsCorrection), ..Default::default() }).unwrap();
    assert!(corrections.total > 0 && corrections.items.iter().all(|i| i.status == ReviewStatus::NeedsCorrection));

    let text = t.store.list(&ListFilter { text: Some("betail eleveurs".into()), ..Default::default() }).unwrap();
    assert!(text.total > 0, "accent-insensitive search");

    let ranged = t
        .store
        .list(&ListFilter {
            date_from: Some(date("2026-10-01")),
            date_to: Some(date("2026-11-30")),
            kind: Some(RecordKind::Session),
            ..Default::default()
        })
        .unwrap();
    assert!(ranged.items.iter().all(|i| i.date.as_deref().unwrap() >= "2026-10-01"));

    let confidential = all.items.iter().filter(|i| i.sensitivity == Sensitivity::Confidential).count();
    assert!(confidential >= 1, "the Ansongo assessment is confidential");
}

#[test]
fn review_flow_follows_role_rules() {
    let (mut member, committee) = store_with_committee(Role::Member);
    let id = member.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    assert_eq!(member.store.review(id, Decision::Approved, None, now()).unwrap_err().code(), "review.role_not_allowed");
    member.store.review(id, Decision::Submitted, None, now()).unwrap();
    assert_eq!(member.store.summary(id).unwrap().status, ReviewStatus::Submitted);
    assert_eq!(member.store.review(id, Decision::Submitted, None, now()).unwrap_err().code(), "review.not_from_status");
}

/// Copies every document of `from` into `to`, as a sync would.
fn exchange(from: &Store, to: &mut Store) {
    for id in from.document_ids().unwrap() {
        let bytes = from.document_bytes(id).unwrap();
        let header = RecordDoc::load(&bytes).unwrap().header().unwrap();
        to.apply_changes(&DocHeaderView::from(header), &bytes, now()).unwrap();
    }
}

#[test]
fn member_sees_correction_request_after_merge() {
    let (mut member, committee) = store_with_committee(Role::Member);
    let id = member.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    member.store.review(id, Decision::Submitted, None, now()).unwrap();
    let mut reviewer = store_with(Role::Reviewer);
    exchange(&member.store, &mut reviewer.store);
    reviewer.store.review(id, Decision::NeedsCorrection, Some("Préciser les présences FDS".into()), now()).unwrap();
    exchange(&reviewer.store, &mut member.store);
    let got = member.store.get(id, now()).unwrap();
    let record = got.record.unwrap();
    assert_eq!(record.review_status(), ReviewStatus::NeedsCorrection);
    assert_eq!(record.review.last().unwrap().comment.as_deref(), Some("Préciser les présences FDS"));
    // The member fixes and resubmits.
    let mut patch = serde_json::Map::new();
    patch.insert("invited".into(), serde_json::json!(22));
    member.store.patch_record(id, patch, now()).unwrap();
    // The member's clock is an hour late: the resubmission still comes after.
    member.store.review(id, Decision::Submitted, None, now() - chrono::Duration::hours(1)).unwrap();
    exchange(&member.store, &mut reviewer.store);
    assert_eq!(reviewer.store.summary(id).unwrap().status, ReviewStatus::Submitted);
}

#[test]
fn concurrent_edits_of_one_field_are_a_conflict_until_resolved() {
    let (mut a, committee) = store_with_committee(Role::Member);
    let id = a.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let mut b = store_with(Role::Member);
    exchange(&a.store, &mut b.store);

    let set = |s: &mut Store, field: &str, v: serde_json::Value| {
        let mut p = serde_json::Map::new();
        p.insert(field.into(), v);
        s.patch_record(id, p, now()).unwrap();
    };
    set(&mut a.store, "invited", serde_json::json!(25));
    set(&mut b.store, "invited", serde_json::json!(24));
    // Concurrent text edits at different places both survive.
    let summary = session_body().summary;
    set(&mut a.store, "summary", serde_json::json!(format!("Urgent. {summary}")));
    set(&mut b.store, "summary", serde_json::json!(format!("{summary} Fin.")));
    exchange(&a.store, &mut b.store);
    exchange(&b.store, &mut a.store);

    let conflicts = a.store.conflicts(id).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].path, "invited");
    let devices: Vec<_> = conflicts[0].values.iter().map(|v| v.device).collect();
    assert!(devices.contains(&Some(a.store.identity().device_id)));
    assert!(devices.contains(&Some(b.store.identity().device_id)));
    assert_eq!(a.store.summary(id).unwrap().conflict_count, 1);
    let record = a.store.get(id, now()).unwrap().record.unwrap();
    let RecordBody::Session(s) = &record.body else { panic!() };
    assert_eq!(s.summary, format!("Urgent. {summary} Fin."));

    let choice = conflicts[0].values.iter().position(|v| v.value == serde_json::json!(24)).unwrap();
    a.store.resolve_conflict(id, "invited", choice, now()).unwrap();
    assert!(a.store.conflicts(id).unwrap().is_empty());
    exchange(&a.store, &mut b.store);
    assert!(b.store.conflicts(id).unwrap().is_empty());
    let RecordBody::Session(s) = b.store.get(id, now()).unwrap().record.unwrap().body else { panic!() };
    assert_eq!(s.invited, 24);
}

#[test]
fn concurrent_list_additions_both_survive() {
    let (mut a, committee) = store_with_committee(Role::Member);
    let id = a.store.create_record(input(RecordBody::Assessment(assessment_body()), committee), now()).unwrap();
    let mut b = store_with(Role::Member);
    exchange(&a.store, &mut b.store);
    for (s, category) in [(&mut a.store, "banditisme"), (&mut b.store, "vbg")] {
        let current = s.get(id, now()).unwrap().record.unwrap();
        let json = ccs_core::model::input::to_json(&current);
        let mut threats = json["threats"].as_array().unwrap().clone();
        threats.push(serde_json::json!({
            "category": category, "place_type": "marche_foire", "suspected_actor": "inconnu",
            "trend": "nouvelle", "likelihood": 2, "impact": 2, "source": "communaute", "reliability": "non_verifiee"
        }));
        let mut p = serde_json::Map::new();
        p.insert("threats".into(), serde_json::Value::Array(threats));
        s.patch_record(id, p, now()).unwrap();
    }
    exchange(&a.store, &mut b.store);
    exchange(&b.store, &mut a.store);
    let RecordBody::Assessment(x) = a.store.get(id, now()).unwrap().record.unwrap().body else { panic!() };
    assert_eq!(x.threats.len(), 3);
    assert_eq!(a.store.document_bytes(id).unwrap().len(), a.store.document_bytes(id).unwrap().len());
    assert_eq!(a.store.heads(id).unwrap().0, b.store.heads(id).unwrap().0);
}

#[test]
fn fds_tension_threat_makes_the_assessment_confidential() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let mut body = assessment_body();
    body.threats[0].category = ThreatCategory::FdsTensions;
    let id = t.store.create_record(input(RecordBody::Assessment(body), committee), now()).unwrap();
    assert_eq!(t.store.summary(id).unwrap().sensitivity, Sensitivity::Confidential);
}

#[test]
fn invalid_merged_document_is_kept_and_flagged() {
    let (mut a, committee) = store_with_committee(Role::Member);
    let id = a.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    // Another device (a buggy or older app) writes present > invited directly.
    let mut d = RecordDoc::load(&a.store.document_bytes(id).unwrap()).unwrap();
    d.set_device(DeviceId::new());
    {
        use automerge::transaction::Transactable;
        let doc = d.inner();
        let body = match automerge::ReadDoc::get(doc, automerge::ROOT, "body").unwrap() {
            Some((_, id)) => id,
            None => panic!(),
        };
        doc.put(&body, "present", 99_i64).unwrap();
        doc.commit();
    }
    let header = DocHeaderView::from(d.header().unwrap());
    let outcome = a.store.apply_changes(&header, &d.save(), now()).unwrap();
    assert!(outcome.changed && outcome.error_count > 0);
    let summary = a.store.summary(id).unwrap();
    assert!(summary.error_count > 0);
    let flagged = a.store.list(&ListFilter { flagged_only: true, ..Default::default() }).unwrap();
    assert!(flagged.items.iter().any(|i| i.id == id));
    // A local save must fix it before it is accepted.
    let mut p = serde_json::Map::new();
    p.insert("summary".into(), serde_json::json!("autre texte"));
    assert_eq!(a.store.patch_record(id, p, now()).unwrap_err().code(), "record.invalid");
}

#[test]
fn newer_schema_document_is_kept_read_only() {
    let (mut a, committee) = store_with_committee(Role::Member);
    let id = a.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let mut d = RecordDoc::load(&a.store.document_bytes(id).unwrap()).unwrap();
    d.set_device(DeviceId::new());
    {
        use automerge::transaction::Transactable;
        let doc = d.inner();
        doc.put(automerge::ROOT, "schema_version", 99_u64).unwrap();
        doc.put(automerge::ROOT, "future_field", "x").unwrap();
        doc.commit();
    }
    let header = DocHeaderView::from(d.header().unwrap());
    let bytes = d.save();
    a.store.apply_changes(&header, &bytes, now()).unwrap();
    let got = a.store.get(id, now()).unwrap();
    assert!(got.read_only && got.record.is_none());
    assert_eq!(got.header.schema_version, 99);
    assert!(a.store.summary(id).unwrap().read_only);
    let mut p = serde_json::Map::new();
    p.insert("invited".into(), serde_json::json!(30));
    assert_eq!(a.store.patch_record(id, p, now()).unwrap_err().code(), "record.read_only");
    // Kept intact: the newer field is still in the stored document.
    let kept = RecordDoc::load(&a.store.document_bytes(id).unwrap()).unwrap();
    assert_eq!(kept.header().unwrap().schema_version, 99);
}

#[test]
fn garbage_changes_are_refused_and_nothing_is_lost() {
    let (mut a, committee) = store_with_committee(Role::Member);
    let id = a.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let header = DocHeaderView { id, kind: RecordKind::Session, committee_id: committee, schema_version: 1 };
    let before = a.store.document_bytes(id).unwrap();
    let err = a.store.apply_changes(&header, b"not automerge at all", now()).unwrap_err();
    assert_eq!(err.code(), "doc.corrupt");
    assert_eq!(a.store.document_bytes(id).unwrap(), before);
}

#[test]
fn dirty_tracking_follows_acknowledged_heads() {
    let (mut a, committee) = store_with_committee(Role::Member);
    let id = a.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    assert!(a.store.dirty().unwrap().iter().any(|d| d.id == id));
    let (heads, _) = a.store.heads(id).unwrap();
    a.store.mark_acked(id, &heads).unwrap();
    assert!(!a.store.dirty().unwrap().iter().any(|d| d.id == id));
    let mut p = serde_json::Map::new();
    p.insert("invited".into(), serde_json::json!(24));
    a.store.patch_record(id, p, now()).unwrap();
    assert!(a.store.dirty().unwrap().iter().any(|d| d.id == id));
}

#[test]
fn members_cannot_write_the_committee_registry_or_other_committees() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let mut identity = t.store.identity().clone();
    identity.committee_id = Some(committee);
    t.store.set_identity(identity).unwrap();
    let other = goundam_committee();
    t.store.insert_new(&other, now()).unwrap();
    let err = t.store.create_record(input(RecordBody::Session(session_body()), other.committee_id), now()).unwrap_err();
    assert_eq!(err.code(), "record.forbidden");
    let err = t.store.create_record(input(goundam_committee().body, committee), now()).unwrap_err();
    assert_eq!(err.code(), "record.forbidden");
}

#[test]
fn approved_record_is_locked_until_reopened() {
    let (mut t, committee) = store_with_committee(Role::Admin);
    let id = t.store.create_record(input(RecordBody::Recommendation(recommendation_body()), committee), now()).unwrap();
    t.store.review(id, Decision::Submitted, None, now()).unwrap();
    t.store.review(id, Decision::Approved, Some("Approuvée directement : facilitateur absent".into()), now()).unwrap();
    let mut p = serde_json::Map::new();
    p.insert("status".into(), serde_json::json!("transmise"));
    assert_eq!(t.store.patch_record(id, p.clone(), now()).unwrap_err().code(), "record.locked");
    t.store.review(id, Decision::Reopened, None, now()).unwrap();
    let r = t.store.patch_record(id, p, now()).unwrap();
    let RecordBody::Recommendation(rec) = r.body else { panic!() };
    assert_eq!(rec.status(), RecommendationStatus::Transmitted);
    assert_eq!(rec.status_history.len(), 2);
}

#[test]
fn admins_extend_the_reference_data() {
    let mut t = store_with(Role::Admin);
    let unit = ccs_core::reference::AdminUnit {
        code: "tombouctou/goundam/nouvelle-commune".into(),
        level: ccs_core::reference::UnitLevel::Commune,
        name: "Nouvelle Commune".into(),
        parent: Some("tombouctou/goundam".into()),
        valid_from: None,
        valid_to: None,
        dataset_version: "admin".into(),
    };
    t.store.add_reference_unit(unit.clone(), now()).unwrap();
    assert!(t.store.reference().commune(&unit.code).is_some());
    let path = t.path();
    drop(t.store);
    let store = Store::open(&path, PASS).unwrap();
    assert!(store.reference().commune(&unit.code).is_some(), "kept across restarts");
    let mut member = store_with(Role::Member);
    assert_eq!(member.store.add_reference_unit(unit, now()).unwrap_err().code(), "record.forbidden");
}

#[test]
fn rebuilding_projections_gives_the_same_rows() {
    let mut t = store_with(Role::Reviewer);
    ccs_core::demo::fill(&mut t.store, now()).unwrap();
    let before = t.store.list(&ListFilter { limit: 500, ..Default::default() }).unwrap();
    t.store.rebuild_projections(now()).unwrap();
    let after = t.store.list(&ListFilter { limit: 500, ..Default::default() }).unwrap();
    assert_eq!(before, after);
}

// ------------------------------------------------------------ incremental saves

/// A session's summary set to `text` as a patch, as a form's autosave sends it.
fn set_summary(store: &mut Store, id: RecordId, text: &str) {
    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::Value::String(text.into()));
    store.patch_record(id, patch, now()).unwrap();
}

/// What a reader sees of a document: its heads, its record and its history.
fn state(store: &Store, id: RecordId) -> (Vec<automerge::ChangeHash>, Record, Vec<String>) {
    let heads = store.heads(id).unwrap().0;
    let record = store.record(id).unwrap();
    let history = store.history(id).unwrap().into_iter().map(|h| h.hash).collect();
    (heads, record, history)
}

#[test]
fn a_document_saved_in_many_increments_then_folded_reads_back_identical() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let id = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    assert_eq!(t.store.document_increments(id).unwrap().0, 0, "a new document is one base");
    let mut most = 0;
    for i in 0..150 {
        set_summary(&mut t.store, id, &format!("Réunion {i} au marché de Tonka"));
        let (n, _) = t.store.document_increments(id).unwrap();
        assert!(n <= MAX_INCREMENTS as usize, "increments are folded before they pile up ({n})");
        most = most.max(n);
    }
    assert!(most > 10, "saves appended increments ({most} at most)");
    let before = state(&t.store, id);
    assert_eq!(before.2.len(), 151, "one change per save, none lost by folding");
    assert!(matches!(&before.1.body, RecordBody::Session(s) if s.summary == "Réunion 149 au marché de Tonka"));
    // Read back after reopening, as increments...
    let path = t.path();
    drop(t.store);
    let mut store = Store::open(&path, PASS).unwrap();
    assert_eq!(state(&store, id), before);
    // ...and folded into one base.
    assert_eq!(store.compact_documents().unwrap(), 1);
    assert_eq!(store.document_increments(id).unwrap().0, 0);
    assert_eq!(state(&store, id), before);
    drop(store);
    let store = Store::open(&path, PASS).unwrap();
    assert_eq!(state(&store, id), before);
    let bytes = store.document_bytes(id).unwrap();
    assert_eq!(RecordDoc::load(&bytes).unwrap().heads(), before.0, "what is sent is the same document");
    let search = |q: &str| store.list(&ListFilter { text: Some(q.into()), ..Default::default() }).unwrap().total;
    assert_eq!((search("149"), search("148")), (1, 0));
}

#[test]
fn a_page_rolled_back_between_increments_loses_nothing_committed() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let id = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    for i in 0..5 {
        set_summary(&mut t.store, id, &format!("Version {i}"));
    }
    let committed = state(&t.store, id);
    let increments = t.store.document_increments(id).unwrap();
    // A colleague's edit arrives in a page that is cut off before its commit (the
    // connection drops, the app is locked, the battery dies): its increment was
    // written inside the transaction, then rolled back with it.
    let mut colleague = store_with(Role::Member);
    exchange(&t.store, &mut colleague.store);
    let base = colleague.store.heads(id).unwrap().0;
    set_summary(&mut colleague.store, id, "Version du collègue");
    let changes = colleague.store.changes_since(id, &base).unwrap();
    let hint =
        DocHeaderView::from(RecordDoc::load(&colleague.store.document_bytes(id).unwrap()).unwrap().header().unwrap());
    {
        let page = t.store.begin_page().unwrap();
        let merged = page.merge_or_quarantine("https://ccs.example", &hint, &changes, now()).unwrap();
        assert!(matches!(merged, EntryOutcome::Merged { .. }), "{merged:?}");
        // Dropped without commit.
    }
    let path = t.path();
    drop(t.store);
    let mut store = Store::open(&path, PASS).unwrap();
    assert_eq!(state(&store, id), committed, "the committed state, whole");
    assert_eq!(store.document_increments(id).unwrap(), increments, "no half-written increment");
    // Later saves and the same changes applied for good build on the committed state.
    set_summary(&mut store, id, "Version 5");
    store.apply_changes(&hint, &changes, now()).unwrap();
    assert_eq!(store.heads(id).unwrap().0.len(), 2, "the colleague's edit and ours, side by side");
    assert_eq!(store.history(id).unwrap().len(), committed.2.len() + 2);
    drop(store);
    let store = Store::open(&path, PASS).unwrap();
    assert_eq!(store.history(id).unwrap().len(), committed.2.len() + 2, "and both kept for good");
}

#[test]
fn a_store_written_before_increments_opens_and_saves() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let id = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    set_summary(&mut t.store, id, "Avant la mise à jour");
    t.store.compact_documents().unwrap();
    let ids = t.store.document_ids().unwrap();
    let before: Vec<_> = ids.iter().map(|i| state(&t.store, *i)).collect();
    // As schema 7 left it: every document one row of full bytes, no increments table.
    t.store.execute_sql_for_migration_tests("DROP TABLE document_changes; PRAGMA user_version = 7;").unwrap();
    let path = t.path();
    drop(t.store);
    let mut store = Store::open(&path, PASS).unwrap();
    let after: Vec<_> = ids.iter().map(|i| state(&store, *i)).collect();
    assert_eq!(after, before);
    set_summary(&mut store, id, "Après la mise à jour");
    assert_eq!(store.document_increments(id).unwrap().0, 1, "the first save after the upgrade is an increment");
    drop(store);
    let store = Store::open(&path, PASS).unwrap();
    let own = &before[ids.iter().position(|i| *i == id).unwrap()];
    let (heads, record, history) = state(&store, id);
    assert!(matches!(&record.body, RecordBody::Session(s) if s.summary == "Après la mise à jour"));
    assert_eq!(history.len(), own.2.len() + 1);
    assert_ne!(heads, own.0);
}
