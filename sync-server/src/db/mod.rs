//! One database handle for every server module, over either backend: the embedded
//! SQLite file (the default) or PostgreSQL (`--database postgres://…`).
//!
//! The API follows rusqlite's shape so the modules read the same on both: `execute`,
//! `query_row`, `query_map`, a [`Row`] read by column index, `?N` placeholders (rewritten
//! to `$N` for PostgreSQL), transactions as [`Tx`] (a read snapshot or a write).
//! Modules write SQL once in the subset both accept (`INSERT … ON CONFLICT DO NOTHING`,
//! `RETURNING`, `length(bytes)`); what differs (the schema, the epoch, the sequencer
//! that numbers the log on PostgreSQL) lives in [`sqlite`] and [`postgres`].
//!
//! Values cross the layer as [`Value`]: integers are 64-bit on both sides (BIGINT on
//! PostgreSQL, whose client checks types strictly), booleans are integers 0/1 when
//! written and read back from either an integer or a real boolean.

pub mod postgres;
pub mod sqlite;

use std::ops::{Deref, DerefMut};

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(String),
    /// `query_row` found nothing ([`Optional::optional`] turns it into `None`).
    #[error("query returned no rows")]
    NoRows,
    #[error("column {0}: {1}")]
    Type(usize, String),
    /// A bug in the caller (not the database's state).
    #[error("{0}")]
    Misuse(&'static str),
}

impl Error {
    /// Whether the database asked the caller to come back later: SQLite busy or
    /// locked past the timeout, PostgreSQL serialization failure, deadlock or lock
    /// timeout. The server answers `server.busy` for these.
    pub fn is_busy(&self) -> bool {
        match self {
            Error::Sqlite(s) => matches!(
                s.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            Error::Postgres(p) => p.code().is_some_and(|c| {
                use tokio_postgres::error::SqlState;
                [SqlState::T_R_SERIALIZATION_FAILURE, SqlState::T_R_DEADLOCK_DETECTED, SqlState::LOCK_NOT_AVAILABLE]
                    .contains(c)
            }),
            Error::Pool(_) => true,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row`'s "no rows" as `None`, like rusqlite's `OptionalExtension`.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A Rust value bound as a statement parameter.
pub trait ToSql {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_sql {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_sql!(i64, i32, u32, u16, u8, u64, usize);

impl ToSql for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToSql for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToSql for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToSql for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToSql for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl<const N: usize> ToSql for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToSql> ToSql for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToSql::to_value)
    }
}
impl ToSql for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// A statement's parameters: `()`, an array of one type, or [`params!`].
pub trait Params {
    fn values(&self) -> Vec<Value>;
}

impl Params for () {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}
impl<T: ToSql, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(ToSql::to_value).collect()
    }
}
impl Params for &[&dyn ToSql] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|p| p.to_value()).collect()
    }
}

/// Parameters of mixed types, as rusqlite's `params!`.
#[macro_export]
macro_rules! params {
    () => { () };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::ToSql),+] as &[&dyn $crate::db::ToSql] };
}
pub use crate::params;

/// A value read from a row.
pub trait FromSql: Sized {
    fn from_value(v: &Value) -> Result<Self, String>;
}

impl FromSql for i64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
macro_rules! int_from_sql {
    ($($t:ty),*) => {$(
        impl FromSql for $t {
            fn from_value(v: &Value) -> Result<Self, String> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} out of range"))
            }
        }
    )*};
}
int_from_sql!(i32, u32, u64, usize, u8);

impl FromSql for bool {
    fn from_value(v: &Value) -> Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromSql for String {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromSql for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromSql> FromSql for Option<T> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}
impl FromSql for Value {
    fn from_value(v: &Value) -> Result<Self, String> {
        Ok(v.clone())
    }
}

/// One result row, read by column index.
#[derive(Debug)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub fn get<T: FromSql>(&self, i: usize) -> Result<T> {
        let v = self.values.get(i).ok_or_else(|| Error::Type(i, "no such column".into()))?;
        T::from_value(v).map_err(|e| Error::Type(i, e))
    }
}

/// Which database a handle talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// One connection of either backend.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::PgConn),
}

/// How a transaction begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One consistent snapshot for several reads.
    Read,
    /// A write: on SQLite the write lock at once (IMMEDIATE), so a check and the write
    /// it guards see the same database; on PostgreSQL the rows a write depends on are
    /// locked explicitly (see [`Conn::lock_docs`]).
    Write,
}

impl Conn {
    pub fn kind(&self) -> Kind {
        match self {
            Conn::Sqlite(_) => Kind::Sqlite,
            Conn::Postgres(_) => Kind::Postgres,
        }
    }

    /// Picks the SQL of this backend where the two cannot share one text.
    pub fn pick<'s>(&self, sqlite: &'s str, postgres: &'s str) -> &'s str {
        match self {
            Conn::Sqlite(_) => sqlite,
            Conn::Postgres(_) => postgres,
        }
    }

    /// Runs a statement; the number of rows changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => sqlite::execute(c, sql, &params.values()),
            Conn::Postgres(c) => c.execute(sql, &params.values()),
        }
    }

    /// Every row of a query, mapped.
    pub fn query_map<T, P: Params, F: FnMut(&Row) -> Result<T>>(
        &self,
        sql: &str,
        params: P,
        mut f: F,
    ) -> Result<Vec<T>> {
        let rows = match self {
            Conn::Sqlite(c) => sqlite::query(c, sql, &params.values())?,
            Conn::Postgres(c) => c.query(sql, &params.values())?,
        };
        rows.iter().map(&mut f).collect()
    }

    /// Visits the rows of a query in order until `f` answers `false`; on SQLite the
    /// rows after that are never read (a page of a long log stops early).
    pub fn query_each<P, E, F>(&self, sql: &str, params: P, mut f: F) -> Result<(), E>
    where
        P: Params,
        E: From<Error>,
        F: FnMut(&Row) -> Result<bool, E>,
    {
        match self {
            Conn::Sqlite(c) => sqlite::query_each(c, sql, &params.values(), f),
            Conn::Postgres(c) => {
                for row in c.query(sql, &params.values())? {
                    if !f(&row)? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    /// The first row of a query ([`Error::NoRows`] when there is none).
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> Result<T>>(&self, sql: &str, params: P, f: F) -> Result<T> {
        let rows = match self {
            Conn::Sqlite(c) => sqlite::query(c, sql, &params.values())?,
            Conn::Postgres(c) => c.query(sql, &params.values())?,
        };
        rows.first().map_or(Err(Error::NoRows), f)
    }

    /// The first row of a query, if any.
    pub fn query_opt<T, P: Params, F: FnOnce(&Row) -> Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> Result<Option<T>> {
        self.query_row(sql, params, f).optional()
    }

    /// Several statements without parameters (schema changes).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => c.batch(sql),
        }
    }

    /// Begins a transaction; rolled back when dropped uncommitted.
    pub fn transaction(&mut self, mode: Mode) -> Result<Tx<'_>> {
        match mode {
            Mode::Read => {
                if let Conn::Postgres(c) = self {
                    // Rows filed by other instances get their cursor numbers before the
                    // snapshot is taken, so the reader sees them numbered.
                    c.sequence()?;
                }
                self.execute_batch(self.pick("BEGIN DEFERRED", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))?;
            }
            Mode::Write => self.execute_batch(self.pick("BEGIN IMMEDIATE", "BEGIN"))?,
        }
        Ok(Tx { conn: self, mode, done: false })
    }

    /// Locks the given documents (sorted, so two writers never wait on each other in a
    /// cycle) until the transaction ends, created or not: on PostgreSQL several
    /// instances write at once, and the re-check that a document's heads did not move
    /// must happen under this lock. SQLite's IMMEDIATE write already excludes every
    /// other writer.
    pub fn lock_docs(&self, ids: &[String]) -> Result<()> {
        if let Conn::Postgres(c) = self {
            let mut ids = ids.to_vec();
            ids.sort();
            ids.dedup();
            for id in ids {
                c.execute("SELECT pg_advisory_xact_lock(hashtextextended(?1, 13))::text", &[Value::Text(id)])?;
            }
        }
        Ok(())
    }

    /// Locks a named thing (not a document) until the transaction ends; a no-op on
    /// SQLite, whose write transaction excludes every other writer.
    pub fn lock(&self, name: &str) -> Result<()> {
        self.lock_docs(&[format!("ccs:{name}")])
    }

    /// Whether the connection is outside any transaction (safe to reuse).
    pub fn is_idle(&self) -> bool {
        match self {
            Conn::Sqlite(c) => c.is_autocommit(),
            Conn::Postgres(c) => c.is_idle(),
        }
    }
}

/// An open transaction; derefs to the connection it runs on.
pub struct Tx<'a> {
    conn: &'a mut Conn,
    mode: Mode,
    done: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.conn.execute_batch("COMMIT")?;
        if let (Mode::Write, Conn::Postgres(c)) = (self.mode, &mut *self.conn) {
            // Number what this write filed now, so the next pull anywhere finds it
            // numbered (a pull numbers pending rows too: this is not needed for
            // correctness, only to keep the pending set small). The write is committed
            // whatever happens here, so a failure is not the caller's.
            if let Err(e) = c.sequence() {
                tracing::warn!(error = %e, "numbering the log after a commit failed; the next read numbers it");
            }
        }
        Ok(())
    }
}

impl Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: a connection that fails this is not reused (`is_idle`).
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Rewrites `?N` placeholders to PostgreSQL's `$N`, leaving quoted text alone.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut next = 0;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                out.push('$');
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    next += 1;
                    out.push_str(&next.to_string());
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes() {
        assert_eq!(dollar_placeholders("SELECT ?1, '?2', ?12 WHERE a = ?"), "SELECT $1, '?2', $12 WHERE a = $1");
    }
}
