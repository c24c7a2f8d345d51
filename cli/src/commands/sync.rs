//! `ccs enroll --server URL --code CODE` exchanges an enrollment code for this device's
//! token and scope; `ccs sync` sends what changed here and receives what changed
//! elsewhere, then says what happened: what the server refused (and what stays held
//! back, refused and unchanged since) and what was received but set aside. Both are
//! one call into `core::sync::client`.

use std::io::Write;

use ccs_core::app::quarantine_message;
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
    let transport = HttpTransport::default();
    // Custody first (RELAY.md): members' records reach the server before this device's.
    if ccs_core::app::courier::is_courier(&store) {
        let mut summary = ccs_core::app::courier::forward(&mut store, &transport, ctx.now);
        if summary.error.is_none() {
            summary.roster_renewed = ccs_core::app::courier::refresh_roster(&mut store, &transport, ctx.now).is_ok();
        }
        if summary.forwarded > 0 || !summary.refused.is_empty() || summary.left > 0 {
            super::courier::print_forward(&summary, ctx.lang, out)?;
        }
    }
    let report = client::sync(&mut store, &transport, ctx.now)?;
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
    // Refused before and unchanged since: not sent again, still not on the server.
    let held = store.held_back(ctx.now)?;
    let held: Vec<_> = held.iter().filter(|r| !report.rejected.iter().any(|(id, _)| *id == r.id)).collect();
    for r in &held {
        writeln!(out, "{}", text("out.sync_held_back", ctx.lang, &[&r.id.to_string(), &r.code]))?;
    }
    // Received changes this device could not apply: kept aside, the sync went on.
    for q in &report.quarantined {
        let reason = quarantine_message(&q.code);
        writeln!(
            out,
            "{}",
            text("out.sync_quarantined", ctx.lang, &[&q.doc_id.to_string(), &q.code, reason.get(ctx.lang)])
        )?;
    }
    let total = store.quarantined()?.len();
    if total > report.quarantined.len() {
        writeln!(out, "{}", text("out.sync_quarantine_total", ctx.lang, &[&total.to_string()]))?;
    }
    if report.flagged > 0 {
        writeln!(out, "{}", text("out.sync_flagged", ctx.lang, &[&report.flagged.to_string()]))?;
    }
    let refused = report.rejected.len() + held.len();
    if refused > 0 {
        return Err(Failure::Rejected(refused));
    }
    Ok(())
}
