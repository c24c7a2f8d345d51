//! Accepting pushed changes: each document of a request is accepted or refused on its
//! own, with a stable reason code, and the accepted ones are filed in one transaction.
//!
//! The server, not the honest client, enforces the rules: a device may speak the wire
//! protocol with another Automerge implementation. The checks, in order (the first
//! failure is the reason):
//! 1. the routing metadata is coherent (known kind and sensitivity codes, the same kind
//!    and committee as already stored): `doc.meta_mismatch`;
//! 2. the device may write there ([`scope::may_write`]; a confidential record only by
//!    its contributors, reviewers and admins): `scope.*`;
//! 3. the bytes are whole Automerge changes or one saved document, within the caps of
//!    [`ChangeLimits::SERVER`] (inflated size of compressed chunks, operations per change
//!    and per push: `doc.too_large`), checked before Automerge parses a byte, then
//!    parsed strictly (`changes.malformed`);
//! 4. changes already stored are dropped (a replay does nothing);
//! 5. every new change is the pushing device's own: its Automerge actor is
//!    [`DeviceId::actor`] of the device (`changes.foreign_actor`), so "who changed what"
//!    in a record's history and conflicts cannot be forged, and no device can take
//!    another's (actor, seq) numbers to break its sync. Exception: an administrator's
//!    push (an import of records made elsewhere, the demo set) carries other actors;
//!    administrators run the server. The repair path applies the same rule
//!    ([`crate::repair`] says why it relays no other device's changes);
//! 6. the document stays under [`crate::Limits::max_doc_bytes`] of stored changes:
//!    `doc.too_large`;
//! 7. the document rebuilt from the log plus the new changes ([`evaluate`]):
//!    - has no missing dependency (`changes.missing_deps`: the device resends from
//!      scratch) and says what its metadata says (`doc.meta_mismatch`);
//!    - nests no deeper than [`limits::MAX_NESTING`] (`doc.too_deep`);
//!    - still reads as a record if it did before (`doc.unreadable`: a document no
//!      longer readable would skip every check below); a new document must read, except
//!      one of a newer schema, filed on its metadata (the server is upgraded first);
//!    - keeps its review trail append-only and adds only events the device may make
//!      ([`scope::check_review_trail`]: `review.forged`, `review.role_not_allowed`);
//!    - changes nothing of an approved record without a `reopened` event
//!      ([`scope::check_approved_edit`]: `record.locked`);
//!    - does not lower the sensitivity its content had (`doc.sensitivity_lowered`):
//!      Automerge keeps every past state, so lowering would hand the confidential past
//!      to every new reader; a record is declassified by copying its current state into
//!      a new document.
//!
//! The sensitivity filed is the content's ([`ccs_core::model::Record::effective_sensitivity`]),
//! never the one the device claims, and never below what was filed before.
//!
//! Rebuilding documents is the expensive part, so it is done on a read snapshot,
//! without the write lock; the write transaction then files each planned document
//! after checking that its heads did not move meanwhile (when they did, its checks run
//! again under the lock). One heavy push thus no longer holds every other writer.
//!
//! The server reads the document only to enforce rules; filing and answering pulls
//! never need it. The same admission serves the repair path ([`crate::repair`]).

use crate::db::{Conn, Mode};
use ccs_core::doc::limits::{self, ChangeLimits};
use ccs_core::doc::{DocError, RecordDoc};
use ccs_core::error_code::ErrorCode;
use ccs_core::model::{CommitteeId, DeviceId, Record, RecordId, RecordKind, ReviewEvent, Role, Sensitivity};
use ccs_core::sync::scope::{self, DeviceScope, DocRouting};
use ccs_core::sync::wire::{DocMeta, DocPush, PushResult};
use chrono::{DateTime, Utc};

use std::sync::Arc;

use crate::committees::{self, CommitteeEntry};
use crate::log::{self, DocRow, RawChange};
use crate::store::StoreError;
use crate::{recent, Limits};

/// Why a document was refused: a stable code sent back in [`PushResult::rejected`].
pub type Rejection = ErrorCode;

pub const META_MISMATCH: Rejection = ErrorCode::DocMetaMismatch;
pub const MALFORMED: Rejection = ErrorCode::ChangesMalformed;
pub const MISSING_DEPS: Rejection = ErrorCode::ChangesMissingDeps;
pub const FOREIGN_ACTOR: Rejection = ErrorCode::ChangesForeignActor;
pub const TOO_LARGE: Rejection = ErrorCode::DocTooLarge;
pub const TOO_DEEP: Rejection = ErrorCode::DocTooDeep;
pub const UNREADABLE: Rejection = ErrorCode::DocUnreadable;
pub const SENSITIVITY_LOWERED: Rejection = ErrorCode::DocSensitivityLowered;

/// Applies the documents of one request; all accepted ones are committed together.
/// (The sync round goes through [`crate::writer`], which groups requests; the relay
/// and the repair path file one request at a time here.)
pub fn push(
    conn: &mut Conn,
    device: &DeviceScope,
    pushes: &[DocPush],
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Vec<PushResult>, StoreError> {
    if pushes.is_empty() {
        return Ok(Vec::new());
    }
    let plans = prepare(conn, device, pushes, limits)?;
    let tx = conn.transaction(Mode::Write)?;
    let outcomes = file_prepared(&tx, device, pushes, plans, limits, now)?;
    tx.commit()?;
    Ok(outcomes.into_iter().map(|o| o.result).collect())
}

/// One pushed document's result, and its number on this log when accepted (0 when
/// refused): frame format 3 tells the device, which names it by number from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub result: PushResult,
    pub number: u64,
}

/// What the checks on the read snapshot decided for one pushed document.
pub type Planned = Result<Option<Plan>, Rejection>;

/// The checks of every document of a request, on a read snapshot: no write lock while
/// documents are rebuilt.
pub fn prepare(
    conn: &mut Conn,
    device: &DeviceScope,
    pushes: &[DocPush],
    limits: &Limits,
) -> Result<Vec<Planned>, StoreError> {
    let mut plans = Vec::with_capacity(pushes.len());
    let tx = conn.transaction(Mode::Read)?;
    for p in pushes {
        plans.push(plan_push(&tx, device, p, limits)?);
    }
    tx.commit()?;
    Ok(plans)
}

/// Files prepared plans inside the caller's write transaction: a plan whose document
/// moved since its snapshot is checked again, under the lock.
pub fn file_prepared(
    tx: &Conn,
    device: &DeviceScope,
    pushes: &[DocPush],
    plans: Vec<Planned>,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, StoreError> {
    // On PostgreSQL other instances file at the same time: the re-check below and the
    // filing happen under each document's lock (see `db::Conn::lock_docs`).
    let ids: Vec<String> = pushes.iter().map(|p| uuid::Uuid::from_bytes(p.meta.id).to_string()).collect();
    tx.lock_docs(&ids)?;
    let mut results = Vec::with_capacity(pushes.len());
    for (p, plan) in pushes.iter().zip(plans) {
        let plan = match plan {
            Ok(Some(plan)) if !plan.still_current(tx)? => {
                // Another request filed changes to this document since the snapshot
                // (or this request did, earlier in its list): check again, locked.
                plan_push(tx, device, p, limits)?
            }
            other => other,
        };
        let (outcome, number) = match plan {
            Ok(Some(plan)) if plan.partial => {
                // What could be filed is; the device is told the rest lacks its base,
                // so it keeps the document unacknowledged and sends it again later.
                file(tx, device, &plan, now)?;
                (Err(MISSING_DEPS), 0)
            }
            Ok(Some(plan)) => (Ok(()), file(tx, device, &plan, now)?.number),
            // A replay, or a push of nothing: accepted, nothing to store.
            Ok(None) => {
                let id = RecordId(uuid::Uuid::from_bytes(p.meta.id));
                (Ok(()), log::number_of(tx, &id)?.unwrap_or(0))
            }
            Err(code) => (Err(code), 0),
        };
        results.push(Outcome { result: result(device, p.meta.id, outcome), number });
    }
    Ok(results)
}

/// The result of one document, logged when refused.
pub fn result(device: &DeviceScope, id: [u8; 16], outcome: Result<(), Rejection>) -> PushResult {
    if let Err(code) = outcome {
        tracing::info!(device = %device.device_id, doc = %uuid::Uuid::from_bytes(id), code = code.as_str(), "document refused");
    }
    PushResult { id, rejected: outcome.err().map(|c| c.as_str().to_string()) }
}

/// The code of a change check failure.
pub fn change_check_rejection(e: &DocError) -> Rejection {
    match e {
        DocError::TooLarge(_) => TOO_LARGE,
        DocError::TooDeep(_) => TOO_DEEP,
        _ => MALFORMED,
    }
}

/// Everything one pushed document must pass, up to what filing it would write.
/// `Ok(None)`: nothing new to store.
fn plan_push(
    conn: &Conn,
    device: &DeviceScope,
    p: &DocPush,
    limits: &Limits,
) -> Result<Result<Option<Plan>, Rejection>, StoreError> {
    let target = match Target::resolve(conn, device, &p.meta)? {
        Ok(t) => t,
        Err(code) => return Ok(Err(code)),
    };
    if let Err(e) = scope::may_write(device, &target.routing) {
        return Ok(Err(e.code()));
    }
    // The caps first, before Automerge sees a byte; the strict parse is the split.
    if let Err(e) = limits::check_bounds_with_limits(&p.changes, &ChangeLimits::SERVER) {
        return Ok(Err(change_check_rejection(&e)));
    }
    let Ok(log::Split { changes, whole }) = log::split_push(&p.changes) else { return Ok(Err(MALFORMED)) };
    let pushed = changes.len();
    let new = only_new(conn, changes)?;
    if new.is_empty() {
        return Ok(Ok(None));
    }
    if device.role != Role::Admin {
        let own = device.device_id.actor();
        if new.iter().any(|c| c.actor != own) {
            return Ok(Err(FOREIGN_ACTOR));
        }
    }
    let (new, partial) = match ready_part(conn, new)? {
        Ok(ready) => ready,
        Err(code) => return Ok(Err(code)),
    };
    let new_bytes: u64 = new.iter().map(|c| c.bytes.len() as u64).sum();
    let stored_bytes = if target.stored.is_some() { log::doc_bytes(conn, &target.id)? } else { 0 };
    if stored_bytes.saturating_add(new_bytes) > limits.max_doc_bytes as u64 {
        return Ok(Err(TOO_LARGE));
    }
    // A new record sent whole, every change of it new: the document the split loaded
    // is the one its changes make. Loading it again, change by change, was most of
    // what a new record cost the server.
    let whole = whole.filter(|_| target.stored.is_none() && new.len() == pushed && !partial);
    let (mut doc, before) = match whole {
        Some(doc) => (doc, Before::New),
        None => {
            // Empty when new (how the app sends a new record: its changes).
            let mut doc = target.rebuild(conn)?;
            let before = Before::of(&target, &doc);
            // The changes as the split parsed them, within the caps checked at the door.
            if doc.apply_parsed(new.iter().map(|c| c.change.clone()).collect()).is_err() {
                return Ok(Err(MALFORMED));
            }
            (doc, before)
        }
    };
    let applied = Applied::read(&doc, new);
    let before = match crate::lineage::with_lineage(conn, device, &target, &applied, before)? {
        Ok(b) => b,
        Err(code) => return Ok(Err(code)),
    };
    let id = target.id;
    let plan = evaluate(device, std::slice::from_ref(device), target, &mut doc, applied, &before)?;
    if let Ok(plan) = &plan {
        // The next push to this document starts from here, if this one is filed (its
        // heads are then the stored ones; otherwise nobody asks for them).
        recent::keep_doc(id, ccs_core::doc::encode_heads(&plan.heads), doc, stored_bytes.saturating_add(new_bytes));
    }
    Ok(plan.map(|plan| Some(Plan { partial, ..plan })))
}

/// A document with a push's new changes applied, read once for every rule that needs
/// the record (lineage, review trail, lock, sensitivity): reading is the costly part.
pub struct Applied {
    /// What the document reads as now.
    pub record: Result<Record, DocError>,
    /// The new changes, as pushed.
    pub new: Vec<RawChange>,
}

impl Applied {
    /// `doc` holding `new`, read.
    pub fn read(doc: &RecordDoc, new: Vec<RawChange>) -> Applied {
        Applied { record: doc.read(), new }
    }
}

/// The new changes whose dependencies the server holds or that come before them in the
/// push, in their order, and whether some were left out.
///
/// A device sends only its own changes. After a server was restored from a backup, its
/// own changes may sit on a colleague's that the server lost (created by a colleague,
/// edited by this device, edited again by the colleague): neither device alone can send
/// a complete history. Filing the part that stands on what the server holds lets the
/// two complete it turn by turn, each with its own changes, instead of refusing each
/// other for ever.
fn ready_part(conn: &Conn, new: Vec<RawChange>) -> Result<Result<(Vec<RawChange>, bool), Rejection>, StoreError> {
    let mut known: std::collections::HashSet<automerge::ChangeHash> = std::collections::HashSet::new();
    let mut ready = Vec::with_capacity(new.len());
    let mut waiting = 0;
    for c in new {
        let mut stands = true;
        for dep in &c.deps {
            if !known.contains(dep) && !log::has_change(conn, dep)? {
                stands = false;
                break;
            }
        }
        if stands {
            known.insert(c.hash);
            ready.push(c);
        } else {
            waiting += 1;
        }
    }
    if ready.is_empty() {
        return Ok(Err(MISSING_DEPS));
    }
    Ok(Ok((ready, waiting > 0)))
}

/// Drops the changes the server already holds (and duplicates within `changes`).
pub fn only_new(conn: &Conn, changes: Vec<RawChange>) -> Result<Vec<RawChange>, StoreError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in changes {
        if seen.insert(c.hash) && !log::has_change(conn, &c.hash)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// What the stored document was before the new changes.
pub enum Before {
    /// The server holds nothing of it.
    New,
    /// It read as this record.
    Readable(Arc<Record>),
    /// It is stored but does not read (a newer schema, or damage filed long ago).
    Unreadable,
    /// A new history-free copy of a record the server holds: its events carried over
    /// from the original are checked against the original's trail ([`crate::lineage`]).
    Copy(Vec<ReviewEvent>),
}

impl Before {
    /// What the stored `doc` of `target` reads as: the record a recent push left at
    /// these heads when there is one ([`recent`]), else `doc` read.
    pub fn of(target: &Target, doc: &RecordDoc) -> Before {
        let Some(stored) = &target.stored else { return Before::New };
        if let Some(record) = recent::recall(&target.id, &stored.heads) {
            return Before::Readable(record);
        }
        match doc.read() {
            Ok(r) => {
                let record = Arc::new(r);
                recent::remember(target.id, stored.heads.clone(), Arc::clone(&record));
                Before::Readable(record)
            }
            Err(_) => Before::Unreadable,
        }
    }
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
    /// a stored document keeps its contributors and sensitivity for the write check (a
    /// device cannot lower a record's sensitivity to get write access to it).
    pub fn resolve(conn: &Conn, device: &DeviceScope, meta: &DocMeta) -> Result<Result<Target, Rejection>, StoreError> {
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
                // What the device claims only matters for this first write check; the
                // document is filed under what its content says.
                sensitivity: claimed,
                contributors: vec![device.device_id],
            },
        };
        Ok(Ok(Target { id, kind, committee_id, claimed, meta: meta.clone(), stored, routing }))
    }

    /// The document as the server holds it, to apply a push's changes to: as the last
    /// push to it left it when that is still what is stored ([`recent`]), else loaded.
    pub fn rebuild(&self, conn: &Conn) -> Result<RecordDoc, StoreError> {
        if let Some(doc) = self.stored.as_ref().and_then(|row| recent::take_doc(&self.id, &row.heads)) {
            return Ok(doc);
        }
        self.load(conn)
    }

    /// The document as the server holds it (empty when new), from the database.
    pub fn load(&self, conn: &Conn) -> Result<RecordDoc, StoreError> {
        match self.stored {
            Some(_) => log::load_doc(conn, &self.id),
            None => Ok(RecordDoc::empty()),
        }
    }
}

/// A document that passed every check, and what filing it writes.
pub struct Plan {
    target: Target,
    sensitivity: Sensitivity,
    heads: Vec<automerge::ChangeHash>,
    changes: Vec<RawChange>,
    committee_entry: Option<CommitteeEntry>,
    /// Only the part of the push whose dependencies the server holds is filed; the rest
    /// waits for a change by another author (see [`ready_part`]).
    partial: bool,
}

impl Plan {
    /// Whether the stored document is still the one the checks saw.
    fn still_current(&self, conn: &Conn) -> Result<bool, StoreError> {
        let now = log::find_doc(conn, &self.target.id)?;
        Ok(match (&self.target.stored, now) {
            (None, None) => true,
            (Some(seen), Some(now)) => seen.heads == now.heads && seen.sensitivity == now.sensitivity,
            _ => false,
        })
    }
}

/// The checks on the document once the new changes are in it (see the module doc,
/// step 7). `authors` are the devices the new changes may speak for (the pusher; on
/// the repair path also the enrolled devices whose changes it relays).
pub fn evaluate(
    pusher: &DeviceScope,
    authors: &[DeviceScope],
    target: Target,
    doc: &mut RecordDoc,
    applied: Applied,
    before: &Before,
) -> Result<Result<Plan, Rejection>, StoreError> {
    let Applied { record, new } = applied;
    if !doc.inner().get_missing_deps(&[]).is_empty() {
        return Ok(Err(MISSING_DEPS));
    }
    let header = match &record {
        Ok(r) => Some((r.id, r.kind(), r.committee_id)),
        Err(_) => doc.header().ok().map(|h| (h.id, h.kind, h.committee_id)),
    };
    if let Some((id, kind, committee_id)) = header {
        if id != target.id || kind != target.kind || committee_id != target.committee_id {
            return Ok(Err(META_MISMATCH));
        }
    }
    if limits::nesting_exceeds(doc.inner(), limits::MAX_NESTING) {
        return Ok(Err(TOO_DEEP));
    }
    let filed = target.stored.as_ref().map(|row| row.sensitivity);
    let mut committee_entry = None;
    let mut read = None;
    let content_sensitivity = match record {
        Ok(record) => {
            let trail_before = match before {
                Before::Readable(b) => b.review.as_slice(),
                Before::Copy(trail) => trail.as_slice(),
                _ => &[],
            };
            if let Err(e) = scope::check_review_trail(pusher, authors, trail_before, &record.review) {
                return Ok(Err(e.code()));
            }
            if let Before::Readable(b) = before {
                if let Err(e) = scope::check_approved_edit(b, &record) {
                    return Ok(Err(e.code()));
                }
                if record.effective_sensitivity() < b.effective_sensitivity() {
                    return Ok(Err(SENSITIVITY_LOWERED));
                }
            }
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
            let sensitivity = record.effective_sensitivity();
            read = Some(Arc::new(record));
            sensitivity
        }
        // A record of a newer schema, new or already filed as such, goes on its
        // metadata alone: the server is upgraded before the apps, so this is a window,
        // not a way around the checks.
        Err(DocError::NewerSchema(_)) if !matches!(before, Before::Readable(_)) => target.claimed,
        // Anything else that does not read would skip every check above.
        Err(_) => return Ok(Err(UNREADABLE)),
    };
    // Never below what was filed: the past entries were routed under it.
    let sensitivity = filed.map_or(content_sensitivity, |f| f.max(content_sensitivity));
    let heads = doc.heads();
    if let Some(record) = read {
        // The next push to this document starts from this record, if these changes are filed.
        recent::remember(target.id, ccs_core::doc::encode_heads(&heads), record);
    }
    Ok(Ok(Plan { target, sensitivity, heads, changes: new, committee_entry, partial: false }))
}

/// Files a planned document: its row, one log entry with the new changes, its
/// contributors, and for a committee record the registry.
pub fn file(conn: &Conn, device: &DeviceScope, plan: &Plan, now: DateTime<Utc>) -> Result<log::Appended, StoreError> {
    let target = &plan.target;
    let appended = log::append(
        conn,
        &log::Accepted {
            meta: &target.meta,
            kind: target.kind,
            sensitivity: plan.sensitivity,
            heads: &plan.heads,
            changes: &plan.changes,
            origin: device.device_id,
        },
        now,
    )?;
    let mut writers: Vec<DeviceId> = vec![device.device_id];
    for c in &plan.changes {
        if let Some(d) = DeviceId::from_actor(&c.actor) {
            if !writers.contains(&d) {
                writers.push(d);
            }
        }
    }
    log::add_contributors(conn, &target.id, &writers)?;
    if target.kind == RecordKind::Committee {
        if let Some(region) = &target.meta.region {
            match &plan.committee_entry {
                Some(entry) => {
                    let entry = CommitteeEntry { region: region.clone(), ..entry.clone() };
                    committees::upsert(conn, &entry.id, &entry, now)?;
                }
                None => committees::set_region(conn, &target.committee_id.to_string(), region, now)?,
            }
        }
    }
    tracing::debug!(device = %device.device_id, doc = %target.id, seq = appended.seq, changes = plan.changes.len(), "document accepted");
    Ok(appended)
}
