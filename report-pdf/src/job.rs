//! What Typst is given to make one report: the template's data and the charts, as the
//! virtual files the template reads, with the report's date and document id. Made from
//! a [`QuarterlyReport`] without Typst ([`TypesetJob::of`]); typeset with it
//! ([`TypesetJob::typeset`], feature `typeset`).
//!
//! It is also what the desktop app hands the `ccs-report-pdf` helper on its standard
//! input (JSON, [`TypesetJob::to_bytes`]): data only. The template is compiled into
//! the helper, and a file of the job can only ever be read as data, never evaluated
//! (see [`crate::world`]), so a job cannot make the helper run anything of its own.

use ccs_core::report::quarterly::QuarterlyReport;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::PdfError;

/// Largest job the helper reads. A national report's data and charts are a few hundred
/// kilobytes; the cap keeps a runaway or hostile input from taking the helper's memory.
pub const MAX_JOB_BYTES: usize = 16 * 1024 * 1024;

/// One report to typeset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypesetJob {
    /// Virtual files by path from the root (`/data.json`, `/charts/….svg`).
    pub files: Vec<(String, String)>,
    /// What the template's `datetime.today()` and the PDF's creation date read.
    pub today: NaiveDate,
    /// The PDF's document id: the same report gives the same bytes.
    pub ident: String,
}

impl TypesetJob {
    /// The job of `report`: its figures in French for the template, and its charts.
    pub fn of(report: &QuarterlyReport) -> Result<TypesetJob, PdfError> {
        let view = crate::view::view(report);
        let data = serde_json::to_string(&view).map_err(|e| PdfError::Render(e.to_string()))?;
        let mut files = vec![("/data.json".to_string(), data)];
        files.extend(view.charts.iter().map(|c| (c.file.clone(), c.svg.clone())));
        Ok(TypesetJob {
            files,
            today: report.scope.generated_on,
            ident: format!("ccs-rapport-trimestriel-{}", report.scope.quarter),
        })
    }

    /// The job as the helper reads it.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// A job read from the helper's input: refused when larger than [`MAX_JOB_BYTES`]
    /// or not a job.
    pub fn from_bytes(bytes: &[u8]) -> Result<TypesetJob, PdfError> {
        if bytes.len() > MAX_JOB_BYTES {
            return Err(PdfError::Helper(format!("a job of more than {MAX_JOB_BYTES} bytes")));
        }
        serde_json::from_slice(bytes).map_err(|e| PdfError::Helper(format!("not a report job: {e}")))
    }

    /// The PDF, typeset in this process.
    #[cfg(feature = "typeset")]
    pub fn typeset(&self) -> Result<Vec<u8>, PdfError> {
        use typst::foundations::Smart;
        use typst::layout::PagedDocument;

        let files = self.files.iter().map(|(path, text)| (path.clone(), text.clone().into_bytes())).collect();
        let world = crate::world::ReportWorld::new(crate::TEMPLATE, files, self.today);
        let document = typst::compile::<PagedDocument>(&world).output.map_err(diagnostics)?;
        let options = typst_pdf::PdfOptions { ident: Smart::Custom(&self.ident), ..Default::default() };
        typst_pdf::pdf(&document, &options).map_err(diagnostics)
    }
}

#[cfg(feature = "typeset")]
fn diagnostics(errors: typst::ecow::EcoVec<typst::diag::SourceDiagnostic>) -> PdfError {
    PdfError::Render(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}
