//! `ccs relay collect|forward|fetch|distribute|serve|exchange`: the courier's side of
//! the relay (RELAY.md, "Courier") and the member's side of the hotspot exchange.
//!
//! Each command calls `core::app::courier` on the opened store (the CLI owns it for the
//! run) or `ccs_hotspot`; nothing here checks a bundle itself.
//!
//! `exchange` moves files: the up-bundles given (made by the member's `ccs relay export`)
//! go to the facilitator's device, the return bundles come back into a folder (for
//! `ccs relay import`). Importing them in the same step, and telling the courier which
//! were applied, waits for the member's `App::relay_import`: [`MemberSide`] is the seam.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccs_core::app::courier;
use ccs_core::app::AppError;
use ccs_core::i18n::Lang;
use ccs_core::model::DeviceId;
use ccs_core::relay::bundle;
use ccs_core::store::Store;
use ccs_core::sync::client::HttpTransport;
use ccs_hotspot::courier::{Bundles, Custody, Hotspot, Refusal};
use ccs_hotspot::{HotspotError, Pairing};

use super::{parse_id, Ctx};
use crate::failure::Failure;
use crate::messages::text;

#[derive(clap::Subcommand)]
pub enum CourierCommand {
    /// Take members' bundle files into custody (each checked against the roster).
    Collect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Hand the bundles in custody to the server (before this device's own sync).
    Forward,
    /// Fetch the return bundles for the devices to visit (all of the area by default).
    Fetch {
        #[arg(long = "device", value_name = "UUID")]
        devices: Vec<String>,
    },
    /// Write the return bundles for one device into a folder (a stick, a card).
    Distribute {
        #[arg(long, value_name = "UUID")]
        device: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Serve custody on the local network; prints the pairing code for members.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "0.0.0.0:8443")]
        bind: String,
        /// The address members reach (default: this machine's address on its network).
        #[arg(long, value_name = "IP")]
        address: Option<String>,
        /// Stop after one member's exchange.
        #[arg(long)]
        once: bool,
    },
    /// Member side: exchange bundles with a facilitator's device from its pairing code.
    Exchange {
        /// The pairing text (`ccs-relais:1?…`).
        pairing: String,
        /// Up-bundle files to hand over (from `ccs relay export`).
        #[arg(long = "up", value_name = "FILE")]
        up: Vec<PathBuf>,
        /// Where to write the return bundles received. Without `--up` and `--down-dir`
        /// the exchange uses this device's store: it hands over everything the server
        /// has not acknowledged and applies each return bundle as it arrives.
        #[arg(long = "down-dir", value_name = "DIR")]
        down_dir: Option<PathBuf>,
    },
}

pub fn run(ctx: &Ctx, command: CourierCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match command {
        CourierCommand::Collect { files } => collect(ctx, &files, out),
        CourierCommand::Forward => forward(ctx, out),
        CourierCommand::Fetch { devices } => fetch(ctx, &devices, out),
        CourierCommand::Distribute { device, out: dir } => distribute(ctx, &device, &dir, out),
        CourierCommand::Serve { bind, address, once } => serve(ctx, &bind, address.as_deref(), once, out),
        CourierCommand::Exchange { pairing, up, down_dir: Some(down_dir) } => {
            exchange(&pairing, &mut FileSide { up, down_dir, device: None, ctx }, ctx.lang, out)
        }
        CourierCommand::Exchange { pairing, up, down_dir: None } if up.is_empty() => {
            exchange(&pairing, &mut StoreSide { store: ctx.open()?, now: ctx.now }, ctx.lang, out)
        }
        CourierCommand::Exchange { .. } => Err(Failure::cli("cli.usage", &["--up FILE… needs --down-dir DIR"])),
    }
}

fn hotspot_failure(e: HotspotError) -> Failure {
    Failure::App(AppError::new(e.code(), e.message()))
}

fn collect(ctx: &Ctx, files: &[PathBuf], out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let mut refused = 0;
    for file in files {
        let bytes = std::fs::read(file)
            .map_err(|e| Failure::cli("cli.read", &[&file.display().to_string(), &e.to_string()]))?;
        match courier::collect(&mut store, &bytes, ctx.now) {
            Ok(c) if c.new => {
                let whom = c.label.unwrap_or_else(|| c.device.to_string());
                writeln!(out, "{}", text("out.relay_collected", ctx.lang, &[&file.display().to_string(), &whom]))?
            }
            Ok(_) => writeln!(out, "{}", text("out.relay_collected_again", ctx.lang, &[&file.display().to_string()]))?,
            Err(e) => {
                refused += 1;
                let args = [file.display().to_string(), e.message.get(ctx.lang).to_string(), e.code.as_str().into()];
                writeln!(out, "{}", text("out.relay_refused", ctx.lang, &[&args[0], &args[1], &args[2]]))?;
            }
        }
    }
    if refused > 0 {
        return Err(Failure::Rejected(refused));
    }
    Ok(())
}

/// Prints what forwarding did; shared with `ccs sync`, which forwards first.
pub fn print_forward(summary: &courier::ForwardSummary, lang: Lang, out: &mut dyn Write) -> Result<(), Failure> {
    let counts = [summary.forwarded.to_string(), summary.refused.len().to_string(), summary.left.to_string()];
    writeln!(out, "{}", text("out.relay_forwarded", lang, &[&counts[0], &counts[1], &counts[2]]))?;
    for r in &summary.refused {
        writeln!(out, "{}", text("out.relay_forward_refused", lang, &[&r.bundle, &r.code, r.message.get(lang)]))?;
    }
    Ok(())
}

fn forward(ctx: &Ctx, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let transport = HttpTransport::default();
    let mut summary = courier::forward(&mut store, &transport, ctx.now);
    if summary.error.is_none() {
        courier::refresh_roster(&mut store, &transport, ctx.now)?;
        summary.roster_renewed = true;
    }
    print_forward(&summary, ctx.lang, out)?;
    match summary.error {
        Some(e) => Err(Failure::App(e)),
        None => Ok(()),
    }
}

fn fetch(ctx: &Ctx, devices: &[String], out: &mut dyn Write) -> Result<(), Failure> {
    let devices: Vec<DeviceId> = devices.iter().map(|d| parse_id(d)).collect::<Result<_, _>>()?;
    let mut store = ctx.open()?;
    let summary = courier::fetch(&mut store, &HttpTransport::default(), &devices, ctx.now)?;
    let counts = [summary.received.to_string(), summary.superseded.to_string(), summary.rejected.len().to_string()];
    writeln!(out, "{}", text("out.relay_fetched", ctx.lang, &[&counts[0], &counts[1], &counts[2]]))?;
    for r in &summary.rejected {
        writeln!(
            out,
            "{}",
            text("out.relay_forward_refused", ctx.lang, &[&r.bundle, &r.code, r.message.get(ctx.lang)])
        )?;
    }
    Ok(())
}

fn distribute(ctx: &Ctx, device: &str, dir: &Path, out: &mut dyn Write) -> Result<(), Failure> {
    let device: DeviceId = parse_id(device)?;
    let store = ctx.open()?;
    let bundles = courier::bundles_for(&store, device)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::cli("cli.read", &[&dir.display().to_string(), &e.to_string()]))?;
    for b in &bundles {
        let path = dir.join(bundle::file_name(&b.id));
        std::fs::write(&path, &b.bytes)
            .map_err(|e| Failure::cli("cli.read", &[&path.display().to_string(), &e.to_string()]))?;
    }
    writeln!(
        out,
        "{}",
        text("out.relay_distributed", ctx.lang, &[&bundles.len().to_string(), &dir.display().to_string()])
    )?;
    Ok(())
}

/// The store's custody as the hotspot reaches it.
struct StoreCustody {
    store: Mutex<Store>,
}

impl StoreCustody {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn refusal(e: AppError) -> Refusal {
    Refusal { code: e.code.as_str().into(), message: e.message.fr }
}

impl Custody for StoreCustody {
    fn accept(&self, bytes: &[u8]) -> Result<bool, Refusal> {
        courier::collect(&mut self.store(), bytes, chrono::Utc::now()).map(|c| c.new).map_err(refusal)
    }

    fn holds(&self, id: [u8; 16]) -> bool {
        self.store().custody_entry(id).ok().flatten().is_some()
    }

    fn bundles_for(&self, device: [u8; 16]) -> Result<Bundles, Refusal> {
        let device = DeviceId(uuid_from(device));
        courier::bundles_for(&self.store(), device)
            .map(|b| b.into_iter().map(|h| (h.id, h.bytes)).collect())
            .map_err(|e| refusal(e.into()))
    }

    fn delivered(&self, device: [u8; 16], applied: &[[u8; 16]]) -> Result<u32, Refusal> {
        courier::delivered(&mut self.store(), DeviceId(uuid_from(device)), applied, chrono::Utc::now())
            .map_err(|e| refusal(e.into()))
    }
}

fn uuid_from(bytes: [u8; 16]) -> uuid::Uuid {
    uuid::Uuid::from_bytes(bytes)
}

fn serve(ctx: &Ctx, bind: &str, address: Option<&str>, once: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let store = ctx.open()?;
    let listener =
        std::net::TcpListener::bind(bind).map_err(|e| hotspot_failure(HotspotError::Start(format!("{bind}: {e}"))))?;
    let advertise = match address {
        Some(a) => a.parse().map_err(|_| Failure::cli("cli.bad_address", &[a]))?,
        None => ccs_hotspot::courier::local_address(),
    };
    let custody = Arc::new(StoreCustody { store: Mutex::new(store) });
    let hotspot = Hotspot::start(listener, advertise, custody).map_err(hotspot_failure)?;
    loop {
        let pairing = hotspot.pairing();
        writeln!(out, "{}", text("out.relay_pairing", ctx.lang, &[]))?;
        writeln!(out, "{}", pairing.qr_text().map_err(hotspot_failure)?)?;
        writeln!(out, "{}", pairing.to_text())?;
        writeln!(out, "{}", text("out.relay_serving", ctx.lang, &[&pairing.address.to_string()]))?;
        out.flush()?;
        let finished = loop {
            if let Some(f) = hotspot.finished(Duration::from_secs(1)) {
                break f;
            }
        };
        let counts = [
            DeviceId(uuid_from(finished.device)).to_string(),
            finished.taken.to_string(),
            finished.handed.to_string(),
            finished.delivered.to_string(),
        ];
        writeln!(
            out,
            "{}",
            text("out.relay_session_done", ctx.lang, &[&counts[0], &counts[1], &counts[2], &counts[3]])
        )?;
        if once {
            hotspot.stop();
            return Ok(());
        }
    }
}

/// What the member's device does around a hotspot exchange. The CLI's [`FileSide`]
/// moves files; the app's (the member's `relay_export` / `relay_import`) plugs in here.
pub trait MemberSide {
    /// This device's id.
    fn device(&mut self) -> Result<[u8; 16], Failure>;
    /// The up-bundles to hand over.
    fn export(&mut self) -> Result<Vec<Vec<u8>>, Failure>;
    /// One return bundle received; `true` when applied.
    fn import(&mut self, id: [u8; 16], bytes: &[u8]) -> Result<bool, Failure>;
}

/// The member's side with files: bundles given on the command line, return bundles
/// written to a folder (applied later by `ccs relay import`, so none counts as applied).
struct FileSide<'a> {
    up: Vec<PathBuf>,
    down_dir: PathBuf,
    device: Option<[u8; 16]>,
    ctx: &'a Ctx,
}

impl MemberSide for FileSide<'_> {
    fn device(&mut self) -> Result<[u8; 16], Failure> {
        if let Some(d) = self.device {
            return Ok(d);
        }
        let store = self.ctx.open()?;
        let d = *store.identity().device_id.0.as_bytes();
        self.device = Some(d);
        Ok(d)
    }

    fn export(&mut self) -> Result<Vec<Vec<u8>>, Failure> {
        self.up
            .iter()
            .map(|f| {
                std::fs::read(f).map_err(|e| Failure::cli("cli.read", &[&f.display().to_string(), &e.to_string()]))
            })
            .collect()
    }

    fn import(&mut self, id: [u8; 16], bytes: &[u8]) -> Result<bool, Failure> {
        let dir = &self.down_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::cli("cli.read", &[&dir.display().to_string(), &e.to_string()]))?;
        let path = dir.join(bundle::file_name(&id));
        std::fs::write(&path, bytes)
            .map_err(|e| Failure::cli("cli.read", &[&path.display().to_string(), &e.to_string()]))?;
        Ok(false)
    }
}

/// The member's side with its own store: everything the server has not acknowledged
/// goes up (remembered as handed to the relay, as a file export is), and each return
/// bundle is applied as it arrives. A part that follows one not applied yet is left
/// with the courier (`false`), to come with the next exchange.
struct StoreSide {
    store: ccs_core::store::Store,
    now: chrono::DateTime<chrono::Utc>,
}

impl MemberSide for StoreSide {
    fn device(&mut self) -> Result<[u8; 16], Failure> {
        Ok(*self.store.identity().device_id.0.as_bytes())
    }

    fn export(&mut self) -> Result<Vec<Vec<u8>>, Failure> {
        let export = ccs_core::relay::member::export(&mut self.store, self.now)?;
        Ok(export.bundles.into_iter().map(|b| b.bytes).collect())
    }

    fn import(&mut self, _id: [u8; 16], bytes: &[u8]) -> Result<bool, Failure> {
        match ccs_core::relay::member::import(&mut self.store, bytes, self.now) {
            Ok(_) => Ok(true),
            Err(ccs_core::relay::member::RelayError::OutOfOrder { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The member's exchange with a courier's hotspot, around `side`.
pub fn exchange(pairing: &str, side: &mut dyn MemberSide, lang: Lang, out: &mut dyn Write) -> Result<(), Failure> {
    let pairing = Pairing::parse(pairing).map_err(hotspot_failure)?;
    let device = side.device()?;
    let up = side.export()?;
    let mut failed = None;
    let done = ccs_hotspot::member::exchange(
        &pairing,
        device,
        &up,
        &mut |id, bytes| match side.import(id, bytes) {
            Ok(applied) => applied,
            Err(e) => {
                failed.get_or_insert(e);
                false
            }
        },
        &mut |_| {},
    )
    .map_err(hotspot_failure)?;
    if let Some(e) = failed {
        return Err(e);
    }
    let counts = [
        done.uploaded.to_string(),
        done.already_held.to_string(),
        done.downloaded.to_string(),
        done.applied.len().to_string(),
    ];
    writeln!(out, "{}", text("out.relay_exchanged", lang, &[&counts[0], &counts[1], &counts[2], &counts[3]]))?;
    Ok(())
}
