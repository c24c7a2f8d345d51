//! `ccs init`: creates an encrypted store for this device with its role and scope, and
//! prints the new device id alone on the first line.

use std::io::Write;

use ccs_core::model::{CommitteeId, DeviceId, Role};
use ccs_core::store::{Identity, Store};

use super::{parse_code, parse_id, Ctx};
use crate::failure::Failure;
use crate::messages::text;
use crate::unlock;

pub struct Args {
    pub role: String,
    pub committee: Option<String>,
    pub region: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let db = ctx.db()?;
    let role = parse_code(&args.role, "--role", Role::ALL, Role::code)?;
    let committee_id: Option<CommitteeId> = args.committee.as_deref().map(parse_id).transpose()?;
    let identity = Identity { device_id: DeviceId::new(), role, committee_id, region: args.region };
    let (params, weak) = unlock::kdf_params();
    let pass = unlock::chosen_passphrase(unlock::PASSPHRASE_VAR, "out.prompt_passphrase", ctx.lang)?;
    let store = Store::create(db, &pass, identity, params)?;
    if weak {
        // Said once the store exists: its `.kdf` file keeps the weak parameters.
        let _ = writeln!(std::io::stderr(), "{}", text("out.kdf_fast_warning", ctx.lang, &[]));
    }
    let id = store.identity();
    writeln!(out, "{}", id.device_id)?;
    writeln!(out, "{}", text("out.created_store", ctx.lang, &[&db.display().to_string(), id.role.label(ctx.lang)]))?;
    Ok(())
}
