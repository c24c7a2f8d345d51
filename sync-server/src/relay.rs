//! The relay on the server (RELAY.md, "Server"): bundles a courier brings, the return
//! bundles it takes back, the roster it checks signatures against, and the quarantine
//! of refused bundles. HTTP handlers ([`crate::http`]) and the admin's `relay import`
//! call these functions; the bundle format and its reading order are
//! [`ccs_core::relay`]'s.
//!
//! [`receive`] reads one up-bundle with [`open_up`] against the device-keys table
//! ([`crate::keys::lookup`]), redeems an offline enrollment's code (the rules of
//! [`enrollment::redeem_in`]), then applies the push exactly as a direct sync would,
//! with the *member's* scope and identity ([`push::push`]). What it keeps:
//! - the receipt per up-bundle (`relay_bundles`), so the same bundle brought again, by
//!   the same or another courier, gets the same receipt and nothing is applied twice;
//!   the receipt also goes back to the device in its return bundles until the device
//!   says (`applied`) that it has them;
//! - the cursor each device declared (`relay_cursors`): within an epoch it only moves
//!   forward, so an old bundle arriving after a newer one cannot move it back;
//! - who carried what, when (`relay_deliveries`);
//! - every refused bundle, bytes included, with its code and courier
//!   (`relay_quarantine`), for an administrator. Refusals do not claim the bundle id: a
//!   hostile courier sending garbage under a member's id cannot make the member's real
//!   bundle refused. A refused bundle brought again is read again (a refusal caused by
//!   something since fixed heals). A device whose own signature held (its bundle sealed
//!   to a wrong key, say) is told in its return bundles (`relay_refusals`).
//!
//! [`outbox`] makes return bundles from the declared cursor; it never advances a cursor
//! itself, so a lost return bundle costs nothing. A device outside the courier's area is
//! left out without a word: a courier learns nothing of devices it does not serve.

use crate::db::{Conn, Mode, Optional};
use ccs_core::error_code::ErrorCode;
use ccs_core::model::{DeviceId, Role};
use ccs_core::relay::api::{OutboxBundle, ReceiptStatus, RelayReceipt, Roster, RosterDevice};
use ccs_core::relay::{bundle, open_up, seal_down, BundleError, DeviceKeys, DownPayload, EnrollmentGrant};
use ccs_core::relay::{OfflineEnrollment, Sender};
use ccs_core::relay::{PublicKeys, Receipt, SignerKey, UpPayload};
use ccs_core::sync::scope::DeviceScope;
use ccs_core::sync::wire::{PushResult, SyncResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::enrollment::{self, EnrollError};
use crate::keys::{self, KeysError};
use crate::store::{self, StoreError};
use crate::{auth, pull, push, Limits};

/// How a bundle brought to the server by hand (`ccs-sync-server relay import`) is
/// recorded as carried.
pub const ADMIN_IMPORT: &str = "admin import";

/// Most entry bytes in one device's return bundles from one outbox request: the rest
/// comes on the next visit (the last part says `more`).
pub const MAX_RETURN_BYTES_PER_DEVICE: usize = 8 * 1024 * 1024;

/// Most entry bytes in one outbox answer, kept under one frame's 16 MiB with room for
/// the last page's overshoot (a page holds at least one entry) and the encryption;
/// devices beyond are left for the courier's next request (it asks for them by id).
pub const MAX_OUTBOX_BYTES: usize = 10 * 1024 * 1024;

/// Most bytes of refused bundles kept. Beyond, a refusal is still listed (code, courier,
/// size, header) but its bytes are not kept: an enrolled device sending garbage cannot
/// fill the server's disk.
pub const MAX_QUARANTINE_BYTES: i64 = 512 * 1024 * 1024;

/// Who brought a bundle or asks for return bundles.
#[derive(Debug, Clone)]
pub enum Carrier {
    /// An enrolled device with its scope (the courier's area derives from it).
    Device(DeviceScope),
    /// The administrator at the server, with every device in reach.
    AdminImport,
}

impl Carrier {
    fn name(&self) -> String {
        match self {
            Carrier::Device(scope) => scope.device_id.to_string(),
            Carrier::AdminImport => ADMIN_IMPORT.to_string(),
        }
    }
}

/// One refused bundle as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedBundle {
    pub seq: i64,
    /// The bundle id from its header, when the header could be read (not trusted).
    pub bundle: Option<String>,
    /// The device its header names, when it could be read (not trusted).
    pub device: Option<String>,
    pub code: String,
    pub courier: String,
    pub size: u64,
    /// Whether its bytes are kept (see [`MAX_QUARANTINE_BYTES`]).
    pub kept: bool,
    pub received_at: String,
}

fn hex_id(id: &[u8; 16]) -> String {
    hex::encode(id)
}

fn device_text(id: [u8; 16]) -> String {
    uuid::Uuid::from_bytes(id).to_string()
}

/// Reads, checks and applies one up-bundle `bytes` brought by `carrier`.
///
/// Errors are the server's own (database); every refusal of the bundle is a receipt.
pub fn receive(
    conn: &mut Conn,
    server_keys: &DeviceKeys,
    bytes: &[u8],
    carrier: &Carrier,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<RelayReceipt, StoreError> {
    let courier = carrier.name();
    let sha: [u8; 32] = Sha256::digest(bytes).into();
    // The very same bytes again (a courier retrying after a lost answer, two couriers
    // with copies): the stored receipt, without reading or applying anything.
    if let Some((id, device)) = accepted_by_hash(conn, &sha)? {
        log_delivery(conn, Some(&id), Some(&device), &courier, None, now)?;
        return Ok(accepted_receipt(&id, &device));
    }
    let claimed = bundle::read(bytes).ok().map(|u| (u.header.id, u.header.sender.device()));
    let mut lookup_error = None;
    let opened = open_up(
        bytes,
        |sender| match keys::lookup(conn, sender) {
            Ok(k) => k,
            Err(e) => {
                lookup_error = Some(e);
                SignerKey::Unknown
            }
        },
        server_keys,
    );
    if let Some(e) = lookup_error {
        return Err(e);
    }
    let refuse = |conn: &mut Conn, code: ErrorCode| quarantine_bundle(conn, bytes, &sha, claimed, code, &courier, now);
    let (header, payload) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            if let Some(signer) = authentic_signer(bytes, &e) {
                record_refusal(conn, &signer, e.code(), now)?;
            }
            return refuse(conn, e.code());
        }
    };
    let device_id = DeviceId(uuid::Uuid::from_bytes(payload.device));
    let device = device_id.to_string();
    // The same bundle sealed again (same id, other bytes), or a second courier's copy
    // that reached us first: one receipt per id, applied once.
    if accepted_by_id(conn, &header.id)? {
        log_delivery(conn, Some(&header.id), Some(&device), &courier, None, now)?;
        return Ok(accepted_receipt(&header.id, &device));
    }
    if let Some(enrolling) = &payload.enrollment {
        match enroll_offline(conn, device_id, enrolling, now) {
            Ok(()) => {}
            Err(EnrollError::Store(e)) => return Err(e),
            Err(e) => return refuse(conn, e.code()),
        }
    }
    let Some((scope, revoked)) = scope_of(conn, &device)? else {
        return refuse(conn, ErrorCode::BundleUnknownSigner);
    };
    if revoked {
        return refuse(conn, ErrorCode::BundleRevokedSigner);
    }
    // The member's push, with its scope and identity: a courier lends nothing of its own.
    // A part is bounded by bytes, not documents (a thousand small records fit in one):
    // applied in slices of the direct sync's document limit, never refused for it.
    let mut results = Vec::with_capacity(payload.request.push.len());
    for slice in payload.request.push.chunks(limits.max_docs_per_request.max(1)) {
        results.extend(push::push(conn, &scope, slice, limits, now)?);
    }
    record_accepted(conn, &header.id, &payload, &sha, &results, &courier, now)?;
    tracing::info!(device = %device, courier = %courier, bundle = %hex_id(&header.id), "relay bundle accepted");
    Ok(accepted_receipt(&header.id, &device))
}

/// The bundle id and device of a bundle refused after its signature held against the
/// registered key of the device its header names: that device did send it (sealed to
/// the wrong key, damaged before signing, or a courier's forgery signed with the
/// courier's own key, the courier then being that device), so it is told in its return
/// bundles. Refusals before the signature name nobody for sure and go to nobody.
fn authentic_signer(bytes: &[u8], e: &BundleError) -> Option<([u8; 16], String)> {
    let after_signature = matches!(
        e,
        BundleError::NotForThisDevice
            | BundleError::Undecryptable
            | BundleError::PayloadMalformed(_)
            | BundleError::BindingMismatch
    );
    let header = bundle::read(bytes).ok()?.header;
    match header.sender {
        Sender::Device { id, .. } if after_signature => Some((header.id, device_text(id))),
        _ => None,
    }
}

/// Keeps a refusal for the device's return bundles, apart from the accepted receipts: it
/// claims no bundle id, so the device's own bundle under that id is still read.
fn record_refusal(
    conn: &Conn,
    (id, device): &([u8; 16], String),
    code: ErrorCode,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO relay_refusals (bundle_id, device_id, code, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        crate::params![id.as_slice(), device, code.as_str(), store::timestamp(now)],
    )?;
    Ok(())
}

fn accepted_receipt(id: &[u8; 16], device: &str) -> RelayReceipt {
    RelayReceipt { bundle: hex_id(id), status: ReceiptStatus::Accepted, code: None, device: Some(device.to_string()) }
}

fn accepted_by_hash(conn: &Conn, sha: &[u8; 32]) -> Result<Option<([u8; 16], String)>, StoreError> {
    let row: Option<(Vec<u8>, String)> = conn
        .query_row("SELECT id, device_id FROM relay_bundles WHERE sha256 = ?1", [sha.as_slice()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    row.map(|(id, device)| Ok((id16(id)?, device))).transpose()
}

fn accepted_by_id(conn: &Conn, id: &[u8; 16]) -> Result<bool, StoreError> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM relay_bundles WHERE id = ?1)", [id.as_slice()], |r| r.get(0))?)
}

fn id16(bytes: Vec<u8>) -> Result<[u8; 16], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt("relay bundle id is not 16 bytes".into()))
}

/// Keeps a refused bundle (once per content) and answers its refusal.
fn quarantine_bundle(
    conn: &mut Conn,
    bytes: &[u8],
    sha: &[u8; 32],
    claimed: Option<([u8; 16], Option<[u8; 16]>)>,
    code: ErrorCode,
    courier: &str,
    now: DateTime<Utc>,
) -> Result<RelayReceipt, StoreError> {
    let id = claimed.map(|(id, _)| id);
    let device = claimed.and_then(|(_, d)| d).map(device_text);
    let tx = conn.transaction(Mode::Write)?;
    let kept: i64 = tx.query_row("SELECT COALESCE(SUM(length(bytes)), 0) FROM relay_quarantine", (), |r| r.get(0))?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let stored: &[u8] = if kept.saturating_add(size) > MAX_QUARANTINE_BYTES { &[] } else { bytes };
    tx.execute(
        "INSERT INTO relay_quarantine (bundle_id, device_id, sha256, code, courier, size, bytes, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        crate::params![
            id.as_ref().map(|i| i.as_slice()),
            device,
            sha.as_slice(),
            code.as_str(),
            courier,
            size,
            stored,
            store::timestamp(now)
        ],
    )?;
    log_delivery(&tx, id.as_ref(), device.as_deref(), courier, Some(code), now)?;
    tx.commit()?;
    tracing::warn!(
        code = code.as_str(),
        courier,
        device = device.as_deref().unwrap_or("-"),
        "relay bundle refused and quarantined"
    );
    Ok(RelayReceipt {
        bundle: id.as_ref().map(hex_id).unwrap_or_default(),
        status: ReceiptStatus::Refused,
        code: Some(code.as_str().to_string()),
        device,
    })
}

fn log_delivery(
    conn: &Conn,
    id: Option<&[u8; 16]>,
    device: Option<&str>,
    courier: &str,
    refused: Option<ErrorCode>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO relay_deliveries (bundle_id, device_id, courier, status, code, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        crate::params![
            id.map(|i| i.as_slice()),
            device,
            courier,
            if refused.is_some() { "refused" } else { "accepted" },
            refused.map(ErrorCode::as_str),
            store::timestamp(now)
        ],
    )?;
    Ok(())
}

/// Redeems a slip's code brought in a bundle: the rules of a direct enrollment, the keys
/// registered, a token kept for the device's return bundle. The same device's later
/// bundles with the same code (parts, a second export) pass if they bear the keys
/// already registered; a new key under a used code is refused (whoever saw the slip
/// cannot take the device over).
fn enroll_offline(
    conn: &mut Conn,
    device: DeviceId,
    enrolling: &OfflineEnrollment,
    now: DateTime<Utc>,
) -> Result<(), EnrollError> {
    enrolling.keys.check().map_err(|e| KeysError::BadKey(e.to_string()))?;
    let tx = conn.transaction(Mode::Write).map_err(StoreError::from)?;
    if enrollment::redeemed_by(&tx, &enrolling.code, device)? {
        let registered = keys::of_device(&tx, &device.to_string())?;
        if !registered.contains(&enrolling.keys) {
            return Err(EnrollError::Used);
        }
        return Ok(());
    }
    let redeemed =
        enrollment::redeem_in(&tx, &enrolling.code, device, enrolling.label.as_deref(), enrolling.demo, now)?;
    keys::register(&tx, &redeemed.device_id, &enrolling.keys, now)?;
    tx.execute(
        "INSERT INTO relay_grants (device_id, token, created_at) VALUES (?1, ?2, ?3)",
        crate::params![redeemed.device_id, redeemed.token, store::timestamp(now)],
    )
    .map_err(StoreError::from)?;
    tx.commit().map_err(StoreError::from)?;
    tracing::info!(device = %device, "device enrolled offline through the relay");
    Ok(())
}

/// A device's scope and whether it is revoked.
fn scope_of(conn: &Conn, device: &str) -> Result<Option<(DeviceScope, bool)>, StoreError> {
    type Row = (String, String, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = conn
        .query_row("SELECT id, role, committee_id, region, revoked_at FROM devices WHERE id = ?1", [device], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((id, role, committee, region, revoked_at)) = row else { return Ok(None) };
    Ok(Some((auth::scope_from_row(&id, &role, committee.as_deref(), region)?, revoked_at.is_some())))
}

/// Files an applied up-bundle: its receipt, the courier, the declared cursor and the
/// return bundles it says the device applied. One transaction.
fn record_accepted(
    conn: &mut Conn,
    id: &[u8; 16],
    payload: &UpPayload,
    sha: &[u8; 32],
    results: &[PushResult],
    courier: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let device = device_text(payload.device);
    let results = serde_json::to_string(results).map_err(|e| StoreError::Internal(e.to_string()))?;
    let tx = conn.transaction(Mode::Write)?;
    tx.execute(
        "INSERT INTO relay_bundles (id, device_id, sha256, results, courier, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        crate::params![id.as_slice(), device, sha.as_slice(), results, courier, store::timestamp(now)],
    )?;
    // Refused once (e.g. before its keys were registered), accepted now.
    tx.execute("DELETE FROM relay_quarantine WHERE sha256 = ?1", [sha.as_slice()])?;
    log_delivery(&tx, Some(id), Some(&device), courier, None, now)?;
    declare_cursor(&tx, &device, payload.request.epoch, payload.request.cursor, now)?;
    confirm_applied(&tx, &device, &payload.applied, now)?;
    tx.commit()?;
    Ok(())
}

/// Keeps the cursor a device declared. Within the server's epoch it only moves forward;
/// a cursor of this epoch always wins over one of another (a bundle made before the
/// device repaired, arriving late); a cursor of another epoch is kept only to answer
/// `repair_needed`.
fn declare_cursor(
    conn: &Conn,
    device: &str,
    epoch: Option<[u8; 16]>,
    cursor: u64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let server_epoch = store::epoch(conn)?;
    let end = store::last_seq(conn)?;
    let current = match epoch {
        Some(e) => e == server_epoch && cursor <= end,
        None => cursor == 0,
    };
    let declared_epoch = if current { server_epoch } else { epoch.unwrap_or([0; 16]) };
    let stored: Option<(Vec<u8>, i64)> = conn
        .query_row("SELECT epoch, cursor FROM relay_cursors WHERE device_id = ?1", [device], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let write = match stored {
        None => true,
        Some((e, c)) if e == server_epoch => current && i64::try_from(cursor).unwrap_or(i64::MAX) > c,
        Some(_) => true,
    };
    if write {
        conn.execute(
            "INSERT INTO relay_cursors (device_id, epoch, cursor, declared_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device_id) DO UPDATE SET epoch = ?2, cursor = ?3, declared_at = ?4",
            crate::params![
                device,
                declared_epoch.as_slice(),
                i64::try_from(cursor).unwrap_or(i64::MAX),
                store::timestamp(now)
            ],
        )?;
    }
    Ok(())
}

/// The device applied these return bundles: the receipts they carried are delivered,
/// and so is the enrollment grant.
fn confirm_applied(conn: &Conn, device: &str, applied: &[[u8; 16]], now: DateTime<Utc>) -> Result<(), StoreError> {
    for id in applied {
        let row: Option<(String, bool)> = conn
            .query_row(
                "SELECT receipts, has_grant FROM relay_down WHERE id = ?1 AND device_id = ?2",
                crate::params![id.as_slice(), device],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((receipts, grant)) = row else { continue };
        let receipts: Vec<String> = serde_json::from_str(&receipts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for r in receipts {
            let Ok(bytes) = hex::decode(&r) else { continue };
            conn.execute(
                "UPDATE relay_bundles SET confirmed_at = ?1 WHERE id = ?2 AND device_id = ?3 AND confirmed_at IS NULL",
                crate::params![store::timestamp(now), bytes, device],
            )?;
            conn.execute(
                "UPDATE relay_refusals SET confirmed_at = ?1
                 WHERE bundle_id = ?2 AND device_id = ?3 AND confirmed_at IS NULL",
                crate::params![store::timestamp(now), bytes, device],
            )?;
        }
        if grant {
            conn.execute("DELETE FROM relay_grants WHERE device_id = ?1", [device])?;
        }
    }
    Ok(())
}

/// A device that syncs directly holds its token: the offline grant is no longer needed.
pub fn forget_grant(conn: &Conn, device: &DeviceId) -> Result<(), StoreError> {
    // Read first: a DELETE takes the write lock even when it deletes nothing, and every
    // sync round passes here (the writer thread must stay the only routine writer).
    let id = device.to_string();
    let held = conn.query_opt("SELECT 1 FROM relay_grants WHERE device_id = ?1", [&id], |r| r.get::<i64>(0))?.is_some();
    if held {
        conn.execute("DELETE FROM relay_grants WHERE device_id = ?1", [&id])?;
    }
    Ok(())
}

/// One device of a courier's area.
struct AreaDevice {
    scope: DeviceScope,
    label: Option<String>,
    revoked: bool,
}

/// The devices `carrier` serves: a facilitator its region's committees, a member its
/// committee, the CRSS (reviewers), administrators and the admin's import every device.
fn area(conn: &Conn, carrier: &Carrier) -> Result<Vec<AreaDevice>, StoreError> {
    let select = "SELECT id, role, committee_id, region, label, revoked_at FROM devices";
    let (sql, param): (String, Option<String>) = match carrier {
        Carrier::AdminImport => (format!("{select} ORDER BY enrolled_at, id"), None),
        Carrier::Device(scope) => match scope.role {
            Role::Reviewer | Role::Admin => (format!("{select} ORDER BY enrolled_at, id"), None),
            Role::Member => (
                format!("{select} WHERE committee_id = ?1 ORDER BY enrolled_at, id"),
                Some(scope.committee_id.map(|c| c.to_string()).unwrap_or_default()),
            ),
            Role::Facilitator => (
                format!(
                    "{select} WHERE committee_id IN (SELECT id FROM committees WHERE region = ?1) ORDER BY enrolled_at, id"
                ),
                Some(scope.region.clone().unwrap_or_default()),
            ),
        },
    };
    type Row = (String, String, Option<String>, Option<String>, Option<String>, Option<String>);
    let read = |r: &crate::db::Row| -> crate::db::Result<Row> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    };
    let rows: Vec<Row> = match &param {
        Some(p) => conn.query_map(&sql, [p], read)?,
        None => conn.query_map(&sql, (), read)?,
    };
    rows.into_iter()
        .map(|(id, role, committee, region, label, revoked_at)| {
            Ok(AreaDevice {
                scope: auth::scope_from_row(&id, &role, committee.as_deref(), region)?,
                label: label.as_deref().and_then(enrollment::clean_label),
                revoked: revoked_at.is_some(),
            })
        })
        .collect()
}

/// The roster for `carrier`'s area: the server's keys and every device's keys by epoch,
/// revoked ones included (a courier must refuse their bundles).
pub fn roster(conn: &Conn, server: &PublicKeys, carrier: &Carrier, now: DateTime<Utc>) -> Result<Roster, StoreError> {
    let mut devices = Vec::new();
    for d in area(conn, carrier)? {
        let id = d.scope.device_id.to_string();
        devices.push(RosterDevice {
            device: *d.scope.device_id.as_uuid().as_bytes(),
            label: d.label,
            committee_id: d.scope.committee_id.map(|c| c.to_string()),
            region: d.scope.region.clone(),
            keys: keys::of_device(conn, &id)?,
            revoked: d.revoked,
        });
    }
    Ok(Roster { server_keys: server.clone(), epoch: store::epoch(conn)?, issued_at: store::timestamp(now), devices })
}

/// Return bundles for the devices `carrier` asks for (empty: every device of its area
/// that declared a cursor), each sealed to the device's newest key.
pub fn outbox(
    conn: &mut Conn,
    server_keys: &DeviceKeys,
    carrier: &Carrier,
    devices: &[[u8; 16]],
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Vec<OutboxBundle>, StoreError> {
    let area = area(conn, carrier)?;
    let wanted: Vec<&AreaDevice> = area
        .iter()
        .filter(|d| !d.revoked)
        .filter(|d| devices.is_empty() || devices.contains(d.scope.device_id.as_uuid().as_bytes()))
        .collect();
    let mut out = Vec::new();
    let mut total = 0usize;
    for d in wanted {
        let budget = MAX_RETURN_BYTES_PER_DEVICE.min(MAX_OUTBOX_BYTES.saturating_sub(total));
        if budget == 0 {
            break;
        }
        // Asked for nobody in particular: only devices with something to say.
        let bundles = return_bundles(conn, server_keys, &d.scope, devices.is_empty(), budget, limits, now)?;
        total += bundles.iter().map(|b| b.bytes.len()).sum::<usize>();
        out.extend(bundles);
    }
    Ok(out)
}

/// The return bundles of one device: its pending receipts and enrollment grant, and the
/// entries of its scope after its declared cursor, as parts when they exceed one page.
/// Nothing when it never declared a cursor or has no key, nor when `skip_empty` and
/// there is nothing new for it (no entry, receipt, grant or repair). Pages stop once
/// `budget` entry bytes are reached (the last part says `more`).
#[allow(clippy::too_many_arguments)]
pub fn return_bundles(
    conn: &mut Conn,
    server_keys: &DeviceKeys,
    scope: &DeviceScope,
    skip_empty: bool,
    budget: usize,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Vec<OutboxBundle>, StoreError> {
    let device = scope.device_id.to_string();
    let declared: Option<(Vec<u8>, i64)> = conn
        .query_row("SELECT epoch, cursor FROM relay_cursors WHERE device_id = ?1", [&device], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((declared_epoch, from)) = declared else { return Ok(Vec::new()) };
    let Some(device_keys) = keys::newest(conn, &device)? else { return Ok(Vec::new()) };
    let from = u64::try_from(from).unwrap_or(0);
    let epoch = store::epoch(conn)?;
    let receipts = pending_receipts(conn, &device)?;
    let grant = pending_grant(conn, scope)?;
    let mut pages: Vec<(u64, SyncResponse)> = Vec::new();
    if declared_epoch != epoch.as_slice() || from > store::last_seq(conn)? {
        let repair =
            SyncResponse { epoch, repair_needed: true, results: vec![], entries: vec![], cursor: 0, more: false };
        pages.push((from, repair));
    } else {
        let mut cursor = from;
        let mut bytes = 0usize;
        loop {
            let page = pull::page(conn, scope, cursor, limits.page_bytes)?;
            bytes += page.entries.iter().map(|e| e.changes.len()).sum::<usize>();
            let more = page.more;
            let response = SyncResponse {
                epoch,
                repair_needed: false,
                results: vec![],
                entries: page.entries,
                cursor: page.cursor,
                more,
            };
            pages.push((cursor, response));
            cursor = page.cursor;
            if !more || bytes >= budget {
                break;
            }
        }
    }
    let nothing = receipts.is_empty()
        && grant.is_none()
        && pages.iter().all(|(_, p)| p.entries.is_empty() && !p.repair_needed && !p.more);
    if skip_empty && nothing {
        return Ok(Vec::new());
    }
    let parts = u16::try_from(pages.len()).unwrap_or(u16::MAX);
    let receipt_ids: Vec<String> = receipts.iter().map(|r| hex_id(&r.bundle)).collect();
    let receipt_ids = serde_json::to_string(&receipt_ids).map_err(|e| StoreError::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(pages.len());
    for (k, (from, response)) in pages.into_iter().enumerate().take(usize::from(parts)) {
        let id = bundle::new_id();
        let payload = DownPayload {
            bundle: id,
            device: *scope.device_id.as_uuid().as_bytes(),
            // Every part carries them: each part is valid on its own.
            receipts: receipts.clone(),
            enrollment: grant.clone(),
            from,
            response,
        };
        let part = u16::try_from(k + 1).unwrap_or(u16::MAX);
        let bytes = seal_down(&payload, server_keys, &device_keys, epoch, part, parts)
            .map_err(|e| StoreError::Internal(format!("sealing a return bundle: {e}")))?;
        conn.execute(
            "INSERT INTO relay_down (id, device_id, receipts, has_grant, made_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            crate::params![id.as_slice(), device, receipt_ids, grant.is_some(), store::timestamp(now)],
        )?;
        out.push(OutboxBundle { device: payload.device, id, bytes });
    }
    Ok(out)
}

fn pending_receipts(conn: &Conn, device: &str) -> Result<Vec<Receipt>, StoreError> {
    let rows = conn.query_map(
        "SELECT id, results FROM relay_bundles WHERE device_id = ?1 AND confirmed_at IS NULL ORDER BY received_at, id",
        [device],
        |r| Ok((r.get::<Vec<u8>>(0)?, r.get::<String>(1)?)),
    )?;
    let mut out = Vec::new();
    for (id, results) in rows {
        let results: Vec<PushResult> =
            serde_json::from_str(&results).map_err(|e| StoreError::Corrupt(format!("relay receipt: {e}")))?;
        out.push(Receipt { bundle: id16(id)?, refused: None, results });
    }
    let rows = conn.query_map(
        "SELECT bundle_id, code FROM relay_refusals WHERE device_id = ?1 AND confirmed_at IS NULL ORDER BY at, bundle_id",
        [device],
        |r| Ok((r.get::<Vec<u8>>(0)?, r.get::<String>(1)?)),
    )?;
    for (id, code) in rows {
        out.push(Receipt { bundle: id16(id)?, refused: Some(code), results: vec![] });
    }
    Ok(out)
}

fn pending_grant(conn: &Conn, scope: &DeviceScope) -> Result<Option<EnrollmentGrant>, StoreError> {
    let token: Option<String> = conn
        .query_row("SELECT token FROM relay_grants WHERE device_id = ?1", [scope.device_id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(token.map(|token| EnrollmentGrant {
        token,
        role: scope.role.code().to_string(),
        committee_id: scope.committee_id.map(|c| c.to_string()),
        region: scope.region.clone(),
    }))
}

/// Every refused bundle, newest first.
pub fn quarantine(conn: &Conn) -> Result<Vec<QuarantinedBundle>, StoreError> {
    let rows = conn.query_map(
        "SELECT seq, bundle_id, device_id, code, courier, size, length(bytes) > 0, received_at
         FROM relay_quarantine ORDER BY seq DESC",
        (),
        |r| {
            Ok(QuarantinedBundle {
                seq: r.get(0)?,
                bundle: r.get::<Option<Vec<u8>>>(1)?.map(hex::encode),
                device: r.get(2)?,
                code: r.get(3)?,
                courier: r.get(4)?,
                size: r.get::<i64>(5)?.max(0) as u64,
                kept: r.get(6)?,
                received_at: r.get(7)?,
            })
        },
    )?;
    Ok(rows)
}

/// The bytes of a quarantined bundle, for an administrator who wants to look closer.
pub fn quarantined_bytes(conn: &Conn, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn.query_row("SELECT bytes FROM relay_quarantine WHERE seq = ?1", [seq], |r| r.get(0)).optional()?)
}

/// The scope of an enrolled device by id, for `relay outbox --device`.
pub fn device_scope(conn: &Conn, device: &str) -> Result<Option<DeviceScope>, StoreError> {
    Ok(scope_of(conn, &device.trim().to_ascii_lowercase())?.filter(|(_, revoked)| !revoked).map(|(s, _)| s))
}
