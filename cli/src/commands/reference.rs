//! `ccs ref list` shows the administrative divisions the store knows (built-in plus
//! admin additions); `ccs ref add` lets an administrator add a unit the built-in list
//! lacks. The code of a new unit is `parent/slug(name)`, as `core` requires.

use std::io::Write;

use ccs_core::reference::{slug, AdminUnit, UnitLevel, ADMIN_DATASET_VERSION};

use super::{parse_code, parse_date, write_table, Ctx};
use crate::failure::Failure;
use crate::messages::text;

const LEVELS: &[UnitLevel] = &[UnitLevel::Region, UnitLevel::Cercle, UnitLevel::Commune];

fn parse_level(s: &str) -> Result<UnitLevel, Failure> {
    parse_code(s, "--level", LEVELS, |l| l.as_str())
}

pub struct ListArgs {
    pub level: Option<String>,
    pub parent: Option<String>,
    pub on: Option<String>,
}

pub fn list(ctx: &Ctx, args: ListArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let level = args.level.as_deref().map(parse_level).transpose()?;
    let on = args.on.as_deref().map(parse_date).transpose()?;
    let store = ctx.open()?;
    let reference = store.reference();
    let units: Vec<&AdminUnit> = match &args.parent {
        Some(parent) => reference
            .children(parent)
            .into_iter()
            .filter(|u| level.is_none_or(|l| u.level == l) && on.is_none_or(|d| u.is_valid_on(d)))
            .collect(),
        None => reference.units(level.unwrap_or(UnitLevel::Region), on),
    };
    let lang = ctx.lang;
    let rows: Vec<Vec<String>> = units
        .iter()
        .map(|u| {
            let mut validity = Vec::new();
            if let Some(d) = u.valid_from {
                validity.push(text("out.ref_since", lang, &[&d.to_string()]));
            }
            if let Some(d) = u.valid_to {
                validity.push(text("out.ref_until", lang, &[&d.to_string()]));
            }
            vec![u.code.clone(), u.level.to_string(), u.name.clone(), u.dataset_version.clone(), validity.join(", ")]
        })
        .collect();
    write_table(out, &rows)?;
    writeln!(out, "{}", text("out.ref_count", lang, &[&units.len().to_string()]))?;
    Ok(())
}

pub struct AddArgs {
    pub level: String,
    pub name: String,
    pub parent: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub fn add(ctx: &Ctx, args: AddArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let level = parse_level(&args.level)?;
    let code = match (&args.parent, level) {
        (Some(parent), _) => format!("{parent}/{}", slug(&args.name)),
        (None, UnitLevel::Region) => slug(&args.name),
        (None, _) => return Err(Failure::cli("cli.parent_required", &[])),
    };
    let unit = AdminUnit {
        code,
        level,
        name: args.name.trim().to_string(),
        parent: args.parent,
        valid_from: args.from.as_deref().map(parse_date).transpose()?,
        valid_to: args.to.as_deref().map(parse_date).transpose()?,
        dataset_version: ADMIN_DATASET_VERSION.to_string(),
    };
    let mut store = ctx.open()?;
    store.add_reference_unit(unit.clone(), ctx.now)?;
    writeln!(out, "{}", text("out.ref_added", ctx.lang, &[&unit.code]))?;
    Ok(())
}
