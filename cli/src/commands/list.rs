//! `ccs list`: records from the store's projection, filtered and paged, as a table or
//! as the JSON page.

use std::io::Write;

use ccs_core::i18n::Lang;
use ccs_core::model::ReviewStatus;
use ccs_core::reference::ReferenceData;
use ccs_core::store::{ListFilter, RecordSummary};

use super::{parse_code, parse_date, parse_id, parse_kind, write_table, Ctx};
use crate::failure::Failure;
use crate::messages::text;

#[derive(Default)]
pub struct Args {
    pub kind: Option<String>,
    pub committee: Option<String>,
    pub region: Option<String>,
    pub commune: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub flagged: bool,
    pub limit: u32,
    pub offset: u32,
    pub json: bool,
}

fn filter(a: Args) -> Result<ListFilter, Failure> {
    Ok(ListFilter {
        kind: a.kind.as_deref().map(parse_kind).transpose()?,
        committee_id: a.committee.as_deref().map(parse_id).transpose()?,
        region: a.region,
        commune: a.commune,
        date_from: a.from.as_deref().map(parse_date).transpose()?,
        date_to: a.to.as_deref().map(parse_date).transpose()?,
        status: a
            .status
            .as_deref()
            .map(|s| parse_code(s, "--status", ReviewStatus::ALL, ReviewStatus::code))
            .transpose()?,
        text: a.q,
        flagged_only: a.flagged,
        limit: a.limit,
        offset: a.offset,
        ..Default::default()
    })
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let json = args.json;
    let filter = filter(args)?;
    let store = ctx.open()?;
    let page = store.list(&filter)?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &page)?;
        writeln!(out)?;
        return Ok(());
    }
    let lang = ctx.lang;
    let mut rows =
        vec![["out.col_id", "out.col_kind", "out.col_date", "out.col_status", "out.col_commune", "out.col_title"]
            .iter()
            .map(|c| text(c, lang, &[]))
            .collect::<Vec<_>>()];
    rows.extend(page.items.iter().map(|s| row(s, store.reference(), lang)));
    write_table(out, &rows)?;
    writeln!(out, "{}", text("out.list_count", lang, &[&page.items.len().to_string(), &page.total.to_string()]))?;
    Ok(())
}

fn row(s: &RecordSummary, reference: &ReferenceData, lang: Lang) -> Vec<String> {
    vec![
        s.id.to_string(),
        s.kind.label(lang).to_string(),
        s.date.clone().unwrap_or_else(|| "—".into()),
        s.status.label(lang).to_string(),
        unit_name(s.commune.as_deref(), reference),
        match lang {
            Lang::Fr => s.title.clone(),
            Lang::En => s.title_en.clone(),
        },
    ]
}

/// The name of a unit for display, or its code if unknown, or a dash.
pub fn unit_name(code: Option<&str>, reference: &ReferenceData) -> String {
    match code {
        None => "—".into(),
        Some(c) => reference.get(c).map(|u| u.name.clone()).unwrap_or_else(|| c.to_string()),
    }
}
