//! `ccs report indicators`: the eight indicators of the CRSS over a period, as a French
//! (or English) table, total then one column per region, or as the JSON value the app
//! gets.

use std::io::Write;

use ccs_core::i18n::Lang;
use ccs_core::model::CommitteeLevel;
use ccs_core::report::{group_thousands, Basis, Breakdown, IndicatorFilter, IndicatorParams, Period, Ratio};
use ccs_core::store::StoreError;

use super::{parse_code, parse_id, write_table, Ctx};
use crate::failure::Failure;
use crate::messages::text;

#[derive(Default)]
pub struct Args {
    pub period: Option<String>,
    pub region: Option<String>,
    pub level: Option<String>,
    pub committee: Option<String>,
    pub basis: Option<String>,
    pub json: bool,
}

fn filter(ctx: &Ctx, a: &Args) -> Result<IndicatorFilter, Failure> {
    let period = match &a.period {
        Some(p) => p.parse::<Period>().map_err(|e| StoreError::BadPeriod(e.0))?,
        None => Period::quarter_of(ctx.now.date_naive()),
    };
    let basis = match a.basis.as_deref() {
        None => Basis::All,
        Some(b) => parse_code(b, "--basis", &[Basis::Approved, Basis::All], Basis::code)?,
    };
    Ok(IndicatorFilter {
        period,
        basis,
        region: a.region.clone(),
        level: a
            .level
            .as_deref()
            .map(|l| parse_code(l, "--level", CommitteeLevel::ALL, CommitteeLevel::code))
            .transpose()?,
        committee_id: a.committee.as_deref().map(parse_id).transpose()?,
    })
}

fn number(n: i64) -> String {
    group_thousands(n).replace('\u{202f}', " ")
}

fn ratio(r: &Ratio, lang: Lang) -> String {
    let pct = match r.percent() {
        Some(p) if lang == Lang::Fr => format!("{} %", format!("{p:.1}").replace('.', ",")),
        Some(p) => format!("{p:.1}%"),
        None => "—".into(),
    };
    format!("{}/{} ({pct})", number(r.numerator), number(r.denominator))
}

fn days(d: Option<f64>, lang: Lang) -> String {
    match d {
        Some(d) if lang == Lang::Fr => format!("{d:.1}").replace('.', ","),
        Some(d) => format!("{d:.1}"),
        None => "—".into(),
    }
}

/// One line of the table: the label, the total, then each region.
fn line<T>(lang: Lang, key: &str, b: &Breakdown<T>, f: impl Fn(&T) -> String) -> Vec<String> {
    let mut row = vec![text(key, lang, &[]), f(&b.total)];
    row.extend(b.by_region.iter().map(|r| f(&r.value)));
    row
}

pub fn run(ctx: &Ctx, args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    let filter = filter(ctx, &args)?;
    let store = ctx.open()?;
    let ind = store.indicators(&filter, &IndicatorParams::new(ctx.now))?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &ind)?;
        writeln!(out)?;
        return Ok(());
    }
    let lang = ctx.lang;
    let basis =
        text(if filter.basis == Basis::Approved { "out.ind_basis_approved" } else { "out.ind_basis_all" }, lang, &[]);
    writeln!(out, "{}", text("out.ind_title", lang, &[&filter.period.to_string(), &ind.as_of.to_string(), &basis]))?;
    let mut header = vec![String::new(), text("out.ind_total", lang, &[])];
    header.extend(ind.committees.by_region.iter().map(|r| {
        r.region_name.clone().or_else(|| r.region.clone()).unwrap_or_else(|| text("out.ind_no_region", lang, &[]))
    }));
    let op = ind.operational_days.to_string();
    let mut rows = vec![header];
    rows.push(line(lang, "out.ind_installed", &ind.committees, |v| number(v.installed)));
    let mut operational = line(lang, "out.ind_operational", &ind.committees, |v| ratio(&v.operational_share, lang));
    operational[0] = text("out.ind_operational", lang, &[&op]);
    rows.push(operational);
    rows.push(line(lang, "out.ind_sessions", &ind.sessions, |v| ratio(&v.held_vs_expected, lang)));
    rows.push(line(lang, "out.ind_three_a_quarter", &ind.sessions, |v| {
        ratio(&v.committees_with_three_a_quarter, lang)
    }));
    rows.push(line(lang, "out.ind_attendance", &ind.attendance, |v| ratio(&v.attendance_rate, lang)));
    rows.push(line(lang, "out.ind_quorum", &ind.attendance, |v| ratio(&v.quorum_rate, lang)));
    rows.push(line(lang, "out.ind_fds", &ind.attendance, |v| ratio(&v.fds_present, lang)));
    rows.push(line(lang, "out.ind_women", &ind.inclusion, |v| ratio(&v.women, lang)));
    rows.push(line(lang, "out.ind_youth", &ind.inclusion, |v| ratio(&v.youth, lang)));
    rows.push(line(lang, "out.ind_recommendations", &ind.recommendations, |v| number(v.counts.made)));
    rows.push(line(lang, "out.ind_transmitted", &ind.recommendations, |v| ratio(&v.transmitted, lang)));
    rows.push(line(lang, "out.ind_realised", &ind.recommendations, |v| ratio(&v.realised_in_time, lang)));
    rows.push(line(lang, "out.ind_median_delay", &ind.recommendations, |v| days(v.median_delay_days, lang)));
    rows.push(line(lang, "out.ind_assessments", &ind.assessments, |v| number(v.assessments)));
    rows.push(line(lang, "out.ind_high_risks", &ind.assessments, |v| number(v.high_or_very_high)));
    rows.push(line(lang, "out.ind_participants", &ind.workshops, |v| v.partner_text().replace('\u{202f}', " ")));
    rows.push(line(lang, "out.ind_flow_delay", &ind.data_flow, |v| days(v.median_delay_days, lang)));
    rows.push(line(lang, "out.ind_validated", &ind.data_flow, |v| ratio(&v.validated, lang)));
    rows.push(line(lang, "out.ind_approved", &ind.data_flow, |v| ratio(&v.approved, lang)));
    write_table(out, &rows)?;
    Ok(())
}
