//! Proof that a record was sent: whether the server acknowledged the record as this
//! device holds it now, and when it did.
//!
//! The acknowledgement is the sync bookkeeping itself (`documents.acked_heads` against
//! `heads`); its time is kept in `sync_receipts` by a trigger on `acked_heads` (schema
//! migration 8), so every path that records an acknowledgement (a sync page, a repair)
//! stamps it without knowing this file exists. The trigger reads SQLite's clock: the
//! time the acknowledgement was written on this device, which is the time it arrived.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::RecordId;

/// What a record page says about sending: « Envoyée le …, reçue par le serveur ».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Delivery {
    /// The server has never acknowledged this record: made here and not sent yet.
    NotSent,
    /// The server acknowledged the record as it is now. `at` is unknown for an
    /// acknowledgement written before this version.
    Received { at: Option<DateTime<Utc>> },
    /// A version was acknowledged (`at`), changes made since wait for the next sync.
    ChangesWaiting { at: Option<DateTime<Utc>> },
}

/// A document's heads, acknowledged heads, and its receipt (time, heads) if any.
type DeliveryRow = (Vec<u8>, Vec<u8>, Option<String>, Option<Vec<u8>>);

impl Store {
    /// Where the record stands with the server, from the acknowledged heads.
    pub fn delivery(&self, id: RecordId) -> Result<Delivery, StoreError> {
        let row: Option<DeliveryRow> = self
            .conn
            .query_row(
                "SELECT d.heads, d.acked_heads, r.at, r.heads
                 FROM documents d LEFT JOIN sync_receipts r ON r.id = d.id WHERE d.id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((heads, acked, at, receipt_heads)) = row else {
            return Err(StoreError::RecordNotFound(id.to_string()));
        };
        if acked.is_empty() {
            return Ok(Delivery::NotSent);
        }
        // A receipt of other heads than those acknowledged now is not this
        // acknowledgement's time.
        let at = match (at, receipt_heads) {
            (Some(at), Some(h)) if h == acked => DateTime::parse_from_rfc3339(&at).ok().map(|t| t.with_timezone(&Utc)),
            _ => None,
        };
        Ok(if heads == acked { Delivery::Received { at } } else { Delivery::ChangesWaiting { at } })
    }
}
