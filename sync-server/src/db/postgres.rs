//! The PostgreSQL side of [`crate::db`]: a pool of `tokio-postgres` clients driven by
//! a small runtime of their own, so the server's blocking database work (run off the
//! executor, as on SQLite) simply waits on the client's futures; the schema; and the
//! sequencer that gives log rows their cursor numbers in commit-visibility order.
//!
//! Why a sequencer: on PostgreSQL several transactions (several server instances)
//! file log rows at once. A `bigserial` is handed out at insert, not at commit, so a
//! reader could see row 11 committed while row 10 is still in flight, move its cursor
//! to 11 and never see 10. Here `log.id` is only the insertion order; `log.seq`, the
//! number cursors count, is stamped by [`PgConn::sequence`] on rows that are already
//! committed, under one lock, each batch above every number stamped before. A reader
//! reads stamped rows only, so every number it has seen was given before any row it
//! has not seen was numbered. The argument in full is in `docs/architecture.md`.

use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::{IsNull, Type};
use tokio_postgres::NoTls;

use super::{Error, Result, Row, Value};

/// Advisory lock keys (one namespace per purpose; any constant works, these spell
/// "ccs" and a purpose number).
const SEQUENCER_LOCK: i64 = 0x0063_6373_0001;
const MIGRATION_LOCK: i64 = 0x0063_6373_0002;

/// The sequencer: number, in insertion order, every committed row that has no number
/// yet, after the highest number given. Run under [`SEQUENCER_LOCK`], in its own
/// statement so its snapshot is taken once the lock is held (READ COMMITTED).
const SEQUENCE_SQL: &str = "
    BEGIN;
    SELECT pg_advisory_xact_lock(SEQUENCER_LOCK);
    WITH base AS (SELECT COALESCE(MAX(seq), 0) AS b FROM log),
         todo AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM log WHERE seq IS NULL)
    UPDATE log SET seq = base.b + todo.rn FROM base, todo WHERE log.id = todo.id;
    COMMIT;";

/// Schema migrations, applied in order; `schema_version` holds the number applied.
/// Only ever add to this list. The first one is the SQLite schema after its third
/// migration, in PostgreSQL's types (BIGINT, BYTEA), with the log split into
/// insertion order (`id`) and cursor order (`seq`).
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);

    CREATE TABLE devices (
        id TEXT PRIMARY KEY, role TEXT NOT NULL, committee_id TEXT, region TEXT,
        token_hash TEXT NOT NULL UNIQUE, label TEXT, enrolled_at TEXT NOT NULL, revoked_at TEXT
    );

    CREATE TABLE enrollment_codes (
        code_hash TEXT PRIMARY KEY, role TEXT NOT NULL, committee_id TEXT, region TEXT, label TEXT,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, used_by TEXT
    );

    CREATE TABLE committees (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT, region TEXT NOT NULL, cercle TEXT,
        commune TEXT, updated_at TEXT NOT NULL
    );
    CREATE INDEX committees_region ON committees(region);

    CREATE TABLE docs (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, committee_id TEXT NOT NULL, sensitivity TEXT NOT NULL,
        region TEXT, author_device TEXT NOT NULL, heads BYTEA NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE INDEX docs_committee ON docs(committee_id);

    -- id: insertion order; seq: the cursor number, stamped by the sequencer after commit.
    CREATE TABLE log (
        id BIGSERIAL PRIMARY KEY,
        seq BIGINT UNIQUE,
        doc_id TEXT NOT NULL REFERENCES docs(id),
        origin_device TEXT NOT NULL,
        bytes BYTEA NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX log_doc ON log(doc_id, id);
    CREATE INDEX log_pending ON log(id) WHERE seq IS NULL;

    -- log_id: the log row's insertion id (its cursor number may not be given yet).
    CREATE TABLE change_hashes (hash BYTEA PRIMARY KEY, log_id BIGINT NOT NULL REFERENCES log(id));

    CREATE TABLE contributors (
        doc_id TEXT NOT NULL REFERENCES docs(id), device_id TEXT NOT NULL, PRIMARY KEY (doc_id, device_id)
    );

    CREATE TABLE server_keys (epoch BIGINT PRIMARY KEY, secret BYTEA NOT NULL, created_at TEXT NOT NULL);

    CREATE TABLE device_keys (
        device_id TEXT NOT NULL, epoch BIGINT NOT NULL, sign BYTEA NOT NULL, encrypt TEXT NOT NULL,
        registered_at TEXT NOT NULL, retired_at TEXT, PRIMARY KEY (device_id, epoch)
    );

    CREATE TABLE relay_bundles (
        id BYTEA PRIMARY KEY, device_id TEXT NOT NULL, sha256 BYTEA NOT NULL, results TEXT NOT NULL,
        courier TEXT NOT NULL, received_at TEXT NOT NULL, confirmed_at TEXT
    );
    CREATE INDEX relay_bundles_device ON relay_bundles(device_id, confirmed_at);
    CREATE INDEX relay_bundles_sha ON relay_bundles(sha256);

    CREATE TABLE relay_deliveries (
        seq BIGSERIAL PRIMARY KEY, bundle_id BYTEA, device_id TEXT, courier TEXT NOT NULL,
        status TEXT NOT NULL, code TEXT, at TEXT NOT NULL
    );

    CREATE TABLE relay_quarantine (
        seq BIGSERIAL PRIMARY KEY, bundle_id BYTEA, device_id TEXT, sha256 BYTEA NOT NULL UNIQUE,
        code TEXT NOT NULL, courier TEXT NOT NULL, size BIGINT NOT NULL, bytes BYTEA NOT NULL,
        received_at TEXT NOT NULL
    );

    CREATE TABLE relay_cursors (
        device_id TEXT PRIMARY KEY, epoch BYTEA NOT NULL, cursor BIGINT NOT NULL, declared_at TEXT NOT NULL
    );

    CREATE TABLE relay_down (
        id BYTEA PRIMARY KEY, device_id TEXT NOT NULL, receipts TEXT NOT NULL, has_grant BIGINT NOT NULL,
        made_at TEXT NOT NULL
    );

    CREATE TABLE relay_refusals (
        bundle_id BYTEA NOT NULL, device_id TEXT NOT NULL, code TEXT NOT NULL, at TEXT NOT NULL,
        confirmed_at TEXT, PRIMARY KEY (bundle_id, device_id)
    );

    CREATE TABLE relay_grants (device_id TEXT PRIMARY KEY, token TEXT NOT NULL, created_at TEXT NOT NULL);
"#,
    // 2: each document's number on this log (frame format 3), from a sequence: instances
    // filing at once never give one number twice. Existing rows are numbered as the column
    // is added.
    r#"
    ALTER TABLE docs ADD COLUMN number BIGSERIAL;
    CREATE UNIQUE INDEX docs_number ON docs(number);
"#,
    // 3: each entry's committee beside it, for members' pulls (see the SQLite migration 6).
    r#"
    ALTER TABLE log ADD COLUMN committee_id TEXT;
    UPDATE log SET committee_id = d.committee_id FROM docs d WHERE d.id = log.doc_id;
    CREATE INDEX log_committee ON log(committee_id, seq);
"#,
];

/// The number of PostgreSQL migrations this build knows.
pub fn known_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// A pool of connections to one PostgreSQL database, with the runtime that drives them.
pub struct PgPool {
    pool: Pool,
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    /// `?N` → `$N` rewrites, shared by every connection.
    rewrites: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<str>>>>,
}

impl Drop for PgPool {
    fn drop(&mut self) {
        // The pool may be dropped inside an async context (a test's server stopping):
        // a runtime cannot be dropped there, only let go.
        self.pool.close();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl PgPool {
    /// Connects to `url` (a `postgres://` URL or `host=/socket/dir user=… dbname=…`).
    pub fn connect(url: &str, size: usize) -> Result<PgPool> {
        let config: tokio_postgres::Config = url.parse().map_err(Error::Postgres)?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ccs-postgres")
            .enable_all()
            .build()
            .map_err(|e| Error::Pool(format!("runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let pool = {
            let _guard = runtime.enter();
            Pool::builder(manager)
                .max_size(size.max(2))
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .build()
                .map_err(|e| Error::Pool(e.to_string()))?
        };
        Ok(PgPool { pool, runtime: Some(runtime), handle, rewrites: Arc::default() })
    }

    /// A connection; waits for one when all are taken.
    pub fn get(&self) -> Result<PgConn> {
        let client = self.block_on(self.pool.get()).map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => Error::Postgres(e),
            other => Error::Pool(other.to_string()),
        })?;
        Ok(PgConn {
            client,
            handle: self.handle.clone(),
            rewrites: Arc::clone(&self.rewrites),
            in_tx: std::cell::Cell::new(false),
        })
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        block_on(&self.handle, f)
    }
}

/// Waits for a future of the pool's runtime from blocking code (a `spawn_blocking`
/// thread, an admin command), never from an async task: every database call of the
/// server already runs off the executor ([`crate::store::Store::run`]).
fn block_on<F: std::future::Future>(handle: &tokio::runtime::Handle, f: F) -> F::Output {
    handle.block_on(f)
}

/// One PostgreSQL connection taken from the pool.
pub struct PgConn {
    client: deadpool_postgres::Object,
    handle: tokio::runtime::Handle,
    rewrites: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<str>>>>,
    in_tx: std::cell::Cell<bool>,
}

impl tokio_postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("an integer bound to a {ty} parameter").into()),
            },
            Value::Text(s) => match *ty {
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(format!("bytes bound to a {ty} parameter").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

impl PgConn {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        block_on(&self.handle, f)
    }

    fn rewrite(&self, sql: &str) -> Arc<str> {
        let mut cache = self.rewrites.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(done) = cache.get(sql) {
            return Arc::clone(done);
        }
        let done: Arc<str> = super::dollar_placeholders(sql).into();
        cache.insert(sql.to_string(), Arc::clone(&done));
        done
    }

    async fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        let sql = self.rewrite(sql);
        Ok(self.client.prepare_cached(&sql).await?)
    }

    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        self.block_on(async {
            let stmt = self.statement(sql).await?;
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                params.iter().map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
            Ok(self.client.execute(&stmt, &refs).await?)
        })
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let rows = self.block_on(async {
            let stmt = self.statement(sql).await?;
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                params.iter().map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
            Ok::<_, Error>(self.client.query(&stmt, &refs).await?)
        })?;
        rows.iter().map(row).collect()
    }

    pub fn batch(&self, sql: &str) -> Result<()> {
        let head: String = sql.trim_start().chars().take(8).collect::<String>().to_ascii_uppercase();
        let result = self.block_on(self.client.batch_execute(sql));
        if head.starts_with("BEGIN") {
            self.in_tx.set(result.is_ok());
        } else if head.starts_with("COMMIT") || head.starts_with("ROLLBACK") {
            self.in_tx.set(result.is_err());
        }
        Ok(result?)
    }

    /// Back to the pool, unless left inside a transaction (a panic mid-request): then
    /// the connection is closed instead of reused.
    pub fn release(self) {
        if !self.is_idle() {
            drop(deadpool_postgres::Object::take(self.client));
        }
    }

    pub fn is_idle(&self) -> bool {
        !self.in_tx.get() && !self.client.is_closed()
    }

    /// Stamps every committed row that has no cursor number yet (see the module doc).
    /// Cheap when there is none: the partial index `log_pending` is empty.
    pub fn sequence(&mut self) -> Result<()> {
        if self.in_tx.get() {
            return Err(Error::Misuse("the sequencer runs outside any transaction"));
        }
        let sql = SEQUENCE_SQL.replace("SEQUENCER_LOCK", &SEQUENCER_LOCK.to_string());
        self.block_on(self.client.batch_execute(&sql))?;
        Ok(())
    }

    /// Applies pending migrations (two instances starting together migrate once) and
    /// makes the epoch on first start. `None` when the database was written by a newer
    /// server: the version found.
    pub fn migrate(&mut self) -> Result<Result<(), u32>> {
        self.batch(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
             CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);"
        ))?;
        let run = || -> Result<Result<(), u32>> {
            let found: Option<i64> =
                self.query("SELECT version FROM schema_version", &[])?.first().map(|r| r.get(0)).transpose()?;
            let found = found.unwrap_or(0).max(0) as u32;
            if found > known_version() {
                return Ok(Err(found));
            }
            for sql in &MIGRATIONS[found as usize..] {
                self.block_on(self.client.batch_execute(sql))?;
            }
            self.execute("DELETE FROM schema_version", &[])?;
            self.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                &[Value::Int(i64::from(known_version()))],
            )?;
            Ok(Ok(()))
        };
        let outcome = run();
        match outcome {
            Ok(Ok(())) => {
                self.batch("COMMIT")?;
                Ok(Ok(()))
            }
            other => {
                let _ = self.batch("ROLLBACK");
                other
            }
        }
    }
}

/// A row of the PostgreSQL client as [`Row`]: integers and booleans as integers, text
/// as text, bytes as bytes.
fn row(r: &tokio_postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|v| Value::Int(v.into())),
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            ref other => return Err(Error::Type(i, format!("unsupported column type {other}"))),
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row { values })
}

/// Runs one statement on `url` outside any pool (creating or dropping a database: what
/// the test harness and the benchmark need around a server).
pub fn admin_statement(url: &str, sql: &str) -> Result<()> {
    let config: tokio_postgres::Config = url.parse()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Pool(format!("runtime: {e}")))?;
    rt.block_on(async {
        let (client, connection) = config.connect(NoTls).await?;
        let driver = tokio::spawn(connection);
        let done = client.batch_execute(sql).await;
        drop(client);
        let _ = driver.await;
        Ok(done?)
    })
}

/// `url` (key-value form) pointed at database `name`.
pub fn with_dbname(url: &str, name: &str) -> String {
    format!("{url} dbname={name}")
}
