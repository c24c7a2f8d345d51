//! The « Indicateurs » sheet: the eight indicators of DOMAIN.md (from `crate::report`)
//! for the export's filter, one row per figure and scope (the whole filter, each region,
//! each committee level), so the sheet filters and pivots like the record sheets.
//!
//! The indicators are computed over a period (a month, a quarter, a year): the export's
//! dates become the smallest such period that covers them, stated at the top of the
//! sheet. Only `approved` as the status filter counts approved records only; any other
//! status filter counts every record (the indicators have no other basis).

use chrono::{Datelike, NaiveDate};

use super::sheets::{Cell, Column};
use super::{ExportFilter, Table};
use crate::i18n::Lang;
use crate::model::ReviewStatus;
use crate::report::{Basis, Breakdown, IndicatorFilter, Indicators, Period, Ratio};

/// The indicators' filter for an export's filter, `today` closing an open period.
pub fn filter_of(f: &ExportFilter, today: NaiveDate) -> IndicatorFilter {
    let period = match (f.date_from, f.date_to) {
        (None, None) => Period::year_of(today),
        (None, Some(b)) => Period::year_of(b),
        (Some(a), b) => {
            let b = b.unwrap_or(today.max(a));
            if Period::month_of(a) == Period::month_of(b) {
                Period::month_of(a)
            } else if Period::quarter_of(a) == Period::quarter_of(b) {
                Period::quarter_of(a)
            } else if a.year() == b.year() {
                Period::year_of(a)
            } else {
                // Several years: the last one, as the sheet says.
                Period::year_of(b)
            }
        }
    };
    let basis = if f.statuses == [ReviewStatus::Approved] { Basis::Approved } else { Basis::All };
    IndicatorFilter { period, basis, region: f.region.clone(), level: None, committee_id: f.committee_id }
}

enum Figure {
    Count(i64),
    Share(Ratio),
    Days(Option<f64>),
}

fn scopes<T>(b: &Breakdown<T>) -> Vec<(String, &T)> {
    let mut out = vec![("Ensemble".to_string(), &b.total)];
    for r in &b.by_region {
        let name = r.region_name.clone().or_else(|| r.region.clone()).unwrap_or_else(|| "Hors registre".into());
        out.push((format!("Région : {name}"), &r.value));
    }
    for l in &b.by_level {
        out.push((format!("Niveau : {}", l.level.label(Lang::Fr)), &l.value));
    }
    out
}

struct Rows(Vec<Vec<Cell>>);

impl Rows {
    fn add<T>(&mut self, label: &str, b: &Breakdown<T>, figure: impl Fn(&T) -> Figure) {
        for (scope, value) in scopes(b) {
            let mut row = vec![Cell::Text(label.into()), Cell::Text(scope)];
            match figure(value) {
                Figure::Count(n) => row.extend([Cell::Int(n), Cell::Empty, Cell::Empty]),
                Figure::Share(r) => row.extend([
                    r.percent().map_or(Cell::Empty, Cell::Float),
                    Cell::Int(r.numerator),
                    Cell::Int(r.denominator),
                ]),
                Figure::Days(d) => row.extend([d.map_or(Cell::Empty, Cell::Float), Cell::Empty, Cell::Empty]),
            }
            self.0.push(row);
        }
    }
}

/// The sheet for `ind`.
pub fn table(ind: &Indicators) -> Table {
    use Figure::*;
    let columns = vec![
        Column { header: "Indicateur".into(), width: 46.0, free_text: None },
        Column { header: "Portée".into(), width: 26.0, free_text: None },
        Column { header: "Valeur (nombre, % ou jours)".into(), width: 14.0, free_text: None },
        Column { header: "Numérateur".into(), width: 12.0, free_text: None },
        Column { header: "Dénominateur".into(), width: 12.0, free_text: None },
    ];
    let basis = match ind.filter.basis {
        Basis::Approved => "fiches approuvées par la CRSS seulement",
        Basis::All => "toutes les fiches",
    };
    let mut rows = Rows(vec![
        vec![Cell::Text("Période des indicateurs".into()), Cell::Text(ind.filter.period.to_string())],
        vec![Cell::Text("Base de calcul".into()), Cell::Text(basis.into())],
        vec![Cell::Text("Arrêté au".into()), Cell::Date(ind.as_of)],
    ]);
    rows.add("1. Comités enregistrés", &ind.committees, |v| Count(v.registered));
    rows.add("1. Comités installés", &ind.committees, |v| Count(v.installed));
    rows.add("1. Comités opérationnels", &ind.committees, |v| Count(v.operational));
    rows.add("1. Part des comités installés qui sont opérationnels (%)", &ind.committees, |v| {
        Share(v.operational_share)
    });
    rows.add("2. Séances tenues", &ind.sessions, |v| Count(v.held));
    rows.add("2. Séances attendues", &ind.sessions, |v| Count(v.expected));
    rows.add("2. Séances tenues / attendues (%)", &ind.sessions, |v| Share(v.held_vs_expected));
    rows.add("2. Comités avec au moins 3 séances par trimestre (%)", &ind.sessions, |v| {
        Share(v.committees_with_three_a_quarter)
    });
    rows.add("3. Taux de présence (%)", &ind.attendance, |v| Share(v.attendance_rate));
    rows.add("3. Séances avec quorum (%)", &ind.attendance, |v| Share(v.quorum_rate));
    rows.add("3. Séances avec les FDS présentes (%)", &ind.attendance, |v| Share(v.fds_present));
    rows.add("4. Part des femmes parmi les présents (%)", &ind.inclusion, |v| Share(v.women));
    rows.add("4. Part des jeunes parmi les présents (%)", &ind.inclusion, |v| Share(v.youth));
    rows.add("5. Recommandations émises", &ind.recommendations, |v| Count(v.counts.made));
    rows.add("5. Recommandations transmises (%)", &ind.recommendations, |v| Share(v.transmitted));
    rows.add("5. Recommandations réalisées en 90 jours (%)", &ind.recommendations, |v| Share(v.realised_in_time));
    rows.add("5. Délai médian de réalisation (jours)", &ind.recommendations, |v| Days(v.median_delay_days));
    rows.add("6. Évaluations sécuritaires", &ind.assessments, |v| Count(v.assessments));
    rows.add("6. Menaces évaluées", &ind.assessments, |v| Count(v.threats));
    rows.add("6. Risques élevés ou très élevés", &ind.assessments, |v| Count(v.high_or_very_high));
    rows.add("7. Ateliers", &ind.workshops, |v| Count(v.workshops));
    rows.add("7. Participants aux ateliers", &ind.workshops, |v| Count(v.participants.total));
    rows.add("7. Participantes (femmes)", &ind.workshops, |v| Count(v.participants.women));
    rows.add("7. Participants jeunes", &ind.workshops, |v| Count(v.participants.youth));
    rows.add("8. Fiches", &ind.data_flow, |v| Count(v.records));
    rows.add("8. Délai médian de la fiche à sa réception (jours)", &ind.data_flow, |v| Days(v.median_delay_days));
    rows.add("8. Fiches validées par un facilitateur (%)", &ind.data_flow, |v| Share(v.validated));
    rows.add("8. Fiches approuvées par la CRSS (%)", &ind.data_flow, |v| Share(v.approved));
    let mut rows = rows.0;
    for r in &mut rows {
        // Every row as wide as the header: CSV readers expect it.
        r.resize(columns.len(), Cell::Empty);
    }
    Table { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[rstest]
    #[case::nothing_is_this_year(None, None, "2026")]
    #[case::one_month(Some("2026-11-01"), Some("2026-11-30"), "2026-11")]
    #[case::within_a_quarter(Some("2026-10-05"), Some("2026-12-20"), "2026-T4")]
    #[case::across_quarters(Some("2026-03-01"), Some("2026-11-30"), "2026")]
    #[case::across_years(Some("2025-06-01"), Some("2026-02-01"), "2026")]
    #[case::open_ended_from_this_month(Some("2026-11-03"), None, "2026-11")]
    fn the_indicators_cover_the_export_period(
        #[case] from: Option<&str>,
        #[case] to: Option<&str>,
        #[case] expected: &str,
    ) {
        let f = ExportFilter { date_from: from.map(d), date_to: to.map(d), ..Default::default() };
        assert_eq!(filter_of(&f, d("2026-11-20")).period.to_string(), expected);
    }

    #[test]
    fn approved_only_counts_approved_records_only() {
        let mut f = ExportFilter { statuses: vec![ReviewStatus::Approved], ..Default::default() };
        assert_eq!(filter_of(&f, d("2026-11-20")).basis, Basis::Approved);
        f.statuses.push(ReviewStatus::Validated);
        assert_eq!(filter_of(&f, d("2026-11-20")).basis, Basis::All);
    }
}
