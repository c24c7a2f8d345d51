//! # ccs-report-pdf
//!
//! The quarterly report « Rapport trimestriel » of the CRSS, typeset in PDF with Typst
//! used as a library, offline:
//!
//! - [`charts`]: the charts as SVG strings, pure functions of the figures;
//! - [`view`]: the report's figures turned into French text for the template;
//! - [`world`]: the Typst world, in memory (template, fonts, data and charts compiled in
//!   or passed in; nothing read from disk, nothing fetched);
//! - [`render`] and [`write_quarterly`]: a [`QuarterlyReport`] in, PDF bytes or a file out.
//!
//! The data comes from `ccs_core::report::quarterly` (assembled from the indicators);
//! this crate adds no figure of its own. It is its own crate because Typst is heavy to
//! build: only the binaries that make the report (the CLI, the desktop app) depend on it.

pub mod charts;
pub mod view;
pub mod world;

use std::path::Path;

use ccs_core::app::{App, AppError, QuarterlyRequest, ReportWritten};
use ccs_core::error_code::ErrorCode;
use ccs_core::report::quarterly::QuarterlyReport;
use chrono::{DateTime, Utc};
use typst::foundations::Smart;
use typst::layout::PagedDocument;

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("../templates/rapport-trimestriel.typ");

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Typst refused the template or the data (a bug of ours, never the user's).
    #[error("the report could not be typeset: {0}")]
    Render(String),
    #[error("the report could not be written to {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

impl PdfError {
    pub fn code(&self) -> ErrorCode {
        match self {
            PdfError::Render(_) => ErrorCode::ReportPdfRender,
            PdfError::Write { .. } => ErrorCode::ReportPdfWrite,
        }
    }
}

impl From<PdfError> for AppError {
    fn from(e: PdfError) -> AppError {
        match &e {
            PdfError::Render(detail) => AppError::internal(e.code(), detail.clone()),
            PdfError::Write { path, .. } => AppError::with_detail(e.code(), path),
        }
    }
}

/// The PDF of a report. The same report gives the same bytes: the date is the report's
/// own, the document id is derived from the quarter, and nothing else varies.
pub fn render(report: &QuarterlyReport) -> Result<Vec<u8>, PdfError> {
    let view = view::view(report);
    let mut files =
        vec![("/data.json".to_string(), serde_json::to_vec(&view).map_err(|e| PdfError::Render(e.to_string()))?)];
    files.extend(view.charts.iter().map(|c| (c.file.clone(), c.svg.clone().into_bytes())));
    let world = world::ReportWorld::new(TEMPLATE, files, report.scope.generated_on);
    let document = typst::compile::<PagedDocument>(&world).output.map_err(diagnostics)?;
    let ident = format!("ccs-rapport-trimestriel-{}", report.scope.quarter);
    let options = typst_pdf::PdfOptions { ident: Smart::Custom(&ident), ..Default::default() };
    typst_pdf::pdf(&document, &options).map_err(diagnostics)
}

fn diagnostics(errors: typst::ecow::EcoVec<typst::diag::SourceDiagnostic>) -> PdfError {
    PdfError::Render(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}

/// Writes the PDF of `report` to `path`.
pub fn write_pdf(report: &QuarterlyReport, path: &Path) -> Result<ReportWritten, PdfError> {
    let pdf = render(report)?;
    std::fs::write(path, &pdf).map_err(|source| PdfError::Write { path: path.display().to_string(), source })?;
    Ok(ReportWritten {
        path: path.display().to_string(),
        bytes: pdf.len() as u64,
        quarter: report.scope.quarter.to_string(),
        recommendations: report.recommendations.len() as u64,
    })
}

/// Assembles the report from the app's unlocked store and writes its PDF to `path`:
/// what the desktop app's `report_pdf` command calls.
pub fn write_quarterly(
    app: &mut App,
    request: &QuarterlyRequest,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<ReportWritten, AppError> {
    let report = app.quarterly_report(request, now)?;
    Ok(write_pdf(&report, path)?)
}
