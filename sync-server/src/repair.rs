//! Repair (`POST /v1/repair`): when a device's cursor belongs to another log (a new
//! server, a restored backup), the two sides reconcile document by document with
//! Automerge's own sync protocol, then the device starts a new cursor.
//!
//! The server keeps no sync state between requests: each round rebuilds the documents
//! named from the log and uses a fresh [`sync::State`]. That costs a few extra changes
//! resent (they are deduplicated by hash) and keeps the server's memory and state
//! independent of how many devices are repairing.
//!
//! - First round (`messages` empty): the server compares the device's list of documents
//!   and heads with its own, and answers, for at most [`crate::Limits::repair_docs_per_round`]
//!   documents that differ, their metadata in `missing` (documents the server holds)
//!   and a first sync message. A document the device holds and the server does not
//!   gets a message from an empty document, which asks for everything, or, when the
//!   device may not write it here, a refusal in `results`. The device asks again with
//!   empty `messages` after those settle, until nothing differs.
//! - Later rounds: each message is received into the server's copy; changes new to the
//!   server go through the same admission as a push ([`crate::push::admit`]) and are
//!   appended with the device as origin; the server answers while its heads differ
//!   from the device's, and stays silent for a document once they are equal.
//!
//! `cursor` is the log's end when the round began: a device adopts the one of its first
//! round, so nothing appended by others during repair is skipped.
//!
//! What a repair may carry: the repairing device's own changes only, like a push
//! ([`crate::push`], step 5). After a restore, a device may hold changes of other
//! devices that the server lost, and Automerge's sync protocol sends them along; the
//! server refuses that document `changes.foreign_actor` and files nothing of it. Each
//! device brings back its own changes when it repairs (a device always holds every
//! change it made); the refused document goes through on a later repair, once the
//! other devices have brought theirs. An administrator's repair, like its push, may
//! carry any actor: a change whose author is gone for good comes back that way.
//!
//! Why not accept other enrolled devices' changes "when they could have pushed them":
//! without signed changes the server cannot tell a relayed change from a forged one. A
//! member could then write content in a colleague's name, add a decision in a
//! reviewer's name (the reviewer may make it), or take another device's next (actor,
//! seq) numbers through a repair and break that device's sync for good (finding S1).
//! Waiting for the author's own repair costs a delay after a rare restore; accepting
//! relays would cost the trail's worth every day.

use std::collections::HashMap;

use crate::db::{Conn, Mode};
use automerge::sync::{self, Message, SyncDoc};
use automerge::ChangeHash;
use ccs_core::doc::limits::{self, ChangeLimits};
use ccs_core::doc::RecordDoc;
use ccs_core::error_code::ErrorCode;
use ccs_core::model::{RecordId, RecordKind, Role};
use ccs_core::sync::scope::{self, DeviceScope};
use ccs_core::sync::wire::{DocMeta, PushResult, RepairRequest, RepairResponse};
use chrono::{DateTime, Utc};

use crate::log::{self, RawChange, DOC_COLUMNS};
use crate::push::{self, Before, Rejection, Target, FOREIGN_ACTOR, MALFORMED, TOO_LARGE};
use crate::store::{self, StoreError};
use crate::Limits;

pub const BAD_MESSAGE: Rejection = ErrorCode::RepairBadMessage;
pub const UNKNOWN_DOC: Rejection = ErrorCode::RepairUnknownDoc;

/// Answers one repair round of `device`.
pub fn round(
    conn: &mut Conn,
    device: &DeviceScope,
    request: &RepairRequest,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<RepairResponse, StoreError> {
    if request.messages.is_empty() {
        first_round(conn, device, request, limits.repair_docs_per_round)
    } else {
        exchange(conn, device, request, limits, now)
    }
}

fn sorted_heads(heads: &[[u8; 32]]) -> Vec<u8> {
    let mut h = heads.to_vec();
    h.sort();
    h.concat()
}

/// A first message from the server's copy, with no history of this peer.
fn first_message(doc: &mut automerge::AutoCommit) -> Option<Vec<u8>> {
    doc.sync().generate_sync_message(&mut sync::State::new()).map(Message::encode)
}

fn first_round(
    conn: &mut Conn,
    device: &DeviceScope,
    request: &RepairRequest,
    limit: usize,
) -> Result<RepairResponse, StoreError> {
    let tx = conn.transaction(Mode::Read)?;
    let epoch = store::epoch(&tx)?;
    let cursor = store::last_seq(&tx)?;
    let listed: HashMap<[u8; 16], Vec<u8>> = request.docs.iter().map(|(m, h)| (m.id, sorted_heads(h))).collect();

    // The server's documents in scope that the device lacks or holds at other heads.
    let area = match device.role {
        Role::Reviewer | Role::Admin => "CAST(?2 AS TEXT) IS NULL",
        Role::Member => "d.committee_id = ?2",
        Role::Facilitator => "COALESCE(c.region, d.region) = ?2",
    };
    let area_param: Option<String> = match device.role {
        Role::Reviewer | Role::Admin => None,
        Role::Member => Some(device.committee_id.map(|c| c.to_string()).unwrap_or_default()),
        Role::Facilitator => Some(device.region.clone().unwrap_or_default()),
    };
    let sql = format!(
        "SELECT {DOC_COLUMNS}, c.region FROM docs d LEFT JOIN committees c ON c.id = d.committee_id
         WHERE {area} AND (d.sensitivity <> 'confidential' OR CAST(?2 AS TEXT) IS NULL
             OR EXISTS (SELECT 1 FROM contributors k WHERE k.doc_id = d.id AND k.device_id = ?1)) ORDER BY d.id"
    );
    let mut differing = Vec::new();
    {
        tx.query_each(
            &sql,
            crate::params![device.device_id.to_string(), area_param],
            |r| -> Result<bool, StoreError> {
                if differing.len() >= limit {
                    return Ok(false);
                }
                let row = log::doc_row(r, 0)??;
                let registry_region: Option<String> = r.get(7)?;
                let contributors = log::contributors_if_confidential(&tx, &row)?;
                if !scope::may_read(device, &row.routing(registry_region, contributors)) {
                    return Ok(true);
                }
                if listed.get(row.id.as_uuid().as_bytes()) != Some(&row.heads) {
                    differing.push(row);
                }
                Ok(true)
            },
        )?;
    }
    let mut missing = Vec::with_capacity(differing.len());
    let mut messages = Vec::with_capacity(differing.len());
    for row in differing {
        let mut doc = log::load_doc(&tx, &row.id)?;
        if let Some(m) = first_message(doc.inner()) {
            messages.push((*row.id.as_uuid().as_bytes(), m));
        }
        missing.push(row.meta());
    }
    // Documents only the device holds: ask for everything, where it may write them;
    // answer a refusal for the others, so the device does not take silence for "same
    // heads" and mark them synced (a committee this server does not know, say).
    let mut results = Vec::new();
    for (meta, _) in &request.docs {
        if messages.len() >= limit {
            break;
        }
        let id = RecordId(uuid::Uuid::from_bytes(meta.id));
        if log::find_doc(&tx, &id)?.is_some() || messages.iter().any(|(m, _)| *m == meta.id) {
            continue;
        }
        let refused = match Target::resolve(&tx, device, meta)? {
            Ok(target) => scope::may_write(device, &target.routing).err().map(|e| e.code()),
            Err(code) => Some(code),
        };
        match refused {
            Some(code) => results.push(push::result(device, meta.id, Err(code))),
            None => {
                if let Some(m) = first_message(&mut automerge::AutoCommit::new()) {
                    messages.push((meta.id, m));
                }
            }
        }
    }
    tx.commit()?;
    Ok(RepairResponse { epoch, cursor, missing, messages, results })
}

fn exchange(
    conn: &mut Conn,
    device: &DeviceScope,
    request: &RepairRequest,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<RepairResponse, StoreError> {
    let tx = conn.transaction(Mode::Write)?;
    let ids: Vec<String> = request.messages.iter().map(|(id, _)| uuid::Uuid::from_bytes(*id).to_string()).collect();
    tx.lock_docs(&ids)?;
    let epoch = store::epoch(&tx)?;
    let cursor = store::last_seq(&tx)?;
    let listed: HashMap<[u8; 16], &DocMeta> = request.docs.iter().map(|(m, _)| (m.id, m)).collect();
    let mut messages = Vec::new();
    let mut results: Vec<PushResult> = Vec::with_capacity(request.messages.len());
    for (id, bytes) in &request.messages {
        let outcome = exchange_one(&tx, device, *id, bytes, listed.get(id).copied(), limits, now)?;
        if let Ok(Some(reply)) = &outcome {
            messages.push((*id, reply.clone()));
        }
        results.push(push::result(device, *id, outcome.map(|_| ())));
    }
    tx.commit()?;
    Ok(RepairResponse { epoch, cursor, missing: Vec::new(), messages, results })
}

/// Receives one message into the server's copy of a document; returns the reply, if
/// the two sides still differ.
#[allow(clippy::too_many_arguments)]
fn exchange_one(
    conn: &Conn,
    device: &DeviceScope,
    id: [u8; 16],
    bytes: &[u8],
    listed: Option<&DocMeta>,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Result<Option<Vec<u8>>, Rejection>, StoreError> {
    let Ok(message) = Message::decode(bytes) else { return Ok(Err(BAD_MESSAGE)) };
    let mut ops = 0u64;
    for chunk in message.changes.iter() {
        match limits::check_changes_with_limits(chunk, &ChangeLimits::SERVER) {
            Ok(stats) => ops = ops.saturating_add(stats.ops),
            Err(e) => return Ok(Err(push::change_check_rejection(&e))),
        }
    }
    if ops > ChangeLimits::SERVER.max_ops {
        return Ok(Err(TOO_LARGE));
    }
    let rid = RecordId(uuid::Uuid::from_bytes(id));
    let stored = log::find_doc(conn, &rid)?;
    if let Some(row) = &stored {
        // Nothing of a document outside the device's scope is answered, not even its heads.
        if !scope::may_read(device, &log::routing(conn, row)?) {
            return Ok(Err(scope::ScopeError::OutsideScope.code()));
        }
    }
    let mut doc = match &stored {
        Some(_) => log::load_doc(conn, &rid)?,
        None => RecordDoc::empty(),
    };
    let before = match (&stored, doc.read()) {
        (None, _) => Before::New,
        (Some(_), Ok(r)) => Before::Readable(std::sync::Arc::new(r)),
        (Some(_), Err(_)) => Before::Unreadable,
    };
    let before_heads = doc.inner().get_heads();
    let mut their_heads = message.heads.clone();
    their_heads.sort();
    let mut state = sync::State::new();
    if doc.inner().sync().receive_sync_message(&mut state, message).is_err() {
        return Ok(Err(MALFORMED));
    }
    let received: Vec<RawChange> = doc.inner().get_changes(&before_heads).into_iter().map(RawChange::of).collect();
    let new = push::only_new(conn, received)?;
    if !new.is_empty() {
        // The device's own description wins; a document new to the server and not
        // listed this round describes itself.
        let meta = match listed.cloned().or_else(|| stored.as_ref().map(log::DocRow::meta)) {
            Some(m) => m,
            None => match meta_from_content(&doc, id) {
                Some(m) => m,
                None => return Ok(Err(UNKNOWN_DOC)),
            },
        };
        let target = match Target::resolve(conn, device, &meta)? {
            Ok(t) => t,
            Err(code) => return Ok(Err(code)),
        };
        if let Err(e) = scope::may_write(device, &target.routing) {
            return Ok(Err(e.code()));
        }
        let authors = match relayed_authors(device, &new) {
            Ok(a) => a,
            Err(code) => return Ok(Err(code)),
        };
        let new_bytes: u64 = new.iter().map(|c| c.bytes.len() as u64).sum();
        let stored_bytes = if stored.is_some() { log::doc_bytes(conn, &rid)? } else { 0 };
        if stored_bytes.saturating_add(new_bytes) > limits.max_doc_bytes as u64 {
            return Ok(Err(TOO_LARGE));
        }
        // Changes waiting for a dependency the device has not sent yet (a bloom filter
        // false positive) are not filed: file what is complete, and the reply's `need`
        // asks for the rest.
        let mut complete = None;
        if !doc.inner().get_missing_deps(&[]).is_empty() {
            let mut whole = target.load(conn)?;
            let bytes: Vec<u8> = new.iter().flat_map(|c| c.bytes.iter().copied()).collect();
            if whole.apply(&bytes).is_err() {
                return Ok(Err(MALFORMED));
            }
            complete = Some(whole);
        }
        let checked = complete.as_mut().unwrap_or(&mut doc);
        let applied = push::Applied::read(checked, new);
        let before = match crate::lineage::with_lineage(conn, device, &target, &applied, before)? {
            Ok(b) => b,
            Err(code) => return Ok(Err(code)),
        };
        let plan = push::evaluate(device, &authors, target, checked, applied, &before)?;
        match plan {
            Ok(plan) => {
                push::file(conn, device, &plan, now)?;
            }
            Err(code) => return Ok(Err(code)),
        }
    }
    let mut ours: Vec<ChangeHash> = doc.inner().get_heads();
    ours.sort();
    if ours == their_heads {
        return Ok(Ok(None));
    }
    let reply = doc.inner().sync().generate_sync_message(&mut state).map(Message::encode);
    Ok(Ok(reply))
}

/// The devices the new changes of a repair speak for: the repairing device only (any
/// actor for an administrator); another actor is `changes.foreign_actor` (module doc).
fn relayed_authors(device: &DeviceScope, new: &[RawChange]) -> Result<Vec<DeviceScope>, Rejection> {
    let own = device.device_id.actor();
    if device.role != Role::Admin && new.iter().any(|c| c.actor != own) {
        return Err(FOREIGN_ACTOR);
    }
    Ok(vec![device.clone()])
}

/// Routing metadata read from a document itself, for one the server has never filed.
fn meta_from_content(doc: &RecordDoc, id: [u8; 16]) -> Option<DocMeta> {
    let header = doc.header().ok()?;
    let record = doc.read().ok()?;
    if *header.id.as_uuid().as_bytes() != id {
        return None;
    }
    let region = match &record.body {
        ccs_core::model::RecordBody::Committee(c) if header.kind == RecordKind::Committee => Some(c.region.clone()),
        _ => None,
    };
    Some(DocMeta {
        id,
        kind: header.kind.code().to_string(),
        committee_id: *header.committee_id.as_uuid().as_bytes(),
        sensitivity: record.effective_sensitivity().code().to_string(),
        region,
    })
}
