//! What an administrator does to a data directory: enrollment codes, devices, the
//! committee registry, backups. Plain functions over the data directory, used by the
//! binary's subcommands and by the tests; they open the same database as a running
//! server, which keeps serving meanwhile (SQLite's WAL and busy timeout arbitrate).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rand::RngCore;

use crate::committees::{self, RegistryError};
use crate::devices::{self, DeviceInfo, Revocation};
use crate::enrollment::{self, EnrollError, Grant, IssuedCode};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Enroll(EnrollError),
    #[error("bad duration {0:?}: use a number and a unit, e.g. 30m, 24h or 7d")]
    BadDuration(String),
    #[error("cannot read {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error("{0} already exists; choose a new file name")]
    BackupExists(PathBuf),
    #[error("{0} is not a valid UTF-8 path")]
    BadPath(PathBuf),
    #[error("cannot write {path}: {source}")]
    WriteFile { path: PathBuf, source: std::io::Error },
    #[error("server address refused for a slip: {0}")]
    BadAddress(String),
    #[error("making the QR code: {0}")]
    Qr(String),
    #[error("no enrolled, non-revoked device has the id {0}")]
    UnknownDevice(String),
}

impl From<EnrollError> for AdminError {
    fn from(e: EnrollError) -> Self {
        match e {
            EnrollError::Store(s) => AdminError::Store(s),
            other => AdminError::Enroll(other),
        }
    }
}

/// Parses `30m`, `24h`, `7d` (also `s` and `w`).
pub fn parse_duration(text: &str) -> Result<chrono::Duration, AdminError> {
    let bad = || AdminError::BadDuration(text.to_string());
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = t.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "s" => chrono::Duration::try_seconds(n),
        "m" | "min" => chrono::Duration::try_minutes(n),
        "h" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        "w" => chrono::Duration::try_weeks(n),
        _ => None,
    };
    d.filter(|d| *d > chrono::Duration::zero()).ok_or_else(bad)
}

/// Makes a single-use enrollment code for `grant`, valid for `valid_for`.
pub fn create_enrollment_code(
    data_dir: &Path,
    grant: &Grant,
    valid_for: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<IssuedCode, AdminError> {
    let store = Store::open(data_dir)?;
    let conn = store.conn()?;
    Ok(enrollment::issue(&conn, grant, now, valid_for)?)
}

pub fn list_devices(data_dir: &Path) -> Result<Vec<DeviceInfo>, AdminError> {
    let store = Store::open(data_dir)?;
    let conn = store.conn()?;
    Ok(devices::list(&conn)?)
}

/// Revokes a device; a running server refuses it from its next request on.
pub fn revoke_device(data_dir: &Path, device_id: &str, now: DateTime<Utc>) -> Result<Revocation, AdminError> {
    let store = Store::open(data_dir)?;
    let conn = store.conn()?;
    Ok(devices::revoke(&conn, device_id, now)?)
}

/// Imports a committee registry file (a JSON array); all entries or none.
pub fn import_committees(data_dir: &Path, file: &Path, now: DateTime<Utc>) -> Result<usize, AdminError> {
    let text =
        std::fs::read_to_string(file).map_err(|source| AdminError::ReadFile { path: file.to_path_buf(), source })?;
    let entries = committees::parse_file(&text)?;
    let store = Store::open(data_dir)?;
    let mut conn = store.conn()?;
    Ok(committees::import(&mut conn, &entries, now)?)
}

/// Writes a consistent copy of the database to `dest` while the server runs.
///
/// The copy gets a new log epoch: a server restored from it has lost whatever was
/// appended after the copy, so devices must not trust their cursors against it (their
/// numbers would name other entries once new pushes arrive); with a new epoch, each
/// device repairs on its next sync instead.
pub fn backup(data_dir: &Path, dest: &Path) -> Result<(), AdminError> {
    if dest.exists() {
        return Err(AdminError::BackupExists(dest.to_path_buf()));
    }
    let dest_str = dest.to_str().ok_or_else(|| AdminError::BadPath(dest.to_path_buf()))?;
    let store = Store::open(data_dir)?;
    let conn = store.conn()?;
    // The copy holds every record in plaintext and every token hash: owner only, from
    // its first byte (VACUUM INTO accepts an existing empty file and keeps its mode).
    create_private_file(dest).map_err(|source| StoreError::Io { path: dest.to_path_buf(), source })?;
    // VACUUM INTO reads one snapshot: a consistent copy, even mid-push.
    if let Err(e) = conn.execute("VACUUM INTO ?1", [dest_str]) {
        let _ = std::fs::remove_file(dest);
        return Err(StoreError::from(e).into());
    }
    let copy = rusqlite::Connection::open(dest).map_err(StoreError::from)?;
    let mut epoch = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut epoch);
    copy.execute("UPDATE meta SET value = ?1 WHERE key = 'epoch'", [epoch.as_slice()]).map_err(StoreError::from)?;
    Ok(())
}

/// Creates an empty file readable by its owner only; fails if it exists.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Makes an enrollment slip: a single-use code for `grant` with the server's `address`,
/// relay keys and epoch, valid for `valid_for`.
pub fn create_slip(
    data_dir: &Path,
    grant: &Grant,
    address: &str,
    valid_for: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<(IssuedCode, ccs_core::relay::Slip), AdminError> {
    let address = ccs_core::sync::address::check(address).map_err(|e| AdminError::BadAddress(e.to_string()))?;
    let store = Store::open(data_dir)?;
    let mut conn = store.conn()?;
    let server = crate::keys::server_keys(&mut *conn, now)?.public();
    Ok(crate::slip::issue(&conn, grant, &address, &server, now, valid_for)?)
}

/// Writes the slip's printable page.
pub fn write_slip_page(slip: &ccs_core::relay::Slip, file: &Path) -> Result<(), AdminError> {
    let page = crate::slip::page_html(slip).map_err(|e| AdminError::Qr(e.to_string()))?;
    std::fs::write(file, page).map_err(|source| AdminError::WriteFile { path: file.to_path_buf(), source })
}

/// Every refused relay bundle kept for the administrator.
pub fn relay_quarantine(data_dir: &Path) -> Result<Vec<crate::relay::QuarantinedBundle>, AdminError> {
    let store = Store::open(data_dir)?;
    let conn = store.conn()?;
    Ok(crate::relay::quarantine(&conn)?)
}

/// Processes bundle files brought straight to the server (a stick), as if a courier
/// had (recorded as [`crate::relay::ADMIN_IMPORT`]). A file that cannot be read is an
/// error before anything is processed.
pub fn relay_import(
    data_dir: &Path,
    files: &[PathBuf],
    limits: &crate::Limits,
    now: DateTime<Utc>,
) -> Result<Vec<(PathBuf, ccs_core::relay::api::RelayReceipt)>, AdminError> {
    let mut contents = Vec::with_capacity(files.len());
    for f in files {
        let bytes = std::fs::read(f).map_err(|source| AdminError::ReadFile { path: f.clone(), source })?;
        contents.push((f.clone(), bytes));
    }
    let store = Store::open(data_dir)?;
    let mut conn = store.conn()?;
    let keys = crate::keys::server_keys(&mut *conn, now)?;
    let mut out = Vec::with_capacity(contents.len());
    for (file, bytes) in contents {
        let receipt =
            crate::relay::receive(&mut conn, &keys, &bytes, &crate::relay::Carrier::AdminImport, limits, now)?;
        out.push((file, receipt));
    }
    Ok(out)
}

/// Writes the return bundles of `devices` into `out_dir`, named by
/// [`ccs_core::relay::bundle::file_name`]; returns the files written.
pub fn relay_outbox(
    data_dir: &Path,
    devices: &[String],
    out_dir: &Path,
    limits: &crate::Limits,
    now: DateTime<Utc>,
) -> Result<Vec<PathBuf>, AdminError> {
    let store = Store::open(data_dir)?;
    let mut conn = store.conn()?;
    let keys = crate::keys::server_keys(&mut *conn, now)?;
    let mut scopes = Vec::with_capacity(devices.len());
    for d in devices {
        let scope = crate::relay::device_scope(&conn, d)?.ok_or_else(|| AdminError::UnknownDevice(d.clone()))?;
        scopes.push(scope);
    }
    std::fs::create_dir_all(out_dir).map_err(|source| AdminError::WriteFile { path: out_dir.to_path_buf(), source })?;
    let mut written = Vec::new();
    for scope in scopes {
        for b in crate::relay::return_bundles(&mut conn, &keys, &scope, limits, now)? {
            let path = out_dir.join(ccs_core::relay::bundle::file_name(&b.id));
            std::fs::write(&path, &b.bytes).map_err(|source| AdminError::WriteFile { path: path.clone(), source })?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30m").unwrap(), chrono::Duration::minutes(30));
        assert_eq!(parse_duration("24h").unwrap(), chrono::Duration::hours(24));
        assert_eq!(parse_duration(" 7d ").unwrap(), chrono::Duration::days(7));
        for bad in ["", "h", "10", "0h", "-3h", "3 lunes", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
