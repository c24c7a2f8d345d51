//! One sync round (`POST /v1/sync`): check the device's cursor belongs to this log,
//! apply its pushes, and answer one page of what it has not seen (read before its own
//! pushes are filed: see [`round_grouped`]).
//!
//! A cursor from another log (a new server, or a server restored from a backup, which
//! carries its own epoch) cannot be trusted: its numbers name other entries. The device
//! is told `repair_needed` and nothing is applied; it then reconciles through
//! [`crate::repair`].

use std::sync::Arc;

use crate::db::{Conn, Optional};
use ccs_core::model::RecordId;
use ccs_core::sync::scope::{self, DeviceScope};
use ccs_core::sync::wire::{DocNumbers, DocPush, PushResult, SyncRequest, SyncResponse, WireError};
use chrono::{DateTime, Utc};

use crate::auth::{self, AuthError};
use crate::error::AppError;
use crate::push::{Outcome, Planned};
use crate::store::{self, Store, StoreError};
use crate::writer::Writer;
use crate::{log, pull, push, relay, Limits};

/// Answers one sync request of `device` on one connection, in the same steps as
/// [`round_grouped`] without the writer (the simulated server of the tests).
pub fn round(
    conn: &mut Conn,
    device: &DeviceScope,
    mut request: SyncRequest,
    by_number: &[(usize, u64)],
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<RoundAnswer, AppError> {
    let asked: Vec<[u8; 16]> = request.push.iter().map(|p| p.meta.id).collect();
    let epoch = match check_cursor(conn, device, &request)? {
        Ok(epoch) => epoch,
        Err(response) => return Ok(RoundAnswer { response, numbers: DocNumbers::default(), pushed: asked }),
    };
    if let Err(number) = resolve_numbers(conn, device, &mut request.push, by_number)? {
        return Err(AppError::Wire(WireError::UnknownNumber(number)));
    }
    let pushed: Vec<[u8; 16]> = request.push.iter().map(|p| p.meta.id).collect();
    // The page before the pushes, as [`round_grouped`] reads it.
    let page = pull::page(conn, device, request.cursor, limits.page_bytes)?;
    let results = push::push(conn, device, &request.push, limits, now)?;
    let numbers = DocNumbers { results: result_numbers(conn, &results, by_number)?, entries: page.numbers.clone() };
    Ok(RoundAnswer { response: answer(epoch, results, page), numbers, pushed })
}

/// The answer of a round on this log: the push results and one page of the log.
fn answer(epoch: [u8; 16], results: Vec<PushResult>, page: pull::Page) -> SyncResponse {
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

/// A round's answer as the server sends it.
#[derive(Debug)]
pub struct RoundAnswer {
    pub response: SyncResponse,
    /// The documents' numbers frame format 3 gives beside the answer.
    pub numbers: DocNumbers,
    /// The pushed documents' ids in the request's order, those named by number
    /// resolved: what the answer's positional results are read against.
    pub pushed: Vec<[u8; 16]>,
}

/// What the lock-free part of a round decided.
enum Prepared {
    /// The token does not pass (any more).
    Refused(AuthError),
    Repair(SyncResponse),
    Push {
        /// The device as its token reads on the round's snapshot.
        device: DeviceScope,
        epoch: [u8; 16],
        pushes: Vec<DocPush>,
        plans: Vec<Planned>,
        page: pull::Page,
        /// The outcomes when there is nothing to file (refusals and replays only).
        settled: Option<Vec<Outcome>>,
    },
    /// A push named its document by a number this log never gave.
    UnknownNumber(u64),
}

/// Puts in each push named by number (frame format 3) the id of the document that
/// number stands for on this log; `Err(number)` for the first number it does not know.
/// The rest of the round then sees the same request as one naming every document by id:
/// every check runs on the id and the metadata, as before.
///
/// Numbers are small and dense, so unlike ids they can be guessed: a number whose
/// document `device` may not read is answered as unknown, with the same code, so a
/// member counting up learns nothing of the records outside its scope (not even that
/// they exist). A device only ever learns the numbers of documents it reads.
pub fn resolve_numbers(
    conn: &Conn,
    device: &DeviceScope,
    push: &mut [DocPush],
    by_number: &[(usize, u64)],
) -> Result<Result<(), u64>, StoreError> {
    for (index, number) in by_number {
        let Ok(n) = i64::try_from(*number) else { return Ok(Err(*number)) };
        let id: Option<String> =
            conn.query_row("SELECT id FROM docs WHERE number = ?1", [n], |r| r.get(0)).optional()?;
        let Some(id) = id.and_then(|id| id.parse::<RecordId>().ok()) else { return Ok(Err(*number)) };
        let Some(row) = log::find_doc(conn, &id)? else { return Ok(Err(*number)) };
        let (true, Some(p)) = (scope::may_read(device, &log::routing(conn, &row)?), push.get_mut(*index)) else {
            return Ok(Err(*number));
        };
        // The routing a document named by number carries is the one it is filed under
        // (frame format 3 leaves it out; see `ccs_core::sync::compact`).
        p.meta.id = *id.0.as_bytes();
        p.meta.kind = row.kind.code().to_string();
        p.meta.committee_id = *row.committee_id.0.as_bytes();
        p.meta.sensitivity = row.sensitivity.code().to_string();
        p.meta.region = None;
    }
    Ok(Ok(()))
}

/// Whether the answer gives push `index` its document's number: only an accepted one
/// named by id (one named by number has it already; a refused one gets none).
fn gets_number(index: usize, result: &PushResult, by_number: &[(usize, u64)]) -> bool {
    result.rejected.is_none() && !by_number.iter().any(|(i, _)| *i == index)
}

/// The numbers on this log of the documents accepted by id in this round: a device
/// names them by number from then on. None (0) for a refused push or one named by number.
fn result_numbers(conn: &Conn, results: &[PushResult], by_number: &[(usize, u64)]) -> Result<Vec<u64>, StoreError> {
    let mut out = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        if !gets_number(i, r, by_number) {
            out.push(0);
            continue;
        }
        let id = uuid::Uuid::from_bytes(r.id).to_string();
        let number: Option<Option<i64>> =
            conn.query_row("SELECT number FROM docs WHERE id = ?1", [id], |row| row.get(0)).optional()?;
        out.push(number.flatten().and_then(|n| u64::try_from(n).ok()).unwrap_or(0));
    }
    Ok(out)
}

/// One sync round as the server runs it (the same answer as [`round`]): in one database
/// slot, on read snapshots, the cursor check, the checks of every pushed document and
/// the page; then the filing by the one [`Writer`] with other requests (group commit).
/// No write lock is taken by the request itself.
///
/// The page is read before the request's own documents are filed. It leaves out the
/// device's own entries anyway, and what others file meanwhile comes after the cursor
/// it answers, so the next round brings it: nothing is missed. Reading it in the same
/// slot spares each round a second wait for a slot and a second hand-off to a database
/// thread, which under a thousand devices at once was a third of a round's queueing.
///
/// `by_number` are the pushes named by their number on this log (frame format 3,
/// [`resolve_numbers`]); the answer comes with the numbers format 3 sends back: the
/// writer's for the documents it files, the snapshot's for replays answered here.
pub async fn round_grouped(
    store: &Arc<Store>,
    writer: &Writer,
    token_hash: String,
    mut request: SyncRequest,
    by_number: Vec<(usize, u64)>,
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<RoundAnswer, AppError> {
    let cursor = request.cursor;
    let checks = limits.clone();
    let numbered = by_number.clone();
    let asked: Vec<[u8; 16]> = request.push.iter().map(|p| p.meta.id).collect();
    let prepared = store
        .run(move |conn| -> Result<Prepared, StoreError> {
            // The token, on the snapshot every check and the page below read: a device
            // revoked since its body was let in gets nothing, and files nothing.
            let scope = match auth::scope_of_hash(conn, &token_hash) {
                Ok(scope) => scope,
                Err(AuthError::Store(e)) => return Err(e),
                Err(refused) => return Ok(Prepared::Refused(refused)),
            };
            // A device that syncs directly holds its token: an offline grant is done.
            relay::forget_grant(conn, &scope.device_id)?;
            let epoch = match check_cursor(conn, &scope, &request)? {
                Ok(epoch) => epoch,
                Err(repair) => return Ok(Prepared::Repair(repair)),
            };
            // Numbers belong to this log: only checked once the cursor says the device
            // speaks of this log (a device of another epoch is sent to repair instead).
            if let Err(number) = resolve_numbers(conn, &scope, &mut request.push, &numbered)? {
                return Ok(Prepared::UnknownNumber(number));
            }
            let plans = push::prepare(conn, &scope, &request.push, &checks)?;
            let page = pull::page(conn, &scope, cursor, checks.page_bytes)?;
            let settled = if plans.iter().any(|p| matches!(p, Ok(Some(_)))) {
                None
            } else {
                // Nothing to file: refusals and replays are answered from the snapshot,
                // as [`push::push`] answers them.
                let results: Vec<PushResult> = request
                    .push
                    .iter()
                    .zip(&plans)
                    .map(|(p, plan)| push::result(&scope, p.meta.id, plan.as_ref().map(|_| ()).map_err(|c| *c)))
                    .collect();
                let numbers = result_numbers(conn, &results, &numbered)?;
                Some(results.into_iter().zip(numbers).map(|(result, number)| Outcome { result, number }).collect())
            };
            Ok(Prepared::Push { device: scope, epoch, pushes: request.push, plans, page, settled })
        })
        .await?;
    let (device, epoch, pushes, plans, page, settled) = match prepared {
        Prepared::Refused(refused) => return Err(AppError::Auth(refused)),
        Prepared::Repair(response) => {
            return Ok(RoundAnswer { response, numbers: DocNumbers::default(), pushed: asked })
        }
        Prepared::UnknownNumber(number) => {
            tracing::info!(number, "push named an unknown document number");
            return Err(AppError::Wire(WireError::UnknownNumber(number)));
        }
        Prepared::Push { device, epoch, pushes, plans, page, settled } => (device, epoch, pushes, plans, page, settled),
    };
    let pushed: Vec<[u8; 16]> = pushes.iter().map(|p| p.meta.id).collect();
    let outcomes = match settled {
        Some(outcomes) => outcomes,
        None => writer.submit(device, pushes, plans, limits, now).await?,
    };
    let numbers = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| if gets_number(i, &o.result, &by_number) { o.number } else { 0 })
        .collect();
    let results = outcomes.into_iter().map(|o| o.result).collect();
    let numbers = DocNumbers { results: numbers, entries: page.numbers.clone() };
    Ok(RoundAnswer { response: answer(epoch, results, page), numbers, pushed })
}
