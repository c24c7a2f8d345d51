//! One sync round (`POST /v1/sync`): check the device's cursor belongs to this log,
//! apply its pushes, then answer one page of what it has not seen.
//!
//! A cursor from another log (a new server, or a server restored from a backup, which
//! carries its own epoch) cannot be trusted: its numbers name other entries. The device
//! is told `repair_needed` and nothing is applied; it then reconciles through
//! [`crate::repair`].

use crate::db::Conn;
use ccs_core::sync::scope::DeviceScope;
use ccs_core::sync::wire::{SyncRequest, SyncResponse};
use chrono::{DateTime, Utc};

use crate::store::{self, StoreError};
use crate::{pull, push, Limits};

/// Answers one sync request of `device`.
pub fn round(
    conn: &mut Conn,
    device: &DeviceScope,
    request: &SyncRequest,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<SyncResponse, StoreError> {
    let epoch = store::epoch(conn)?;
    let end = store::last_seq(conn)?;
    let known = match request.epoch {
        // A cursor past the end of this log also means the log is not the one the device
        // synced with.
        Some(e) => e == epoch && request.cursor <= end,
        None => request.cursor == 0,
    };
    if !known {
        tracing::info!(device = %device.device_id, cursor = request.cursor, "cursor from another log: repair needed");
        return Ok(SyncResponse {
            epoch,
            repair_needed: true,
            results: Vec::new(),
            entries: Vec::new(),
            cursor: 0,
            more: false,
        });
    }
    let results = push::push(conn, device, &request.push, limits, now)?;
    let page = pull::page(conn, device, request.cursor, limits.page_bytes)?;
    Ok(SyncResponse {
        epoch,
        repair_needed: false,
        results,
        entries: page.entries,
        cursor: page.cursor,
        more: page.more,
    })
}
