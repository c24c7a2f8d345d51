//! One sync round (`POST /v1/sync`): check the device's cursor belongs to this log,
//! apply its pushes, then answer one page of what it has not seen.
//!
//! A cursor from another log (a new server, or a server restored from a backup, which
//! carries its own epoch) cannot be trusted: its numbers name other entries. The device
//! is told `repair_needed` and nothing is applied; it then reconciles through
//! [`crate::repair`].

use std::sync::Arc;

use crate::db::Conn;
use ccs_core::sync::scope::DeviceScope;
use ccs_core::sync::wire::{DocPush, SyncRequest, SyncResponse};
use chrono::{DateTime, Utc};

use crate::push::Planned;
use crate::store::{self, Store, StoreError};
use crate::writer::Writer;
use crate::{pull, push, relay, Limits};

/// Answers one sync request of `device`.
pub fn round(
    conn: &mut Conn,
    device: &DeviceScope,
    request: &SyncRequest,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<SyncResponse, StoreError> {
    let epoch = match check_cursor(conn, device, request)? {
        Ok(epoch) => epoch,
        Err(repair) => return Ok(repair),
    };
    let results = push::push(conn, device, &request.push, limits, now)?;
    let page = pull::page(conn, device, request.cursor, limits.page_bytes)?;
    Ok(answer(epoch, results, page))
}

/// The answer of a round on this log: the push results and one page of the log.
fn answer(epoch: [u8; 16], results: Vec<ccs_core::sync::wire::PushResult>, page: pull::Page) -> SyncResponse {
    SyncResponse { epoch, repair_needed: false, results, entries: page.entries, cursor: page.cursor, more: page.more }
}

/// This log's epoch when the device's cursor belongs to it; otherwise the answer that
/// sends the device to repair.
fn check_cursor(
    conn: &Conn,
    device: &DeviceScope,
    request: &SyncRequest,
) -> Result<Result<[u8; 16], SyncResponse>, StoreError> {
    let epoch = store::epoch(conn)?;
    let end = store::last_seq(conn)?;
    let known = match request.epoch {
        // A cursor past the end of this log also means the log is not the one the device
        // synced with.
        Some(e) => e == epoch && request.cursor <= end,
        None => request.cursor == 0,
    };
    if known {
        return Ok(Ok(epoch));
    }
    tracing::info!(device = %device.device_id, cursor = request.cursor, "cursor from another log: repair needed");
    Ok(Err(SyncResponse {
        epoch,
        repair_needed: true,
        results: Vec::new(),
        entries: Vec::new(),
        cursor: 0,
        more: false,
    }))
}

/// What the lock-free part of a round decided.
enum Prepared {
    Repair(SyncResponse),
    Push { epoch: [u8; 16], pushes: Vec<DocPush>, plans: Vec<Planned> },
}

/// One sync round as the server runs it (the same answer as [`round`]): the cursor
/// check and the checks of every pushed document on a read snapshot in a database
/// slot, the filing by the one [`Writer`] with other requests (group commit), then the
/// page in a slot again. No write lock is taken by the request itself.
pub async fn round_grouped(
    store: &Arc<Store>,
    writer: &Writer,
    device: DeviceScope,
    request: SyncRequest,
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<SyncResponse, StoreError> {
    let cursor = request.cursor;
    let (scope, checks) = (device.clone(), limits.clone());
    let prepared = store
        .run(move |conn| -> Result<Prepared, StoreError> {
            // A device that syncs directly holds its token: an offline grant is done.
            relay::forget_grant(conn, &scope.device_id)?;
            let epoch = match check_cursor(conn, &scope, &request)? {
                Ok(epoch) => epoch,
                Err(repair) => return Ok(Prepared::Repair(repair)),
            };
            let plans = push::prepare(conn, &scope, &request.push, &checks)?;
            Ok(Prepared::Push { epoch, pushes: request.push, plans })
        })
        .await?;
    let (epoch, pushes, plans) = match prepared {
        Prepared::Repair(response) => return Ok(response),
        Prepared::Push { epoch, pushes, plans } => (epoch, pushes, plans),
    };
    let results = if plans.iter().any(|p| matches!(p, Ok(Some(_)))) {
        writer.submit(device.clone(), pushes, plans, limits.clone(), now).await?
    } else {
        // Nothing to file: refusals and replays are answered from the snapshot, as
        // [`push::push`] answers them.
        pushes.iter().zip(plans).map(|(p, plan)| push::result(&device, p.meta.id, plan.map(|_| ()))).collect()
    };
    let page_bytes = limits.page_bytes;
    let page = store.run(move |conn| pull::page(conn, &device, cursor, page_bytes)).await?;
    Ok(answer(epoch, results, page))
}
