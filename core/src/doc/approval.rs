//! « Modifié après approbation »: what a record approved by the CRSS has become since,
//! read from the document's history.
//!
//! The version approved is the document as it was when the approval was written: the
//! Automerge change that inserted the approval event into the review list. That change
//! is found from the event's own object id (Automerge names an object by the operation
//! that created it: its actor and counter), so it cannot be moved by editing any value:
//! - the event's `heads` say what the approving device saw; they must be the
//!   dependencies of that change. Heads altered afterwards (a hostile device rewriting
//!   an old event to hide its edit) disagree with the history: the history wins and the
//!   disagreement is reported (`pin_altered`). The server refuses such a rewrite anyway
//!   (`review.forged`: an event on file is compared whole, heads included).
//! - that change must be the approving device's own (its Automerge actor): an event
//!   deleted and written again by another device, after its own edit, is not the
//!   approval that was made (`pin_altered` too);
//! - the content compared is the record at that change (the approval's own change only
//!   adds an event and moves `updated_*`, both left out of the comparison), so an
//!   approval written with the record itself (an import, the demonstration) compares
//!   against the record as created.
//!
//! Nothing here touches SQLite: the store calls it for its projection and its views.

use automerge::{ChangeHash, ObjType, ReadDoc, Value, ROOT};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DocError, RecordDoc};
use crate::model::review::{self, FieldChange};
use crate::model::*;

/// The approval a record's status rests on, and what changed since.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ApprovalDiff {
    pub approved_at: DateTime<Utc>,
    pub approved_by: DeviceId,
    /// The change that wrote the approval (hex): the version approved.
    pub approved_change: String,
    /// The event's recorded heads disagree with the history (altered after the fact).
    pub pin_altered: bool,
    /// Fields that differ between the version approved and now; empty when only review
    /// events or bookkeeping moved.
    pub changes: Vec<FieldChange>,
    /// When the first edit the approval did not see was made (by its author's clock):
    /// since when the record waits for a new review.
    pub first_change_at: Option<DateTime<Utc>>,
}

impl ApprovalDiff {
    pub fn modified(&self) -> bool {
        !self.changes.is_empty()
    }
}

impl RecordDoc {
    /// The change that inserted the review event `event` into the review list.
    pub fn change_writing_event(&mut self, event: ItemId) -> Result<Option<automerge::Change>, DocError> {
        let doc = &self.doc;
        let Some((Value::Object(ObjType::List), list)) = doc.get(ROOT, "review")? else {
            return Ok(None);
        };
        let wanted = event.to_string();
        let mut creator = None;
        for i in 0..doc.length(&list) {
            let Some((Value::Object(ObjType::Map), obj)) = doc.get(&list, i)? else { continue };
            let id: Option<String> = autosurgeon::hydrate_prop(doc, &obj, "id").ok();
            if id.as_deref() == Some(wanted.as_str()) {
                if let automerge::ObjId::Id(counter, actor, _) = obj {
                    creator = Some((counter, actor));
                }
                break;
            }
        }
        let Some((counter, actor)) = creator else { return Ok(None) };
        Ok(self.doc.get_changes(&[]).into_iter().find(|c| {
            let start = c.start_op().get();
            c.actor_id() == &actor && start <= counter && counter < start + c.len() as u64
        }))
    }

    /// What changed since the approval `record`'s status rests on; `None` when the
    /// record is not approved (a newer decision, whatever it is, has reviewed it again).
    pub fn approval_diff(&mut self, record: &Record) -> Result<Option<ApprovalDiff>, DocError> {
        if record.review_status() != ReviewStatus::Approved {
            return Ok(None);
        }
        let Some(event) = review::latest(&record.review).filter(|e| e.decision == Decision::Approved).cloned() else {
            return Ok(None);
        };
        let Some(change) = self.change_writing_event(event.id)? else {
            // An approval event no change created cannot be (the event is read from the
            // document): treat the pin as altered and compare with nothing.
            return Ok(Some(ApprovalDiff {
                approved_at: event.at,
                approved_by: event.by_device,
                approved_change: String::new(),
                pin_altered: true,
                changes: vec![],
                first_change_at: None,
            }));
        };
        let hash = change.hash();
        let mut deps: Vec<String> = change.deps().iter().map(|h| h.to_string()).collect();
        deps.sort();
        let mut declared = event.heads.clone();
        declared.sort();
        // Events written before heads were recorded have none: nothing to disagree with.
        // And the change must be the approving device's own: an event deleted and
        // written again by another device (after its own edit, so that the edit would
        // look approved) is not the approval that was made.
        // A record made with its trail (an import, the demonstration) carries it in its
        // first change, whoever wrote that.
        let by_approver = DeviceId::from_actor(change.actor_id()) == Some(event.by_device) || change.deps().is_empty();
        let pin_altered = (!declared.is_empty() && declared != deps) || !by_approver;
        // Nothing since the approval (the common case of a projection): no fork to read.
        let changes = if self.heads() == [hash] {
            vec![]
        } else {
            let approved = self.read_at(&[hash])?;
            review::changed_fields(&approved, record)
        };
        let first_change_at = if changes.is_empty() {
            None
        } else {
            let unseen = self.doc.get_changes(&[hash]);
            let edits = unseen
                .iter()
                .filter(|c| !c.message().is_some_and(|m| m.starts_with("review ")))
                .filter_map(|c| DateTime::from_timestamp(c.timestamp(), 0))
                .min();
            // An edit made offline before the approval reached this device waits from
            // the approval on, not from before it.
            Some(edits.map_or(event.at, |t| t.max(event.at)))
        };
        Ok(Some(ApprovalDiff {
            approved_at: event.at,
            approved_by: event.by_device,
            approved_change: hash.to_string(),
            pin_altered,
            changes,
            first_change_at,
        }))
    }
}

/// The heads of a document as review events record them.
pub fn heads_for_event(heads: &[ChangeHash]) -> Vec<String> {
    let mut out = super::heads_to_hex(heads);
    out.sort();
    out
}
