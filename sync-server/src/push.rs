//! Accepting pushed changes: each document of a request is accepted or refused on its
//! own, with a stable reason code, and the accepted ones are filed in one transaction.
//!
//! The checks, in order (the first failure is the reason):
//! 1. the routing metadata is coherent (known kind and sensitivity codes, the same kind
//!    and committee as already stored): `doc.meta_mismatch`;
//! 2. the device may write there ([`scope::may_write`]): `scope.*`;
//! 3. the bytes are whole Automerge changes: `changes.malformed`;
//! 4. changes already stored are dropped (a replay does nothing);
//! 5. the document rebuilt from the log plus the new changes has no missing
//!    dependency (`changes.missing_deps`: the device resends from scratch), says what
//!    its metadata says (`doc.meta_mismatch`), and adds only review events the device
//!    may make ([`scope::check_new_review_events`]: `review.*`).
//!
//! The server reads the document only to enforce rules (review events, the sensitivity
//! its content forces); filing and answering pulls never need it. The same admission
//! serves the repair path ([`crate::repair`]).

use ccs_core::doc::{check_changes, RecordDoc};
use ccs_core::model::{CommitteeId, RecordId, RecordKind, ReviewEvent, Sensitivity};
use ccs_core::sync::scope::{self, DeviceScope, DocRouting};
use ccs_core::sync::wire::{DocMeta, DocPush, PushResult};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use crate::committees::{self, CommitteeEntry};
use crate::log::{self, DocRow, RawChange};
use crate::store::StoreError;

/// Why a document was refused: a stable code sent back in [`PushResult::rejected`].
pub type Rejection = &'static str;

pub const META_MISMATCH: Rejection = "doc.meta_mismatch";
pub const MALFORMED: Rejection = "changes.malformed";
pub const MISSING_DEPS: Rejection = "changes.missing_deps";

/// Applies the documents of one request; all accepted ones are committed together.
pub fn push(
    conn: &mut Connection,
    device: &DeviceScope,
    pushes: &[DocPush],
    now: DateTime<Utc>,
) -> Result<Vec<PushResult>, StoreError> {
    if pushes.is_empty() {
        return Ok(Vec::new());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(pushes.len());
    for p in pushes {
        let outcome = admit_push(&tx, device, p, now)?;
        results.push(result(device, p.meta.id, outcome));
    }
    tx.commit()?;
    Ok(results)
}

/// The result of one document, logged when refused.
pub fn result(device: &DeviceScope, id: [u8; 16], outcome: Result<(), Rejection>) -> PushResult {
    if let Err(code) = outcome {
        tracing::info!(device = %device.device_id, doc = %uuid::Uuid::from_bytes(id), code, "document refused");
    }
    PushResult { id, rejected: outcome.err().map(String::from) }
}

fn admit_push(
    conn: &Connection,
    device: &DeviceScope,
    p: &DocPush,
    now: DateTime<Utc>,
) -> Result<Result<(), Rejection>, StoreError> {
    let target = match Target::resolve(conn, device, &p.meta)? {
        Ok(t) => t,
        Err(code) => return Ok(Err(code)),
    };
    if let Err(e) = scope::may_write(device, &target.routing) {
        return Ok(Err(e.code()));
    }
    if check_changes(&p.changes).is_err() {
        return Ok(Err(MALFORMED));
    }
    let Ok(changes) = log::split_changes(&p.changes) else { return Ok(Err(MALFORMED)) };
    let new = only_new(conn, changes)?;
    if new.is_empty() {
        // A replay, or a push of nothing: accepted, nothing to store.
        return Ok(Ok(()));
    }
    let mut doc = target.load(conn)?;
    let before = review_trail(&doc);
    let bytes: Vec<u8> = new.iter().flat_map(|c| c.bytes.iter().copied()).collect();
    if doc.apply(&bytes).is_err() {
        return Ok(Err(MALFORMED));
    }
    admit(conn, device, &target, &mut doc, before, &new, now)
}

/// Drops the changes the server already holds (and duplicates within `changes`).
pub fn only_new(conn: &Connection, changes: Vec<RawChange>) -> Result<Vec<RawChange>, StoreError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in changes {
        if seen.insert(c.hash) && !log::has_change(conn, &c.hash)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// The review trail of a document, if it can be read.
pub fn review_trail(doc: &RecordDoc) -> Option<Vec<ReviewEvent>> {
    doc.read().ok().map(|r| r.review)
}

/// A document a device writes to: its claimed metadata, what the server already holds,
/// and the routing the scope rules are applied to.
pub struct Target {
    pub id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    pub claimed: Sensitivity,
    pub meta: DocMeta,
    pub stored: Option<DocRow>,
    pub routing: DocRouting,
}

impl Target {
    /// Checks `meta` against itself and against the stored row, and works out routing:
    /// a stored document keeps its author and sensitivity for the write check (a device
    /// cannot lower a record's sensitivity to get write access to it).
    pub fn resolve(
        conn: &Connection,
        device: &DeviceScope,
        meta: &DocMeta,
    ) -> Result<Result<Target, Rejection>, StoreError> {
        let (Some(kind), Some(claimed)) =
            (RecordKind::from_code(&meta.kind), Sensitivity::from_code(&meta.sensitivity))
        else {
            return Ok(Err(META_MISMATCH));
        };
        let id = RecordId(uuid::Uuid::from_bytes(meta.id));
        let committee_id = CommitteeId(uuid::Uuid::from_bytes(meta.committee_id));
        // A committee record is its committee: routing by one and filing by the other
        // must not diverge.
        if kind == RecordKind::Committee && meta.id != meta.committee_id {
            return Ok(Err(META_MISMATCH));
        }
        let stored = log::find_doc(conn, &id)?;
        let routing = match &stored {
            Some(row) if row.kind != kind || row.committee_id != committee_id => return Ok(Err(META_MISMATCH)),
            Some(row) => log::routing(conn, row)?,
            None => DocRouting {
                kind,
                committee_id,
                region: committees::region_of(conn, &committee_id)?
                    .or_else(|| (kind == RecordKind::Committee).then(|| meta.region.clone()).flatten()),
                sensitivity: claimed,
                author: Some(device.device_id),
            },
        };
        Ok(Ok(Target { id, kind, committee_id, claimed, meta: meta.clone(), stored, routing }))
    }

    /// The document as the server holds it (empty when new).
    pub fn load(&self, conn: &Connection) -> Result<RecordDoc, StoreError> {
        match self.stored {
            Some(_) => log::load_doc(conn, &self.id),
            None => Ok(RecordDoc::empty()),
        }
    }
}

/// The checks on the document once the new changes are in it, then filing them.
/// `before` is the review trail before the new changes (None when unreadable or new).
pub fn admit(
    conn: &Connection,
    device: &DeviceScope,
    target: &Target,
    doc: &mut RecordDoc,
    before: Option<Vec<ReviewEvent>>,
    new: &[RawChange],
    now: DateTime<Utc>,
) -> Result<Result<(), Rejection>, StoreError> {
    if !doc.inner().get_missing_deps(&[]).is_empty() {
        return Ok(Err(MISSING_DEPS));
    }
    if let Ok(header) = doc.header() {
        if header.id != target.id || header.kind != target.kind || header.committee_id != target.committee_id {
            return Ok(Err(META_MISMATCH));
        }
    }
    let mut sensitivity = target.claimed;
    let mut committee_entry = None;
    // A document this build cannot read (a newer schema) is filed on its metadata alone.
    if let Ok(record) = doc.read() {
        let before = match crate::lineage::trail_before(conn, device, target, &record, new, before)? {
            Ok(trail) => trail,
            Err(code) => return Ok(Err(code)),
        };
        if let Err(e) = scope::check_new_review_events(device, &before, &record.review) {
            return Ok(Err(e.code()));
        }
        // What the content forces (an allegation against the security forces, a named
        // attendance list) holds whatever the device claimed.
        sensitivity = sensitivity.max(record.effective_sensitivity());
        if let ccs_core::model::RecordBody::Committee(c) = &record.body {
            committee_entry = Some(CommitteeEntry {
                id: target.committee_id.to_string(),
                name: c.name.clone(),
                level: Some(c.level.code().to_string()),
                region: c.region.clone(),
                cercle: c.cercle.clone(),
                commune: c.commune.clone(),
            });
        }
    }
    let heads = doc.heads();
    // A confidential record made less sensitive reaches devices that never received
    // its earlier entries: this entry then carries its whole history, so they get a
    // complete document (the others ignore the changes they already hold).
    let widened = target.stored.as_ref().is_some_and(|row| row.sensitivity == Sensitivity::Confidential)
        && sensitivity < Sensitivity::Confidential;
    let history: Vec<RawChange>;
    let changes = if widened {
        history = doc
            .inner()
            .get_changes(&[])
            .into_iter()
            .map(|c| RawChange { hash: c.hash(), bytes: c.raw_bytes().to_vec() })
            .collect();
        &history
    } else {
        new
    };
    let seq = log::append(
        conn,
        &log::Accepted {
            meta: &target.meta,
            kind: target.kind,
            sensitivity,
            heads: &heads,
            changes,
            origin: device.device_id,
        },
        now,
    )?;
    if target.kind == RecordKind::Committee {
        if let Some(region) = &target.meta.region {
            match committee_entry {
                Some(entry) => {
                    let entry = CommitteeEntry { region: region.clone(), ..entry };
                    committees::upsert(conn, &entry.id, &entry, now)?;
                }
                None => committees::set_region(conn, &target.committee_id.to_string(), region, now)?,
            }
        }
    }
    tracing::debug!(device = %device.device_id, doc = %target.id, seq, changes = new.len(), "document accepted");
    Ok(Ok(()))
}
