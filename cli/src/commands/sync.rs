//! `ccs enroll --server URL --code CODE` exchanges an enrollment code for this device's
//! token and scope; `ccs sync` sends what changed here and receives what changed
//! elsewhere, then says what happened. Both are one call into `core::sync::client`.

use std::io::Write;

use ccs_core::sync::client::{self, HttpTransport};

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;

pub fn enroll(ctx: &Ctx, server: &str, code: &str, label: Option<&str>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let identity = client::enroll(&mut store, &HttpTransport::default(), server, code, label)?;
    writeln!(out, "{}", identity.device_id)?;
    let scope = match (&identity.committee_id, &identity.region) {
        (Some(c), _) => c.to_string(),
        (None, Some(r)) => r.clone(),
        (None, None) => "*".into(),
    };
    writeln!(out, "{}", text("out.enrolled", ctx.lang, &[identity.role.label(ctx.lang), &scope]))?;
    Ok(())
}

pub fn run(ctx: &Ctx, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let report = client::sync(&mut store, &HttpTransport::default(), ctx.now)?;
    if report.repaired {
        writeln!(out, "{}", text("out.sync_repaired", ctx.lang, &[]))?;
    }
    let args = [
        report.elapsed_ms.to_string(),
        report.pushed.to_string(),
        report.accepted.to_string(),
        report.received.to_string(),
        report.rejected.len().to_string(),
        report.round_trips.to_string(),
        report.bytes_up.to_string(),
        report.bytes_down.to_string(),
    ];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    writeln!(out, "{}", text("out.sync_done", ctx.lang, &refs))?;
    for (id, code) in &report.rejected {
        writeln!(out, "{}", text("out.sync_rejected", ctx.lang, &[&id.to_string(), code]))?;
    }
    if report.flagged > 0 {
        writeln!(out, "{}", text("out.sync_flagged", ctx.lang, &[&report.flagged.to_string()]))?;
    }
    if !report.rejected.is_empty() {
        return Err(Failure::Rejected(report.rejected.len()));
    }
    Ok(())
}
