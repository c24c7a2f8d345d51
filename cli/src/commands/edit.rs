//! `ccs edit ID FILE`: a partial update. The file is a JSON merge patch (RFC 7396) over
//! the record's fields: keys present replace, `null` deletes, absent keys stay as they
//! are.

use std::io::Write;

use ccs_core::model::RecordId;

use super::{parse_id, Ctx};
use crate::failure::Failure;
use crate::json_input;

pub fn run(ctx: &Ctx, id: &str, file: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let id: RecordId = parse_id(id)?;
    let patch = json_input::read_object(file)?;
    let mut store = ctx.open()?;
    let record = store.patch_record(id, patch, ctx.now)?;
    writeln!(out, "{}", record.id)?;
    Ok(())
}
