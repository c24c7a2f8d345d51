//! The member's side of the relay (RELAY.md, "Member"): the up-bundles a device exports
//! for a courier, and the return bundles it applies.
//!
//! - [`export`]: everything after the acknowledged heads (this device's own changes, as
//!   the first round of a direct sync would push them), the current cursor and the
//!   return bundles applied since the last export; several parts when the backlog is
//!   larger than one request, each a complete bundle on its own. Each export supersedes
//!   the earlier ones: losing one costs nothing. The store remembers which heads each
//!   bundle carried.
//! - [`import`]: a return bundle read with the pinned server keys, then applied in ONE
//!   store transaction: the receipts acknowledge the heads their bundles carried (never
//!   moving an acknowledgement back), refusals are remembered as a direct sync does, an
//!   offline enrollment's grant is stored, the page is merged when it starts at or
//!   before this device's cursor in the same log, and the cursor never moves back.
//!   Every refusal leaves the store untouched.
//!
//! Acknowledged heads and the cursor move only on the server's word (a receipt, a page);
//! an old return bundle applied after a newer one is a harmless no-op.
//!
//! Not here: reading and sealing the file (`bundle`, [`super::seal_up`],
//! [`super::open_down`]), the tables (`store::relay`), files and screens (`app`, `ccs`).

use std::collections::HashSet;

use automerge::ChangeHash;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::bundle::{self, BundleError};
use super::payload::{OfflineEnrollment, UpPayload};
use super::slip::SlipError;
use crate::error_code::ErrorCode;
use crate::model::*;
use crate::store::relay::{ExportedPart, Grant};
use crate::store::{QuarantinedEntry, Store, StoreError};
use crate::sync::page::{Cursor, SyncPage};
use crate::sync::plan;
use crate::sync::wire::DocPush;

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Slip(#[from] SlipError),
    #[error("this enrollment slip expired on {0}")]
    SlipExpired(NaiveDate),
    #[error("this device does not know the server's keys")]
    NotEnrolled,
    #[error("the return bundle starts at {from}, after this device's position {cursor}")]
    OutOfOrder { from: u64, cursor: u64 },
    #[error("the return bundle belongs to another server log")]
    OtherServer,
    #[error("the enrollment grant is unreadable: {0}")]
    BadGrant(String),
    #[error("the backlog needs more than {0} parts")]
    TooManyParts(usize),
    #[error("i/o error: {0}")]
    Io(String),
}

impl RelayError {
    pub fn code(&self) -> ErrorCode {
        match self {
            RelayError::Bundle(e) => e.code(),
            RelayError::Store(e) => e.code(),
            RelayError::Slip(e) => e.code(),
            RelayError::SlipExpired(_) => ErrorCode::SlipExpired,
            RelayError::NotEnrolled => ErrorCode::RelayNotEnrolled,
            RelayError::OutOfOrder { .. } => ErrorCode::RelayOutOfOrder,
            RelayError::OtherServer => ErrorCode::RelayOtherServer,
            RelayError::BadGrant(_) => ErrorCode::BundlePayloadMalformed,
            RelayError::TooManyParts(_) => ErrorCode::BundleTooLarge,
            RelayError::Io(_) => ErrorCode::StoreIo,
        }
    }
}

/// One up-bundle of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpBundle {
    pub id: [u8; 16],
    /// A name that says nothing of the content ([`bundle::file_name`]).
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub part: u16,
    pub parts: u16,
    /// Records this part carries.
    pub records: usize,
}

/// What an export made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub bundles: Vec<UpBundle>,
    /// Records carried, all parts together.
    pub records: usize,
    /// The export carries an offline enrollment's code.
    pub enrollment: bool,
}

/// The device's id as the bundles name it.
fn device_bytes(store: &Store) -> [u8; 16] {
    *store.identity().device_id.0.as_bytes()
}

fn hashes(heads: &[[u8; 32]]) -> Vec<ChangeHash> {
    heads.iter().map(|h| ChangeHash(*h)).collect()
}

/// The pushes of a whole backlog, cut into requests as a direct sync's rounds would
/// be ([`plan::next_pushes`] with the per-request limits): one list per part, at least
/// one (possibly empty: a bundle with no records still declares the cursor).
pub fn backlog(store: &Store, now: DateTime<Utc>) -> Result<Vec<Vec<DocPush>>, StoreError> {
    let dirty = store.to_push(now)?;
    let mut sent = HashSet::new();
    let mut parts = Vec::new();
    loop {
        let (push, remaining) =
            plan::next_pushes(&dirty, &sent, &[], plan::PUSH_DOCS_PER_REQUEST, plan::PUSH_BYTES_PER_REQUEST, |id| {
                store.outgoing_push(id)
            })?;
        sent.extend(push.iter().map(|p| RecordId(Uuid::from_bytes(p.meta.id))));
        let empty = push.is_empty();
        if !empty || parts.is_empty() {
            parts.push(push);
        }
        if !remaining || empty {
            return Ok(parts);
        }
    }
}

/// An export made but not yet remembered by the store: the caller writes its files,
/// then calls [`PreparedExport::commit`], so a failed write does not show records as
/// « remis au relais ».
#[derive(Debug)]
pub struct PreparedExport {
    pub export: Export,
    parts: Vec<ExportedPart>,
    applied: Vec<[u8; 16]>,
}

impl PreparedExport {
    /// Remembers what each bundle carried and that the applied return bundles were
    /// reported.
    pub fn commit(self, store: &mut Store, now: DateTime<Utc>) -> Result<Export, RelayError> {
        store.record_export(&self.parts, &self.applied, now)?;
        Ok(self.export)
    }
}

/// Makes and remembers the up-bundles of everything this device has not had
/// acknowledged ([`build`] then [`PreparedExport::commit`]).
pub fn export(store: &mut Store, now: DateTime<Utc>) -> Result<Export, RelayError> {
    build(store, now)?.commit(store, now)
}

/// Makes the up-bundles of everything this device has not had acknowledged, sealed to
/// the pinned server keys.
pub fn build(store: &Store, now: DateTime<Utc>) -> Result<PreparedExport, RelayError> {
    let pinned = store.pinned_server()?.ok_or(RelayError::NotEnrolled)?;
    let cursor = store.cursor(&pinned.server)?;
    let epoch = cursor.epoch.or(pinned.epoch).unwrap_or_default();
    let device = device_bytes(store);
    let enrollment = match &pinned.pending {
        Some(p) => Some(OfflineEnrollment {
            code: p.code.clone(),
            label: p.label.clone(),
            keys: store.relay_keys().public(),
            demo: store.holds_demo_records()?,
        }),
        None => None,
    };
    let applied = store.unreported_imports()?;
    let pushes = backlog(store, now)?;
    let parts = u16::try_from(pushes.len()).map_err(|_| RelayError::TooManyParts(pushes.len()))?;
    let mut bundles = Vec::with_capacity(pushes.len());
    let mut remembered = Vec::with_capacity(pushes.len());
    for (i, push) in pushes.into_iter().enumerate() {
        let part = i as u16 + 1;
        let id = bundle::new_id();
        let docs: Vec<(RecordId, Vec<ChangeHash>, Vec<ChangeHash>)> = push
            .iter()
            .map(|p| (RecordId(Uuid::from_bytes(p.meta.id)), hashes(&p.heads), hashes(&p.acked_heads)))
            .collect();
        let payload = UpPayload {
            bundle: id,
            device,
            enrollment: enrollment.clone(),
            applied: applied.clone(),
            request: plan::request(cursor, push),
        };
        let bytes = super::seal_up(&payload, store.relay_keys(), &pinned.keys, epoch, part, parts)?;
        bundles.push(UpBundle { id, file_name: bundle::file_name(&id), bytes, part, parts, records: docs.len() });
        remembered.push(ExportedPart { bundle: id, part, parts, docs });
    }
    let records = bundles.iter().map(|b| b.records).sum();
    Ok(PreparedExport {
        export: Export { bundles, records, enrollment: enrollment.is_some() },
        parts: remembered,
        applied,
    })
}

/// Enrolls this store from a printed slip, with no network (RELAY.md, "Enrolling
/// without a network"): the role and scope the slip names (the server's grant confirms
/// them later), the server's address, keys and epoch pinned, the code kept to go in
/// every up-bundle until the grant comes back. `server` is the slip's address as the
/// caller checked it. An expired slip is refused (`slip.expired`).
pub fn enroll_from_slip(
    store: &mut Store,
    slip: &super::Slip,
    server: &str,
    label: Option<&str>,
    today: NaiveDate,
) -> Result<crate::store::Identity, RelayError> {
    if today > slip.valid_until {
        return Err(RelayError::SlipExpired(slip.valid_until));
    }
    let bad = |what: String| RelayError::Slip(SlipError(what));
    let role: Role = slip.role.parse().map_err(|_| bad(format!("role {}", slip.role)))?;
    let committee_id: Option<CommitteeId> = match &slip.committee_id {
        Some(c) => Some(c.parse().map_err(|_| bad(format!("committee {c}")))?),
        None => None,
    };
    let identity = crate::store::Identity {
        device_id: store.identity().device_id,
        role,
        committee_id,
        region: slip.region.clone(),
    };
    store.set_identity(identity.clone())?;
    let pending =
        crate::store::relay::PendingEnrollment { code: slip.code.trim().to_string(), label: label.map(str::to_string) };
    store.begin_offline_enrollment(server.trim_end_matches('/'), &slip.server_keys, slip.epoch, &pending)?;
    Ok(identity)
}

/// What applying a return bundle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub bundle: [u8; 16],
    /// Records received (merged and changed here).
    pub received: usize,
    /// Records whose sending the server acknowledged.
    pub acknowledged: usize,
    /// Records the server refused, with its reason code.
    pub refused: Vec<(RecordId, String)>,
    /// Up-bundles the server refused whole, with the code.
    pub bundles_refused: Vec<([u8; 16], String)>,
    /// The offline enrollment's grant arrived: « inscription en attente » is over.
    pub enrollment_completed: bool,
    /// The bundle was applied before, or brought nothing this device did not have.
    pub nothing_new: bool,
    /// The server was restored from a backup: the page was not applied; a direct sync
    /// settles it (`relay.repair_needed`).
    pub repair_needed: bool,
    pub quarantined: Vec<QuarantinedEntry>,
    /// Received records whose merged state fails validation (kept, flagged).
    pub flagged: usize,
}

/// Reads and applies one return bundle (see the module's documentation). A refusal
/// (a bundle damaged, for another device, out of order, …) leaves the store untouched;
/// `relay.out_of_order` means the file should be kept and imported again later.
pub fn import(store: &mut Store, bytes: &[u8], now: DateTime<Utc>) -> Result<ImportReport, RelayError> {
    let pinned = store.pinned_server()?.ok_or(RelayError::NotEnrolled)?;
    let device = device_bytes(store);
    let (_, payload) = super::open_down(bytes, &pinned.keys, &store.relay_key_ring(), device)?;
    let mut report = ImportReport { bundle: payload.bundle, ..Default::default() };
    if store.relay_import_applied(&payload.bundle)? {
        report.nothing_new = true;
        return Ok(report);
    }
    let response = &payload.response;
    let cursor = store.cursor(&pinned.server)?;
    report.repair_needed = response.repair_needed;
    if !response.repair_needed {
        if cursor.epoch.is_some_and(|e| e != response.epoch) {
            return Err(RelayError::OtherServer);
        }
        if payload.from > cursor.seq {
            return Err(RelayError::OutOfOrder { from: payload.from, cursor: cursor.seq });
        }
    }

    // The receipts: what the server did with this device's up-bundles.
    let mut page = SyncPage { server: pinned.server.clone(), cursor, ..Default::default() };
    let mut receipts = Vec::new();
    for receipt in &payload.receipts {
        let Some(carried) = store.carried_by(&receipt.bundle)? else { continue };
        if carried.receipted {
            continue;
        }
        receipts.push((receipt.bundle, receipt.refused.clone()));
        if let Some(code) = &receipt.refused {
            report.bundles_refused.push((receipt.bundle, code.clone()));
            continue;
        }
        for result in &receipt.results {
            let id = RecordId(Uuid::from_bytes(result.id));
            let Some((heads, base)) = carried.docs.get(&id) else { continue };
            match result.rejected.as_deref() {
                None => {
                    if store.acknowledgement_moves_forward(id, heads)? {
                        page.acked.push((id, heads.clone()));
                        report.acknowledged += 1;
                    }
                }
                Some(plan::MISSING_DEPS) => {
                    // Sent whole next time, unless acknowledged since it was sent.
                    if store.heads(id).is_ok_and(|(_, acked)| acked == *base) {
                        page.reset.push(id);
                    }
                    report.refused.push((id, plan::MISSING_DEPS.to_string()));
                }
                Some(code) => {
                    page.refused.push((id, heads.clone(), code.to_string()));
                    report.refused.push((id, code.to_string()));
                }
            }
        }
    }

    // The grant of an offline enrollment.
    let grant = match (&payload.enrollment, &pinned.pending) {
        (Some(g), Some(_)) => Some(Grant {
            token: g.token.clone(),
            role: g.role.parse().map_err(|_| RelayError::BadGrant(format!("role {}", g.role)))?,
            committee_id: g
                .committee_id
                .as_deref()
                .map(|c| c.parse().map_err(|_| RelayError::BadGrant(format!("committee {c}"))))
                .transpose()?,
            region: g.region.clone(),
        }),
        _ => None,
    };
    report.enrollment_completed = grant.is_some();

    // The page: entries and the cursor, which never moves back.
    if !response.repair_needed {
        let empty = plan::request(cursor, vec![]);
        let interpreted = plan::interpret(&pinned.server, &empty, response);
        page.entries = interpreted.page.entries;
        page.cursor = Cursor { epoch: Some(response.epoch), seq: cursor.seq.max(response.cursor) };
    }

    let write = store.begin_page()?;
    for (bundle, refused) in &receipts {
        write.note_receipt(bundle, refused.as_deref(), now)?;
    }
    if let Some(g) = &grant {
        write.store_grant(g)?;
    }
    write.note_import(&payload.bundle, now)?;
    let outcome = crate::sync::write_page(&write, &page, now)?;
    write.commit()?;
    if grant.is_some() {
        store.reload_identity()?;
    }
    let changed: Vec<_> = outcome.merged.iter().filter(|m| m.changed).collect();
    report.received = changed.len();
    report.flagged = changed.iter().filter(|m| m.error_count > 0).count();
    report.quarantined = outcome.quarantined;
    report.nothing_new = report.received == 0
        && report.acknowledged == 0
        && report.refused.is_empty()
        && report.bundles_refused.is_empty()
        && !report.enrollment_completed
        && report.quarantined.is_empty();
    Ok(report)
}
