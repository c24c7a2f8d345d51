//! The server's one SQLite file: opening it, its schema (append-only migrations keyed by
//! `user_version`), the log epoch, and a small pool of connections.
//!
//! Everything that must survive a restart is in this file; nothing lives only in
//! memory. The HTTP server and the admin commands open the same file at the same time:
//! WAL lets readers run beside the one writer, and `busy_timeout` makes a second writer
//! wait instead of failing. What the tables mean, and the queries over them, belong to
//! the modules named after them (`log`, `devices`, `committees`, `enrollment`).
//!
//! The file is opened through the same bundled SQLCipher build as the client's store,
//! but without a key: the server keeps routing metadata and change bytes that are meant
//! to be encrypted end to end later, and the disk is the host's to protect.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngCore;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::db::{self, postgres::PgPool, Conn};
use crate::gate::Gate;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "server.db";

/// How long a statement waits for another writer (the server or an admin command)
/// before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// Connections kept open between requests beyond one per work slot (the writer's, an
/// admin command's). A connection closed and opened again under load costs more than
/// the statements it then runs: the schema is parsed and every statement prepared anew.
const SPARE_CONNECTIONS: usize = 2;

/// Prepared statements each connection keeps (rusqlite keeps 16 by default, fewer than a
/// sync round runs, so statements were prepared again on every request).
const STATEMENT_CACHE: usize = 64;

/// Concurrent database work when not configured ([`Store::with_gate`]).
const DEFAULT_SLOTS: usize = 16;

/// PostgreSQL connections per server instance (the work slots above bound how many are
/// busy at once).
const PG_CONNECTIONS: usize = 16;

/// Schema migrations, applied in order; `user_version` is the number applied. Only ever
/// add to this list: a shipped migration is never edited, so every server file in the
/// field reaches the same schema.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE devices (
        id           TEXT PRIMARY KEY,
        role         TEXT NOT NULL,
        committee_id TEXT,
        region       TEXT,
        token_hash   TEXT NOT NULL UNIQUE,
        label        TEXT,
        enrolled_at  TEXT NOT NULL,
        revoked_at   TEXT
    );

    CREATE TABLE enrollment_codes (
        code_hash    TEXT PRIMARY KEY,
        role         TEXT NOT NULL,
        committee_id TEXT,
        region       TEXT,
        label        TEXT,
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        used_at      TEXT,
        used_by      TEXT
    ) WITHOUT ROWID;

    CREATE TABLE committees (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        level      TEXT,
        region     TEXT NOT NULL,
        cercle     TEXT,
        commune    TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX committees_region ON committees(region);

    CREATE TABLE docs (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        committee_id  TEXT NOT NULL,
        sensitivity   TEXT NOT NULL,
        region        TEXT,
        author_device TEXT NOT NULL,
        heads         BLOB NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX docs_committee ON docs(committee_id);

    CREATE TABLE log (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id        TEXT NOT NULL REFERENCES docs(id),
        origin_device TEXT NOT NULL,
        bytes         BLOB NOT NULL,
        at            TEXT NOT NULL
    );
    CREATE INDEX log_doc ON log(doc_id, seq);

    CREATE TABLE change_hashes (
        hash BLOB PRIMARY KEY,
        seq  INTEGER NOT NULL REFERENCES log(seq)
    ) WITHOUT ROWID;
    "#,
    // 2: who wrote each document (the confidential rule: its contributors, not the
    // first pusher). Seeded with every device a document's log entries came from.
    r#"
    CREATE TABLE contributors (
        doc_id    TEXT NOT NULL REFERENCES docs(id),
        device_id TEXT NOT NULL,
        PRIMARY KEY (doc_id, device_id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO contributors (doc_id, device_id) SELECT id, author_device FROM docs;
    INSERT OR IGNORE INTO contributors (doc_id, device_id) SELECT DISTINCT doc_id, origin_device FROM log;
    "#,
    // 3: the relay (RELAY.md). The server's own keys (secrets: this file is the host's to
    // protect, as the token hashes and records already are); each device's public keys by
    // key epoch; up-bundles received with their receipts and who carried them; refused
    // bundles kept for an administrator; the cursor each device last declared; the
    // return bundles made (what they carried, so the device's `applied` confirms it);
    // tokens of devices enrolled offline, kept until the device confirms them.
    r#"
    CREATE TABLE server_keys (
        epoch      INTEGER PRIMARY KEY,
        secret     BLOB NOT NULL,
        created_at TEXT NOT NULL
    );

    CREATE TABLE device_keys (
        device_id     TEXT NOT NULL,
        epoch         INTEGER NOT NULL,
        sign          BLOB NOT NULL,
        encrypt       TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        retired_at    TEXT,
        PRIMARY KEY (device_id, epoch)
    ) WITHOUT ROWID;

    CREATE TABLE relay_bundles (
        id           BLOB PRIMARY KEY,
        device_id    TEXT NOT NULL,
        sha256       BLOB NOT NULL,
        results      TEXT NOT NULL,
        courier      TEXT NOT NULL,
        received_at  TEXT NOT NULL,
        confirmed_at TEXT
    );
    CREATE INDEX relay_bundles_device ON relay_bundles(device_id, confirmed_at);
    CREATE INDEX relay_bundles_sha ON relay_bundles(sha256);

    CREATE TABLE relay_deliveries (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        bundle_id BLOB,
        device_id TEXT,
        courier   TEXT NOT NULL,
        status    TEXT NOT NULL,
        code      TEXT,
        at        TEXT NOT NULL
    );

    CREATE TABLE relay_quarantine (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        bundle_id   BLOB,
        device_id   TEXT,
        sha256      BLOB NOT NULL UNIQUE,
        code        TEXT NOT NULL,
        courier     TEXT NOT NULL,
        size        INTEGER NOT NULL,
        bytes       BLOB NOT NULL,
        received_at TEXT NOT NULL
    );

    CREATE TABLE relay_cursors (
        device_id   TEXT PRIMARY KEY,
        epoch       BLOB NOT NULL,
        cursor      INTEGER NOT NULL,
        declared_at TEXT NOT NULL
    );

    CREATE TABLE relay_down (
        id        BLOB PRIMARY KEY,
        device_id TEXT NOT NULL,
        receipts  TEXT NOT NULL,
        has_grant INTEGER NOT NULL,
        made_at   TEXT NOT NULL
    );

    CREATE TABLE relay_refusals (
        bundle_id    BLOB NOT NULL,
        device_id    TEXT NOT NULL,
        code         TEXT NOT NULL,
        at           TEXT NOT NULL,
        confirmed_at TEXT,
        PRIMARY KEY (bundle_id, device_id)
    ) WITHOUT ROWID;

    CREATE TABLE relay_grants (
        device_id  TEXT PRIMARY KEY,
        token      TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    "#,
    // 4: compacted documents for the rules' rebuild ([`crate::snapshots`]): the document
    // saved after its log rows up to `upto_seq`. A cache of the log, refreshed by the
    // writer; losing it loses nothing.
    r#"
    CREATE TABLE doc_snapshots (
        doc_id   TEXT PRIMARY KEY REFERENCES docs(id),
        upto_seq INTEGER NOT NULL,
        bytes    BLOB NOT NULL
    );
    "#,
    // 5: each document's number on this log, given when it is first filed and never
    // changed (frame format 3 names documents by it: `ccs_core::sync::compact`). A
    // column of its own, not the rowid, which VACUUM may renumber. The trigger numbers
    // a new row, so the insert is the same statement as on PostgreSQL (a sequence).
    r#"
    ALTER TABLE docs ADD COLUMN number INTEGER;
    UPDATE docs SET number = rowid;
    CREATE UNIQUE INDEX docs_number ON docs(number);
    CREATE TRIGGER docs_numbered AFTER INSERT ON docs WHEN NEW.number IS NULL BEGIN
        UPDATE docs SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM docs) WHERE id = NEW.id;
    END;
    "#,
    // 6: each entry's committee beside it (a document never changes committee), so a
    // member's pull reads its committee's entries after its cursor from one index range
    // instead of visiting every document of the committee: at 100,000 documents that
    // visit cost more than the rest of a sync.
    r#"
    ALTER TABLE log ADD COLUMN committee_id TEXT;
    UPDATE log SET committee_id = (SELECT committee_id FROM docs WHERE docs.id = log.doc_id);
    CREATE INDEX log_committee ON log(committee_id, seq);
    "#,
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] db::Error),
    #[error("data directory {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the database was written by a newer server (schema {found}; this build knows {known})")]
    NewerSchema { found: u32, known: u32 },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// Every slot for database work stayed taken past the queue wait.
    #[error("too many requests at once")]
    Overloaded,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(db::Error::Sqlite(e))
    }
}

impl StoreError {
    /// Whether the database asked to come back later (answered `server.busy`).
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Db(e) => e.is_busy(),
            StoreError::Overloaded => true,
            _ => false,
        }
    }
}

/// Where a server keeps its data: the data directory (the SQLite file, and on
/// PostgreSQL nothing but what the administrator puts there), and the PostgreSQL
/// database when one is configured (`--database`, `CCS_DATABASE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub data_dir: PathBuf,
    /// A `postgres://` URL or `host=… user=… dbname=…`; `None`: the embedded SQLite.
    pub database: Option<String>,
}

impl Location {
    pub fn sqlite(data_dir: impl Into<PathBuf>) -> Location {
        Location { data_dir: data_dir.into(), database: None }
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::sqlite(p)
    }
}
impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Location {
        Location::sqlite(p.clone())
    }
}
impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::sqlite(p)
    }
}
impl From<&Location> for Location {
    fn from(l: &Location) -> Location {
        l.clone()
    }
}

enum Backend {
    Sqlite { path: PathBuf, idle: Mutex<Vec<Connection>>, keep: usize },
    Postgres(PgPool),
}

/// The database of one server, with idle connections ready for reuse.
pub struct Store {
    backend: Backend,
    location: Location,
    /// Slots for database work ([`Store::run`]): one device's heavy pushes cannot take
    /// every blocking thread; the others queue for `queue_wait`, then are told busy.
    /// Handed out oldest request first ([`crate::gate`]).
    gate: Arc<Gate>,
    queue_wait: Duration,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("data_dir", &self.location.data_dir).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the server's database, applies pending migrations
    /// and makes the log epoch on first start: the SQLite file in the data directory,
    /// or the configured PostgreSQL database.
    pub fn open(at: impl Into<Location>) -> Result<Store, StoreError> {
        let location = at.into();
        let backend = match &location.database {
            None => open_sqlite(&location.data_dir)?,
            Some(url) => open_postgres(url)?,
        };
        Ok(Store { backend, location, gate: Gate::new(DEFAULT_SLOTS), queue_wait: Duration::from_secs(10) })
    }

    /// Bounds concurrent database work to `slots`; a request waits at most `queue_wait`
    /// for one.
    pub fn with_gate(mut self, slots: usize, queue_wait: Duration) -> Store {
        self.gate = Gate::new(slots.max(1));
        if let Backend::Sqlite { keep, .. } = &mut self.backend {
            *keep = slots.max(1) + SPARE_CONNECTIONS;
        }
        self.queue_wait = queue_wait;
        self
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn kind(&self) -> db::Kind {
        match self.backend {
            Backend::Sqlite { .. } => db::Kind::Sqlite,
            Backend::Postgres(_) => db::Kind::Postgres,
        }
    }

    /// The SQLite file (`None` on PostgreSQL).
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite { path, .. } => Some(path),
            Backend::Postgres(_) => None,
        }
    }

    /// A connection for the caller's exclusive use, returned to the pool on drop.
    pub fn conn(&self) -> Result<Pooled<'_>, StoreError> {
        let conn = match &self.backend {
            Backend::Sqlite { path, idle, .. } => {
                let reused = idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
                match reused {
                    Some(c) => Conn::Sqlite(c),
                    None => Conn::Sqlite(connect(path)?),
                }
            }
            Backend::Postgres(pool) => Conn::Postgres(pool.get()?),
        };
        Ok(Pooled { store: self, conn: Some(conn) })
    }

    /// Runs blocking database work off the async executor, inside the caller's
    /// tracing span (so refusals logged there carry the request id).
    pub async fn run<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    {
        let store = Arc::clone(self);
        let span = tracing::Span::current();
        // A slot once the older requests' work has had one ([`crate::gate`]).
        let since = crate::gate::request_since();
        let permit = match tokio::time::timeout(self.queue_wait, self.gate.acquire(since)).await {
            Ok(permit) => permit,
            Err(_) => return Err(E::from(StoreError::Overloaded)),
        };
        tokio::task::spawn_blocking(move || {
            // Held until the work ends, even if the request timed out meanwhile.
            let _permit = permit;
            span.in_scope(|| {
                let mut conn = store.conn()?;
                f(&mut conn)
            })
        })
        .await
        .map_err(|e| E::from(StoreError::Internal(format!("database task failed: {e}"))))?
    }
}

/// A pooled connection; derefs to [`Conn`].
pub struct Pooled<'a> {
    store: &'a Store,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        // Only `drop` takes the connection out.
        self.conn.as_ref().unwrap_or_else(|| unreachable!("pooled connection used after drop"))
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().unwrap_or_else(|| unreachable!("pooled connection used after drop"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        match conn {
            // A connection left inside a transaction (a panic mid-request) is not reused.
            Conn::Sqlite(c) if c.is_autocommit() => {
                if let Backend::Sqlite { idle, keep, .. } = &self.store.backend {
                    if let Ok(mut idle) = idle.lock() {
                        if idle.len() < *keep {
                            idle.push(c);
                        }
                    }
                }
            }
            Conn::Sqlite(_) => {}
            Conn::Postgres(c) => c.release(),
        }
    }
}

fn open_sqlite(data_dir: &Path) -> Result<Backend, StoreError> {
    create_private_dir(data_dir)?;
    let path = data_dir.join(DB_FILE);
    // Switching a new database to WAL needs an exclusive lock, and SQLite answers
    // "busy" at once there instead of waiting (seen when `serve` and an admin
    // command open a fresh data directory together): retry for a while.
    let mut attempts = 0;
    let conn = loop {
        let opened = connect(&path).and_then(|mut c| migrate(&mut c).map(|_| c));
        match opened {
            Err(StoreError::Db(db::Error::Sqlite(e)))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) && attempts < 100 =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other?,
        }
    };
    Ok(Backend::Sqlite { path, idle: Mutex::new(vec![conn]), keep: DEFAULT_SLOTS + SPARE_CONNECTIONS })
}

fn open_postgres(url: &str) -> Result<Backend, StoreError> {
    let pool = PgPool::connect(url, PG_CONNECTIONS)?;
    let mut conn = Conn::Postgres(pool.get()?);
    if let Conn::Postgres(c) = &mut conn {
        if let Err(found) = c.migrate()? {
            return Err(StoreError::NewerSchema { found, known: db::postgres::known_version() });
        }
    }
    ensure_epoch(&mut conn)?;
    drop(conn);
    Ok(Backend::Postgres(pool))
}

/// Makes the data directory private (owner only, 0700): it holds token hashes and
/// every record's changes in plaintext. A new one is created so; an existing one that
/// other users can read or enter is tightened to 0700 with a warning in the log (the
/// server refuses nothing: the administrator may not be at the console, and leaving it
/// open is the worse outcome). Returns whether it had to be tightened.
pub fn create_private_dir(dir: &Path) -> Result<bool, StoreError> {
    let io = |source| StoreError::Io { path: dir.to_path_buf(), source };
    if dir.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
                tracing::warn!(
                    dir = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the data directory was readable by other users: its mode is now 700"
                );
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io)?;
    Ok(false)
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // WAL: readers (pulls, `devices list`, `backup`) never block the writer.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    // FULL: an accepted push is on disk before the device is told so; a device that
    // was told "accepted" stops sending those changes.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The writer's commits are checkpointed by a thread of their own
    // ([`crate::checkpoint`]); a connection does it itself only this far behind.
    conn.pragma_update(None, "wal_autocheckpoint", crate::checkpoint::FALLBACK_PAGES)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // IMMEDIATE: an admin command and the server starting together migrate once.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as u32;
    if version > known {
        return Err(StoreError::NewerSchema { found: version, known });
    }
    for sql in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    let epoch: Option<Vec<u8>> =
        tx.query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| r.get(0)).optional()?;
    if epoch.is_none() {
        // A new log gets a new epoch, so devices holding a cursor into another log (an
        // older server, a restored backup of a different one) know to repair.
        tx.execute("INSERT INTO meta (key, value) VALUES ('epoch', ?1)", [fresh_epoch().as_slice()])?;
    }
    tx.commit()?;
    Ok(())
}

fn fresh_epoch() -> [u8; 16] {
    let mut fresh = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    fresh
}

/// Makes the epoch of a new PostgreSQL log (two instances starting together agree on
/// the first one written).
fn ensure_epoch(conn: &mut Conn) -> Result<(), StoreError> {
    conn.execute("INSERT INTO meta (key, value) VALUES ('epoch', ?1) ON CONFLICT (key) DO NOTHING", [fresh_epoch()])?;
    Ok(())
}

/// Gives the log a new epoch: every device's cursor is then into another log, and it
/// repairs. For a PostgreSQL database restored from a dump, whose log may be shorter
/// than what devices were served (`ccs-sync-server new-epoch`).
pub fn new_epoch(conn: &Conn) -> Result<[u8; 16], StoreError> {
    let fresh = fresh_epoch();
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'epoch'", [fresh])?;
    Ok(fresh)
}

/// The epoch of this server's log.
pub fn epoch(conn: &Conn) -> Result<[u8; 16], StoreError> {
    let bytes: Vec<u8> = conn.query_row("SELECT value FROM meta WHERE key = 'epoch'", (), |r| r.get(0))?;
    bytes.try_into().map_err(|_| StoreError::Corrupt("epoch is not 16 bytes".into()))
}

/// The last sequence number of the log (0 when empty).
pub fn last_seq(conn: &Conn) -> Result<u64, StoreError> {
    let seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM log", (), |r| r.get(0))?;
    Ok(seq.max(0) as u64)
}

/// Timestamps are stored as RFC 3339 UTC with whole seconds: fixed width, so they sort
/// and compare as text.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn parse_timestamp(s: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| StoreError::Corrupt(format!("bad timestamp {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_keeps_schema_and_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let first = epoch(&store.conn().unwrap()).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let conn = store.conn().unwrap();
        assert_eq!(epoch(&conn).unwrap(), first);
        let version: u32 = conn.query_row("PRAGMA user_version", (), |r| r.get(0)).unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        assert_eq!(last_seq(&conn).unwrap(), 0);
    }

    /// A database of the build before document numbers and committee-indexed entries:
    /// its documents are numbered and its entries given their committee as it opens, and
    /// a document filed afterwards takes the next number.
    #[test]
    fn an_older_database_gets_numbers_and_entry_committees_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path()).unwrap();
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &MIGRATIONS[..4] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 4).unwrap();
        for (doc, committee) in [("d1", "c1"), ("d2", "c2"), ("d3", "c1")] {
            tx.execute(
                "INSERT INTO docs (id, kind, committee_id, sensitivity, author_device, heads, created_at, updated_at)
                 VALUES (?1, 'session', ?2, 'restricted', 'dev', x'', 't', 't')",
                [doc, committee],
            )
            .unwrap();
            tx.execute("INSERT INTO log (doc_id, origin_device, bytes, at) VALUES (?1, 'dev', x'00', 't')", [doc])
                .unwrap();
        }
        tx.commit().unwrap();
        drop(conn);

        let store = Store::open(dir.path()).unwrap();
        let conn = store.conn().unwrap();
        let numbers = conn.query_map("SELECT number FROM docs ORDER BY number", (), |r| r.get::<i64>(0)).unwrap();
        assert_eq!(numbers, vec![1, 2, 3]);
        let committees =
            conn.query_map("SELECT committee_id FROM log ORDER BY seq", (), |r| r.get::<String>(0)).unwrap();
        assert_eq!(committees, vec!["c1", "c2", "c1"]);
        conn.execute(
            "INSERT INTO docs (id, kind, committee_id, sensitivity, author_device, heads, created_at, updated_at)
             VALUES ('d4', 'session', 'c2', 'restricted', 'dev', x'', 't', 't')",
            (),
        )
        .unwrap();
        let n: i64 = conn.query_row("SELECT number FROM docs WHERE id = 'd4'", (), |r| r.get(0)).unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(Store::open(dir.path()), Err(StoreError::NewerSchema { found: 99, .. })));
    }

    #[cfg(unix)]
    #[test]
    fn a_data_directory_open_to_other_users_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let fresh = parent.path().join("new");
        drop(Store::open(&fresh).unwrap());
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o700);

        let open = parent.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(create_private_dir(&open).unwrap(), "tightening not reported");
        assert_eq!(std::fs::metadata(&open).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(!create_private_dir(&open).unwrap());
    }

    #[test]
    fn timestamps_round_trip() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(timestamp(t), "2026-11-20T10:00:00Z");
        assert_eq!(parse_timestamp(&timestamp(t)).unwrap(), t);
    }
}
