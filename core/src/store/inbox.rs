//! The inbox « À traiter »: the records waiting for this device's role to decide,
//! across committees and regions, oldest wait first. Read from the projection only
//! (`records.status`, and `review_state`'s `status_since` and
//! `modified_after_approval`: see `projection.rs`), never from the documents, so it
//! stays one indexed query at national scale.
//!
//! What waits for whom (the approval levels of `model::review`):
//! - a facilitator: the submitted records of its own region (it validates or sends
//!   back); none at all when its device has no region;
//! - a reviewer (the CRSS) and an administrator: validated records (to approve),
//!   submitted ones (it may approve them directly, with a reason), and approved records
//!   edited since their approval (to approve again or send back);
//! - a member: nothing (it decides on no one's records).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use super::list::{row_to_summary, RecordSummary, COLUMNS, MAX_PAGE};
use super::projection::stamp;
use super::{Store, StoreError};
use crate::model::*;

/// The inbox's filters; every one optional. `older_than_days`: only records waiting
/// more than that many days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct InboxFilter {
    pub region: Option<String>,
    pub committee_id: Option<CommitteeId>,
    pub kind: Option<RecordKind>,
    /// The record's own date (session, assessment…), from and to, inclusive.
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub older_than_days: Option<u32>,
    /// Page size; 0 means the default of 50.
    pub limit: u32,
    pub offset: u32,
}

/// Why a record waits for this role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum InboxReason {
    /// Submitted by its committee: to validate (facilitator) or approve directly (CRSS).
    Submitted,
    /// Validated by the facilitator: to approve.
    Validated,
    /// Approved, then edited: to approve again or send back.
    ModifiedAfterApproval,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxItem {
    pub summary: RecordSummary,
    pub reason: InboxReason,
    /// Since when the record waits (the decision that set its status, or the first edit
    /// after its approval).
    pub waiting_since: Option<DateTime<Utc>>,
    /// Whole days waited at the time of the query.
    pub waiting_days: i64,
}

/// How many records wait per region (or kind), for the filter chips: counted under
/// every other filter, so a chip says what choosing it would show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxCount {
    /// A region code (empty for records without one) or a kind code.
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    /// Matching records in all pages.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub by_region: Vec<InboxCount>,
    pub by_kind: Vec<InboxCount>,
}

/// Which filter a query leaves out (for the counts of its own chips).
#[derive(PartialEq, Clone, Copy)]
enum Except {
    Nothing,
    Region,
    Kind,
}

/// The WHERE clause of what waits for `role` (in `region` for a facilitator), with
/// `f`'s filters but the one `except` names. `None`: nothing waits for this role.
fn clauses(
    role: Role,
    region: Option<&str>,
    f: &InboxFilter,
    now: DateTime<Utc>,
    except: Except,
) -> Option<(String, Vec<Value>)> {
    let mut c: Vec<&str> =
        vec!["r.id NOT IN (SELECT old_id FROM record_lineage)", "r.status != 'deleted'", "r.read_only = 0"];
    let mut args: Vec<Value> = Vec::new();
    match role {
        Role::Member => return None,
        Role::Facilitator => {
            // A facilitator's device holds only its region, but the rule does not rest
            // on what happens to be on the device.
            c.push("r.status = 'submitted' AND r.region = ?");
            args.push(Value::Text(region?.to_string()));
        }
        Role::Reviewer | Role::Admin => c.push(
            "(r.status IN ('submitted', 'validated') OR (r.status = 'approved' AND w.modified_after_approval = 1))",
        ),
    }
    if except != Except::Region {
        if let Some(r) = &f.region {
            c.push("r.region = ?");
            args.push(Value::Text(r.clone()));
        }
    }
    if except != Except::Kind {
        if let Some(k) = f.kind {
            c.push("r.kind = ?");
            args.push(Value::Text(k.code().into()));
        }
    }
    if let Some(id) = f.committee_id {
        c.push("r.committee_id = ?");
        args.push(Value::Text(id.to_string()));
    }
    if let Some(d) = f.date_from {
        c.push("r.date >= ?");
        args.push(Value::Text(d.to_string()));
    }
    if let Some(d) = f.date_to {
        c.push("r.date <= ?");
        args.push(Value::Text(d.to_string()));
    }
    if let Some(days) = f.older_than_days {
        c.push("w.status_since < ?");
        args.push(Value::Text(stamp(now - chrono::Duration::days(i64::from(days)))));
    }
    Some((format!("WHERE {}", c.join(" AND ")), args))
}

fn reason(status: ReviewStatus) -> InboxReason {
    match status {
        ReviewStatus::Validated => InboxReason::Validated,
        ReviewStatus::Approved => InboxReason::ModifiedAfterApproval,
        _ => InboxReason::Submitted,
    }
}

impl Store {
    /// What waits for this device's role, oldest wait first (see the module doc).
    pub fn inbox(&self, f: &InboxFilter, now: DateTime<Utc>) -> Result<InboxPage, StoreError> {
        let role = self.identity.role;
        let region = self.identity.region.as_deref();
        let limit = match f.limit {
            0 => 50,
            n => n.min(MAX_PAGE),
        };
        let empty = InboxPage { items: vec![], total: 0, offset: f.offset, limit, by_region: vec![], by_kind: vec![] };
        let Some((where_sql, args)) = clauses(role, region, f, now, Except::Nothing) else {
            return Ok(empty);
        };
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM records r LEFT JOIN review_state w ON w.id = r.id {where_sql}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        // Records without a time (none expected once projected) wait longest.
        let sql = format!(
            "SELECT {COLUMNS}, w.status_since FROM records r JOIN documents d ON d.id = r.id
             LEFT JOIN review_state w ON w.id = r.id {where_sql}
             ORDER BY w.status_since IS NOT NULL, w.status_since, r.id LIMIT {limit} OFFSET {}",
            f.offset
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let items = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                let summary = row_to_summary(r)?;
                let since: Option<String> = r.get(18)?;
                Ok((summary, since))
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(summary, since)| {
                let waiting_since = since.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.to_utc());
                let waiting_days = waiting_since.map_or(0, |t| (now - t).num_days().max(0));
                InboxItem { reason: reason(summary.status), summary, waiting_since, waiting_days }
            })
            .collect();
        let by_region = self.inbox_counts(role, region, f, now, Except::Region, "coalesce(r.region, '')")?;
        let by_kind = self.inbox_counts(role, region, f, now, Except::Kind, "r.kind")?;
        Ok(InboxPage { items, total: total as u64, offset: f.offset, limit, by_region, by_kind })
    }

    fn inbox_counts(
        &self,
        role: Role,
        region: Option<&str>,
        f: &InboxFilter,
        now: DateTime<Utc>,
        except: Except,
        key: &str,
    ) -> Result<Vec<InboxCount>, StoreError> {
        let Some((where_sql, args)) = clauses(role, region, f, now, except) else { return Ok(vec![]) };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {key}, count(*) FROM records r LEFT JOIN review_state w ON w.id = r.id {where_sql}
                 GROUP BY 1 ORDER BY 1"
        ))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok(InboxCount { key: r.get(0)?, count: r.get::<_, i64>(1)? as u64 })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
