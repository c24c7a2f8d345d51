//! The CSV writer, for French Excel: UTF-8 with a byte-order mark (without it Excel
//! reads the accents as Windows-1252), `;` between fields (the comma is the decimal
//! separator in French), CRLF line ends, fields quoted when they hold `;`, `"` or a
//! line break. Dates are written `JJ/MM/AAAA`, which French Excel reads as dates.
//!
//! Several kinds make several files, one per sheet, named after the destination and the
//! sheet: `export.csv` gives `export-seances.csv`, `export-evaluations.csv`, …, and
//! `export-filtres.csv` stating the filters and what was left out. All are written under
//! temporary names and renamed together at the end.
//!
//! A text cell that starts like a formula (`=`, `+`, `-`, `@`) gets a leading `'`:
//! Excel would otherwise run it (CSV injection); the XLSX writer needs no such care, it
//! writes text cells as text.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::sheets::{Cell, Column};
use super::staged::{folder_of, Staged};
use super::{ExportError, Sink};
use crate::error_code::ErrorCode;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub struct CsvSink {
    dest: PathBuf,
    staged: Staged,
    writer: Option<csv::Writer<BufWriter<std::fs::File>>>,
}

fn failed(e: impl std::fmt::Display) -> ExportError {
    ExportError::new(ErrorCode::ExportFailed, e.to_string())
}

impl CsvSink {
    /// Checks at once that the destination's folder can be written (a probe file,
    /// removed), so a bad destination fails before any record is read.
    pub fn new(dest: &Path) -> Result<CsvSink, ExportError> {
        let probe = sheet_path(dest, "verification");
        drop(Staged::default().open(&probe)?);
        Ok(CsvSink { dest: dest.to_path_buf(), staged: Staged::default(), writer: None })
    }
}

/// `dir/export.csv` and `seances` give `dir/export-seances.csv`.
pub fn sheet_path(dest: &Path, slug: &str) -> PathBuf {
    let stem = dest.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "export".into());
    folder_of(dest).join(format!("{stem}-{slug}.csv"))
}

/// A cell as French Excel reads it.
pub fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) if s.starts_with(['=', '+', '-', '@']) => format!("'{s}"),
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        // The decimal comma of French Excel.
        Cell::Float(x) => format!("{x:.1}").replace('.', ","),
        Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
        Cell::DateTime(t) => t.format("%d/%m/%Y %H:%M").to_string(),
        Cell::Empty => String::new(),
    }
}

impl Sink for CsvSink {
    fn begin(&mut self, _name: &'static str, slug: &'static str, columns: &[Column]) -> Result<(), ExportError> {
        let mut file = BufWriter::new(self.staged.open(&sheet_path(&self.dest, slug))?);
        file.write_all(BOM).map_err(failed)?;
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(file);
        w.write_record(columns.iter().map(|c| c.header.as_str())).map_err(failed)?;
        self.writer = Some(w);
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        let w = self.writer.as_mut().ok_or_else(|| failed("no sheet begun"))?;
        w.write_record(cells.iter().map(field)).map_err(failed)
    }

    fn end(&mut self) -> Result<(), ExportError> {
        if let Some(w) = self.writer.take() {
            let file = w.into_inner().map_err(|e| failed(e.error()))?;
            let file = file.into_inner().map_err(|e| failed(e.error()))?;
            file.sync_all().map_err(failed)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<PathBuf>, ExportError> {
        self.end()?;
        let CsvSink { staged, .. } = *self;
        staged.commit()
    }
}
