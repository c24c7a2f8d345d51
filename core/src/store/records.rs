//! Records as a device edits them: create, read with flags, edit (whole or from a form's
//! base), review, conflicts and history. Each write loads the record's document, checks
//! the role and the result, and writes the document with its projection in one
//! transaction ([`super::documents`]).

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::documents::{start_save, timed, write_document, DocHeaderView, Step};
use super::{declassify, projection, Store, StoreError};
use crate::doc::{Conflict, DocError, HistoryEntry, RecordDoc};
use crate::model::input::{self, InputError, RecordInput};
use crate::model::review;
use crate::model::*;

/// What a form's save became: the record it is now under (a new id when the edit lowered
/// the record's sensitivity and went into a history-free copy) and the heads of the edit,
/// the form's next base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub id: RecordId,
    pub heads: Vec<ChangeHash>,
}

/// A record as read from the store, with what the store knows about it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct StoredRecord {
    pub header: DocHeaderView,
    /// `None` when the document cannot be read by this version (newer schema or damaged
    /// body); the bytes are kept and the header still lists it.
    pub record: Option<Record>,
    pub read_only: bool,
    pub errors: Vec<FieldError>,
    pub conflicts: Vec<Conflict>,
    pub dirty: bool,
}

impl Store {
    /// Whether this device may write records of `committee` (and committee records).
    pub fn check_write_scope(&self, kind: RecordKind, committee: CommitteeId) -> Result<(), StoreError> {
        let id = &self.identity;
        if kind == RecordKind::Committee && !matches!(id.role, Role::Admin | Role::Reviewer) {
            return Err(StoreError::Forbidden(
                "the committee registry is maintained by administrators and reviewers".into(),
            ));
        }
        if id.role == Role::Member && kind != RecordKind::Committee {
            if let Some(own) = id.committee_id {
                if own != committee {
                    return Err(StoreError::Forbidden(format!("this device records for committee {own} only")));
                }
            }
        }
        Ok(())
    }

    /// Validates and saves a new record; returns its id. Refused with every field error
    /// when invalid.
    pub fn create_record(&mut self, input: RecordInput, now: DateTime<Utc>) -> Result<RecordId, StoreError> {
        let device = self.identity.device_id;
        let kind = input.body.kind();
        let committee = match (kind, input.committee_id.or(self.identity.committee_id)) {
            (RecordKind::Committee, c) => c.unwrap_or_default(),
            (_, Some(c)) => c,
            (_, None) => return Err(StoreError::Input(InputError::CommitteeRequired)),
        };
        // A member enrolled offline from a slip knows its committee's id before the
        // committee's registry record reaches it (with the first return bundle): it must
        // be able to record from the first day.
        let own = self.identity.committee_id == Some(committee);
        if kind != RecordKind::Committee && !own && !self.committee_known(committee)? {
            return Err(StoreError::Invalid(vec![FieldError {
                code: "committee.unknown".into(),
                path: "committee_id".into(),
                message: crate::i18n::Message::new(
                    format!("Comité {committee} inconnu sur cet appareil."),
                    format!("Committee {committee} is unknown on this device."),
                ),
            }]));
        }
        self.check_write_scope(kind, committee)?;
        let mut body = input.body;
        input::apply_status(&mut body, input.status, device, now);
        let mut record = Record::new(body, committee, device, now);
        if let Some(s) = input.sensitivity {
            record.sensitivity = s;
        }
        self.insert_new(&record, now)?;
        Ok(record.id)
    }

    /// Saves `record` as a new document without role checks: for the demo generator and
    /// imports, which write on behalf of other devices.
    pub fn insert_new(&mut self, record: &Record, now: DateTime<Utc>) -> Result<(), StoreError> {
        start_save();
        let errors = validate(record, &self.ctx(now));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut d = RecordDoc::create(record, record.updated_by)?;
        let tx = self.conn.transaction()?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM documents WHERE id = ?1", [record.id.to_string()], |_| Ok(true))
            .optional()?
            .unwrap_or(false);
        if exists {
            return Err(StoreError::Forbidden(format!("record {} already exists", record.id)));
        }
        write_document(&tx, &mut d, &self.reference, now, None)?;
        tx.commit()?;
        Ok(())
    }

    fn committee_known(&self, committee: CommitteeId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM documents WHERE id = ?1 AND kind = 'committee'", [committee.to_string()], |_| {
                Ok(true)
            })
            .optional()?
            .unwrap_or(false))
    }

    /// from. A document this version cannot read is `ReadOnly`.
    pub fn record(&self, id: RecordId) -> Result<Record, StoreError> {
        match self.load_doc(id)?.read() {
            Ok(r) => Ok(r),
            Err(DocError::NewerSchema(_)) => Err(StoreError::ReadOnly(id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a record with its flags, conflicts and errors.
    pub fn get(&self, id: RecordId, now: DateTime<Utc>) -> Result<StoredRecord, StoreError> {
        let mut d = self.load_doc(id)?;
        let header: DocHeaderView = d.header()?.into();
        let dirty: bool =
            self.conn.query_row("SELECT heads != acked_heads FROM documents WHERE id = ?1", [id.to_string()], |r| {
                r.get(0)
            })?;
        let conflicts = d.conflicts();
        match d.read() {
            Ok(record) => {
                let errors = validate(&record, &self.ctx(now));
                Ok(StoredRecord { header, record: Some(record), read_only: false, errors, conflicts, dirty })
            }
            Err(e @ DocError::NewerSchema(_)) => Ok(StoredRecord {
                header,
                record: None,
                read_only: true,
                errors: vec![projection::doc_error_field(&e)],
                conflicts,
                dirty,
            }),
            Err(e) => Ok(StoredRecord {
                header,
                record: None,
                read_only: true,
                errors: vec![projection::doc_error_field(&e)],
                conflicts,
                dirty,
            }),
        }
    }

    /// Applies `change` to `record`, held by the loaded document `d`, and saves it as
    /// one change by this device. Refused when the result is invalid.
    fn modify_loaded(
        &mut self,
        mut d: RecordDoc,
        mut record: Record,
        now: DateTime<Utc>,
        message: &str,
        change: impl FnOnce(&mut Record) -> Result<(), StoreError>,
    ) -> Result<Record, StoreError> {
        let original = record.clone();
        timed(Step::Edit, || -> Result<(), StoreError> {
            change(&mut record)?;
            record.updated_at = now;
            record.updated_by = self.identity.device_id;
            let errors = validate(&record, &self.ctx(now));
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
            Ok(())
        })?;
        if let Some(copy) = declassify::copy_if_lowered(self, &mut d, &original, &record, now)? {
            return Ok(copy);
        }
        timed(Step::Edit, || d.update(&record, message))?;
        let tx = self.conn.transaction()?;
        write_document(&tx, &mut d, &self.reference, now, None)?;
        timed(Step::Commit, || tx.commit())?;
        Ok(record)
    }

    /// Edits a record's fields (the input is the full new state of the fields).
    pub fn edit_record(&mut self, id: RecordId, input: RecordInput, now: DateTime<Utc>) -> Result<Record, StoreError> {
        start_save();
        let device = self.identity.device_id;
        let d = self.load_doc(id)?;
        let current = timed(Step::Edit, || read_record(&d, id))?;
        self.check_write_scope(current.kind(), current.committee_id)?;
        if !review::editable(current.review_status()) {
            return Err(StoreError::Locked(id));
        }
        if input.body.kind() != current.kind() {
            return Err(StoreError::Input(InputError::ReadOnly("kind".into())));
        }
        self.modify_loaded(d, current, now, "edit", move |r| {
            let mut body = input.body;
            input::apply_status(&mut body, input.status, device, now);
            r.body = body;
            if let Some(s) = input.sensitivity {
                r.sensitivity = s;
            }
            Ok(())
        })
    }

    /// The record as it was at `heads` (the state a form started from).
    pub fn record_at(&self, id: RecordId, heads: &[ChangeHash]) -> Result<Record, StoreError> {
        let mut d = self.load_doc(id)?;
        let fork = d.fork_at(heads)?;
        read_record(&fork, id)
    }

    /// Saves a form's changes: `patch` holds only the fields the user changed (JSON
    /// merge patch), relative to `base`, the heads the form started from. The edit is
    /// written as a change made at `base` and merged into the current document, so that
    /// what was merged in the meantime survives: another field, a text fix, a threat
    /// added to the list (autosurgeon reconciles lists by item id and writes only what
    /// differs from `base`). A field also changed by someone else keeps both values as a
    /// conflict. Validation runs on the merged result; an invalid one writes nothing.
    ///
    /// Returns the heads of the edit itself: the form's state is the document at those
    /// heads, so they are its next base. `None` when the patch changes nothing.
    pub fn edit_at(
        &mut self,
        id: RecordId,
        base: &[ChangeHash],
        patch: serde_json::Map<String, serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<Option<Edited>, StoreError> {
        start_save();
        let device = self.identity.device_id;
        let mut d = self.load_doc(id)?;
        let current = read_record(&d, id)?;
        self.check_write_scope(current.kind(), current.committee_id)?;
        if !review::editable(current.review_status()) {
            return Err(StoreError::Locked(id));
        }
        let mut fork = d.fork_at(base)?;
        let before = read_record(&fork, id)?;
        // The fork also holds this device's own later changes (an actor's history is one
        // line) and whatever they were made on top of. If that moved a field of the
        // record, the form's state is no longer a state of the document: a change of that
        // field cannot be made a conflict any more, and the form's next base would hold
        // what the form never saw. The save is refused, naming the fields, until the form
        // is reopened, rather than writing over what the form never saw.
        let mut sorted_base = base.to_vec();
        sorted_base.sort();
        if fork.heads() != sorted_base {
            let seen = form_state(&d.read_at(base)?);
            let there = form_state(&before);
            let moved: Vec<FieldError> = there
                .keys()
                .chain(seen.keys())
                .filter(|k| seen.get(k.as_str()) != there.get(k.as_str()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|k| FieldError {
                    code: "record.changed_meanwhile".into(),
                    path: k.clone(),
                    message: crate::i18n::Message::new(
                        "Ce champ a été modifié entre-temps sur cet appareil : rouvrez la fiche pour voir sa valeur actuelle avant de continuer.",
                        "This field was changed meanwhile on this device: reopen the record to see its current value before going on.",
                    ),
                })
                .collect();
            if !moved.is_empty() {
                return Err(StoreError::Invalid(moved));
            }
        }
        let input = input::parse_patch(&before, patch)?;
        let same_status = match (&before.body, input.status) {
            (RecordBody::Recommendation(r), Some(s)) => r.status() == s,
            _ => true,
        };
        if input.body == before.body && input.sensitivity.is_none_or(|s| s == before.sensitivity) && same_status {
            return Ok(None);
        }
        let mut record = before;
        let mut body = input.body;
        input::apply_status(&mut body, input.status, device, now);
        record.body = body;
        if let Some(s) = input.sensitivity {
            record.sensitivity = s;
        }
        record.updated_at = now;
        record.updated_by = device;
        fork.update(&record, "edit")?;
        let edit_heads = fork.heads();
        d.merge(&mut fork)?;
        let merged = read_record(&d, id)?;
        let errors = validate(&merged, &self.ctx(now));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        // What lowers the record's sensitivity never enters its document: the merged
        // state goes into a history-free copy instead ([`declassify`]).
        if merged.effective_sensitivity() < current.effective_sensitivity() {
            let mut original = self.load_doc(id)?;
            if let Some(copy) = declassify::copy_if_lowered(self, &mut original, &current, &merged, now)? {
                let heads = self.heads(copy.id)?.0;
                return Ok(Some(Edited { id: copy.id, heads }));
            }
        }
        let tx = self.conn.transaction()?;
        write_document(&tx, &mut d, &self.reference, now, None)?;
        timed(Step::Commit, || tx.commit())?;
        Ok(Some(Edited { id, heads: edit_heads }))
    }

    /// Edits with a JSON merge patch over the current fields.
    pub fn patch_record(
        &mut self,
        id: RecordId,
        patch: serde_json::Map<String, serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<Record, StoreError> {
        let current = self.record(id)?;
        let input = input::parse_patch(&current, patch)?;
        self.edit_record(id, input, now)
    }

    /// Records a review decision by this device, if its role may make it now.
    pub fn review(
        &mut self,
        id: RecordId,
        decision: Decision,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Record, StoreError> {
        start_save();
        let role = self.identity.role;
        let device = self.identity.device_id;
        let comment = comment.filter(|c| !c.trim().is_empty());
        let mut d = self.load_doc(id)?;
        let record = read_record(&d, id)?;
        // The decision is pinned to the version it was made on: the heads now, before
        // the decision's own change.
        let heads = crate::doc::approval::heads_for_event(&d.heads());
        let modified = d.approval_diff(&record)?.is_some_and(|a| a.modified());
        self.modify_loaded(d, record, now, &format!("review {decision}"), move |r| {
            review::check_on(&r.review, role, decision, comment.as_deref(), modified)?;
            let at = review::next_event_time(&r.review, now);
            r.review.push(ReviewEvent { id: ItemId::new(), at, by_device: device, role, decision, comment, heads });
            Ok(())
        })
    }

    /// The approval the record's status rests on and what changed since (see
    /// [`crate::doc::approval`]); `None` when the record is not approved.
    pub fn approval(&self, id: RecordId) -> Result<Option<crate::doc::ApprovalDiff>, StoreError> {
        let mut d = self.load_doc(id)?;
        let record = read_record(&d, id)?;
        Ok(d.approval_diff(&record)?)
    }

    pub fn conflicts(&self, id: RecordId) -> Result<Vec<Conflict>, StoreError> {
        Ok(self.load_doc(id)?.conflicts())
    }

    /// Resolves a conflict by choosing one of its values (index in the conflict's list).
    pub fn resolve_conflict(
        &mut self,
        id: RecordId,
        path: &str,
        choice: usize,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        start_save();
        let mut d = self.load_doc(id)?;
        if let Err(DocError::NewerSchema(_)) = d.read() {
            return Err(StoreError::ReadOnly(id));
        }
        d.resolve(path, choice, now)?;
        let tx = self.conn.transaction()?;
        write_document(&tx, &mut d, &self.reference, now, None)?;
        tx.commit()?;
        Ok(())
    }

    pub fn history(&self, id: RecordId) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.load_doc(id)?.history())
    }
}

/// What a form shows of a record: its fields and its sensitivity.
fn form_state(r: &Record) -> serde_json::Map<String, serde_json::Value> {
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

/// The record a document holds; a newer schema is read-only.
fn read_record(d: &RecordDoc, id: RecordId) -> Result<Record, StoreError> {
    match d.read() {
        Ok(r) => Ok(r),
        Err(DocError::NewerSchema(_)) => Err(StoreError::ReadOnly(id)),
        Err(e) => Err(e.into()),
    }
}
