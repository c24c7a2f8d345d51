//! Exports of the records this device holds, for the analysts of the CRSS: XLSX (one
//! sheet per kind, « Filtres » first) or CSV (one file per kind), French headers and
//! value labels, streamed from the store.
//!
//! - `redaction`: what an export may carry, a pure function of role and request;
//! - `sheets`: the columns of each sheet and the rows a record becomes;
//! - `indicators`: the « Indicateurs » sheet, from `crate::report` for the same filter;
//! - `xlsx`, `csv`: the two writers behind one [`Sink`];
//! - `staged`: temporary files renamed into place only when everything was written.
//!
//! Architecture invariants: an export reads records one at a time from one scan of the
//! projection (never all in memory); every export, written, refused or failed, is
//! logged in the store (never its data); what was left out is stated in the file and
//! in the summary. No SQL here (`store::export_log` holds it), no clock (`now` is
//! passed in).

pub mod csv;
pub mod indicators;
pub mod redaction;
pub mod sheets;
mod staged;
pub mod xlsx;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::i18n::{Lang, Message};
use crate::model::*;
use crate::store::{ExportLogRow, ExportScan, Store, StoreError};
pub use redaction::Included;
use sheets::{Cell, Column, Place, RowContext, SheetKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn code(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
}

/// Which records an export takes: the list's filters that make sense for a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
pub struct ExportFilter {
    /// Empty: every kind.
    pub kinds: Vec<RecordKind>,
    /// A region code of the reference data.
    pub region: Option<String>,
    pub committee_id: Option<CommitteeId>,
    /// The period, on the date a record is filed under (a session's date, a
    /// recommendation's `made_on`, …), both ends included. Not applied to the committee
    /// registry, which is reference data.
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    /// Any of these review statuses (e.g. `approved` only); empty: any but deleted. Not
    /// applied to the committee registry either.
    pub statuses: Vec<ReviewStatus>,
}

impl ExportFilter {
    /// The kinds asked, in the order of the sheets, each once.
    pub fn kinds(&self) -> Vec<RecordKind> {
        RecordKind::ALL.iter().copied().filter(|k| self.kinds.is_empty() || self.kinds.contains(k)).collect()
    }
}

/// An export as the user asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub format: ExportFormat,
    #[serde(default)]
    pub filter: ExportFilter,
    /// What to include beyond the default (see `redaction`).
    #[serde(default)]
    pub include: Included,
}

/// How many records (and rows: an assessment is a row per threat) went into a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct KindCount {
    pub kind: RecordKind,
    pub records: u64,
    pub rows: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LeftOutWhat {
    ConfidentialRecords,
    NamedAttendance,
    FreeText,
    /// Documents this version cannot read (a newer schema, a damaged body).
    Unreadable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LeftOutWhy {
    /// The role may see them but the user did not ask.
    NotAsked,
    /// The role may not export them.
    RoleMayNot,
    /// This version cannot read them.
    CannotRead,
}

/// Something the export left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LeftOut {
    pub what: LeftOutWhat,
    pub why: LeftOutWhy,
    /// Records (or, for named attendance, people) left out; none for free text.
    pub count: Option<u64>,
    /// For free text: the columns left out.
    pub columns: Vec<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportSummary {
    pub format: ExportFormat,
    pub at: DateTime<Utc>,
    /// The files written, full paths (one for XLSX, one per sheet for CSV).
    pub files: Vec<String>,
    pub counts: Vec<KindCount>,
    pub filter: ExportFilter,
    pub included: Included,
    pub left_out: Vec<LeftOut>,
}

/// One line of the export log, as the export screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportLogEntry {
    pub at: String,
    pub device: DeviceId,
    pub role: Role,
    pub format: String,
    pub filter: ExportFilter,
    pub counts: Vec<KindCount>,
    pub included: Included,
    /// The file's name, without its folder.
    pub file_name: String,
    /// `written`, or the code of a refused or failed export.
    pub outcome: String,
}

/// Why an export did not happen. Nothing is left at the destination either way.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{code}: {detail}")]
    Refused { code: ErrorCode, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExportError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> ExportError {
        ExportError::Refused { code, detail: detail.into() }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ExportError::Refused { code, .. } => *code,
            ExportError::Store(e) => e.code(),
        }
    }

    /// The code's sentence with the detail (a path, a filter) in brackets.
    pub fn message(&self) -> Message {
        match self {
            ExportError::Refused { code, detail } => code.message_with(detail),
            ExportError::Store(e) => e.code().message_with(&e.to_string()),
        }
    }
}

/// Where rows go: an XLSX workbook or CSV files.
pub trait Sink {
    /// Starts a sheet and writes its header row.
    fn begin(&mut self, name: &'static str, slug: &'static str, columns: &[Column]) -> Result<(), ExportError>;
    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError>;
    fn end(&mut self) -> Result<(), ExportError>;
    /// Writes everything out and renames the files into place; returns their paths.
    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>, ExportError>;
}

const FILTERS_SHEET: &str = "Filtres";
const INDICATORS_SHEET: &str = "Indicateurs";

/// A table for a front sheet (the indicators): columns and rows, written as they are.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// Exports what `request` asks into `dest` with the « Indicateurs » sheet for the same
/// filter, and logs it (see [`export`]). What the app and `ccs export` call.
pub fn run(
    store: &mut Store,
    request: &ExportRequest,
    dest: &Path,
    now: DateTime<Utc>,
) -> Result<ExportSummary, ExportError> {
    let filter = indicators::filter_of(&request.filter, now.date_naive());
    // A refused request is refused as such, not as a failed indicator.
    let table = match redaction::plan(store.identity().role, request.include) {
        Ok(_) => Some(indicators::table(&store.indicators(&filter, &crate::report::IndicatorParams::new(now))?)),
        Err(_) => None,
    };
    export(store, request, dest, table.as_ref(), now)
}

/// Exports what `request` asks into `dest` and logs it, written, refused or failed.
/// `indicators`, when given, becomes the « Indicateurs » sheet (XLSX) or file (CSV).
pub fn export(
    store: &mut Store,
    request: &ExportRequest,
    dest: &Path,
    indicators: Option<&Table>,
    now: DateTime<Utc>,
) -> Result<ExportSummary, ExportError> {
    let result = write(store, request, dest, indicators, now);
    let identity = store.identity().clone();
    let (counts, outcome) = match &result {
        Ok(s) => (s.counts.clone(), "written".to_string()),
        Err(e) => (Vec::new(), e.code().as_str().to_string()),
    };
    let row = ExportLogRow {
        at: now.to_rfc3339(),
        device: identity.device_id,
        role: identity.role,
        format: request.format.code().into(),
        filters: serde_json::to_string(&request.filter).unwrap_or_default(),
        counts: serde_json::to_string(&counts).unwrap_or_default(),
        included: serde_json::to_string(&request.include).unwrap_or_default(),
        file_name: dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        outcome,
    };
    if let Err(e) = store.log_export(&row) {
        // An export nobody can account for is not left behind.
        if let Ok(s) = &result {
            for f in &s.files {
                let _ = std::fs::remove_file(f);
            }
        }
        return Err(e.into());
    }
    result
}

/// The export log, newest first.
pub fn log(store: &Store, limit: u32) -> Result<Vec<ExportLogEntry>, StoreError> {
    Ok(store
        .export_log(limit)?
        .into_iter()
        .map(|r| ExportLogEntry {
            at: r.at,
            device: r.device,
            role: r.role,
            format: r.format,
            filter: serde_json::from_str(&r.filters).unwrap_or_default(),
            counts: serde_json::from_str(&r.counts).unwrap_or_default(),
            included: serde_json::from_str(&r.included).unwrap_or_default(),
            file_name: r.file_name,
            outcome: r.outcome,
        })
        .collect())
}

fn check_filter(store: &Store, f: &ExportFilter) -> Result<(), ExportError> {
    let bad = |d: String| Err(ExportError::new(ErrorCode::ExportBadFilter, d));
    if let (Some(a), Some(b)) = (f.date_from, f.date_to) {
        if a > b {
            return bad(format!("{a} > {b}"));
        }
    }
    if let Some(r) = &f.region {
        if store.reference().region(r).is_none() {
            return bad(format!("region `{r}`"));
        }
    }
    if f.statuses.contains(&ReviewStatus::Deleted) {
        return bad("deleted".into());
    }
    Ok(())
}

fn scan_of(f: &ExportFilter, kind: RecordKind, confidential: bool) -> ExportScan {
    let registry = kind == RecordKind::Committee;
    ExportScan {
        kind: Some(kind),
        region: f.region.clone(),
        committee_id: f.committee_id,
        date_from: if registry { None } else { f.date_from },
        date_to: if registry { None } else { f.date_to },
        statuses: if registry { vec![] } else { f.statuses.clone() },
        confidential,
    }
}

/// Writes one sheet, keeping only the columns in `keep`.
fn sheet_rows(sink: &mut dyn Sink, keep: &[bool], cells: Vec<Cell>) -> Result<(), ExportError> {
    let kept: Vec<Cell> = cells.into_iter().zip(keep).filter(|(_, k)| **k).map(|(c, _)| c).collect();
    sink.row(&kept)
}

fn write(
    store: &Store,
    request: &ExportRequest,
    dest: &Path,
    indicators: Option<&Table>,
    now: DateTime<Utc>,
) -> Result<ExportSummary, ExportError> {
    let role = store.identity().role;
    let included = redaction::plan(role, request.include).map_err(|code| ExportError::new(code, role.code()))?;
    check_filter(store, &request.filter)?;
    if dest.file_name().is_none() || dest.is_dir() {
        return Err(ExportError::new(ErrorCode::ExportDestination, dest.display().to_string()));
    }
    let mut front = vec![FILTERS_SHEET];
    if indicators.is_some() {
        front.push(INDICATORS_SHEET);
    }
    let mut sink: Box<dyn Sink> = match request.format {
        ExportFormat::Xlsx => Box::new(xlsx::XlsxSink::new(dest, &front)?),
        ExportFormat::Csv => Box::new(csv::CsvSink::new(dest)?),
    };
    let committees = store.committee_names()?;
    let ctx =
        RowContext { committees: &committees, reference: store.reference(), thresholds: LevelThresholds::default() };

    let kinds = request.filter.kinds();
    let mut counts = Vec::new();
    let mut confidential_out = 0u64;
    let mut unreadable = 0u64;
    let mut names_out = 0u64;
    let mut free_columns: Vec<String> = Vec::new();
    for kind in &kinds {
        let sheet = SheetKind::Records(*kind);
        let columns = sheets::columns(sheet);
        let keep = sheets::kept(&columns, included.free_text);
        for c in columns.iter().filter(|c| c.free_text.is_some() && !included.free_text) {
            free_columns.push(format!("{} : {}", sheet.name(), c.header));
        }
        let kept_columns: Vec<Column> =
            columns.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.clone()).collect();
        sink.begin(sheet.name(), sheet.slug(), &kept_columns)?;
        let scan = scan_of(&request.filter, *kind, included.confidential);
        if !included.confidential {
            confidential_out +=
                store.export_count(&scan_of(&request.filter, *kind, true))? - store.export_count(&scan)?;
        }
        let mut count = KindCount { kind: *kind, records: 0, rows: 0 };
        store.export_scan(&scan, |found| -> Result<(), ExportError> {
            let record = match store.record_for_export(found.id) {
                Ok(r) => r,
                Err(StoreError::ReadOnly(_) | StoreError::Doc(_)) => {
                    unreadable += 1;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            };
            // The projection row said so; the record is checked again, as it is what
            // gets written (its kept value, written with the document it was read from).
            if !included.confidential && record.effective_sensitivity() == Sensitivity::Confidential {
                confidential_out += 1;
                return Ok(());
            }
            if let RecordBody::Workshop(w) = &record.body {
                if !included.named_attendance {
                    names_out += w.attendees.len() as u64;
                }
            }
            let place = Place { region: found.region, cercle: found.cercle, commune: found.commune };
            for row in sheets::rows(&record, &place, &ctx) {
                sheet_rows(sink.as_mut(), &keep, row)?;
                count.rows += 1;
            }
            count.records += 1;
            Ok(())
        })?;
        sink.end()?;
        counts.push(count);
    }
    if included.named_attendance && kinds.contains(&RecordKind::Workshop) {
        // A second pass over the workshops: the people are a sheet of their own.
        let columns = sheets::columns(SheetKind::Attendees);
        sink.begin(SheetKind::Attendees.name(), SheetKind::Attendees.slug(), &columns)?;
        let scan = scan_of(&request.filter, RecordKind::Workshop, true);
        store.export_scan(&scan, |found| -> Result<(), ExportError> {
            if let Ok(record) = store.record_for_export(found.id) {
                for row in sheets::attendee_rows(&record) {
                    sink.row(&row)?;
                }
            }
            Ok(())
        })?;
        sink.end()?;
    }

    let mut left_out = Vec::new();
    let role_may = redaction::may_export_confidential(role);
    let why = if role_may { LeftOutWhy::NotAsked } else { LeftOutWhy::RoleMayNot };
    if !included.confidential {
        left_out.push(LeftOut {
            what: LeftOutWhat::ConfidentialRecords,
            why,
            count: Some(confidential_out),
            columns: vec![],
        });
    }
    if !included.named_attendance {
        left_out.push(LeftOut { what: LeftOutWhat::NamedAttendance, why, count: Some(names_out), columns: vec![] });
    }
    if !included.free_text {
        left_out.push(LeftOut {
            what: LeftOutWhat::FreeText,
            why: LeftOutWhy::NotAsked,
            count: None,
            columns: free_columns,
        });
    }
    if unreadable > 0 {
        left_out.push(LeftOut {
            what: LeftOutWhat::Unreadable,
            why: LeftOutWhy::CannotRead,
            count: Some(unreadable),
            columns: vec![],
        });
    }

    if let Some(table) = indicators {
        sink.begin(INDICATORS_SHEET, "indicateurs", &table.columns)?;
        for row in &table.rows {
            sink.row(row)?;
        }
        sink.end()?;
    }
    let mut summary = ExportSummary {
        format: request.format,
        at: now,
        files: vec![],
        counts,
        filter: request.filter.clone(),
        included,
        left_out,
    };
    let columns = [
        Column { header: "Élément".into(), width: 34.0, free_text: None },
        Column { header: "Valeur".into(), width: 90.0, free_text: None },
    ];
    sink.begin(FILTERS_SHEET, "filtres", &columns)?;
    for (k, v) in statement(store, &summary) {
        sink.row(&[Cell::Text(k), v])?;
    }
    sink.end()?;
    summary.files = sink.finish()?.into_iter().map(|p| p.display().to_string()).collect();
    Ok(summary)
}

/// The « Filtres » sheet: who exported, when, with which filters, how many records of
/// each kind, what was left out and why. In French, as the rest of the file.
pub fn statement(store: &Store, s: &ExportSummary) -> Vec<(String, Cell)> {
    let id = store.identity();
    let reference = store.reference();
    let fr = Lang::Fr;
    let text = Cell::Text;
    let mut out = vec![
        ("Export".to_string(), text(format!("CCS Terrain, export {}", s.format.code().to_uppercase()))),
        ("Exporté le (UTC)".into(), Cell::DateTime(s.at)),
        ("Par l’appareil".into(), text(id.device_id.to_string())),
        ("Rôle".into(), text(id.role.label(fr).into())),
    ];
    let f = &s.filter;
    let kinds: Vec<&str> = f.kinds().iter().map(|k| k.label(fr)).collect();
    out.push(("Types de fiches".into(), text(kinds.join(", "))));
    let region = f.region.as_deref().map(|r| reference.get(r).map(|u| u.name.clone()).unwrap_or_else(|| r.into()));
    out.push(("Région".into(), text(region.unwrap_or_else(|| "Toutes".into()))));
    let committee =
        f.committee_id.map(|c| store.summary(RecordId(c.0)).map(|s| s.title).unwrap_or_else(|_| c.to_string()));
    out.push(("Comité".into(), text(committee.unwrap_or_else(|| "Tous".into()))));
    let period = match (f.date_from, f.date_to) {
        (None, None) => "Toute".to_string(),
        (Some(a), None) => format!("Depuis le {}", a.format("%d/%m/%Y")),
        (None, Some(b)) => format!("Jusqu’au {}", b.format("%d/%m/%Y")),
        (Some(a), Some(b)) => format!("Du {} au {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")),
    };
    out.push(("Période".into(), text(period)));
    let statuses: Vec<&str> = f.statuses.iter().map(|s| s.label(fr)).collect();
    out.push((
        "Statut d’examen".into(),
        text(if statuses.is_empty() { "Tous (sauf supprimées)".into() } else { statuses.join(", ") }),
    ));
    if f.kinds().contains(&RecordKind::Committee) {
        out.push((
            "Registre des comités".into(),
            text(
                "Filtré par région et comité seulement : la période et le statut d’examen ne s’y appliquent pas."
                    .into(),
            ),
        ));
    }
    for c in &s.counts {
        let rows = if c.kind == RecordKind::Assessment {
            format!(" ({} ligne(s), une par menace)", c.rows)
        } else {
            String::new()
        };
        let sheet = SheetKind::Records(c.kind).name();
        out.push((format!("Fiches exportées : {sheet}"), text(format!("{}{rows}", c.records))));
    }
    let why = |w: LeftOutWhy| match w {
        LeftOutWhy::NotAsked => "non demandé par l’utilisateur",
        LeftOutWhy::RoleMayNot => "le rôle de cet appareil ne permet pas de les exporter",
        LeftOutWhy::CannotRead => "illisibles par cette version de l’application",
    };
    for l in &s.left_out {
        let (what, value) = match l.what {
            LeftOutWhat::ConfidentialRecords => (
                "Laissé de côté : fiches confidentielles",
                format!("{} fiche(s), {}", l.count.unwrap_or(0), why(l.why)),
            ),
            LeftOutWhat::NamedAttendance => (
                "Laissé de côté : listes nominatives",
                format!("{} personne(s) dans les fiches exportées, {}", l.count.unwrap_or(0), why(l.why)),
            ),
            LeftOutWhat::FreeText => {
                ("Laissé de côté : texte libre", format!("colonnes {} ; {}", l.columns.join(", "), why(l.why)))
            }
            LeftOutWhat::Unreadable => {
                ("Laissé de côté : fiches illisibles", format!("{} fiche(s), {}", l.count.unwrap_or(0), why(l.why)))
            }
        };
        out.push((what.into(), text(value)));
    }
    let yes = |b: bool| if b { "incluses à la demande de l’utilisateur" } else { "non" };
    out.push(("Fiches confidentielles".into(), text(yes(s.included.confidential).into())));
    out.push(("Listes nominatives".into(), text(yes(s.included.named_attendance).into())));
    out.push((
        "Texte libre".into(),
        text(if s.included.free_text { "inclus à la demande de l’utilisateur" } else { "non" }.into()),
    ));
    out
}
