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
//! - the key exists only in memory while the store is open.

mod declassify;
pub mod delivery;
mod drafts;
pub mod files;
mod key;
mod list;
mod projection;
mod quarantine;
mod schema;
mod sync_state;

pub use drafts::Draft;
pub use key::{check_strength, weakness, KdfParams, Weakness, MIN_PASSPHRASE_CHARS, MIN_PIN_DIGITS};
pub use list::{ListFilter, Page, RecordSummary, MAX_PAGE};
pub use quarantine::{held_back, QuarantinedEntry, RefusedDoc, REFUSAL_RETRY};
pub use schema::SCHEMA_VERSION as STORE_SCHEMA_VERSION;
pub use sync_state::{Cursor, PageOutcome, ServerLink, SyncPage};

use std::path::{Path, PathBuf};

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use serde::Serialize;

use crate::doc::{self, Conflict, DocError, DocHeader, HistoryEntry, RecordDoc};
use crate::model::input::{self, InputError, RecordInput};
use crate::model::review::{self, TransitionError};
use crate::model::*;
use crate::reference::{AdminUnit, ReferenceData, ReferenceError};

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

/// Who this device is: fixed at creation or enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Identity {
    pub device_id: DeviceId,
    pub role: Role,
    /// A member's committee.
    pub committee_id: Option<CommitteeId>,
    /// A facilitator's region.
    pub region: Option<String>,
}

impl Identity {
    pub fn new(role: Role) -> Identity {
        Identity { device_id: DeviceId::new(), role, committee_id: None, region: None }
    }
}

/// What a form's save became: the record it is now under (a new id when the edit lowered
/// the record's sensitivity and went into a history-free copy) and the heads of the edit,
/// the form's next base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub id: RecordId,
    pub heads: Vec<ChangeHash>,
}

/// A record as read from the store, with what the store knows about it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct StoredRecord {
    pub header: DocHeaderView,
    /// `None` when the document cannot be read by this version (newer schema or damaged
    /// body); the bytes are kept and the header still lists it.
    pub record: Option<Record>,
    pub read_only: bool,
    pub errors: Vec<FieldError>,
    pub conflicts: Vec<Conflict>,
    pub dirty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DocHeaderView {
    pub id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    pub schema_version: u64,
}

impl From<DocHeader> for DocHeaderView {
    fn from(h: DocHeader) -> Self {
        DocHeaderView { id: h.id, kind: h.kind, committee_id: h.committee_id, schema_version: h.schema_version }
    }
}

/// What a merge did to one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeOutcome {
    pub id: RecordId,
    pub created: bool,
    pub changed: bool,
    /// Validation errors of the merged document (kept anyway).
    pub error_count: usize,
}

/// An open, unlocked store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    identity: Identity,
    reference: ReferenceData,
}

/// Serialises keying. SQLCipher's crypto provider set-up was seen failing now and then
/// ("An error occurred with PRAGMA key") when several stores were keyed at the same
/// moment in one process; opening is rare and short, so one lock costs nothing.
static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn open_connection(path: &Path, key: &key::Key, create: bool) -> Result<Connection, StoreError> {
    let _guard = KEYING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
    // The first read decrypts page 1: this is where a wrong key shows.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a save that returned survives a power cut, not only a killed process.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 16 MiB of decrypted pages (the default is 2 MiB): with SQLCipher every page read
    // from the file is decrypted and checked, so lists over a large store gain most.
    conn.pragma_update(None, "cache_size", -16384)?;
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
        conn.execute(
            "INSERT INTO identity (singleton, device_id, role, committee_id, region) VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                identity.device_id.to_string(),
                identity.role.code(),
                identity.committee_id.map(|c| c.to_string()),
                identity.region
            ],
        )?;
        // The key file is written last: a crash before this leaves a database nobody can
        // open, which `create` then refuses to overwrite, rather than a half-made store.
        file.write(path)?;
        files::restrict(path, 0o600).map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        Ok(Store { conn, path: path.to_path_buf(), identity, reference: ReferenceData::builtin() })
    }

    /// Opens and unlocks the store at `path`. A wrong passphrase changes nothing.
    pub fn open(path: &Path, passphrase: &str) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound(path.display().to_string()));
        }
        let mut file = KeyFile::read(path)?;
        let mut key = file.derive(passphrase)?;
        let mut opened = open_connection(path, &key, false);
        // A re-keying cut short after the database was re-encrypted: its next key file
        // holds the salt that opens it now.
        let next = key::next_path(path);
        if opened.is_err() && next.exists() {
            let next_file = KeyFile::read_at(&next)?;
            let next_key = next_file.derive(passphrase)?;
            if let Ok(conn) = open_connection(path, &next_key, false) {
                std::fs::rename(&next, key::key_file_path(path)).map_err(|e| StoreError::Io(e.to_string()))?;
                (file, key, opened) = (next_file, next_key, Ok(conn));
            }
        }
        let mut conn = match opened {
            Ok(c) => c,
            Err(e) => {
                return Err(match e {
                    _ if !file.matches(&key) => StoreError::WrongPassphrase,
                    StoreError::Corrupt(_) => e,
                    other => StoreError::Corrupt(other.to_string()),
                })
            }
        };
        if !file.matches(&key) {
            // The database opened, so the passphrase is right and the key file is from
            // before an interrupted passphrase change: bring it up to date.
            file.with_key(&key).write(path)?;
        }
        schema::migrate(&mut conn)?;
        let identity = conn
            .query_row("SELECT device_id, role, committee_id, region FROM identity WHERE singleton = 1", [], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .optional()?
            .ok_or_else(|| StoreError::Corrupt("identity missing".into()))?;
        let identity = Identity {
            device_id: identity.0.parse().map_err(|_| StoreError::Corrupt("device id".into()))?,
            role: identity.1.parse().map_err(|_| StoreError::Corrupt("role".into()))?,
            committee_id: identity.2.and_then(|c| c.parse().ok()),
            region: identity.3,
        };
        let mut store = Store { conn, path: path.to_path_buf(), identity, reference: ReferenceData::builtin() };
        store.reference = store.load_reference()?;
        Ok(store)
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
        for t in targets {
            match std::fs::remove_file(&t) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::Io(format!("{}: {e}", t.display()))),
            }
        }
        Ok(())
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
        file.with_key(&new_key).write(&self.path)?;
        Ok(())
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// Records what enrollment returned: the device's role and scope.
    pub fn set_identity(&mut self, identity: Identity) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE identity SET device_id = ?1, role = ?2, committee_id = ?3, region = ?4 WHERE singleton = 1",
            params![
                identity.device_id.to_string(),
                identity.role.code(),
                identity.committee_id.map(|c| c.to_string()),
                identity.region
            ],
        )?;
        self.identity = identity;
        Ok(())
    }

    fn load_reference(&self) -> Result<ReferenceData, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT code, level, name, parent, valid_from, valid_to, dataset_version FROM reference_units ORDER BY added_at, code",
        )?;
        let units = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut extra = Vec::new();
        for (code, level, name, parent, from, to, version) in units {
            let level = serde_json::from_value(serde_json::Value::String(level))
                .map_err(|_| StoreError::Corrupt(format!("reference unit {code}")))?;
            extra.push(AdminUnit {
                code,
                level,
                name,
                parent,
                valid_from: from.and_then(|d| d.parse().ok()),
                valid_to: to.and_then(|d| d.parse().ok()),
                dataset_version: version,
            });
        }
        Ok(ReferenceData::builtin().with_units(extra)?)
    }

    /// Adds an administrative unit (admins only), checked against the reference data.
    pub fn add_reference_unit(&mut self, unit: AdminUnit, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.identity.role != Role::Admin {
            return Err(StoreError::Forbidden("only an administrator can extend the reference data".into()));
        }
        self.reference.check_new_unit(&unit)?;
        let reference = self.reference.with_units(vec![unit.clone()])?;
        self.conn.execute(
            "INSERT INTO reference_units (code, level, name, parent, valid_from, valid_to, dataset_version, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                unit.code,
                unit.level.as_str(),
                unit.name,
                unit.parent,
                unit.valid_from.map(|d| d.to_string()),
                unit.valid_to.map(|d| d.to_string()),
                unit.dataset_version,
                now.to_rfc3339()
            ],
        )?;
        self.reference = reference;
        Ok(())
    }

    fn ctx(&self, now: DateTime<Utc>) -> ValidationContext<'_> {
        ValidationContext { today: now.date_naive(), reference: &self.reference }
    }

    /// Whether this device may write records of `committee` (and committee records).
    pub fn check_write_scope(&self, kind: RecordKind, committee: CommitteeId) -> Result<(), StoreError> {
        let id = &self.identity;
        if kind == RecordKind::Committee && !matches!(id.role, Role::Admin | Role::Reviewer) {
            return Err(StoreError::Forbidden(
                "the committee registry is maintained by administrators and reviewers".into(),
            ));
        }
        if id.role == Role::Member && kind != RecordKind::Committee {
            if let Some(own) = id.committee_id {
                if own != committee {
                    return Err(StoreError::Forbidden(format!("this device records for committee {own} only")));
                }
            }
        }
        Ok(())
    }

    /// Validates and saves a new record; returns its id. Refused with every field error
    /// when invalid.
    pub fn create_record(&mut self, input: RecordInput, now: DateTime<Utc>) -> Result<RecordId, StoreError> {
        let device = self.identity.device_id;
        let kind = input.body.kind();
        let committee = match (kind, input.committee_id.or(self.identity.committee_id)) {
            (RecordKind::Committee, c) => c.unwrap_or_default(),
            (_, Some(c)) => c,
            (_, None) => return Err(StoreError::Input(InputError::CommitteeRequired)),
        };
        if kind != RecordKind::Committee && !self.committee_known(committee)? {
            return Err(StoreError::Invalid(vec![FieldError {
                code: "committee.unknown".into(),
                path: "committee_id".into(),
                message: crate::i18n::Message::new(
                    format!("Comité {committee} inconnu sur cet appareil."),
                    format!("Committee {committee} is unknown on this device."),
                ),
            }]));
        }
        self.check_write_scope(kind, committee)?;
        let mut body = input.body;
        input::apply_status(&mut body, input.status, device, now);
        let mut record = Record::new(body, committee, device, now);
        if let Some(s) = input.sensitivity {
            record.sensitivity = s;
        }
        self.insert_new(&record, now)?;
        Ok(record.id)
    }

    /// Saves `record` as a new document without role checks: for the demo generator and
    /// imports, which write on behalf of other devices.
    pub fn insert_new(&mut self, record: &Record, now: DateTime<Utc>) -> Result<(), StoreError> {
        let errors = validate(record, &self.ctx(now));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut d = RecordDoc::create(record, record.updated_by)?;
        let tx = self.conn.transaction()?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM documents WHERE id = ?1", [record.id.to_string()], |_| Ok(true))
            .optional()?
            .unwrap_or(false);
        if exists {
            return Err(StoreError::Forbidden(format!("record {} already exists", record.id)));
        }
        write_document(&tx, &mut d, &self.reference, now, None)?;
        tx.commit()?;
        Ok(())
    }

    fn committee_known(&self, committee: CommitteeId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM documents WHERE id = ?1 AND kind = 'committee'", [committee.to_string()], |_| {
                Ok(true)
            })
            .optional()?
            .unwrap_or(false))
    }

    fn load_doc(&self, id: RecordId) -> Result<RecordDoc, StoreError> {
        let bytes: Vec<u8> = self
            .conn
            .query_row("SELECT bytes FROM documents WHERE id = ?1", [id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::RecordNotFound(id.to_string()))?;
        let mut d = RecordDoc::load(&bytes)?;
        d.set_device(self.identity.device_id);
        Ok(d)
    }

    /// Reads a record's fields only (no conflicts, no validation): what an edit starts
    /// from. A document this version cannot read is `ReadOnly`.
    pub fn record(&self, id: RecordId) -> Result<Record, StoreError> {
        match self.load_doc(id)?.read() {
            Ok(r) => Ok(r),
            Err(DocError::NewerSchema(_)) => Err(StoreError::ReadOnly(id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a record with its flags, conflicts and errors.
    pub fn get(&self, id: RecordId, now: DateTime<Utc>) -> Result<StoredRecord, StoreError> {
        let d = self.load_doc(id)?;
        let header: DocHeaderView = d.header()?.into();
        let dirty: bool =
            self.conn.query_row("SELECT heads != acked_heads FROM documents WHERE id = ?1", [id.to_string()], |r| {
                r.get(0)
            })?;
        let conflicts = d.conflicts();
        match d.read() {
            Ok(record) => {
                let errors = validate(&record, &self.ctx(now));
                Ok(StoredRecord { header, record: Some(record), read_only: false, errors, conflicts, dirty })
            }
            Err(e @ DocError::NewerSchema(_)) => Ok(StoredRecord {
                header,
                record: None,
                read_only: true,
                errors: vec![projection::doc_error_field(&e)],
                conflicts,
                dirty,
            }),
            Err(e) => Ok(StoredRecord {
                header,
                record: None,
                read_only: true,
                errors: vec![projection::doc_error_field(&e)],
                conflicts,
                dirty,
            }),
        }
    }

    /// Applies `change` to the current record and saves it as one change by this device.
    /// Refused when the result is invalid, the record approved or of a newer schema.
    fn modify(
        &mut self,
        id: RecordId,
        now: DateTime<Utc>,
        message: &str,
        change: impl FnOnce(&mut Record) -> Result<(), StoreError>,
    ) -> Result<Record, StoreError> {
        let mut d = self.load_doc(id)?;
        let mut record = match d.read() {
            Ok(r) => r,
            Err(DocError::NewerSchema(_)) => return Err(StoreError::ReadOnly(id)),
            Err(e) => return Err(e.into()),
        };
        change(&mut record)?;
        record.updated_at = now;
        record.updated_by = self.identity.device_id;
        let errors = validate(&record, &self.ctx(now));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        if let Some(copy) = declassify::copy_if_lowered(self, &mut d, &record, now)? {
            return Ok(copy);
        }
        d.update(&record, message)?;
        let tx = self.conn.transaction()?;
        write_document(&tx, &mut d, &self.reference, now, None)?;
        tx.commit()?;
        Ok(record)
    }

    /// Edits a record's fields (the input is the full new state of the fields).
    pub fn edit_record(&mut self, id: RecordId, input: RecordInput, now: DateTime<Utc>) -> Result<Record, StoreError> {
        let device = self.identity.device_id;
        let current = self.record(id)?;
        self.check_write_scope(current.kind(), current.committee_id)?;
        if !review::editable(current.review_status()) {
            return Err(StoreError::Locked(id));
        }
        if input.body.kind() != current.kind() {
            return Err(StoreError::Input(InputError::ReadOnly("kind".into())));
        }
        self.modify(id, now, "edit", move |r| {
            let mut body = input.body;
            input::apply_status(&mut body, input.status, device, now);
            r.body = body;
            if let Some(s) = input.sensitivity {
                r.sensitivity = s;
            }
            Ok(())
        })
    }

    /// The record as it was at `heads` (the state a form started from).
    pub fn record_at(&self, id: RecordId, heads: &[ChangeHash]) -> Result<Record, StoreError> {
        let mut d = self.load_doc(id)?;
        let fork = d.fork_at(heads)?;
        read_record(&fork, id)
    }

    /// Saves a form's changes: `patch` holds only the fields the user changed (JSON
    /// merge patch), relative to `base`, the heads the form started from. The edit is
    /// written as a change made at `base` and merged into the current document, so that
    /// what was merged in the meantime survives: another field, a text fix, a threat
    /// added to the list (autosurgeon reconciles lists by item id and writes only what
    /// differs from `base`). A field also changed by someone else keeps both values as a
    /// conflict. Validation runs on the merged result; an invalid one writes nothing.
    ///
    /// Returns the heads of the edit itself: the form's state is the document at those
    /// heads, so they are its next base. `None` when the patch changes nothing.
    pub fn edit_at(
        &mut self,
        id: RecordId,
        base: &[ChangeHash],
        patch: serde_json::Map<String, serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<Option<Edited>, StoreError> {
        let device = self.identity.device_id;
        let mut d = self.load_doc(id)?;
        let current = read_record(&d, id)?;
        self.check_write_scope(current.kind(), current.committee_id)?;
        if !review::editable(current.review_status()) {
            return Err(StoreError::Locked(id));
        }
        let mut fork = d.fork_at(base)?;
        let before = read_record(&fork, id)?;
        // The fork also holds this device's own later changes (an actor's history is one
        // line) and whatever they were made on top of. If that moved a field of the
        // record, the form's state is no longer a state of the document: a change of that
        // field cannot be made a conflict any more, and the form's next base would hold
        // what the form never saw. The save is refused, naming the fields, until the form
        // is reopened, rather than writing over what the form never saw.
        let mut sorted_base = base.to_vec();
        sorted_base.sort();
        if fork.heads() != sorted_base {
            let seen = form_state(&d.read_at(base)?);
            let there = form_state(&before);
            let moved: Vec<FieldError> = there
                .keys()
                .chain(seen.keys())
                .filter(|k| seen.get(k.as_str()) != there.get(k.as_str()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|k| FieldError {
                    code: "record.changed_meanwhile".into(),
                    path: k.clone(),
                    message: crate::i18n::Message::new(
                        "Ce champ a été modifié entre-temps sur cet appareil : rouvrez la fiche pour voir sa valeur actuelle avant de continuer.",
                        "This field was changed meanwhile on this device: reopen the record to see its current value before going on.",
                    ),
                })
                .collect();
            if !moved.is_empty() {
                return Err(StoreError::Invalid(moved));
            }
        }
        let input = input::parse_patch(&before, patch)?;
        let same_status = match (&before.body, input.status) {
            (RecordBody::Recommendation(r), Some(s)) => r.status() == s,
            _ => true,
        };
        if input.body == before.body && input.sensitivity.is_none_or(|s| s == before.sensitivity) && same_status {
            return Ok(None);
        }
        let mut record = before;
        let mut body = input.body;
        input::apply_status(&mut body, input.status, device, now);
        record.body = body;
        if let Some(s) = input.sensitivity {
            record.sensitivity = s;
        }
        record.updated_at = now;
        record.updated_by = device;
        fork.update(&record, "edit")?;
        let edit_heads = fork.heads();
        d.merge(&mut fork)?;
        let merged = read_record(&d, id)?;
        let errors = validate(&merged, &self.ctx(now));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        // What lowers the record's sensitivity never enters its document: the merged
        // state goes into a history-free copy instead ([`declassify`]).
        let mut original = self.load_doc(id)?;
        if let Some(copy) = declassify::copy_if_lowered(self, &mut original, &merged, now)? {
            let heads = self.heads(copy.id)?.0;
            return Ok(Some(Edited { id: copy.id, heads }));
        }
        let tx = self.conn.transaction()?;
        write_document(&tx, &mut d, &self.reference, now, None)?;
        tx.commit()?;
        Ok(Some(Edited { id, heads: edit_heads }))
    }

    /// Edits with a JSON merge patch over the current fields.
    pub fn patch_record(
        &mut self,
        id: RecordId,
        patch: serde_json::Map<String, serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<Record, StoreError> {
        let current = self.record(id)?;
        let input = input::parse_patch(&current, patch)?;
        self.edit_record(id, input, now)
    }

    /// Records a review decision by this device, if its role may make it now.
    pub fn review(
        &mut self,
        id: RecordId,
        decision: Decision,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Record, StoreError> {
        let role = self.identity.role;
        let device = self.identity.device_id;
        let comment = comment.filter(|c| !c.trim().is_empty());
        self.modify(id, now, &format!("review {decision}"), move |r| {
            review::check(&r.review, role, decision, comment.as_deref())?;
            let at = review::next_event_time(&r.review, now);
            r.review.push(ReviewEvent { id: ItemId::new(), at, by_device: device, role, decision, comment });
            Ok(())
        })
    }

    pub fn conflicts(&self, id: RecordId) -> Result<Vec<Conflict>, StoreError> {
        Ok(self.load_doc(id)?.conflicts())
    }

    /// Resolves a conflict by choosing one of its values (index in the conflict's list).
    pub fn resolve_conflict(
        &mut self,
        id: RecordId,
        path: &str,
        choice: usize,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut d = self.load_doc(id)?;
        if let Err(DocError::NewerSchema(_)) = d.read() {
            return Err(StoreError::ReadOnly(id));
        }
        d.resolve(path, choice, now)?;
        let tx = self.conn.transaction()?;
        write_document(&tx, &mut d, &self.reference, now, None)?;
        tx.commit()?;
        Ok(())
    }

    pub fn history(&self, id: RecordId) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.load_doc(id)?.history())
    }

    /// Lists records from the projection only.
    pub fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        list::list(&self.conn, filter, declassify::sees_replaced(self.identity.role))
    }

    /// Counts per kind and review status, from the projection.
    pub fn counts(&self) -> Result<Vec<(RecordKind, ReviewStatus, u64)>, StoreError> {
        list::counts(&self.conn)
    }

    // ------------------------------------------------------------ sync bookkeeping

    /// Documents with changes the server has not acknowledged.
    pub fn dirty(&self) -> Result<Vec<DocHeaderView>, StoreError> {
        // History-free copies first: the server checks a copy against its original as
        // it stands, and the same sync may make the original confidential (see
        // `declassify`), after which a device that is not its author cannot name it.
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, committee_id FROM documents WHERE heads != acked_heads
             ORDER BY id IN (SELECT new_id FROM record_lineage) DESC, id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, kind, committee)| {
                Ok(DocHeaderView {
                    id: id.parse().map_err(|_| StoreError::Corrupt("document id".into()))?,
                    kind: kind.parse().map_err(|_| StoreError::Corrupt("document kind".into()))?,
                    committee_id: committee.parse().map_err(|_| StoreError::Corrupt("committee id".into()))?,
                    schema_version: 0,
                })
            })
            .collect()
    }

    /// Every document id with its kind and committee.
    pub fn document_ids(&self) -> Result<Vec<RecordId>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id FROM documents ORDER BY id")?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        ids.into_iter().map(|s| s.parse().map_err(|_| StoreError::Corrupt("document id".into()))).collect()
    }

    /// The document's heads and the heads the server acknowledged.
    pub fn heads(&self, id: RecordId) -> Result<(Vec<ChangeHash>, Vec<ChangeHash>), StoreError> {
        let (h, a): (Vec<u8>, Vec<u8>) = self
            .conn
            .query_row("SELECT heads, acked_heads FROM documents WHERE id = ?1", [id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| StoreError::RecordNotFound(id.to_string()))?;
        Ok((doc::decode_heads(&h)?, doc::decode_heads(&a)?))
    }

    /// The changes of a document after `heads` (all of it when `heads` is empty).
    pub fn changes_since(&self, id: RecordId, heads: &[ChangeHash]) -> Result<Vec<u8>, StoreError> {
        Ok(self.load_doc(id)?.save_after(heads))
    }

    /// The compacted document bytes.
    pub fn document_bytes(&self, id: RecordId) -> Result<Vec<u8>, StoreError> {
        Ok(self.load_doc(id)?.save())
    }

    /// Marks `heads` as acknowledged by the server.
    pub fn mark_acked(&mut self, id: RecordId, heads: &[ChangeHash]) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE documents SET acked_heads = ?2 WHERE id = ?1",
            params![id.to_string(), doc::encode_heads(heads)],
        )?;
        Ok(())
    }

    /// Merges changes received from elsewhere into one document (creating it if new),
    /// re-validates and re-projects it, in one transaction. An invalid result is kept and
    /// flagged. `hint` files a document whose own header cannot be read.
    pub fn apply_changes(
        &mut self,
        hint: &DocHeaderView,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<MergeOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = merge_into(&tx, hint, bytes, &self.reference, now, false)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Merges a batch (a sync page) in one transaction, marking each merged document as
    /// acknowledged where it was clean, so received changes are not sent back.
    pub fn apply_batch(
        &mut self,
        docs: &[(DocHeaderView, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<MergeOutcome>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(docs.len());
        for (hint, bytes) in docs {
            out.push(merge_into(&tx, hint, bytes, &self.reference, now, true)?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// A transaction for callers that must update other bookkeeping with a merge (sync
    /// cursors); see [`Store::apply_batch`].
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Rebuilds every projection row from its document (after an upgrade, or to check).
    pub fn rebuild_projections(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let ids = self.document_ids()?;
        let tx = self.conn.transaction()?;
        for id in &ids {
            let bytes: Vec<u8> =
                tx.query_row("SELECT bytes FROM documents WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
            let mut d = RecordDoc::load(&bytes)?;
            let hint = d.header().ok().map(DocHeaderView::from);
            projection::project(&tx, &mut d, hint.as_ref(), &self.reference, now)?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// The projection row of a record, as stored (for checks and tests).
    pub fn summary(&self, id: RecordId) -> Result<RecordSummary, StoreError> {
        list::summary(&self.conn, id)
    }
}

/// What a form shows of a record: its fields and its sensitivity.
fn form_state(r: &Record) -> serde_json::Map<String, serde_json::Value> {
    let mut m = match serde_json::to_value(&r.body) {
        Ok(serde_json::Value::Object(mut o)) => match o.remove("fields") {
            Some(serde_json::Value::Object(f)) => f,
            _ => serde_json::Map::new(),
        },
        _ => serde_json::Map::new(),
    };
    m.insert("sensitivity".into(), serde_json::Value::String(r.sensitivity.code().into()));
    m
}

/// The record a document holds; a newer schema is read-only.
fn read_record(d: &RecordDoc, id: RecordId) -> Result<Record, StoreError> {
    match d.read() {
        Ok(r) => Ok(r),
        Err(DocError::NewerSchema(_)) => Err(StoreError::ReadOnly(id)),
        Err(e) => Err(e.into()),
    }
}

/// Stores the document and its projection. `hint` is used when the document's own
/// header cannot be read.
fn write_document(
    tx: &Transaction<'_>,
    d: &mut RecordDoc,
    reference: &ReferenceData,
    now: DateTime<Utc>,
    hint: Option<&DocHeaderView>,
) -> Result<(), StoreError> {
    let header = match d.header() {
        Ok(h) => DocHeaderView::from(h),
        Err(e) => hint.cloned().ok_or(e)?,
    };
    let heads = d.heads();
    let bytes = d.save();
    tx.execute(
        "INSERT INTO documents (id, kind, committee_id, bytes, heads, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads, updated_at = excluded.updated_at",
        params![
            header.id.to_string(),
            header.kind.code(),
            header.committee_id.to_string(),
            bytes,
            doc::encode_heads(&heads),
            now.to_rfc3339()
        ],
    )?;
    projection::project(tx, d, Some(&header), reference, now)?;
    declassify::note_lineage(tx, d, &header)?;
    Ok(())
}

fn merge_into(
    tx: &Transaction<'_>,
    hint: &DocHeaderView,
    bytes: &[u8],
    reference: &ReferenceData,
    now: DateTime<Utc>,
    ack_if_clean: bool,
) -> Result<MergeOutcome, StoreError> {
    let existing: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = tx
        .query_row("SELECT bytes, heads, acked_heads FROM documents WHERE id = ?1", [hint.id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let created = existing.is_none();
    let (mut d, before, was_clean) = match &existing {
        Some((b, h, a)) => (RecordDoc::load(b)?, h.clone(), h == a),
        None => (RecordDoc::empty(), Vec::new(), true),
    };
    d.apply(bytes)?;
    // Changes whose dependencies this device lacks wait in Automerge's queue and would
    // be dropped on save: refuse them, so the sync keeps them aside instead.
    if !d.inner().get_missing_deps(&[]).is_empty() {
        return Err(StoreError::Doc(DocError::Malformed("changes.missing_deps".into())));
    }
    if let Ok(h) = d.header() {
        if h.id != hint.id {
            return Err(StoreError::Doc(DocError::Malformed(format!("document {} sent as {}", h.id, hint.id))));
        }
    }
    let heads = d.heads();
    let changed = doc::encode_heads(&heads) != before;
    if changed || created {
        write_document(tx, &mut d, reference, now, Some(hint))?;
    }
    if ack_if_clean && was_clean {
        tx.execute("UPDATE documents SET acked_heads = heads WHERE id = ?1", [hint.id.to_string()])?;
    }
    let error_count: i64 = tx
        .query_row("SELECT error_count FROM records WHERE id = ?1", [hint.id.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    Ok(MergeOutcome { id: hint.id, created, changed, error_count: error_count as usize })
}
