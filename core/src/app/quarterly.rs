//! The quarterly report's data for the desktop app and the CLI ([`App::quarterly_report`]).
//! Typesetting it is `ccs-report-pdf`'s job; the app only assembles what it shows, from
//! the unlocked store, so a locked app makes no report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{App, AppError};
use crate::error_code::ErrorCode;
use crate::report::quarterly::{self, Quarter, QuarterlyReport};
use crate::report::Basis;

/// What a quarterly report is asked for with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct QuarterlyRequest {
    /// `2026-T4`.
    pub quarter: String,
    /// A region code (`tombouctou`); none for the whole country.
    #[serde(default)]
    pub region: Option<String>,
    /// What the figures count; approved records only unless asked otherwise, as a
    /// published report should.
    #[serde(default = "approved")]
    pub basis: Basis,
}

/// What a report command wrote, for its confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReportWritten {
    pub path: String,
    pub bytes: u64,
    /// `2026-T4`.
    pub quarter: String,
    /// Recommendations listed (confidential ones are never listed).
    pub recommendations: u64,
}

fn approved() -> Basis {
    Basis::Approved
}

impl App {
    /// The data of the quarterly report over what this device holds.
    pub fn quarterly_report(
        &mut self,
        request: &QuarterlyRequest,
        now: DateTime<Utc>,
    ) -> Result<QuarterlyReport, AppError> {
        let quarter: Quarter =
            request.quarter.parse().map_err(|e: quarterly::BadQuarter| AppError::with_detail(e.code(), &e.0))?;
        let store = self.unlocked(now, true)?;
        let region = request.region.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if let Some(code) = region {
            if store.reference().region(code).is_none() {
                return Err(AppError::with_detail(ErrorCode::ReportUnknownRegion, code));
            }
        }
        Ok(quarterly::assemble(store, quarter, region, request.basis, now)?)
    }
}
