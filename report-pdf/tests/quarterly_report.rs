//! The quarterly report end to end: the demo data in a real encrypted store, assembled
//! from the indicators, typeset by Typst, then read back as a reader would with
//! poppler (`pdfinfo`, `pdftotext`, `pdftoppm`: Debian's poppler-utils, installed by
//! `scripts/test.sh`).
//!
//! `UPDATE_SCREENSHOTS=1` also copies the first pages to `docs/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use ccs_core::app::{App, QuarterlyRequest};
use ccs_core::model::*;
use ccs_core::report::quarterly::{self, Quarter, QuarterlyReport};
use ccs_core::report::Basis;
use ccs_core::store::{Identity, KdfParams, ListFilter, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};

const PASS: &str = "correct horse battery staple 2026";

/// The day the reports are made: mid-December, so the demo's records fall in 2026-T4.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 15, 10, 0, 0).unwrap()
}

fn q4() -> Quarter {
    "2026-T4".parse().unwrap()
}

/// A reviewer's store holding the demo data.
fn demo_store(dir: &Path) -> Store {
    let mut store =
        Store::create(&dir.join("store.db"), PASS, Identity::new(Role::Reviewer), KdfParams::insecure_fast_for_tests())
            .unwrap();
    ccs_core::demo::fill(&mut store, now()).unwrap();
    store
}

fn a_committee(store: &Store) -> CommitteeId {
    let page = store.list(&ListFilter { kind: Some(RecordKind::Committee), ..Default::default() }).unwrap();
    page.items.iter().find(|c| c.title.contains("Goundam")).unwrap_or(&page.items[0]).committee_id
}

/// Adds a recommendation made in the quarter with `text`, of `sensitivity`.
fn add_recommendation(store: &mut Store, text: &str, sensitivity: Sensitivity) {
    let committee = a_committee(store);
    let made = now() - Duration::days(20);
    let body = Recommendation {
        origin: None,
        made_on: made.date_naive(),
        text: text.into(),
        addressee: Addressee::Governor,
        fds_corps: None,
        domain: RecommendationDomain::Mediation,
        priority: Priority::High,
        responsible: "Gouverneur".into(),
        due_date: None,
        status_history: vec![StatusChange {
            id: ItemId::new(),
            at: made,
            by_device: DeviceId::new(),
            status: RecommendationStatus::Transmitted,
        }],
        evidence: String::new(),
    };
    let mut record = Record::new(RecordBody::Recommendation(body), committee, DeviceId::new(), made);
    record.sensitivity = sensitivity;
    store.insert_new(&record, now()).unwrap();
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (Debian's poppler-utils, see scripts/test.sh): {e}"));
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pages(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    let line = info.lines().find(|l| l.starts_with("Pages:")).expect("a page count");
    line["Pages:".len()..].trim().parse().unwrap()
}

/// The text of the PDF as a reader copies it, spaces normalised (French typography
/// uses no-break and thin spaces; poppler may split a line anywhere).
fn text_of(pdf: &Path) -> String {
    let raw = poppler("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    raw.replace(['\u{a0}', '\u{202f}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `ccs-report-pdf` helper built with this crate: what the desktop app runs.
fn helper() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_ccs-report-pdf"))
}

fn render_to(report: &QuarterlyReport, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let written = ccs_report_pdf::write_pdf(report, &path).unwrap();
    assert_eq!(written.bytes, std::fs::metadata(&path).unwrap().len());
    path
}

#[test]
fn the_demo_data_gives_a_french_report_with_its_figures_charts_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let report = quarterly::assemble(&store, q4(), None, Basis::All, now()).unwrap();
    // The demo: 6 committees, each with sessions in October, November and December.
    assert_eq!(report.total.committees_installed, 6);
    assert!(report.total.sessions_held >= 12, "{:?}", report.total);
    assert_eq!(report.recommendations.len(), 12);
    assert_eq!(report.regions.len(), 3, "Tombouctou, Gao, Ménaka");

    let pdf = render_to(&report, dir.path(), "rapport.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    // Title, the indicators, five charts (two pages at most), tables, the
    // recommendations and the method: 7 to 9 pages.
    let n = pages(&pdf);
    assert!((7..=9).contains(&n), "{n} pages");

    let text = text_of(&pdf);
    for expected in [
        "Rapport trimestriel",
        "4e trimestre 2026",
        "du 1er octobre 2026 au 31 décembre 2026",
        "Établi le",
        "15 décembre 2026",
        "Toutes les fiches reçues, approuvées ou non",
        "Ensemble du pays",
        "Les huit indicateurs du trimestre",
        "Comités installés et opérationnels",
        "Femmes et jeunes parmi les présents",
        "Circulation des données",
        "Séances par région",
        "référence de 30 %",
        "Menaces relevées par catégorie",
        "Délais des recommandations",
        "Tableaux par région et par mois",
        "Tombouctou",
        "Ménaka",
        "Recommandations suivies pendant le trimestre",
        "Renforcer les patrouilles mixtes",
        "Méthode et confidentialité",
        "octobre 2026",
    ] {
        assert!(text.contains(expected), "« {expected} » missing from the PDF's text:\n{text}");
    }
    // The figures printed are the report's: sessions held over expected, in the
    // region table's total row.
    let total = &report.total;
    let held = format!("{} / {}", total.sessions_held, total.sessions_expected);
    assert!(text.contains(&held), "{held} missing:\n{text}");
    let participants = format!("{} (", total.workshop_participants);
    assert!(text.contains(&participants), "{participants} missing");

    // Rendered to pictures as a reader sees it; the first pages kept as screenshots.
    let prefix = dir.path().join("page");
    poppler("pdftoppm", &["-png", "-r", "70", pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), n);
    for png in &pngs {
        let data = std::fs::read(png).unwrap();
        assert!(data.starts_with(b"\x89PNG") && data.len() > 10_000, "{} is a real picture", png.display());
    }
    let keep = std::env::var_os("REPORT_PNG_DIR").map(PathBuf::from);
    let screenshots = (std::env::var("UPDATE_SCREENSHOTS").as_deref() == Ok("1"))
        .then(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots"));
    for (i, png) in pngs.iter().enumerate() {
        if let Some(dir) = &keep {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::copy(png, dir.join(format!("page-{}.png", i + 1))).unwrap();
        }
        if let (Some(dir), true) = (&screenshots, i < 2) {
            std::fs::copy(png, dir.join(format!("rapport-trimestriel-{}.png", i + 1))).unwrap();
        }
    }
}

#[test]
fn the_same_report_on_the_same_day_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let report = quarterly::assemble(&store, q4(), Some("tombouctou"), Basis::All, now()).unwrap();
    let first = ccs_report_pdf::render(&report).unwrap();
    let second = ccs_report_pdf::render(&report).unwrap();
    assert!(first == second, "two renders of one report differ");
}

#[test]
fn a_region_and_the_approved_basis_are_stated_on_the_title_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let report = quarterly::assemble(&store, q4(), Some("tombouctou"), Basis::Approved, now()).unwrap();
    assert_eq!(report.regions.len(), 1);
    let pdf = render_to(&report, dir.path(), "tombouctou.pdf");
    let text = text_of(&pdf);
    assert!(text.contains("Région : Tombouctou"), "{text}");
    assert!(text.contains("Fiches approuvées par le CRSS uniquement"), "{text}");
    assert!(!text.contains("Ménaka"), "another region's figures in a regional report");
}

#[test]
fn hostile_recommendation_texts_print_literally_and_do_not_break_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let markup = r#"#panic("x") ] [ #set page(width: 1cm) $x^2$ *gras* _it_ <lbl> @ref `raw` \ // fin"#;
    add_recommendation(&mut store, markup, Sensitivity::Restricted);
    add_recommendation(&mut store, &"Très long texte sans fin. ".repeat(700), Sensitivity::Public);
    add_recommendation(&mut store, "توصية: تعزيز الدوريات 🚨🇲🇱 mixte \u{202e}RLO\u{202c} fin", Sensitivity::Public);
    add_recommendation(&mut store, "Fin ]] ) } #{ let x = 1 } <!-- --> \\ \"guillemets\"", Sensitivity::Public);
    let report = quarterly::assemble(&store, q4(), None, Basis::All, now()).unwrap();
    assert_eq!(report.recommendations.len(), 16);
    let long = report.recommendations.iter().find(|r| r.text.starts_with("Très long")).unwrap();
    assert_eq!(long.text.chars().count(), quarterly::RECOMMENDATION_TEXT_CHARS);

    let pdf = render_to(&report, dir.path(), "hostile.pdf");
    let text = text_of(&pdf);
    // The markup is text: every character is there, and the page was not resized.
    for literal in
        ["#panic(\"x\") ] [", "#{ let x = 1 }", "#set page(width: 1cm)", "$x^2$", "*gras*", "<lbl>", "@ref", "`raw`"]
    {
        assert!(text.contains(literal), "« {literal} » not printed literally:\n{text}");
    }
    assert!(text.contains("Très long texte sans fin."));
    assert!(text.contains("mixte"), "the text around RTL and emoji is kept");
    let n = pages(&pdf);
    assert!((7..=11).contains(&n), "{n} pages");
    let size = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(size.contains("(A4)"), "A4 pages, whatever the text said:\n{size}");
}

#[test]
fn a_confidential_recommendation_is_counted_but_its_text_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    add_recommendation(&mut store, "CANARI-CONFIDENTIEL-7f3a : ne jamais publier", Sensitivity::Confidential);
    let report = quarterly::assemble(&store, q4(), None, Basis::All, now()).unwrap();
    assert_eq!(report.confidential_left_out, 1);
    assert_eq!(report.recommendations.len(), 12);
    assert_eq!(report.delays.iter().map(|d| d.count).sum::<u64>(), 13, "counted in the delays");

    let pdf = render_to(&report, dir.path(), "canari.pdf");
    let text = text_of(&pdf);
    assert!(!text.contains("CANARI"), "a confidential text reached the PDF");
    assert!(text.contains("Une recommandation confidentielle"), "{text}");
    // Nor any other free text of the demo: session summaries, threat notes, evidence.
    for free_text in ["Hausse des vols de bétail signalés", "Patrouilles ponctuelles", "Lampadaires solaires"] {
        assert!(!text.contains(free_text), "free text « {free_text} » reached the PDF");
    }
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(!bytes.windows(7).any(|w| w == b"CANARI-"), "the canary is in the PDF's bytes");
}

#[test]
fn the_app_writes_the_report_and_refuses_a_bad_quarter_or_region_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Reviewer, now()).unwrap();
    let path = dir.path().join("rapport.pdf");
    let ask = |quarter: &str, region: Option<&str>| QuarterlyRequest {
        quarter: quarter.into(),
        region: region.map(str::to_string),
        basis: Basis::All,
    };
    let written = ccs_report_pdf::write_quarterly(&mut app, &ask("2026-T4", None), helper(), &path, now()).unwrap();
    assert_eq!(written.quarter, "2026-T4");
    // The helper's PDF is the very one typeset in process.
    let report = app.quarterly_report(&ask("2026-T4", None), now()).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), ccs_report_pdf::render(&report).unwrap());

    for bad in ["2026-T5", "T4", "2026-T0"] {
        let e = ccs_report_pdf::write_quarterly(&mut app, &ask(bad, None), helper(), &path, now()).unwrap_err();
        assert_eq!(e.code, "report.bad_quarter", "{bad}");
        assert!(e.message.fr.contains("2026-T4"), "the message shows the form expected");
    }
    let e = ccs_report_pdf::write_quarterly(&mut app, &ask("2026-T4", Some("atlantide")), helper(), &path, now())
        .unwrap_err();
    assert_eq!(e.code, "report.unknown_region");
    let nowhere = dir.path().join("no/such/dir.pdf");
    let e = ccs_report_pdf::write_quarterly(&mut app, &ask("2026-T4", None), helper(), &nowhere, now()).unwrap_err();
    assert_eq!(e.code, "report.pdf_write");

    app.lock();
    let e = ccs_report_pdf::write_quarterly(&mut app, &ask("2026-T4", None), helper(), &path, now()).unwrap_err();
    assert_eq!(e.code, "app.locked", "a locked app makes no report");
}

/// A helper missing, failing, or answering something else than a PDF: a clear code, and
/// no file at the destination (an older one is left as it was).
#[test]
fn a_missing_or_broken_helper_is_a_clear_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Reviewer, now()).unwrap();
    let ask = QuarterlyRequest { quarter: "2026-T4".into(), region: None, basis: Basis::All };
    let path = dir.path().join("rapport.pdf");
    let echo = dir.path().join("echo-helper");
    // Answers its input back: JSON, not a PDF.
    std::fs::write(&echo, "#!/bin/sh\nexec cat\n").unwrap();
    std::fs::set_permissions(&echo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for broken in [dir.path().join("absent"), PathBuf::from("/bin/false"), echo] {
        let e = ccs_report_pdf::write_quarterly(&mut app, &ask, &broken, &path, now()).unwrap_err();
        assert_eq!(e.code, "report.pdf_helper", "{}", broken.display());
        assert!(e.message.fr.contains("réinstallez"), "{}", e.message.fr);
        assert!(!path.exists(), "{} left a file", broken.display());
    }
}

/// The helper reads only a job, bounded, and says what is wrong on its standard error
/// with nothing on its standard output: garbage, an oversize input, data the template
/// cannot read.
#[test]
fn the_helper_refuses_bad_input_with_a_message_and_no_output() {
    use std::io::Write;
    use std::process::Stdio;
    let run = |input: &[u8]| {
        let mut child =
            Command::new(helper()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    };
    let garbage = run(b"%PDF- not a job");
    assert_eq!(garbage.status.code(), Some(2));
    assert!(garbage.stdout.is_empty());
    assert!(String::from_utf8_lossy(&garbage.stderr).contains("not a report job"));

    let oversize = run(&vec![b' '; ccs_report_pdf::job::MAX_JOB_BYTES + 10]);
    assert_eq!(oversize.status.code(), Some(2));
    assert!(oversize.stdout.is_empty());
    assert!(String::from_utf8_lossy(&oversize.stderr).contains("bytes"));

    // A job whose data the template cannot read: Typst's refusal, its own exit code.
    let job = ccs_report_pdf::TypesetJob {
        files: vec![("/data.json".into(), "{ not json".into())],
        today: now().date_naive(),
        ident: "x".into(),
    };
    let refused = run(&job.to_bytes());
    assert_eq!(refused.status.code(), Some(ccs_report_pdf::helper::EXIT_RENDER));
    assert!(refused.stdout.is_empty());
    assert!(!refused.stderr.is_empty());

    let version = Command::new(helper()).arg("--version").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("ccs-report-pdf "));
}
