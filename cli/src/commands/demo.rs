//! `ccs demo`: fills the store with the sample records of `ccs_core::demo` and prints
//! how many of each kind were created; `--year` adds the year of records of
//! `ccs_core::demo::year` (its own line).

use std::io::Write;

use ccs_core::demo::year::{fill_year, YearPlan};
use ccs_core::demo::DemoSummary;

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;

pub fn run(ctx: &Ctx, year_seed: Option<u64>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let s = ccs_core::demo::fill(&mut store, ctx.now)?;
    print(ctx, &s, out)?;
    if let Some(seed) = year_seed {
        let s = fill_year(&mut store, &YearPlan { seed, ..YearPlan::default() }, ctx.now)?;
        print(ctx, &s, out)?;
    }
    Ok(())
}

fn print(ctx: &Ctx, s: &DemoSummary, out: &mut dyn Write) -> Result<(), Failure> {
    let counts =
        [s.committees, s.sessions, s.assessments, s.workshops, s.recommendations, s.reviewed].map(|n| n.to_string());
    let args: Vec<&str> = counts.iter().map(String::as_str).collect();
    writeln!(out, "{}", text("out.demo", ctx.lang, &args))?;
    Ok(())
}
