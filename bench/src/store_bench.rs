//! Part 3: the local store (SQLCipher) at several sizes.
//!
//! Each store is created with the app's real key derivation (Argon2id, the default
//! parameters), filled with the corpus through `apply_batch` (what a sync does, 500
//! documents per transaction), closed, then measured as a person uses it.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use ccs_core::doc::RecordDoc;
use ccs_core::model::input::RecordInput;
use ccs_core::model::*;
use ccs_core::store::{DocHeaderView, Identity, KdfParams, ListFilter, SaveCost, Store};
use chrono::Utc;
use rand::seq::SliceRandom;

use crate::corpus::{self, GenDoc, Generator};
use crate::load::percentile;
use crate::sync_bench::PASS;

#[derive(Debug, Clone, Default)]
pub struct StoreFigures {
    /// The size asked for; `records` is the size reached within the time budget.
    pub target: usize,
    pub records: usize,
    /// `rebuild_projections` was not run (too long at this size); the estimate instead.
    pub rebuild_estimate_s: Option<f64>,
    pub fill_s: f64,
    pub db_mb: f64,
    pub open_ms: f64,
    /// The same open on an empty store: the key derivation's share.
    pub open_empty_ms: f64,
    pub first_page_cold_ms: f64,
    pub first_page_ms: f64,
    pub first_page_total: u64,
    pub search_cold_ms: f64,
    pub search_ms: f64,
    pub search_total: u64,
    pub save_p50_ms: f64,
    pub save_p99_ms: f64,
    pub save_nosync_p50_ms: f64,
    pub save_nosync_p99_ms: f64,
    /// Where a save's time goes, step by step (`Store::last_save_cost`), over the saves
    /// that wait for the disk: (step, p50 ms, p99 ms).
    pub save_steps: Vec<(&'static str, f64, f64)>,
    /// What the saves would cost without increments, on the same documents: loading
    /// with Automerge's full check of every change, and encoding the whole document
    /// (p50, p99 ms).
    pub full_load_ms: (f64, f64),
    pub full_encode_ms: (f64, f64),
    pub saves: usize,
    pub merge_500_ms: f64,
    pub rebuild_ms: f64,
}

/// The disk under the stores: appending 4 kB to a file and `fdatasync`, as a commit in
/// WAL mode with `synchronous = FULL` does once per transaction. Returns (p50, p99).
pub fn fsync_latency(dir: &Path, count: usize) -> anyhow::Result<(f64, f64)> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path)?;
    let block = vec![7u8; 4096];
    let mut v = Vec::with_capacity(count);
    for _ in 0..count {
        let t = Instant::now();
        file.write_all(&block)?;
        file.sync_data()?;
        v.push(ms(t));
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    v.sort_by(|a, b| a.total_cmp(b));
    Ok((percentile(&v, 50.0), percentile(&v, 99.0)))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    percentile(&v, 50.0)
}

/// Creates a store at `path` with `n` corpus records (the app's default key
/// derivation). Returns the generator (for edits) and the ids of the records.
/// Stops early (between batches) once `budget` has passed: the records stored then.
pub fn fill(
    path: &Path,
    n: usize,
    seed: u64,
    budget: Option<Duration>,
) -> anyhow::Result<(Generator, Vec<(RecordId, bool)>)> {
    let started = Instant::now();
    let now = Utc::now();
    let mut store = Store::create(path, PASS, Identity::new(Role::Admin), KdfParams::default())?;
    let mut gen = Generator::new(seed, n, now);
    let mut ids = Vec::with_capacity(n);
    let mut pending: Vec<Record> = gen.committee_records();
    let mut made = pending.len();
    loop {
        while pending.len() < 500 && made < n {
            pending.push(gen.record());
            made += 1;
        }
        if pending.is_empty() {
            break;
        }
        let mut batch: Vec<(DocHeaderView, Vec<u8>)> = Vec::with_capacity(pending.len());
        for r in pending.drain(..) {
            let editable = r.kind() != RecordKind::Committee && review::editable(r.review_status());
            ids.push((r.id, editable));
            let d = GenDoc::from_record(&r)?;
            batch.push((d.header, d.bytes));
        }
        store.apply_batch(&batch, now)?;
        if budget.is_some_and(|b| started.elapsed() > b) {
            break;
        }
    }
    Ok((gen, ids))
}

fn file_mb(path: &Path) -> f64 {
    let mut total = 0u64;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(m) = std::fs::metadata(&p) {
            total += m.len();
        }
    }
    total as f64 / 1e6
}

/// The filter of the "first page": sessions of one region, newest first, 50 a page.
pub fn first_page_filter(region: &str) -> ListFilter {
    ListFilter { kind: Some(RecordKind::Session), region: Some(region.into()), limit: 50, ..Default::default() }
}

/// The region with the most committees in the corpus.
fn busiest_region(gen: &Generator) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for c in &gen.committees {
        *counts.entry(c.region.as_str()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(r, _)| r.to_string()).unwrap_or_default()
}

pub fn search_filter() -> ListFilter {
    ListFilter { text: Some("patrouilles foire".into()), limit: 50, ..Default::default() }
}

/// `rebuild_projections` is one transaction that cannot be stopped: it is not run when
/// it would take longer than this (estimated from the merge's pace per document).
const REBUILD_BUDGET_S: f64 = 600.0;

pub fn run(
    n: usize,
    saves: usize,
    dir: &Path,
    budget: Option<Duration>,
    log: &dyn Fn(&str),
) -> anyhow::Result<StoreFigures> {
    let path = dir.join(format!("store-{n}.db"));
    let mut f = StoreFigures { target: n, records: n, saves, ..Default::default() };
    let t = Instant::now();
    let (mut gen, ids) = fill(&path, n, 3, budget)?;
    f.records = ids.len();
    f.fill_s = t.elapsed().as_secs_f64();
    f.db_mb = file_mb(&path);
    log(&format!("  {} records stored in {:.1} s", ids.len(), f.fill_s));
    if ids.len() < n {
        log(&format!("  stopped at {} of {n} records: the time budget is spent", ids.len()));
    }

    // Open and unlock (median of three), and the same on an empty store.
    let empty = dir.join(format!("empty-{n}.db"));
    drop(Store::create(&empty, PASS, Identity::new(Role::Admin), KdfParams::default())?);
    let mut opens = Vec::new();
    let mut empties = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        drop(Store::open(&path, PASS)?);
        opens.push(ms(t));
        let t = Instant::now();
        drop(Store::open(&empty, PASS)?);
        empties.push(ms(t));
    }
    f.open_ms = median(opens);
    f.open_empty_ms = median(empties);
    let mut store = Store::open(&path, PASS)?;
    let now = Utc::now();

    // Lists: the first call after opening, then the median of 20.
    let filter = first_page_filter(&busiest_region(&gen));
    let t = Instant::now();
    let page = store.list(&filter)?;
    f.first_page_cold_ms = ms(t);
    f.first_page_total = page.total;
    let mut v = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        store.list(&filter)?;
        v.push(ms(t));
    }
    f.first_page_ms = median(v);
    let search = search_filter();
    let t = Instant::now();
    let page = store.list(&search)?;
    f.search_cold_ms = ms(t);
    f.search_total = page.total;
    let mut v = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        store.list(&search)?;
        v.push(ms(t));
    }
    f.search_ms = median(v);

    // Saves: an edit of a random record, as the form's autosave makes it.
    let mut editable: Vec<RecordId> = ids.iter().filter(|(_, e)| *e).map(|(id, _)| *id).collect();
    editable.shuffle(gen.rng());
    let mut v = Vec::new();
    let mut costs = Vec::new();
    for id in editable.iter().take(saves) {
        let current = store.get(*id, now)?.record.context("record unreadable")?;
        let mut body = current.body;
        corpus::edit_body(&mut body, &gen.follow_up());
        let input = RecordInput { body, committee_id: None, sensitivity: None, status: None };
        let t = Instant::now();
        store.edit_record(*id, input, now)?;
        v.push(ms(t));
        costs.push(store.last_save_cost());
    }
    v.sort_by(|a, b| a.total_cmp(b));
    f.save_p50_ms = percentile(&v, 50.0);
    f.save_p99_ms = percentile(&v, 99.0);
    let step = |name: &'static str, of: &dyn Fn(&SaveCost) -> Duration| {
        let mut v: Vec<f64> = costs.iter().map(|c| of(c).as_secs_f64() * 1000.0).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        (name, percentile(&v, 50.0), percentile(&v, 99.0))
    };
    f.save_steps = vec![
        step("load the document", &|c| c.load),
        step("read, edit, validate", &|c| c.edit),
        step("encode the changes", &|c| c.encode),
        step("write the document rows", &|c| c.write),
        step("projection row", &|c| c.projection),
        step("search row", &|c| c.search),
        step("commit (fsync)", &|c| c.commit),
    ];
    // The same documents as the whole-document layout handled them: loaded with every
    // change re-hashed, re-encoded whole.
    let (mut loads, mut encodes) = (Vec::new(), Vec::new());
    for id in editable.iter().take(saves) {
        let bytes = store.document_bytes(*id)?;
        let t = Instant::now();
        let mut d = RecordDoc::load(&bytes)?;
        loads.push(ms(t));
        let t = Instant::now();
        std::hint::black_box(d.save());
        encodes.push(ms(t));
    }
    for v in [&mut loads, &mut encodes] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    f.full_load_ms = (percentile(&loads, 50.0), percentile(&loads, 99.0));
    f.full_encode_ms = (percentile(&encodes, 50.0), percentile(&encodes, 99.0));
    // The same saves without waiting for the disk: what the work itself costs.
    let more: Vec<RecordId> = editable.iter().skip(saves).take(saves).copied().collect();
    let v = store.without_waiting_for_disk(|store| -> anyhow::Result<Vec<f64>> {
        let mut v = Vec::new();
        for id in &more {
            let current = store.get(*id, now)?.record.context("record unreadable")?;
            let mut body = current.body;
            corpus::edit_body(&mut body, &gen.follow_up());
            let input = RecordInput { body, committee_id: None, sensitivity: None, status: None };
            let t = Instant::now();
            store.edit_record(*id, input, now)?;
            v.push(ms(t));
        }
        Ok(v)
    })?;
    let mut v = v?;
    v.sort_by(|a, b| a.total_cmp(b));
    f.save_nosync_p50_ms = percentile(&v, 50.0);
    f.save_nosync_p99_ms = percentile(&v, 99.0);

    // A page of 500 remote changes: edits by another device of 500 records.
    let other = DeviceId::new();
    let mut page: Vec<(DocHeaderView, Vec<u8>)> = Vec::new();
    for id in editable.iter().rev().take(500) {
        let mut d = RecordDoc::load(&store.document_bytes(*id)?)?;
        d.set_device(other);
        let before = d.heads();
        let mut record = d.read()?;
        corpus::edit_body(&mut record.body, &gen.follow_up());
        record.updated_by = other;
        d.update(&record, "edit")?;
        let header: DocHeaderView = d.header()?.into();
        page.push((header, d.save_after(&before)));
    }
    let t = Instant::now();
    store.apply_batch(&page, now)?;
    f.merge_500_ms = ms(t);

    // A rebuild re-projects every record, as a merge does for each of its documents:
    // run it unless the merge's pace says it would take more than ten minutes.
    let estimate_s = f.merge_500_ms / 500.0 * f.records as f64 / 1000.0;
    if estimate_s <= REBUILD_BUDGET_S {
        let t = Instant::now();
        store.rebuild_projections(now)?;
        f.rebuild_ms = ms(t);
    } else {
        f.rebuild_estimate_s = Some(estimate_s);
    }
    drop(store);
    let _ = Store::wipe(&empty);
    Ok(f)
}
