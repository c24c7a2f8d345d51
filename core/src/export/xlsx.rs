//! The XLSX writer: one workbook, the front sheets (« Filtres », « Indicateurs ») in
//! ordinary mode since they are small and filled last, every record sheet in
//! rust_xlsxwriter's constant-memory mode (each row goes to a temporary file as soon as
//! the next one starts, so memory stays flat whatever the number of records). Those
//! temporary files are made in the destination's folder, not in the system's: the
//! data must not land on another disk than the one the user chose.

use std::fs::File;
use std::path::Path;

use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::sheets::{Cell, Column};
use super::staged::{folder_of, Staged};
use super::{ExportError, Sink};
use crate::error_code::ErrorCode;

/// Excel's longest cell text.
const MAX_CELL_CHARS: usize = 32_767;

pub struct XlsxSink {
    workbook: Workbook,
    staged: Staged,
    file: File,
    /// Names of the front sheets, created first (in this order) and filled any time.
    front: Vec<&'static str>,
    current: usize,
    row: u32,
    columns: u16,
    header: Format,
    date: Format,
    datetime: Format,
    decimal: Format,
}

fn failed(e: XlsxError) -> ExportError {
    ExportError::new(ErrorCode::ExportFailed, e.to_string())
}

impl XlsxSink {
    pub fn new(dest: &Path, front: &[&'static str]) -> Result<XlsxSink, ExportError> {
        let mut staged = Staged::default();
        let file = staged.open(dest)?;
        let mut workbook = Workbook::new();
        workbook
            .set_tempdir(folder_of(dest))
            .map_err(|e| ExportError::new(ErrorCode::ExportDestination, e.to_string()))?;
        for name in front {
            workbook.add_worksheet().set_name(*name).map_err(failed)?;
        }
        Ok(XlsxSink {
            workbook,
            staged,
            file,
            front: front.to_vec(),
            current: 0,
            row: 0,
            columns: 0,
            header: Format::new().set_bold().set_text_wrap().set_background_color("#DDE7F0"),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            datetime: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
            decimal: Format::new().set_num_format("0.0"),
        })
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, ExportError> {
        self.workbook.worksheet_from_index(self.current).map_err(failed)
    }
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

impl Sink for XlsxSink {
    fn begin(&mut self, name: &'static str, _slug: &'static str, columns: &[Column]) -> Result<(), ExportError> {
        match self.front.iter().position(|f| *f == name) {
            Some(i) => self.current = i,
            None => {
                let ws = self.workbook.add_worksheet_with_constant_memory().map_err(|e| {
                    // Its temporary file is the first thing a record sheet needs.
                    ExportError::new(ErrorCode::ExportDestination, e.to_string())
                })?;
                ws.set_name(name).map_err(failed)?;
                self.current = self.workbook.worksheets().len() - 1;
            }
        }
        self.row = 1;
        self.columns = columns.len() as u16;
        let header = self.header.clone();
        let ws = self.sheet()?;
        for (i, c) in columns.iter().enumerate() {
            ws.set_column_width(i as u16, c.width).map_err(failed)?;
            ws.write_string_with_format(0, i as u16, &c.header, &header).map_err(failed)?;
        }
        ws.set_freeze_panes(1, 0).map_err(failed)?;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        let (row, date, datetime, decimal) = (self.row, self.date.clone(), self.datetime.clone(), self.decimal.clone());
        let ws = self.sheet()?;
        for (i, cell) in cells.iter().enumerate() {
            let c = i as u16;
            match cell {
                Cell::Text(s) if s.chars().count() > MAX_CELL_CHARS => {
                    let cut: String = s.chars().take(MAX_CELL_CHARS - 1).collect();
                    ws.write_string(row, c, format!("{cut}…"))
                }
                Cell::Text(s) => ws.write_string(row, c, s),
                Cell::Int(n) => ws.write_number(row, c, *n as f64),
                Cell::Float(x) => ws.write_number_with_format(row, c, *x, &decimal),
                Cell::Date(d) => excel_date(*d).and_then(|x| ws.write_datetime_with_format(row, c, x, &date)),
                Cell::DateTime(t) => excel_date(t.date_naive())
                    .and_then(|x| x.and_hms(t.hour() as u16, t.minute() as u8, t.second()))
                    .and_then(|x| ws.write_datetime_with_format(row, c, x, &datetime)),
                Cell::Empty => continue,
            }
            .map_err(failed)?;
        }
        self.row += 1;
        Ok(())
    }

    fn end(&mut self) -> Result<(), ExportError> {
        let (last_row, last_col) = (self.row.saturating_sub(1), self.columns.saturating_sub(1));
        self.sheet()?.autofilter(0, 0, last_row, last_col).map_err(failed)?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<std::path::PathBuf>, ExportError> {
        if let Some(first) = self.front.first().copied() {
            let ws = self.workbook.worksheet_from_name(first).map_err(failed)?;
            ws.set_active(true);
        }
        self.workbook.save_to_writer(&mut self.file).map_err(failed)?;
        self.file.sync_all().map_err(|e| ExportError::new(ErrorCode::ExportFailed, e.to_string()))?;
        let XlsxSink { staged, .. } = *self;
        staged.commit()
    }
}
