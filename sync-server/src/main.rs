//! `ccs-sync-server`: runs the sync server and administers its data directory.
//!
//! Configuration comes from flags or `CCS_*` environment variables. Secrets are never
//! printed, except the enrollment code `enroll` exists to show its administrator.

/// Prints a line on stdout. A reader that went away (`enroll | head -n 1`) is not an
/// error worth a panic: the rest of the output is simply not wanted.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The server allocates and frees many small Automerge objects on many threads at
/// once (documents rebuilt, read and dropped per push): mimalloc's per-thread heaps do
/// that with less contention than glibc's arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ccs_core::model::{CommitteeId, Role};
use ccs_sync_server::admin;
use ccs_sync_server::devices::Revocation;
use ccs_sync_server::enrollment::Grant;
use ccs_sync_server::store::Location;
use ccs_sync_server::{Config, Limits, TlsFiles};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "ccs-sync-server", version, about = "CCS Terrain sync server and its administration")]
struct Cli {
    /// Data directory (holds the server database).
    #[arg(long, env = "CCS_DATA", global = true)]
    data: Option<PathBuf>,
    /// A PostgreSQL database to use instead of the data directory's SQLite file:
    /// `postgres://user@host/db` or `host=/run/postgresql user=ccs dbname=ccs`.
    #[arg(long, env = "CCS_DATABASE", global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on. Plain HTTP only on a loopback address.
        #[arg(long, env = "CCS_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// TLS certificate chain (PEM).
        #[arg(long, env = "CCS_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM).
        #[arg(long, env = "CCS_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Largest request body in bytes.
        #[arg(long, env = "CCS_MAX_BODY_BYTES")]
        max_body_bytes: Option<usize>,
        /// Most documents pushed in one request.
        #[arg(long, env = "CCS_MAX_DOCS_PER_REQUEST")]
        max_docs_per_request: Option<usize>,
        /// Change bytes per pull page.
        #[arg(long, env = "CCS_PAGE_BYTES")]
        page_bytes: Option<usize>,
    },
    /// Create a single-use enrollment code (printed as text and as a QR code).
    Enroll {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The committee of a member.
        #[arg(long)]
        committee: Option<CommitteeId>,
        /// The region code of a facilitator (e.g. tombouctou).
        #[arg(long)]
        region: Option<String>,
        /// How long the code is valid: 30m, 24h, 7d (default 24h; 90d for a slip).
        #[arg(long)]
        expires: Option<String>,
        /// A label for the device (who holds it).
        #[arg(long)]
        label: Option<String>,
        /// Print an enrollment slip for a device that may never reach the server: the
        /// code with the server's address and relay keys, as text and QR code.
        #[arg(long)]
        slip: bool,
        /// The server's public address written on the slip (https://…).
        #[arg(long, env = "CCS_PUBLIC_ADDRESS", requires = "slip")]
        address: Option<String>,
        /// Also write the slip's printable page (HTML) to this file.
        #[arg(long, requires = "slip")]
        slip_page: Option<PathBuf>,
    },
    /// Bundles carried by couriers: the quarantine, a stick brought to the server.
    Relay {
        #[command(subcommand)]
        command: RelayCommand,
    },
    /// List or revoke enrolled devices.
    Devices {
        #[command(subcommand)]
        command: DevicesCommand,
    },
    /// Maintain the committee registry.
    Committees {
        #[command(subcommand)]
        command: CommitteesCommand,
    },
    /// Write a consistent copy of the database (safe while serving). On PostgreSQL:
    /// prints the pg_dump and pg_restore commands instead.
    Backup { file: PathBuf },
    /// Give the log a new epoch, after restoring a PostgreSQL dump: devices holding a
    /// cursor into the lost part of the log repair on their next sync.
    NewEpoch,
}

#[derive(Subcommand)]
enum DevicesCommand {
    /// List enrolled devices.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device: refused from its next request on.
    Revoke { device_id: String },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// List the refused bundles kept for inspection.
    Quarantine {
        #[arg(long)]
        json: bool,
        /// Write the bytes of quarantined bundle number N (the # column) to --out, to
        /// look closer or to import it again once the cause is fixed.
        #[arg(long, requires = "out")]
        export: Option<i64>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Process bundle files brought to the server (recorded as carried by "admin import").
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the return bundles of the devices whose bundles were accepted here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write the return bundles of a device to a folder (to carry on a stick).
    Outbox {
        #[arg(long, required = true)]
        device: Vec<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CommitteesCommand {
    /// Import a JSON array of {"id","name","level","region","cercle","commune"}.
    Import { file: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Member,
    Facilitator,
    Reviewer,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Member => Role::Member,
            RoleArg::Facilitator => Role::Facilitator,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve { .. }) { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    // Colours only on a terminal: service logs go to files and journals.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let data = match (cli.data, &cli.database) {
        (Some(dir), _) => dir,
        // On PostgreSQL the data directory holds nothing the server needs.
        (None, Some(_)) => PathBuf::from("."),
        (None, None) => anyhow::bail!("the data directory is required: --data DIR or CCS_DATA (or --database)"),
    };
    let data = Location { data_dir: data, database: cli.database };
    let now = chrono::Utc::now();
    match cli.command {
        Command::Serve { listen, tls_cert, tls_key, max_body_bytes, max_docs_per_request, page_bytes } => {
            let defaults = Limits::default();
            let limits = Limits {
                max_body_bytes: max_body_bytes.unwrap_or(defaults.max_body_bytes),
                max_docs_per_request: max_docs_per_request.unwrap_or(defaults.max_docs_per_request),
                page_bytes: page_bytes.unwrap_or(defaults.page_bytes),
                ..defaults
            };
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
                _ => None,
            };
            serve(Config { data_dir: data.data_dir, database: data.database, limits }, listen, tls)
        }
        Command::Enroll { role, committee, region, expires, label, slip, address, slip_page } => {
            let role = Role::from(role);
            match role {
                Role::Member if committee.is_none() => anyhow::bail!("a member code needs --committee UUID"),
                Role::Facilitator if region.is_none() => anyhow::bail!("a facilitator code needs --region CODE"),
                _ => {}
            }
            let default_validity =
                if slip { format!("{}d", ccs_sync_server::slip::DEFAULT_VALIDITY_DAYS) } else { "24h".to_string() };
            let valid_for = admin::parse_duration(expires.as_deref().unwrap_or(&default_validity))?;
            let grant = Grant { role, committee_id: committee, region, label };
            let scope = match (&grant.committee_id, &grant.region) {
                (Some(c), _) if role == Role::Member => format!(", committee {c}"),
                (_, Some(r)) if role == Role::Facilitator => format!(", region {r}"),
                _ => String::new(),
            };
            let (issued, qr_text) = if slip {
                let address = address.context("a slip needs the server's public address: --address https://…")?;
                let (issued, slip) = admin::create_slip(&data, &grant, &address, valid_for, now)?;
                out!("{}", issued.code);
                out!("{}", slip.to_text());
                if let Some(file) = &slip_page {
                    admin::write_slip_page(&slip, file)?;
                    out!("Printable slip written to {}.", file.display());
                }
                (issued, slip.to_text())
            } else {
                let issued = admin::create_enrollment_code(&data, &grant, valid_for, now)?;
                out!("{}", issued.code);
                let text = issued.code.clone();
                (issued, text)
            };
            let qr = qrcode::QrCode::new(qr_text.as_bytes()).context("making the QR code")?;
            let picture = qr
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build();
            out!("{picture}");
            out!("Role: {role}{scope}. Single use; expires {} (UTC).", issued.expires_at.format("%Y-%m-%d %H:%M"));
            Ok(())
        }
        Command::Relay { command: RelayCommand::Quarantine { export: Some(seq), out: Some(file), .. } } => {
            admin::export_quarantined(&data, seq, &file)?;
            out!("Bundle #{seq} written to {}.", file.display());
            Ok(())
        }
        Command::Relay { command: RelayCommand::Quarantine { json, .. } } => {
            let bundles = admin::relay_quarantine(&data)?;
            if json {
                out!("{}", serde_json::to_string_pretty(&bundles)?);
            } else if bundles.is_empty() {
                out!("No refused bundle.");
            } else {
                out!(
                    "{:<5}  {:<20}  {:<36}  {:<28}  {:<36}  {:>9}  BUNDLE",
                    "#",
                    "RECEIVED",
                    "DEVICE",
                    "CODE",
                    "COURIER",
                    "BYTES"
                );
                for b in bundles {
                    out!(
                        "{:<5}  {:<20}  {:<36}  {:<28}  {:<36}  {:>9}  {}",
                        b.seq,
                        b.received_at,
                        b.device.as_deref().unwrap_or("-"),
                        b.code,
                        b.courier,
                        b.size,
                        b.bundle.as_deref().unwrap_or("-"),
                    );
                }
            }
            Ok(())
        }
        Command::Relay { command: RelayCommand::Import { files, out } } => {
            let receipts = admin::relay_import(&data, &files, &Limits::default(), now)?;
            let mut devices = Vec::new();
            for (file, r) in &receipts {
                match (&r.code, &r.device) {
                    (None, device) => {
                        out!("{}: accepted (device {})", file.display(), device.as_deref().unwrap_or("-"));
                        if let Some(d) = device {
                            if !devices.contains(d) {
                                devices.push(d.clone());
                            }
                        }
                    }
                    (Some(code), _) => out!("{}: refused [{code}], kept in quarantine", file.display()),
                }
            }
            if let Some(dir) = out {
                for path in admin::relay_outbox(&data, &devices, &dir, &Limits::default(), now)? {
                    out!("Return bundle written: {}", path.display());
                }
            }
            Ok(())
        }
        Command::Relay { command: RelayCommand::Outbox { device, out } } => {
            let written = admin::relay_outbox(&data, &device, &out, &Limits::default(), now)?;
            if written.is_empty() {
                out!("Nothing to write: the device never declared a cursor through the relay or has no key.");
            }
            for path in written {
                out!("Return bundle written: {}", path.display());
            }
            Ok(())
        }
        Command::Devices { command: DevicesCommand::List { json } } => {
            let devices = admin::list_devices(&data)?;
            if json {
                out!("{}", serde_json::to_string_pretty(&devices)?);
            } else if devices.is_empty() {
                out!("No device enrolled.");
            } else {
                out!("{:<36}  {:<11}  {:<47}  {:<20}  {:<20}  REVOKED", "ID", "ROLE", "SCOPE", "LABEL", "ENROLLED");
                for d in devices {
                    out!(
                        "{:<36}  {:<11}  {:<47}  {:<20}  {:<20}  {}",
                        d.id,
                        d.role,
                        d.scope(),
                        // Labels are cleaned when stored; rows from older servers too.
                        d.label.as_deref().and_then(ccs_sync_server::enrollment::clean_label).as_deref().unwrap_or("-"),
                        d.enrolled_at,
                        d.revoked_at.as_deref().unwrap_or("no"),
                    );
                }
            }
            Ok(())
        }
        Command::Devices { command: DevicesCommand::Revoke { device_id } } => {
            match admin::revoke_device(&data, &device_id, now)? {
                Revocation::Revoked => out!("Device {device_id} revoked."),
                Revocation::AlreadyRevoked => out!("Device {device_id} was already revoked."),
                Revocation::UnknownDevice => anyhow::bail!("no enrolled device has the id {device_id}"),
            }
            Ok(())
        }
        Command::Committees { command: CommitteesCommand::Import { file } } => {
            let count = admin::import_committees(&data, &file, now)?;
            out!("Imported {count} committee(s).");
            Ok(())
        }
        Command::Backup { file } => {
            admin::backup(&data, &file)?;
            out!("Backup written to {}.", file.display());
            Ok(())
        }
        Command::NewEpoch => {
            let epoch = admin::new_epoch(&data)?;
            out!("The log's epoch is now {epoch}: devices repair on their next sync.");
            Ok(())
        }
    }
}

fn serve(config: Config, listen: SocketAddr, tls: Option<TlsFiles>) -> anyhow::Result<()> {
    if tls.is_none() {
        ccs_sync_server::check_plain_http(listen)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async move {
        match tls {
            Some(files) => {
                let listener = ccs_sync_server::listen(listen)
                    .and_then(|l| l.into_std())
                    .with_context(|| format!("cannot listen on {listen}"))?;
                ccs_sync_server::serve_tls(listener, config, &files, shutdown_signal()).await?;
            }
            None => {
                let listener = ccs_sync_server::listen(listen).with_context(|| format!("cannot listen on {listen}"))?;
                ccs_sync_server::serve(listener, config, shutdown_signal()).await?;
            }
        }
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM (what service managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
