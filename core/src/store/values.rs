//! Each record's current value, kept beside its projection row (`record_values`).
//!
//! An export writes every field of every record in scope; reading 100,000 Automerge
//! documents for it costs far more than the file. The projection already reads each
//! document when it changes, in the transaction that stores it, so it keeps the record it
//! read too: the hydrated [`Record`] as JSON, deflated. A reader gets exactly what
//! [`Store::record`] would have read at that moment, or nothing, and then reads the
//! document: a store made before this table, a record whose document does not read, a
//! value written under another model schema, or one that does not decode.

use std::io::Read;

use flate2::read::DeflateDecoder;
use rusqlite::{params, OptionalExtension, Transaction};

use super::{Store, StoreError};
use crate::model::{Record, RecordId, SCHEMA_VERSION};

/// The kept value of `record`: its JSON, deflated.
pub(super) fn encode(record: &Record) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(record).map_err(|e| StoreError::Corrupt(format!("record {}: {e}", record.id)))?;
    Ok(crate::deflate::append(Vec::with_capacity(json.len() / 3), &json, crate::deflate::Level::Fast))
}

/// Keeps the value of record `id` ([`encode`]), or drops it for a document that does
/// not read (`None`).
pub(super) fn write(tx: &Transaction<'_>, id: &str, value: Option<Vec<u8>>) -> Result<(), StoreError> {
    let Some(value) = value else {
        tx.prepare_cached("DELETE FROM record_values WHERE id = ?1")?.execute([id])?;
        return Ok(());
    };
    tx.prepare_cached(
        "INSERT INTO record_values (id, schema, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET schema = excluded.schema, value = excluded.value",
    )?
    .execute(params![id, SCHEMA_VERSION as i64, value])?;
    Ok(())
}

/// Largest value inflated: a record is a few KB; a value past this is damage.
const MAX_VALUE_BYTES: u64 = 16 * 1024 * 1024;

impl Store {
    /// The record as its document read when last stored, without loading the document;
    /// `None` when there is no usable value (the caller reads the document).
    pub fn record_value(&self, id: RecordId) -> Result<Option<Record>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT schema, value FROM record_values WHERE id = ?1")?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((schema, value)) = row else { return Ok(None) };
        if schema != SCHEMA_VERSION as i64 {
            return Ok(None);
        }
        let mut json = Vec::new();
        if DeflateDecoder::new(value.as_slice()).take(MAX_VALUE_BYTES).read_to_end(&mut json).is_err() {
            return Ok(None);
        }
        // A value under another record's id (a damaged or tampered row) is not this one.
        Ok(serde_json::from_slice::<Record>(&json).ok().filter(|r| r.id == id))
    }

    /// Forgets every kept value: exports read the documents again until each record is
    /// next written. For a damaged table, and for `ccs-bench`, which measures an export
    /// both ways in one run.
    pub fn clear_record_values(&mut self) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM record_values", [])?)
    }

    /// The record for an export: its kept value, else its document.
    pub fn record_for_export(&self, id: RecordId) -> Result<Record, StoreError> {
        match self.record_value(id)? {
            Some(r) => Ok(r),
            None => self.record(id),
        }
    }
}
