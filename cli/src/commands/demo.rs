//! `ccs demo`: fills the store with the sample records of `ccs_core::demo` and prints
//! how many of each kind were created.

use std::io::Write;

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;

pub fn run(ctx: &Ctx, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let s = ccs_core::demo::fill(&mut store, ctx.now)?;
    let counts =
        [s.committees, s.sessions, s.assessments, s.workshops, s.recommendations, s.reviewed].map(|n| n.to_string());
    let args: Vec<&str> = counts.iter().map(String::as_str).collect();
    writeln!(out, "{}", text("out.demo", ctx.lang, &args))?;
    Ok(())
}
