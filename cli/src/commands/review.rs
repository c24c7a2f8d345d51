//! `ccs review ID --decision D`: adds a decision to a record's review trail, as this
//! device's role, and prints the resulting status. Who may decide what is `core`'s rule.

use std::io::Write;

use ccs_core::model::{Decision, RecordId};

use super::{parse_code, parse_id, Ctx};
use crate::failure::Failure;
use crate::messages::text;

pub fn run(ctx: &Ctx, id: &str, decision: &str, comment: Option<String>, out: &mut dyn Write) -> Result<(), Failure> {
    let id: RecordId = parse_id(id)?;
    let decision = parse_code(decision, "--decision", Decision::ALL, Decision::code)?;
    let mut store = ctx.open()?;
    let record = store.review(id, decision, comment, ctx.now)?;
    let status = record.review_status().label(ctx.lang);
    writeln!(out, "{}", text("out.reviewed", ctx.lang, &[&id.to_string(), status]))?;
    Ok(())
}
