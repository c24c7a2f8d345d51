//! The append-only change log and the document rows it is filed under.
//!
//! - `docs`: one row per document: its routing metadata (kind, committee, sensitivity,
//!   author device, and for committee records their region) and its current heads.
//! - `log`: one row per accepted document per request: the concatenated raw bytes of
//!   the changes that were new to the server, with the pushing device as origin. Its
//!   `seq` is what device cursors count. A document's sensitivity never goes down
//!   ([`crate::push`] refuses it), so no entry ever has to carry a history to devices
//!   that were not allowed to see it before.
//! - `contributors`: per document, the enrolled devices whose changes it holds (the
//!   pushing devices, and the enrolled actors of changes an admin import or a repair
//!   relayed): who wrote a confidential record ([`ccs_core::sync::scope`]).
//! - `change_hashes`: every stored change by hash, so a replayed push stores nothing
//!   twice.
//!
//! Invariant: the changes of a document's log rows, applied in `seq` order, never miss
//! a dependency (a push whose changes would leave the document with missing
//! dependencies is refused), so a device that applies its pages in order always holds
//! complete documents.

use crate::db::{Conn, Optional};
use automerge::{ActorId, Change, ChangeHash};
use ccs_core::doc::{self, RecordDoc};
use ccs_core::model::{CommitteeId, DeviceId, RecordId, RecordKind, Sensitivity};
use ccs_core::sync::scope::DocRouting;
use ccs_core::sync::wire::DocMeta;

use crate::committees;
use crate::store::{self, StoreError};

/// A stored document row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    pub id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    pub sensitivity: Sensitivity,
    /// For committee records: the region their pushes carried.
    pub region: Option<String>,
    pub author: DeviceId,
    /// Sorted heads, as [`ccs_core::doc::encode_heads`] writes them.
    pub heads: Vec<u8>,
}

impl DocRow {
    pub fn meta(&self) -> DocMeta {
        DocMeta {
            id: *self.id.as_uuid().as_bytes(),
            kind: self.kind.code().to_string(),
            committee_id: *self.committee_id.as_uuid().as_bytes(),
            sensitivity: self.sensitivity.code().to_string(),
            region: self.region.clone(),
        }
    }

    /// Routing for the scope rules; `registry_region` is the committee's region in the
    /// registry, which wins over the region a committee record carried.
    pub fn routing(&self, registry_region: Option<String>, contributors: Vec<DeviceId>) -> DocRouting {
        DocRouting {
            kind: self.kind,
            committee_id: self.committee_id,
            region: registry_region.or_else(|| self.region.clone()),
            sensitivity: self.sensitivity,
            contributors,
        }
    }
}

/// The columns [`doc_row`] reads, in order, for queries that select a document row.
pub const DOC_COLUMNS: &str = "d.id, d.kind, d.committee_id, d.sensitivity, d.region, d.author_device, d.heads";

/// Reads a document row selected with [`DOC_COLUMNS`] starting at column `at`.
pub fn doc_row(r: &crate::db::Row, at: usize) -> crate::db::Result<Result<DocRow, StoreError>> {
    let id: String = r.get(at)?;
    let kind: String = r.get(at + 1)?;
    let committee: String = r.get(at + 2)?;
    let sensitivity: String = r.get(at + 3)?;
    let region: Option<String> = r.get(at + 4)?;
    let author: String = r.get(at + 5)?;
    let heads: Vec<u8> = r.get(at + 6)?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("document {id}: bad {what}"));
    Ok((|| {
        Ok(DocRow {
            id: id.parse().map_err(|_| corrupt("id"))?,
            kind: RecordKind::from_code(&kind).ok_or_else(|| corrupt("kind"))?,
            committee_id: committee.parse().map_err(|_| corrupt("committee"))?,
            sensitivity: Sensitivity::from_code(&sensitivity).ok_or_else(|| corrupt("sensitivity"))?,
            region,
            author: author.parse().map_err(|_| corrupt("author"))?,
            heads,
        })
    })())
}

/// The stored row of a document, if any.
pub fn find_doc(conn: &Conn, id: &RecordId) -> Result<Option<DocRow>, StoreError> {
    let sql = format!("SELECT {DOC_COLUMNS} FROM docs d WHERE d.id = ?1");
    conn.query_row(&sql, [id.to_string()], |r| doc_row(r, 0)).optional()?.transpose()
}

/// The routing of a stored document, with the registry's region for its committee.
pub fn routing(conn: &Conn, row: &DocRow) -> Result<DocRouting, StoreError> {
    Ok(row.routing(committees::region_of(conn, &row.committee_id)?, contributors(conn, &row.id)?))
}

/// The devices whose changes a document holds.
pub fn contributors(conn: &Conn, id: &RecordId) -> Result<Vec<DeviceId>, StoreError> {
    let rows = conn.query_map(
        "SELECT device_id FROM contributors WHERE doc_id = ?1 ORDER BY device_id",
        [id.to_string()],
        |r| r.get::<String>(0),
    )?;
    let mut out = Vec::new();
    for text in rows {
        out.push(text.parse().map_err(|_| StoreError::Corrupt(format!("document {id}: bad contributor {text:?}")))?);
    }
    Ok(out)
}

/// The contributors a row's scope check needs: only a confidential record's are ever
/// consulted ([`ccs_core::sync::scope::may_read`]), so a pull reads no others.
pub fn contributors_if_confidential(conn: &Conn, row: &DocRow) -> Result<Vec<DeviceId>, StoreError> {
    if row.sensitivity == Sensitivity::Confidential {
        contributors(conn, &row.id)
    } else {
        Ok(Vec::new())
    }
}

/// Records `devices` as contributors of a document; devices that are not enrolled are
/// skipped (a device id that only appears in a change's actor must not become a
/// reader when someone later enrolls under that id).
pub fn add_contributors(conn: &Conn, id: &RecordId, devices: &[DeviceId]) -> Result<(), StoreError> {
    for d in devices {
        conn.execute(
            "INSERT INTO contributors (doc_id, device_id)
             SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM devices WHERE id = ?2) ON CONFLICT DO NOTHING",
            [id.to_string(), d.to_string()],
        )?;
    }
    Ok(())
}

/// Bytes of a document's stored changes, for the per-document size cap.
pub fn doc_bytes(conn: &Conn, id: &RecordId) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT CAST(COALESCE(SUM(length(bytes)), 0) AS BIGINT) FROM log WHERE doc_id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Rebuilds a document from its log rows. Memory is one document, never the log. On
/// SQLite from its compacted snapshot on, when it has one ([`crate::snapshots`], kept by
/// the writer).
pub fn load_doc(conn: &Conn, id: &RecordId) -> Result<RecordDoc, StoreError> {
    if conn.kind() == crate::db::Kind::Sqlite {
        return crate::snapshots::load(conn, id);
    }
    let mut doc = RecordDoc::empty();
    // On PostgreSQL in insertion order: a document's rows are inserted one writer at a
    // time under its lock, and the last ones may not be numbered yet.
    let rows = conn.query_map("SELECT id, bytes FROM log WHERE doc_id = ?1 ORDER BY id", [id.to_string()], |row| {
        Ok((row.get::<i64>(0)?, row.get::<Vec<u8>>(1)?))
    })?;
    for (seq, bytes) in rows {
        doc.apply(&bytes).map_err(|e| StoreError::Corrupt(format!("log entry {seq}: {e}")))?;
    }
    Ok(doc)
}

/// One Automerge change: its hash, its author (actor), its raw bytes as filed, and the
/// change as parsed once (applied as it is: parsing again cost a third of applying).
pub struct RawChange {
    pub hash: ChangeHash,
    pub actor: ActorId,
    /// The changes it depends on (kept from the one parse: parsing hashes the bytes).
    pub deps: Vec<ChangeHash>,
    pub bytes: Vec<u8>,
    pub change: Change,
}

impl RawChange {
    pub fn of(change: Change) -> RawChange {
        let bytes = change.raw_bytes().to_vec();
        RawChange::parsed(change, bytes)
    }

    fn parsed(change: Change, bytes: Vec<u8>) -> RawChange {
        RawChange { hash: change.hash(), actor: change.actor_id().clone(), deps: change.deps().to_vec(), bytes, change }
    }
}

/// A push's bytes split into changes.
pub struct Split {
    pub changes: Vec<RawChange>,
    /// The document itself when the push was one saved document (the app sends
    /// changes; a tool may send a whole record): loading it is how its changes were
    /// found, and it is the document applying them onto an empty one would make.
    pub whole: Option<doc::RecordDoc>,
}

/// Splits pushed bytes (within the caps of [`ccs_core::doc::limits::check_bounds_with_limits`])
/// into individual changes, parsing every chunk strictly: a chunk Automerge does not
/// accept (a bad checksum, a document whose heads do not match its changes) fails the
/// whole split. A saved-document chunk is loaded and opened into its changes.
pub fn split_push(bytes: &[u8]) -> Result<Split, doc::DocError> {
    let chunks = doc::split_chunks(bytes)?;
    let single = chunks.len() == 1;
    let mut out = Split { changes: Vec::new(), whole: None };
    for (kind, chunk) in chunks {
        if kind == 0 {
            let mut whole = doc::RecordDoc::load(chunk)?;
            out.changes.extend(whole.inner().get_changes(&[]).into_iter().map(RawChange::of));
            if single {
                out.whole = Some(whole);
            }
        } else {
            out.changes.push(RawChange::parsed(doc::parse_change(chunk)?, chunk.to_vec()));
        }
    }
    Ok(out)
}

/// Whether the server already stored a change.
pub fn has_change(conn: &Conn, hash: &ChangeHash) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT EXISTS (SELECT 1 FROM change_hashes WHERE hash = ?1)", [hash.0.as_slice()], |r| r.get(0))?)
}

/// What an accepted document writes.
pub struct Accepted<'a> {
    /// The routing metadata to file it under (sensitivity as the server settled it).
    pub meta: &'a DocMeta,
    pub kind: RecordKind,
    pub sensitivity: Sensitivity,
    pub heads: &'a [ChangeHash],
    pub changes: &'a [RawChange],
    pub origin: DeviceId,
}

/// Files an accepted document: its row (created with `origin` as author, or updated),
/// one log row with the new changes, and their hashes.
pub fn append(conn: &Conn, a: &Accepted<'_>, now: chrono::DateTime<chrono::Utc>) -> Result<Appended, StoreError> {
    let id = RecordId(uuid::Uuid::from_bytes(a.meta.id)).to_string();
    let committee = CommitteeId(uuid::Uuid::from_bytes(a.meta.committee_id)).to_string();
    let region = if a.kind == RecordKind::Committee { a.meta.region.clone() } else { None };
    let at = store::timestamp(now);
    let number: Option<i64> = conn.query_row(
        "INSERT INTO docs (id, kind, committee_id, sensitivity, region, author_device, heads, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (id) DO UPDATE SET sensitivity = excluded.sensitivity,
             region = COALESCE(excluded.region, docs.region), heads = excluded.heads, updated_at = excluded.updated_at
         RETURNING number",
        crate::params![
            id,
            a.kind.code(),
            committee,
            a.sensitivity.code(),
            region,
            a.origin.to_string(),
            doc::encode_heads(a.heads),
            at,
        ],
        |r| r.get(0),
    )?;
    // SQLite numbers a new row in a trigger that runs after the insert has returned.
    let number = match number {
        Some(n) => n,
        None => {
            conn.query_row("SELECT number FROM docs WHERE id = ?1", [&id], |r| r.get::<Option<i64>>(0))?.unwrap_or(0)
        }
    };
    let bytes: Vec<u8> = a.changes.iter().flat_map(|c| c.bytes.iter().copied()).collect();
    // On PostgreSQL the row's cursor number is given after commit (the sequencer in
    // `db::postgres`): what is returned there is its insertion id.
    let seq: i64 = conn.query_row(
        conn.pick(
            "INSERT INTO log (doc_id, origin_device, bytes, at, committee_id) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING seq",
            "INSERT INTO log (doc_id, origin_device, bytes, at, committee_id) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING id",
        ),
        crate::params![id, a.origin.to_string(), bytes, at, committee],
        |r| r.get(0),
    )?;
    let insert_hash = conn.pick(
        "INSERT INTO change_hashes (hash, seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        "INSERT INTO change_hashes (hash, log_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    );
    for change in a.changes {
        conn.execute(insert_hash, crate::params![change.hash.0.as_slice(), seq])?;
    }
    Ok(Appended { seq: seq.max(0) as u64, number: number.max(0) as u64 })
}

/// What [`append`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    /// The log row: its cursor number on SQLite, its insertion id on PostgreSQL (see
    /// `db::postgres`'s sequencer).
    pub seq: u64,
    /// The document's number on this log (frame format 3).
    pub number: u64,
}

/// The number on this log of document `id` (frame format 3); `None` when it is not filed.
pub fn number_of(conn: &Conn, id: &RecordId) -> Result<Option<u64>, StoreError> {
    let number: Option<Option<i64>> =
        conn.query_opt("SELECT number FROM docs WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
    Ok(number.flatten().and_then(|n| u64::try_from(n).ok()))
}
