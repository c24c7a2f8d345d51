//! Compacted copies of documents, so the rules' rebuild of a document
//! ([`crate::log::load_doc`]) loads one saved document plus the few log entries after
//! it instead of replaying its whole history.
//!
//! `doc_snapshots(doc_id, upto_seq, bytes)`: the document saved after applying its log
//! rows up to `upto_seq`, in order. The log stays the truth: a snapshot is a cache that
//! is only ever written from the log itself, in the writer's transaction (so it never
//! runs ahead of what is committed), and no log row is ever removed or rewritten, so an
//! old snapshot plus the rows after it is always the same document. A snapshot that
//! does not load is ignored (the whole log is replayed) and replaced at the next
//! refresh.

use crate::db::Conn;
use crate::store::StoreError;
use ccs_core::doc::RecordDoc;
use ccs_core::model::RecordId;

/// A document gets a new snapshot once this many log entries follow its last one: a
/// rebuild then applies at most this many entries after loading the snapshot.
pub const REFRESH_AFTER: i64 = 8;

/// The document as its log rows make it, starting from its snapshot when it has one.
pub fn load(conn: &Conn, id: &RecordId) -> Result<RecordDoc, StoreError> {
    let key = id.to_string();
    let saved: Option<(i64, Vec<u8>)> =
        conn.query_opt("SELECT upto_seq, bytes FROM doc_snapshots WHERE doc_id = ?1", [&key], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (mut doc, after) = match saved.and_then(|(upto, bytes)| Some((RecordDoc::load_stored(&bytes).ok()?, upto))) {
        Some((doc, upto)) => (doc, upto),
        None => (RecordDoc::empty(), 0),
    };
    conn.query_each(
        "SELECT seq, bytes FROM log WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq",
        crate::params![key, after],
        |row| -> Result<bool, StoreError> {
            let seq: i64 = row.get(0)?;
            let bytes: Vec<u8> = row.get(1)?;
            doc.apply(&bytes).map_err(|e| StoreError::Corrupt(format!("log entry {seq}: {e}")))?;
            Ok(true)
        },
    )?;
    Ok(doc)
}

/// Saves a new snapshot of the document when [`REFRESH_AFTER`] entries or more follow
/// its last one. Run by the writer inside its transaction.
pub fn refresh(conn: &Conn, id: &RecordId) -> Result<bool, StoreError> {
    let key = id.to_string();
    let (behind, last): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM log
         WHERE doc_id = ?1 AND seq > COALESCE((SELECT upto_seq FROM doc_snapshots WHERE doc_id = ?1), 0)",
        [&key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if behind < REFRESH_AFTER {
        return Ok(false);
    }
    let mut doc = load(conn, id)?;
    conn.execute(
        "INSERT INTO doc_snapshots (doc_id, upto_seq, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET upto_seq = excluded.upto_seq, bytes = excluded.bytes",
        crate::params![key, last, doc.save()],
    )?;
    Ok(true)
}
