//! `ccs report pdf --quarter 2026-T4 --out FILE [--region CODE] [--basis approved|all]`:
//! the quarterly report « Rapport trimestriel » over what the store holds, written as a
//! PDF (assembled by `ccs_core::report::quarterly`, typeset by `ccs-report-pdf`).

use std::io::Write;
use std::path::Path;

use ccs_core::app::AppError;
use ccs_core::error_code::ErrorCode;
use ccs_core::report::quarterly::{self, Quarter};
use ccs_core::report::Basis;

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;

pub fn run(
    ctx: &Ctx,
    quarter: &str,
    path: &Path,
    region: Option<&str>,
    basis: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    // Arguments are checked before the store is opened: a typo costs no passphrase.
    let quarter: Quarter = quarter.parse().map_err(|e: quarterly::BadQuarter| AppError::with_detail(e.code(), &e.0))?;
    let basis: Basis = basis.parse().map_err(|b: String| AppError::with_detail(ErrorCode::ReportBadBasis, &b))?;
    let store = ctx.open()?;
    let region = region.map(str::trim).filter(|r| !r.is_empty());
    if let Some(code) = region {
        if store.reference().region(code).is_none() {
            return Err(AppError::with_detail(ErrorCode::ReportUnknownRegion, code).into());
        }
    }
    let report = quarterly::assemble(&store, quarter, region, basis, ctx.now)?;
    let written = ccs_report_pdf::write_pdf(&report, path).map_err(AppError::from)?;
    let (bytes, lines) = (written.bytes.to_string(), written.recommendations.to_string());
    writeln!(
        out,
        "{}",
        text(
            "out.report_pdf",
            ctx.lang,
            &[written.path.as_str(), written.quarter.as_str(), bytes.as_str(), lines.as_str()]
        )
    )?;
    Ok(())
}
