//! `ccs export xlsx|csv --out FILE [filters]`: one call into `core::export`, which
//! streams the records, leaves out what the role may not or the user did not ask for,
//! and logs the export. Prints the files written, the counts and what was left out.

use std::io::Write;
use std::path::PathBuf;

use ccs_core::export::{self, ExportFilter, ExportFormat, ExportRequest, Included, LeftOutWhat, LeftOutWhy};
use ccs_core::model::ReviewStatus;

use super::{parse_code, parse_date, parse_id, parse_kind, Ctx};
use crate::failure::Failure;
use crate::messages::text;

pub struct Args {
    pub format: ExportFormat,
    pub out: PathBuf,
    /// Kinds, each given once or separated by commas.
    pub kinds: Vec<String>,
    pub region: Option<String>,
    pub committee: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub statuses: Vec<String>,
    pub include: Included,
}

fn request(a: &Args) -> Result<ExportRequest, Failure> {
    let split = |v: &[String]| -> Vec<String> {
        v.iter().flat_map(|s| s.split(',')).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    };
    let filter = ExportFilter {
        kinds: split(&a.kinds).iter().map(|k| parse_kind(k)).collect::<Result<_, _>>()?,
        region: a.region.clone(),
        committee_id: a.committee.as_deref().map(parse_id).transpose()?,
        date_from: a.from.as_deref().map(parse_date).transpose()?,
        date_to: a.to.as_deref().map(parse_date).transpose()?,
        statuses: split(&a.statuses)
            .iter()
            .map(|s| parse_code(s, "--status", ReviewStatus::ALL, ReviewStatus::code))
            .collect::<Result<_, _>>()?,
    };
    Ok(ExportRequest { format: a.format, filter, include: a.include })
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    // Arguments are checked before the store is opened: a typo writes nothing.
    let request = request(&args)?;
    let mut store = ctx.open()?;
    let summary = export::run(&mut store, &request, &args.out, ctx.now)
        .map_err(|e| Failure::App(ccs_core::app::AppError::from(e)))?;
    let lang = ctx.lang;
    for f in &summary.files {
        writeln!(out, "{}", text("out.export_file", lang, &[f]))?;
    }
    for c in &summary.counts {
        let (records, rows) = (c.records.to_string(), c.rows.to_string());
        writeln!(out, "{}", text("out.export_count", lang, &[c.kind.label(lang), &records, &rows]))?;
    }
    for l in &summary.left_out {
        let why = match l.why {
            LeftOutWhy::NotAsked => text("out.export_not_asked", lang, &[]),
            LeftOutWhy::RoleMayNot => text("out.export_role_may_not", lang, &[]),
            LeftOutWhy::CannotRead => text("out.export_cannot_read", lang, &[]),
        };
        let n = l.count.unwrap_or(0).to_string();
        let line = match l.what {
            LeftOutWhat::ConfidentialRecords => text("out.export_left_confidential", lang, &[&n, &why]),
            LeftOutWhat::NamedAttendance => text("out.export_left_names", lang, &[&n, &why]),
            LeftOutWhat::FreeText => text("out.export_left_free_text", lang, &[&l.columns.len().to_string(), &why]),
            LeftOutWhat::Unreadable => text("out.export_left_unreadable", lang, &[&n, &why]),
        };
        writeln!(out, "{line}")?;
    }
    Ok(())
}
