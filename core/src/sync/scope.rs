//! Scopes: which records a device may receive and which it may write, as pure
//! functions the server applies to every push and every pull.
//!
//! - `member`: its committee's records (and the committee's own record);
//! - `facilitator`: every committee of its region;
//! - `reviewer`, `admin`: everything.
//!
//! `confidential` records go only to reviewers, admins and the device that wrote them,
//! whatever the scope. Committee records (the registry) are written by admins and
//! reviewers only. Review decisions are accepted only from the roles allowed to make
//! them, made by the pushing device itself.

use serde::{Deserialize, Serialize};

use crate::model::review::{self, ReviewEvent};
use crate::model::{CommitteeId, DeviceId, RecordKind, Role, Sensitivity};

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
    /// The device that first pushed the document.
    pub author: Option<DeviceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("record outside this device's scope")]
    OutsideScope,
    #[error("only administrators and reviewers maintain the committee registry")]
    RegistryReadOnly,
    #[error("a review decision was made by a role that may not make it")]
    ReviewNotAllowed,
    #[error("a review event claims another device or role than the one pushing it")]
    ReviewForged,
}

impl ScopeError {
    pub fn code(&self) -> &'static str {
        match self {
            ScopeError::OutsideScope => "scope.outside",
            ScopeError::RegistryReadOnly => "scope.registry_read_only",
            ScopeError::ReviewNotAllowed => "review.role_not_allowed",
            ScopeError::ReviewForged => "review.forged",
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
        return doc.author == Some(scope.device_id);
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
    // A confidential record from someone else never reached this device, so a push to
    // it cannot be legitimate.
    if doc.sensitivity == Sensitivity::Confidential
        && !everything(scope.role)
        && doc.author.is_some_and(|a| a != scope.device_id)
    {
        return Err(ScopeError::OutsideScope);
    }
    Ok(())
}

/// Checks the review events a push adds: each must be made by the pushing device, in
/// its own role, and be a decision that role may make. Administrators are trusted.
pub fn check_new_review_events(
    scope: &DeviceScope,
    before: &[ReviewEvent],
    after: &[ReviewEvent],
) -> Result<(), ScopeError> {
    // Administrators run the server and may load records made elsewhere (the demo set,
    // an import): their pushes carry other devices' decisions as they were made.
    if scope.role == Role::Admin {
        return Ok(());
    }
    for event in after.iter().filter(|e| !before.iter().any(|b| b.id == e.id)) {
        if event.by_device != scope.device_id || event.role != scope.role {
            return Err(ScopeError::ReviewForged);
        }
        if !review::role_may(scope.role, event.decision) {
            return Err(ScopeError::ReviewNotAllowed);
        }
    }
    Ok(())
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
            author: Some(author),
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
}
