//! Declassifying and purging records by copying them: an Automerge document never
//! forgets, so what may not reach every future reader of a record is never removed from
//! its document (it cannot be) but left behind in it.
//!
//! - An edit that lowers a record's effective sensitivity (a chosen sensitivity made
//!   lower, an allegation against the security forces removed, a named attendance list
//!   emptied) is not written into the record's document. The store makes a new document
//!   from the edited state, with a new id and no history (one change by this device),
//!   that names the old record in `copied_from` and says in its review trail what
//!   happened ([`Decision::Declassified`]). The old document is left as it was, only
//!   raised to `confidential` (author and reviewers) when it was not already: the server
//!   accepts a raise, never a decrease.
//! - A purge ([`Store::purge`], facilitators, reviewers, administrators) makes the same
//!   copy of a record that already holds something it must not ([`Decision::Purged`]).
//! - Links follow the copy without rewriting the records that hold them: every document
//!   written or merged with a `copied_from` fills the `record_lineage` table, so every
//!   device that receives the copy learns that the old id now leads to the new one
//!   ([`Store::follow`]). Lists show the copy only; reviewers and administrators also
//!   see the replaced record, marked with the copy that replaced it.
//!
//! Not here: the server's side (refusing a sensitivity decrease, accepting the review
//! trail a copy carries from its original, see `ccs-sync-server`'s `lineage`).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::documents::write_document;
use super::{DocHeaderView, Store, StoreError};
use crate::doc::{DocError, RecordDoc};
use crate::model::review::{self, TransitionError};
use crate::model::*;

/// How many copies of copies a link follows before giving up (a cycle can only come
/// from forged documents; the server refuses them, a device must not loop on them).
const MAX_HOPS: usize = 16;

/// The hook of [`Store::modify`]: when `edited` is less sensitive than the record
/// `d` holds, saves the edit as a history-free copy and returns it (with its new id);
/// otherwise returns `None` and the caller writes the edit into `d` as usual.
/// `original` is the record `d` holds.
pub(super) fn copy_if_lowered(
    store: &mut Store,
    d: &mut RecordDoc,
    original: &Record,
    edited: &Record,
    now: DateTime<Utc>,
) -> Result<Option<Record>, StoreError> {
    if edited.effective_sensitivity() >= original.effective_sensitivity() {
        return Ok(None);
    }
    copy(store, d, original, edited.clone(), Decision::Declassified, now).map(Some)
}

/// Reads the record `d` holds, as an edit would.
fn read(d: &RecordDoc) -> Result<Record, StoreError> {
    match d.read() {
        Ok(r) => Ok(r),
        Err(DocError::NewerSchema(_)) => match d.header() {
            Ok(h) => Err(StoreError::ReadOnly(h.id)),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Makes the copy of `original` holding `content`, raises the old document to
/// `confidential` if needed, and writes both (with the lineage) in one transaction.
fn copy(
    store: &mut Store,
    d: &mut RecordDoc,
    original: &Record,
    content: Record,
    reason: Decision,
    now: DateTime<Utc>,
) -> Result<Record, StoreError> {
    if original.kind() == RecordKind::Committee {
        // A committee record's id is its committee's id: a copy under a new id would be
        // another committee. The registry holds nothing that needs declassifying.
        return Err(StoreError::Forbidden("a committee record cannot be copied without history".into()));
    }
    if let Some(newer) = store.superseded_by(original.id)? {
        return Err(StoreError::Forbidden(format!("record {} was already replaced by its copy {newer}", original.id)));
    }
    let device = store.identity.device_id;
    let role = store.identity.role;
    let mut review = content.review.clone();
    review.push(ReviewEvent {
        id: ItemId::new(),
        at: review::next_event_time(&review, now),
        by_device: device,
        role,
        decision: reason,
        comment: None,
    });
    let copy = Record {
        id: RecordId::new(),
        copied_from: Some(original.id),
        schema_version: SCHEMA_VERSION,
        updated_at: now,
        updated_by: device,
        review,
        ..content
    };
    let mut new_doc = RecordDoc::history_free_copy(&copy, device)?;
    // The old document keeps everything it had; only who may receive it narrows, so
    // that devices enrolled later, or not synced yet, never get it.
    let raised = (original.effective_sensitivity() < Sensitivity::Confidential).then(|| Record {
        sensitivity: Sensitivity::Confidential,
        updated_at: now,
        updated_by: device,
        ..original.clone()
    });
    if let Some(r) = &raised {
        d.update(r, "confidential: replaced by a copy without history")?;
    }
    let tx = store.conn.transaction()?;
    write_document(&tx, &mut new_doc, &store.reference, now, None)?;
    if raised.is_some() {
        write_document(&tx, d, &store.reference, now, None)?;
    }
    tx.commit()?;
    Ok(copy)
}

/// Files the lineage a document carries (called for every document written or
/// merged): its `copied_from` now leads to it. A copy claiming a record of another
/// kind or committee than its own is not followed: it cannot be the record's copy.
pub(super) fn note_lineage(tx: &Transaction<'_>, d: &RecordDoc, header: &DocHeaderView) -> Result<(), StoreError> {
    let Some(original) = d.copied_from() else { return Ok(()) };
    if original == header.id {
        return Ok(());
    }
    let held: Option<(String, String)> = tx
        .query_row("SELECT kind, committee_id FROM documents WHERE id = ?1", [original.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if held.is_some_and(|(kind, committee)| kind != header.kind.code() || committee != header.committee_id.to_string())
    {
        return Ok(());
    }
    // Two devices may copy the same record concurrently: every device keeps the same
    // one (the smaller id), whatever order the copies arrive in.
    tx.execute(
        "INSERT INTO record_lineage (old_id, new_id) VALUES (?1, ?2)
         ON CONFLICT(old_id) DO UPDATE SET new_id = min(new_id, excluded.new_id)",
        params![original.to_string(), header.id.to_string()],
    )?;
    // The copy counts in the indicators, the record it replaced no more.
    super::indicators::exclude(tx, original)?;
    Ok(())
}

/// Whether a role sees the records a copy replaced in its lists (marked as such):
/// those who review records and may need to compare; others see the copy only.
pub(super) fn sees_replaced(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

impl Store {
    /// Makes a history-free copy of a record that already holds something it must not
    /// (a name, an allegation later moved elsewhere): the copy, under a new id, holds
    /// the current state only; the old document is made confidential. Facilitators,
    /// reviewers and administrators only (`review.role_not_allowed` for members).
    /// Returns the copy.
    pub fn purge(&mut self, id: RecordId, now: DateTime<Utc>) -> Result<Record, StoreError> {
        let role = self.identity.role;
        if !review::role_may(role, Decision::Purged) {
            return Err(StoreError::Review(TransitionError::RoleNotAllowed { role, decision: Decision::Purged }));
        }
        let mut d = self.load_doc(id)?;
        let original = read(&d)?;
        self.check_write_scope(original.kind(), original.committee_id)?;
        let content = original.clone();
        copy(self, &mut d, &original, content, Decision::Purged, now)
    }

    /// The record a link to `id` leads to now: `id` itself, or the latest copy that
    /// replaced it (following copies of copies).
    pub fn follow(&self, id: RecordId) -> Result<RecordId, StoreError> {
        let mut current = id;
        for _ in 0..MAX_HOPS {
            match self.superseded_by(current)? {
                Some(next) if next != id => current = next,
                _ => break,
            }
        }
        Ok(current)
    }

    /// The copy that replaced `id`, if this device has received one.
    pub fn superseded_by(&self, id: RecordId) -> Result<Option<RecordId>, StoreError> {
        let next: Option<String> = self
            .conn
            .query_row("SELECT new_id FROM record_lineage WHERE old_id = ?1", [id.to_string()], |r| r.get(0))
            .optional()?;
        next.map(|s| s.parse().map_err(|_| StoreError::Corrupt("record lineage".into()))).transpose()
    }
}
