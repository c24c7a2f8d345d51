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

use std::collections::HashMap;

use automerge::sync::{self, Message, SyncDoc};
use automerge::ChangeHash;
use ccs_core::doc::{check_changes, RecordDoc};
use ccs_core::model::{RecordId, RecordKind, Role};
use ccs_core::sync::scope::{self, DeviceScope};
use ccs_core::sync::wire::{DocMeta, PushResult, RepairRequest, RepairResponse};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use crate::log::{self, RawChange, DOC_COLUMNS};
use crate::push::{self, Rejection, Target, MALFORMED};
use crate::store::{self, StoreError};

pub const BAD_MESSAGE: Rejection = "repair.bad_message";
pub const UNKNOWN_DOC: Rejection = "repair.unknown_doc";

/// Answers one repair round of `device`.
pub fn round(
    conn: &mut Connection,
    device: &DeviceScope,
    request: &RepairRequest,
    docs_per_round: usize,
    now: DateTime<Utc>,
) -> Result<RepairResponse, StoreError> {
    if request.messages.is_empty() {
        first_round(conn, device, request, docs_per_round)
    } else {
        exchange(conn, device, request, now)
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
    conn: &mut Connection,
    device: &DeviceScope,
    request: &RepairRequest,
    limit: usize,
) -> Result<RepairResponse, StoreError> {
    let tx = conn.transaction()?;
    let epoch = store::epoch(&tx)?;
    let cursor = store::last_seq(&tx)?;
    let listed: HashMap<[u8; 16], Vec<u8>> = request.docs.iter().map(|(m, h)| (m.id, sorted_heads(h))).collect();

    // The server's documents in scope that the device lacks or holds at other heads.
    let area = match device.role {
        Role::Reviewer | Role::Admin => "?2 IS NULL",
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
         WHERE {area} AND (d.sensitivity <> 'confidential' OR d.author_device = ?1 OR ?2 IS NULL) ORDER BY d.id"
    );
    let mut differing = Vec::new();
    {
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params![device.device_id.to_string(), area_param])?;
        while let Some(r) = rows.next()? {
            if differing.len() >= limit {
                break;
            }
            let row = log::doc_row(r, 0)??;
            let registry_region: Option<String> = r.get(7)?;
            if !scope::may_read(device, &row.routing(registry_region)) {
                continue;
            }
            if listed.get(row.id.as_uuid().as_bytes()) != Some(&row.heads) {
                differing.push(row);
            }
        }
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
    conn: &mut Connection,
    device: &DeviceScope,
    request: &RepairRequest,
    now: DateTime<Utc>,
) -> Result<RepairResponse, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let epoch = store::epoch(&tx)?;
    let cursor = store::last_seq(&tx)?;
    let listed: HashMap<[u8; 16], &DocMeta> = request.docs.iter().map(|(m, _)| (m.id, m)).collect();
    let mut messages = Vec::new();
    let mut results: Vec<PushResult> = Vec::with_capacity(request.messages.len());
    for (id, bytes) in &request.messages {
        let outcome = exchange_one(&tx, device, *id, bytes, listed.get(id).copied(), now)?;
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
fn exchange_one(
    conn: &Connection,
    device: &DeviceScope,
    id: [u8; 16],
    bytes: &[u8],
    listed: Option<&DocMeta>,
    now: DateTime<Utc>,
) -> Result<Result<Option<Vec<u8>>, Rejection>, StoreError> {
    let Ok(message) = Message::decode(bytes) else { return Ok(Err(BAD_MESSAGE)) };
    if message.changes.iter().any(|chunk| check_changes(chunk).is_err()) {
        return Ok(Err(MALFORMED));
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
    let before_heads = doc.inner().get_heads();
    let before_review = push::review_trail(&doc);
    let mut their_heads = message.heads.clone();
    their_heads.sort();
    let mut state = sync::State::new();
    if doc.inner().sync().receive_sync_message(&mut state, message).is_err() {
        return Ok(Err(MALFORMED));
    }
    let received: Vec<RawChange> = doc
        .inner()
        .get_changes(&before_heads)
        .into_iter()
        .map(|c| RawChange { hash: c.hash(), bytes: c.raw_bytes().to_vec() })
        .collect();
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
        // Changes waiting for a dependency the device has not sent yet (a bloom filter
        // false positive) are not filed: file what is complete, and the reply's `need`
        // asks for the rest.
        let outcome = if doc.inner().get_missing_deps(&[]).is_empty() {
            push::admit(conn, device, &target, &mut doc, before_review, &new, now)?
        } else {
            let mut complete = target.load(conn)?;
            let bytes: Vec<u8> = new.iter().flat_map(|c| c.bytes.iter().copied()).collect();
            if complete.apply(&bytes).is_err() {
                return Ok(Err(MALFORMED));
            }
            push::admit(conn, device, &target, &mut complete, before_review, &new, now)?
        };
        if let Err(code) = outcome {
            return Ok(Err(code));
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
