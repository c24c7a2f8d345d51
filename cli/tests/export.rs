//! `ccs export xlsx|csv`, through the real binary on a demo store: the files are there
//! and hold the demo's records, confidential ones only when allowed and asked, and a
//! bad argument, a role that may not or a bad destination writes nothing.

mod common;

use std::io::Read;
use std::path::Path;

use calamine::{Reader, Xlsx};
use common::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The unzipped XML of an XLSX file.
fn xml(path: &Path) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = String::new();
    for i in 0..zip.len() {
        zip.by_index(i).unwrap().read_to_string(&mut out).unwrap();
    }
    out
}

/// Ids of the demo's records with this sensitivity.
fn ids_with(s: &TestStore, sensitivity: &str) -> Vec<String> {
    let page = s.json(&["list", "--json", "--limit", "500"]);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["sensitivity"] == sensitivity)
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn export_xlsx_writes_one_sheet_per_kind_with_every_record_and_leaves_confidential_ones_out() {
    let s = TestStore::with_demo("reviewer");
    let dest = s.dir.path().join("crss.xlsx");
    let out = s.ok(&["export", "xlsx", "--out", dest.to_str().unwrap()]);
    assert!(out.contains("fichier écrit") && out.contains("laissé de côté"), "{out}");
    let mut wb: Xlsx<_> = calamine::open_workbook(&dest).unwrap();
    assert_eq!(wb.sheet_names()[0], "Filtres");
    let sessions = wb.worksheet_range("Séances").unwrap();
    let listed = s.ids(&["--kind", "session"]);
    let confidential = ids_with(&s, "confidential");
    let expected = listed.iter().filter(|i| !confidential.contains(i)).count();
    assert_eq!(sessions.rows().count() - 1, expected, "every session of the store once, header aside");
    let text = xml(&dest);
    assert!(!confidential.is_empty(), "the demo holds confidential records");
    for id in &confidential {
        assert!(!text.contains(id.as_str()), "confidential record {id} in the file");
    }
    // Asked for, by a reviewer: they are there.
    let dest = s.dir.path().join("tout.xlsx");
    s.ok(&["export", "xlsx", "--out", dest.to_str().unwrap(), "--include-confidential", "--include-free-text"]);
    let text = xml(&dest);
    assert!(confidential.iter().all(|id| text.contains(id.as_str())));
}

#[test]
fn export_csv_of_one_kind_and_status_names_its_files_after_the_kind() {
    let s = TestStore::with_demo("reviewer");
    let dest = s.dir.path().join("approuvees.csv");
    let out = s.ok(&["export", "csv", "--out", dest.to_str().unwrap(), "--kind", "session", "--status", "approved"]);
    assert!(out.contains("approuvees-seances.csv"), "{out}");
    let bytes = std::fs::read(s.dir.path().join("approuvees-seances.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let approved = s.ids(&["--kind", "session", "--status", "approved"]);
    let mut reader = csv_rows(&bytes[3..]);
    assert_eq!(reader.len(), approved.len());
    reader.sort();
    let mut approved = approved;
    approved.sort();
    assert_eq!(reader, approved);
    let filters = std::fs::read_to_string(s.dir.path().join("approuvees-filtres.csv")).unwrap();
    assert!(filters.contains("Statut d’examen;Approuvé"), "{filters}");
    assert!(!s.dir.path().join("approuvees-evaluations.csv").exists());
}

/// The first column of each data row of a `;` separated file.
fn csv_rows(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    text.split("\r\n").skip(1).filter(|l| !l.is_empty()).map(|l| l.split(';').next().unwrap().to_string()).collect()
}

#[test]
fn bad_arguments_roles_and_destinations_write_nothing() {
    let s = TestStore::with_demo("reviewer");
    let dest = s.dir.path().join("x.xlsx");
    let d = dest.to_str().unwrap();
    for (args, code) in [
        (vec!["export", "xlsx", "--out", d, "--kind", "session,rapport"], "[cli.unknown_kind]"),
        (vec!["export", "xlsx", "--out", d, "--status", "perhaps"], "[cli.bad_value]"),
        (vec!["export", "xlsx", "--out", d, "--from", "2026-13-01"], "[cli.bad_date]"),
        (vec!["export", "xlsx", "--out", d, "--from", "2026-12-01", "--to", "2026-01-01"], "[export.bad_filter]"),
        (vec!["export", "xlsx", "--out", d, "--include-names"], "[export.names_need_confidential]"),
        (vec!["export", "pdf", "--out", d], "[cli.usage]"),
        (vec!["export", "xlsx", "--out", "/nulle/part/x.xlsx"], "[export.destination]"),
    ] {
        let out = s.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(code), "{args:?}: {}", stderr(&out));
        assert!(!dest.exists());
    }
    let files: Vec<_> = std::fs::read_dir(s.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(files.iter().all(|f| !f.to_string_lossy().contains("x.xlsx")), "{files:?}");

    let facilitator = TestStore::init(&["--role", "facilitator", "--region", "tombouctou"]);
    facilitator.ok(&["demo"]);
    let dest = facilitator.dir.path().join("f.xlsx");
    let out = facilitator.run(&["export", "xlsx", "--out", dest.to_str().unwrap(), "--include-confidential"]);
    assert!(stderr(&out).contains("[export.confidential_refused]"), "{}", stderr(&out));
    assert!(!dest.exists());
    let out = facilitator.ok(&["export", "xlsx", "--out", dest.to_str().unwrap()]);
    assert!(out.contains("le rôle de cet appareil ne le permet pas"), "{out}");

    let member = TestStore::init(&["--role", "member"]);
    let dest = member.dir.path().join("m.csv");
    let out = member.run(&["export", "csv", "--out", dest.to_str().unwrap()]);
    assert!(stderr(&out).contains("[export.role_not_allowed]"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(member.dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "csv"))
            .count(),
        0
    );
}
