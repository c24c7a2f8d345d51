//! `ccs passwd`: re-encrypts the store under a new passphrase. The current one comes
//! from `CCS_PASSPHRASE` or a prompt, the new one from `CCS_NEW_PASSPHRASE` or two
//! prompts.

use std::io::Write;

use ccs_core::store::Store;

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;
use crate::unlock;

pub fn run(ctx: &Ctx, out: &mut dyn Write) -> Result<(), Failure> {
    let db = ctx.db()?;
    if !db.exists() {
        return Err(ccs_core::store::StoreError::NotFound(db.display().to_string()).into());
    }
    let current = unlock::current_passphrase(ctx.lang)?;
    let mut store = Store::open(db, &current)?;
    let new = unlock::chosen_passphrase(unlock::NEW_PASSPHRASE_VAR, "out.prompt_new_passphrase", ctx.lang)?;
    store.change_passphrase(&current, &new)?;
    writeln!(out, "{}", text("out.passwd_done", ctx.lang, &[]))?;
    Ok(())
}
