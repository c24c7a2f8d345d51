//! The review trail: an append-only list of decisions on a record, and the rules for
//! who may make which decision from which status.
//!
//! The status is never stored: it is derived from the events (latest by timestamp, ties
//! broken by device id, then event id), so two reviews made concurrently on two devices
//! give the same status everywhere once merged.

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

/// The current review status of a record with this trail.
pub fn status(events: &[ReviewEvent]) -> ReviewStatus {
    match latest(events).map(|e| e.decision) {
        None => ReviewStatus::Draft,
        Some(Decision::Submitted) => ReviewStatus::Submitted,
        Some(Decision::Validated) => ReviewStatus::Validated,
        Some(Decision::Approved) => ReviewStatus::Approved,
        Some(Decision::NeedsCorrection) => ReviewStatus::NeedsCorrection,
        Some(Decision::Reopened) => ReviewStatus::Reopened,
        Some(Decision::Declassified | Decision::Purged) => ReviewStatus::Draft,
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
}

impl TransitionError {
    pub fn code(&self) -> ErrorCode {
        match self {
            TransitionError::RoleNotAllowed { .. } => ErrorCode::ReviewRoleNotAllowed,
            TransitionError::NotFromStatus { .. } => ErrorCode::ReviewNotFromStatus,
            TransitionError::CommentRequired => ErrorCode::ReviewCommentRequired,
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
        D::NeedsCorrection => matches!(from, S::Submitted | S::Validated),
        D::Reopened => matches!(from, S::Validated | S::Approved | S::NeedsCorrection),
        // Made by the store with the copy itself, never as a decision on a record.
        D::Declassified | D::Purged => false,
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
    if !role_may(role, decision) {
        return Err(TransitionError::RoleNotAllowed { role, decision });
    }
    let from = status(events);
    if !allowed_from(decision, from) {
        return Err(TransitionError::NotFromStatus { decision, from });
    }
    if decision == Decision::NeedsCorrection && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(TransitionError::CommentRequired);
    }
    Ok(())
}

/// Whether a record in this status may be edited. An approved record is closed until
/// someone reopens it, so what the CRSS approved is what stays on file.
pub fn editable(status: ReviewStatus) -> bool {
    status != ReviewStatus::Approved
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

    #[test]
    fn refusals_carry_stable_codes() {
        let err = check(&[], Role::Member, D::Approved, None).unwrap_err();
        assert_eq!(err.code(), "review.role_not_allowed");
        let err = check(&[], Role::Reviewer, D::Approved, None).unwrap_err();
        assert_eq!(err.code(), "review.not_from_status");
    }
}
