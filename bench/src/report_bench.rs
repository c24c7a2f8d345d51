//! Part 6: what the CRSS reads at national scale. For each store size: the indicators
//! the dashboard asks for (the command's time, the screen's drawing is the e2e test's),
//! and the XLSX export of every record, run as the `ccs` binary in a child process so
//! that its peak memory is its own and not the filled store's.
//!
//! The export runs twice: reading the record values kept beside the projection, then,
//! with those forgotten, reading every record's document, as exports did before.
//!
//! Goals of issue 12: the dashboard under 200 ms; the XLSX of 100,000 records under 10 s
//! with flat memory.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ccs_core::report::{Basis, IndicatorFilter, IndicatorParams, Period};
use ccs_core::store::Store;
use chrono::{Datelike, Utc};

use crate::server::proc_status_kb;
use crate::store_bench;
use crate::sync_bench::PASS;

#[derive(Debug, Clone, Default)]
pub struct ReportFigures {
    pub records: usize,
    /// Records actually stored (the fill stops at its time budget).
    pub stored: usize,
    /// The dashboard's first question: the whole country over the year, every record.
    pub national_year_ms: f64,
    /// One region over one quarter, approved records only.
    pub region_quarter_ms: f64,
    /// Indicators for each of the twelve months in turn (a trend read month by month).
    pub twelve_months_ms: f64,
    /// The XLSX of every record, by `ccs export xlsx`: wall time, peak RSS, file size.
    pub xlsx_s: Option<f64>,
    pub xlsx_peak_mb: Option<f64>,
    pub xlsx_mb: Option<f64>,
    pub xlsx_error: Option<String>,
    /// The same export with every kept record value forgotten, so that it reads each
    /// record's Automerge document (as before issue 12's follow-up): side by side.
    pub xlsx_from_documents_s: Option<f64>,
}

fn median_ms(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        v.push(t.elapsed().as_secs_f64() * 1e3);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Ok(v[v.len() / 2])
}

/// The `ccs` binary built next to this one (`cargo build --release -p ccs-cli`).
fn ccs_binary() -> Option<std::path::PathBuf> {
    let p = std::env::current_exe().ok()?.parent()?.join("ccs");
    p.is_file().then_some(p)
}

/// Runs `ccs export xlsx` on `db`, polling the child's peak resident size (VmHWM only
/// grows, so the last reading before it exits is its peak within one poll).
fn export_child(db: &Path, out: &Path) -> anyhow::Result<(f64, f64, f64)> {
    let ccs = ccs_binary().ok_or_else(|| anyhow::anyhow!("the ccs binary is not built next to ccs-bench"))?;
    let started = Instant::now();
    let mut child = Command::new(ccs)
        .args(["--db"])
        .arg(db)
        .args(["export", "xlsx", "--out"])
        .arg(out)
        .env("CCS_PASSPHRASE", PASS)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut peak_kb = 0u64;
    let status = loop {
        if let Some(kb) = proc_status_kb(child.id(), "VmHWM") {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err)?;
        }
        anyhow::bail!("ccs export failed ({status}): {}", err.trim());
    }
    let size = std::fs::metadata(out)?.len() as f64 / 1e6;
    Ok((secs, peak_kb as f64 / 1024.0, size))
}

pub fn run(n: usize, dir: &Path, budget: Option<Duration>, log: &dyn Fn(&str)) -> anyhow::Result<ReportFigures> {
    let path = dir.join(format!("report-{n}.db"));
    let t = Instant::now();
    let (gen, ids) = store_bench::fill(&path, n, 12, budget)?;
    log(&format!("  filled {} records in {:.0} s", ids.len(), t.elapsed().as_secs_f64()));
    let region = gen.committees.first().map(|c| c.region.clone()).unwrap_or_default();
    drop(gen);

    let store = Store::open(&path, PASS)?;
    let now = Utc::now();
    let params = IndicatorParams::new(now);
    let year = now.year();
    let national = IndicatorFilter::new(Period::Year { year }, Basis::All);
    let quarter = (now.month() - 1) / 3 + 1;
    let mut by_region = IndicatorFilter::new(Period::Quarter { year, quarter }, Basis::Approved);
    by_region.region = Some(region);
    let mut f = ReportFigures { records: n, stored: ids.len(), ..Default::default() };
    f.national_year_ms = median_ms(5, || Ok(store.indicators(&national, &params).map(drop)?))?;
    f.region_quarter_ms = median_ms(5, || Ok(store.indicators(&by_region, &params).map(drop)?))?;
    f.twelve_months_ms = median_ms(3, || {
        for month in 1..=12 {
            store.indicators(&IndicatorFilter::new(Period::Month { year, month }, Basis::All), &params)?;
        }
        Ok(())
    })?;
    drop(store);
    log(&format!(
        "  indicators: national year {:.1} ms, region quarter {:.1} ms, twelve months {:.1} ms",
        f.national_year_ms, f.region_quarter_ms, f.twelve_months_ms
    ));

    let out = dir.join(format!("export-{n}.xlsx"));
    match export_child(&path, &out) {
        Ok((secs, peak, size)) => {
            log(&format!("  xlsx: {secs:.1} s, peak {peak:.0} MB, file {size:.1} MB"));
            f.xlsx_s = Some(secs);
            f.xlsx_peak_mb = Some(peak);
            f.xlsx_mb = Some(size);
        }
        Err(e) => f.xlsx_error = Some(format!("{e:#}")),
    }
    let _ = std::fs::remove_file(&out);
    if f.xlsx_s.is_some() {
        Store::open(&path, PASS)?.clear_record_values()?;
        match export_child(&path, &out) {
            Ok((secs, _, _)) => {
                log(&format!("  xlsx from the documents: {secs:.1} s"));
                f.xlsx_from_documents_s = Some(secs);
            }
            Err(e) => f.xlsx_error = Some(format!("from the documents: {e:#}")),
        }
        let _ = std::fs::remove_file(&out);
    }
    for suffix in ["", "-wal", "-shm", ".kdf"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    Ok(f)
}
