//! The inbox « À traiter » and decisions pinned to the version they were made on, on
//! real stores exchanging documents as a sync would: what waits for a facilitator and
//! for the CRSS, filters and order; a member's edit made offline while the CRSS approves
//! shows as « modifié après approbation » with exactly that change, until reviewed
//! again; a hostile member cannot hide its change by rewriting the approval.

mod common;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::report::{Basis, IndicatorFilter, IndicatorParams, Period};
use ccs_core::store::{DocHeaderView, Identity, InboxFilter, InboxReason, KdfParams, Store};
use ccs_core::sync::scope::{check_new_review_events, DeviceScope, ScopeError};
use chrono::{DateTime, Duration, Utc};
use common::*;

/// Copies every document of `from` into `to`, as a sync would.
fn exchange(from: &Store, to: &mut Store) {
    for id in from.document_ids().unwrap() {
        let bytes = from.document_bytes(id).unwrap();
        let header = RecordDoc::load(&bytes).unwrap().header().unwrap();
        to.apply_changes(&DocHeaderView::from(header), &bytes, now()).unwrap();
    }
}

fn facilitator_of(region: &str) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let identity = Identity { region: Some(region.into()), ..Identity::new(Role::Facilitator) };
    let store =
        Store::create(&dir.path().join("store.db"), PASS, identity, KdfParams::insecure_fast_for_tests()).unwrap();
    TestStore { dir, store }
}

fn days_ago(d: i64) -> DateTime<Utc> {
    now() - Duration::days(d)
}

fn event(at: DateTime<Utc>, role: Role, decision: Decision) -> ReviewEvent {
    let comment = matches!(decision, Decision::NeedsCorrection).then(|| "Préciser".to_string());
    ReviewEvent { id: ItemId::new(), at, by_device: DeviceId::new(), role, decision, comment, heads: vec![] }
}

fn gao_committee() -> Record {
    let body = Committee {
        level: CommitteeLevel::Regional,
        name: "CCS régional de Gao".into(),
        region: "gao".into(),
        cercle: None,
        commune: None,
        installed_on: None,
        membership: vec![],
    };
    Record::new(RecordBody::Committee(body), CommitteeId::new(), DeviceId::new(), now())
}

fn session_on(day: &str) -> RecordBody {
    RecordBody::Session(Session { date: date(day), ..session_body() })
}

/// A record of `committee` with this trail, as it reaches the hub.
fn filed(hub: &mut Store, committee: CommitteeId, body: RecordBody, trail: Vec<ReviewEvent>) -> RecordId {
    let mut r = Record::new(body, committee, DeviceId::new(), days_ago(30));
    r.review = trail;
    hub.insert_new(&r, now()).unwrap();
    r.id
}

struct Country {
    hub: TestStore,
    /// Goundam (Tombouctou): a session submitted 10 days ago.
    old_session: RecordId,
    /// Goundam: a recommendation submitted 3 days ago.
    recommendation: RecordId,
    /// Gao: a session submitted 5 days ago, validated 4 days ago.
    gao_validated: RecordId,
}

/// Records of two regions in every status, on an administrator's device.
fn country() -> Country {
    let (mut hub, goundam) = store_with_committee(Role::Admin);
    let gao = gao_committee();
    hub.store.insert_new(&gao, now()).unwrap();
    let s = &mut hub.store;
    let old_session =
        filed(s, goundam, session_on("2026-11-02"), vec![event(days_ago(10), Role::Member, Decision::Submitted)]);
    let recommendation = filed(
        s,
        goundam,
        RecordBody::Recommendation(recommendation_body()),
        vec![event(days_ago(3), Role::Member, Decision::Submitted)],
    );
    let gao_validated = filed(
        s,
        gao.committee_id,
        session_on("2026-11-12"),
        vec![
            event(days_ago(5), Role::Member, Decision::Submitted),
            event(days_ago(4), Role::Facilitator, Decision::Validated),
        ],
    );
    // Nothing waits on these: a draft, an approved record, one sent back.
    filed(s, goundam, session_on("2026-11-03"), vec![]);
    filed(
        s,
        goundam,
        RecordBody::Assessment(assessment_body()),
        vec![
            event(days_ago(9), Role::Member, Decision::Submitted),
            event(days_ago(8), Role::Facilitator, Decision::Validated),
            event(days_ago(7), Role::Reviewer, Decision::Approved),
        ],
    );
    filed(
        s,
        gao.committee_id,
        RecordBody::Recommendation(recommendation_body()),
        vec![
            event(days_ago(6), Role::Member, Decision::Submitted),
            event(days_ago(2), Role::Reviewer, Decision::NeedsCorrection),
        ],
    );
    Country { hub, old_session, recommendation, gao_validated }
}

fn ids(store: &Store, f: &InboxFilter) -> Vec<RecordId> {
    store.inbox(f, now()).unwrap().items.into_iter().map(|i| i.summary.id).collect()
}

#[test]
fn the_crss_sees_what_waits_across_regions_oldest_first() {
    let c = country();
    let mut crss = store_with(Role::Reviewer);
    exchange(&c.hub.store, &mut crss.store);
    let page = crss.store.inbox(&InboxFilter::default(), now()).unwrap();
    let got: Vec<RecordId> = page.items.iter().map(|i| i.summary.id).collect();
    // Oldest wait first: submitted 10 days ago, validated 4 days ago, submitted 3 days ago.
    assert_eq!(got, vec![c.old_session, c.gao_validated, c.recommendation]);
    assert_eq!(page.total, 3);
    assert_eq!(
        page.items.iter().map(|i| (i.reason, i.waiting_days)).collect::<Vec<_>>(),
        vec![(InboxReason::Submitted, 10), (InboxReason::Validated, 4), (InboxReason::Submitted, 3)]
    );
    let count = |v: &[ccs_core::store::InboxCount], k: &str| v.iter().find(|c| c.key == k).map_or(0, |c| c.count);
    assert_eq!((count(&page.by_region, "tombouctou"), count(&page.by_region, "gao")), (2, 1));
    assert_eq!((count(&page.by_kind, "session"), count(&page.by_kind, "recommendation")), (2, 1));
}

#[test]
fn inbox_filters_by_region_committee_kind_period_and_age() {
    let c = country();
    let s = &c.hub.store;
    let gao = InboxFilter { region: Some("gao".into()), ..Default::default() };
    assert_eq!(ids(s, &gao), vec![c.gao_validated]);
    // The region chips are counted without the region filter, the kind chips with it.
    let page = s.inbox(&gao, now()).unwrap();
    assert_eq!(page.by_region.iter().map(|c| c.count).sum::<u64>(), 3);
    assert_eq!(page.by_kind.iter().map(|c| c.count).sum::<u64>(), 1);
    let kind = InboxFilter { kind: Some(RecordKind::Recommendation), ..Default::default() };
    assert_eq!(ids(s, &kind), vec![c.recommendation]);
    let committee = s.summary(c.old_session).unwrap().committee_id;
    let of_goundam = InboxFilter { committee_id: Some(committee), ..Default::default() };
    assert_eq!(ids(s, &of_goundam), vec![c.old_session, c.recommendation]);
    let period =
        InboxFilter { date_from: Some(date("2026-11-10")), date_to: Some(date("2026-11-30")), ..Default::default() };
    assert_eq!(ids(s, &period), vec![c.gao_validated]);
    let waiting_a_week = InboxFilter { older_than_days: Some(7), ..Default::default() };
    assert_eq!(ids(s, &waiting_a_week), vec![c.old_session]);
    let nothing = InboxFilter { older_than_days: Some(30), ..Default::default() };
    assert!(ids(s, &nothing).is_empty());
    let paged = InboxFilter { limit: 1, offset: 1, ..Default::default() };
    let page = s.inbox(&paged, now()).unwrap();
    assert_eq!((page.total, page.items.len(), page.items[0].summary.id), (3, 1, c.gao_validated));
}

#[test]
fn a_facilitator_sees_only_the_submitted_records_of_its_region() {
    let c = country();
    let mut tombouctou = facilitator_of("tombouctou");
    // Even holding every record, the rule rests on the region, not on the device.
    exchange(&c.hub.store, &mut tombouctou.store);
    assert_eq!(ids(&tombouctou.store, &InboxFilter::default()), vec![c.old_session, c.recommendation]);
    let asked_for_gao = InboxFilter { region: Some("gao".into()), ..Default::default() };
    assert!(ids(&tombouctou.store, &asked_for_gao).is_empty());
    let mut gao = facilitator_of("gao");
    exchange(&c.hub.store, &mut gao.store);
    // Gao's only waiting record is validated already: the CRSS's turn.
    assert!(ids(&gao.store, &InboxFilter::default()).is_empty());
    let mut member = store_with(Role::Member);
    exchange(&c.hub.store, &mut member.store);
    assert_eq!(member.store.inbox(&InboxFilter::default(), now()).unwrap().total, 0);
}

#[test]
fn decisions_follow_the_levels_and_the_next_record_comes_first() {
    let c = country();
    let mut tombouctou = facilitator_of("tombouctou");
    let mut crss = store_with(Role::Reviewer);
    exchange(&c.hub.store, &mut tombouctou.store);
    exchange(&c.hub.store, &mut crss.store);
    // The facilitator validates; approving is not its level.
    let refused = tombouctou.store.review(c.old_session, Decision::Approved, Some("ok".into()), now()).unwrap_err();
    assert_eq!(refused.code(), "review.role_not_allowed");
    tombouctou.store.review(c.old_session, Decision::Validated, None, now()).unwrap();
    assert_eq!(ids(&tombouctou.store, &InboxFilter::default()), vec![c.recommendation]);
    // The CRSS approves a submitted record directly only with a reason.
    let refused = crss.store.review(c.recommendation, Decision::Approved, None, now()).unwrap_err();
    assert_eq!(refused.code(), "review.reason_required");
    crss.store.review(c.recommendation, Decision::Approved, Some("Facilitateur absent".into()), now()).unwrap();
    let approved = crss.store.record(c.recommendation).unwrap();
    assert_eq!(approved.review.last().unwrap().comment.as_deref(), Some("Facilitateur absent"));
    // Sent back with a comment, after approval too; never without.
    let refused = crss.store.review(c.recommendation, Decision::NeedsCorrection, Some("  ".into()), now()).unwrap_err();
    assert_eq!(refused.code(), "review.comment_required");
    crss.store.review(c.recommendation, Decision::NeedsCorrection, Some("Échéance manquante".into()), now()).unwrap();
    assert_eq!(ids(&crss.store, &InboxFilter::default()), vec![c.old_session, c.gao_validated]);
    // The validation reaches the CRSS: the old session waits from its validation now.
    exchange(&tombouctou.store, &mut crss.store);
    let page = crss.store.inbox(&InboxFilter::default(), now()).unwrap();
    assert_eq!(ids(&crss.store, &InboxFilter::default()), vec![c.gao_validated, c.old_session]);
    assert_eq!(page.items[1].reason, InboxReason::Validated);
    assert_eq!(page.items[1].waiting_days, 0);
}

/// A member's session, submitted, and a CRSS that has it.
fn submitted_session() -> (TestStore, TestStore, RecordId) {
    let (mut member, committee) = store_with_committee(Role::Member);
    let id = member.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    member.store.review(id, Decision::Submitted, None, now()).unwrap();
    let mut crss = store_with(Role::Reviewer);
    exchange(&member.store, &mut crss.store);
    (member, crss, id)
}

fn set_summary(store: &mut Store, id: RecordId, text: &str, at: DateTime<Utc>) {
    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::json!(text));
    store.patch_record(id, patch, at).unwrap();
}

/// Sessions held in 2026 (the sample session's year) on `store`'s indicators.
fn sessions_held(store: &Store, basis: Basis) -> i64 {
    let filter = IndicatorFilter::new(Period::Year { year: 2026 }, basis);
    store.indicators(&filter, &IndicatorParams::new(now())).unwrap().sessions.total.held
}

#[test]
fn an_edit_made_offline_while_the_crss_approves_shows_as_modified_after_approval() {
    let (mut member, mut crss, id) = submitted_session();
    let seen = crss.store.heads(id).unwrap().0;
    // Offline, the member fixes the summary; meanwhile the CRSS approves what it has.
    set_summary(&mut member.store, id, "Situation calme ; axe Goundam-Tonka rouvert.", now() + Duration::hours(1));
    crss.store.review(id, Decision::Approved, Some("Facilitateur absent".into()), now() + Duration::hours(2)).unwrap();
    let approval = crss.store.record(id).unwrap().review.last().cloned().unwrap();
    assert_eq!(approval.heads, ccs_core::doc::heads_to_hex(&seen), "the decision is pinned to what it saw");
    assert!(crss.store.approval(id).unwrap().unwrap().changes.is_empty());
    assert!(ids(&crss.store, &InboxFilter::default()).is_empty());
    assert_eq!(sessions_held(&crss.store, Basis::Approved), 1, "approved, unchanged: counted as approved");

    exchange(&member.store, &mut crss.store);
    exchange(&crss.store, &mut member.store);
    for store in [&crss.store, &member.store] {
        assert_eq!(store.summary(id).unwrap().status, ReviewStatus::Approved);
        let diff = store.approval(id).unwrap().unwrap();
        assert!(!diff.pin_altered);
        assert_eq!(diff.changes.len(), 1, "exactly the member's change: {:?}", diff.changes);
        assert_eq!(diff.changes[0].path, "summary");
        assert_eq!(diff.changes[0].before, serde_json::json!(session_body().summary));
        assert_eq!(diff.changes[0].after, serde_json::json!("Situation calme ; axe Goundam-Tonka rouvert."));
    }
    let page = crss.store.inbox(&InboxFilter::default(), now() + Duration::days(2)).unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!((page.items[0].summary.id, page.items[0].reason), (id, InboxReason::ModifiedAfterApproval));
    // It waits from the approval on (the edit was made before it, offline).
    assert_eq!(page.items[0].waiting_since, Some(approval.at));
    // The indicators that count approved records no longer count a version nobody
    // approved; those that count every record still do.
    assert_eq!(sessions_held(&crss.store, Basis::Approved), 0);
    assert_eq!(sessions_held(&crss.store, Basis::All), 1);

    // A new decision reviews it again: approved on its new version, it leaves the inbox.
    crss.store.review(id, Decision::Approved, None, now() + Duration::hours(3)).unwrap();
    assert!(crss.store.approval(id).unwrap().unwrap().changes.is_empty());
    assert!(ids(&crss.store, &InboxFilter::default()).is_empty());
    assert_eq!(sessions_held(&crss.store, Basis::Approved), 1);
    // Approving again without a change is refused: there is nothing new to approve.
    let again = crss.store.review(id, Decision::Approved, None, now() + Duration::hours(4)).unwrap_err();
    assert_eq!(again.code(), "review.not_from_status");
}

#[test]
fn review_events_alone_are_no_edit_after_approval() {
    let (member, mut crss, id) = submitted_session();
    let mut facilitator = facilitator_of("tombouctou");
    exchange(&member.store, &mut facilitator.store);
    // The facilitator validates offline while the CRSS approves directly, later.
    facilitator.store.review(id, Decision::Validated, None, now() + Duration::hours(1)).unwrap();
    crss.store.review(id, Decision::Approved, Some("Urgent".into()), now() + Duration::hours(2)).unwrap();
    exchange(&facilitator.store, &mut crss.store);
    assert_eq!(crss.store.summary(id).unwrap().status, ReviewStatus::Approved);
    let diff = crss.store.approval(id).unwrap().unwrap();
    assert!(diff.changes.is_empty() && !diff.pin_altered, "{diff:?}");
    assert!(ids(&crss.store, &InboxFilter::default()).is_empty());
}

/// The member's document with `edit` applied as one change by the member's device.
fn hostile_change(member: &Store, id: RecordId, edit: impl FnOnce(&mut Record)) -> Vec<u8> {
    let mut d = RecordDoc::load(&member.document_bytes(id).unwrap()).unwrap();
    d.set_device(member.identity().device_id);
    let mut r = d.read().unwrap();
    edit(&mut r);
    d.update(&r, "edit").unwrap();
    d.save()
}

fn merge_bytes(to: &mut Store, bytes: &[u8]) {
    let header = RecordDoc::load(bytes).unwrap().header().unwrap();
    to.apply_changes(&DocHeaderView::from(header), bytes, now()).unwrap();
}

/// The rule: the version approved is the one the approval's own change was made on,
/// found from the history (the change that created the event, by the approving
/// device), never from a value anyone can rewrite. Rewriting the event's heads, or
/// deleting the event and writing it again after an edit, does not hide the edit on
/// any device; and the server refuses the rewrite (`review.forged`).
#[test]
fn a_hostile_member_cannot_hide_its_change_by_rewriting_the_approval() {
    let (mut member, mut crss, id) = submitted_session();
    crss.store.review(id, Decision::Approved, Some("Facilitateur absent".into()), now() + Duration::hours(2)).unwrap();
    exchange(&crss.store, &mut member.store);
    let before = member.store.record(id).unwrap().review;
    let member_scope = DeviceScope {
        device_id: member.store.identity().device_id,
        role: Role::Member,
        committee_id: member.store.identity().committee_id,
        region: None,
    };

    // 1. Edit, then move the approval's heads onto the edit.
    let text = "Rien à signaler.";
    let bytes = hostile_change(&member.store, id, |r| {
        if let RecordBody::Session(s) = &mut r.body {
            s.summary = text.into();
        }
    });
    let mut d = RecordDoc::load(&bytes).unwrap();
    d.set_device(member.store.identity().device_id);
    let mut r = d.read().unwrap();
    let now_heads = ccs_core::doc::heads_to_hex(&d.heads());
    r.review.last_mut().unwrap().heads = now_heads;
    d.update(&r, "edit").unwrap();
    let forged = d.save();
    let after = RecordDoc::load(&forged).unwrap().read().unwrap().review;
    assert_eq!(check_new_review_events(&member_scope, &before, &after), Err(ScopeError::ReviewForged));
    let mut victim = store_with(Role::Reviewer);
    exchange(&crss.store, &mut victim.store);
    merge_bytes(&mut victim.store, &forged);
    let diff = victim.store.approval(id).unwrap().unwrap();
    assert!(diff.pin_altered, "the rewritten heads disagree with the history");
    assert_eq!(diff.changes.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(), vec!["summary"]);
    assert_eq!(diff.changes[0].after, serde_json::json!(text));
    assert_eq!(ids(&victim.store, &InboxFilter::default()), vec![id]);

    // 2. Edit, delete the approval, write it again identical (heads included) after
    //    the edit: the server sees the same event; the history shows who wrote it.
    let bytes = hostile_change(&member.store, id, |r| {
        if let RecordBody::Session(s) = &mut r.body {
            s.summary = text.into();
        }
    });
    let mut d = RecordDoc::load(&bytes).unwrap();
    d.set_device(member.store.identity().device_id);
    let r = d.read().unwrap();
    let mut without = r.clone();
    let approval = without.review.pop().unwrap();
    d.update(&without, "edit").unwrap();
    d.update(&r, "edit").unwrap();
    let rewritten = d.save();
    assert_eq!(RecordDoc::load(&rewritten).unwrap().read().unwrap().review.last(), Some(&approval));
    let mut other = store_with(Role::Reviewer);
    exchange(&crss.store, &mut other.store);
    merge_bytes(&mut other.store, &rewritten);
    let diff = other.store.approval(id).unwrap().unwrap();
    assert!(diff.pin_altered, "an approval written by the member's device is not the CRSS's");
    assert!(other.store.summary(id).unwrap().status == ReviewStatus::Approved);
    assert_eq!(ids(&other.store, &InboxFilter::default()), vec![id], "it waits for the CRSS again");

    // 3. Deleting the approval outright: the record is back in the CRSS's inbox, and
    //    the server refuses the deletion.
    let deleted = hostile_change(&member.store, id, |r| {
        r.review.pop();
    });
    let after = RecordDoc::load(&deleted).unwrap().read().unwrap().review;
    assert_eq!(check_new_review_events(&member_scope, &before, &after), Err(ScopeError::ReviewForged));
    let mut third = store_with(Role::Reviewer);
    exchange(&member.store, &mut third.store);
    merge_bytes(&mut third.store, &deleted);
    assert_eq!(third.store.summary(id).unwrap().status, ReviewStatus::Submitted);
    assert_eq!(ids(&third.store, &InboxFilter::default()), vec![id]);
}

#[test]
fn a_store_from_before_the_inbox_fills_its_columns_on_opening() {
    let c = country();
    let path = c.hub.path();
    let Country { mut hub, old_session, .. } = c;
    // Set the store back to before the migration's columns were filled.
    hub.store
        .execute_sql_for_migration_tests(
            "DELETE FROM review_state;
             INSERT OR IGNORE INTO review_backfill (id) SELECT id FROM records;",
        )
        .unwrap();
    drop(hub.store);
    let reopened = Store::open(&path, PASS).unwrap();
    let page = reopened.inbox(&InboxFilter::default(), now()).unwrap();
    assert_eq!(page.items[0].summary.id, old_session);
    assert!(page.items.iter().all(|i| i.waiting_since.is_some()));
    assert_eq!(page.items[0].waiting_days, 10);
    // Filled once: the list is empty afterwards.
    drop(reopened);
    let again = Store::open(&path, PASS).unwrap();
    assert_eq!(again.inbox(&InboxFilter::default(), now()).unwrap().items.len(), 3);
    drop(hub.dir);
}
