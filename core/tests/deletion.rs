//! Issue 11: a record saved by mistake is deleted with a tombstone in its review trail
//! (who and when), hidden from lists and counts but kept for the trail; a submission is
//! withdrawn before a reviewer decides. The server's side of the rules is in
//! `sync-server/tests/rules.rs`.

mod common;

use ccs_core::model::*;
use ccs_core::store::{ListFilter, StoreError};
use common::*;

#[test]
fn a_deleted_draft_leaves_lists_and_counts_and_keeps_who_and_when() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let kept = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let mistake = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let sessions = ListFilter { kind: Some(RecordKind::Session), ..Default::default() };
    assert_eq!(t.store.list(&sessions).unwrap().total, 2);

    t.store.review(mistake, Decision::Deleted, None, now()).unwrap();
    let listed: Vec<RecordId> = t.store.list(&sessions).unwrap().items.iter().map(|s| s.id).collect();
    assert_eq!(listed, vec![kept]);
    let counted: u64 = t.store.counts().unwrap().iter().filter(|c| c.0 == RecordKind::Session).map(|c| c.2).sum();
    assert_eq!(counted, 1);
    // Still on the device, found when asked for by its status, with the deletion on file.
    let deleted = ListFilter { status: Some(ReviewStatus::Deleted), ..sessions };
    assert_eq!(t.store.list(&deleted).unwrap().total, 1);
    let record = t.store.record(mistake).unwrap();
    let tombstone = record.review.last().unwrap();
    assert_eq!(
        (tombstone.decision, tombstone.by_device, tombstone.at),
        (Decision::Deleted, t.store.identity().device_id, now())
    );
    // Nothing more happens to it: no edit, no decision.
    assert!(matches!(t.store.review(mistake, Decision::Submitted, None, now()), Err(StoreError::Review(_))));
}

#[test]
fn a_member_withdraws_a_submission_but_deletes_only_a_draft() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let id = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    t.store.review(id, Decision::Submitted, None, now()).unwrap();
    let err = t.store.review(id, Decision::Deleted, None, now()).unwrap_err();
    assert_eq!(err.code(), "review.not_from_status");
    t.store.review(id, Decision::Withdrawn, None, now()).unwrap();
    let record = t.store.record(id).unwrap();
    assert_eq!(record.review_status(), ReviewStatus::Draft);
    assert_eq!(
        record.review.iter().map(|e| e.decision).collect::<Vec<_>>(),
        vec![Decision::Submitted, Decision::Withdrawn]
    );
    // A draft again: withdrawing twice is refused, deleting is allowed.
    assert!(t.store.review(id, Decision::Withdrawn, None, now()).is_err());
    t.store.review(id, Decision::Deleted, None, now()).unwrap();
}

/// What the record page offers a member: « Supprimer la fiche » on a draft, « Retirer la
/// soumission » once submitted, nothing once deleted; and it says the record was not
/// sent (proof of sending, `Delivery`).
#[test]
fn the_record_page_offers_deletion_on_a_draft_and_withdrawal_once_submitted() {
    use ccs_core::app::App;
    use ccs_core::store::delivery::Delivery;
    use ccs_core::store::{Identity, KdfParams, Store};

    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    let committee = goundam_committee();
    let mut identity = Identity::new(Role::Member);
    identity.committee_id = Some(committee.committee_id);
    let mut store = Store::create(&app.store_path(), PASS, identity, KdfParams::insecure_fast_for_tests()).unwrap();
    store.insert_new(&committee, now()).unwrap();
    let id = store.create_record(input(RecordBody::Session(session_body()), committee.committee_id), now()).unwrap();
    drop(store);
    app.unlock(PASS, now()).unwrap();

    let view = app.open_record(id, now()).unwrap();
    assert!(view.decisions.contains(&Decision::Deleted) && !view.decisions.contains(&Decision::Withdrawn));
    assert_eq!(view.delivery, Delivery::NotSent);
    let view = app.decide(id, Decision::Submitted, None, now()).unwrap();
    assert!(view.decisions.contains(&Decision::Withdrawn) && !view.decisions.contains(&Decision::Deleted));
    let view = app.decide(id, Decision::Withdrawn, None, now()).unwrap();
    assert_eq!(view.status, ReviewStatus::Draft);
    let view = app.decide(id, Decision::Deleted, None, now()).unwrap();
    assert_eq!(view.status, ReviewStatus::Deleted);
    assert!(view.decisions.is_empty() && !view.editable);
    let home = app.home(now()).unwrap();
    assert!(serde_json::to_string(&home).unwrap().matches("\"deleted\"").count() == 0, "not counted on home");
}
