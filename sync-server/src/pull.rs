//! Answering a pull: the log entries after a device's cursor that it may read, oldest
//! first, one page at a time.
//!
//! The scope filter is done in SQL, starting from the documents a member or facilitator
//! may see, so a member's pull reads its committee's entries and not the whole log; each
//! row is then checked again with [`scope::may_read`], the one rule both sides share. The
//! page is chosen on entry sizes (`length(bytes)` reads no change bytes) and only the
//! chosen entries' bytes are read: memory is one page, never the log.
//!
//! Everything is read in one transaction, so the log's end and the entries come from the
//! same snapshot: the cursor handed back never skips an entry committed meanwhile.

use crate::db::{Conn, Mode};
use ccs_core::model::Role;
use ccs_core::sync::scope::{self, DeviceScope};
use ccs_core::sync::wire::LogEntry;

use crate::log::{self, DOC_COLUMNS};
use crate::store::{self, StoreError};

/// One page of entries for a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub entries: Vec<LogEntry>,
    /// Each entry's document number on this log, in the entries' order (frame format 3
    /// sends them beside the entries).
    pub numbers: Vec<u64>,
    /// The last sequence number examined, skipped entries included.
    pub cursor: u64,
    pub more: bool,
}

/// The entries after `cursor` in `device`'s scope, excluding its own pushes, up to
/// `page_bytes` of change bytes (always at least one entry when any is waiting).
pub fn page(conn: &mut Conn, device: &DeviceScope, cursor: u64, page_bytes: usize) -> Result<Page, StoreError> {
    let tx = conn.transaction(Mode::Read)?;
    let end = store::last_seq(&tx)?;
    if cursor >= end {
        return Ok(Page { entries: Vec::new(), numbers: Vec::new(), cursor, more: false });
    }
    let mut sql = query(device.role);
    if tx.kind() == crate::db::Kind::Postgres {
        // CROSS JOIN … ON is SQLite's way to fix the loop order; PostgreSQL's planner
        // picks it from the indexes.
        sql = sql.replace("CROSS JOIN", "JOIN");
    }
    let area: Option<String> = match device.role {
        Role::Reviewer | Role::Admin => None,
        Role::Member => Some(device.committee_id.map(|c| c.to_string()).unwrap_or_default()),
        Role::Facilitator => Some(device.region.clone().unwrap_or_default()),
    };
    let mut chosen = Vec::new();
    let mut total = 0usize;
    let mut more = false;
    {
        let params = crate::params![
            i64::try_from(cursor).unwrap_or(i64::MAX),
            i64::try_from(end).unwrap_or(i64::MAX),
            device.device_id.to_string(),
            area,
        ];
        tx.query_each(&sql, params, |r| -> Result<bool, StoreError> {
            let seq: i64 = r.get(0)?;
            let len: i64 = r.get(1)?;
            let doc = log::doc_row(r, 2)??;
            let registry_region: Option<String> = r.get(9)?;
            let number: Option<i64> = r.get(10)?;
            let contributors = log::contributors_if_confidential(&tx, &doc)?;
            if !scope::may_read(device, &doc.routing(registry_region, contributors)) {
                // The SQL filter and the shared rule disagree: trust the rule.
                tracing::warn!(doc = %doc.id, seq, "entry filtered by may_read after the SQL scope filter");
                return Ok(true);
            }
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if !chosen.is_empty() && total.saturating_add(len) > page_bytes {
                more = true;
                return Ok(false);
            }
            total = total.saturating_add(len);
            chosen.push((seq, doc.meta(), number.and_then(|n| u64::try_from(n).ok()).unwrap_or(0)));
            Ok(true)
        })?;
    }
    let cursor = match (more, chosen.last()) {
        (true, Some((seq, _, _))) => u64::try_from(*seq).unwrap_or(cursor),
        _ => end,
    };
    let mut entries = Vec::with_capacity(chosen.len());
    let mut numbers = Vec::with_capacity(chosen.len());
    for (seq, meta, number) in chosen {
        let changes: Vec<u8> = tx.query_row("SELECT bytes FROM log WHERE seq = ?1", [seq], |r| r.get(0))?;
        entries.push(LogEntry { seq: u64::try_from(seq).unwrap_or(0), meta, changes });
        numbers.push(number);
    }
    tx.commit()?;
    Ok(Page { entries, numbers, cursor, more })
}

/// The page query for a role: `?1` cursor, `?2` log end, `?3` device, `?4` its area
/// (committee or region; NULL for reviewers and admins).
fn query(role: Role) -> String {
    let select = format!("SELECT l.seq, length(l.bytes), {DOC_COLUMNS}, c.region, d.number");
    let own = "l.seq > ?1 AND l.seq <= ?2 AND l.origin_device <> ?3";
    // A confidential record goes beyond reviewers and admins only to its contributors.
    let confidential = "(d.sensitivity <> 'confidential'
        OR EXISTS (SELECT 1 FROM contributors k WHERE k.doc_id = d.id AND k.device_id = ?3))";
    // CROSS JOIN fixes the loop order in SQLite. A member's pull reads its committee's
    // entries after the cursor from one index range (`log_committee`): its cost follows
    // what it returns, not the committee's size. A facilitator's goes from the documents
    // of its region to their entries (`log_doc`): a committee may move to another region,
    // so the region is not kept beside each entry. Neither scans the log.
    match role {
        Role::Reviewer | Role::Admin => format!(
            "{select} FROM log l JOIN docs d ON d.id = l.doc_id LEFT JOIN committees c ON c.id = d.committee_id
             WHERE {own} AND CAST(?4 AS TEXT) IS NULL ORDER BY l.seq"
        ),
        Role::Member => format!(
            "{select} FROM log l CROSS JOIN docs d ON d.id = l.doc_id LEFT JOIN committees c ON c.id = d.committee_id
             WHERE l.committee_id = ?4 AND d.committee_id = ?4 AND {own} AND {confidential} ORDER BY l.seq"
        ),
        Role::Facilitator => format!(
            "{select} FROM docs d LEFT JOIN committees c ON c.id = d.committee_id CROSS JOIN log l ON l.doc_id = d.id
             WHERE COALESCE(c.region, d.region) = ?4 AND {own} AND {confidential} ORDER BY l.seq"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(role: Role) -> String {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let conn = store.conn().unwrap();
        let none = crate::db::Value::Null;
        let rows = conn
            .query_map(
                &format!("EXPLAIN QUERY PLAN {}", query(role)),
                [none.clone(), none.clone(), none.clone(), none],
                |r| r.get::<String>(3),
            )
            .unwrap();
        rows.join("\n")
    }

    /// A member's pull reads its committee's entries after the cursor from one index
    /// range, and a facilitator's goes from its region's documents to their entries:
    /// neither walks the whole log, and a member's never walks its committee's documents.
    #[test]
    fn member_and_facilitator_pulls_do_not_scan_the_log() {
        for role in [Role::Member, Role::Facilitator] {
            assert!(!plan(role).contains("SCAN l"), "{role}: {}", plan(role));
        }
        let member = plan(Role::Member);
        assert!(member.contains("SEARCH l USING INDEX log_committee (committee_id=? AND seq>? AND seq<?)"), "{member}");
        assert!(!member.contains("docs_committee") && !member.contains("SCAN d"), "{member}");
        assert!(!member.contains("TEMP B-TREE"), "the index gives the order: {member}");
        assert!(plan(Role::Facilitator).contains("SEARCH l USING INDEX log_doc"), "{}", plan(Role::Facilitator));
    }
}
