//! TypeScript bindings of the types the front end exchanges with the app, generated with
//! ts-rs into `ui/src/bindings/`. A test checks the committed files are current; run
//! `UPDATE_BINDINGS=1 cargo test -p ccs-core --test bindings` to rewrite them.

use std::path::Path;

use ts_rs::{Config, ExportError, TS};

use super::*;
use crate::store::{ListFilter, Page};
use crate::sync::client::SyncProgress;

/// Writes the bindings of every type the commands take or return (and what they use)
/// into `dir`, one file per type.
pub fn export(dir: &Path) -> Result<(), ExportError> {
    // Counts and sizes fit easily in a JavaScript number.
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    AppStatus::export_all(&cfg)?;
    AppError::export_all(&cfg)?;
    PassphraseCheck::export_all(&cfg)?;
    SettingsPatch::export_all(&cfg)?;
    DuressState::export_all(&cfg)?;
    Home::export_all(&cfg)?;
    Vocabulary::export_all(&cfg)?;
    ListFilter::export_all(&cfg)?;
    Page::export_all(&cfg)?;
    crate::store::InboxFilter::export_all(&cfg)?;
    crate::store::InboxPage::export_all(&cfg)?;
    RecordView::export_all(&cfg)?;
    DraftInput::export_all(&cfg)?;
    DraftOutcome::export_all(&cfg)?;
    DraftView::export_all(&cfg)?;
    SyncSummary::export_all(&cfg)?;
    SyncState::export_all(&cfg)?;
    SyncProgress::export_all(&cfg)?;
    RelayStatus::export_all(&cfg)?;
    RelayExportSummary::export_all(&cfg)?;
    QuarterlyRequest::export_all(&cfg)?;
    ReportWritten::export_all(&cfg)?;
    RelayImportReport::export_all(&cfg)?;
    courier::CourierView::export_all(&cfg)?;
    courier::Collected::export_all(&cfg)?;
    courier::FetchSummary::export_all(&cfg)?;
    courier::ForwardSummary::export_all(&cfg)?;
    Distributed::export_all(&cfg)?;
    crate::export::ExportRequest::export_all(&cfg)?;
    crate::export::ExportSummary::export_all(&cfg)?;
    crate::export::ExportLogEntry::export_all(&cfg)?;
    crate::model::privacy::TextWarning::export_all(&cfg)?;
    // The indicators (dashboard, quarterly report).
    crate::report::IndicatorFilter::export_all(&cfg)?;
    crate::report::Indicators::export_all(&cfg)?;
    // Record bodies, for typed forms.
    Record::export_all(&cfg)?;
    Ok(())
}
