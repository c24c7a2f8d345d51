//! `--compare-servers`: two or more server builds under the same load, side by side in
//! one run, rounds alternated (A B, B A, A B …) so a noisy neighbour weighs on each build
//! alike. The corpus is seeded once; each run starts from a fresh copy of it, so every
//! build serves the same documents and no run sees another's pushes.
//!
//! This is for deciding whether a change to the server helps: on this machine one build
//! differs by up to 2× between runs, so a single run of each proves nothing.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::load::{self, LoadFigures};
use crate::report::int;
use crate::server::Server;

/// One build's runs.
struct Build {
    label: String,
    bin: PathBuf,
    /// Each run's figures and the server's memory peak in MB.
    runs: Vec<(LoadFigures, f64)>,
}

/// Seeds `docs` documents once, then runs `devices` devices against each build `rounds`
/// times, alternating the order, and prints every run and each build's medians.
pub fn run(bins: &[PathBuf], docs: usize, devices: usize, rounds: usize, log: &dyn Fn(&str)) -> anyhow::Result<()> {
    let mut builds = Vec::with_capacity(bins.len());
    for (i, bin) in bins.iter().enumerate() {
        let bin = if bin.is_dir() { bin.join("ccs-sync-server") } else { bin.clone() };
        anyhow::ensure!(bin.is_file(), "no server binary at {}", bin.display());
        builds.push(Build {
            label: format!("{} {}", char::from(b'A' + i as u8), bin.display()),
            bin,
            runs: Vec::new(),
        });
    }
    log(&format!("compare: seeding a server with {} documents", int(docs)));
    let (seeded, committees) = load::seed_large(docs, 7, log)?;
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..builds.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let copy = tempfile::tempdir()?;
            copy_dir(seeded.path(), copy.path())?;
            let build = &mut builds[i];
            let server = Server::start_child(&build.bin, copy.path(), None)?;
            std::thread::sleep(std::time::Duration::from_millis(300));
            // The same devices and records for every build of a round.
            let f = load::run(&server, &committees, devices, docs, 300 + round as u64, false)?;
            let peak_mb =
                server.pid().and_then(|p| crate::server::proc_status_kb(p, "VmHWM")).unwrap_or(0) as f64 / 1024.0;
            server.stop();
            log(&format!("  round {}, {}: {}; server memory peak {peak_mb:.0} MB", round + 1, build.label, line(&f)));
            build.runs.push((f, peak_mb));
        }
    }
    println!("{} devices at once, {} documents, {rounds} rounds alternated", int(devices), int(docs));
    for b in &builds {
        println!("{}", b.label);
        for (f, peak_mb) in &b.runs {
            println!("    {}; server memory peak {peak_mb:.0} MB", line(f));
        }
        let med = |get: fn(&LoadFigures) -> f64| median(b.runs.iter().map(|(f, _)| get(f)).collect());
        println!(
            "  median: p50 {:.0} ms, p99 {:.0} ms, {:.0} syncs/s, server {:.2} ms a sync, devices {:.2} ms a sync, \
             server memory peak {:.0} MB",
            med(|f| f.p50_ms),
            med(|f| f.p99_ms),
            med(|f| f.syncs_per_s),
            med(|f| per_sync(f.server_cpu_s, f)),
            med(|f| per_sync(f.devices_cpu_s, f)),
            median(b.runs.iter().map(|(_, m)| *m).collect()),
        );
    }
    Ok(())
}

fn line(f: &LoadFigures) -> String {
    format!(
        "p50 {:.0} ms, p99 {:.0} ms (syncs 1, 2, 3, p10 / p50 / p99: {}; {} took more than one request), {:.0} syncs/s, {} failed; {}",
        f.p50_ms,
        f.p99_ms,
        f.spread_by_sync
            .iter()
            .zip(&f.p99_by_sync)
            .map(|((p10, p50), p99)| format!("{p10:.0} / {p50:.0} / {p99:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        f.multi_request,
        f.syncs_per_s,
        f.failures,
        load::cpu_summary(f)
    )
}

fn per_sync(cpu_s: Option<f64>, f: &LoadFigures) -> f64 {
    cpu_s.map_or(f64::NAN, |s| s * 1000.0 / f.syncs.max(1) as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Copies a stopped server's data directory (its database and keys).
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}
