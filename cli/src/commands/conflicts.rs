//! `ccs conflicts [ID]` lists the records holding concurrent values, or the values of
//! one record's conflicts with who wrote each; `ccs resolve ID PATH CHOICE` keeps one.

use std::io::Write;

use ccs_core::model::RecordId;
use ccs_core::store::{ListFilter, MAX_PAGE as PAGE};

use super::{parse_id, write_table, Ctx};
use crate::failure::Failure;
use crate::messages::text;

pub fn run(ctx: &Ctx, id: Option<&str>, out: &mut dyn Write) -> Result<(), Failure> {
    let lang = ctx.lang;
    match id {
        None => {
            let store = ctx.open()?;
            let mut found = Vec::new();
            let mut filter = ListFilter { flagged_only: true, limit: PAGE, ..ListFilter::default() };
            loop {
                let page = store.list(&filter)?;
                let n = page.items.len() as u32;
                found.extend(page.items.into_iter().filter(|s| s.conflict_count > 0));
                filter.offset += n;
                if n == 0 || u64::from(filter.offset) >= page.total {
                    break;
                }
            }
            if found.is_empty() {
                writeln!(out, "{}", text("out.no_records_with_conflicts", lang, &[]))?;
                return Ok(());
            }
            let mut rows = vec![["out.col_id", "out.col_kind", "out.col_conflicts", "out.col_title"]
                .iter()
                .map(|c| text(c, lang, &[]))
                .collect::<Vec<_>>()];
            rows.extend(found.iter().map(|s| {
                vec![s.id.to_string(), s.kind.label(lang).to_string(), s.conflict_count.to_string(), s.title.clone()]
            }));
            write_table(out, &rows)?;
        }
        Some(id) => {
            let id: RecordId = parse_id(id)?;
            let store = ctx.open()?;
            let conflicts = store.conflicts(id)?;
            if conflicts.is_empty() {
                writeln!(out, "{}", text("out.no_conflicts", lang, &[]))?;
            }
            for c in conflicts {
                writeln!(out, "{}", c.path)?;
                for (i, v) in c.values.iter().enumerate() {
                    let device = match v.device {
                        Some(d) => format!("{} {d}", text("out.device", lang, &[])),
                        None => text("out.unknown_device", lang, &[]),
                    };
                    let current =
                        if v.current { format!(" {}", text("out.current", lang, &[])) } else { String::new() };
                    writeln!(out, "  [{i}] {}  — {device}{current}", serde_json::to_string(&v.value)?)?;
                }
            }
        }
    }
    Ok(())
}

pub fn resolve(ctx: &Ctx, id: &str, path: &str, choice: usize, out: &mut dyn Write) -> Result<(), Failure> {
    let id: RecordId = parse_id(id)?;
    let mut store = ctx.open()?;
    store.resolve_conflict(id, path, choice, ctx.now)?;
    writeln!(out, "{}", text("out.resolved", ctx.lang, &[path]))?;
    Ok(())
}
