//! The Automerge documents: loading and writing a record's document with its
//! projection, merging received changes, heads and acknowledged heads.
//!
//! A document is stored as a base (`documents.bytes`, a full compacted save) followed
//! by increments (`document_changes`, the changes of each later write, in order): a
//! save appends only what it changed (Automerge's `save_after` the stored heads)
//! instead of re-encoding and rewriting the whole document, and loading concatenates
//! base and increments, which Automerge reads as one document. When the increments of a
//! document pass [`MAX_INCREMENTS`] or outweigh its base, the next write folds them
//! into a new base. Either way a write is one row or two in the caller's transaction:
//! a crash keeps the last committed state, and a store written before increments
//! existed simply has none.

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use std::cell::Cell;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use super::{declassify, projection, Store, StoreError};
use crate::doc::{self, DocError, DocHeader, RecordDoc};
use crate::model::*;
use crate::reference::ReferenceData;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DocHeaderView {
    pub id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    pub schema_version: u64,
}

impl From<DocHeader> for DocHeaderView {
    fn from(h: DocHeader) -> Self {
        DocHeaderView { id: h.id, kind: h.kind, committee_id: h.committee_id, schema_version: h.schema_version }
    }
}

/// What a merge did to one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeOutcome {
    pub id: RecordId,
    pub created: bool,
    pub changed: bool,
    /// Validation errors of the merged document (kept anyway).
    pub error_count: usize,
}

/// How many increments a document keeps before they are folded into its base: loading
/// applies them one by one, which costs more per operation than a compacted base.
pub const MAX_INCREMENTS: i64 = 64;

/// Increments smaller than this in total are never folded for their size alone (a
/// small document's base is small: folding it on every few saves gains nothing).
const MIN_FOLD_BYTES: i64 = 64 * 1024;

/// Where the time of a local save went, for `ccs-bench` ([`Store::last_save_cost`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SaveCost {
    /// Reading the document's rows and loading them into Automerge.
    pub load: Duration,
    /// Reading the record, applying the edit as a change, validating the result.
    pub edit: Duration,
    /// Encoding what is stored: the new changes, or the whole document when folding.
    pub encode: Duration,
    /// Writing the document's rows.
    pub write: Duration,
    /// The projection row (re-reading and re-validating the document).
    pub projection: Duration,
    /// The full-text search row.
    pub search: Duration,
    /// The indicators' facts row and the sums of its committee and month.
    pub indicators: Duration,
    /// The commit, which waits for the disk (`synchronous = FULL`).
    pub commit: Duration,
    /// Whether the save folded the increments into a new base.
    pub folded: bool,
}

/// The steps of a save, timed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    Load,
    Edit,
    Encode,
    Write,
    Projection,
    Search,
    Indicators,
    Commit,
}

thread_local! {
    /// The cost of the save running on this thread: the store's calls are synchronous,
    /// so the thread that started a save is the one that finishes it.
    static COST: Cell<SaveCost> = Cell::new(SaveCost::default());
}

/// Runs `f` as `step` of the current save.
pub(super) fn timed<T>(step: Step, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    add(step, started.elapsed());
    out
}

/// Counts `spent` in `step` of the current save.
pub(super) fn add(step: Step, spent: Duration) {
    COST.with(|c| {
        let mut cost = c.get();
        let slot = match step {
            Step::Load => &mut cost.load,
            Step::Edit => &mut cost.edit,
            Step::Encode => &mut cost.encode,
            Step::Write => &mut cost.write,
            Step::Projection => &mut cost.projection,
            Step::Search => &mut cost.search,
            Step::Indicators => &mut cost.indicators,
            Step::Commit => &mut cost.commit,
        };
        *slot += spent;
        c.set(cost);
    });
}

/// Starts timing a new save.
pub(super) fn start_save() {
    COST.with(|c| c.set(SaveCost::default()));
}

fn note_folded() {
    COST.with(|c| c.set(SaveCost { folded: true, ..c.get() }));
}

/// Loads a document from its base and increments; `None` when the store has no such
/// document.
pub(super) fn load(conn: &Connection, id: RecordId) -> Result<Option<RecordDoc>, StoreError> {
    let key = id.to_string();
    let base: Option<Vec<u8>> =
        conn.prepare_cached("SELECT bytes FROM documents WHERE id = ?1")?.query_row([&key], |r| r.get(0)).optional()?;
    let Some(mut bytes) = base else { return Ok(None) };
    let mut stmt = conn.prepare_cached("SELECT bytes FROM document_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([&key])?;
    while let Some(row) = rows.next()? {
        bytes.extend_from_slice(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
    }
    Ok(Some(RecordDoc::load_stored(&bytes)?))
}

impl Store {
    pub(super) fn load_doc(&self, id: RecordId) -> Result<RecordDoc, StoreError> {
        let mut d =
            timed(Step::Load, || load(&self.conn, id))?.ok_or_else(|| StoreError::RecordNotFound(id.to_string()))?;
        d.set_device(self.identity.device_id);
        Ok(d)
    }

    /// Where the time of the last local save on this thread went (create, edit, review,
    /// resolve): for `ccs-bench`, which reports a save's cost step by step.
    pub fn last_save_cost(&self) -> SaveCost {
        COST.with(|c| c.get())
    }

    /// Folds every document's increments into its base, one transaction per document;
    /// returns how many were folded. Saves do it on their own past the thresholds;
    /// this is for a quiet moment (or a test).
    pub fn compact_documents(&mut self) -> Result<usize, StoreError> {
        let ids: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT DISTINCT doc_id FROM document_changes ORDER BY doc_id")?;
            let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
            ids
        };
        for key in &ids {
            let id: RecordId = key.parse().map_err(|_| StoreError::Corrupt("document id".into()))?;
            let tx = self.conn.transaction()?;
            if let Some(mut d) = load(&tx, id)? {
                fold(&tx, id, &mut d)?;
            }
            tx.commit()?;
        }
        Ok(ids.len())
    }

    /// How a document is stored now: its increments and their total size (for tests
    /// and the benchmark).
    pub fn document_increments(&self, id: RecordId) -> Result<(usize, usize), StoreError> {
        let (n, size): (i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(length(bytes)), 0) FROM document_changes WHERE doc_id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((n as usize, size as usize))
    }

    /// Every document id with its kind and committee.
    pub fn document_ids(&self) -> Result<Vec<RecordId>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id FROM documents ORDER BY id")?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        ids.into_iter().map(|s| s.parse().map_err(|_| StoreError::Corrupt("document id".into()))).collect()
    }

    /// The document's heads and the heads the server acknowledged.
    pub fn heads(&self, id: RecordId) -> Result<(Vec<ChangeHash>, Vec<ChangeHash>), StoreError> {
        let (h, a): (Vec<u8>, Vec<u8>) = self
            .conn
            .query_row("SELECT heads, acked_heads FROM documents WHERE id = ?1", [id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| StoreError::RecordNotFound(id.to_string()))?;
        Ok((doc::decode_heads(&h)?, doc::decode_heads(&a)?))
    }

    /// The changes of a document after `heads` (all of it when `heads` is empty).
    pub fn changes_since(&self, id: RecordId, heads: &[ChangeHash]) -> Result<Vec<u8>, StoreError> {
        Ok(self.load_doc(id)?.save_after(heads))
    }

    /// The compacted document bytes.
    pub fn document_bytes(&self, id: RecordId) -> Result<Vec<u8>, StoreError> {
        Ok(self.load_doc(id)?.save())
    }

    /// Merges changes received from elsewhere into one document (creating it if new),
    /// re-validates and re-projects it, in one transaction. An invalid result is kept and
    /// flagged. `hint` files a document whose own header cannot be read.
    pub fn apply_changes(
        &mut self,
        hint: &DocHeaderView,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<MergeOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = merge_into(&tx, hint, bytes, &self.reference, now, false)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Merges a batch (a sync page) in one transaction, marking each merged document as
    /// acknowledged where it was clean, so received changes are not sent back.
    pub fn apply_batch(
        &mut self,
        docs: &[(DocHeaderView, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<MergeOutcome>, StoreError> {
        let tx = self.conn.transaction()?;
        let sums = super::indicators::Batch::begin(&tx)?;
        let mut out = Vec::with_capacity(docs.len());
        for (hint, bytes) in docs {
            out.push(merge_into(&tx, hint, bytes, &self.reference, now, true)?);
        }
        sums.finish(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Rebuilds every projection row from its document (after an upgrade, or to check).
    pub fn rebuild_projections(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let ids = self.document_ids()?;
        let tx = self.conn.transaction()?;
        let sums = super::indicators::Batch::begin(&tx)?;
        for id in &ids {
            let mut d = load(&tx, *id)?.ok_or_else(|| StoreError::RecordNotFound(id.to_string()))?;
            let hint = d.header().ok().map(DocHeaderView::from);
            projection::project(&tx, &mut d, hint.as_ref(), &self.reference, now)?;
        }
        sums.finish(&tx)?;
        tx.commit()?;
        Ok(ids.len())
    }
}

/// Writes a document as a new base, dropping its increments.
fn fold(tx: &Connection, id: RecordId, d: &mut RecordDoc) -> Result<(), StoreError> {
    let bytes = timed(Step::Encode, || d.save());
    timed(Step::Write, || -> Result<(), StoreError> {
        tx.prepare_cached("UPDATE documents SET bytes = ?2 WHERE id = ?1")?.execute(params![id.to_string(), bytes])?;
        tx.prepare_cached("DELETE FROM document_changes WHERE doc_id = ?1")?.execute([id.to_string()])?;
        Ok(())
    })?;
    note_folded();
    Ok(())
}

/// Stores the document and its projection: the changes since the stored heads as one
/// more increment, or the whole document as a new base (a new document, or increments
/// past the thresholds). `hint` is used when the document's own header cannot be read.
/// `d` must be the stored document with the new changes on top (loaded, then edited or
/// merged), or a new one.
pub(super) fn write_document(
    tx: &Transaction<'_>,
    d: &mut RecordDoc,
    reference: &ReferenceData,
    now: DateTime<Utc>,
    hint: Option<&DocHeaderView>,
) -> Result<(), StoreError> {
    write_received(tx, d, reference, now, hint, None)
}

/// [`write_document`] of a document received whole: `ready` holds the bytes it was
/// loaded from (stored as its base, not saved again) and the record already read.
fn write_received(
    tx: &Transaction<'_>,
    d: &mut RecordDoc,
    reference: &ReferenceData,
    now: DateTime<Utc>,
    hint: Option<&DocHeaderView>,
    ready: Option<(&[u8], projection::Derived)>,
) -> Result<(), StoreError> {
    let (base, derived) = match ready {
        Some((base, derived)) => (Some(base), Some(derived)),
        None => (None, None),
    };
    let header = match derived.as_ref().and_then(|x| x.header.clone()) {
        Some(h) => h,
        None => projection::header_or(d, hint)?,
    };
    let key = header.id.to_string();
    let heads = d.heads();
    let encoded_heads = doc::encode_heads(&heads);
    // What is stored now: its heads, the size of its base and of its increments.
    let stored: Option<(Vec<u8>, i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT heads, length(bytes),
                (SELECT count(*) FROM document_changes WHERE doc_id = ?1),
                (SELECT coalesce(sum(length(bytes)), 0) FROM document_changes WHERE doc_id = ?1)
             FROM documents WHERE id = ?1",
        )?
        .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    match stored {
        None => {
            // Received bytes that loaded strictly into this document load into it
            // again: they are its base as they are.
            let bytes = match base {
                Some(b) => b.to_vec(),
                None => timed(Step::Encode, || d.save()),
            };
            timed(Step::Write, || {
                tx.prepare_cached(
                    "INSERT INTO documents (id, kind, committee_id, bytes, heads, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    key,
                    header.kind.code(),
                    header.committee_id.to_string(),
                    bytes,
                    encoded_heads,
                    now.to_rfc3339()
                ])
            })?;
        }
        Some((stored_heads, base_len, count, size)) => {
            if stored_heads != encoded_heads {
                let since = doc::decode_heads(&stored_heads)?;
                let increment = if d.knows(&since) { Some(timed(Step::Encode, || d.save_after(&since))) } else { None };
                match increment {
                    Some(inc)
                        if count < MAX_INCREMENTS && size + (inc.len() as i64) <= base_len.max(MIN_FOLD_BYTES) =>
                    {
                        timed(Step::Write, || {
                            tx.prepare_cached(
                                "INSERT INTO document_changes (doc_id, seq, bytes) VALUES (?1,
                                    (SELECT coalesce(max(seq), 0) + 1 FROM document_changes WHERE doc_id = ?1), ?2)",
                            )?
                            .execute(params![key, inc])
                        })?;
                    }
                    // Past the thresholds, or (never expected) a document that does not
                    // hold what was stored: the whole document becomes the new base.
                    _ => fold(tx, header.id, d)?,
                }
            }
            timed(Step::Write, || {
                tx.prepare_cached("UPDATE documents SET heads = ?2, updated_at = ?3 WHERE id = ?1")?.execute(params![
                    key,
                    encoded_heads,
                    now.to_rfc3339()
                ])
            })?;
        }
    }
    projection::project_derived(tx, d, &header, reference, now, derived)?;
    declassify::note_lineage(tx, d, &header)?;
    Ok(())
}

/// A received entry of a document the device did not hold, made ready away from the
/// page's connection (on another core, see `PageWrite::merge_all_or_quarantine`):
/// the document loaded from the entry, its record read and the row's own part made
/// ([`projection::Derived`]), the costliest steps of filing it, which need no database.
pub(super) struct Received {
    doc: RecordDoc,
    derived: projection::Derived,
}

impl Received {
    /// `None` when the bytes do not load (or, never expected, the record's value does
    /// not encode): the entry is then merged the ordinary way, which finds and reports
    /// the same failure.
    pub(super) fn prepare(bytes: &[u8], reference: &ReferenceData, now: DateTime<Utc>) -> Option<Received> {
        let mut doc = RecordDoc::from_received(bytes).ok()?;
        let derived = projection::derive(&mut doc, reference, now, None).ok()?;
        Some(Received { doc, derived })
    }
}

pub(super) fn merge_into(
    tx: &Transaction<'_>,
    hint: &DocHeaderView,
    bytes: &[u8],
    reference: &ReferenceData,
    now: DateTime<Utc>,
    ack_if_clean: bool,
) -> Result<MergeOutcome, StoreError> {
    merge_ready(tx, hint, bytes, reference, now, ack_if_clean, None)
}

/// [`merge_into`] with the entry made ready beforehand when the document was new
/// ([`Received`]); ignored if the document is stored by now (an earlier entry of the
/// same page made it).
pub(super) fn merge_ready(
    tx: &Transaction<'_>,
    hint: &DocHeaderView,
    bytes: &[u8],
    reference: &ReferenceData,
    now: DateTime<Utc>,
    ack_if_clean: bool,
    ready: Option<Received>,
) -> Result<MergeOutcome, StoreError> {
    let existing: Option<(Vec<u8>, Vec<u8>)> = tx
        .prepare_cached("SELECT heads, acked_heads FROM documents WHERE id = ?1")?
        .query_row([hint.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let created = existing.is_none();
    let mut derived = None;
    let (mut d, before, was_clean) = match &existing {
        Some((h, a)) => {
            let mut d = load(tx, hint.id)?.ok_or_else(|| StoreError::RecordNotFound(hint.id.to_string()))?;
            d.apply(bytes)?;
            (d, h.clone(), h == a)
        }
        None => {
            let d = match ready {
                Some(r) => {
                    derived = Some(r.derived);
                    r.doc
                }
                None => RecordDoc::from_received(bytes)?,
            };
            (d, Vec::new(), true)
        }
    };
    // Changes whose dependencies this device lacks wait in Automerge's queue and would
    // be dropped on save: refuse them, so the sync keeps them aside instead.
    if !d.inner().get_missing_deps(&[]).is_empty() {
        return Err(StoreError::Doc(DocError::Malformed("changes.missing_deps".into())));
    }
    let read_id = match derived.as_ref().map(|x| x.header.as_ref()) {
        Some(h) => h.map(|h| h.id),
        None => d.header().ok().map(|h| h.id),
    };
    if let Some(id) = read_id {
        if id != hint.id {
            return Err(StoreError::Doc(DocError::Malformed(format!("document {id} sent as {}", hint.id))));
        }
    }
    let heads = d.heads();
    let changed = doc::encode_heads(&heads) != before;
    if created {
        let derived = match derived {
            Some(derived) => derived,
            None => projection::derive(&mut d, reference, now, None)?,
        };
        write_received(tx, &mut d, reference, now, Some(hint), Some((bytes, derived)))?;
    } else if changed {
        write_document(tx, &mut d, reference, now, Some(hint))?;
    }
    if ack_if_clean && was_clean {
        tx.prepare_cached("UPDATE documents SET acked_heads = heads WHERE id = ?1")?.execute([hint.id.to_string()])?;
    }
    let error_count: i64 = tx
        .prepare_cached("SELECT error_count FROM records WHERE id = ?1")?
        .query_row([hint.id.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    Ok(MergeOutcome { id: hint.id, created, changed, error_count: error_count as usize })
}
