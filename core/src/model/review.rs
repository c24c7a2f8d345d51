//! The review trail: an append-only list of decisions on a record, and the rules for
//! who may make which decision from which status.
//!
//! The status is never stored: it is derived from the events (latest by timestamp, ties
//! broken by device id, then event id), so two reviews made concurrently on two devices
//! give the same status everywhere once merged.
//!
//! Approval levels: a facilitator validates, the CRSS (reviewer) approves. The CRSS may
//! approve a submitted record directly, skipping the facilitator, only with a reason
//! (the comment); it may send a record back (« à corriger », with a comment) at any
//! level, after its approval too. An approved record edited since (a concurrent edit
//! merged later) may be approved again, on its new version.
//!
//! Each event records the heads of the document it was decided on (`heads`), so that
//! what was approved can be compared with what the record holds now
//! ([`changed_fields`], and `doc::approval` for the history side).

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{DeviceId, ItemId};
use super::values::{Decision, ReviewStatus, Role};
use crate::error_code::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
pub struct ReviewEvent {
    #[key]
    pub id: ItemId,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub at: DateTime<Utc>,
    pub by_device: DeviceId,
    pub role: Role,
    pub decision: Decision,
    #[serde(default)]
    pub comment: Option<String>,
    /// The document's heads (hex) the decision was made on. Events written before this
    /// field existed have none: they read as empty (`missing`), and the version they
    /// approved is found from the history instead (see `doc::approval`).
    #[serde(default)]
    #[autosurgeon(missing = "Vec::new")]
    pub heads: Vec<String>,
}

/// Whether a decision is a review decision, which sets the status, rather than a note
/// of what happened to the document (a copy made without history, see
/// `store::declassify`): a copy keeps the status its original had.
pub fn sets_status(decision: Decision) -> bool {
    !matches!(decision, Decision::Declassified | Decision::Purged)
}

/// The event that sets the current status, if any.
pub fn latest(events: &[ReviewEvent]) -> Option<&ReviewEvent> {
    events
        .iter()
        .filter(|e| sets_status(e.decision))
        .max_by(|a, b| (a.at, a.by_device, a.id).cmp(&(b.at, b.by_device, b.id)))
}

/// The current review status of a record with this trail. A deletion is final: once a
/// `deleted` event is in the trail, whatever its time, the record is deleted everywhere
/// the trail reaches.
pub fn status(events: &[ReviewEvent]) -> ReviewStatus {
    if is_deleted(events) {
        return ReviewStatus::Deleted;
    }
    match latest(events).map(|e| e.decision) {
        None => ReviewStatus::Draft,
        Some(Decision::Submitted) => ReviewStatus::Submitted,
        Some(Decision::Validated) => ReviewStatus::Validated,
        Some(Decision::Approved) => ReviewStatus::Approved,
        Some(Decision::NeedsCorrection) => ReviewStatus::NeedsCorrection,
        Some(Decision::Reopened) => ReviewStatus::Reopened,
        Some(Decision::Declassified | Decision::Purged | Decision::Withdrawn) => ReviewStatus::Draft,
        Some(Decision::Deleted) => ReviewStatus::Deleted,
    }
}

/// Whether the trail holds a deletion (a tombstone).
pub fn is_deleted(events: &[ReviewEvent]) -> bool {
    events.iter().any(|e| e.decision == Decision::Deleted)
}

/// Who may delete a record in a given status: before submission (a draft), the members
/// of its committee who wrote it by mistake; once submitted, those who check records
/// (facilitators, reviewers); administrators always. The committee is the scope's
/// business ([`crate::sync::scope::may_write`]).
pub fn may_delete(role: Role, from: ReviewStatus) -> bool {
    match role {
        Role::Admin => from != ReviewStatus::Deleted,
        Role::Member => from == ReviewStatus::Draft,
        Role::Facilitator | Role::Reviewer => !matches!(from, ReviewStatus::Draft | ReviewStatus::Deleted),
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("role {role} may not make the decision {decision}")]
    RoleNotAllowed { role: Role, decision: Decision },
    #[error("decision {decision} is not possible while the record is {from}")]
    NotFromStatus { decision: Decision, from: ReviewStatus },
    #[error("a correction request needs a comment")]
    CommentRequired,
    #[error("approving a record the facilitator has not validated needs a reason")]
    ReasonRequired,
}

impl TransitionError {
    pub fn code(&self) -> ErrorCode {
        match self {
            TransitionError::RoleNotAllowed { .. } => ErrorCode::ReviewRoleNotAllowed,
            TransitionError::NotFromStatus { .. } => ErrorCode::ReviewNotFromStatus,
            TransitionError::CommentRequired => ErrorCode::ReviewCommentRequired,
            TransitionError::ReasonRequired => ErrorCode::ReviewReasonRequired,
        }
    }
}

/// The time to stamp on a new event: `now`, or just after the latest event this device
/// has seen if its clock is behind. Device clocks in the field drift by hours; without
/// this, a member whose phone is late would resubmit "before" the correction request
/// and the resubmission would never show.
pub fn next_event_time(events: &[ReviewEvent], now: DateTime<Utc>) -> DateTime<Utc> {
    match events.iter().map(|e| e.at).max() {
        Some(at) if at >= now => at + chrono::Duration::milliseconds(1),
        _ => now,
    }
}

/// Which roles may make a decision at all. Admins may do anything: they repair.
pub fn role_may(role: Role, decision: Decision) -> bool {
    use Decision::*;
    use Role::*;
    match (role, decision) {
        (Admin, _) => true,
        (Member, Submitted) => true,
        (Facilitator, Validated | NeedsCorrection) => true,
        (Reviewer, Approved | NeedsCorrection) => true,
        // Anyone with write access may reopen a record after it was reviewed, so that
        // a correction can be made and submitted again.
        (_, Reopened) => true,
        // Anyone who may lower a record's sensitivity makes its declassified copy;
        // purging a record's history is for those who check records, not members.
        (_, Declassified) => true,
        (Facilitator | Reviewer, Purged) => true,
        // A member takes back the committee's submission; checkers send back instead.
        (Member, Withdrawn) => true,
        // Which status each role may delete from: see `may_delete`.
        (Member | Facilitator | Reviewer, Deleted) => true,
        _ => false,
    }
}

/// From which statuses a decision may be made.
pub fn allowed_from(decision: Decision, from: ReviewStatus) -> bool {
    use Decision as D;
    use ReviewStatus as S;
    match decision {
        D::Submitted => matches!(from, S::Draft | S::NeedsCorrection | S::Reopened),
        D::Validated => matches!(from, S::Submitted),
        D::Approved => matches!(from, S::Submitted | S::Validated),
        // Sending back after approval is the CRSS's alone (see `may_send_back`).
        D::NeedsCorrection => matches!(from, S::Submitted | S::Validated | S::Approved),
        D::Reopened => matches!(from, S::Validated | S::Approved | S::NeedsCorrection),
        // Made by the store with the copy itself, never as a decision on a record.
        D::Declassified | D::Purged => false,
        // Before any reviewer decided: once validated, approved or sent back, the
        // decision stands.
        D::Withdrawn => matches!(from, S::Submitted),
        // Role-dependent: see `may_delete`.
        D::Deleted => from != S::Deleted,
    }
}

/// Who may send a record back from a status: facilitators before approval (what they
/// check), the CRSS and administrators at any level, after approval too.
pub fn may_send_back(role: Role, from: ReviewStatus) -> bool {
    match from {
        ReviewStatus::Approved => matches!(role, Role::Reviewer | Role::Admin),
        _ => true,
    }
}

/// Checks one decision by one role on a record with this trail. Pure: the caller
/// appends the event only when this returns `Ok`.
pub fn check(
    events: &[ReviewEvent],
    role: Role,
    decision: Decision,
    comment: Option<&str>,
) -> Result<(), TransitionError> {
    check_on(events, role, decision, comment, false)
}

/// [`check`] on a record whose content may have changed since its approval
/// (`modified_after_approval`, from the history: `doc::approval`): such a record may be
/// approved again, on its new version, which clears the flag.
pub fn check_on(
    events: &[ReviewEvent],
    role: Role,
    decision: Decision,
    comment: Option<&str>,
    modified_after_approval: bool,
) -> Result<(), TransitionError> {
    if !role_may(role, decision) {
        return Err(TransitionError::RoleNotAllowed { role, decision });
    }
    let from = status(events);
    let reapproval = decision == Decision::Approved && from == ReviewStatus::Approved && modified_after_approval;
    let allowed = reapproval || allowed_from(decision, from);
    if !allowed
        || (decision == Decision::Deleted && !may_delete(role, from))
        || (decision == Decision::NeedsCorrection && !may_send_back(role, from))
    {
        return Err(TransitionError::NotFromStatus { decision, from });
    }
    let blank = comment.is_none_or(|c| c.trim().is_empty());
    if decision == Decision::NeedsCorrection && blank {
        return Err(TransitionError::CommentRequired);
    }
    // Skipping the facilitator's level is the CRSS's call, and it says why on file.
    if decision == Decision::Approved && from == ReviewStatus::Submitted && blank {
        return Err(TransitionError::ReasonRequired);
    }
    Ok(())
}

/// One field that differs between the approved version of a record and its current
/// one: `path` is the form's field name (`summary`, `threats`, `sensitivity`), with
/// the values as the form holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldChange {
    pub path: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// The fields of a record as compared for « modifié après approbation »: its body's
/// fields and its sensitivity. Left out: the review trail (a decision is no edit) and
/// the bookkeeping (`updated_at`, `updated_by`, ids, schema version), which a review
/// event also moves.
fn compared_fields(r: &super::Record) -> serde_json::Map<String, serde_json::Value> {
    let mut m = match serde_json::to_value(&r.body) {
        Ok(serde_json::Value::Object(mut o)) => match o.remove("fields") {
            Some(serde_json::Value::Object(f)) => f,
            _ => serde_json::Map::new(),
        },
        _ => serde_json::Map::new(),
    };
    m.insert("sensitivity".into(), serde_json::Value::String(r.sensitivity.code().into()));
    m
}

/// What changed from `approved` (the record at the approved heads) to `now`, field by
/// field, in the order of the form's fields. Empty when only review events or
/// bookkeeping moved.
pub fn changed_fields(approved: &super::Record, now: &super::Record) -> Vec<FieldChange> {
    let before = compared_fields(approved);
    let after = compared_fields(now);
    let null = serde_json::Value::Null;
    let mut keys: Vec<&String> = after.keys().collect();
    keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
    keys.into_iter()
        .filter_map(|k| {
            let (b, a) = (before.get(k).unwrap_or(&null), after.get(k).unwrap_or(&null));
            (b != a).then(|| FieldChange { path: k.clone(), before: b.clone(), after: a.clone() })
        })
        .collect()
}

/// Whether a record in this status may be edited. An approved record is closed until
/// someone reopens it, so what the CRSS approved is what stays on file.
pub fn editable(status: ReviewStatus) -> bool {
    !matches!(status, ReviewStatus::Approved | ReviewStatus::Deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;
    use uuid::Uuid;

    fn dev(n: u128) -> DeviceId {
        DeviceId(Uuid::from_u128(n))
    }

    fn ev(secs: i64, device: u128, decision: Decision) -> ReviewEvent {
        ReviewEvent {
            id: ItemId(Uuid::from_u128(secs as u128 * 1000 + device)),
            at: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
            by_device: dev(device),
            role: Role::Admin,
            decision,
            comment: None,
            heads: vec![],
        }
    }

    #[rstest]
    #[case::no_events(vec![], ReviewStatus::Draft)]
    #[case::submitted(vec![ev(1, 1, Decision::Submitted)], ReviewStatus::Submitted)]
    #[case::latest_wins(vec![ev(1, 1, Decision::Submitted), ev(2, 2, Decision::Validated)], ReviewStatus::Validated)]
    #[case::order_in_list_irrelevant(vec![ev(5, 2, Decision::NeedsCorrection), ev(1, 1, Decision::Submitted)], ReviewStatus::NeedsCorrection)]
    #[case::tie_broken_by_device(vec![ev(3, 9, Decision::Approved), ev(3, 2, Decision::NeedsCorrection)], ReviewStatus::Approved)]
    #[case::tie_broken_by_device_reversed(vec![ev(3, 2, Decision::NeedsCorrection), ev(3, 9, Decision::Approved)], ReviewStatus::Approved)]
    #[case::reopened(vec![ev(1, 1, Decision::Approved), ev(2, 1, Decision::Reopened)], ReviewStatus::Reopened)]
    fn status_is_derived_from_latest_event(#[case] events: Vec<ReviewEvent>, #[case] expected: ReviewStatus) {
        assert_eq!(status(&events), expected);
    }

    use Decision as D;
    use ReviewStatus as S;

    #[rstest]
    #[case(Role::Member, D::Submitted, S::Draft, true)]
    #[case(Role::Member, D::Submitted, S::NeedsCorrection, true)]
    #[case(Role::Member, D::Submitted, S::Submitted, false)]
    #[case(Role::Member, D::Validated, S::Submitted, false)]
    #[case(Role::Member, D::Approved, S::Submitted, false)]
    #[case(Role::Member, D::NeedsCorrection, S::Submitted, false)]
    #[case(Role::Member, D::Reopened, S::Approved, true)]
    #[case(Role::Member, D::Reopened, S::Draft, false)]
    #[case(Role::Facilitator, D::Validated, S::Submitted, true)]
    #[case(Role::Facilitator, D::Validated, S::Draft, false)]
    #[case(Role::Facilitator, D::NeedsCorrection, S::Submitted, true)]
    #[case(Role::Facilitator, D::Approved, S::Validated, false)]
    #[case(Role::Facilitator, D::Submitted, S::Draft, false)]
    #[case(Role::Reviewer, D::Approved, S::Submitted, true)]
    #[case(Role::Reviewer, D::Approved, S::Validated, true)]
    #[case(Role::Reviewer, D::Approved, S::Approved, false)]
    #[case(Role::Reviewer, D::NeedsCorrection, S::Validated, true)]
    #[case(Role::Reviewer, D::NeedsCorrection, S::Approved, true)]
    #[case(Role::Reviewer, D::NeedsCorrection, S::Draft, false)]
    #[case(Role::Reviewer, D::Validated, S::Submitted, false)]
    #[case(Role::Reviewer, D::Reopened, S::Approved, true)]
    #[case(Role::Admin, D::Approved, S::Submitted, true)]
    #[case(Role::Admin, D::Approved, S::Draft, false)]
    fn transitions_by_role_and_status(
        #[case] role: Role,
        #[case] decision: Decision,
        #[case] from: ReviewStatus,
        #[case] allowed: bool,
    ) {
        let ok = role_may(role, decision) && allowed_from(decision, from);
        assert_eq!(ok, allowed, "{role} {decision} from {from}");
    }

    #[test]
    fn correction_request_needs_a_comment() {
        let trail = vec![ev(1, 1, D::Submitted)];
        assert_eq!(
            check(&trail, Role::Reviewer, D::NeedsCorrection, Some("  ")),
            Err(TransitionError::CommentRequired)
        );
        assert!(check(&trail, Role::Reviewer, D::NeedsCorrection, Some("Préciser la date")).is_ok());
    }

    #[test]
    fn new_event_is_ordered_after_what_the_device_has_seen() {
        let trail = vec![ev(100, 1, D::NeedsCorrection)];
        let late_clock = Utc.timestamp_opt(1_700_000_000 + 50, 0).unwrap();
        let at = next_event_time(&trail, late_clock);
        assert!(at > trail[0].at);
        let mut trail2 = trail.clone();
        trail2.push(ReviewEvent { at, ..ev(0, 0, D::Submitted) });
        assert_eq!(status(&trail2), ReviewStatus::Submitted);
        let on_time = Utc.timestamp_opt(1_700_000_000 + 500, 0).unwrap();
        assert_eq!(next_event_time(&trail, on_time), on_time);
    }

    #[test]
    fn a_copy_keeps_the_status_of_its_original() {
        let trail =
            vec![ev(1, 1, D::Submitted), ev(2, 2, D::Validated), ev(3, 3, D::Declassified), ev(4, 3, D::Purged)];
        assert_eq!(status(&trail), ReviewStatus::Validated);
        assert_eq!(latest(&trail).map(|e| e.decision), Some(D::Validated));
        // Nobody records a copy as a decision: the store writes it with the copy.
        for role in Role::ALL {
            for from in ReviewStatus::ALL {
                assert!(!allowed_from(D::Declassified, *from) && !allowed_from(D::Purged, *from), "{role} {from}");
            }
        }
        assert!(!role_may(Role::Member, D::Purged));
        assert!(role_may(Role::Member, D::Declassified));
        assert!(role_may(Role::Facilitator, D::Purged) && role_may(Role::Reviewer, D::Purged));
        // A new decision still comes after the copy's own event.
        assert!(next_event_time(&trail, trail[3].at) > trail[3].at);
    }

    #[rstest]
    #[case::member_withdraws_a_submission(Role::Member, D::Withdrawn, vec![D::Submitted], true)]
    #[case::not_once_validated(Role::Member, D::Withdrawn, vec![D::Submitted, D::Validated], false)]
    #[case::not_once_sent_back(Role::Member, D::Withdrawn, vec![D::Submitted, D::NeedsCorrection], false)]
    #[case::not_once_approved(Role::Member, D::Withdrawn, vec![D::Submitted, D::Approved], false)]
    #[case::not_a_draft(Role::Member, D::Withdrawn, vec![], false)]
    #[case::not_by_a_reviewer(Role::Reviewer, D::Withdrawn, vec![D::Submitted], false)]
    #[case::member_deletes_a_draft(Role::Member, D::Deleted, vec![], true)]
    #[case::member_deletes_a_withdrawn_draft(Role::Member, D::Deleted, vec![D::Submitted, D::Withdrawn], true)]
    #[case::member_not_once_submitted(Role::Member, D::Deleted, vec![D::Submitted], false)]
    #[case::member_not_once_sent_back(Role::Member, D::Deleted, vec![D::Submitted, D::NeedsCorrection], false)]
    #[case::facilitator_not_a_draft(Role::Facilitator, D::Deleted, vec![], false)]
    #[case::facilitator_once_submitted(Role::Facilitator, D::Deleted, vec![D::Submitted], true)]
    #[case::reviewer_once_approved(Role::Reviewer, D::Deleted, vec![D::Submitted, D::Approved], true)]
    #[case::admin_always(Role::Admin, D::Deleted, vec![], true)]
    #[case::not_twice(Role::Admin, D::Deleted, vec![D::Deleted], false)]
    #[case::nothing_after_a_deletion(Role::Member, D::Submitted, vec![D::Deleted], false)]
    fn withdrawal_and_deletion_by_role_and_trail(
        #[case] role: Role,
        #[case] decision: Decision,
        #[case] trail: Vec<Decision>,
        #[case] allowed: bool,
    ) {
        let trail: Vec<ReviewEvent> = trail.into_iter().enumerate().map(|(i, d)| ev(i as i64 + 1, 1, d)).collect();
        assert_eq!(check(&trail, role, decision, None).is_ok(), allowed, "{role} {decision} after {trail:?}");
    }

    #[test]
    fn a_withdrawn_submission_is_a_draft_again_and_a_deletion_is_final() {
        let withdrawn = vec![ev(1, 1, D::Submitted), ev(2, 1, D::Withdrawn)];
        assert_eq!(status(&withdrawn), ReviewStatus::Draft);
        // The deletion wins whatever its time: a later submission on a device that had
        // not seen it does not bring the record back.
        let deleted = vec![ev(5, 2, D::Deleted), ev(9, 1, D::Submitted)];
        assert_eq!(status(&deleted), ReviewStatus::Deleted);
        assert!(is_deleted(&deleted) && !editable(status(&deleted)));
    }

    fn trail(decisions: &[Decision]) -> Vec<ReviewEvent> {
        decisions.iter().enumerate().map(|(i, d)| ev(i as i64 + 1, 1, *d)).collect()
    }

    /// The approval levels, with who may not and what is missing: `Ok(())` or the code
    /// of the refusal.
    #[rstest]
    #[case::facilitator_validates(Role::Facilitator, D::Validated, &[D::Submitted], None, false, Ok(()))]
    #[case::reviewer_approves_validated(Role::Reviewer, D::Approved, &[D::Submitted, D::Validated], None, false, Ok(()))]
    #[case::reviewer_approves_directly_with_reason(Role::Reviewer, D::Approved, &[D::Submitted], Some("Facilitateur absent depuis trois mois"), false, Ok(()))]
    #[case::direct_approval_without_reason(Role::Reviewer, D::Approved, &[D::Submitted], None, false, Err("review.reason_required"))]
    #[case::direct_approval_blank_reason(Role::Reviewer, D::Approved, &[D::Submitted], Some("   "), false, Err("review.reason_required"))]
    #[case::member_approving(Role::Member, D::Approved, &[D::Submitted, D::Validated], Some("ok"), false, Err("review.role_not_allowed"))]
    #[case::member_validating(Role::Member, D::Validated, &[D::Submitted], None, false, Err("review.role_not_allowed"))]
    #[case::facilitator_approving(Role::Facilitator, D::Approved, &[D::Submitted, D::Validated], Some("ok"), false, Err("review.role_not_allowed"))]
    #[case::reviewer_validating(Role::Reviewer, D::Validated, &[D::Submitted], None, false, Err("review.role_not_allowed"))]
    #[case::facilitator_sends_back_submitted(Role::Facilitator, D::NeedsCorrection, &[D::Submitted], Some("Date manquante"), false, Ok(()))]
    #[case::facilitator_sends_back_validated(Role::Facilitator, D::NeedsCorrection, &[D::Submitted, D::Validated], Some("Erreur"), false, Ok(()))]
    #[case::facilitator_not_after_approval(Role::Facilitator, D::NeedsCorrection, &[D::Submitted, D::Validated, D::Approved], Some("Erreur"), false, Err("review.not_from_status"))]
    #[case::reviewer_sends_back_submitted(Role::Reviewer, D::NeedsCorrection, &[D::Submitted], Some("Préciser"), false, Ok(()))]
    #[case::reviewer_sends_back_validated(Role::Reviewer, D::NeedsCorrection, &[D::Submitted, D::Validated], Some("Préciser"), false, Ok(()))]
    #[case::reviewer_sends_back_after_approval(Role::Reviewer, D::NeedsCorrection, &[D::Submitted, D::Validated, D::Approved], Some("Chiffres faux"), false, Ok(()))]
    #[case::sending_back_without_comment(Role::Reviewer, D::NeedsCorrection, &[D::Submitted, D::Validated], None, false, Err("review.comment_required"))]
    #[case::sending_back_after_approval_without_comment(Role::Reviewer, D::NeedsCorrection, &[D::Submitted, D::Approved], Some(" "), false, Err("review.comment_required"))]
    #[case::not_approved_twice(Role::Reviewer, D::Approved, &[D::Submitted, D::Validated, D::Approved], None, false, Err("review.not_from_status"))]
    #[case::reapproved_once_modified(Role::Reviewer, D::Approved, &[D::Submitted, D::Validated, D::Approved], None, true, Ok(()))]
    #[case::facilitator_not_reapproving(Role::Facilitator, D::Approved, &[D::Submitted, D::Validated, D::Approved], None, true, Err("review.role_not_allowed"))]
    #[case::facilitator_not_revalidating(Role::Facilitator, D::Validated, &[D::Submitted, D::Validated, D::Approved], None, true, Err("review.not_from_status"))]
    fn approval_levels(
        #[case] role: Role,
        #[case] decision: Decision,
        #[case] before: &[Decision],
        #[case] comment: Option<&str>,
        #[case] modified: bool,
        #[case] expected: Result<(), &str>,
    ) {
        let got = check_on(&trail(before), role, decision, comment, modified).map_err(|e| e.code().as_str());
        assert_eq!(got, expected, "{role} {decision} after {before:?}");
    }

    fn recommendation(text: &str) -> crate::model::Record {
        use crate::model::*;
        let body = RecordBody::Recommendation(Recommendation {
            origin: None,
            made_on: "2026-11-01".parse().unwrap(),
            text: text.into(),
            addressee: Addressee::MayorCouncil,
            fds_corps: None,
            domain: RecommendationDomain::Infrastructure,
            priority: Priority::Medium,
            responsible: "Maire".into(),
            due_date: None,
            status_history: vec![],
            evidence: String::new(),
        });
        let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        Record::new(body, CommitteeId(Uuid::from_u128(7)), dev(1), at)
    }

    use crate::model::{Priority, RecordBody, Sensitivity};

    #[test]
    fn changed_fields_name_what_moved_and_ignore_review_and_bookkeeping() {
        let approved = recommendation("Éclairer le marché");
        let mut now = approved.clone();
        // A decision and its bookkeeping are no edit.
        now.review.push(ev(9, 2, D::NeedsCorrection));
        now.updated_at = approved.updated_at + chrono::Duration::hours(3);
        now.updated_by = dev(2);
        assert!(changed_fields(&approved, &now).is_empty());
        if let RecordBody::Recommendation(r) = &mut now.body {
            r.text = "Éclairer le marché et la gare".into();
            r.priority = Priority::High;
        }
        now.sensitivity = Sensitivity::Confidential;
        let changes = changed_fields(&approved, &now);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths.len(), 3, "{paths:?}");
        for p in ["text", "priority", "sensitivity"] {
            assert!(paths.contains(&p), "{p} in {paths:?}");
        }
        let text = changes.iter().find(|c| c.path == "text").unwrap();
        assert_eq!(text.before, serde_json::json!("Éclairer le marché"));
        assert_eq!(text.after, serde_json::json!("Éclairer le marché et la gare"));
    }

    #[test]
    fn refusals_carry_stable_codes() {
        let err = check(&[], Role::Member, D::Approved, None).unwrap_err();
        assert_eq!(err.code(), "review.role_not_allowed");
        let err = check(&[], Role::Reviewer, D::Approved, None).unwrap_err();
        assert_eq!(err.code(), "review.not_from_status");
    }
}
