//! « Distribuer »: a courier writes one device's return bundles into a folder (a USB
//! stick, an SD card, a folder shared by message) for the member to pick in her app.
//! Custody keeps them: a return bundle leaves only when the member's next up-bundle says
//! it applied it, or a newer one replaces it (RELAY.md, "Courier"). The file names are
//! the bundles' neutral names (`paquet-3f9a….ccsb`).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{App, AppError};
use crate::error_code::ErrorCode;
use crate::model::DeviceId;

/// The files written for one device, in the order to apply them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Distributed {
    pub folder: String,
    /// Full paths.
    pub files: Vec<String>,
}

impl App {
    /// Writes the return bundles carried for `device` into `dir` (each file written
    /// whole under a hidden name, then renamed, so a member never picks half a file).
    pub fn courier_distribute_to(
        &mut self,
        device: DeviceId,
        dir: &Path,
        now: DateTime<Utc>,
    ) -> Result<Distributed, AppError> {
        let bundles = self.courier_bundles_for(device, now)?;
        let io = |path: &Path, e: std::io::Error| {
            AppError::with_detail(ErrorCode::StoreIo, &format!("{}: {e}", path.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut files = Vec::with_capacity(bundles.len());
        for b in bundles {
            let name = crate::relay::bundle::file_name(&b.id);
            let path = dir.join(&name);
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, &b.bytes).map_err(|e| io(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
            files.push(path.display().to_string());
        }
        Ok(Distributed { folder: dir.display().to_string(), files })
    }
}
