//! The member's relay in the app (RELAY.md, "Member"): enrolling offline from a printed
//! slip, « Envoyer par le facilitateur » (export up-bundles to a folder) and « Recevoir
//! du facilitateur » (import a return bundle), and the relay's state for the screen.
//! Each method is one call into `relay::member`; the views are plain data with
//! TypeScript bindings.
//!
//! The `*_of` functions build the views from a store, so `ccs` shows the same.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{check_server_url, quarantine_view, refusal_view, App, AppError, AppStatus, QuarantineView, Refusal};
use crate::error_code::ErrorCode;
use crate::i18n::Message;
use crate::model::*;
use crate::relay::member::{self, Export, ImportReport, RelayError};
use crate::relay::Slip;
use crate::store::{Identity, Store, StoreError};

impl From<RelayError> for AppError {
    fn from(e: RelayError) -> Self {
        match e {
            RelayError::Store(s) => s.into(),
            RelayError::Io(d) => AppError::with_detail(ErrorCode::StoreIo, &d),
            other => AppError::of(other.code()),
        }
    }
}

/// The relay as the member's screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RelayStatus {
    /// This device knows the server's keys: it can send and receive through a courier.
    pub ready: bool,
    /// Enrolled from a slip, the server's grant not back yet: « inscription en attente ».
    pub enrollment_pending: bool,
    pub server_url: Option<String>,
    /// The pinned server keys' fingerprint, to compare aloud with the administrator.
    pub server_fingerprint: Option<String>,
    /// Records with changes the server has not acknowledged (refused ones held back not
    /// counted): what the next export carries.
    pub waiting: u32,
    pub last_export: Option<RelayExportSummary>,
    /// Parts of the last export the server has not acknowledged yet.
    pub unacknowledged: u32,
    /// When a return bundle was last applied.
    pub last_import_at: Option<DateTime<Utc>>,
    /// Records the server refused, not resent until they change.
    pub refused: Vec<Refusal>,
    /// Up-bundles the server refused whole (kept in its quarantine).
    pub refused_bundles: Vec<BundleRefusal>,
}

/// An export: when, how many bundles and records, and the files written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RelayExportSummary {
    pub at: DateTime<Utc>,
    pub parts: u32,
    pub records: u32,
    /// The files written (full paths), empty in a status.
    pub files: Vec<String>,
    /// The export carries the offline enrollment's code.
    pub enrollment: bool,
}

/// An up-bundle the server refused whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BundleRefusal {
    /// The bundle's file name (`paquet-….ccsb`).
    pub file_name: String,
    pub code: String,
    pub message: Message,
    pub exported_at: Option<DateTime<Utc>>,
}

/// What applying a return bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RelayImportReport {
    pub file_name: String,
    pub received: u32,
    pub acknowledged: u32,
    pub refused: Vec<Refusal>,
    pub refused_bundles: Vec<BundleRefusal>,
    /// The offline enrollment's grant arrived: the device is enrolled for good.
    pub enrollment_completed: bool,
    /// Applied before, or nothing this device did not have.
    pub nothing_new: bool,
    /// The server was restored: received records wait for a direct sync
    /// (`relay.repair_needed`'s sentence).
    pub repair_needed: Option<Message>,
    pub quarantined: Vec<QuarantineView>,
    pub flagged: u32,
}

fn bundle_refusal(bundle: &[u8; 16], code: &str, exported_at: Option<DateTime<Utc>>) -> BundleRefusal {
    BundleRefusal {
        file_name: crate::relay::bundle::file_name(bundle),
        code: code.to_string(),
        message: super::refusal_message(code, code),
        exported_at,
    }
}

/// The relay's state of `store` (see [`App::relay_status`]).
pub fn relay_status_of(store: &Store, now: DateTime<Utc>) -> Result<RelayStatus, StoreError> {
    let pinned = store.pinned_server()?;
    let ledger = store.relay_ledger()?;
    Ok(RelayStatus {
        ready: pinned.is_some(),
        enrollment_pending: pinned.as_ref().is_some_and(|p| p.pending.is_some()),
        server_url: pinned.as_ref().map(|p| p.server.clone()),
        server_fingerprint: pinned.as_ref().map(|p| p.keys.fingerprint()),
        waiting: store.to_push(now)?.len() as u32,
        last_export: ledger.last_export.map(|(at, parts, records)| RelayExportSummary {
            at,
            parts: u32::from(parts),
            records,
            files: vec![],
            enrollment: false,
        }),
        unacknowledged: ledger.unacknowledged,
        last_import_at: ledger.last_import_at,
        refused: store.held_back(now)?.into_iter().map(|r| refusal_view(store, r.id, &r.code)).collect(),
        refused_bundles: ledger
            .refused_bundles
            .iter()
            .map(|(b, code, at)| bundle_refusal(b, code, Some(*at)))
            .collect(),
    })
}

/// The view of an import's report.
pub fn import_report_of(store: &Store, report: &ImportReport) -> RelayImportReport {
    RelayImportReport {
        file_name: crate::relay::bundle::file_name(&report.bundle),
        received: report.received as u32,
        acknowledged: report.acknowledged as u32,
        refused: report.refused.iter().map(|(id, code)| refusal_view(store, *id, code)).collect(),
        refused_bundles: report.bundles_refused.iter().map(|(b, code)| bundle_refusal(b, code, None)).collect(),
        enrollment_completed: report.enrollment_completed,
        nothing_new: report.nothing_new,
        repair_needed: report.repair_needed.then(|| ErrorCode::RelayRepairNeeded.message()),
        quarantined: report.quarantined.iter().map(|q| quarantine_view(store, q)).collect(),
        flagged: report.flagged as u32,
    }
}

/// Writes an export's bundles into `dir` (each file written whole, then renamed), then
/// has the store remember them. Returns the summary with the paths.
pub fn export_to(store: &mut Store, dir: &Path, now: DateTime<Utc>) -> Result<RelayExportSummary, RelayError> {
    let prepared = member::build(store, now)?;
    std::fs::create_dir_all(dir).map_err(|e| RelayError::Io(format!("{}: {e}", dir.display())))?;
    let mut files = Vec::new();
    for b in &prepared.export.bundles {
        let path = dir.join(&b.file_name);
        let tmp = dir.join(format!(".{}.tmp", b.file_name));
        let io = |e: std::io::Error| RelayError::Io(format!("{}: {e}", path.display()));
        std::fs::write(&tmp, &b.bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        files.push(path.display().to_string());
    }
    let export = prepared.commit(store, now)?;
    Ok(RelayExportSummary {
        at: now,
        parts: export.bundles.len() as u32,
        records: export.records as u32,
        files,
        enrollment: export.enrollment,
    })
}

impl App {
    /// Creates the store and enrolls it from a printed slip, with no network: the
    /// device works at once in the slip's role and scope, marked « inscription en
    /// attente » until a return bundle brings the server's grant (and the token for the
    /// day it reaches the server directly). On any failure nothing is left behind.
    pub fn enroll_offline(
        &mut self,
        passphrase: &str,
        slip_text: &str,
        label: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AppStatus, AppError> {
        let slip = Slip::parse(slip_text).map_err(RelayError::from)?;
        if now.date_naive() > slip.valid_until {
            return Err(RelayError::SlipExpired(slip.valid_until).into());
        }
        let url = check_server_url(&slip.server)?;
        let mut store = self.create_store(passphrase, Identity::new(Role::Member))?;
        if let Err(e) = member::enroll_from_slip(&mut store, &slip, &url, label, now.date_naive()) {
            drop(store);
            let _ = Store::wipe(&self.store_path());
            return Err(e.into());
        }
        self.store = Some(store);
        self.file.settings.server_url = Some(url);
        self.file.failed_attempts = 0;
        self.last_activity = now;
        self.save_file()?;
        Ok(self.status())
    }

    /// The up-bundles of everything not yet acknowledged (see [`member::export`]),
    /// remembered as handed to the relay.
    pub fn relay_export(&mut self, now: DateTime<Utc>) -> Result<Export, AppError> {
        Ok(member::export(self.unlocked(now, true)?, now)?)
    }

    /// « Envoyer par le facilitateur »: writes the up-bundles into `dir`.
    pub fn relay_export_to(&mut self, dir: &Path, now: DateTime<Utc>) -> Result<RelayExportSummary, AppError> {
        Ok(export_to(self.unlocked(now, true)?, dir, now)?)
    }

    /// « Recevoir du facilitateur »: applies one return bundle. `relay.out_of_order`:
    /// keep the file, it applies after the one before it.
    pub fn relay_import(&mut self, bytes: &[u8], now: DateTime<Utc>) -> Result<RelayImportReport, AppError> {
        let store = self.unlocked(now, true)?;
        let report = member::import(store, bytes, now)?;
        Ok(import_report_of(store, &report))
    }

    pub fn relay_status(&mut self, now: DateTime<Utc>) -> Result<RelayStatus, AppError> {
        Ok(relay_status_of(self.unlocked(now, false)?, now)?)
    }
}
