//! « Exporter » in the app: one call into [`crate::export`] with the open store, and the
//! export log for the screen. Only the CRSS's desktop, a facilitator's or an
//! administrator's device may export (see `export::redaction`).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{App, AppError};
use crate::export::{self, ExportError, ExportLogEntry, ExportRequest, ExportSummary};

/// How many lines of the export log the screen shows.
const LOG_LINES: u32 = 50;

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Refused { code, detail } => AppError::with_detail(code, &detail),
            ExportError::Store(s) => s.into(),
        }
    }
}

impl App {
    /// Writes the export `request` asks for at `path` (XLSX: that file; CSV: one file
    /// per sheet beside it, see `export::csv`), and logs it whatever happens.
    pub fn export(
        &mut self,
        request: &ExportRequest,
        path: &Path,
        now: DateTime<Utc>,
    ) -> Result<ExportSummary, AppError> {
        let store = self.unlocked(now, true)?;
        Ok(export::run(store, request, path, now)?)
    }

    /// The exports made on this device, newest first.
    pub fn export_log(&mut self, now: DateTime<Utc>) -> Result<Vec<ExportLogEntry>, AppError> {
        Ok(export::log(self.unlocked(now, false)?, LOG_LINES)?)
    }
}
