//! Exports, read back the way an analyst's tools read them: XLSX with calamine (and its
//! XML unzipped for byte searches), CSV with the csv crate. Real stores, real files.
//!
//! Canaries: words that exist only in a confidential record, a named attendance list or
//! a free-text field; a file made by a role that may not see them, or without asking,
//! must not hold them anywhere, compressed or not.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Reader, Xlsx};
use ccs_core::export::{self, ExportFilter, ExportFormat, ExportRequest, Included, LeftOutWhat, LeftOutWhy};
use ccs_core::model::*;
use ccs_core::store::Store;
use common::*;

const CONF_TITLE: &str = "CANARI-ATELIER-CONFIDENTIEL";
const PSEUDONYM: &str = "PSEUDO-KOUMA-77";
const SUMMARY: &str = "CANARI-RESUME-SEANCE";
const CAPACITIES: &str = "CANARI-CAPACITES";
const RECO_TEXT: &str = "CANARI-TEXTE-RECO";

struct Fixture {
    t: TestStore,
    committee: CommitteeId,
    sessions: Vec<RecordId>,
    assessments: Vec<RecordId>,
    /// The assessment with an allegation against the security forces.
    confidential_assessment: RecordId,
    /// The workshop with a named list.
    named_workshop: RecordId,
    workshop: RecordId,
    recommendation: RecordId,
    approved_session: RecordId,
}

fn approve(r: &mut Record) {
    r.review.push(ReviewEvent {
        id: ItemId::new(),
        at: now(),
        by_device: DeviceId::new(),
        role: Role::Reviewer,
        decision: Decision::Approved,
        comment: None,
        heads: vec![],
    });
}

fn fixture(role: Role) -> Fixture {
    let (mut t, committee) = store_with_committee(role);
    let mut insert = |body: RecordBody, edit: &dyn Fn(&mut Record)| -> RecordId {
        let mut r = Record::new(body, committee, DeviceId::new(), now());
        edit(&mut r);
        t.store.insert_new(&r, now()).unwrap();
        r.id
    };
    let mut sessions = Vec::new();
    for (i, day) in ["2026-09-03", "2026-10-01", "2026-11-05"].iter().enumerate() {
        let mut s = session_body();
        s.date = date(day);
        s.summary = format!("{SUMMARY} {i}");
        sessions.push(insert(RecordBody::Session(s), &|_| {}));
    }
    let mut approved = session_body();
    approved.date = date("2026-11-10");
    let approved_session = insert(RecordBody::Session(approved), &approve);
    sessions.push(approved_session);

    let mut a = assessment_body();
    let mut second = a.threats[0].clone();
    second.id = ItemId::new();
    second.category = ThreatCategory::Banditry;
    second.likelihood = 5;
    second.impact = 5;
    second.existing_capacities = CAPACITIES.into();
    a.threats.push(second);
    let assessment = insert(RecordBody::Assessment(a), &|_| {});
    let mut c = assessment_body();
    c.threats[0].category = ThreatCategory::FdsTensions;
    let confidential_assessment = insert(RecordBody::Assessment(c), &|_| {});

    let mut w = workshop_body();
    w.title = CONF_TITLE.into();
    w.attendees = vec![Attendee {
        id: ItemId::new(),
        pseudonym: PSEUDONYM.into(),
        category: ParticipantCategory::CcsMember,
        sex: Sex::Female,
        youth: true,
    }];
    let named_workshop = insert(RecordBody::Workshop(w), &|_| {});
    let workshop = insert(RecordBody::Workshop(workshop_body()), &|_| {});
    let mut rec = recommendation_body();
    rec.text = RECO_TEXT.into();
    let recommendation = insert(RecordBody::Recommendation(rec), &|_| {});
    Fixture {
        t,
        committee,
        sessions,
        assessments: vec![assessment],
        confidential_assessment,
        named_workshop,
        workshop,
        recommendation,
        approved_session,
    }
}

fn set_role(store: &mut Store, role: Role) {
    let mut id = store.identity().clone();
    id.role = role;
    store.set_identity(id).unwrap();
}

fn request(format: ExportFormat, include: Included) -> ExportRequest {
    ExportRequest { format, filter: ExportFilter::default(), include }
}

fn out_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Every byte an export left in `dir`, and the XML inside each XLSX.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        if path.extension().is_some_and(|x| x == "xlsx") {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).unwrap();
                f.read_to_end(&mut out).unwrap();
            }
        }
        out.extend(bytes);
    }
    out
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    v.sort();
    v
}

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    wb.worksheet_range(name).unwrap()
}

fn headers(range: &calamine::Range<Data>) -> Vec<String> {
    range.rows().next().unwrap().iter().map(|c| c.to_string()).collect()
}

/// The rows of a sheet as maps from header to cell.
fn records(range: &calamine::Range<Data>) -> Vec<HashMap<String, Data>> {
    let h = headers(range);
    range.rows().skip(1).map(|r| h.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

fn filters_text(path: &Path) -> String {
    sheet(path, "Filtres")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" | "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn xlsx_holds_every_record_of_the_filter_once_with_french_labels_and_typed_cells() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let dest = dir.path().join("export.xlsx");
    let summary =
        export::export(&mut f.t.store, &request(ExportFormat::Xlsx, Included::default()), &dest, None, now()).unwrap();
    assert_eq!(summary.files, vec![dest.display().to_string()]);
    assert_eq!(files_in(dir.path()), vec!["export.xlsx"], "no temporary file left");

    let wb: Xlsx<_> = calamine::open_workbook(&dest).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Filtres", "Séances", "Évaluations", "Ateliers", "Recommandations", "Comités"]);

    let sessions = records(&sheet(&dest, "Séances"));
    let mut ids: Vec<String> = sessions.iter().map(|r| r["Identifiant"].to_string()).collect();
    ids.sort();
    let mut expected: Vec<String> = f.sessions.iter().map(|i| i.to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected, "every session once");
    let first = &sessions[0];
    assert_eq!(first["Type de séance"].to_string(), "Ordinaire mensuelle");
    assert_eq!(first["Présidée par"].to_string(), "Maire");
    assert_eq!(first["Comité"].to_string(), "CCS de Goundam");
    assert_eq!(first["Région"].to_string(), "Tombouctou");
    assert_eq!(first["Quorum"].to_string(), "Oui");
    assert!(matches!(first["Date"], Data::DateTime(_)), "a date is a date: {:?}", first["Date"]);
    assert_eq!(first["Date"].as_date(), Some(date("2026-09-03")), "ordered by date");
    assert_eq!(first["Invités"], Data::Float(23.0), "a count is a number");
    assert_eq!(first["FDS : hommes"], Data::Float(4.0));
    assert_eq!(first["Présents : femmes"], Data::Float(2.0));

    // One row per threat; the confidential assessment is not there.
    let threats = records(&sheet(&dest, "Évaluations"));
    assert_eq!(threats.len(), 2);
    assert!(threats.iter().all(|r| r["Identifiant de l’évaluation"].to_string() == f.assessments[0].to_string()));
    assert_eq!(threats[1]["Catégorie de menace"].to_string(), "Banditisme/braquages");
    assert_eq!(threats[1]["Score"], Data::Float(25.0));
    assert_eq!(threats[1]["Niveau de risque"].to_string(), "Très élevé");
    assert_eq!(threats[0]["Menace n°"], Data::Float(1.0));

    let workshops = records(&sheet(&dest, "Ateliers"));
    assert_eq!(workshops.len(), 1);
    assert_eq!(workshops[0]["Identifiant"].to_string(), f.workshop.to_string());
    assert_eq!(workshops[0]["Participants"], Data::Float(15.0));
    assert_eq!(workshops[0]["Partenaire"].to_string(), "DCAF");

    let recs = records(&sheet(&dest, "Recommandations"));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["Identifiant"].to_string(), f.recommendation.to_string());
    assert_eq!(recs[0]["Destinataire"].to_string(), "FDS");
    assert!(matches!(recs[0]["Échéance"], Data::DateTime(_)));

    let committees = records(&sheet(&dest, "Comités"));
    assert_eq!(committees.len(), 1);
    assert_eq!(committees[0]["Identifiant"].to_string(), f.committee.to_string());
    assert_eq!(committees[0]["Membres"], Data::Float(23.0));

    let counts: Vec<(RecordKind, u64, u64)> = summary.counts.iter().map(|c| (c.kind, c.records, c.rows)).collect();
    assert_eq!(
        counts,
        vec![
            (RecordKind::Session, 4, 4),
            (RecordKind::Assessment, 1, 2),
            (RecordKind::Workshop, 1, 1),
            (RecordKind::Recommendation, 1, 1),
            (RecordKind::Committee, 1, 1),
        ]
    );
    // The header row is frozen and filtered.
    let xml = all_bytes(dir.path());
    assert!(holds(&xml, "<autoFilter ref=\"A1:"), "autofilter on every record sheet");
    assert!(holds(&xml, "state=\"frozen\""), "frozen header row");
}

#[test]
fn filters_take_kind_period_status_and_region_and_the_registry_ignores_period_and_status() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let dest = dir.path().join("approuvees.xlsx");
    let mut req = request(ExportFormat::Xlsx, Included::default());
    req.filter = ExportFilter {
        kinds: vec![RecordKind::Session, RecordKind::Committee],
        region: Some("tombouctou".into()),
        date_from: Some(date("2026-10-01")),
        date_to: Some(date("2026-11-30")),
        statuses: vec![ReviewStatus::Approved],
        ..Default::default()
    };
    let summary = export::export(&mut f.t.store, &req, &dest, None, now()).unwrap();
    let wb: Xlsx<_> = calamine::open_workbook(&dest).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Filtres", "Séances", "Comités"]);
    let sessions = records(&sheet(&dest, "Séances"));
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["Identifiant"].to_string(), f.approved_session.to_string());
    assert_eq!(sessions[0]["Statut d’examen"].to_string(), ReviewStatus::Approved.label(ccs_core::i18n::Lang::Fr));
    assert_eq!(records(&sheet(&dest, "Comités")).len(), 1, "the registry is not filtered by period or status");
    assert_eq!(summary.counts.iter().map(|c| c.records).sum::<u64>(), 2);
    let text = filters_text(&dest);
    assert!(text.contains("Du 01/10/2026 au 30/11/2026"), "{text}");
    assert!(text.contains("Région | Tombouctou"), "{text}");

    // Another region: nothing but the header rows.
    let dest = dir.path().join("gao.xlsx");
    req.filter.region = Some("gao".into());
    let summary = export::export(&mut f.t.store, &req, &dest, None, now()).unwrap();
    assert!(summary.counts.iter().all(|c| c.records == 0));
    assert_eq!(sheet(&dest, "Séances").rows().count(), 1);
}

#[test]
fn csv_files_are_utf8_with_bom_semicolons_and_crlf_for_french_excel() {
    let mut f = fixture(Role::Facilitator);
    let dir = out_dir();
    let dest = dir.path().join("export.csv");
    let summary =
        export::export(&mut f.t.store, &request(ExportFormat::Csv, Included::default()), &dest, None, now()).unwrap();
    assert_eq!(
        files_in(dir.path()),
        vec![
            "export-ateliers.csv",
            "export-comites.csv",
            "export-evaluations.csv",
            "export-filtres.csv",
            "export-recommandations.csv",
            "export-seances.csv",
        ]
    );
    assert_eq!(summary.files.len(), 6);
    let bytes = std::fs::read(dir.path().join("export-seances.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF line ends only");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    let h: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&h[..6], ["Identifiant", "Comité", "Région", "Cercle", "Commune", "Date"]);
    assert!(h.contains(&"Thèmes de l’ordre du jour".to_string()));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), f.sessions.len());
    let first: HashMap<&str, &str> = h.iter().map(String::as_str).zip(rows[0].iter()).collect();
    assert_eq!(first["Date"], "03/09/2026");
    assert_eq!(first["Type de séance"], "Ordinaire mensuelle");
    assert_eq!(first["Invités"], "23");

    // A field with the separator or a quote is quoted as Excel expects.
    let mut tricky = session_body();
    tricky.venue_type = VenueType::Other;
    tricky.venue_other = Some("Salle « A » ; annexe \"B\"".into());
    tricky.summary = "=HYPERLINK(\"http://x\")".into();
    let r = Record::new(RecordBody::Session(tricky), f.committee, DeviceId::new(), now());
    f.t.store.insert_new(&r, now()).unwrap();
    let dir = out_dir();
    let dest = dir.path().join("libre.csv");
    let mut req = request(ExportFormat::Csv, Included { free_text: true, ..Default::default() });
    req.filter.kinds = vec![RecordKind::Session];
    export::export(&mut f.t.store, &req, &dest, None, now()).unwrap();
    assert_eq!(files_in(dir.path()), vec!["libre-filtres.csv", "libre-seances.csv"]);
    let raw = std::fs::read_to_string(dir.path().join("libre-seances.csv")).unwrap();
    assert!(raw.contains("\"Salle « A » ; annexe \"\"B\"\"\""), "quoted, quotes doubled");
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b';').from_reader(raw.trim_start_matches('\u{feff}').as_bytes());
    let h: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let row = reader.records().map(Result::unwrap).find(|row| row.get(0) == Some(r.id.to_string().as_str())).unwrap();
    let row: HashMap<&str, &str> = h.iter().map(String::as_str).zip(row.iter()).collect();
    assert_eq!(row["Lieu (précision)"], "Salle « A » ; annexe \"B\"");
    assert_eq!(row["Résumé"], "'=HYPERLINK(\"http://x\")", "a formula is never run by Excel");
}

/// (role, asked, the export is refused with this code or holds these canaries)
#[rstest::rstest]
#[case::facilitator_by_default(Role::Facilitator, Included::default(), Ok(vec![]))]
#[case::facilitator_asking_confidential(Role::Facilitator, Included { confidential: true, ..Default::default() }, Err("export.confidential_refused"))]
#[case::facilitator_asking_names(Role::Facilitator, Included { confidential: true, named_attendance: true, free_text: false }, Err("export.confidential_refused"))]
#[case::member_asking_anything(Role::Member, Included::default(), Err("export.role_not_allowed"))]
#[case::reviewer_by_default(Role::Reviewer, Included::default(), Ok(vec![]))]
#[case::reviewer_names_alone(Role::Reviewer, Included { named_attendance: true, ..Default::default() }, Err("export.names_need_confidential"))]
#[case::reviewer_confidential_without_names(Role::Reviewer, Included { confidential: true, ..Default::default() }, Ok(vec![CONF_TITLE]))]
#[case::reviewer_everything(Role::Reviewer, Included { confidential: true, named_attendance: true, free_text: true }, Ok(vec![CONF_TITLE, PSEUDONYM, SUMMARY, CAPACITIES, RECO_TEXT]))]
#[case::reviewer_free_text_only(Role::Reviewer, Included { free_text: true, ..Default::default() }, Ok(vec![SUMMARY, CAPACITIES, RECO_TEXT]))]
fn confidential_records_names_and_free_text_reach_a_file_only_when_allowed_and_asked(
    #[case] role: Role,
    #[case] include: Included,
    #[case] expected: Result<Vec<&str>, &str>,
) {
    for format in [ExportFormat::Xlsx, ExportFormat::Csv] {
        let mut f = fixture(Role::Reviewer);
        let confidential_id = f.confidential_assessment.to_string();
        let named_id = f.named_workshop.to_string();
        set_role(&mut f.t.store, role);
        let dir = out_dir();
        let dest = dir.path().join(if format == ExportFormat::Xlsx { "export.xlsx" } else { "export.csv" });
        let result = export::export(&mut f.t.store, &request(format, include), &dest, None, now());
        match &expected {
            Err(code) => {
                let e = result.unwrap_err();
                assert_eq!(e.code(), *code, "{role} {include:?}");
                assert!(files_in(dir.path()).is_empty(), "a refusal writes nothing");
            }
            Ok(present) => {
                let summary = result.unwrap();
                let bytes = all_bytes(dir.path());
                for canary in [CONF_TITLE, PSEUDONYM, SUMMARY, CAPACITIES, RECO_TEXT] {
                    assert_eq!(
                        holds(&bytes, canary),
                        present.contains(&canary),
                        "{format:?} by {role} asking {include:?}: {canary}"
                    );
                }
                assert_eq!(holds(&bytes, &confidential_id), include.confidential, "the confidential record's id");
                assert_eq!(holds(&bytes, &named_id), include.confidential, "the named workshop's id");
                // What was left out is stated, with why.
                let left: Vec<(LeftOutWhat, LeftOutWhy)> = summary.left_out.iter().map(|l| (l.what, l.why)).collect();
                if !include.confidential {
                    let why = if role == Role::Reviewer { LeftOutWhy::NotAsked } else { LeftOutWhy::RoleMayNot };
                    assert!(left.contains(&(LeftOutWhat::ConfidentialRecords, why)), "{left:?}");
                    let n = summary.left_out.iter().find(|l| l.what == LeftOutWhat::ConfidentialRecords).unwrap().count;
                    assert_eq!(n, Some(2), "the allegation and the named workshop");
                    assert!(holds(&bytes, "Laissé de côté : fiches confidentielles"));
                }
                assert_eq!(left.contains(&(LeftOutWhat::FreeText, LeftOutWhy::NotAsked)), !include.free_text);
                assert_eq!(holds(&bytes, "Laissé de côté : texte libre"), !include.free_text);
            }
        }
        // Refused or written, the attempt is in the log.
        let log = export::log(&f.t.store, 10).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].role, role);
        assert_eq!(log[0].outcome, expected.as_ref().err().copied().unwrap_or("written"));
    }
}

#[test]
fn named_attendance_is_a_sheet_of_its_own_when_asked() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let dest = dir.path().join("noms.xlsx");
    let all = Included { confidential: true, named_attendance: true, free_text: false };
    export::export(&mut f.t.store, &request(ExportFormat::Xlsx, all), &dest, None, now()).unwrap();
    let people = records(&sheet(&dest, "Participants nommés"));
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["Pseudonyme"].to_string(), PSEUDONYM);
    assert_eq!(people[0]["Sexe"].to_string(), "Femme");
    assert_eq!(people[0]["Jeune"].to_string(), "Oui");
    assert_eq!(people[0]["Identifiant de l’atelier"].to_string(), f.named_workshop.to_string());
    let workshops = records(&sheet(&dest, "Ateliers"));
    let named = workshops.iter().find(|w| w["Identifiant"].to_string() == f.named_workshop.to_string()).unwrap();
    assert_eq!(named["Personnes sur la liste nominative"], Data::Float(1.0));
    assert_eq!(named["Sensibilité"].to_string(), "Confidentiel");

    // Confidential records without the names: the workshop, its count, not the people.
    let dest = dir.path().join("sans-noms.xlsx");
    let conf = Included { confidential: true, ..Default::default() };
    let summary = export::export(&mut f.t.store, &request(ExportFormat::Xlsx, conf), &dest, None, now()).unwrap();
    let wb: Xlsx<_> = calamine::open_workbook(&dest).unwrap();
    assert!(!wb.sheet_names().contains(&"Participants nommés".to_string()));
    let names = summary.left_out.iter().find(|l| l.what == LeftOutWhat::NamedAttendance).unwrap();
    assert_eq!((names.count, names.why), (Some(1), LeftOutWhy::NotAsked));
    assert!(filters_text(&dest).contains("Laissé de côté : listes nominatives | 1 personne(s)"));
}

#[test]
fn free_text_columns_are_absent_by_default_and_named_in_the_filters_sheet() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let dest = dir.path().join("export.xlsx");
    export::export(&mut f.t.store, &request(ExportFormat::Xlsx, Included::default()), &dest, None, now()).unwrap();
    let h = headers(&sheet(&dest, "Séances"));
    assert!(!h.contains(&"Résumé".to_string()) && !h.contains(&"Notes de l’ordre du jour".to_string()));
    assert!(!headers(&sheet(&dest, "Recommandations")).contains(&"Texte".to_string()));
    let text = filters_text(&dest);
    assert!(
        text.contains("Laissé de côté : texte libre | colonnes Séances : Lieu (précision), Séances : Résumé"),
        "{text}"
    );
    assert!(text.contains("Recommandations : Texte"), "{text}");
    assert!(text.contains("Rôle | Examinateur CRSS"), "{text}");
    assert!(text.contains("Fiches exportées : Séances | 4"), "{text}");

    let dest = dir.path().join("texte.xlsx");
    let asked = Included { free_text: true, ..Default::default() };
    export::export(&mut f.t.store, &request(ExportFormat::Xlsx, asked), &dest, None, now()).unwrap();
    let sessions = records(&sheet(&dest, "Séances"));
    assert!(sessions.iter().any(|s| s["Résumé"].to_string().starts_with(SUMMARY)));
    assert!(filters_text(&dest).contains("Texte libre | inclus à la demande de l’utilisateur"));
}

#[test]
fn a_bad_destination_or_filter_writes_nothing_and_says_why() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let plain = dir.path().join("un-fichier");
    std::fs::write(&plain, b"x").unwrap();
    let cases: Vec<(PathBuf, ExportFilter, &str)> = vec![
        (dir.path().join("absent/export.xlsx"), ExportFilter::default(), "export.destination"),
        (plain.join("export.xlsx"), ExportFilter::default(), "export.destination"),
        (dir.path().to_path_buf(), ExportFilter::default(), "export.destination"),
        (
            dir.path().join("export.xlsx"),
            ExportFilter {
                date_from: Some(date("2026-12-01")),
                date_to: Some(date("2026-01-01")),
                ..Default::default()
            },
            "export.bad_filter",
        ),
        (
            dir.path().join("export.xlsx"),
            ExportFilter { region: Some("atlantide".into()), ..Default::default() },
            "export.bad_filter",
        ),
        (
            dir.path().join("export.xlsx"),
            ExportFilter { statuses: vec![ReviewStatus::Deleted], ..Default::default() },
            "export.bad_filter",
        ),
    ];
    for format in [ExportFormat::Xlsx, ExportFormat::Csv] {
        for (dest, filter, code) in &cases {
            let req = ExportRequest { format, filter: filter.clone(), include: Included::default() };
            let e = export::export(&mut f.t.store, &req, dest, None, now()).unwrap_err();
            assert_eq!(e.code(), *code, "{dest:?} {filter:?}");
            assert!(!e.message().fr.is_empty());
            assert_eq!(files_in(dir.path()), vec!["un-fichier"], "nothing written for {dest:?}");
        }
    }
    // An unknown kind does not even make a request.
    let json = r#"{"format":"xlsx","filter":{"kinds":["session","rapport"]}}"#;
    assert!(serde_json::from_str::<ExportRequest>(json).is_err());
    let ok = r#"{"format":"csv","filter":{"kinds":["session"]}}"#;
    assert_eq!(serde_json::from_str::<ExportRequest>(ok).unwrap().filter.kinds, vec![RecordKind::Session]);
}

#[test]
fn a_failed_export_leaves_no_half_file_at_the_destination() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    // The last file cannot be renamed into place (a folder holds its name): the files
    // already renamed are taken back and the temporary ones removed.
    std::fs::create_dir(dir.path().join("export-seances.csv")).unwrap();
    std::fs::write(dir.path().join("export-seances.csv/garde"), b"x").unwrap();
    let e = export::export(
        &mut f.t.store,
        &request(ExportFormat::Csv, Included::default()),
        &dir.path().join("export.csv"),
        None,
        now(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "export.failed");
    assert_eq!(files_in(dir.path()), vec!["export-seances.csv"], "only what was there before");
    let log = export::log(&f.t.store, 10).unwrap();
    assert_eq!(log[0].outcome, "export.failed");
}

#[test]
fn the_export_log_records_each_export_and_never_the_data() {
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let everything = Included { confidential: true, named_attendance: true, free_text: true };
    export::export(&mut f.t.store, &request(ExportFormat::Xlsx, everything), &dir.path().join("a.xlsx"), None, now())
        .unwrap();
    let mut req = request(ExportFormat::Csv, Included::default());
    req.filter.kinds = vec![RecordKind::Recommendation];
    req.filter.statuses = vec![ReviewStatus::Approved];
    export::export(&mut f.t.store, &req, &dir.path().join("b.csv"), None, now()).unwrap();

    let log = export::log(&f.t.store, 10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].file_name.as_str(), log[0].format.as_str()), ("b.csv", "csv"));
    assert_eq!(log[0].filter, req.filter);
    assert_eq!(log[0].included, Included::default());
    assert_eq!(
        log[0].counts.iter().map(|c| (c.kind, c.records)).collect::<Vec<_>>(),
        vec![(RecordKind::Recommendation, 0)]
    );
    assert_eq!(log[1].file_name, "a.xlsx");
    assert_eq!(log[1].included, everything);
    assert_eq!(log[1].device, f.t.store.identity().device_id);
    assert_eq!(log[1].outcome, "written");
    assert_eq!(log[1].counts.iter().find(|c| c.kind == RecordKind::Assessment).unwrap().records, 2);
    let logged = serde_json::to_string(&log).unwrap();
    for canary in [CONF_TITLE, PSEUDONYM, SUMMARY, CAPACITIES, RECO_TEXT] {
        assert!(!logged.contains(canary), "the log holds no data: {canary}");
    }
    // It survives closing the store.
    let path = f.t.path();
    drop(f.t.store);
    let store = Store::open(&path, PASS).unwrap();
    assert_eq!(export::log(&store, 10).unwrap().len(), 2);
}

#[test]
fn the_indicators_sheet_holds_the_indicators_of_the_same_filter() {
    use ccs_core::report::IndicatorParams;
    let mut f = fixture(Role::Reviewer);
    let dir = out_dir();
    let dest = dir.path().join("t4.xlsx");
    let mut req = request(ExportFormat::Xlsx, Included::default());
    req.filter.date_from = Some(date("2026-10-01"));
    req.filter.date_to = Some(date("2026-12-31"));
    export::run(&mut f.t.store, &req, &dest, now()).unwrap();
    let wb: Xlsx<_> = calamine::open_workbook(&dest).unwrap();
    assert_eq!(wb.sheet_names()[..2], ["Filtres", "Indicateurs"]);
    let range = sheet(&dest, "Indicateurs");
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert!(rows.iter().any(|r| r[0] == "Période des indicateurs" && r[1] == "2026-T4"), "{rows:?}");
    let expected =
        f.t.store
            .indicators(&export::indicators::filter_of(&req.filter, now().date_naive()), &IndicatorParams::new(now()))
            .unwrap();
    let value = |label: &str, scope: &str| -> Data {
        range.rows().find(|r| r[0] == label && r[1] == scope).unwrap()[2].clone()
    };
    assert_eq!(expected.sessions.total.held, 3, "October and two in November");
    assert_eq!(value("2. Séances tenues", "Ensemble"), Data::Float(3.0));
    assert_eq!(value("2. Séances tenues", "Région : Tombouctou"), Data::Float(3.0));
    assert_eq!(value("1. Comités enregistrés", "Ensemble"), Data::Float(expected.committees.total.registered as f64));
    assert_eq!(
        value("6. Menaces évaluées", "Ensemble"),
        Data::Float(expected.assessments.total.threats as f64),
        "aggregates count every threat, confidential ones too: no one is named in a count"
    );
}

#[test]
fn a_projection_that_says_less_than_the_document_does_not_let_a_confidential_record_out() {
    // The projection row is what the scan filters on; the document is what gets
    // written. A row out of step (an older build's projection, a damaged index) must
    // not turn a confidential record into an exported one.
    let mut f = fixture(Role::Reviewer);
    let id = f.confidential_assessment;
    f.t.store
        .execute_sql_for_migration_tests(&format!("UPDATE records SET sensitivity = 'restricted' WHERE id = '{id}'"))
        .unwrap();
    let dir = out_dir();
    let summary = export::export(
        &mut f.t.store,
        &request(ExportFormat::Csv, Included::default()),
        &dir.path().join("x.csv"),
        None,
        now(),
    )
    .unwrap();
    assert!(!holds(&all_bytes(dir.path()), &id.to_string()));
    let left = summary.left_out.iter().find(|l| l.what == LeftOutWhat::ConfidentialRecords).unwrap();
    assert_eq!(left.count, Some(2), "still counted as left out");
}

/// The value kept beside each projection row is what the document reads, after a local
/// edit and after a colleague's edit merged in; a record read back from it is the record.
#[test]
fn kept_values_follow_local_edits_and_merged_edits() {
    let mut f = fixture(Role::Reviewer);
    let ids: Vec<RecordId> = f.t.store.document_ids().unwrap();
    for id in &ids {
        assert_eq!(f.t.store.record_value(*id).unwrap(), Some(f.t.store.record(*id).unwrap()), "{id}");
    }
    let id = f.recommendation;
    let mut patch = serde_json::Map::new();
    patch.insert("text".into(), serde_json::json!("Texte corrigé sur place"));
    f.t.store.patch_record(id, patch, now()).unwrap();
    assert_eq!(f.t.store.record_value(id).unwrap(), Some(f.t.store.record(id).unwrap()));

    // A colleague's device holds the same document, edits it offline, and its change is
    // merged here: the kept value follows the merge, not the form's last save.
    let (mut colleague, _) = store_with_committee(Role::Reviewer);
    let header = f.t.store.get(id, now()).unwrap().header;
    colleague.store.apply_changes(&header, &f.t.store.document_bytes(id).unwrap(), now()).unwrap();
    let (base, _) = f.t.store.heads(id).unwrap();
    let mut patch = serde_json::Map::new();
    patch.insert("responsible".into(), serde_json::json!("Chef de village (collègue)"));
    colleague.store.patch_record(id, patch, now()).unwrap();
    let theirs = colleague.store.changes_since(id, &base).unwrap();
    f.t.store.apply_changes(&header, &theirs, now()).unwrap();
    let merged = f.t.store.record(id).unwrap();
    let RecordBody::Recommendation(r) = &merged.body else { panic!("not a recommendation") };
    assert_eq!((r.text.as_str(), r.responsible.as_str()), ("Texte corrigé sur place", "Chef de village (collègue)"));
    assert_eq!(f.t.store.record_value(id).unwrap(), Some(merged));
}

/// An export reads the kept values; without them (a store from before), or with
/// damaged ones or ones written under another model schema, it reads the documents and
/// writes the same rows.
#[test]
fn an_export_without_usable_kept_values_reads_the_documents_and_writes_the_same_rows() {
    let mut f = fixture(Role::Reviewer);
    let everything = Included { confidential: true, named_attendance: true, free_text: true };
    let export_csv = |store: &mut Store| -> Vec<(String, Vec<u8>)> {
        let dir = out_dir();
        export::export(store, &request(ExportFormat::Csv, everything), &dir.path().join("x.csv"), None, now()).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let with_values = export_csv(&mut f.t.store);
    assert!(with_values.len() > 3, "{:?}", with_values.iter().map(|f| &f.0).collect::<Vec<_>>());
    let ids: Vec<String> = f.t.store.document_ids().unwrap().iter().map(|i| i.to_string()).collect();
    // One value damaged, one of another schema, one that is not a record, the rest gone.
    let sql = format!(
        "UPDATE record_values SET value = x'00ff00ff' WHERE id = '{a}';
         UPDATE record_values SET schema = 99 WHERE id = '{b}';
         UPDATE record_values SET value = (SELECT value FROM record_values WHERE id = '{d}') WHERE id = '{c}';",
        a = f.sessions[0],
        b = f.sessions[1],
        c = f.assessments[0],
        d = f.committee,
    );
    f.t.store.execute_sql_for_migration_tests(&sql).unwrap();
    assert_eq!(f.t.store.record_value(f.sessions[0]).unwrap(), None);
    assert_eq!(f.t.store.record_value(f.sessions[1]).unwrap(), None);
    let damaged = export_csv(&mut f.t.store);
    assert_eq!(f.t.store.record_value(f.assessments[0]).unwrap(), None, "another record's value is not this one's");
    f.t.store.execute_sql_for_migration_tests("DELETE FROM record_values").unwrap();
    let without = export_csv(&mut f.t.store);
    assert_eq!(with_values, without, "the documents give the same files");
    assert!(ids.len() > 5);
    assert_eq!(with_values, damaged, "damaged values fall back to the documents");
}
