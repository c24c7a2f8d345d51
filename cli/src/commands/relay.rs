//! `ccs enroll --slip`, `ccs relay export|import|status`: the member's side of the relay
//! (records carried by a facilitator as bundle files). Each is one call into
//! `core::relay::member` or the app's views of it.

use std::io::Write;
use std::path::{Path, PathBuf};

use ccs_core::app::{import_report_of, relay_export_to, relay_status_of, RelayImportReport};
use ccs_core::i18n::Lang;
use ccs_core::relay::member::{self, RelayError};
use ccs_core::relay::Slip;
use chrono::{DateTime, Utc};

use super::Ctx;
use crate::failure::Failure;
use crate::messages::text;

fn when(t: DateTime<Utc>) -> String {
    t.format("%d/%m/%Y %H:%M UTC").to_string()
}

/// The slip's text, given as is or in a file.
fn slip_text(arg: &str) -> Result<String, Failure> {
    if arg.trim_start().starts_with(ccs_core::relay::slip::PREFIX) {
        return Ok(arg.to_string());
    }
    let path = Path::new(arg);
    if !path.exists() {
        return Err(Failure::cli("cli.file_not_found", &[arg]));
    }
    std::fs::read_to_string(path).map_err(|e| Failure::cli("cli.read", &[arg, &e.to_string()]))
}

pub fn enroll_slip(ctx: &Ctx, slip: &str, label: Option<&str>, out: &mut dyn Write) -> Result<(), Failure> {
    let text_of_slip = slip_text(slip)?;
    let slip = Slip::parse(&text_of_slip).map_err(RelayError::from)?;
    let server = ccs_core::sync::address::check(&slip.server)
        .map_err(|e| Failure::from(RelayError::Slip(ccs_core::relay::slip::SlipError(e.to_string()))))?;
    let mut store = ctx.open()?;
    let identity = member::enroll_from_slip(&mut store, &slip, &server, label, ctx.now.date_naive())?;
    writeln!(out, "{}", identity.device_id)?;
    let scope = match (&identity.committee_id, &identity.region) {
        (Some(c), _) => c.to_string(),
        (None, Some(r)) => r.clone(),
        (None, None) => "*".into(),
    };
    writeln!(out, "{}", text("out.enrolled_slip", ctx.lang, &[identity.role.label(ctx.lang), &scope]))?;
    Ok(())
}

pub fn export(ctx: &Ctx, dir: &Path, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let summary = relay_export_to(&mut store, dir, ctx.now)?;
    let args = [summary.parts.to_string(), dir.display().to_string(), summary.records.to_string()];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    writeln!(out, "{}", text("out.relay_exported", ctx.lang, &refs))?;
    let export_parts = summary.parts.to_string();
    for (i, file) in summary.files.iter().enumerate() {
        let name = Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let part = (i + 1).to_string();
        writeln!(out, "{}", text("out.relay_part", ctx.lang, &[&name, &part, &export_parts]))?;
    }
    if summary.enrollment {
        writeln!(out, "{}", text("out.relay_enrollment_sent", ctx.lang, &[]))?;
    }
    Ok(())
}

fn print_report(r: &RelayImportReport, lang: Lang, out: &mut dyn Write) -> Result<(), Failure> {
    if r.nothing_new {
        writeln!(out, "{}", text("out.relay_nothing_new", lang, &[&r.file_name]))?;
    } else {
        let args =
            [r.file_name.clone(), r.received.to_string(), r.acknowledged.to_string(), r.refused.len().to_string()];
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        writeln!(out, "{}", text("out.relay_imported", lang, &refs))?;
    }
    for refusal in &r.refused {
        writeln!(out, "{}", text("out.sync_rejected", lang, &[&refusal.id.to_string(), &refusal.code]))?;
    }
    for b in &r.refused_bundles {
        writeln!(out, "{}", text("out.relay_bundle_refused", lang, &[&b.file_name, &b.code, b.message.get(lang)]))?;
    }
    if r.enrollment_completed {
        writeln!(out, "{}", text("out.relay_enrollment_done", lang, &[]))?;
    }
    if let Some(m) = &r.repair_needed {
        writeln!(out, "{}", m.get(lang))?;
    }
    for q in &r.quarantined {
        let reason = ccs_core::app::quarantine_message(&q.code);
        writeln!(out, "{}", text("out.sync_quarantined", lang, &[&q.id.to_string(), &q.code, reason.get(lang)]))?;
    }
    if r.flagged > 0 {
        writeln!(out, "{}", text("out.sync_flagged", lang, &[&r.flagged.to_string()]))?;
    }
    Ok(())
}

/// Applies the files in the order given; one that follows a bundle not applied yet
/// (`relay.out_of_order`) is tried again after the others. Fails with the first
/// refusal left, after every file was tried.
pub fn import(ctx: &Ctx, files: &[PathBuf], out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let mut waiting: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for f in files {
        let name = f.display().to_string();
        if !f.exists() {
            return Err(Failure::cli("cli.file_not_found", &[&name]));
        }
        let bytes = std::fs::read(f).map_err(|e| Failure::cli("cli.read", &[&name, &e.to_string()]))?;
        waiting.push((f.clone(), bytes));
    }
    let mut failures: Vec<(PathBuf, RelayError)> = Vec::new();
    loop {
        let mut progress = false;
        let mut later = Vec::new();
        for (path, bytes) in waiting {
            match member::import(&mut store, &bytes, ctx.now) {
                Ok(report) => {
                    progress = true;
                    print_report(&import_report_of(&store, &report), ctx.lang, out)?;
                }
                Err(RelayError::OutOfOrder { .. }) => later.push((path, bytes)),
                Err(RelayError::Store(e)) => return Err(e.into()),
                Err(e) => failures.push((path, e)),
            }
        }
        waiting = later;
        if waiting.is_empty() || !progress {
            break;
        }
    }
    for (path, bytes) in waiting {
        match member::import(&mut store, &bytes, ctx.now) {
            Ok(report) => print_report(&import_report_of(&store, &report), ctx.lang, out)?,
            Err(e) => failures.push((path, e)),
        }
    }
    for (path, e) in &failures {
        let args = [path.display().to_string(), e.code().sentence(ctx.lang).to_string(), e.code().to_string()];
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        writeln!(out, "{}", text("out.relay_file_failed", ctx.lang, &refs))?;
    }
    match failures.into_iter().next() {
        Some((_, e)) => Err(e.into()),
        None => Ok(()),
    }
}

pub fn status(ctx: &Ctx, json: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let store = ctx.open()?;
    let s = relay_status_of(&store, ctx.now)?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &s)?;
        writeln!(out)?;
        return Ok(());
    }
    let lang = ctx.lang;
    match (&s.server_url, &s.server_fingerprint) {
        (Some(url), Some(fp)) => writeln!(out, "{}", text("out.relay_status_server", lang, &[url, fp]))?,
        _ => writeln!(out, "{}", ccs_core::error_code::ErrorCode::RelayNotEnrolled.sentence(lang))?,
    }
    if s.enrollment_pending {
        writeln!(out, "{}", text("out.relay_status_pending", lang, &[]))?;
    }
    writeln!(out, "{}", text("out.relay_status_waiting", lang, &[&s.waiting.to_string()]))?;
    match &s.last_export {
        Some(e) => {
            let args = [when(e.at), e.parts.to_string(), e.records.to_string(), s.unacknowledged.to_string()];
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            writeln!(out, "{}", text("out.relay_status_last_export", lang, &refs))?;
        }
        None => writeln!(out, "{}", text("out.relay_status_no_export", lang, &[]))?,
    }
    match s.last_import_at {
        Some(t) => writeln!(out, "{}", text("out.relay_status_last_import", lang, &[&when(t)]))?,
        None => writeln!(out, "{}", text("out.relay_status_no_import", lang, &[]))?,
    }
    for r in &s.refused {
        writeln!(out, "{}", text("out.sync_held_back", lang, &[&r.id.to_string(), &r.code]))?;
    }
    for b in &s.refused_bundles {
        writeln!(out, "{}", text("out.relay_bundle_refused", lang, &[&b.file_name, &b.code, b.message.get(lang)]))?;
    }
    Ok(())
}
