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
use crate::store::{Location, Store, StoreError};

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
    /// `backup` on PostgreSQL: the message says how, with `pg_dump`.
    #[error("{0}")]
    PostgresBackup(String),
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
    #[error("no quarantined bundle #{0} with its bytes kept")]
    NotQuarantined(i64),
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
    at: impl Into<Location>,
    grant: &Grant,
    valid_for: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<IssuedCode, AdminError> {
    let store = Store::open(at)?;
    let conn = store.conn()?;
    Ok(enrollment::issue(&conn, grant, now, valid_for)?)
}

pub fn list_devices(at: impl Into<Location>) -> Result<Vec<DeviceInfo>, AdminError> {
    let store = Store::open(at)?;
    let conn = store.conn()?;
    Ok(devices::list(&conn)?)
}

/// Revokes a device; a running server refuses it from its next request on.
pub fn revoke_device(at: impl Into<Location>, device_id: &str, now: DateTime<Utc>) -> Result<Revocation, AdminError> {
    let store = Store::open(at)?;
    let conn = store.conn()?;
    Ok(devices::revoke(&conn, device_id, now)?)
}

/// Imports a committee registry file (a JSON array); all entries or none.
pub fn import_committees(at: impl Into<Location>, file: &Path, now: DateTime<Utc>) -> Result<usize, AdminError> {
    let text =
        std::fs::read_to_string(file).map_err(|source| AdminError::ReadFile { path: file.to_path_buf(), source })?;
    let entries = committees::parse_file(&text)?;
    let store = Store::open(at)?;
    let mut conn = store.conn()?;
    Ok(committees::import(&mut conn, &entries, now)?)
}

/// Writes a consistent copy of the database to `dest` while the server runs.
///
/// The copy gets a new log epoch: a server restored from it has lost whatever was
/// appended after the copy, so devices must not trust their cursors against it (their
/// numbers would name other entries once new pushes arrive); with a new epoch, each
/// device repairs on its next sync instead.
///
/// On PostgreSQL the database's own tools make the copy ([`postgres_backup_howto`]):
/// this refuses with the exact commands rather than pretend.
pub fn backup(at: impl Into<Location>, dest: &Path) -> Result<(), AdminError> {
    let at = at.into();
    if let Some(url) = &at.database {
        return Err(AdminError::PostgresBackup(postgres_backup_howto(url, dest)));
    }
    if dest.exists() {
        return Err(AdminError::BackupExists(dest.to_path_buf()));
    }
    let dest_str = dest.to_str().ok_or_else(|| AdminError::BadPath(dest.to_path_buf()))?;
    let store = Store::open(at)?;
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

/// How to back up and restore a PostgreSQL database, with the epoch rule: a restored
/// log may be shorter than what devices were served, so it gets a new epoch before the
/// server serves it again (`new-epoch`), and each device repairs.
pub fn postgres_backup_howto(url: &str, dest: &Path) -> String {
    let file = dest.display();
    format!(
        "on PostgreSQL the backup is PostgreSQL's own (consistent while serving):\n\
         \x20 pg_dump --format=custom --file='{file}' '{url}'\n\
         to restore it (servers stopped):\n\
         \x20 pg_restore --clean --if-exists --no-owner --dbname='{url}' '{file}'\n\
         \x20 ccs-sync-server --database '{url}' new-epoch\n\
         new-epoch gives the restored log a new epoch: devices whose cursor points past it repair on their next sync"
    )
}

/// Gives the log a new epoch (after restoring a PostgreSQL dump); returns it in hex.
pub fn new_epoch(at: impl Into<Location>) -> Result<String, AdminError> {
    let store = Store::open(at)?;
    let conn = store.conn()?;
    Ok(hex::encode(crate::store::new_epoch(&conn)?))
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
    at: impl Into<Location>,
    grant: &Grant,
    address: &str,
    valid_for: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<(IssuedCode, ccs_core::relay::Slip), AdminError> {
    let address = ccs_core::sync::address::check(address).map_err(|e| AdminError::BadAddress(e.to_string()))?;
    let store = Store::open(at)?;
    let mut conn = store.conn()?;
    let server = crate::keys::server_keys(&mut conn, now)?.public();
    Ok(crate::slip::issue(&conn, grant, &address, &server, now, valid_for)?)
}

/// Writes the slip's printable page.
pub fn write_slip_page(slip: &ccs_core::relay::Slip, file: &Path) -> Result<(), AdminError> {
    let page = crate::slip::page_html(slip).map_err(|e| AdminError::Qr(e.to_string()))?;
    std::fs::write(file, page).map_err(|source| AdminError::WriteFile { path: file.to_path_buf(), source })
}

/// Every refused relay bundle kept for the administrator.
pub fn relay_quarantine(at: impl Into<Location>) -> Result<Vec<crate::relay::QuarantinedBundle>, AdminError> {
    let store = Store::open(at)?;
    let conn = store.conn()?;
    Ok(crate::relay::quarantine(&conn)?)
}

/// Writes the bytes of quarantined bundle `seq` to `file` (which must not exist).
pub fn export_quarantined(at: impl Into<Location>, seq: i64, file: &Path) -> Result<(), AdminError> {
    let store = Store::open(at)?;
    let conn = store.conn()?;
    let bytes = crate::relay::quarantined_bytes(&conn, seq)?.filter(|b| !b.is_empty());
    let bytes = bytes.ok_or(AdminError::NotQuarantined(seq))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    let mut f = options.open(file).map_err(|source| AdminError::WriteFile { path: file.to_path_buf(), source })?;
    std::io::Write::write_all(&mut f, &bytes)
        .map_err(|source| AdminError::WriteFile { path: file.to_path_buf(), source })
}

/// Processes bundle files brought straight to the server (a stick), as if a courier
/// had (recorded as [`crate::relay::ADMIN_IMPORT`]). A file that cannot be read is an
/// error before anything is processed.
pub fn relay_import(
    at: impl Into<Location>,
    files: &[PathBuf],
    limits: &crate::Limits,
    now: DateTime<Utc>,
) -> Result<Vec<(PathBuf, ccs_core::relay::api::RelayReceipt)>, AdminError> {
    let mut contents = Vec::with_capacity(files.len());
    for f in files {
        let bytes = std::fs::read(f).map_err(|source| AdminError::ReadFile { path: f.clone(), source })?;
        contents.push((f.clone(), bytes));
    }
    let store = Store::open(at)?;
    let mut conn = store.conn()?;
    let keys = crate::keys::server_keys(&mut conn, now)?;
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
    at: impl Into<Location>,
    devices: &[String],
    out_dir: &Path,
    limits: &crate::Limits,
    now: DateTime<Utc>,
) -> Result<Vec<PathBuf>, AdminError> {
    let store = Store::open(at)?;
    let mut conn = store.conn()?;
    let keys = crate::keys::server_keys(&mut conn, now)?;
    let mut scopes = Vec::with_capacity(devices.len());
    for d in devices {
        let scope = crate::relay::device_scope(&conn, d)?.ok_or_else(|| AdminError::UnknownDevice(d.clone()))?;
        scopes.push(scope);
    }
    std::fs::create_dir_all(out_dir).map_err(|source| AdminError::WriteFile { path: out_dir.to_path_buf(), source })?;
    let mut written = Vec::new();
    for scope in scopes {
        for b in crate::relay::return_bundles(
            &mut conn,
            &keys,
            &scope,
            false,
            crate::relay::MAX_RETURN_BYTES_PER_DEVICE,
            limits,
            now,
        )? {
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
