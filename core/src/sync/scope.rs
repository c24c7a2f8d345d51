//! Scopes: which records a device may receive and which it may write, as pure
//! functions the server applies to every push and every pull.
//!
//! - `member`: its committee's records (and the committee's own record);
//! - `facilitator`: every committee of its region;
//! - `reviewer`, `admin`: everything.
//!
//! `confidential` records go only to reviewers, admins and the devices that wrote them
//! (their *contributors*), whatever the scope. Committee records (the registry) are
//! written by admins and reviewers only. Review decisions are accepted only from the
//! roles allowed to make them, made by the pushing device itself.
//!
//! Who wrote a confidential record (the rule, not "who pushed first"): the server keeps,
//! per document, the enrolled devices whose changes it accepted into it. Those
//! contributors, plus reviewers and admins, read and keep editing the record once it is
//! confidential; other devices of its committee or region do not (they never received
//! its confidential content, so no edit of theirs can be legitimate). A member who adds
//! an allegation against the security forces to a colleague's restricted record is a
//! contributor from that push on, and so is the colleague: both keep editing it.
//!
//! The sensitivity a record is filed under is decided by its content
//! ([`crate::model::Record::effective_sensitivity`] of the merged document), never by what
//! a device claims in its push: a claimed `confidential` on restricted content is filed
//! as restricted, so claiming cannot lock colleagues out. A stored record's sensitivity
//! never goes down (a decrease is refused; a declassified record is a new document).
//!
//! The review trail is append-only for every role: an event already on file must stay
//! as it was ([`check_review_trail`]), and an approved record is closed to edits until
//! a `reopened` event ([`check_approved_edit`]).

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::model::review::{self, ReviewEvent};
use crate::model::{CommitteeId, Decision, DeviceId, Record, RecordKind, ReviewStatus, Role, Sensitivity};

/// What an enrolled device may see, fixed at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceScope {
    pub device_id: DeviceId,
    pub role: Role,
    /// A member's committee.
    pub committee_id: Option<CommitteeId>,
    /// A facilitator's region code.
    pub region: Option<String>,
}

/// What the server knows of a document to route it, without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRouting {
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    /// The committee's region, when the registry knows it.
    pub region: Option<String>,
    pub sensitivity: Sensitivity,
    /// The devices whose changes the server accepted into the document (for a new
    /// document: the device pushing it).
    pub contributors: Vec<DeviceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("record outside this device's scope")]
    OutsideScope,
    #[error("only administrators and reviewers maintain the committee registry")]
    RegistryReadOnly,
    #[error("a review decision was made by a role that may not make it")]
    ReviewNotAllowed,
    #[error("a review event claims another device or role than the one pushing it, or an event on file was changed or removed")]
    ReviewForged,
    #[error("the record is approved: it must be reopened before it is edited")]
    ApprovedLocked,
    #[error("a deletion by a role that may not delete the record in its status")]
    DeleteNotAllowed,
    #[error("a withdrawal of a submission that is not pending, or already decided on")]
    WithdrawNotAllowed,
}

impl ScopeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ScopeError::OutsideScope => ErrorCode::ScopeOutside,
            ScopeError::RegistryReadOnly => ErrorCode::ScopeRegistryReadOnly,
            ScopeError::ReviewNotAllowed => ErrorCode::ReviewRoleNotAllowed,
            ScopeError::ReviewForged => ErrorCode::ReviewForged,
            ScopeError::ApprovedLocked => ErrorCode::RecordLocked,
            ScopeError::DeleteNotAllowed => ErrorCode::RecordDeleteNotAllowed,
            ScopeError::WithdrawNotAllowed => ErrorCode::ReviewWithdrawNotAllowed,
        }
    }
}

fn everything(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

fn in_area(scope: &DeviceScope, doc: &DocRouting) -> bool {
    match scope.role {
        Role::Reviewer | Role::Admin => true,
        Role::Member => scope.committee_id == Some(doc.committee_id),
        Role::Facilitator => scope.region.is_some() && scope.region == doc.region,
    }
}

/// Whether a device may receive a document.
pub fn may_read(scope: &DeviceScope, doc: &DocRouting) -> bool {
    if doc.sensitivity == Sensitivity::Confidential && !everything(scope.role) {
        return doc.contributors.contains(&scope.device_id);
    }
    in_area(scope, doc)
}

/// Whether a device may push changes to a document.
pub fn may_write(scope: &DeviceScope, doc: &DocRouting) -> Result<(), ScopeError> {
    if doc.kind == RecordKind::Committee && !everything(scope.role) {
        return Err(ScopeError::RegistryReadOnly);
    }
    if !in_area(scope, doc) {
        return Err(ScopeError::OutsideScope);
    }
    // A confidential record this device did not help write never reached it, so a
    // push to it cannot be legitimate.
    if doc.sensitivity == Sensitivity::Confidential
        && !everything(scope.role)
        && !doc.contributors.contains(&scope.device_id)
    {
        return Err(ScopeError::OutsideScope);
    }
    Ok(())
}

/// Checks the review events a push adds: each must be made by the pushing device, in
/// its own role, and be a decision that role may make; and no event on file may be
/// changed or removed. See [`check_review_trail`].
pub fn check_new_review_events(
    scope: &DeviceScope,
    before: &[ReviewEvent],
    after: &[ReviewEvent],
) -> Result<(), ScopeError> {
    check_review_trail(scope, std::slice::from_ref(scope), before, after)
}

/// The review trail of a document before and after a push by `pusher`.
///
/// - Append-only, for every role: each event of `before` must be in `after`, unchanged
///   (decision, role, device, time, comment); one altered or removed is `review.forged`.
/// - Each new event must be made by one of `authors` (the pushing device; on the repair
///   path also the enrolled devices whose changes it relays), in that device's own
///   role, and be a decision that role may make.
/// - Administrators' new events are trusted: they load records made elsewhere (the
///   demo set, an import) with other devices' decisions as they were made.
pub fn check_review_trail(
    pusher: &DeviceScope,
    authors: &[DeviceScope],
    before: &[ReviewEvent],
    after: &[ReviewEvent],
) -> Result<(), ScopeError> {
    for kept in before {
        if !after.iter().any(|e| e == kept) {
            return Err(ScopeError::ReviewForged);
        }
    }
    if pusher.role == Role::Admin {
        return Ok(());
    }
    for event in after.iter().filter(|e| !before.iter().any(|b| b.id == e.id)) {
        let Some(author) = authors.iter().find(|a| a.device_id == event.by_device && a.role == event.role) else {
            return Err(ScopeError::ReviewForged);
        };
        if !review::role_may(author.role, event.decision) {
            return Err(ScopeError::ReviewNotAllowed);
        }
    }
    check_withdrawals_and_deletions(before, after)
}

/// The rules of a deletion and of a withdrawal depend on the trail, not only on the
/// role, and the server holds decisions the device may not have seen. Each new
/// `deleted` or `withdrawn` event is checked against every event before it in time,
/// wherever it was made:
/// - a deletion against [`review::may_delete`] (a member deletes a draft only; checkers
///   a submitted record only);
/// - a withdrawal must take back a pending submission, and no reviewer decision may
///   exist on that submission, even one made after the withdrawal's time by a device
///   that had not seen it: the decision on file stands.
fn check_withdrawals_and_deletions(before: &[ReviewEvent], after: &[ReviewEvent]) -> Result<(), ScopeError> {
    let key = |e: &ReviewEvent| (e.at, e.by_device, e.id);
    for event in after.iter().filter(|e| !before.iter().any(|b| b.id == e.id)) {
        if !matches!(event.decision, Decision::Deleted | Decision::Withdrawn) {
            continue;
        }
        let earlier: Vec<ReviewEvent> = after.iter().filter(|e| key(e) < key(event)).cloned().collect();
        let from = review::status(&earlier);
        if event.decision == Decision::Deleted {
            if !review::may_delete(event.role, from) {
                return Err(ScopeError::DeleteNotAllowed);
            }
            continue;
        }
        if !review::allowed_from(Decision::Withdrawn, from) {
            return Err(ScopeError::WithdrawNotAllowed);
        }
        let submitted = earlier.iter().filter(|e| e.decision == Decision::Submitted).map(|e| e.at).max();
        let decided = after.iter().any(|e| {
            matches!(e.decision, Decision::Validated | Decision::Approved | Decision::NeedsCorrection)
                && submitted.is_some_and(|s| e.at >= s)
        });
        if decided {
            return Err(ScopeError::WithdrawNotAllowed);
        }
    }
    Ok(())
}

/// An approved record is closed: what the CRSS approved is what stays on file until
/// someone reopens it. A push that changes anything but the review trail (and the
/// `updated_*` bookkeeping) of a record approved before it is refused, unless it adds
/// a `reopened` event. The client checks the same rule ([`review::editable`]); the
/// server enforces it, since another client may not.
pub fn check_approved_edit(before: &Record, after: &Record) -> Result<(), ScopeError> {
    if review::status(&before.review) != ReviewStatus::Approved {
        return Ok(());
    }
    let reopened =
        after.review.iter().any(|e| e.decision == Decision::Reopened && !before.review.iter().any(|b| b.id == e.id));
    if reopened {
        return Ok(());
    }
    let content = |r: &Record| {
        let mut r = r.clone();
        r.review.clear();
        r.updated_at = before.updated_at;
        r.updated_by = before.updated_by;
        r
    };
    if content(before) == content(after) {
        Ok(())
    } else {
        Err(ScopeError::ApprovedLocked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use uuid::Uuid;

    const ME: DeviceId = DeviceId(Uuid::from_u128(1));
    const OTHER: DeviceId = DeviceId(Uuid::from_u128(2));
    const GOUNDAM: CommitteeId = CommitteeId(Uuid::from_u128(10));
    const ANSONGO: CommitteeId = CommitteeId(Uuid::from_u128(11));

    fn scope(role: Role) -> DeviceScope {
        DeviceScope {
            device_id: ME,
            role,
            committee_id: (role == Role::Member).then_some(GOUNDAM),
            region: (role == Role::Facilitator).then(|| "tombouctou".to_string()),
        }
    }

    fn doc(committee: CommitteeId, sensitivity: Sensitivity, author: DeviceId) -> DocRouting {
        DocRouting {
            kind: RecordKind::Session,
            committee_id: committee,
            region: Some(if committee == GOUNDAM { "tombouctou" } else { "gao" }.into()),
            sensitivity,
            contributors: vec![author],
        }
    }

    #[rstest]
    #[case(Role::Member, GOUNDAM, Sensitivity::Restricted, OTHER, true)]
    #[case(Role::Member, ANSONGO, Sensitivity::Public, OTHER, false)]
    #[case(Role::Member, GOUNDAM, Sensitivity::Confidential, OTHER, false)]
    #[case(Role::Member, GOUNDAM, Sensitivity::Confidential, ME, true)]
    #[case(Role::Facilitator, GOUNDAM, Sensitivity::Restricted, OTHER, true)]
    #[case(Role::Facilitator, ANSONGO, Sensitivity::Restricted, OTHER, false)]
    #[case(Role::Facilitator, GOUNDAM, Sensitivity::Confidential, OTHER, false)]
    #[case(Role::Reviewer, ANSONGO, Sensitivity::Confidential, OTHER, true)]
    #[case(Role::Admin, GOUNDAM, Sensitivity::Confidential, OTHER, true)]
    fn who_receives_what(
        #[case] role: Role,
        #[case] committee: CommitteeId,
        #[case] sensitivity: Sensitivity,
        #[case] author: DeviceId,
        #[case] expected: bool,
    ) {
        assert_eq!(may_read(&scope(role), &doc(committee, sensitivity, author)), expected);
    }

    #[test]
    fn writes_follow_scope_and_registry_rules() {
        assert!(may_write(&scope(Role::Member), &doc(GOUNDAM, Sensitivity::Restricted, OTHER)).is_ok());
        assert_eq!(
            may_write(&scope(Role::Member), &doc(ANSONGO, Sensitivity::Restricted, OTHER)),
            Err(ScopeError::OutsideScope)
        );
        let mut committee = doc(GOUNDAM, Sensitivity::Public, OTHER);
        committee.kind = RecordKind::Committee;
        assert_eq!(may_write(&scope(Role::Member), &committee), Err(ScopeError::RegistryReadOnly));
        assert!(may_write(&scope(Role::Reviewer), &committee).is_ok());
    }

    #[test]
    fn review_events_must_come_from_their_role_and_device() {
        use crate::model::{Decision, ItemId};
        let event = |by: DeviceId, role: Role, decision: Decision| ReviewEvent {
            id: ItemId::new(),
            at: chrono::Utc::now(),
            by_device: by,
            role,
            decision,
            comment: None,
            heads: vec![],
        };
        let before = vec![event(OTHER, Role::Member, Decision::Submitted)];
        let mut after = before.clone();
        after.push(event(ME, Role::Member, Decision::Approved));
        assert_eq!(check_new_review_events(&scope(Role::Member), &before, &after), Err(ScopeError::ReviewNotAllowed));
        let mut forged = before.clone();
        forged.push(event(ME, Role::Reviewer, Decision::Approved));
        assert_eq!(check_new_review_events(&scope(Role::Member), &before, &forged), Err(ScopeError::ReviewForged));
        let mut ok = before.clone();
        ok.push(event(ME, Role::Reviewer, Decision::Approved));
        assert!(check_new_review_events(&scope(Role::Reviewer), &before, &ok).is_ok());
    }

    /// The server's view of a withdrawal or a deletion: each `(hour, device, role,
    /// decision)` of `before` is on file, `new` is pushed by `pusher`.
    #[rstest]
    #[case::withdraw_pending(Role::Member, vec![(1, ME, Role::Member, Decision::Submitted)], (2, Decision::Withdrawn), Ok(()))]
    #[case::withdraw_decided_later(Role::Member, vec![(1, ME, Role::Member, Decision::Submitted), (5, OTHER, Role::Reviewer, Decision::Validated)], (2, Decision::Withdrawn), Err(ScopeError::WithdrawNotAllowed))]
    #[case::withdraw_a_draft(Role::Member, vec![], (2, Decision::Withdrawn), Err(ScopeError::WithdrawNotAllowed))]
    #[case::delete_a_draft(Role::Member, vec![], (2, Decision::Deleted), Ok(()))]
    #[case::member_deletes_submitted(Role::Member, vec![(1, OTHER, Role::Member, Decision::Submitted)], (2, Decision::Deleted), Err(ScopeError::DeleteNotAllowed))]
    #[case::facilitator_deletes_submitted(Role::Facilitator, vec![(1, OTHER, Role::Member, Decision::Submitted)], (2, Decision::Deleted), Ok(()))]
    #[case::reviewer_deletes_draft(Role::Reviewer, vec![], (2, Decision::Deleted), Err(ScopeError::DeleteNotAllowed))]
    fn withdrawals_and_deletions_are_checked_against_the_trail_on_file(
        #[case] pusher: Role,
        #[case] before: Vec<(i64, DeviceId, Role, Decision)>,
        #[case] new: (i64, Decision),
        #[case] expected: Result<(), ScopeError>,
    ) {
        let at = |h: i64| chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::hours(1_000_000 + h);
        let event = |h: i64, by: DeviceId, role: Role, decision: Decision| ReviewEvent {
            id: crate::model::ItemId(Uuid::from_u128(h as u128 * 100 + by.0.as_u128())),
            at: at(h),
            by_device: by,
            role,
            decision,
            comment: None,
            heads: vec![],
        };
        let before: Vec<ReviewEvent> = before.into_iter().map(|(h, by, role, d)| event(h, by, role, d)).collect();
        let mut after = before.clone();
        after.push(event(new.0, ME, pusher, new.1));
        assert_eq!(check_new_review_events(&scope(pusher), &before, &after), expected);
    }
}
