//! The courier: what any enrolled device (in practice the facilitator's) does with the
//! bundles it carries for others (RELAY.md, "Courier").
//!
//! - collect: an up-bundle from a member (a file, the hotspot) is checked with
//!   [`relay::verify_up`] against the roster before it is taken into custody; a refused one
//!   is not kept at all;
//! - forward: each carried up-bundle goes to the server (`POST /v1/relay`), one per
//!   request; its file is deleted only when the server's receipt comes back. It runs
//!   before the device's own sync ([`super::sync_shared`]);
//! - fetch: return bundles for the devices the courier will visit (`POST
//!   /v1/relay/outbox`), checked against the server's key; a newer one for a device
//!   replaces the older ones it still carries;
//! - hand over: the return bundles for one device, and the member's word on which it
//!   applied (those and older ones are deleted).
//!
//! The courier never decrypts: it holds no key that opens a bundle, and nothing here asks
//! for one. The network steps are functions over [`StoreAccess`], so the app's lock is
//! taken for each store step and never while bytes travel (docs/architecture.md).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{lock_app, App, AppError, Cancellable, SharedStore};
use crate::error_code::ErrorCode;
use crate::i18n::Message;
use crate::model::*;
use crate::relay::api::{self, OutboxRequest, OutboxResponse, ReceiptStatus, RelayReceipt, Roster};
use crate::relay::bundle::{BundleError, Direction, Sender};
use crate::relay::{self, SignerKey};
use crate::store::custody::{CustodyEntry, CustodyState, NewCustody};
use crate::store::{Store, StoreError};
use crate::sync::client::{StoreAccess, SyncError, Transport};

const FRAME: &str = "application/x-ccs-frame";
const BUNDLE: &str = "application/octet-stream";

/// What the roster says of a bundle's signer.
pub fn roster_lookup(roster: &Roster, sender: &Sender) -> SignerKey {
    let Some(device) = sender.device() else { return SignerKey::Unknown };
    let Some(entry) = roster.devices.iter().find(|d| d.device == device) else { return SignerKey::Unknown };
    if entry.revoked {
        return SignerKey::Revoked;
    }
    match sender {
        Sender::Device { key_epoch, .. } => {
            entry.keys.iter().find(|k| k.epoch == *key_epoch).cloned().map_or(SignerKey::Unknown, SignerKey::Known)
        }
        _ => SignerKey::Unknown,
    }
}

/// Why a bundle was not taken: its code and sentence.
fn refused(e: &BundleError) -> AppError {
    AppError::of(e.code())
}

/// Checks an up-bundle against the roster and takes it into custody (`new: false`: taken
/// before, nothing new). A refused bundle is not kept.
pub fn collect(store: &mut Store, bytes: &[u8], now: DateTime<Utc>) -> Result<Collected, AppError> {
    let roster = store.roster()?.ok_or_else(|| AppError::of(ErrorCode::RelayNoRoster))?.roster;
    let verified = relay::verify_up(bytes, |s| roster_lookup(&roster, s)).map_err(|e| refused(&e))?;
    // Sealed to another server's key: the courier's server could not open it.
    if verified.header.recipient != roster.server_keys.encrypt {
        return Err(AppError::of(ErrorCode::RelayOtherServer));
    }
    let device = verified.header.sender.device().ok_or_else(|| refused(&BundleError::WrongDirection))?;
    let new = NewCustody {
        id: verified.header.id,
        direction: Direction::Up,
        device,
        payload_sha256: verified.payload_sha256(),
        part: verified.header.part,
        parts: verified.header.parts,
        batch: 0,
    };
    // Another bundle under an id already held (a sender copying someone's id so that
    // the genuine one would pass for a duplicate): refused, the held one stays.
    if let Some(held) = store.custody_entry(new.id)? {
        if held.device != new.device || held.payload_sha256 != new.payload_sha256 {
            return Err(refused(&BundleError::BindingMismatch));
        }
    }
    let taken = store.custody_take(&new, bytes, now)?;
    Ok(Collected {
        bundle: hex::encode(new.id),
        device: DeviceId(uuid::Uuid::from_bytes(device)),
        label: roster.devices.iter().find(|d| d.device == device).and_then(|d| d.label.clone()),
        enrolling: matches!(verified.header.sender, Sender::Enrolling { .. }),
        new: taken,
    })
}

/// A bundle collected from a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Collected {
    /// The bundle id, hex.
    pub bundle: String,
    pub device: DeviceId,
    /// The device's label in the roster.
    pub label: Option<String>,
    /// From a device enrolling offline: the server decides on its code.
    pub enrolling: bool,
    /// `false`: this bundle was taken before; nothing new.
    pub new: bool,
}

/// What forwarding custody to the server did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ForwardSummary {
    /// Up-bundles the server accepted (their files deleted).
    pub forwarded: u32,
    /// Up-bundles the server refused (kept in its quarantine; files deleted here).
    pub refused: Vec<RefusedBundle>,
    /// Up-bundles still carried (the exchange stopped before them).
    pub left: u32,
    /// Why forwarding stopped early, if it did.
    pub error: Option<AppError>,
    /// The roster was renewed in this exchange.
    pub roster_renewed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RefusedBundle {
    pub bundle: String,
    pub device: DeviceId,
    pub code: String,
    pub message: Message,
}

/// What fetching return bundles did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FetchSummary {
    /// Return bundles taken into custody.
    pub received: u32,
    /// Older return bundles they replaced (deleted).
    pub superseded: u32,
    /// Return bundles that failed their check (not kept): bundle id and code.
    pub rejected: Vec<RefusedBundle>,
}

/// A return bundle to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOver {
    pub id: [u8; 16],
    pub bytes: Vec<u8>,
}

/// Renews the roster from the server (`GET /v1/relay/roster`).
pub fn refresh_roster<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let link = access.with(|s| s.server_link()?.ok_or(SyncError::NotEnrolled))?;
    let frame = transport.get(&link.url, api::ROSTER_PATH, Some(&link.token))?;
    let roster: Roster = crate::sync::wire::decode(&frame)?;
    roster.server_keys.check().map_err(|e| SyncError::BadResponse(format!("roster: {e}")))?;
    access.with(|s| Ok(s.set_roster(&roster, now)?))
}

/// Forwards every carried up-bundle to the server, one per request, oldest first. A
/// bundle's file is deleted only once its receipt is in (accepted, or refused: the
/// server then keeps it in quarantine). Stops at the first failed exchange; what was not
/// sent stays carried for the next time. No request at all when nothing is carried.
pub fn forward<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    now: DateTime<Utc>,
) -> ForwardSummary {
    let mut summary = ForwardSummary::default();
    // Files a crash left without their row go first (they were never taken).
    let carried = match access.with(|s| {
        s.custody_sweep()?;
        Ok(s.custody_carried(Direction::Up, None)?)
    }) {
        Ok(c) => c,
        Err(e) => {
            summary.error = Some(e.into());
            return summary;
        }
    };
    if carried.is_empty() {
        return summary;
    }
    let total = carried.len() as u32;
    let result = (|| -> Result<(), SyncError> {
        let link = access.with(|s| s.server_link()?.ok_or(SyncError::NotEnrolled))?;
        for entry in carried {
            let bytes = access.with(|s| Ok(s.custody_bytes(entry.id)?))?;
            let answer = transport.post(&link.url, api::RELAY_PATH, Some(&link.token), BUNDLE, bytes)?;
            let receipt: RelayReceipt =
                serde_json::from_slice(&answer).map_err(|e| SyncError::BadResponse(format!("relay receipt: {e}")))?;
            if receipt.bundle != hex::encode(entry.id) {
                return Err(SyncError::BadResponse("relay receipt for another bundle".into()));
            }
            let code = receipt.code.clone();
            let (state, code) = match receipt.status {
                ReceiptStatus::Accepted => (CustodyState::Forwarded, None),
                ReceiptStatus::Refused => {
                    (CustodyState::Refused, Some(code.unwrap_or_else(|| ErrorCode::SyncRefused.as_str().into())))
                }
            };
            access.with(|s| Ok(s.custody_settle(entry.id, state, code.as_deref(), now)?))?;
            match code {
                None => summary.forwarded += 1,
                Some(code) => summary.refused.push(RefusedBundle {
                    bundle: hex::encode(entry.id),
                    device: DeviceId(uuid::Uuid::from_bytes(entry.device)),
                    message: super::refusal_message(&code, &code),
                    code,
                }),
            }
        }
        Ok(())
    })();
    summary.left = total - summary.forwarded - summary.refused.len() as u32;
    if let Err(e) = result {
        summary.error = Some(e.into());
    }
    summary
}

/// Fetches return bundles for `devices` (empty: every device of the courier's area that
/// has something), after renewing the roster. Each is checked against the server's key
/// and the recipient's registered keys before it is kept; a device's new bundles replace
/// the older ones still carried for it.
pub fn fetch<A: StoreAccess + ?Sized>(
    access: &mut A,
    transport: &dyn Transport,
    devices: &[DeviceId],
    now: DateTime<Utc>,
) -> Result<FetchSummary, SyncError> {
    refresh_roster(access, transport, now)?;
    let link = access.with(|s| s.server_link()?.ok_or(SyncError::NotEnrolled))?;
    let request = OutboxRequest { devices: devices.iter().map(|d| *d.0.as_bytes()).collect() };
    let frame =
        transport.post(&link.url, api::OUTBOX_PATH, Some(&link.token), FRAME, crate::sync::wire::encode(&request))?;
    let response: OutboxResponse = crate::sync::wire::decode(&frame)?;
    access.with(|store| file_return_bundles(store, &response, now).map_err(SyncError::from))
}

fn file_return_bundles(
    store: &mut Store,
    response: &OutboxResponse,
    now: DateTime<Utc>,
) -> Result<FetchSummary, StoreError> {
    let roster = store.roster()?.ok_or_else(|| StoreError::NotFound("roster".into()))?.roster;
    let batch = store.custody_next_batch()?;
    let mut summary = FetchSummary::default();
    let mut renewed = BTreeSet::new();
    for b in &response.bundles {
        let checked = relay::verify_down(&b.bytes, &roster.server_keys).and_then(|v| {
            let header = v.header;
            let recipient_known = roster
                .devices
                .iter()
                .find(|d| d.device == b.device)
                .is_some_and(|d| d.keys.iter().any(|k| k.encrypt == header.recipient));
            if header.id != b.id {
                Err(BundleError::BindingMismatch)
            } else if !recipient_known {
                Err(BundleError::NotForThisDevice)
            } else {
                Ok(header)
            }
        });
        let header = match checked {
            Ok(h) => h,
            Err(e) => {
                summary.rejected.push(RefusedBundle {
                    bundle: hex::encode(b.id),
                    device: DeviceId(uuid::Uuid::from_bytes(b.device)),
                    code: e.code().as_str().into(),
                    message: e.code().message(),
                });
                continue;
            }
        };
        let new = NewCustody {
            id: header.id,
            direction: Direction::Down,
            device: b.device,
            payload_sha256: hex::encode(header.payload_sha256),
            part: header.part,
            parts: header.parts,
            batch,
        };
        if store.custody_take(&new, &b.bytes, now)? {
            summary.received += 1;
            renewed.insert(b.device);
        }
    }
    for device in renewed {
        for old in store.custody_carried(Direction::Down, Some(device))? {
            if old.batch < batch && store.custody_settle(old.id, CustodyState::Superseded, None, now)? {
                summary.superseded += 1;
            }
        }
    }
    Ok(summary)
}

/// Marks the return bundles `applied` by `device` delivered, and the older ones it still
/// carries for that device superseded (the member applied newer ones); deletes their
/// files. Ids of other devices' bundles are ignored: a member cannot clear a colleague's
/// mail. Returns how many bundles left custody.
pub fn delivered(
    store: &mut Store,
    device: DeviceId,
    applied: &[[u8; 16]],
    now: DateTime<Utc>,
) -> Result<u32, StoreError> {
    let device = *device.0.as_bytes();
    let mut done = 0;
    let mut newest = None;
    for id in applied {
        let Some(entry) = store.custody_entry(*id)? else { continue };
        if entry.direction != Direction::Down || entry.device != device {
            continue;
        }
        newest = newest.max(Some(entry.batch));
        if store.custody_settle(*id, CustodyState::Delivered, None, now)? {
            done += 1;
        }
    }
    if let Some(newest) = newest {
        for old in store.custody_carried(Direction::Down, Some(device))? {
            if old.batch < newest && store.custody_settle(old.id, CustodyState::Superseded, None, now)? {
                done += 1;
            }
        }
    }
    Ok(done)
}

// ------------------------------------------------------------------ the « Courrier » view

/// The « Courrier » screen: what this device carries, for whom, and what waits. Never
/// any content: the courier cannot read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CourierView {
    /// The roster this device checks bundles against; none: it cannot collect yet.
    pub roster: Option<RosterView>,
    /// Up-bundles waiting for the server.
    pub to_server: Vec<CustodyView>,
    /// Return bundles waiting for their members.
    pub to_members: Vec<CustodyView>,
    /// Bundles handed on (forwarded, refused, delivered, superseded), newest first.
    pub handed_on: Vec<CustodyView>,
    pub bytes_to_server: u64,
    pub bytes_to_members: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RosterView {
    /// When the server made it.
    pub issued_at: Option<DateTime<Utc>>,
    /// When this device received it.
    pub fetched_at: DateTime<Utc>,
    /// Whole days since the server made it (since it arrived, if the date is unreadable).
    pub age_days: i64,
    pub devices: u32,
    pub revoked: u32,
}

/// One bundle in custody, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CustodyView {
    pub bundle: String,
    pub direction: CustodyDirection,
    pub device: DeviceId,
    /// The device's label in the roster (« Téléphone du secrétaire »).
    pub label: Option<String>,
    pub committee_id: Option<CommitteeId>,
    /// The committee's name when this device holds its record.
    pub committee_name: Option<String>,
    pub region: Option<String>,
    pub size: u64,
    pub part: u16,
    pub parts: u16,
    pub state: CustodyState,
    /// A refusal: its code and sentence. The server keeps the bundle in quarantine; this
    /// device deleted its copy.
    pub code: Option<String>,
    pub message: Option<Message>,
    pub note: Option<String>,
    pub taken_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CustodyDirection {
    ToServer,
    ToMember,
}

/// How many handed-on bundles the view lists.
const HANDED_ON_SHOWN: usize = 50;

/// The « Courrier » view of `store`'s custody.
pub fn view(store: &Store, now: DateTime<Utc>) -> Result<CourierView, AppError> {
    let stored = store.roster()?;
    let roster = stored.as_ref().map(|s| &s.roster);
    let item = |e: CustodyEntry| {
        let known = roster.and_then(|r| r.devices.iter().find(|d| d.device == e.device));
        let committee_id = known.and_then(|d| d.committee_id.as_deref()).and_then(|c| c.parse::<CommitteeId>().ok());
        CustodyView {
            bundle: hex::encode(e.id),
            direction: match e.direction {
                Direction::Up => CustodyDirection::ToServer,
                Direction::Down => CustodyDirection::ToMember,
            },
            device: DeviceId(uuid::Uuid::from_bytes(e.device)),
            label: known.and_then(|d| d.label.clone()),
            committee_id,
            committee_name: committee_id.and_then(|c| store.summary(RecordId(c.0)).ok()).map(|s| s.title),
            region: known.and_then(|d| d.region.clone()),
            size: e.size,
            part: e.part,
            parts: e.parts,
            state: e.state,
            message: e.code.as_deref().map(|c| super::refusal_message(c, c)),
            code: e.code,
            note: e.note,
            taken_at: e.taken_at,
            updated_at: e.updated_at,
        }
    };
    let mut view = CourierView {
        roster: stored.as_ref().map(|s| {
            let issued_at = DateTime::parse_from_rfc3339(&s.roster.issued_at).ok().map(|t| t.with_timezone(&Utc));
            RosterView {
                issued_at,
                fetched_at: s.fetched_at,
                age_days: (now - issued_at.unwrap_or(s.fetched_at)).num_days().max(0),
                devices: s.roster.devices.len() as u32,
                revoked: s.roster.devices.iter().filter(|d| d.revoked).count() as u32,
            }
        }),
        to_server: vec![],
        to_members: vec![],
        handed_on: vec![],
        bytes_to_server: 0,
        bytes_to_members: 0,
    };
    for e in store.custody_carried(Direction::Up, None)? {
        view.bytes_to_server += e.size;
        view.to_server.push(item(e));
    }
    for e in store.custody_carried(Direction::Down, None)? {
        view.bytes_to_members += e.size;
        view.to_members.push(item(e));
    }
    let mut handed_on: Vec<CustodyEntry> =
        store.custody()?.into_iter().filter(|e| e.state != CustodyState::Carried).collect();
    handed_on.sort_by_key(|e| std::cmp::Reverse(e.updated_at));
    view.handed_on = handed_on.into_iter().take(HANDED_ON_SHOWN).map(item).collect();
    Ok(view)
}

fn bundle_id(hex_id: &str) -> Result<[u8; 16], AppError> {
    let mut id = [0u8; 16];
    hex::decode_to_slice(hex_id.trim(), &mut id).map_err(|_| AppError::of(ErrorCode::RelayUnknownBundle))?;
    Ok(id)
}

impl App {
    /// Takes a member's up-bundle into custody after checking it against the roster: a
    /// bundle from an unknown or revoked device, badly signed, cut short or altered is
    /// refused with its code and not kept. The same bundle twice adds nothing.
    pub fn courier_collect(&mut self, bytes: &[u8], now: DateTime<Utc>) -> Result<Collected, AppError> {
        collect(self.unlocked(now, true)?, bytes, now)
    }

    /// Renews the roster from the server. Holds the app for the exchange: for callers
    /// that own it (the CLI, tests).
    pub fn courier_refresh_roster(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let transport = self.transport.clone();
        let store = self.unlocked(now, true)?;
        Ok(refresh_roster(store, transport.as_ref(), now)?)
    }

    /// Forwards the carried up-bundles to the server (see [`forward`]), then renews the
    /// roster. Holds the app for the exchange: for callers that own it (the CLI, tests);
    /// the window's sync does it through [`courier_forward_shared`].
    pub fn courier_forward(&mut self, now: DateTime<Utc>) -> Result<ForwardSummary, AppError> {
        let transport = self.transport.clone();
        let store = self.unlocked(now, true)?;
        let mut summary = forward(store, transport.as_ref(), now);
        if summary.error.is_none() {
            summary.roster_renewed = refresh_roster(store, transport.as_ref(), now).is_ok();
        }
        Ok(summary)
    }

    /// Fetches return bundles for `devices` (empty: every device of this courier's area
    /// with something waiting). Holds the app for the exchange (the CLI, tests).
    pub fn courier_fetch(&mut self, devices: &[DeviceId], now: DateTime<Utc>) -> Result<FetchSummary, AppError> {
        let transport = self.transport.clone();
        let store = self.unlocked(now, true)?;
        Ok(fetch(store, transport.as_ref(), devices, now)?)
    }

    /// The return bundles to hand to `device`, in the order to apply them.
    pub fn courier_bundles_for(&mut self, device: DeviceId, now: DateTime<Utc>) -> Result<Vec<HandOver>, AppError> {
        Ok(bundles_for(self.unlocked(now, true)?, device)?)
    }

    /// Whether custody holds (or held and handed on) bundle `id`.
    pub fn courier_holds(&mut self, id: [u8; 16], now: DateTime<Utc>) -> Result<bool, AppError> {
        Ok(self.unlocked(now, true)?.custody_entry(id)?.is_some())
    }

    /// The member `device` says it applied `applied`: those and the older ones carried for
    /// it leave custody. Returns how many left.
    pub fn courier_delivered(
        &mut self,
        device: DeviceId,
        applied: &[[u8; 16]],
        now: DateTime<Utc>,
    ) -> Result<u32, AppError> {
        Ok(delivered(self.unlocked(now, true)?, device, applied, now)?)
    }

    /// The courier's own words on a bundle (`None` clears them).
    pub fn courier_note(&mut self, bundle: &str, note: Option<&str>, now: DateTime<Utc>) -> Result<(), AppError> {
        let id = bundle_id(bundle)?;
        self.unlocked(now, true)?.custody_note(id, note).map_err(|e| match e {
            StoreError::NotFound(_) => AppError::of(ErrorCode::RelayUnknownBundle),
            other => other.into(),
        })
    }

    /// The « Courrier » screen.
    pub fn courier_view(&mut self, now: DateTime<Utc>) -> Result<CourierView, AppError> {
        view(self.unlocked(now, false)?, now)
    }

    pub(super) fn is_courier(store: &Store) -> bool {
        is_courier(store)
    }
}

/// Whether this device acts as a courier in its syncs: it has a roster, carries
/// something, or is a facilitator.
pub fn is_courier(store: &Store) -> bool {
    store.identity().role == Role::Facilitator
        || store.roster().ok().flatten().is_some()
        || store.custody_carried(Direction::Up, None).is_ok_and(|c| !c.is_empty())
}

/// The return bundles carried for `device`, in the order to apply them.
pub fn bundles_for(store: &Store, device: DeviceId) -> Result<Vec<HandOver>, StoreError> {
    store
        .custody_carried(Direction::Down, Some(*device.0.as_bytes()))?
        .into_iter()
        .map(|e| Ok(HandOver { id: e.id, bytes: store.custody_bytes(e.id)? }))
        .collect()
}

/// The courier's part of the window's sync, before the device's own: forwards custody
/// and renews the roster, the app locked for each store step only. `None` for a device
/// that is no courier (no request is made).
pub(super) fn courier_before_sync(
    app: &std::sync::Mutex<App>,
    cancel: &std::sync::atomic::AtomicBool,
    transport: &Cancellable,
    now: DateTime<Utc>,
) -> Option<ForwardSummary> {
    let courier = {
        let app = lock_app(app);
        app.store.as_ref().is_some_and(App::is_courier)
    };
    if !courier {
        return None;
    }
    let mut access = SharedStore { app, cancel };
    let mut summary = forward(&mut access, transport, now);
    if summary.error.is_none() {
        summary.roster_renewed = refresh_roster(&mut access, transport, now).is_ok();
    }
    Some(summary)
}

/// [`App::courier_forward`] for the window: the app is locked for each store step, never
/// across the network.
pub fn courier_forward_shared(app: &std::sync::Mutex<App>, now: DateTime<Utc>) -> Result<ForwardSummary, AppError> {
    let job = lock_app(app).begin_sync(now, true)?;
    let transport = Cancellable { inner: job.transport.clone(), cancel: job.cancel.clone() };
    let mut access = SharedStore { app, cancel: &job.cancel };
    let mut summary = forward(&mut access, &transport, now);
    if summary.error.is_none() {
        summary.roster_renewed = refresh_roster(&mut access, &transport, now).is_ok();
    }
    lock_app(app).end_courier_job(&job);
    Ok(summary)
}

/// [`App::courier_fetch`] for the window.
pub fn courier_fetch_shared(
    app: &std::sync::Mutex<App>,
    devices: &[DeviceId],
    now: DateTime<Utc>,
) -> Result<FetchSummary, AppError> {
    let job = lock_app(app).begin_sync(now, true)?;
    let transport = Cancellable { inner: job.transport.clone(), cancel: job.cancel.clone() };
    let result = fetch(&mut SharedStore { app, cancel: &job.cancel }, &transport, devices, now);
    lock_app(app).end_courier_job(&job);
    Ok(result?)
}

impl App {
    /// Ends a courier exchange started with [`App::begin_sync`] (it shares the sync's
    /// slot, so a courier exchange and a sync never run at once).
    pub(super) fn end_courier_job(&mut self, job: &super::SyncJob) {
        if self.sync_job.as_ref().is_some_and(|c| std::sync::Arc::ptr_eq(c, &job.cancel)) {
            self.sync_job = None;
        }
    }
}
