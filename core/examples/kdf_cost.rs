//! Prints how long unlocking a store takes with the default Argon2id cost on this
//! machine (the goal is about half a second). Run on purpose:
//! `cargo run --release -p ccs-core --example kdf_cost`.

use std::time::Instant;

use ccs_core::model::Role;
use ccs_core::store::{Identity, KdfParams, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store.db");
    let params = KdfParams::default();
    let t = Instant::now();
    drop(Store::create(&path, "mesure-2026", Identity::new(Role::Member), params)?);
    println!("create (derive + new database): {:>6.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        drop(Store::open(&path, "mesure-2026")?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "open with the right passphrase ({} KiB, t={}, p={}): median {:.0} ms, min {:.0} ms, max {:.0} ms",
        params.m_cost_kib, params.t_cost, params.p_cost, times[2], times[0], times[4]
    );
    let t = Instant::now();
    let wrong = Store::open(&path, "pas-la-bonne");
    println!(
        "open with a wrong passphrase: {:.0} ms ({})",
        t.elapsed().as_secs_f64() * 1000.0,
        wrong.err().map(|e| e.code().as_str()).unwrap_or("?")
    );
    Ok(())
}
