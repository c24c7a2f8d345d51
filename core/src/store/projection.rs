//! The projection: one row per record in `records` (and `records_fts`) holding what
//! lists, filters, search and indicators need, so that none of them loads a document.
//!
//! The row is a pure function of the document, the reference data and the committee's
//! own row, so replicas holding the same changes hold the same projection.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::documents::{add, timed, Step};
use super::{DocHeaderView, StoreError};
use crate::doc::{DocError, RecordDoc};
use crate::i18n::{Lang, Message};
use crate::model::*;
use crate::reference::ReferenceData;

pub(super) fn doc_error_field(e: &DocError) -> FieldError {
    let message = match e {
        DocError::NewerSchema(v) => Message::new(
            format!(
                "Fiche créée par une version plus récente de l’application (schéma {v}) : conservée, en lecture seule."
            ),
            format!("Record made by a newer version of the app (schema {v}): kept, read-only."),
        ),
        other => Message::new(
            format!("Fiche illisible, conservée telle quelle : {other}"),
            format!("Unreadable record, kept as is: {other}"),
        ),
    };
    FieldError { code: e.code().to_string(), path: String::new(), message }
}

/// Region, cercle and commune codes.
type Location = (Option<String>, Option<String>, Option<String>);

struct Row {
    region: Option<String>,
    cercle: Option<String>,
    commune: Option<String>,
    date: Option<String>,
    title: String,
    title_en: String,
    status: ReviewStatus,
    followup_status: Option<RecommendationStatus>,
    sensitivity: Sensitivity,
    read_only: bool,
    errors: Vec<FieldError>,
    created_by: Option<String>,
    updated_at: String,
    search: String,
    /// Since when the record waits in its current status (see [`review_columns`]).
    status_since: Option<String>,
    modified_after_approval: bool,
}

/// How the inbox's instants are stored: one fixed format, so that text order is time
/// order in SQL.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The inbox's columns of a readable record: since when it waits (the time of the
/// decision that set its status, its creation when none did, or for a record edited
/// after its approval the first edit the approval did not see) and whether it was
/// edited after its approval ([`crate::doc::approval`]). A history that cannot be
/// compared counts as modified: the CRSS looks at it again rather than trusting it.
pub(super) fn review_columns(d: &mut RecordDoc, record: &Record) -> (Option<String>, bool) {
    let since = crate::model::review::latest(&record.review).map_or(record.created_at, |e| e.at);
    match d.approval_diff(record) {
        Ok(Some(a)) if a.modified() => (Some(stamp(a.first_change_at.unwrap_or(a.approved_at))), true),
        Ok(Some(a)) if a.pin_altered => (Some(stamp(a.approved_at)), true),
        Ok(_) => (Some(stamp(since)), false),
        Err(_) => (Some(stamp(since)), true),
    }
}

/// The inbox's row of a record (`review_state`, beside its `records` row).
fn write_review_state(
    tx: &rusqlite::Connection,
    id: &str,
    since: Option<&str>,
    modified: bool,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO review_state (id, status_since, modified_after_approval) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET status_since = excluded.status_since,
            modified_after_approval = excluded.modified_after_approval",
    )?
    .execute(params![id, since, modified])?;
    Ok(())
}

/// Fills the inbox's columns of the records a store held before they existed (the
/// rows listed by the migration in `review_backfill`), then forgets the list: run once
/// when a store is opened after the upgrade.
pub(super) fn backfill_review_columns(conn: &mut rusqlite::Connection) -> Result<usize, StoreError> {
    let ids: Vec<String> = {
        let mut stmt = conn.prepare("SELECT id FROM review_backfill")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
        ids
    };
    if ids.is_empty() {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    for key in &ids {
        let Ok(id) = key.parse::<RecordId>() else { continue };
        let Some(mut d) = super::documents::load(&tx, id)? else { continue };
        if let Ok(record) = d.read() {
            let (since, modified) = review_columns(&mut d, &record);
            write_review_state(&tx, key, since.as_deref(), modified)?;
        }
    }
    tx.execute("DELETE FROM review_backfill", [])?;
    tx.commit()?;
    Ok(ids.len())
}

fn location(tx: &Transaction<'_>, record: &Record, reference: &ReferenceData) -> Result<Location, StoreError> {
    if let RecordBody::Committee(c) = &record.body {
        return Ok((Some(c.region.clone()), c.cercle.clone(), c.commune.clone()));
    }
    if let Some(commune) = record.own_commune().filter(|c| reference.commune(c).is_some()) {
        return Ok((
            reference.region_of(commune).map(|u| u.code.clone()),
            reference.cercle_of(commune).map(|u| u.code.clone()),
            Some(commune.to_string()),
        ));
    }
    committee_location(tx, record.committee_id)
}

fn committee_location(tx: &Transaction<'_>, committee: CommitteeId) -> Result<Location, StoreError> {
    Ok(tx
        .prepare_cached("SELECT region, cercle, commune FROM records WHERE id = ?1 AND kind = 'committee'")?
        .query_row([committee.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .unwrap_or((None, None, None)))
}

/// Rebuilds the projection row of one document.
pub(super) fn project(
    tx: &Transaction<'_>,
    d: &mut RecordDoc,
    hint: Option<&DocHeaderView>,
    reference: &ReferenceData,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let header = header_or(d, hint)?;
    project_derived(tx, d, &header, reference, now, None)
}

/// The document's header, or `hint` (what the sync said of it) when it has none that
/// reads.
pub(super) fn header_or(d: &RecordDoc, hint: Option<&DocHeaderView>) -> Result<DocHeaderView, StoreError> {
    match d.header() {
        Ok(h) => Ok(DocHeaderView::from(h)),
        Err(e) => Ok(hint.cloned().ok_or(e)?),
    }
}

/// What a projection row takes from the document alone, with no database: for a new
/// document it is made on another core while the page's connection writes
/// ([`super::documents::Received`]); the committee's place is read at the write.
pub(super) struct Derived {
    /// The document's header when it reads: read here once, not again by each writer.
    pub(super) header: Option<DocHeaderView>,
    read: Result<Record, DocError>,
    row: Row,
    conflict_count: i64,
    errors_json: String,
    /// The record's kept value ([`super::values`]); `None` when it does not read.
    value: Option<Vec<u8>>,
}

/// The [`Derived`] part of `d`'s row, from `read` when the record was read already.
pub(super) fn derive(
    d: &mut RecordDoc,
    reference: &ReferenceData,
    now: DateTime<Utc>,
    read: Option<Result<Record, DocError>>,
) -> Result<Derived, StoreError> {
    let conflict_count = d.conflicts().len() as i64;
    let read = read.unwrap_or_else(|| d.read());
    let row = match &read {
        Ok(record) => {
            let errors = validate(record, &ValidationContext { today: now.date_naive(), reference });
            let (status_since, modified_after_approval) = review_columns(d, record);
            Row {
                region: None,
                cercle: None,
                commune: None,
                date: record.date().map(|d| d.to_string()),
                title: record.title(Lang::Fr),
                title_en: record.title(Lang::En),
                status: record.review_status(),
                followup_status: match &record.body {
                    RecordBody::Recommendation(r) => Some(r.status()),
                    _ => None,
                },
                sensitivity: record.effective_sensitivity(),
                read_only: false,
                errors,
                created_by: Some(record.created_by.to_string()),
                updated_at: record.updated_at.to_rfc3339(),
                search: record.search_text(),
                status_since,
                modified_after_approval,
            }
        }
        Err(e) => {
            let field = doc_error_field(e);
            Row {
                region: None,
                cercle: None,
                commune: None,
                date: None,
                title: field.message.fr.clone(),
                title_en: field.message.en.clone(),
                status: ReviewStatus::Draft,
                followup_status: None,
                // What cannot be read cannot be judged: treat it as the most sensitive.
                sensitivity: Sensitivity::Confidential,
                read_only: true,
                errors: vec![field],
                created_by: None,
                updated_at: now.to_rfc3339(),
                search: String::new(),
                status_since: None,
                modified_after_approval: false,
            }
        }
    };
    let errors_json = serde_json::to_string(&row.errors).unwrap_or_else(|_| "[]".into());
    let value = match &read {
        Ok(record) => Some(super::values::encode(record)?),
        Err(_) => None,
    };
    let header = d.header().ok().map(DocHeaderView::from);
    Ok(Derived { header, read, row, conflict_count, errors_json, value })
}

/// [`project`] with the document's own part of the row made beforehand when `derived`
/// is given.
pub(super) fn project_derived(
    tx: &Transaction<'_>,
    d: &mut RecordDoc,
    header: &DocHeaderView,
    reference: &ReferenceData,
    now: DateTime<Utc>,
    derived: Option<Derived>,
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let Derived { read, mut row, conflict_count, errors_json, value, .. } = match derived {
        Some(derived) => derived,
        None => derive(d, reference, now, None)?,
    };
    (row.region, row.cercle, row.commune) = match &read {
        Ok(record) => location(tx, record, reference)?,
        Err(_) => committee_location(tx, header.committee_id)?,
    };
    let id = header.id.to_string();
    tx.prepare_cached(
        "INSERT INTO records (id, kind, committee_id, region, cercle, commune, date, title, title_en, status,
            followup_status, sensitivity, read_only, error_count, errors, conflict_count, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, committee_id = excluded.committee_id,
            region = excluded.region, cercle = excluded.cercle, commune = excluded.commune, date = excluded.date,
            title = excluded.title, title_en = excluded.title_en, status = excluded.status,
            followup_status = excluded.followup_status, sensitivity = excluded.sensitivity,
            read_only = excluded.read_only, error_count = excluded.error_count, errors = excluded.errors,
            conflict_count = excluded.conflict_count, created_by = excluded.created_by, updated_at = excluded.updated_at",
    )?
    .execute(params![
            id,
            header.kind.code(),
            header.committee_id.to_string(),
            row.region,
            row.cercle,
            row.commune,
            row.date,
            row.title,
            row.title_en,
            row.status.code(),
            row.followup_status.map(|s| s.code()),
            row.sensitivity.code(),
            row.read_only,
            row.errors.len() as i64,
            errors_json,
            conflict_count,
            row.created_by,
            row.updated_at
    ])?;
    write_review_state(tx, &id, row.status_since.as_deref(), row.modified_after_approval)?;
    super::values::write(tx, &id, value)?;
    add(Step::Projection, started.elapsed());
    // The indicators' tallies follow the projection in the same transaction.
    timed(Step::Indicators, || super::indicators::refresh(tx, header, read.as_ref().ok(), Some(now)))?;
    // The search row shares the record row's rowid (stable under the upsert above), so
    // it is replaced by a direct lookup rather than a scan of the index.
    timed(Step::Search, || -> Result<(), StoreError> {
        let rowid: i64 =
            tx.prepare_cached("SELECT rowid FROM records WHERE id = ?1")?.query_row([&id], |r| r.get(0))?;
        tx.prepare_cached("DELETE FROM records_fts WHERE rowid = ?1")?.execute([rowid])?;
        tx.prepare_cached("INSERT INTO records_fts (rowid, id, title, body) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![rowid, id, row.title, row.search])?;
        Ok(())
    })?;
    if header.kind == RecordKind::Committee {
        // Records that take their place from their committee follow it.
        tx.execute(
            "UPDATE records SET region = ?2, cercle = ?3, commune = ?4
             WHERE committee_id = ?1 AND kind IN ('session', 'recommendation')",
            params![id, row.region, row.cercle, row.commune],
        )?;
    }
    Ok(())
}
