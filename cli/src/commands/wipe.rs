//! `ccs wipe --yes`: deletes the store (key file first, then the database and its
//! journals). Needs no passphrase: a device about to be seized must be wiped fast.

use std::io::Write;

use ccs_core::store::{Store, StoreError};

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;

pub fn run(ctx: &Ctx, yes: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let db = ctx.db()?;
    if !yes {
        return Err(Failure::cli("cli.wipe_needs_yes", &[]));
    }
    let mut key_file = db.as_os_str().to_owned();
    key_file.push(".kdf");
    if !db.exists() && !std::path::Path::new(&key_file).exists() {
        return Err(StoreError::NotFound(db.display().to_string()).into());
    }
    Store::wipe(db)?;
    writeln!(out, "{}", text("out.wiped", ctx.lang, &[&db.display().to_string()]))?;
    Ok(())
}
