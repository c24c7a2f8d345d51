//! # ccs-sync-server
//!
//! The sync server of CCS Terrain: an append-only log of Automerge changes, filed by
//! document and scope, that enrolled devices push to and pull from (DESIGN.md, "Sync
//! protocol" and "Sync server"). The wire format and the scope rules are shared with the
//! client and live in `ccs_core::sync`; this crate stores, routes and enforces.
//!
//! Map of the crate:
//! - [`http`]: the axum router; thin handlers and extractors;
//! - [`error`]: [`error::AppError`], the HTTP boundary's `{code, message}` errors;
//! - [`store`]: the SQLite file, its migrations, the log epoch, a connection pool;
//! - [`auth`]: device tokens and the scope of the device making a request;
//! - [`enrollment`]: single-use codes exchanged for device tokens;
//! - [`devices`], [`committees`]: the device list and the committee registry;
//! - [`log`]: the change log and the document rows it is filed under;
//! - [`sync`]: one sync round = [`push`] (accept changes per document) then [`pull`]
//!   (one page of entries in scope);
//! - [`repair`]: Automerge's sync protocol per document, for cursors from another log;
//! - [`snapshots`]: compacted documents, so rebuilding one for the rules replays few entries;
//! - [`lineage`]: history-free copies (declassified or purged records) and what they carry;
//! - [`keys`]: the server's relay keys and each device's public keys by key epoch;
//! - [`relay`]: bundles couriers bring (`POST /v1/relay`), return bundles they take back
//!   (`/v1/relay/outbox`), their roster, the quarantine of refused bundles;
//! - [`slip`]: enrollment slips for devices that enroll with no network;
//! - [`writer`]: the one writer thread that files the sync rounds' pushes, batched
//!   into one transaction (group commit);
//! - [`admin`]: what the binary's admin subcommands do.
//!
//! [`serve`] takes a bound listener and a shutdown future, so tests run the real
//! server on `127.0.0.1:0`.

pub mod admin;
pub mod auth;
pub mod background;
pub mod checkpoint;
pub mod committees;
pub mod db;
pub mod devices;
pub mod enrollment;
pub mod error;
pub mod gate;
pub mod http;
pub mod keys;
pub mod lineage;
pub mod log;
pub mod pull;
pub mod push;
pub mod recent;
pub mod relay;
pub mod repair;
pub mod slip;
pub mod snapshots;
pub mod store;
pub mod sync;
pub mod writer;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use http::router;
use store::{Store, StoreError};

/// Bounds on what one request may cost the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes (`413 request.too_large` beyond).
    pub max_body_bytes: usize,
    /// Most documents pushed in one sync request (`422 request.too_many_docs` beyond).
    pub max_docs_per_request: usize,
    /// Change bytes per pull page; a page always holds at least one entry.
    pub page_bytes: usize,
    /// Largest page a device may ask for (frame format 2): a device on a good link asks
    /// for larger pages, so a first sync takes fewer round trips and transactions. Kept
    /// well under the frame's inflated limit (`wire::MAX_FRAME_BYTES`).
    pub max_page_bytes: usize,
    /// Most documents handled in one repair round (messages in, documents answered).
    pub repair_docs_per_round: usize,
    /// Most bytes of stored changes per document (`doc.too_large` beyond). A record is a
    /// few KB; years of edits stay far below.
    pub max_doc_bytes: usize,
    /// Longest a request may take before it is answered `503 server.timeout` (its
    /// database work, if any, finishes or rolls back on its own; a retry is safe).
    pub request_timeout: std::time::Duration,
    /// Most requests handled at once; the next wait up to `queue_wait`, then are
    /// answered `503 server.busy`.
    pub max_concurrent_requests: usize,
    /// How long a request waits for a free slot.
    pub queue_wait: std::time::Duration,
    /// Requests one device may burst, then `device_refill_per_sec` more per second
    /// (`429 request.rate_limited` beyond).
    pub device_burst: u32,
    pub device_refill_per_sec: u32,
    /// Requests waiting for the writer ([`writer`]); the next is answered
    /// `503 server.busy` with `Retry-After` at once.
    pub write_queue: usize,
    /// Most requests filed in one write transaction.
    pub write_batch: usize,
}

impl Limits {
    /// The page size for a device that asks for `asked` bytes: never below the
    /// server's page (a device cannot make the server work in tiny pages), never
    /// above `max_page_bytes`.
    pub fn granted_page_bytes(&self, asked: Option<u32>) -> usize {
        match asked {
            Some(a) => (a as usize).clamp(self.page_bytes.min(self.max_page_bytes), self.max_page_bytes),
            None => self.page_bytes,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 8 * 1024 * 1024,
            max_docs_per_request: 500,
            page_bytes: 1024 * 1024,
            max_page_bytes: 8 * 1024 * 1024,
            repair_docs_per_round: 200,
            max_doc_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            max_concurrent_requests: 16,
            queue_wait: Duration::from_secs(10),
            // A sync pulls page after page: a fast link makes a few rounds a second.
            device_burst: 60,
            device_refill_per_sec: 20,
            // Far more than the requests handled at once can queue in practice (each
            // holds its own connection while it waits): a full queue means the writer
            // is stuck (a disk that stalls, an admin command holding the lock).
            write_queue: 4096,
            write_batch: 512,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the database lives (created if missing).
    pub data_dir: PathBuf,
    /// The PostgreSQL database to serve from instead of the data directory's SQLite
    /// file (`--database`, `CCS_DATABASE`).
    pub database: Option<String>,
    pub limits: Limits,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config { data_dir: data_dir.into(), database: None, limits: Limits::default() }
    }
}

/// What every handler shares: the database and the limits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Arc<Store>,
    limits: Limits,
    /// Each device's request allowance ([`http::Buckets`]).
    buckets: Arc<http::Buckets>,
    /// The server's relay keys ([`keys::server_keys`]), loaded once at start.
    server_keys: Arc<ccs_core::relay::DeviceKeys>,
    /// The one writer of the sync rounds' pushes.
    writer: Arc<writer::Writer>,
    /// Tokens that passed lately: a sync body is read without a check of its own first.
    tokens: Arc<auth::RecentTokens>,
}

impl AppState {
    /// Opens the data directory's database (migrating it) for serving.
    pub fn open(config: &Config) -> Result<AppState, StoreError> {
        let limits = config.limits.clone();
        let at = store::Location { data_dir: config.data_dir.clone(), database: config.database.clone() };
        let store = Store::open(at)?.with_gate(limits.max_concurrent_requests, limits.queue_wait);
        let server_keys = keys::server_keys(&mut *store.conn()?, chrono::Utc::now())?;
        let store = Arc::new(store);
        let writer = writer::Writer::start(Arc::clone(&store), limits.write_queue, limits.write_batch)?;
        Ok(AppState {
            store,
            writer: Arc::new(writer),
            buckets: Arc::new(http::Buckets::default()),
            tokens: Arc::new(auth::RecentTokens::default()),
            limits,
            server_keys: Arc::new(server_keys),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS setup: {0}")]
    Tls(String),
    #[error(
        "refusing to serve plain HTTP on {0}: devices would send their tokens in clear. \
         Listen on a loopback address (e.g. 127.0.0.1:8787, behind a TLS proxy) or give --tls-cert and --tls-key"
    )]
    PlainHttpNotLoopback(SocketAddr),
}

/// Plain HTTP is for loopback only (tests, or behind a TLS-terminating proxy).
pub fn check_plain_http(addr: SocketAddr) -> Result<(), ServerError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ServerError::PlainHttpNotLoopback(addr))
    }
}

async fn open_state(config: Config) -> Result<AppState, ServerError> {
    let state = tokio::task::spawn_blocking(move || AppState::open(&config))
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))??;
    Ok(state)
}

/// Serves plain HTTP on `listener` until `shutdown` completes, then finishes the
/// requests in flight. The caller chooses the address (see [`check_plain_http`]).
/// Connections the kernel completes and holds for the server until it accepts them.
/// Devices come back in bursts (the network back in a town, a thousand devices in the
/// bench): tokio's default of 1,024 overflowed on a loaded machine, and the connections
/// past it waited a second for their handshake again or were reset (`ccs-bench`, 30 of
/// 3,000 syncs). The kernel caps it at `net.core.somaxconn` (4,096 by default).
pub const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `addr` for [`serve`] (or, turned into a std listener, [`serve_tls`]) with
/// [`LISTEN_BACKLOG`]. Needs a tokio runtime.
pub fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As tokio's own `bind`: a restarted server takes its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let data_dir = config.data_dir.clone();
    let state = open_state(config).await?;
    tracing::info!(addr = %listener.local_addr()?, data = %data_dir.display(), "serving (HTTP)");
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Certificate chain and private key, PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Loads a rustls server configuration (ring provider, HTTP/1.1) from PEM files.
pub fn tls_config(files: &TlsFiles) -> Result<rustls::ServerConfig, ServerError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read_err = |path: &Path, e: &dyn std::fmt::Display| ServerError::Tls(format!("{}: {e}", path.display()));
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| read_err(&files.cert, &e))?;
    if certs.is_empty() {
        return Err(ServerError::Tls(format!("{}: no certificate found", files.cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| read_err(&files.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves HTTPS on `listener` until `shutdown` completes.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    config: Config,
    tls: &TlsFiles,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let rustls_config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls_config(tls)?));
    let data_dir = config.data_dir.clone();
    let state = open_state(config).await?;
    listener.set_nonblocking(true)?;
    tracing::info!(addr = %listener.local_addr()?, data = %data_dir.display(), "serving (HTTPS)");
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener, rustls_config)?
        .handle(handle)
        .serve(router(state).into_make_service())
        .await?;
    tracing::info!("server stopped");
    Ok(())
}
