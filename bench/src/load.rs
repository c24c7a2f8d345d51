//! Part 2: the server under load, and its memory as documents grow.
//!
//! Simulated devices are committee members, each with its own token, on their own
//! threads and HTTP connections. Each one, all at the same moment, makes three syncs in
//! a row: the first pushes a new session record, the next two push an edit of it; every
//! sync also pulls what the other members of its committee pushed meanwhile. The device
//! side is prepared beforehand (documents and changes), so during the run the bench
//! threads only encode frames (format 3, as the app: a document the server numbered
//! is named by its number) and wait on the network. Latency is per sync (until the
//! server says no more), from sending the request to decoding the last answer.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::Context;
use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::sync::wire::{DocPush, SyncRequest};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::corpus::{self, meta_of, CommitteeInfo, GenDoc, Generator};
use crate::server::{self, RawCursor, RawDevice, Server};

/// Syncs each device makes in a load run.
pub const SYNCS_PER_DEVICE: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct LoadFigures {
    /// "SQLite" or "PostgreSQL".
    pub backend: &'static str,
    pub devices: usize,
    /// Syncs that push nothing (and find nothing to pull): the read path alone.
    pub pull_only: bool,
    pub docs: usize,
    pub syncs: usize,
    pub failures: usize,
    pub elapsed_s: f64,
    pub syncs_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// p99 of each device's first, second and third sync apart: the first one opens
    /// the connection and creates the document, the others edit it.
    pub p99_by_sync: Vec<f64>,
    /// p10 and p50 of each device's first, second and third sync: how evenly the
    /// server serves the devices waiting at once (first come, first served makes
    /// every later sync wait about as long as the others).
    pub spread_by_sync: Vec<(f64, f64)>,
    /// Syncs that took more than one request (the page said there was more to pull).
    pub multi_request: usize,
    /// The p99 of every run when this load was run several times in a row (this run
    /// is the median one); empty for a single run.
    pub runs_p99: Vec<f64>,
    /// Entries pulled from other devices, over all syncs.
    pub received: usize,
    /// The first failure, as the device saw it.
    pub first_error: Option<String>,
    /// CPU seconds the server process used during the run (when it is a child process).
    pub server_cpu_s: Option<f64>,
    /// CPU seconds the bench's simulated devices used during the run (the same two cores).
    pub devices_cpu_s: Option<f64>,
}

/// The server's memory at one corpus size.
#[derive(Debug, Clone, Default)]
pub struct MemoryFigures {
    pub backend: &'static str,
    pub docs: usize,
    pub rss_idle_mb: f64,
    pub peak_mb: f64,
    pub db_mb: f64,
}

struct Prepared {
    device: RawDevice,
    pushes: Vec<DocPush>,
}

/// The current end of the server's log and its epoch, read from its database.
pub fn log_end(server: &Server) -> anyhow::Result<RawCursor> {
    let store = ccs_sync_server::store::Store::open(server.location())?;
    let conn = store.conn()?;
    Ok(RawCursor { epoch: Some(ccs_sync_server::store::epoch(&conn)?), seq: ccs_sync_server::store::last_seq(&conn)? })
}

fn prepare(
    server: &Server,
    committees: &[CommitteeInfo],
    devices: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Prepared>> {
    let agent = server::agent(Duration::from_secs(60));
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(devices);
    for i in 0..devices {
        let c = &committees[i % committees.len()];
        let device = server::enroll_raw(&agent, server, &server::grant(Role::Member, Some(c.id)))?;
        let mut body = ccs_core::samples::session_body();
        body.date = (now - chrono::Duration::days(rng.gen_range(1..30))).date_naive();
        let mut record = Record::new(RecordBody::Session(body), c.id, device.id, now);
        let mut doc = RecordDoc::create(&record, device.id)?;
        let mut acked: Vec<[u8; 32]> = doc.heads().iter().map(|h| h.0).collect();
        let mut pushes = vec![DocPush {
            meta: meta_of(&record),
            acked_heads: Vec::new(),
            heads: acked.clone(),
            // What the app sends for a record the server has not seen: its changes
            // (`Store::changes_since` with no acknowledged heads), not a saved document.
            changes: doc.save_after(&[]),
        }];
        for s in 1..SYNCS_PER_DEVICE {
            let before = doc.heads();
            corpus::edit_body(&mut record.body, &format!("Point {s} ajouté après la réunion de suivi."));
            record.updated_at = now + chrono::Duration::seconds(s as i64);
            doc.update(&record, "edit")?;
            let heads: Vec<[u8; 32]> = doc.heads().iter().map(|h| h.0).collect();
            pushes.push(DocPush {
                meta: meta_of(&record),
                acked_heads: acked.clone(),
                heads: heads.clone(),
                changes: doc.save_after(&before),
            });
            acked = heads;
        }
        out.push(Prepared { device, pushes });
    }
    Ok(out)
}

/// Where the CPU went during a load: the server's and the simulated devices' seconds,
/// per sync, against what the machine's cores could give in that time.
pub fn cpu_summary(f: &LoadFigures) -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
    let per_sync = |s: f64| s * 1000.0 / f.syncs.max(1) as f64;
    match (f.server_cpu_s, f.devices_cpu_s) {
        (Some(server), Some(devices)) => format!(
            "CPU: server {server:.1} s ({:.2} ms a sync), devices {devices:.1} s ({:.2} ms a sync), of {:.1} s on {cores} cores",
            per_sync(server),
            per_sync(devices),
            f.elapsed_s * cores
        ),
        _ => "CPU not measured (server in process)".into(),
    }
}

/// Tells a profiler started with `perf record --control fifo:CTL -D -1` to sample the
/// timed run only (`CCS_BENCH_PERF_CTL=CTL`), not the enrolment before it.
fn profiler(command: &str) {
    use std::io::Write as _;
    let Some(path) = std::env::var_os("CCS_BENCH_PERF_CTL") else { return };
    if let Ok(mut fifo) = std::fs::OpenOptions::new().write(true).open(path) {
        let _ = writeln!(fifo, "{command}");
    }
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `devices` devices against `server` at once.
pub fn run(
    server: &Server,
    committees: &[CommitteeInfo],
    devices: usize,
    docs: usize,
    seed: u64,
    pull_only: bool,
) -> anyhow::Result<LoadFigures> {
    let now = Utc::now();
    let prepared = prepare(server, committees, devices, seed, now)?;
    let start = log_end(server)?;
    let barrier = Arc::new(Barrier::new(devices + 1));
    let url = server.url();
    let mut threads = Vec::with_capacity(devices);
    for p in prepared {
        let barrier = barrier.clone();
        let url = url.clone();
        let t = std::thread::Builder::new().stack_size(512 * 1024).spawn(
            move || -> (Vec<(usize, f64)>, usize, usize, Option<String>, usize) {
                let agent = server::device_agent(Duration::from_secs(120));
                let mut cursor = start;
                let mut latencies = Vec::new();
                let mut failures = 0;
                let mut received = 0;
                let mut first_error = None;
                let mut numbers = std::collections::HashMap::new();
                let mut multi_request = 0;
                barrier.wait();
                for (s, push) in p.pushes.into_iter().enumerate() {
                    let t0 = Instant::now();
                    let push = if pull_only { Vec::new() } else { vec![push] };
                    let mut request = SyncRequest { epoch: cursor.epoch, cursor: cursor.seq, push };
                    let mut ok = true;
                    let mut requests = 0;
                    loop {
                        requests += 1;
                        match server::sync_as_app(&agent, &url, &p.device.token, &request, &mut numbers) {
                            Ok(resp) => {
                                if let Some(bad) = resp.results.iter().find_map(|r| r.rejected.clone()) {
                                    ok = false;
                                    first_error.get_or_insert(format!("refused: {bad}"));
                                }
                                received += resp.entries.len();
                                cursor = RawCursor { epoch: Some(resp.epoch), seq: resp.cursor };
                                if !resp.more {
                                    break;
                                }
                                request = SyncRequest { epoch: cursor.epoch, cursor: cursor.seq, push: Vec::new() };
                            }
                            Err(e) => {
                                ok = false;
                                first_error.get_or_insert(format!("{e:#} after {:.1} s", t0.elapsed().as_secs_f64()));
                                break;
                            }
                        }
                    }
                    if requests > 1 {
                        multi_request += 1;
                    }
                    if ok {
                        latencies.push((s, t0.elapsed().as_secs_f64() * 1000.0));
                    } else {
                        failures += 1;
                    }
                }
                (latencies, failures, received, first_error, multi_request)
            },
        )?;
        threads.push(t);
    }
    let server_pid = server.pid().map(|p| p.to_string());
    let server_cpu = || server_pid.as_deref().and_then(server::proc_cpu_s);
    profiler("enable");
    barrier.wait();
    let t0 = Instant::now();
    let (server_cpu_0, devices_cpu_0) = (server_cpu(), server::proc_cpu_s("self"));
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut received = 0;
    let mut first_error = None;
    let mut multi_request = 0;
    for t in threads {
        let (l, f, r, e, m) = t.join().ok().context("a device thread panicked")?;
        multi_request += m;
        latencies.extend(l);
        failures += f;
        received += r;
        if first_error.is_none() {
            first_error = e;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    profiler("disable");
    let used = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    let server_cpu_s = used(server_cpu_0, server_cpu());
    let devices_cpu_s = used(devices_cpu_0, server::proc_cpu_s("self"));
    let by_sync: Vec<Vec<f64>> = (0..SYNCS_PER_DEVICE)
        .map(|s| {
            let mut these: Vec<f64> = latencies.iter().filter(|(i, _)| *i == s).map(|(_, l)| *l).collect();
            these.sort_by(|a, b| a.total_cmp(b));
            these
        })
        .collect();
    let p99_by_sync = by_sync.iter().map(|these| percentile(these, 99.0)).collect();
    let spread_by_sync = by_sync.iter().map(|these| (percentile(these, 10.0), percentile(these, 50.0))).collect();
    let mut latencies: Vec<f64> = latencies.into_iter().map(|(_, l)| l).collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    Ok(LoadFigures {
        backend: if server.database.is_some() { "PostgreSQL" } else { "SQLite" },
        devices,
        pull_only,
        docs,
        syncs: latencies.len(),
        failures,
        elapsed_s: elapsed,
        syncs_per_s: latencies.len() as f64 / elapsed,
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(0.0),
        p99_by_sync,
        spread_by_sync,
        multi_request,
        runs_p99: Vec::new(),
        received,
        first_error,
        server_cpu_s,
        devices_cpu_s,
    })
}

/// Seeds a fresh server data directory with `n` corpus documents, pushed by an
/// administrator device in batches (as `ccs-sync-server` receives them). Generation is
/// streamed: memory holds one batch, not the corpus.
pub fn seed_large(n: usize, seed: u64, log: &dyn Fn(&str)) -> anyhow::Result<(tempfile::TempDir, Vec<CommitteeInfo>)> {
    seed_large_on(n, seed, None, log)
}

/// [`seed_large`] on a PostgreSQL database when `database` is given (the returned data
/// directory then holds nothing but what `serve` writes beside the database).
pub fn seed_large_on(
    n: usize,
    seed: u64,
    database: Option<&str>,
    log: &dyn Fn(&str),
) -> anyhow::Result<(tempfile::TempDir, Vec<CommitteeInfo>)> {
    let now = Utc::now();
    let data = tempfile::tempdir()?;
    let server = Server::start_on(data.path(), database)?;
    let agent = server::agent(Duration::from_secs(300));
    let admin = server::enroll_raw(&agent, &server, &server::grant(Role::Admin, None))?;
    let mut gen = Generator::new(seed, n, now);
    let committees = gen.committee_records();
    let mut cursor = RawCursor::default();
    let pushes: Vec<DocPush> =
        committees.iter().map(|r| GenDoc::from_record(r).map(|d| d.push())).collect::<anyhow::Result<_>>()?;
    cursor = server::seed(&agent, &server.url(), &admin, cursor, pushes)?;
    let mut done = committees.len();
    let started = Instant::now();
    while done < n {
        let count = (n - done).min(2000);
        let pushes: Vec<DocPush> =
            (0..count).map(|_| GenDoc::from_record(&gen.record()).map(|d| d.push())).collect::<anyhow::Result<_>>()?;
        cursor = server::seed(&agent, &server.url(), &admin, cursor, pushes)?;
        done += count;
        if done % 20_000 < 2000 {
            log(&format!("  {done} of {n} documents on the server ({:.0} s)", started.elapsed().as_secs_f64()));
        }
    }
    let committees = gen.committees.clone();
    server.stop();
    Ok((data, committees))
}

/// Size of the server's database, in MB: its SQLite files, or the PostgreSQL
/// database's size as PostgreSQL reports it.
pub fn db_mb(data: &Path, database: Option<&str>) -> f64 {
    if let Some(url) = database {
        let size = (|| -> anyhow::Result<i64> {
            let store = ccs_sync_server::store::Store::open(ccs_sync_server::store::Location {
                data_dir: data.to_path_buf(),
                database: Some(url.to_string()),
            })?;
            let conn = store.conn()?;
            Ok(conn.query_row("SELECT pg_database_size(current_database())", (), |r| r.get::<i64>(0))?)
        })();
        return size.map(|b| b as f64 / 1e6).unwrap_or(0.0);
    }
    let mut total = 0u64;
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(m) = std::fs::metadata(data.join(format!("{}{suffix}", ccs_sync_server::store::DB_FILE))) {
            total += m.len();
        }
    }
    total as f64 / 1e6
}
