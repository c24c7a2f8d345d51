//! Drafts: the state of a form that is not (yet) a valid record. The app autosaves every
//! change here at once, in the encrypted store, so nothing typed is lost when the app is
//! closed or the power fails; a draft becomes the record as soon as it validates, and is
//! then removed. A draft is local to the device: it is never synced.
//!
//! A draft is also where free text waits while it holds a passage that looks like a
//! name or a phone number (DOMAIN.md: no names of informants): a document never
//! forgets, so such text enters it only once the user removed the passage or said it is
//! not one (`acknowledged`).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::model::privacy::Acknowledgement;
use crate::model::{RecordId, RecordKind};

/// A stored draft: the form's fields as JSON, for a new record (`record_id` is `None`)
/// or over an existing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Draft {
    pub id: String,
    pub record_id: Option<RecordId>,
    pub kind: RecordKind,
    /// For a new record, the form's state: the record's fields plus `sensitivity` and,
    /// for a recommendation, `status`. Over an existing record, only the fields the user
    /// changed since `base_heads`. Values may be incomplete or of the wrong type.
    pub body: serde_json::Map<String, serde_json::Value>,
    /// Over an existing record: the heads (hex) the form's changes are relative to.
    /// Empty for a new record, and for a draft saved before drafts kept them.
    pub base_heads: Vec<String>,
    /// Passages the user said are not a name or a phone number.
    pub acknowledged: Vec<Acknowledgement>,
    pub updated_at: DateTime<Utc>,
}

type DraftRow = (String, Option<String>, String, String, String, String, String);

fn row_to_draft(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn parse(row: DraftRow) -> Result<Draft, StoreError> {
    let (id, record_id, kind, body, updated_at, base_heads, acknowledged) = row;
    let corrupt = |what: &str| StoreError::Corrupt(format!("draft {id}: {what}"));
    Ok(Draft {
        record_id: match record_id {
            Some(r) => Some(r.parse().map_err(|_| corrupt("record id"))?),
            None => None,
        },
        kind: kind.parse().map_err(|_| corrupt("kind"))?,
        body: serde_json::from_str(&body).map_err(|_| corrupt("body"))?,
        base_heads: serde_json::from_str(&base_heads).map_err(|_| corrupt("base heads"))?,
        acknowledged: serde_json::from_str(&acknowledged).map_err(|_| corrupt("acknowledged"))?,
        updated_at: DateTime::parse_from_rfc3339(&updated_at).map_err(|_| corrupt("time"))?.with_timezone(&Utc),
        id,
    })
}

const COLUMNS: &str = "id, record_id, kind, body, updated_at, base_heads, acknowledged";

impl Store {
    /// Writes a draft (insert or replace), in one transaction. A record has at most one
    /// draft: saving a second draft for the same record replaces the first.
    pub fn save_draft(&mut self, draft: &Draft) -> Result<(), StoreError> {
        let io = |e: serde_json::Error| StoreError::Io(e.to_string());
        let body = serde_json::to_string(&draft.body).map_err(io)?;
        let base_heads = serde_json::to_string(&draft.base_heads).map_err(io)?;
        let acknowledged = serde_json::to_string(&draft.acknowledged).map_err(io)?;
        let tx = self.conn.transaction()?;
        if let Some(r) = draft.record_id {
            tx.execute("DELETE FROM drafts WHERE record_id = ?1 AND id != ?2", params![r.to_string(), draft.id])?;
        }
        tx.execute(
            "INSERT INTO drafts (id, record_id, kind, body, updated_at, base_heads, acknowledged)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET record_id = excluded.record_id, body = excluded.body,
                 updated_at = excluded.updated_at, base_heads = excluded.base_heads,
                 acknowledged = excluded.acknowledged",
            params![
                draft.id,
                draft.record_id.map(|r| r.to_string()),
                draft.kind.code(),
                body,
                draft.updated_at.to_rfc3339(),
                base_heads,
                acknowledged
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn draft(&self, id: &str) -> Result<Option<Draft>, StoreError> {
        let row = self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM drafts WHERE id = ?1"), [id], row_to_draft)
            .optional()?;
        row.map(parse).transpose()
    }

    /// The pending draft over an existing record, if any.
    pub fn draft_for(&self, record: RecordId) -> Result<Option<Draft>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM drafts WHERE record_id = ?1"),
                [record.to_string()],
                row_to_draft,
            )
            .optional()?;
        row.map(parse).transpose()
    }

    /// Every unfinished form, newest first: records not created yet (forms left
    /// invalid) and edits of existing records that wait in a draft (invalid, or holding
    /// a name). Whether a form became a record before the invalid value was typed
    /// depends on how fast she typed: both are her unfinished work.
    pub fn unfinished_drafts(&self, kind: Option<RecordKind>) -> Result<Vec<Draft>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM drafts WHERE (?1 IS NULL OR kind = ?1) ORDER BY updated_at DESC"
        ))?;
        let rows = stmt.query_map([kind.map(|k| k.code())], row_to_draft)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(parse).collect()
    }

    pub fn delete_draft(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        Ok(())
    }
}
