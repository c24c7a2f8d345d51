//! The demonstration as the person trying it would hold it: a member's demonstration is
//! what a member of her committee would receive after her first sync, and her home's
//! to-do list holds only what she can correct and submit again.

mod common;

use ccs_core::app::App;
use ccs_core::model::{Decision, RecordKind, ReviewStatus, Role};
use ccs_core::store::{KdfParams, ListFilter, MAX_PAGE};
use common::*;

fn demo(role: Role) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, role, now()).unwrap();
    (dir, app)
}

fn everything(app: &mut App) -> Vec<ccs_core::store::RecordSummary> {
    app.list(&ListFilter { limit: MAX_PAGE, ..Default::default() }, now()).unwrap().items
}

#[test]
fn a_members_demonstration_holds_only_her_committees_records() {
    let (_dir, mut app) = demo(Role::Member);
    let own = app.status().identity.unwrap().committee_id.expect("the demo member has a committee");
    let all = everything(&mut app);
    assert!(all.iter().any(|r| r.kind == RecordKind::Session), "she has sessions to look at");
    let strangers: Vec<&str> = all.iter().filter(|r| r.committee_id != own).map(|r| r.title.as_str()).collect();
    assert!(strangers.is_empty(), "another committee's records on a member's demo: {strangers:?}");
    // Her committee's sessions are hers: written from this device.
    let session = all.iter().find(|r| r.kind == RecordKind::Session).unwrap();
    let view = app.open_record(session.id, now()).unwrap();
    assert!(view.history.iter().all(|h| h.by_this_device), "{:?}", view.history);
}

#[test]
fn a_facilitators_demonstration_holds_her_region_only() {
    let (_dir, mut app) = demo(Role::Facilitator);
    let all = everything(&mut app);
    assert!(!all.is_empty());
    let elsewhere: Vec<&str> =
        all.iter().filter(|r| r.region.as_deref() != Some("tombouctou")).map(|r| r.title.as_str()).collect();
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
}

#[test]
fn a_reviewers_demonstration_holds_every_committee() {
    let (_dir, mut app) = demo(Role::Reviewer);
    let committees = everything(&mut app).into_iter().filter(|r| r.kind == RecordKind::Committee).count();
    assert_eq!(committees, 6);
}

#[test]
fn every_item_on_the_to_do_list_is_one_the_role_can_correct_and_submit() {
    for role in [Role::Member, Role::Facilitator, Role::Reviewer, Role::Admin] {
        let (_dir, mut app) = demo(role);
        let home = app.home(now()).unwrap();
        if role == Role::Member {
            assert!(!home.to_correct.is_empty(), "the member's demo shows a record sent back to her");
        }
        for item in &home.to_correct {
            let view = app.open_record(item.id, now()).unwrap();
            assert_eq!(view.status, ReviewStatus::NeedsCorrection);
            assert!(view.editable, "{role:?} cannot edit {:?} on her to-do list", item.title);
            assert!(view.decisions.contains(&Decision::Submitted), "{role:?} cannot resubmit {:?}", item.title);
        }
    }
}

#[test]
fn reopen_is_offered_only_where_edit_is() {
    // A reviewer's demo holds every committee; a member's only hers; on each record the
    // device may not edit, « Rouvrir » is not offered either.
    for role in [Role::Member, Role::Facilitator, Role::Reviewer] {
        let (_dir, mut app) = demo(role);
        for r in everything(&mut app) {
            let view = app.open_record(r.id, now()).unwrap();
            if view.decisions.contains(&Decision::Reopened) {
                let writable = view.editable || view.status == ReviewStatus::Approved;
                assert!(writable, "{role:?} may reopen {:?} but not edit it", r.title);
            }
        }
    }
}

// ------------------------------------------------------------------ the year of records

use ccs_core::demo::year::{fill_year, generate, YearPlan};

fn statuses(store: &ccs_core::store::Store, status: ReviewStatus) -> u64 {
    store.list(&ListFilter { status: Some(status), limit: 1, ..Default::default() }).unwrap().total
}

#[test]
fn a_year_of_records_fills_a_reviewers_store_with_work_in_every_state() {
    let mut t = store_with(Role::Reviewer);
    // Beside the demonstration, as the end-to-end test and the screenshots hold them.
    ccs_core::demo::fill(&mut t.store, now()).unwrap();
    let summary = fill_year(&mut t.store, &YearPlan::default(), now()).unwrap();
    let year = generate(&YearPlan::default(), now());
    // Every record was valid (insert_new validates) and a reviewer holds all of them.
    let total =
        summary.committees + summary.sessions + summary.assessments + summary.workshops + summary.recommendations;
    assert_eq!(total, year.records.len());
    assert!(summary.sessions > 300 && summary.committees > 40, "{summary}");
    for s in [ReviewStatus::Submitted, ReviewStatus::Validated, ReviewStatus::Approved, ReviewStatus::NeedsCorrection] {
        assert!(statuses(&t.store, s) >= 10, "few {s:?}");
    }
    // No committee of the year shares a name with one of the demonstration.
    let committees =
        t.store.list(&ListFilter { kind: Some(RecordKind::Committee), limit: MAX_PAGE, ..Default::default() });
    let mut names: Vec<String> = committees.unwrap().items.into_iter().map(|c| c.title).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "two committees with one name");
}

#[test]
fn a_facilitators_year_holds_her_region_only() {
    let mut t = store_with(Role::Facilitator);
    let summary = fill_year(&mut t.store, &YearPlan::default(), now()).unwrap();
    assert!(summary.sessions > 0, "{summary}");
    let all = t.store.list(&ListFilter { limit: MAX_PAGE, ..Default::default() }).unwrap();
    assert!(all.items.iter().all(|r| r.region.as_deref() == Some("tombouctou")));
}

#[test]
fn a_year_is_refused_on_an_enrolled_members_device() {
    let mut t = store_with(Role::Member);
    let identity = t.store.identity().clone();
    let link = ccs_core::store::ServerLink { url: "https://srv.example.ml".into(), token: "t".into() };
    t.store.set_enrollment(&link, identity).unwrap();
    let e = fill_year(&mut t.store, &YearPlan::default(), now()).unwrap_err();
    assert!(matches!(e, ccs_core::store::StoreError::Forbidden(_)), "{e:?}");
    assert_eq!(t.store.list(&ListFilter::default()).unwrap().total, 0, "nothing written");
}
