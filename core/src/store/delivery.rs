//! Proof that a record was sent: whether the server acknowledged the record as this
//! device holds it now, and when it did.
//!
//! The acknowledgement is the sync bookkeeping itself (`documents.acked_heads` against
//! `heads`); its time is kept in `sync_receipts` by the two writes that record a
//! server's acknowledgement of what this device sent ([`stamp`]: a sync page or a
//! repair, and `mark_acked`). A merge that only brings a colleague's changes is no
//! receipt: it used to be stamped by a trigger on every `acked_heads` write (migration
//! 9, dropped by 10), which cost a row per merged document (ccs-bench: a page of 500
//! merged in 1.3 s with it, 0.9 s without). The time is SQLite's clock: when the
//! acknowledgement was written on this device, which is when it arrived.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use rusqlite::{params, Connection};

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
    /// The record as it is now went in an up-bundle exported at `at` (« remis au relais
    /// le … »); the server has not acknowledged it yet.
    Relayed { at: DateTime<Utc> },
}

/// A document's heads, acknowledged heads, and its receipt (time, heads) if any.
type DeliveryRow = (Vec<u8>, Vec<u8>, Option<String>, Option<Vec<u8>>);

/// Records that the server acknowledged `heads` of `id` now.
pub(super) fn stamp(conn: &Connection, id: RecordId, heads: &[u8]) -> Result<(), StoreError> {
    if heads.is_empty() {
        return Ok(());
    }
    conn.execute(
        "INSERT OR REPLACE INTO sync_receipts (id, heads, at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        params![id.to_string(), heads],
    )?;
    Ok(())
}

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
        if heads != acked {
            if let Some(at) = super::relay::relayed_at(&self.conn, id, &heads)? {
                return Ok(Delivery::Relayed { at });
            }
        }
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
