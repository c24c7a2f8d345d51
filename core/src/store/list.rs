//! Lists, filters, pagination and counts, read from the projection only.

use chrono::NaiveDate;
use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{declassify, Store, StoreError};
use crate::model::*;

/// Largest page a caller may ask for.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ListFilter {
    pub kind: Option<RecordKind>,
    pub committee_id: Option<CommitteeId>,
    pub region: Option<String>,
    pub commune: Option<String>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub status: Option<ReviewStatus>,
    /// Any of these statuses (with `status`, both must hold).
    pub statuses: Vec<ReviewStatus>,
    /// Full-text search over titles and free text; every word must match (as a prefix).
    pub text: Option<String>,
    /// Only records with validation errors, conflicts or that cannot be read.
    pub flagged_only: bool,
    /// Page size; 0 means the default of 50.
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecordSummary {
    pub id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    pub region: Option<String>,
    pub cercle: Option<String>,
    pub commune: Option<String>,
    pub date: Option<String>,
    pub title: String,
    pub title_en: String,
    pub status: ReviewStatus,
    pub followup_status: Option<RecommendationStatus>,
    pub sensitivity: Sensitivity,
    pub read_only: bool,
    pub error_count: u32,
    pub conflict_count: u32,
    pub updated_at: String,
    /// Changes not yet acknowledged by the server.
    pub dirty: bool,
    /// The history-free copy that replaced this record (see `store::declassify`).
    pub superseded_by: Option<RecordId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Page {
    pub items: Vec<RecordSummary>,
    /// Matching records in all pages.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

/// Turns user text into an FTS5 query: each word quoted (so no FTS syntax can be
/// injected) and matched as a prefix.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| format!("\"{w}\"*")).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub(super) const COLUMNS: &str =
    "r.id, r.kind, r.committee_id, r.region, r.cercle, r.commune, r.date, r.title, r.title_en,
    r.status, r.followup_status, r.sensitivity, r.read_only, r.error_count, r.conflict_count, r.updated_at,
    d.heads != d.acked_heads, (SELECT l.new_id FROM record_lineage l WHERE l.old_id = r.id)";

pub(super) fn row_to_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordSummary> {
    fn parse<T: std::str::FromStr>(s: String, i: usize) -> rusqlite::Result<T> {
        s.parse().map_err(|_| rusqlite::Error::InvalidColumnType(i, s, rusqlite::types::Type::Text))
    }
    Ok(RecordSummary {
        id: parse(r.get(0)?, 0)?,
        kind: parse(r.get(1)?, 1)?,
        committee_id: parse(r.get(2)?, 2)?,
        region: r.get(3)?,
        cercle: r.get(4)?,
        commune: r.get(5)?,
        date: r.get(6)?,
        title: r.get(7)?,
        title_en: r.get(8)?,
        status: parse(r.get(9)?, 9)?,
        followup_status: match r.get::<_, Option<String>>(10)? {
            Some(s) => Some(parse(s, 10)?),
            None => None,
        },
        sensitivity: parse(r.get(11)?, 11)?,
        read_only: r.get(12)?,
        error_count: r.get(13)?,
        conflict_count: r.get(14)?,
        updated_at: r.get(15)?,
        dirty: r.get(16)?,
        superseded_by: match r.get::<_, Option<String>>(17)? {
            Some(s) => Some(parse(s, 17)?),
            None => None,
        },
    })
}

/// `replaced`: whether records replaced by a history-free copy are listed too.
pub(super) fn list(conn: &Connection, f: &ListFilter, replaced: bool) -> Result<Page, StoreError> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if !replaced {
        clauses.push("r.id NOT IN (SELECT old_id FROM record_lineage)");
    }
    // A deleted record (a tombstone) is listed only when asked for by its status.
    if f.status != Some(ReviewStatus::Deleted) && !f.statuses.contains(&ReviewStatus::Deleted) {
        clauses.push("r.status != 'deleted'");
    }
    if let Some(k) = f.kind {
        clauses.push("r.kind = ?");
        args.push(Value::Text(k.code().into()));
    }
    if let Some(c) = f.committee_id {
        clauses.push("r.committee_id = ?");
        args.push(Value::Text(c.to_string()));
    }
    if let Some(r) = &f.region {
        clauses.push("r.region = ?");
        args.push(Value::Text(r.clone()));
    }
    if let Some(c) = &f.commune {
        clauses.push("r.commune = ?");
        args.push(Value::Text(c.clone()));
    }
    if let Some(d) = f.date_from {
        clauses.push("r.date >= ?");
        args.push(Value::Text(d.to_string()));
    }
    if let Some(d) = f.date_to {
        clauses.push("r.date <= ?");
        args.push(Value::Text(d.to_string()));
    }
    if let Some(s) = f.status {
        clauses.push("r.status = ?");
        args.push(Value::Text(s.code().into()));
    }
    if !f.statuses.is_empty() {
        clauses.push("r.status IN (SELECT value FROM json_each(?))");
        let codes: Vec<&str> = f.statuses.iter().map(|s| s.code()).collect();
        args.push(Value::Text(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into())));
    }
    if f.flagged_only {
        clauses.push("(r.error_count > 0 OR r.conflict_count > 0 OR r.read_only)");
    }
    if let Some(text) = &f.text {
        match fts_query(text) {
            Some(q) => {
                clauses.push("r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)");
                args.push(Value::Text(q));
            }
            // Only punctuation: nothing can match.
            None if !text.trim().is_empty() => clauses.push("0"),
            None => {}
        }
    }
    let where_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let limit = match f.limit {
        0 => 50,
        n => n.min(MAX_PAGE),
    };
    let total: i64 =
        conn.query_row(&format!("SELECT count(*) FROM records r {where_sql}"), params_from_iter(args.iter()), |r| {
            r.get(0)
        })?;
    let sql = format!(
        "SELECT {COLUMNS} FROM records r JOIN documents d ON d.id = r.id {where_sql}
         ORDER BY r.date DESC, r.id DESC LIMIT {limit} OFFSET {}",
        // Records without a date come last: SQLite sorts NULL lowest, so last in DESC.
        // (An explicit `date IS NULL` term kept the date indexes from giving the order.)
        f.offset
    );
    let mut stmt = conn.prepare(&sql)?;
    let items = stmt.query_map(params_from_iter(args.iter()), row_to_summary)?.collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, total: total as u64, offset: f.offset, limit })
}

pub(super) fn summary(conn: &Connection, id: RecordId) -> Result<RecordSummary, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM records r JOIN documents d ON d.id = r.id WHERE r.id = ?1"),
        [id.to_string()],
        row_to_summary,
    )
    .optional()?
    .ok_or_else(|| StoreError::RecordNotFound(id.to_string()))
}

pub(super) fn counts(conn: &Connection) -> Result<Vec<(RecordKind, ReviewStatus, u64)>, StoreError> {
    let mut stmt =
        // A record replaced by its copy is counted once, as the copy.
        conn.prepare(
            "SELECT kind, status, count(*) FROM records WHERE id NOT IN (SELECT old_id FROM record_lineage) AND status != 'deleted'
             GROUP BY kind, status ORDER BY kind, status",
        )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().filter_map(|(k, s, n)| Some((k.parse().ok()?, s.parse().ok()?, n as u64))).collect())
}

impl Store {
    /// Lists records from the projection only.
    pub fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        list(&self.conn, filter, declassify::sees_replaced(self.identity.role))
    }

    /// Counts per kind and review status, from the projection.
    pub fn counts(&self) -> Result<Vec<(RecordKind, ReviewStatus, u64)>, StoreError> {
        counts(&self.conn)
    }

    /// The projection row of a record, as stored (for checks and tests).
    pub fn summary(&self, id: RecordId) -> Result<RecordSummary, StoreError> {
        summary(&self.conn, id)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_query_quotes_every_word() {
        assert_eq!(fts_query("Goundam marché").as_deref(), Some("\"Goundam\"* \"marché\"*"));
        assert_eq!(fts_query("\"x\" OR y*").as_deref(), Some("\"x\"* \"OR\"* \"y\"*"));
        assert_eq!(fts_query("  -- "), None);
    }
}
