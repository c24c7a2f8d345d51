//! What a sync sets aside so that nothing stops a device's sync for good:
//! - **quarantine**: a received log entry this device cannot apply (corrupt bytes,
//!   missing dependencies, a document whose header contradicts its id, anything the
//!   merge fails on) is kept here with its reason code, while the rest of its page
//!   merges and the cursor moves on (see [`Store::apply_sync_page`]);
//! - **refusals**: a document the server refused is remembered with the heads it refused
//!   and the reason, and is not resent until those heads change (a local edit or a
//!   merge), its committee's registry entry arrives, or [`REFUSAL_RETRY`] has passed
//!   (some refusals depend on the server's state, which the device cannot see).
//!
//! Not here: deciding what a response means (`sync::plan`) or saying it in French
//! (`app`).

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use super::{DocHeaderView, Store, StoreError};
use crate::doc;
use crate::model::*;

/// How long a refused document is held back when nothing about it changed: a refusal
/// that depended on the server (a registry restored from an old backup, a scope fixed
/// by the administrator) is tried again once a day, not on every sync.
pub const REFUSAL_RETRY: chrono::Duration = chrono::Duration::hours(24);

/// A received entry kept aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedEntry {
    pub doc_id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    /// Why it could not be applied: a stable code (`doc.corrupt`, `doc.malformed`,
    /// `changes.missing_deps`, `sync.entry_panicked`, ...).
    pub code: String,
    /// The technical detail, for support.
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// A document the server refused, at the heads it refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedDoc {
    pub id: RecordId,
    pub heads: Vec<ChangeHash>,
    pub code: String,
    pub at: DateTime<Utc>,
}

/// Whether a dirty document at `heads` is held back by its refusal: it is, while it
/// still has the refused heads and the refusal is recent. Pure, so the rule is a table.
pub fn held_back(refusal: &RefusedDoc, heads: &[ChangeHash], now: DateTime<Utc>) -> bool {
    doc::encode_heads(&refusal.heads) == doc::encode_heads(heads) && now - refusal.at < REFUSAL_RETRY
}

pub(super) fn quarantine(
    conn: &Connection,
    server: &str,
    hint: &DocHeaderView,
    bytes: &[u8],
    code: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<QuarantinedEntry, StoreError> {
    conn.execute(
        "INSERT INTO sync_quarantine (server, doc_id, kind, committee_id, bytes, code, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            server,
            hint.id.to_string(),
            hint.kind.code(),
            hint.committee_id.to_string(),
            bytes,
            code,
            detail,
            now.to_rfc3339()
        ],
    )?;
    Ok(QuarantinedEntry {
        doc_id: hint.id,
        kind: hint.kind,
        committee_id: hint.committee_id,
        code: code.to_string(),
        detail: detail.to_string(),
        at: now,
    })
}

pub(super) fn remember_refusal(
    conn: &Connection,
    id: RecordId,
    heads: &[ChangeHash],
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sync_refusals (id, heads, code, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET heads = excluded.heads, code = excluded.code, at = excluded.at",
        params![id.to_string(), doc::encode_heads(heads), code, now.to_rfc3339()],
    )?;
    Ok(())
}

pub(super) fn forget_refusal(conn: &Connection, id: RecordId) -> Result<(), StoreError> {
    conn.execute("DELETE FROM sync_refusals WHERE id = ?1", [id.to_string()])?;
    Ok(())
}

/// A committee's registry entry arrived or changed: what the server refused for that
/// committee may be accepted now (the refusal was often "committee unknown").
/// Returns how many refusals were released.
pub(super) fn forget_refusals_of_committee(conn: &Connection, committee: CommitteeId) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM sync_refusals WHERE id IN (SELECT id FROM documents WHERE committee_id = ?1)",
        [committee.to_string()],
    )?)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("sync bookkeeping time {s}")))
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("sync bookkeeping {what}")))
}

impl Store {
    /// Every received entry kept aside, oldest first.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT doc_id, kind, committee_id, code, detail, at FROM sync_quarantine ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, kind, committee, code, detail, at)| {
                Ok(QuarantinedEntry {
                    doc_id: parse(&id, "document id")?,
                    kind: parse(&kind, "kind")?,
                    committee_id: parse(&committee, "committee id")?,
                    code,
                    detail,
                    at: parse_time(&at)?,
                })
            })
            .collect()
    }

    /// Every remembered refusal.
    pub fn refused_docs(&self) -> Result<Vec<RefusedDoc>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, heads, code, at FROM sync_refusals ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, heads, code, at)| {
                Ok(RefusedDoc {
                    id: parse(&id, "document id")?,
                    heads: doc::decode_heads(&heads)?,
                    code,
                    at: parse_time(&at)?,
                })
            })
            .collect()
    }

    /// The refused documents still held back now (dirty, unchanged since the refusal,
    /// refused recently): shown as refused, not as waiting, and not sent.
    pub fn held_back(&self, now: DateTime<Utc>) -> Result<Vec<RefusedDoc>, StoreError> {
        let mut out = Vec::new();
        for refusal in self.refused_docs()? {
            let Ok((heads, acked)) = self.heads(refusal.id) else { continue };
            if heads != acked && held_back(&refusal, &heads, now) {
                out.push(refusal);
            }
        }
        Ok(out)
    }

    /// The dirty documents to send in a sync now: every dirty document but those held
    /// back by a refusal.
    pub fn to_push(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>, StoreError> {
        let held: std::collections::HashSet<RecordId> = self.held_back(now)?.into_iter().map(|r| r.id).collect();
        Ok(self.dirty()?.into_iter().map(|h| h.id).filter(|id| !held.contains(id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap() + chrono::Duration::hours(hours)
    }

    #[rstest]
    #[case::unchanged_and_recent(&[1], &[1], 0, 1, true)]
    #[case::unchanged_same_heads_in_another_order(&[1, 2], &[2, 1], 0, 1, true)]
    #[case::edited_since(&[1], &[3], 0, 1, false)]
    #[case::merged_since(&[1], &[1, 4], 0, 1, false)]
    #[case::unchanged_but_a_day_old(&[1], &[1], 0, 24, false)]
    fn a_refused_document_waits_for_a_change_or_a_day(
        #[case] refused: &[u8],
        #[case] now_heads: &[u8],
        #[case] refused_at: i64,
        #[case] now: i64,
        #[case] expected: bool,
    ) {
        let hashes = |ns: &[u8]| ns.iter().map(|n| ChangeHash([*n; 32])).collect::<Vec<_>>();
        let r = RefusedDoc {
            id: RecordId(uuid::Uuid::nil()),
            heads: hashes(refused),
            code: "scope.outside".into(),
            at: at(refused_at),
        };
        assert_eq!(held_back(&r, &hashes(now_heads), at(now)), expected);
    }
}
