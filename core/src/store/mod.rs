//! The encrypted local store of a device: one SQLite database (SQLCipher) holding every
//! record's Automerge document, a projection of each for lists and indicators, full-text
//! search, dirty tracking for sync and the admin additions to the reference data.
//!
//! Rules kept here:
//! - every write or merge (document, projection, search index, bookkeeping) is one
//!   transaction, so a crash leaves the old or the new state;
//! - lists and filters read the projection only;
//! - a local save of an invalid record is refused with every field error; a merged
//!   document is kept whatever it holds and flagged when invalid;
//! - the key exists only in memory while the store is open;
//! - no SQL leaves this module: callers get typed methods, never the connection.
//!
//! This file opens, keys and re-keys the database; each concern has its own file with
//! its queries, one `impl Store` block each:
//!
//! | file            | tables                                   | what                                  |
//! |-----------------|------------------------------------------|---------------------------------------|
//! | `schema`        | all (migrations)                         | the layout, append-only               |
//! | `key`, `files`  | (the key file beside the database)       | key derivation, private files         |
//! | `identity`      | `identity`                               | who the device is, its server         |
//! | `reference`     | `reference_units`                        | reference data added by an admin      |
//! | `documents`     | `documents`, `document_changes`          | Automerge documents, merges, heads    |
//! | `records`       | (through `documents`)                    | create, read, edit, review, conflicts |
//! | `projection`    | `records`, `records_fts`                 | the row lists and search read         |
//! | `list`          | `records`, `records_fts`                 | lists, filters, counts                |
//! | `inbox`         | `records`                                | « À traiter »: what waits for a role  |
//! | `declassify`    | `record_lineage`                         | history-free copies and their links   |
//! | `drafts`        | `drafts`                                 | forms not valid yet                   |
//! | `sync_state`    | `documents` (acked heads), `sync_cursors`| dirty documents, a page's writes      |
//! | `quarantine`    | `sync_quarantine`, `sync_refusals`       | what a sync set aside                 |
//! | `delivery`      | `sync_receipts`                          | when the server took each record      |
//! | `relay`         | `relay_*`                                | device keys, pinned server, bundles   |
//! | `custody`       | `relay_custody`, `relay_roster`          | bundles a courier carries for others  |
//! | `indicators`    | `indicator_*`                            | the indicators' per-month tallies     |
//! | `export_log`    | `records` (read), `export_log`           | an export's scan, the export log      |
//!
//! What a sync page *is* (`Cursor`, `SyncPage`) belongs to the sync module, which applies a
//! page through [`PageWrite`]: the store knows nothing of the sync.

pub mod custody;
mod declassify;
pub mod delivery;
mod documents;
mod drafts;
mod export_log;
pub mod files;
mod identity;
mod inbox;
mod indicators;
mod key;
mod list;
mod projection;
mod quarantine;
mod records;
mod reference;
pub mod relay;
mod schema;
mod second;
mod sync_state;
mod values;

pub use documents::{DocHeaderView, MergeOutcome, SaveCost, MAX_INCREMENTS};
pub use drafts::Draft;
pub use export_log::{ExportLogRow, ExportScan, Scanned};
pub use identity::{Identity, ServerLink};
pub use inbox::{InboxCount, InboxFilter, InboxItem, InboxPage, InboxReason};
pub use key::{
    check_strength, store_tag, weakness, KdfParams, SecondUse, Weakness, MIN_PASSPHRASE_CHARS, MIN_PIN_DIGITS,
};
pub use list::{ListFilter, Page, RecordSummary, MAX_PAGE};
pub use quarantine::{held_back, QuarantinedEntry, RefusedDoc, REFUSAL_RETRY};
pub use records::{Edited, StoredRecord};
pub use schema::SCHEMA_VERSION as STORE_SCHEMA_VERSION;
pub use second::{check_second, spare_path, Opened, SecondKey};
pub use sync_state::{EntryOutcome, PageWrite, ENTRY_MISSING_DEPS, ENTRY_PANICKED};

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::doc::DocError;
use crate::model::input::InputError;
use crate::model::review::TransitionError;
use crate::model::*;
use crate::reference::{ReferenceData, ReferenceError};

use key::KeyFile;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("no store at {0}")]
    NotFound(String),
    #[error("a store already exists at {0}")]
    AlreadyExists(String),
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("key file: {0}")]
    KeyFile(String),
    #[error("passphrase too weak: {0}")]
    WeakPassphrase(key::Weakness),
    #[error("store written by a newer version of the app (schema {0})")]
    NewerStore(i64),
    #[error("record is invalid ({} error(s))", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("no record {0}")]
    RecordNotFound(String),
    #[error("record {0} was written by a newer version of the app: read-only")]
    ReadOnly(RecordId),
    #[error("record {0} is approved: reopen it before editing")]
    Locked(RecordId),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error(transparent)]
    Review(#[from] TransitionError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error("i/o error: {0}")]
    Io(String),
    #[error("database error: {0}")]
    Sqlite(String),
    #[error("`{0}` is not a period")]
    BadPeriod(String),
}

impl StoreError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> crate::error_code::ErrorCode {
        use crate::error_code::ErrorCode;
        match self {
            StoreError::WrongPassphrase => ErrorCode::StoreWrongPassphrase,
            StoreError::NotFound(_) => ErrorCode::StoreNotFound,
            StoreError::AlreadyExists(_) => ErrorCode::StoreExists,
            StoreError::Corrupt(_) => ErrorCode::StoreCorrupt,
            StoreError::KeyFile(_) => ErrorCode::StoreKeyFile,
            StoreError::WeakPassphrase(_) => ErrorCode::PassphraseWeak,
            StoreError::NewerStore(_) => ErrorCode::StoreNewerVersion,
            StoreError::Invalid(_) => ErrorCode::RecordInvalid,
            StoreError::RecordNotFound(_) => ErrorCode::RecordNotFound,
            StoreError::ReadOnly(_) => ErrorCode::RecordReadOnly,
            StoreError::Locked(_) => ErrorCode::RecordLocked,
            StoreError::Forbidden(_) => ErrorCode::RecordForbidden,
            StoreError::Review(e) => e.code(),
            StoreError::Input(e) => e.code(),
            StoreError::Doc(e) => e.code(),
            StoreError::Reference(e) => e.code(),
            StoreError::Io(_) => ErrorCode::StoreIo,
            StoreError::Sqlite(_) => ErrorCode::StoreDatabase,
            StoreError::BadPeriod(_) => ErrorCode::ReportBadPeriod,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(DatabaseCorrupt | NotADatabase) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}

/// An open, unlocked store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    identity: Identity,
    reference: ReferenceData,
    /// This device's relay keys, newest epoch first, never empty (see `relay.rs`):
    /// dropped, and zeroised, with the store.
    keys: Vec<crate::relay::DeviceKeys>,
}

/// Serialises keying. SQLCipher's crypto provider set-up was seen failing now and then
/// ("An error occurred with PRAGMA key") when several stores were keyed at the same
/// moment in one process; opening is rare and short, so one lock costs nothing.
static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A keyed in-memory database held for the life of the process. SQLCipher counts the
/// keyed connections and tears its crypto provider down when the last one closes, then
/// sets it up again at the next key: closing is not serialised by [`KEYING`], and the
/// failure above still showed (twice in one run of the relay tests, where devices'
/// stores open and close side by side). With this one always open the provider is set
/// up once and never torn down.
static PROVIDER_KEPT: std::sync::OnceLock<std::sync::Mutex<Connection>> = std::sync::OnceLock::new();

fn keep_provider() -> Result<(), StoreError> {
    if PROVIDER_KEPT.get().is_some() {
        return Ok(());
    }
    let conn = Connection::open_in_memory()?;
    conn.execute_batch("PRAGMA cipher_log_level = NONE")?;
    // Any key: the database is empty, in memory, and dropped with the process.
    conn.execute_batch("PRAGMA key = 'provider';")?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    let _ = PROVIDER_KEPT.set(std::sync::Mutex::new(conn));
    Ok(())
}

fn open_connection(path: &Path, key: &key::Key, create: bool) -> Result<Connection, StoreError> {
    let _guard = KEYING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    keep_provider()?;
    // `PRAGMA key` fails only when SQLCipher cannot attach its codec (a wrong key shows
    // at the first read, below, not here). That still happened now and then under the
    // lock and with the provider kept (twice in one run of the frame tests, never in
    // 1,200 stores created from eight threads to reproduce it): a fresh connection
    // keyed again goes through, so a member's store does not fail to open on it.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match keyed_connection(path, key, create) {
            Err(StoreError::Sqlite(e)) if attempt < KEYING_ATTEMPTS && e.contains("PRAGMA key") => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Connections tried before a keying failure is reported ([`open_connection`]).
const KEYING_ATTEMPTS: u32 = 3;

fn keyed_connection(path: &Path, key: &key::Key, create: bool) -> Result<Connection, StoreError> {
    let flags = if create {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher logs decryption failures to stderr; a wrong passphrase is reported
    // through our own error instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE")?;
    // SQLCipher wipes the memory it frees (page buffers, the key schedule) only when
    // asked; off by default since SQLCipher 4.5 for speed.
    conn.execute_batch("PRAGMA cipher_memory_security = ON")?;
    // Built in a buffer that is zeroised when dropped: `pragma_update` would format the
    // key into an ordinary String left in freed memory.
    let sql = zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.pragma_value().as_str()));
    conn.execute_batch(sql.as_str())?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // Filing one received record runs some forty cached statements; rusqlite keeps 16
    // by default, and past that every statement was parsed again for every record (a
    // fifth of a first sync).
    conn.set_prepared_statement_cache_capacity(128);
    // The first read decrypts page 1: this is where a wrong key shows.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a save that returned survives a power cut, not only a killed process.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Up to 64 MiB of decrypted pages (the default is 2 MiB): with SQLCipher every page
    // read from the file is decrypted and checked. Lists over a large store gain, and so
    // does a reviewer's first sync, which touches its indexes' pages at random: at
    // 100,000 records, 16 MiB read and decrypted the same pages again and again. Pages
    // are taken only as they are used, so a member's small store stays small in memory.
    conn.pragma_update(None, "cache_size", -65536)?;
    // A checkpoint (copying the WAL into the database, then an fsync of it) runs inside
    // the commit that takes the WAL past this many pages: at SQLite's default of 1,000,
    // with a save writing about ten pages, one save in a hundred paid for it, which is
    // where a p99 sits. 8,000 pages (32 MiB at most) leaves all but the longest
    // sessions to the checkpoint SQLite makes when the store is closed (locked).
    conn.pragma_update(None, "wal_autocheckpoint", 8000)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

impl Store {
    /// Creates a new encrypted store at `path` for a device with `identity`.
    pub fn create(path: &Path, passphrase: &str, identity: Identity, params: KdfParams) -> Result<Store, StoreError> {
        check_strength(passphrase)?;
        if path.exists() || key::key_file_path(path).exists() {
            return Err(StoreError::AlreadyExists(path.display().to_string()));
        }
        let (file, key) = KeyFile::new(passphrase, params)?;
        let mut conn = open_connection(path, &key, true)?;
        schema::migrate(&mut conn)?;
        indicators::mark_current(&conn)?;
        identity::insert(&conn, &identity)?;
        let keys = relay::load_or_make_keys(&conn)?;
        // The key file is written last: a crash before this leaves a database nobody can
        // open, which `create` then refuses to overwrite, rather than a half-made store.
        file.write(path)?;
        files::restrict(path, 0o600).map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        Ok(Store { conn, path: path.to_path_buf(), identity, reference: ReferenceData::builtin(), keys })
    }

    /// Opens and unlocks the store at `path`. A wrong passphrase changes nothing; the
    /// second PIN (duress) counts as wrong here: only the app opens what it leads to
    /// ([`Store::unlock`]).
    pub fn open(path: &Path, passphrase: &str) -> Result<Store, StoreError> {
        match Store::unlock(path, passphrase)? {
            Opened::Real { store, .. } => Ok(store),
            Opened::Second(_) => Err(StoreError::WrongPassphrase),
        }
    }

    /// Deletes a store: the key file first (without its salt the database can no longer
    /// be decrypted, even if the deleted blocks are recovered), then the database.
    pub fn wipe(path: &Path) -> Result<(), StoreError> {
        let key_file = key::key_file_path(path);
        // Zeros over the salt first, then the unlink; a failure to overwrite (read-only
        // medium) must not stop the deletion itself.
        let _ = files::shred(&key_file);
        let _ = files::shred(&key::tmp_path(path));
        let _ = files::shred(&key::next_path(path));
        let next_tmp = key::next_path(path).with_extension("next.tmp");
        let _ = files::shred(&next_tmp);
        let mut targets = vec![key_file, key::tmp_path(path), key::next_path(path), next_tmp, path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            targets.push(PathBuf::from(p));
        }
        // The bundles carried for others go with the store (ciphertext, but who carries
        // what for whom is nobody's business either).
        if let Some(dir) = path.parent().map(|p| p.join(custody::CUSTODY_DIR)) {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::Io(format!("{}: {e}", dir.display()))),
            }
        }
        for t in targets {
            match std::fs::remove_file(&t) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::Io(format!("{}: {e}", t.display()))),
            }
        }
        // The spare store (second PIN) goes too: a wipe leaves nothing of the device.
        Store::wipe_spare(path)
    }

    /// The key-derivation cost this store was made with.
    pub fn kdf_params(&self) -> Result<KdfParams, StoreError> {
        Ok(KeyFile::read(&self.path)?.params())
    }

    /// Re-derives the key with `params` and a new salt, and re-encrypts the store under
    /// it: a store made with the cheap test cost (`CCS_KDF_FAST=1`) must not stay cheap
    /// to guess once real data is in it.
    pub fn strengthen_key(&mut self, passphrase: &str, params: KdfParams) -> Result<(), StoreError> {
        let current = KeyFile::read(&self.path)?;
        if !current.matches(&current.derive(passphrase)?) {
            return Err(StoreError::WrongPassphrase);
        }
        let (file, key) = KeyFile::new(passphrase, params)?;
        let next = key::next_path(&self.path);
        file.write_at(&next)?;
        let sql = zeroize::Zeroizing::new(format!("PRAGMA rekey = \"{}\";", key.pragma_value().as_str()));
        self.conn.execute_batch(sql.as_str())?;
        std::fs::rename(&next, key::key_file_path(&self.path)).map_err(|e| StoreError::Io(e.to_string()))?;
        Ok(())
    }

    /// Re-encrypts the store under a new passphrase (same salt and cost).
    pub fn change_passphrase(&mut self, current: &str, new: &str) -> Result<(), StoreError> {
        check_strength(new)?;
        let file = KeyFile::read(&self.path)?;
        let old_key = file.derive(current)?;
        if !file.matches(&old_key) {
            return Err(StoreError::WrongPassphrase);
        }
        let new_key = file.derive(new)?;
        // SQLCipher's rekey rewrites every page in one transaction.
        let sql = zeroize::Zeroizing::new(format!("PRAGMA rekey = \"{}\";", new_key.pragma_value().as_str()));
        self.conn.execute_batch(sql.as_str())?;
        file.with_key(Some(&old_key), &new_key).write(&self.path)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with commits that do not wait for the disk (`synchronous = OFF`), then
    /// waits again (`FULL`), whatever `f` returned. For `ccs-bench` only, to tell a
    /// save's own work from the fsync it waits for: a power cut during `f` may lose what
    /// it committed (it never damages the database).
    pub fn without_waiting_for_disk<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> Result<T, StoreError> {
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        let out = f(self);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(out)
    }

    /// Runs raw SQL on the store, for the tests that set a store back to an older layout
    /// to check its migration. Only built with the `migration-tests` feature, which the
    /// crate's own tests turn on; the app never has it.
    #[cfg(feature = "migration-tests")]
    pub fn execute_sql_for_migration_tests(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }
}
