//! The store's side of exports (see `crate::export`): the scan that hands the exporter
//! the ids of the records of one kind matching a filter, one at a time, and the log of
//! every export made on this device.
//!
//! The scan is one read of the projection: the statement stays open while the exporter
//! loads each document in turn, so the export sees one consistent snapshot (WAL) and
//! never holds more than one record in memory. Ordered by date then id, the order an
//! analyst reads a sheet in.
//!
//! The log holds what was exported (format, filters, counts, what was included, the
//! file's name), never the exported data: it stays in the encrypted store anyway, but a
//! log that copied the data would be a second export.

use chrono::NaiveDate;
use rusqlite::{params, params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::model::*;

/// Which records of one kind an export reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportScan {
    pub kind: Option<RecordKind>,
    pub region: Option<String>,
    pub committee_id: Option<CommitteeId>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    /// Any of these review statuses; empty: any (deleted records never).
    pub statuses: Vec<ReviewStatus>,
    /// Whether records whose effective sensitivity is `confidential` are read (an
    /// unreadable document counts as confidential: what cannot be read cannot be judged).
    pub confidential: bool,
}

impl ExportScan {
    fn where_clause(&self) -> (String, Vec<Value>) {
        // Replaced records are exported as their history-free copy, deleted ones never.
        let mut clauses = vec!["r.status != 'deleted'", "r.id NOT IN (SELECT old_id FROM record_lineage)"];
        let mut args = Vec::new();
        if let Some(k) = self.kind {
            clauses.push("r.kind = ?");
            args.push(Value::Text(k.code().into()));
        }
        if let Some(r) = &self.region {
            clauses.push("r.region = ?");
            args.push(Value::Text(r.clone()));
        }
        if let Some(c) = self.committee_id {
            clauses.push("r.committee_id = ?");
            args.push(Value::Text(c.to_string()));
        }
        if let Some(d) = self.date_from {
            clauses.push("r.date >= ?");
            args.push(Value::Text(d.to_string()));
        }
        if let Some(d) = self.date_to {
            clauses.push("r.date <= ?");
            args.push(Value::Text(d.to_string()));
        }
        if !self.statuses.is_empty() {
            clauses.push("r.status IN (SELECT value FROM json_each(?))");
            let codes: Vec<&str> = self.statuses.iter().map(|s| s.code()).collect();
            args.push(Value::Text(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into())));
        }
        if !self.confidential {
            clauses.push("r.sensitivity != 'confidential'");
        }
        (clauses.join(" AND "), args)
    }
}

/// A record an export scan found: its id and where the projection files it (a session
/// or a recommendation takes its place from its committee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    pub id: RecordId,
    pub region: Option<String>,
    pub cercle: Option<String>,
    pub commune: Option<String>,
}

/// One line of the export log as stored: the typed view is `crate::export::ExportLogEntry`
/// (the store keeps the filters and counts as the JSON the exporter gave it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLogRow {
    pub at: String,
    pub device: DeviceId,
    pub role: Role,
    pub format: String,
    pub filters: String,
    pub counts: String,
    pub included: String,
    pub file_name: String,
    /// `written`, or the error code of a refused or failed export.
    pub outcome: String,
}

impl Store {
    /// Calls `each` with every record matching `scan` (its id and where the projection
    /// files it), by date then id, while one read of the projection stays open. Stops at
    /// the first error of `each`.
    pub fn export_scan<E: From<StoreError>>(
        &self,
        scan: &ExportScan,
        mut each: impl FnMut(Scanned) -> Result<(), E>,
    ) -> Result<(), E> {
        let (where_sql, args) = scan.where_clause();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT r.id, r.region, r.cercle, r.commune FROM records r WHERE {where_sql} ORDER BY r.date, r.id"
            ))
            .map_err(StoreError::from)?;
        let mut rows = stmt.query(params_from_iter(args.iter())).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let id: String = row.get(0).map_err(StoreError::from)?;
            let id: RecordId = id.parse().map_err(|_| StoreError::Corrupt(format!("record id `{id}`")))?;
            each(Scanned {
                id,
                region: row.get(1).map_err(StoreError::from)?,
                cercle: row.get(2).map_err(StoreError::from)?,
                commune: row.get(3).map_err(StoreError::from)?,
            })?;
        }
        Ok(())
    }

    /// How many records match `scan`.
    pub fn export_count(&self, scan: &ExportScan) -> Result<u64, StoreError> {
        let (where_sql, args) = scan.where_clause();
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM records r WHERE {where_sql}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// The names of the committees this device holds, by id (a few hundred at national
    /// scale): the sheets name a record's committee.
    pub fn committee_names(&self) -> Result<std::collections::HashMap<CommitteeId, String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, title FROM records WHERE kind = 'committee'")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, name) = row?;
            if let Ok(id) = id.parse() {
                out.insert(id, name);
            }
        }
        Ok(out)
    }

    /// Appends one line to the export log.
    pub fn log_export(&mut self, row: &ExportLogRow) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO export_log (at, device, role, format, filters, counts, included, file_name, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                row.at,
                row.device.to_string(),
                row.role.code(),
                row.format,
                row.filters,
                row.counts,
                row.included,
                row.file_name,
                row.outcome
            ],
        )?;
        Ok(())
    }

    /// The export log, newest first, at most `limit` lines.
    pub fn export_log(&self, limit: u32) -> Result<Vec<ExportLogRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, device, role, format, filters, counts, included, file_name, outcome
             FROM export_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::from(limit)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                ExportLogRow {
                    at: String::new(),
                    device: DeviceId::default(),
                    role: Role::Member,
                    format: r.get(3)?,
                    filters: r.get(4)?,
                    counts: r.get(5)?,
                    included: r.get(6)?,
                    file_name: r.get(7)?,
                    outcome: r.get(8)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, device, role, mut entry) = row?;
            entry.at = at;
            entry.device = device.parse().map_err(|_| StoreError::Corrupt(format!("device id `{device}`")))?;
            entry.role = role.parse().map_err(|_| StoreError::Corrupt(format!("role `{role}`")))?;
            out.push(entry);
        }
        Ok(out)
    }
}
