//! `ccs-bench`: the figures of CCS Terrain, measured on purpose (not a timed test).
//!
//! ```sh
//! cargo build --release -p ccs-sync-server   # the server runs as a child process
//! cargo run --release -p ccs-bench -- --quick  # under two minutes
//! cargo run --release -p ccs-bench             # the full run
//! ```
//!
//! Prints one table per part and writes `BENCHMARKS.md` and `bench-results.json` to
//! `--out` (the repository root by default). Parts that cannot run here (no Xvfb, app
//! not built) print `skipped: reason`.

mod app_bench;
mod compare;
mod corpus;
mod load;
mod perdoc;
mod relay_bench;
mod report;
mod report_bench;
mod server;
mod store_bench;
mod sync_bench;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use serde_json::{json, Value};

use app_bench::AppFigures;
use load::{LoadFigures, MemoryFigures};
use report::{bytes, int, ms, opt, Machine, Table};
use store_bench::StoreFigures;
use sync_bench::SyncFigures;

#[derive(Parser, Debug)]
#[command(name = "ccs-bench", about = "Benchmarks of CCS Terrain: sync, server, store, app")]
struct Cli {
    /// A smaller run that finishes in under two minutes (N = 2,000 records instead of
    /// 10,000, 200 devices instead of 1,000; the other sizes scaled down too).
    #[arg(long)]
    quick: bool,
    /// Where to write BENCHMARKS.md and bench-results.json (default: the repository root).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Parts to run (default all): sync, server, store, app, relay, report.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Sizes of the large first-sync part (`--only firstsync`), e.g. 100000; `:v1` after
    /// a size also times format 1 (e.g. 100000:v1).
    #[arg(long, value_delimiter = ',')]
    first_sync_sizes: Vec<String>,
    /// Records on the server in part 1 instead of the plan's, with the full run's edits
    /// (100 by A, 50 by B): the bytes of an edit at a smaller size.
    #[arg(long)]
    sync_n: Option<usize>,
    /// Also run part 2 on PostgreSQL, side by side with SQLite: a connection string to
    /// a server where databases may be created (`host=/run/postgresql user=postgres`), or
    /// `auto` for a private cluster started and stopped by the bench
    /// (scripts/postgres-test-cluster.sh; Debian's `postgresql` package).
    #[arg(long)]
    postgres: Option<String>,
    /// Store sizes to measure instead of the plan's (e.g. 10000).
    #[arg(long, value_delimiter = ',')]
    store_sizes: Vec<usize>,
    /// Documents on the large server of part 2 instead of the plan's; 0 measures the
    /// small server only (a quick comparison of two server builds). With
    /// `--compare-servers`: the documents on the compared servers (default the plan's N).
    #[arg(long)]
    large_docs: Option<usize>,
    /// Compare server builds instead of the parts: each a `ccs-sync-server` binary or
    /// the folder holding one, under the plan's largest load, rounds alternated
    /// (`--compare-servers /tmp/old,target/release`). Writes no BENCHMARKS.md.
    #[arg(long, value_delimiter = ',')]
    compare_servers: Vec<PathBuf>,
    /// Rounds of `--compare-servers` (each build runs once a round).
    #[arg(long, default_value_t = 4)]
    rounds: usize,
}

/// The sizes of one run.
struct Plan {
    n: usize,
    k: usize,
    others: usize,
    devices: Vec<usize>,
    large_docs: usize,
    store_sizes: Vec<usize>,
    saves: usize,
    app_records: usize,
    /// Time allowed to fill the largest store.
    fill_budget: std::time::Duration,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                n: 2_000,
                k: 20,
                others: 10,
                devices: vec![100, 200],
                large_docs: 10_000,
                store_sizes: vec![1_000, 2_000],
                saves: 50,
                app_records: 2_000,
                fill_budget: std::time::Duration::from_secs(60),
            }
        } else {
            Plan {
                n: 10_000,
                k: 100,
                others: 50,
                devices: vec![100, 1_000],
                large_docs: 100_000,
                store_sizes: vec![1_000, 10_000, 100_000],
                saves: 200,
                app_records: 10_000,
                fill_budget: std::time::Duration::from_secs(600),
            }
        }
    }
}

#[derive(Default)]
struct Results {
    sync: Option<SyncFigures>,
    sync_error: Option<String>,
    first_syncs: Vec<sync_bench::FirstSync>,
    loads: Vec<LoadFigures>,
    memory: Vec<MemoryFigures>,
    server_notes: Vec<String>,
    stores: Vec<StoreFigures>,
    store_notes: Vec<String>,
    /// The disk: append 4 kB and fdatasync, (p50, p99) ms.
    fsync: Option<(f64, f64)>,
    /// Binaries older than the sources they are built from.
    stale: Vec<String>,
    app: Option<AppFigures>,
    /// The app's builds (cargo profiles) side by side: size and start.
    app_builds: Vec<app_bench::BuildFigures>,
    relay: Option<relay_bench::RelayFigures>,
    relay_error: Option<String>,
    reports: Vec<report_bench::ReportFigures>,
    report_notes: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut plan = Plan::new(cli.quick);
    if let Some(n) = cli.large_docs {
        plan.large_docs = n;
    }
    if !cli.store_sizes.is_empty() {
        plan.store_sizes = cli.store_sizes.clone();
    }
    if let Some(n) = cli.sync_n {
        (plan.n, plan.k, plan.others) = (n, 100, 50);
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default();
    let out = cli.out.clone().unwrap_or_else(|| repo.clone());
    let wants = |part: &str| cli.only.is_empty() || cli.only.iter().any(|p| p == part);
    let load_start = Machine::load_average();
    let started = Instant::now();
    let log = |what: &str| eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
    let mut r = Results { stale: stale_binaries(&repo), ..Default::default() };
    for n in &r.stale {
        log(n);
    }
    if !cli.compare_servers.is_empty() {
        let devices = plan.devices.last().copied().unwrap_or(1_000);
        return compare::run(&cli.compare_servers, cli.large_docs.unwrap_or(plan.n), devices, cli.rounds, &log);
    }

    // Part 1b: a reviewer's first sync of a large server.
    if wants("firstsync") {
        for size in &cli.first_sync_sizes {
            let (n, with_v1) = match size.strip_suffix(":v1") {
                Some(n) => (n, true),
                None => (size.as_str(), false),
            };
            let n: usize = n.parse().map_err(|_| anyhow::anyhow!("--first-sync-sizes: {size}"))?;
            match sync_bench::first_sync(n, with_v1, &log) {
                Ok(f) => r.first_syncs.push(f),
                Err(e) => log(&format!("first sync of {n} failed: {e:#}")),
            }
        }
    }

    // Part 1.
    let mut seeded = None;
    if wants("sync") || wants("server") {
        log(&format!("part 1: sync, N = {}", plan.n));
        match sync_bench::run(plan.n, plan.k, plan.others, &log) {
            Ok((f, s)) => {
                r.sync = Some(f);
                seeded = Some(s);
            }
            Err(e) => {
                log(&format!("part 1 failed: {e:#}"));
                r.sync_error = Some(format!("{e:#}"));
            }
        }
    }

    // Part 2.
    if wants("server") {
        match &seeded {
            Some(s) => {
                // PostgreSQL beside SQLite when asked: a private cluster for `auto`.
                let cluster = match cli.postgres.as_deref() {
                    Some("auto") => match server::PgCluster::start(&repo) {
                        Ok(c) => Some(c),
                        Err(e) => {
                            r.server_notes.push(format!("PostgreSQL not measured: {e:#}"));
                            None
                        }
                    },
                    _ => None,
                };
                let postgres = match (&cluster, cli.postgres.as_deref()) {
                    (Some(c), _) => Some(c.conninfo.clone()),
                    (None, Some(p)) if p != "auto" => Some(p.to_string()),
                    _ => None,
                };
                server_part(&plan, s, postgres.as_deref(), &mut r, &log);
            }
            None => r.server_notes.push("skipped: part 1 did not produce a server data directory".into()),
        }
    }
    drop(seeded);

    // Part 3.
    let store_dir = tempfile::tempdir()?;
    if wants("store") || wants("app") {
        r.fsync = store_bench::fsync_latency(store_dir.path(), 200).ok();
        let sizes: Vec<usize> = if wants("store") { plan.store_sizes.clone() } else { vec![plan.app_records] };
        for n in sizes {
            log(&format!("part 3: local store, {} records", int(n)));
            match store_bench::run(n, plan.saves, store_dir.path(), Some(plan.fill_budget), &log) {
                Ok(f) => r.stores.push(f),
                Err(e) => r.store_notes.push(format!("{n} records: {e:#}")),
            }
        }
    }

    // Part 4.
    if wants("app") {
        log("part 4: app");
        let store = store_dir.path().join(format!("store-{}.db", plan.app_records));
        let store = store.is_file().then_some((store.as_path(), plan.app_records));
        r.app = Some(app_bench::run(store));
        let builds = app_bench::app_builds();
        if !builds.is_empty() {
            log(&format!("part 4: the app's builds side by side ({})", builds.len()));
            r.app_builds = app_bench::compare(&builds, if cli.quick { 3 } else { 5 });
        }
    }
    drop(store_dir);

    // Part 5: the relay, 1,000 changed records (the issue's figure) in either plan.
    if wants("relay") {
        log("part 5: relay, 1,000 records");
        match relay_bench::run(1_000, &log) {
            Ok(f) => r.relay = Some(f),
            Err(e) => r.relay_error = Some(format!("{e:#}")),
        }
    }

    // Part 6: the CRSS's indicators and exports at national scale.
    if wants("report") {
        let dir = tempfile::tempdir()?;
        let sizes: Vec<usize> = if cli.quick { vec![2_000, 10_000] } else { vec![10_000, 100_000] };
        for n in sizes {
            log(&format!("part 6: indicators and export, {} records", int(n)));
            match report_bench::run(n, dir.path(), None, &log) {
                Ok(f) => r.reports.push(f),
                Err(e) => r.report_notes.push(format!("{} records: {e:#}", int(n))),
            }
        }
    }

    let machine = Machine::describe(&repo, load_start);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = if args.is_empty() {
        "cargo run --release -p ccs-bench".to_string()
    } else {
        format!("cargo run --release -p ccs-bench -- {}", args.join(" "))
    };
    let tables = tables(&plan, &r);
    for t in &tables {
        println!("{}", t.plain());
    }
    let notes = notes(&r);
    for n in &notes {
        println!("{n}");
    }
    let goals = goals(&plan, &r);
    println!("Goals");
    for g in &goals {
        println!("  {g}");
    }
    let total_s = started.elapsed().as_secs_f64();
    println!("\nTotal time: {total_s:.0} s");

    std::fs::create_dir_all(&out)?;
    let md = markdown(&cli, &plan, &machine, &command, (&tables, &notes, &goals), total_s);
    std::fs::write(out.join("BENCHMARKS.md"), md)?;
    let json = results_json(&cli, &plan, &machine, &command, &r, total_s);
    std::fs::write(out.join("bench-results.json"), serde_json::to_string_pretty(&json)? + "\n")?;
    eprintln!("wrote {} and {}", out.join("BENCHMARKS.md").display(), out.join("bench-results.json").display());
    Ok(())
}

fn server_part(plan: &Plan, seeded: &sync_bench::Seeded, postgres: Option<&str>, r: &mut Results, log: &dyn Fn(&str)) {
    if server::server_binary().is_none() {
        r.server_notes.push(
            "the ccs-sync-server binary is not built next to ccs-bench: the server ran in this process and its \
             memory was not measured (cargo build --release -p ccs-sync-server)"
                .into(),
        );
    }
    measure(plan, r, log, seeded.data.path(), None, seeded.docs, &seeded.committees, 100);
    if plan.large_docs > 0 {
        log(&format!("part 2: seeding a server with {} documents", int(plan.large_docs)));
        match load::seed_large(plan.large_docs, 7, log) {
            Ok((data, committees)) => measure(plan, r, log, data.path(), None, plan.large_docs, &committees, 200),
            Err(e) => r.server_notes.push(format!("seeding {} documents failed: {e:#}", int(plan.large_docs))),
        }
    }
    let Some(admin) = postgres else { return };
    // The same loads on PostgreSQL, each size on a database of its own seeded through
    // the server (the same generator as the SQLite server of the large size).
    for (docs, seed) in [(plan.n, 100), (plan.large_docs, 200)].into_iter().filter(|(docs, _)| *docs > 0) {
        let name = format!("ccs_bench_{:016x}", rand::random::<u64>());
        let result = (|| -> anyhow::Result<()> {
            ccs_sync_server::db::postgres::admin_statement(admin, &format!("CREATE DATABASE {name}"))?;
            let url = ccs_sync_server::db::postgres::with_dbname(admin, &name);
            log(&format!("part 2: seeding PostgreSQL with {} documents", int(docs)));
            let (data, committees) = load::seed_large_on(docs, 7, Some(&url), log)?;
            measure(plan, r, log, data.path(), Some(&url), docs, &committees, seed);
            Ok(())
        })();
        if let Err(e) = result {
            r.server_notes.push(format!("PostgreSQL, {} documents: {e:#}", int(docs)));
        }
        let _ = ccs_sync_server::db::postgres::admin_statement(admin, &format!("DROP DATABASE IF EXISTS {name}"));
    }
}

/// Loads and memory on a fresh server process over `data` (or the PostgreSQL
/// `database`).
#[allow(clippy::too_many_arguments)]
fn measure(
    plan: &Plan,
    r: &mut Results,
    log: &dyn Fn(&str),
    data: &Path,
    database: Option<&str>,
    docs: usize,
    committees: &[corpus::CommitteeInfo],
    seed: u64,
) {
    let backend = if database.is_some() { "PostgreSQL" } else { "SQLite" };
    let result = (|| -> anyhow::Result<()> {
        let server = server::Server::start_on(data, database)?;
        std::thread::sleep(std::time::Duration::from_millis(300));
        let idle = server.pid().and_then(|p| server::proc_status_kb(p, "VmRSS"));
        for (i, d) in plan.devices.iter().enumerate() {
            // The load the goal is about is run several times: on this machine one run
            // differs from the next by up to 2×, and the median says more than any one.
            let runs = if Some(d) == plan.devices.last() { LOAD_RUNS } else { 1 };
            let mut figures = Vec::with_capacity(runs);
            for run in 0..runs {
                log(&format!(
                    "part 2: {backend}, {} devices at once, {} documents on the server{}",
                    int(*d),
                    int(docs),
                    if runs > 1 { format!(" (run {} of {runs})", run + 1) } else { String::new() }
                ));
                let f = load::run(&server, committees, *d, docs, seed + i as u64 + 10 * run as u64, false)?;
                log(&format!(
                    "  p50 {:.0} ms, p99 {:.0} ms, {:.0} syncs/s, {} failed; {}",
                    f.p50_ms,
                    f.p99_ms,
                    f.syncs_per_s,
                    f.failures,
                    load::cpu_summary(&f)
                ));
                figures.push(f);
            }
            r.loads.push(median_run(figures));
        }
        // The same number of devices with nothing to push: the read path alone.
        if let Some(d) = plan.devices.last().filter(|_| docs == plan.n) {
            log(&format!("part 2: {backend}, {} devices at once, pull only", int(*d)));
            let f = load::run(&server, committees, *d, docs, seed + 50, true)?;
            log(&format!(
                "  p50 {:.0} ms, p99 {:.0} ms, {:.0} syncs/s; {}",
                f.p50_ms,
                f.p99_ms,
                f.syncs_per_s,
                load::cpu_summary(&f)
            ));
            r.loads.push(f);
        }
        if let Some(pid) = server.pid() {
            r.memory.push(MemoryFigures {
                backend,
                docs,
                rss_idle_mb: idle.unwrap_or(0) as f64 / 1024.0,
                peak_mb: server::proc_status_kb(pid, "VmHWM").unwrap_or(0) as f64 / 1024.0,
                db_mb: load::db_mb(data, database),
            });
        }
        server.stop();
        Ok(())
    })();
    if let Err(e) = result {
        log(&format!("part 2 failed at {docs} documents ({backend}): {e:#}"));
        r.server_notes.push(format!("{backend}, {} documents: {e:#}", int(docs)));
    }
}

/// Runs of the largest load (each with its own devices and records, one after another on
/// the same server).
const LOAD_RUNS: usize = 3;

/// The run with the median p99, carrying every run's p99; its failures are those of
/// every run (the goal is no failure in any).
fn median_run(mut runs: Vec<LoadFigures>) -> LoadFigures {
    runs.sort_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms));
    let all: Vec<f64> = runs.iter().map(|f| f.p99_ms).collect();
    let failures: usize = runs.iter().map(|f| f.failures).sum();
    let first_error = runs.iter().find_map(|f| f.first_error.clone());
    let mut median = runs.swap_remove(runs.len() / 2);
    if all.len() > 1 {
        median.runs_p99 = all;
    }
    median.failures = failures;
    median.first_error = first_error;
    median
}

/// The cores this machine gives (for the CPU figures of the load).
fn cores() -> f64 {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64
}

fn tables(plan: &Plan, r: &Results) -> Vec<Table> {
    let mut out = Vec::new();
    if !r.reports.is_empty() {
        let mut t = Table::new(
            "6. Indicators and exports (the CRSS's device)",
            &[
                "records",
                "national, year",
                "one region, quarter",
                "12 months in turn",
                "XLSX (ccs export)",
                "XLSX from documents",
                "XLSX peak RSS",
                "XLSX size",
            ],
        );
        for f in &r.reports {
            t.row(vec![
                int(f.stored),
                ms(f.national_year_ms),
                ms(f.region_quarter_ms),
                ms(f.twelve_months_ms),
                f.xlsx_s.map(|s| format!("{s:.1} s")).unwrap_or_else(|| "-".into()),
                f.xlsx_from_documents_s.map(|s| format!("{s:.1} s")).unwrap_or_else(|| "-".into()),
                f.xlsx_peak_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "-".into()),
                f.xlsx_mb.map(|m| format!("{m:.1} MB")).unwrap_or_else(|| "-".into()),
            ]);
        }
        out.push(t);
    }
    if let Some(s) = &r.sync {
        let mut t = Table::new(
            &format!("1. Sync: ours vs per-document Automerge sync (N = {} records on the server)", int(s.n)),
            &["scenario", "protocol", "round trips", "bytes up", "bytes down", "total", "wall time", "per-doc ÷ ours"],
        );
        let rows = [
            (format!("A edited {}, server has {} from others", s.k, s.others), &s.edit),
            ("nothing changed".to_string(), &s.idle),
            (format!("new device, first sync of all {}", int(s.n)), &s.first),
        ];
        for (name, sc) in rows {
            t.row(vec![
                name.clone(),
                "ours (CCS frames)".into(),
                int(sc.ours.round_trips),
                bytes(sc.ours.bytes_up),
                bytes(sc.ours.bytes_down),
                bytes(sc.ours.bytes()),
                ms(sc.ours.elapsed_ms),
                String::new(),
            ]);
            // The same exchange in the older frame formats, beside.
            let older = if std::ptr::eq(sc, &s.edit) {
                vec![(2, 1, s.edit_v2.0, s.edit_v2.1, String::new()), (1, 1, s.edit_v1.0, s.edit_v1.1, String::new())]
            } else if std::ptr::eq(sc, &s.first) {
                let f = &s.first_v1;
                vec![(1, f.round_trips, f.bytes_up, f.bytes_down, ms(f.elapsed_ms))]
            } else {
                vec![]
            };
            for (version, trips, up, down, wall) in older {
                t.row(vec![
                    String::new(),
                    format!("ours, frame format {version} (before)"),
                    int(trips),
                    bytes(up),
                    bytes(down),
                    bytes(up + down),
                    wall,
                    String::new(),
                ]);
            }
            t.row(vec![
                String::new(),
                "per-document SyncDoc".into(),
                int(sc.perdoc.round_trips),
                bytes(sc.perdoc.bytes_up),
                bytes(sc.perdoc.bytes_down),
                bytes(sc.perdoc.bytes()),
                ms(sc.perdoc.elapsed_ms),
                format!("{:.1}×", sc.ratio()),
            ]);
            t.row(vec![
                String::new(),
                "per-document, deflated".into(),
                int(sc.perdoc.round_trips),
                bytes(sc.perdoc.deflated_up),
                bytes(sc.perdoc.deflated_down),
                bytes(sc.perdoc.deflated_up + sc.perdoc.deflated_down),
                String::new(),
                format!(
                    "{:.1}×",
                    (sc.perdoc.deflated_up + sc.perdoc.deflated_down) as f64 / sc.ours.bytes().max(1) as f64
                ),
            ]);
        }
        t.row(vec![
            format!("limit: the {} new changes alone", s.k + s.others),
            "deflated together".into(),
            String::new(),
            String::new(),
            String::new(),
            bytes(s.limit),
            String::new(),
            format!(
                "ours ÷ limit {:.2}× (format 2: {:.2}×, format 1: {:.2}×)",
                s.edit.ours.bytes() as f64 / s.limit.max(1) as f64,
                (s.edit_v2.0 + s.edit_v2.1) as f64 / s.limit.max(1) as f64,
                (s.edit_v1.0 + s.edit_v1.1) as f64 / s.limit.max(1) as f64
            ),
        ]);
        out.push(t);
    }
    if !r.first_syncs.is_empty() {
        let mut t = Table::new(
            "1b. A reviewer's first sync of a large server (frame format 3 with growing pages; format 1 with the \
             server's 1 MB pages)",
            &["records", "format", "round trips", "bytes down", "wall time", "records / s", "where the time goes"],
        );
        for f in &r.first_syncs {
            let rows = [(3, Some(&f.current), Some(&f.current_profile)), (1, f.v1.as_ref(), f.v1_profile.as_ref())];
            for (version, o, profile) in rows {
                let (Some(o), Some(profile)) = (o, profile) else { continue };
                t.row(vec![
                    int(f.n),
                    format!("{version}"),
                    int(o.round_trips),
                    bytes(o.bytes_down),
                    ms(o.elapsed_ms),
                    format!("{:.0}", f.n as f64 / (o.elapsed_ms / 1000.0).max(1e-9)),
                    profile.to_string(),
                ]);
            }
        }
        out.push(t);
    }
    if !r.loads.is_empty() || !r.memory.is_empty() {
        let mut t = Table::new(
            &format!(
                "2. Server under load ({} syncs per device, loopback, server as a child process)",
                load::SYNCS_PER_DEVICE
            ),
            &[
                "database",
                "devices at once",
                "documents",
                "syncs",
                "failed",
                "syncs/s",
                "p50",
                "p99",
                "max",
                "entries pulled",
                "CPU a sync: server / devices",
            ],
        );
        for l in &r.loads {
            t.row(vec![
                l.backend.to_string(),
                if l.pull_only { format!("{} (pull only)", int(l.devices)) } else { int(l.devices) },
                int(l.docs),
                int(l.syncs),
                int(l.failures),
                format!("{:.0}", l.syncs_per_s),
                ms(l.p50_ms),
                if l.runs_p99.is_empty() {
                    ms(l.p99_ms)
                } else {
                    format!(
                        "{} (median of {} runs: {})",
                        ms(l.p99_ms),
                        l.runs_p99.len(),
                        l.runs_p99.iter().map(|p| format!("{p:.0}")).collect::<Vec<_>>().join(", ")
                    )
                },
                ms(l.max_ms),
                int(l.received),
                match (l.server_cpu_s, l.devices_cpu_s) {
                    (Some(s), Some(d)) => format!(
                        "{:.2} / {:.2} ms",
                        s * 1000.0 / l.syncs.max(1) as f64,
                        d * 1000.0 / l.syncs.max(1) as f64
                    ),
                    _ => "-".into(),
                },
            ]);
        }
        out.push(t);
        let mut m = Table::new(
            &format!(
                "2b. Server memory (peak over start and both loads, up to {} devices)",
                int(*plan.devices.last().unwrap_or(&0))
            ),
            &["database", "documents", "database size", "RSS after start", "peak RSS (VmHWM)"],
        );
        for x in &r.memory {
            m.row(vec![
                x.backend.to_string(),
                int(x.docs),
                format!("{:.0} MB", x.db_mb),
                format!("{:.1} MB", x.rss_idle_mb),
                format!("{:.1} MB", x.peak_mb),
            ]);
        }
        out.push(m);
    }
    if !r.stores.is_empty() {
        let mut headers = vec!["local store".to_string()];
        headers.extend(r.stores.iter().map(|s| {
            if s.records < s.target {
                format!("{} records (stopped at {})", int(s.target), int(s.records))
            } else {
                format!("{} records", int(s.records))
            }
        }));
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new("3. Local store (SQLCipher, Argon2id default cost)", &h);
        let mut row = |name: &str, f: &dyn Fn(&StoreFigures) -> String| {
            let mut cells = vec![name.to_string()];
            cells.extend(r.stores.iter().map(f));
            t.row(cells);
        };
        row("database size", &|s| format!("{:.0} MB", s.db_mb));
        row("open and unlock", &|s| ms(s.open_ms));
        row("  of which key derivation (empty store)", &|s| ms(s.open_empty_ms));
        row("first page, filtered (median of 20)", &|s| ms(s.first_page_ms));
        row("  first call after unlock", &|s| ms(s.first_page_cold_ms));
        row("  matching records", &|s| int(s.first_page_total as usize));
        row("full-text search (median of 20)", &|s| ms(s.search_ms));
        row("  first call", &|s| ms(s.search_cold_ms));
        row("  matching records", &|s| int(s.search_total as usize));
        row("save a record, p50", &|s| ms(s.save_p50_ms));
        row("save a record, p99", &|s| ms(s.save_p99_ms));
        row("  same without fsync (synchronous = OFF), p50", &|s| ms(s.save_nosync_p50_ms));
        row("  same without fsync, p99", &|s| ms(s.save_nosync_p99_ms));
        let steps = r.stores.first().map(|s| s.save_steps.len()).unwrap_or(0);
        for i in 0..steps {
            let name = r.stores[0].save_steps[i].0;
            row(&format!("  save step: {name}, p50 / p99"), &|s| {
                s.save_steps.get(i).map(|(_, p50, p99)| format!("{p50:.2} / {p99:.2} ms")).unwrap_or_default()
            });
        }
        row("  whole-document layout: load with checks, p50 / p99", &|s| {
            format!("{:.2} / {:.2} ms", s.full_load_ms.0, s.full_load_ms.1)
        });
        row("  whole-document layout: encode whole, p50 / p99", &|s| {
            format!("{:.2} / {:.2} ms", s.full_encode_ms.0, s.full_encode_ms.1)
        });
        row("merge a page of 500 remote changes", &|s| ms(s.merge_500_ms));
        row("rebuild all projections", &|s| match s.rebuild_estimate_s {
            Some(e) => format!("not run (≈ {:.0} min)", e / 60.0),
            None => ms(s.rebuild_ms),
        });
        row("(bulk load through apply_batch)", &|s| format!("{:.1} s", s.fill_s));
        if let Some((p50, p99)) = r.fsync {
            let mut cells =
                vec!["(disk: append 4 kB + fdatasync, p50 / p99)".to_string(), format!("{p50:.1} / {p99:.1} ms")];
            cells.extend(r.stores.iter().skip(1).map(|_| String::new()));
            t.row(cells);
        }
        out.push(t);
    }
    if let Some(a) = &r.app {
        let mut t = Table::new("4. Desktop app (release build, Xvfb 1280×800)", &["measure", "value"]);
        t.row(vec!["release binary size".into(), opt(a.binary_mb, |v| format!("{v:.1} MB"))]);
        t.row(vec!["start to first screen drawn".into(), opt(a.first_screen_ms, ms)]);
        t.row(vec!["  (one screen capture takes)".into(), opt(a.capture_ms, ms)]);
        t.row(vec!["memory after start: app process".into(), opt(a.rss_start_app_mb, |v| format!("{v:.0} MB"))]);
        t.row(vec!["  with its WebKit processes".into(), opt(a.rss_start_total_mb, |v| format!("{v:.0} MB"))]);
        let n = int(a.records.max(plan.app_records));
        t.row(vec![format!("unlock to the session list ({n} records)"), opt(a.unlock_to_list_ms, ms)]);
        t.row(vec![
            format!("memory with {n} records open: app process"),
            opt(a.rss_records_app_mb, |v| format!("{v:.0} MB")),
        ]);
        t.row(vec!["  with its WebKit processes".into(), opt(a.rss_records_total_mb, |v| format!("{v:.0} MB"))]);
        out.push(t);
    }
    if !r.app_builds.is_empty() {
        let mut headers = vec!["measure"];
        headers.extend(r.app_builds.iter().map(|b| b.profile.as_str()));
        let mut t = Table::new("4b. The app's builds side by side (one run, starts alternated)", &headers);
        let row = |t: &mut Table, name: &str, f: &dyn Fn(&app_bench::BuildFigures) -> String| {
            let mut cells = vec![name.to_string()];
            cells.extend(r.app_builds.iter().map(f));
            t.row(cells);
        };
        row(&mut t, "binary size", &|b| opt(b.binary_mb, |v| format!("{v:.1} MB")));
        row(&mut t, "report helper beside it (ccs-report-pdf)", &|b| opt(b.helper_mb, |v| format!("{v:.1} MB")));
        row(&mut t, "start to first screen (median)", &|b| opt(b.first_screen_median(), ms));
        row(&mut t, "  each start", &|b| {
            b.first_screen_ms.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(" / ") + " ms"
        });
        row(&mut t, "memory after start, with WebKit (median)", &|b| opt(b.rss_median(), |v| format!("{v:.0} MB")));
        out.push(t);
    }
    out
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "MISSED"
    }
}

fn goals(plan: &Plan, r: &Results) -> Vec<String> {
    let mut g = Vec::new();
    let build = |p: &str| r.app_builds.iter().find(|b| b.profile == p);
    if let Some(small) = build("release-app") {
        if let Some(mb) = small.binary_mb {
            let helper = small
                .helper_mb
                .map(|h| format!("; the report helper installed beside it, run only to make a PDF: {h:.1} MB"))
                .unwrap_or_default();
            g.push(format!(
                "{}: the installed app's binary under 15 MB ({mb:.1} MB, release-app{helper})",
                verdict(mb < 15.0)
            ));
        }
        if let (Some(after), Some(before)) =
            (small.first_screen_median(), build("release").and_then(|b| b.first_screen_median()))
        {
            // Within one screen capture (the measure's own step) of the other build.
            let step = r.app.as_ref().and_then(|a| a.capture_ms).unwrap_or(0.0);
            g.push(format!(
                "{}: its start to first screen not slower than the release build's ({after:.0} ms against {before:.0} ms, medians)",
                verdict(after <= before + step)
            ));
        }
    }
    if let Some(f) = r.reports.iter().max_by_key(|f| f.stored) {
        let worst = f.national_year_ms.max(f.region_quarter_ms);
        g.push(format!(
            "{}: dashboard indicators under 200 ms at {} records ({worst:.0} ms)",
            verdict(worst < 200.0),
            int(f.stored)
        ));
        if let Some(s) = f.xlsx_s {
            g.push(format!("{}: XLSX of {} records under 10 s ({s:.1} s)", verdict(s < 10.0), int(f.stored)));
        }
        let peaks: Vec<f64> = r.reports.iter().filter_map(|f| f.xlsx_peak_mb).collect();
        if let (Some(lo), Some(hi)) = (peaks.first(), peaks.last()) {
            g.push(format!(
                "{}: export memory flat as records grow ({lo:.0} MB → {hi:.0} MB, ×{:.2} for ×{:.0} records)",
                verdict(hi / lo < 1.5),
                hi / lo,
                r.reports.last().map(|l| l.stored as f64).unwrap_or(1.0) / r.reports[0].stored.max(1) as f64
            ));
        }
    }
    if let Some(f) = &r.relay {
        g.push(format!(
            "{}: bundle bytes within 1.1× of the direct sync's for the same changes ({:.3}×)",
            verdict(f.ratio() <= 1.1),
            f.ratio()
        ));
    }
    if let Some(s) = &r.sync {
        let rt = s.edit.ours.round_trips;
        g.push(format!("{}: one round trip for a sync with edits both ways ({rt})", verdict(rt == 1)));
        let idle = s.idle.ours.bytes();
        g.push(format!(
            "{}: nothing changed under 1 KB ({} bytes, {} up and {} down)",
            verdict(idle < 1024),
            idle,
            s.idle.ours.bytes_up,
            s.idle.ours.bytes_down
        ));
        let vs = s.edit.ours.bytes() as f64 / s.limit.max(1) as f64;
        let mut line = format!(
            "{}: bytes within 1.3× of the limit ({:.2}×: {} against {} for the deflated new changes, {} raw)",
            verdict(vs <= 1.3),
            vs,
            int(s.edit.ours.bytes()),
            int(s.limit),
            int(s.new_changes_raw)
        );
        let per_doc = s.edit_request_metadata_v3 as f64 / s.k.max(1) as f64;
        line.push_str(&format!(
            ". Frame format 3 names the {} records A edits by the numbers the server gave them, without their \
             routing (the server holds it) and without heads: A's request without any change bytes is {} bytes \
             ({per_doc:.1} per document; {} in format 2, {} in format 1). {}",
            s.k,
            int(s.edit_request_metadata_v3),
            int(s.edit_request_metadata_v2),
            int(s.edit_request_metadata),
            if vs > 1.3 {
                format!(
                    "What holds it back: the ids of the {} entries pulled (the device may not know them) and the \
                     changes deflated in two frames, up and down, where the limit deflates them in one stream; the \
                     changes themselves are small ({:.0} bytes deflated per edit)",
                    s.others,
                    s.limit as f64 / (s.k + s.others).max(1) as f64
                )
            } else {
                "What remains above the limit: the ids of the entries pulled (the device may not know them) and \
                 deflating up and down separately"
                    .to_string()
            }
        ));
        g.push(line);
        let ratio = s.edit.ratio();
        g.push(format!(
            "{}: at least 100× fewer bytes than per-document sync with 1% of documents changed ({ratio:.0}×; \
             {:.0}× against the per-document bodies deflated)",
            verdict(ratio >= 100.0),
            (s.edit.perdoc.deflated_up + s.edit.perdoc.deflated_down) as f64 / s.edit.ours.bytes().max(1) as f64
        ));
        if !s.converged {
            g.push("WARNING: the devices did not converge on the edited records".into());
        }
    }
    let big = *plan.devices.last().unwrap_or(&0);
    let sqlite_loads: Vec<&LoadFigures> = r.loads.iter().filter(|l| l.backend == "SQLite").collect();
    if let Some(l) = sqlite_loads.iter().find(|l| l.devices == big && !l.pull_only) {
        let mut line = format!(
            "{}: p99 under 500 ms with {} devices at once ({:.0} ms{}; {} documents on the server)",
            verdict(l.p99_ms < 500.0),
            int(big),
            l.p99_ms,
            if l.runs_p99.is_empty() {
                String::new()
            } else {
                format!(
                    ", the median of {} runs: {} ms",
                    l.runs_p99.len(),
                    l.runs_p99.iter().map(|p| format!("{p:.0}")).collect::<Vec<_>>().join(", ")
                )
            },
            int(l.docs)
        );
        if l.p99_ms >= 500.0 {
            let reads = sqlite_loads.iter().find(|x| x.pull_only && x.devices == big);
            line.push_str(&format!(
                ". What holds it back: the work per push rather than the lock. Pushes are checked side by side on \
                 read snapshots (the pushed Automerge changes verified, the document rebuilt for the rules) and \
                 filed by one writer thread in batches, one transaction and one fsync per batch (group commit); \
                 with pushes the server completes {:.0} syncs/s, so {} devices pushing at the same moment make {} \
                 syncs that take about {:.1} s to drain on this machine's cores; the median sync ({:.0} ms) waits \
                 for about half of them{}{}. Cutting the tail further needs cheaper checks per push, or more cores",
                l.syncs_per_s,
                int(big),
                int(l.syncs),
                l.syncs as f64 / l.syncs_per_s.max(0.001),
                l.p50_ms,
                reads
                    .map(|x| format!(
                        "; the same {} devices syncing with nothing to push: p99 {:.0} ms at {:.0} syncs/s",
                        int(x.devices),
                        x.p99_ms,
                        x.syncs_per_s
                    ))
                    .unwrap_or_default(),
                r.fsync
                    .map(|(p50, _)| format!("; the disk is not the limit (an fsync takes {p50:.1} ms here)"))
                    .unwrap_or_default(),
            ));
            if let Some(cpu) = l.server_cpu_s {
                // Little's law: with every device waiting at once, the last one waits for the
                // whole queue; p99 under the goal needs the syncs to drain that fast.
                let needed = big as f64 / 0.5;
                line.push_str(&format!(
                    " (the server used {:.2} ms of CPU a sync; {} devices answered within 500 ms need about {:.0} \
                     syncs/s, {:.2} ms a sync on {} cores with nothing left for anything else)",
                    cpu * 1000.0 / l.syncs.max(1) as f64,
                    int(big),
                    needed,
                    1000.0 * cores() / needed,
                    cores()
                ));
            }
        }
        g.push(line);
    }
    let sqlite_memory: Vec<&MemoryFigures> = r.memory.iter().filter(|x| x.backend == "SQLite").collect();
    if let (Some(a), Some(b)) = (sqlite_memory.first(), sqlite_memory.last()) {
        if a.docs != b.docs {
            let growth = b.peak_mb / a.peak_mb.max(0.1);
            g.push(format!(
                "{}: server memory flat as documents grow ({:.0} MB peak at {} documents, {:.0} MB at {}: ×{growth:.2}, \
                 for ×{:.0} documents)",
                verdict(growth <= 1.25),
                a.peak_mb,
                int(a.docs),
                b.peak_mb,
                int(b.docs),
                b.docs as f64 / a.docs.max(1) as f64
            ));
        }
    }
    if let Some(s) = r.stores.iter().find(|s| s.records == plan.n) {
        g.push(format!(
            "{}: first page under 20 ms at {} records ({:.1} ms median, {:.1} ms on the first call after unlock)",
            verdict(s.first_page_ms < 20.0),
            int(s.records),
            s.first_page_ms,
            s.first_page_cold_ms
        ));
        let mut line = format!(
            "{}: save p99 under 10 ms at {} records ({:.1} ms; p50 {:.1} ms)",
            verdict(s.save_p99_ms < 10.0),
            int(s.records),
            s.save_p99_ms,
            s.save_p50_ms
        );
        if s.save_p99_ms >= 10.0 {
            let (d50, d99) = r.fsync.unwrap_or((f64::NAN, f64::NAN));
            line.push_str(&format!(
                ". What holds it back: the same saves without waiting for the disk (synchronous = OFF) take \
                 {:.1} ms at p50 and {:.1} ms at p99, and appending 4 kB with fdatasync on this disk takes {d50:.1} ms \
                 at p50 and {d99:.1} ms at p99: {}",
                s.save_nosync_p50_ms,
                s.save_nosync_p99_ms,
                if s.save_nosync_p99_ms >= 10.0 {
                    "the tail is in the save's own work and in the other processes sharing the two cores"
                } else {
                    "the tail is the wait for the disk: one fsync of the WAL per save (`synchronous = FULL`, so a \
                     save that returned survives a power cut), whose slow cases on this shared virtual disk reach \
                     several milliseconds"
                }
            ));
            // The steps, largest p99 first (`Store::last_save_cost`).
            let mut steps = s.save_steps.clone();
            steps.sort_by(|a, b| b.2.total_cmp(&a.2));
            if !steps.is_empty() {
                let list: Vec<String> =
                    steps.iter().map(|(n, p50, p99)| format!("{n} {p50:.2} / {p99:.1} ms")).collect();
                line.push_str(&format!("; a save step by step (p50 / p99): {}", list.join(", ")));
            }
        }
        g.push(line);
    }
    if let (Some(small), Some(large)) = (r.stores.first(), r.stores.last()) {
        if large.records > small.records {
            let per = |f: &StoreFigures| f.fill_s * 1000.0 / f.records.max(1) as f64;
            let mut line = format!(
                "SCALING of the store from {} to {} records: bulk load {:.2} → {:.2} ms per record, save p50 {:.1} → \
                 {:.1} ms, first page {:.2} → {:.1} ms ({} → {} matching records), search {:.2} → {:.1} ms",
                int(small.records),
                int(large.records),
                per(small),
                per(large),
                small.save_p50_ms,
                large.save_p50_ms,
                small.first_page_ms,
                large.first_page_ms,
                int(small.first_page_total as usize),
                int(large.first_page_total as usize),
                small.search_ms,
                large.search_ms
            );
            if large.records < large.target {
                line.push_str(&format!(
                    "; {} records could not be reached within the time budget ({} stored in {:.0} s)",
                    int(large.target),
                    int(large.records),
                    large.fill_s
                ));
            }
            if large.first_page_ms >= 20.0 {
                line.push_str(&format!(
                    "; at {} records the first page is over 20 ms: counting and filtering visit every session of the \
                     region ({}), where the first page needs 50",
                    int(large.records),
                    int(large.first_page_total as usize)
                ));
            }
            g.push(line);
        }
    }
    g
}

fn markdown(
    cli: &Cli,
    plan: &Plan,
    m: &Machine,
    command: &str,
    (tables, notes, goals): (&[Table], &[String], &[String]),
    total_s: f64,
) -> String {
    let mut s = String::from("# Benchmarks\n\n");
    s.push_str(
        "Written by `ccs-bench` (crate `bench/`); do not edit by hand, run it again. Figures are from one run on \
         the machine below; they are not timed tests and no test depends on them.\n\n",
    );
    s.push_str(&format!(
        "- Date: {} UTC\n- Command: `cargo build --release -p ccs-sync-server -p ccs-app && {command}`{}\n- Commit: {}\n\
         - Machine: {} CPU(s) ({}), {} RAM, {}\n- Compiler: {}\n- Total time of the run: {:.0} s\n\
         - Load average (1, 5, 15 min) at the start: {}; at the end: {} (other work shares the machine: \
         figures that depend on CPU are noisier than usual)\n\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        if cli.quick { " (quick run: smaller sizes)" } else { "" },
        m.commit,
        m.cpus,
        m.cpu_model,
        m.mem_total,
        m.kernel,
        m.rustc,
        total_s,
        m.load_start,
        Machine::load_average()
    ));
    if cli.quick {
        s.push_str(&format!(
            "Quick run: N = {} records (the full run: 10,000), k = {} edits and {} from others (1% and 0.5% of N), \
             {} and {} devices (full: 100 and 1,000), server memory at {} and {} documents (full: 10,000 and \
             100,000), stores of {} records (full: 1,000, 10,000 and 100,000).\n\n",
            int(plan.n),
            plan.k,
            plan.others,
            plan.devices[0],
            plan.devices[1],
            int(plan.n),
            int(plan.large_docs),
            plan.store_sizes.iter().map(|n| int(*n)).collect::<Vec<_>>().join(" and "),
        ));
    }
    s.push_str("## Goals\n\n");
    for g in goals {
        s.push_str(&format!("- {g}\n"));
    }
    s.push_str("\n## Figures\n\n");
    for t in tables {
        s.push_str(&t.markdown());
        s.push('\n');
    }
    if !notes.is_empty() {
        s.push_str("Notes of this run:\n\n");
        for n in notes {
            s.push_str(&format!("- {n}\n"));
        }
        s.push('\n');
    }
    s.push_str(HOW);
    s
}

/// Release binaries measured here that are older than the last commit to their sources.
fn stale_binaries(repo: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) else { return out };
    let repo_s = repo.to_string_lossy().to_string();
    for (bin, sources) in [("ccs-sync-server", &["core", "sync-server"][..]), ("ccs-app", &["core", "src-tauri"][..])] {
        let Ok(built) = std::fs::metadata(dir.join(bin)).and_then(|m| m.modified()) else { continue };
        let mut args = vec!["-C", repo_s.as_str(), "log", "-1", "--format=%ct", "--"];
        args.extend(sources.iter().copied());
        let changed = std::process::Command::new("git")
            .args(&args)
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().ok());
        let built_s = built.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        if changed.is_some_and(|c| c > built_s) {
            out.push(format!(
                "target/release/{bin} is older than the last commit to {}: rebuild it (cargo build --release -p {bin})",
                sources.join("/ and ")
            ));
        }
    }
    out
}

/// What could not be measured, and why.
fn notes(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = &r.relay {
        out.push(format!(
            "relay: {} records: {} bundle part(s), {} bytes vs {} bytes up by a direct sync ({} round trips): {:.3}×; \
             export {:.0} ms, server takes them {:.0} ms, return bundle made {:.0} ms ({} bytes), applied {:.0} ms \
             ({} acknowledged)",
            int(f.records),
            f.parts,
            int(f.bundle_bytes),
            int(f.direct_bytes_up),
            f.direct_round_trips,
            f.ratio(),
            f.export_ms,
            f.server_ms,
            f.outbox_ms,
            int(f.return_bytes),
            f.import_ms,
            int(f.acknowledged)
        ));
    }
    if let Some(e) = &r.relay_error {
        out.push(format!("relay: failed: {e}"));
    }
    out.extend(r.report_notes.iter().map(|n| format!("report: {n}")));
    for f in r.reports.iter().filter_map(|f| f.xlsx_error.as_ref().map(|e| (f.records, e))) {
        out.push(format!("report: XLSX of {} records: {}", int(f.0), f.1));
    }
    if let Some(e) = &r.sync_error {
        out.push(format!("sync: failed: {e}"));
    }
    out.extend(r.server_notes.iter().map(|n| format!("server: {n}")));
    for l in r.loads.iter().filter(|l| l.failures > 0) {
        out.push(format!(
            "server: {} of the syncs of {} devices at {} documents failed; the first: {}",
            int(l.failures),
            int(l.devices),
            int(l.docs),
            l.first_error.as_deref().unwrap_or("?")
        ));
    }
    out.extend(r.stale.iter().cloned());
    out.extend(r.store_notes.iter().map(|n| format!("store: {n}")));
    for b in &r.app_builds {
        out.extend(b.notes.iter().map(|n| format!("app ({}): {n}", b.profile)));
    }
    if let Some(a) = &r.app {
        out.extend(a.notes.iter().map(|n| format!("app: {n}")));
    }
    out
}

const HOW: &str = r#"## How it is measured

**Corpus.** Records shaped like the demo generator's (`ccs_core::demo`): one communal
committee per ~80 records over the built-in communes, then sessions (40%), assessments
(15%), workshops (10%) and recommendations (35%) over the last 1,000 days, with texts
drawn from a set of realistic sentences, varied counts, and review trails (half
reviewed, some approved). Each record is an Automerge document made as a device makes
it (`RecordDoc::create`), so sizes are the real ones.

**1. Sync.** A real `ccs-sync-server` (child process) and real encrypted stores. Device A
(administrator) holds all N records, which the server also holds (pushed with A's token in
requests of 500 documents through the sync endpoint, then marked acknowledged in A's
store with A's cursor at the log's end, the state A's own syncs would leave). Device B (reviewer) is new: its first sync is measured. B then
edits 50 records (1 in 200) and syncs; A edits k = 100 others (1%) and syncs: that sync is
"A edited…", it pushes 100 documents and pulls B's 50. A syncs again: "nothing changed".
Bytes are HTTP bodies (`SyncReport.bytes_up/bytes_down`), round trips are HTTP exchanges.
Wall times are not like for like: ours include writing every received document to the
device's encrypted store (document, projection, search row), the baseline keeps its
documents in memory.
The limit is the raw Automerge change bytes of the 150 edits, deflated together in one
stream. An edit adds one sentence to the record's main text through `Store::edit_record`.

The baseline is per-document Automerge sync (`automerge::sync::SyncDoc`), what
automerge-repo and samod run for each document shared with a peer, on the same documents
and the very same edit changes, over loopback HTTP to an endpoint inside the bench that
holds the server's documents in memory. Each sync is a session (a reconnection) that
starts from the sync states persisted at the end of the previous one, as automerge-repo
does for storage peers. Counting is generous to the baseline: one HTTP exchange per
round carries every document's message of that round (automerge-repo would stream them
over one WebSocket), bodies are the messages plus a 16-byte id and a length each
(automerge-repo adds CBOR envelopes with peer and document ids as text), no compression
(automerge-repo has none; the deflated size is shown beside), and the device knows every
document id without asking. The samod crate itself is not used as the peer: samod 0.16
(on the same automerge 0.12) syncs over a long-lived stream of messages with no request
boundaries and no "sync finished" signal, so round trips cannot be counted as HTTP
exchanges and a session's end would have to be guessed by polling heads; its per-document
exchange is this same SyncDoc protocol, wrapped in CBOR envelopes that only add bytes.

**2. Server.** The release `ccs-sync-server` as a child process on a copy of part 1's data
(N documents) and on a second data directory seeded with the large corpus through the
same sync endpoint; each is restarted before measuring, so the peak (VmHWM from
`/proc/<pid>/status`) covers only start-up and the loads. Simulated devices are members
of the corpus committees, each with its own enrollment token, thread and connection; all
start at once behind a barrier and make three syncs in a row (push a new session record,
then two edits of it, each sync also pulling what the other members of the committee
pushed), in frame format 3 as the app (a document the server numbered named by its
number). Latency is per sync, until the server has no more to send. The largest load
(the goal's) runs three times in a row on the same server, each time with new devices
and records; its row is the run with the median p99, all three p99s beside it, and its
failures are those of all three. The bench's devices
run on the same two cores as the server. Server logs at `warn`. With `--postgres` the
same loads run on PostgreSQL (`--postgres auto`: a private cluster from
`scripts/postgres-test-cluster.sh`, on a Unix socket, with the test cluster's settings:
fsync and synchronous commit off, so PostgreSQL's figures are if anything flattering),
each size on a database of its own seeded through the server; PostgreSQL's own processes
are not in the server's memory figures.

**3. Store.** Stores created with the app's default Argon2id cost (128 MiB, 5 passes) and
filled through `Store::apply_batch` (the sync path, 500 documents per transaction; the
largest size has a time budget, and stops between batches when it is spent), closed,
then: open and unlock (median of 3), the first page of sessions of one region (50
per page, newest first), a two-word full-text search, saves (edits through
`Store::edit_record`, each its own transaction with `synchronous = FULL`), one
`apply_batch` of 500 changes made by another device to 500 records, and
`rebuild_projections` (not run above 20,000 records, where it would take too long: the
estimate is the record count times one search-index delete).

**4. App.** The release binary (`cargo build --release -p ccs-app`, which embeds
`ui/dist`). First screen: the app is started on an empty data folder under the bench's own
Xvfb (1280×800), and the root window is captured with ImageMagick `import` in a loop
until it holds more than a few colours (text drawn); the time is the end of that capture.
Memory is the resident set of the app process and of its process tree (the WebKit web
and network processes) three seconds after the first screen, and after unlocking a store
of the part 3 size and opening the session list through `tauri-driver` (WebDriver).
When both builds of the app are there, `target/release/ccs-app` (scripts/run.sh) and
`target/release-app/ccs-app` (the installers, `scripts/package.sh`: fat LTO, one codegen
unit, stripped), table 4b sets them side by side: size, and 3 (quick) or 5 starts of each,
alternated, to the first screen, with the memory after each start.
"#;

fn results_json(cli: &Cli, plan: &Plan, m: &Machine, command: &str, r: &Results, total_s: f64) -> Value {
    let num = |v: Option<f64>| v.map(|x| json!((x * 1000.0).round() / 1000.0)).unwrap_or(Value::Null);
    let s = r.sync.as_ref();
    let big = *plan.devices.last().unwrap_or(&0);
    let load_big =
        r.loads.iter().find(|l| l.backend == "SQLite" && l.devices == big && l.docs == plan.n && !l.pull_only);
    let store_n = r.stores.iter().find(|x| x.records == plan.n);
    let mem = |docs: usize| r.memory.iter().find(|x| x.backend == "SQLite" && x.docs == docs).map(|x| x.peak_mb);
    let scenario = |sc: &sync_bench::Scenario| {
        json!({
            "ours": {"round_trips": sc.ours.round_trips, "bytes_up": sc.ours.bytes_up, "bytes_down": sc.ours.bytes_down,
                     "wall_ms": sc.ours.elapsed_ms, "pushed": sc.ours.pushed, "received": sc.ours.received},
            "per_document": {"round_trips": sc.perdoc.round_trips, "bytes_up": sc.perdoc.bytes_up,
                             "bytes_down": sc.perdoc.bytes_down, "deflated_up": sc.perdoc.deflated_up,
                             "deflated_down": sc.perdoc.deflated_down, "messages_up": sc.perdoc.messages_up,
                             "messages_down": sc.perdoc.messages_down, "wall_ms": sc.perdoc.elapsed_ms},
            "per_document_over_ours": sc.ratio(),
        })
    };
    let details = json!({
            "report": r.reports.iter().map(|f| json!({
                "records": f.stored, "indicators_national_year_ms": f.national_year_ms,
                "indicators_region_quarter_ms": f.region_quarter_ms, "indicators_twelve_months_ms": f.twelve_months_ms,
                "xlsx_s": f.xlsx_s, "xlsx_from_documents_s": f.xlsx_from_documents_s, "xlsx_peak_rss_mb": f.xlsx_peak_mb, "xlsx_mb": f.xlsx_mb, "xlsx_error": f.xlsx_error,
            })).collect::<Vec<_>>(),
            "relay": r.relay.as_ref().map(|f| json!({
                "records": f.records, "parts": f.parts, "bundle_bytes": f.bundle_bytes,
                "direct_bytes_up": f.direct_bytes_up, "direct_round_trips": f.direct_round_trips,
                "bundle_over_direct": f.ratio(), "export_ms": f.export_ms, "server_ms": f.server_ms,
                "outbox_ms": f.outbox_ms, "return_bytes": f.return_bytes, "import_ms": f.import_ms,
            })),
            "sync": s.map(|s| json!({
                "edit": scenario(&s.edit), "nothing_changed": scenario(&s.idle), "first_sync": scenario(&s.first),
                "limit_deflated": s.limit, "new_changes_raw": s.new_changes_raw,
                "edit_request_without_changes": s.edit_request_metadata,
                "edit_request_without_changes_v2": s.edit_request_metadata_v2,
                "edit_request_without_changes_v3": s.edit_request_metadata_v3,
                "edit_v2_up": s.edit_v2.0, "edit_v2_down": s.edit_v2.1,
                "edit_v1_up": s.edit_v1.0, "edit_v1_down": s.edit_v1.1,
                "first_v1_ms": s.first_v1.elapsed_ms, "first_v1_round_trips": s.first_v1.round_trips, "converged": s.converged,
            })),
            "sync_error": r.sync_error,
            "server_loads": r.loads.iter().map(|l| json!({
                "database": l.backend, "devices": l.devices, "pull_only": l.pull_only, "documents": l.docs, "syncs": l.syncs, "failures": l.failures,
                "elapsed_s": l.elapsed_s, "syncs_per_s": l.syncs_per_s, "p50_ms": l.p50_ms, "p99_ms": l.p99_ms,
                "max_ms": l.max_ms, "entries_pulled": l.received, "first_error": l.first_error,
                "server_cpu_s": l.server_cpu_s, "devices_cpu_s": l.devices_cpu_s,
                "runs_p99_ms": l.runs_p99, "p99_by_sync_ms": l.p99_by_sync,
            })).collect::<Vec<_>>(),
            "server_memory": r.memory.iter().map(|x| json!({
                "database": x.backend, "documents": x.docs, "db_mb": x.db_mb, "rss_after_start_mb": x.rss_idle_mb, "peak_rss_mb": x.peak_mb,
            })).collect::<Vec<_>>(),
            "server_notes": r.server_notes,
            "stores": r.stores.iter().map(|x| json!({
                "records": x.records, "db_mb": x.db_mb, "fill_s": x.fill_s, "open_ms": x.open_ms,
                "open_empty_ms": x.open_empty_ms, "first_page_ms": x.first_page_ms,
                "first_page_cold_ms": x.first_page_cold_ms, "first_page_total": x.first_page_total,
                "search_ms": x.search_ms, "search_cold_ms": x.search_cold_ms, "search_total": x.search_total,
                "save_p50_ms": x.save_p50_ms, "save_p99_ms": x.save_p99_ms, "saves": x.saves,
                "save_steps": x.save_steps.iter().map(|(n, p50, p99)| serde_json::json!({"step": n, "p50_ms": p50, "p99_ms": p99})).collect::<Vec<_>>(),
                "full_load_ms": [x.full_load_ms.0, x.full_load_ms.1], "full_encode_ms": [x.full_encode_ms.0, x.full_encode_ms.1],
                "save_without_fsync_p50_ms": x.save_nosync_p50_ms, "save_without_fsync_p99_ms": x.save_nosync_p99_ms,
                "merge_500_ms": x.merge_500_ms, "rebuild_ms": x.rebuild_ms, "target": x.target,
                "rebuild_estimate_s": x.rebuild_estimate_s,
            })).collect::<Vec<_>>(),
            "store_notes": r.store_notes,
            "app_builds": r.app_builds.iter().map(|b| json!({
                "profile": b.profile, "binary_mb": b.binary_mb, "helper_mb": b.helper_mb, "first_screen_ms": b.first_screen_ms,
                "first_screen_median_ms": b.first_screen_median(), "rss_after_start_total_mb": b.rss_start_total_mb,
                "notes": b.notes,
            })).collect::<Vec<_>>(),
            "app": r.app.as_ref().map(|a| json!({
                "binary_mb": a.binary_mb, "first_screen_ms": a.first_screen_ms, "capture_ms": a.capture_ms,
                "rss_after_start_app_mb": a.rss_start_app_mb, "rss_after_start_total_mb": a.rss_start_total_mb,
                "records": a.records, "unlock_to_list_ms": a.unlock_to_list_ms,
                "rss_with_records_app_mb": a.rss_records_app_mb, "rss_with_records_total_mb": a.rss_records_total_mb,
                "notes": a.notes,
            })),
    });
    json!({
        "sync_round_trips": s.map(|s| s.edit.ours.round_trips as f64),
        "sync_bytes_nothing_changed": s.map(|s| s.idle.ours.bytes() as f64),
        "sync_bytes_vs_limit": num(s.map(|s| s.edit.ours.bytes() as f64 / s.limit.max(1) as f64)),
        "sync_bytes_vs_per_document": num(s.map(|s| s.edit.ratio())),
        "server_p99_ms": num(load_big.map(|l| l.p99_ms)),
        "server_syncs_per_s": num(load_big.map(|l| l.syncs_per_s)),
        "server_peak_rss_mb_small": num(mem(plan.n)),
        "server_peak_rss_mb_large": num(mem(plan.large_docs)),
        "store_first_page_ms": num(store_n.map(|x| x.first_page_ms)),
        "store_save_p99_ms": num(store_n.map(|x| x.save_p99_ms)),
        "app_binary_mb": num(r.app.as_ref().and_then(|a| a.binary_mb)),
        "run": {
            "quick": cli.quick,
            "command": command,
            "date": chrono::Utc::now().to_rfc3339(),
            "total_s": total_s,
            "commit": m.commit,
            "machine": {"cpus": m.cpus, "cpu": m.cpu_model, "memory": m.mem_total, "kernel": m.kernel, "rustc": m.rustc,
                        "load_average_start": m.load_start, "load_average_end": Machine::load_average()},
            "sizes": {"n": plan.n, "k": plan.k, "others": plan.others, "devices": plan.devices,
                      "server_docs_small": plan.n, "server_docs_large": plan.large_docs, "stores": plan.store_sizes},
        },
        "details": details,
    })
}
