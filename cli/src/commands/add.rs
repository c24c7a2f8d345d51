//! `ccs add KIND FILE`: reads a new record's JSON (a file or `-` for stdin), saves it
//! and prints its id alone on a line. A refused record is not saved at all; its field
//! errors are printed by the binary.

use std::io::Write;

use ccs_core::model::input::parse_new;

use super::{parse_kind, Ctx};
use crate::failure::Failure;
use crate::json_input;

pub fn run(ctx: &Ctx, kind: &str, file: &str, out: &mut dyn Write) -> Result<(), Failure> {
    // Arguments first, so a typo is reported before asking for the passphrase.
    let kind = parse_kind(kind)?;
    let map = json_input::read_object(file)?;
    let input = parse_new(kind, map)?;
    let mut store = ctx.open()?;
    let id = store.create_record(input, ctx.now)?;
    writeln!(out, "{id}")?;
    Ok(())
}
