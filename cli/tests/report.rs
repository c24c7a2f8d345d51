//! `ccs report indicators`: the eight indicators as a French table or as JSON, and its
//! refusals (an unknown period, an unknown basis).

mod common;

use chrono::Datelike;
use common::*;

#[test]
fn indicators_of_the_demo_as_a_french_table_and_as_json() {
    let s = TestStore::with_demo("reviewer");
    let table = s.ok(&["report", "indicators"]);
    for label in [
        "Indicateurs — période",
        "1. Comités installés",
        "2. Séances tenues / attendues",
        "4. Femmes parmi les présents (réf. 30 %)",
        "7. Participants aux ateliers (F, J)",
        "8. Délai médian de remontée (j)",
        "Tombouctou",
        "Gao",
        "Ménaka",
    ] {
        assert!(table.contains(label), "missing « {label} » in:\n{table}");
    }
    // The demo's records lie within the last 75 days: this year and the previous one
    // hold them all (the app's clock is the real one here).
    let year = chrono::Utc::now().year();
    let mut records = 0;
    let mut sessions = 0;
    for y in [year - 1, year] {
        let v = s.json(&["report", "indicators", "--period", &y.to_string(), "--json"]);
        assert_eq!(v["filter"]["period"]["unit"], "year");
        assert_eq!(v["committees"]["total"]["registered"], 6, "the registry is not bound to a period");
        records += v["data_flow"]["total"]["records"].as_i64().unwrap();
        sessions += v["sessions"]["total"]["held"].as_i64().unwrap();
    }
    assert_eq!((records, sessions), (40, 18));
    let gao = s.json(&["report", "indicators", "--period", &year.to_string(), "--region", "gao", "--json"]);
    assert_eq!(gao["committees"]["total"]["registered"], 2);
    let approved = s.json(&["report", "indicators", "--basis", "approved", "--period", &year.to_string(), "--json"]);
    assert_eq!(approved["sessions"]["counts"], "approved");
    assert_eq!(approved["recommendations"]["total"]["counts"]["made"], 0);
    let english = s.ok(&["--lang", "en", "report", "indicators", "--period", &year.to_string()]);
    assert!(english.contains("2. Sessions held / expected"), "{english}");
}

#[test]
fn an_unknown_period_or_basis_is_refused_with_its_code() {
    let s = TestStore::with_demo("reviewer");
    let out = s.run(&["report", "indicators", "--period", "2026-13"]);
    let line = assert_one_line_error(&out, 1, "report.bad_period");
    assert!(line.contains("2026-T4"), "the error says what is expected: {line}");
    let out = s.run(&["report", "indicators", "--period", "T4-2026"]);
    assert_one_line_error(&out, 1, "report.bad_period");
    let out = s.run(&["report", "indicators", "--basis", "some"]);
    assert_one_line_error(&out, 1, "cli.bad_value");
    let out = s.run(&["report", "indicators", "--level", "national"]);
    assert_one_line_error(&out, 1, "cli.bad_value");
}
