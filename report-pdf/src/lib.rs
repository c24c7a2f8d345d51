//! # ccs-report-pdf
//!
//! The quarterly report « Rapport trimestriel » of the CRSS, typeset in PDF with Typst
//! used as a library, offline:
//!
//! - [`charts`]: the charts as SVG strings, pure functions of the figures;
//! - [`view`]: the report's figures turned into French text for the template;
//! - [`world`]: the Typst world, in memory (template, fonts, data and charts compiled in
//!   or passed in; nothing read from disk, nothing fetched);
//! - [`job`]: what Typst is given for one report (template data and charts), the
//!   boundary between the app and the `ccs-report-pdf` helper;
//! - [`helper`]: the app's side of that boundary (runs the helper, reads the PDF back);
//! - [`render`] and [`write_quarterly`]: a [`QuarterlyReport`] in, PDF bytes or a file out.
//!
//! The data comes from `ccs_core::report::quarterly` (assembled from the indicators);
//! this crate adds no figure of its own. It is its own crate because Typst is heavy to
//! build, and Typst sits behind the `typeset` feature because it is heavy to ship: it was
//! two thirds of the desktop app's binary. The app builds this crate without it and runs
//! the `ccs-report-pdf` helper binary (`src/bin`) when a report is made; the CLI and the
//! helper typeset in process.

pub mod charts;
pub mod helper;
pub mod job;
pub mod view;
#[cfg(feature = "typeset")]
pub mod world;

use std::path::Path;

use ccs_core::app::{App, AppError, QuarterlyRequest, ReportWritten};
use ccs_core::error_code::ErrorCode;
use ccs_core::report::quarterly::QuarterlyReport;
use chrono::{DateTime, Utc};

pub use job::TypesetJob;

/// The template, compiled into the binaries that typeset.
#[cfg(feature = "typeset")]
const TEMPLATE: &str = include_str!("../templates/rapport-trimestriel.typ");

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Typst refused the template or the data (a bug of ours, never the user's).
    #[error("the report could not be typeset: {0}")]
    Render(String),
    #[error("the report could not be written to {path}: {source}")]
    Write { path: String, source: std::io::Error },
    /// The `ccs-report-pdf` helper is missing, could not be run, or broke off.
    #[error("the report helper failed: {0}")]
    Helper(String),
}

impl PdfError {
    pub fn code(&self) -> ErrorCode {
        match self {
            PdfError::Render(_) => ErrorCode::ReportPdfRender,
            PdfError::Write { .. } => ErrorCode::ReportPdfWrite,
            PdfError::Helper(_) => ErrorCode::ReportPdfHelper,
        }
    }
}

impl From<PdfError> for AppError {
    fn from(e: PdfError) -> AppError {
        match &e {
            PdfError::Render(detail) => AppError::internal(e.code(), detail.clone()),
            PdfError::Write { path, .. } => AppError::with_detail(e.code(), path),
            PdfError::Helper(detail) => AppError::internal(e.code(), detail.clone()),
        }
    }
}

/// The PDF of a report, typeset in this process. The same report gives the same bytes:
/// the date is the report's own, the document id is derived from the quarter, and
/// nothing else varies.
#[cfg(feature = "typeset")]
pub fn render(report: &QuarterlyReport) -> Result<Vec<u8>, PdfError> {
    TypesetJob::of(report)?.typeset()
}

/// Writes the PDF of `report` to `path`, typeset in this process.
#[cfg(feature = "typeset")]
pub fn write_pdf(report: &QuarterlyReport, path: &Path) -> Result<ReportWritten, PdfError> {
    let pdf = render(report)?;
    write_file(report, path, &pdf)
}

/// Writes `pdf`, the PDF of `report`, to `path`.
fn write_file(report: &QuarterlyReport, path: &Path, pdf: &[u8]) -> Result<ReportWritten, PdfError> {
    std::fs::write(path, pdf).map_err(|source| PdfError::Write { path: path.display().to_string(), source })?;
    Ok(ReportWritten {
        path: path.display().to_string(),
        bytes: pdf.len() as u64,
        quarter: report.scope.quarter.to_string(),
        recommendations: report.recommendations.len() as u64,
    })
}

/// Assembles the report from the app's unlocked store, has the `helper` binary typeset
/// it and writes the PDF to `path`: what the desktop app's `report_pdf` command calls.
/// Nothing is written when the helper fails.
pub fn write_quarterly(
    app: &mut App,
    request: &QuarterlyRequest,
    helper: &Path,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<ReportWritten, AppError> {
    let report = app.quarterly_report(request, now)?;
    let pdf = helper::typeset(helper, &TypesetJob::of(&report)?)?;
    Ok(write_file(&report, path, &pdf)?)
}
