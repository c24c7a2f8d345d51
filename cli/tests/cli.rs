//! The `ccs` binary end to end: every test drives the real executable on a store in a
//! temporary directory (with fast key derivation) and checks what a user or a script
//! sees: stdout, one-line errors on stderr, exit statuses, and what is left on disk.

mod common;

use common::*;
use serde_json::Value;

// ---------------------------------------------------------------- init, demo, list, show

#[test]
fn init_prints_the_device_id_alone_on_the_first_line() {
    let s = TestStore::empty();
    let out = s.run(&["init", "--role", "facilitator", "--region", "tombouctou"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.lines().next().expect("a first line");
    assert_eq!(first.len(), 36, "{first}");
    assert_eq!(first.matches('-').count(), 4, "{first}");
    assert!(stderr(&out).contains("CCS_KDF_FAST"), "the weak-KDF warning is printed");
    assert!(s.db.exists() && s.kdf().exists());
}

#[test]
fn init_refuses_an_existing_store_and_a_weak_passphrase() {
    let s = TestStore::init(&[]);
    assert_one_line_error(&s.run(&["init"]), 1, "store.exists");

    let fresh = TestStore::empty();
    let out = fresh.run_with_passphrase("123456", &["init"]);
    assert_one_line_error(&out, 1, "passphrase.weak");
    assert!(!fresh.db.exists());
}

#[test]
fn init_refuses_an_unknown_role_listing_the_roles() {
    let s = TestStore::empty();
    let line = assert_one_line_error(&s.run(&["init", "--role", "chef"]), 1, "cli.bad_value");
    assert!(line.contains("member, facilitator, reviewer, admin"), "{line}");
    assert!(!s.db.exists());
}

#[test]
fn demo_year_adds_a_year_of_records_with_work_waiting_for_review() {
    let s = TestStore::init(&["--role", "reviewer"]);
    let demo = s.ok(&["demo", "--year", "--seed", "7"]);
    let lines: Vec<&str> = demo.lines().collect();
    assert_eq!(lines.len(), 2, "the demo, then the year: {demo}");
    assert!(lines[0].contains("6 comité(s)") && !lines[1].contains(" 6 comité(s)"), "{demo}");
    let waiting = s.json(&["list", "--status", "validated", "--json"])["total"].as_u64();
    assert!(waiting.is_some_and(|n| n >= 10), "validated records wait for the CRSS: {waiting:?}");
    // A seed without --year is refused: it would silently do nothing.
    assert!(!s.run(&["demo", "--seed", "7"]).status.success());
}

#[test]
fn demo_fills_the_store_and_list_shows_french_labels_and_a_count() {
    let s = TestStore::init(&["--role", "admin"]);
    let demo = s.ok(&["demo"]);
    assert!(demo.contains("6 comité(s)"), "{demo}");

    let table = s.ok(&["list", "--kind", "session", "--limit", "5"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("STATUT") && lines[0].contains("TITRE"), "{table}");
    assert_eq!(lines.len(), 1 + 5 + 1, "{table}");
    assert!(table.contains("Séance"), "{table}");
    assert!(table.contains("Soumis") || table.contains("Non soumis") || table.contains("Approuvé"), "{table}");
    assert_eq!(*lines.last().expect("count"), "5 fiche(s) sur 18");

    let en = s.ok(&["--lang", "en", "list", "--kind", "session", "--limit", "5"]);
    assert!(en.contains("Session") && en.ends_with("5 record(s) of 18\n"), "{en}");
}

#[test]
fn list_json_filters_by_kind_status_commune_and_text() {
    let s = TestStore::with_demo("admin");
    let page = s.json(&["list", "--json", "--kind", "committee"]);
    assert_eq!(page["total"], 6);
    assert!(page["items"].as_array().expect("items").iter().all(|i| i["kind"] == "committee"));

    let approved = s.json(&["list", "--json", "--status", "approved"]);
    assert!(approved["total"].as_u64().expect("total") > 0);
    assert!(approved["items"].as_array().expect("items").iter().all(|i| i["status"] == "approved"));

    let goundam = s.json(&["list", "--json", "--commune", "tombouctou/goundam/goundam"]);
    assert!(goundam["total"].as_u64().expect("total") > 0);

    let text = s.json(&["list", "--json", "--q", "lampadaires"]);
    assert!(text["total"].as_u64().expect("total") > 0, "{text}");

    let paged = s.json(&["list", "--json", "--limit", "2", "--offset", "2"]);
    assert_eq!(paged["items"].as_array().expect("items").len(), 2);
    assert_eq!(paged["offset"], 2);
}

#[test]
fn list_refuses_bad_filters_with_one_line() {
    let s = TestStore::init(&[]);
    assert_one_line_error(&s.run(&["list", "--kind", "rapport"]), 1, "cli.unknown_kind");
    assert_one_line_error(&s.run(&["list", "--from", "12/03/2025"]), 1, "cli.bad_date");
    assert_one_line_error(&s.run(&["list", "--committee", "goundam"]), 1, "cli.bad_id");
    assert_one_line_error(&s.run(&["list", "--status", "fini"]), 1, "cli.bad_value");
    assert_one_line_error(&s.run(&["list", "--limit", "beaucoup"]), 1, "cli.usage");
}

#[test]
fn show_prints_a_readable_view_with_labels_and_review_trail() {
    let s = TestStore::with_demo("admin");
    let id = &s.ids(&["--kind", "session", "--status", "needs_correction"])[0];
    let text = s.ok(&["show", id]);
    assert!(text.starts_with("Séance ordinaire mensuelle du "), "{text}");
    assert!(text.contains("Statut: À corriger"), "{text}");
    assert!(text.contains("venue_type: Mairie") || text.contains("venue_type: Gouvernorat"), "{text}");
    assert!(text.contains("attendance[0].college: FDS"), "{text}");
    assert!(text.contains("Examen"), "{text}");
    assert!(text.contains("Examinateur CRSS  À corriger — Le total par collège"), "{text}");
}

#[test]
fn show_json_prints_the_record_with_errors_conflicts_and_flags() {
    let s = TestStore::with_demo("admin");
    let id = &s.ids(&["--kind", "assessment"])[0];
    let v = s.json(&["show", id, "--json"]);
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["kind"], "assessment");
    assert!(v["threats"].as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(v["errors"], Value::Array(vec![]));
    assert_eq!(v["conflicts"], Value::Array(vec![]));
    assert_eq!(v["dirty"], true);
    assert_eq!(v["read_only"], false);
}

#[test]
fn history_lists_creation_and_edits() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let file = s.fixture("session_goundam.json", &committee);
    let id = s.ok(&["add", "session", file.to_str().expect("path")]).trim().to_string();
    s.ok(&["edit", &id, fixture_path("session_patch.json").to_str().expect("path")]);
    let history = s.ok(&["history", &id]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 2, "{history}");
    // Both changes are listed; their order within the same second is not causal yet
    // (core sorts by timestamp then hash).
    assert!(lines.iter().any(|l| l.ends_with("  create")), "{history}");
    assert!(lines.iter().any(|l| l.ends_with("  edit")), "{history}");
}

// ---------------------------------------------------------------- add

#[test]
fn add_saves_a_valid_session_and_prints_its_id() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let before = s.total();
    let file = s.fixture("session_goundam.json", &committee);
    let out = s.ok(&["add", "session", file.to_str().expect("path")]);
    let id = out.trim();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert_eq!(s.total(), before + 1);

    let v = s.json(&["show", id, "--json"]);
    assert_eq!(v["committee_id"], committee.as_str());
    assert_eq!(v["present"], 18);
    assert_eq!(v["derived"]["quorum"], true);
    assert_eq!(v["derived"]["attendance_women"], 3);
    let listed = s.json(&["list", "--json", "--committee", &committee, "--kind", "session"]);
    assert!(listed["items"].as_array().expect("items").iter().any(|i| i["id"] == id));
}

#[test]
fn add_saves_a_valid_assessment_filed_under_its_commune() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS d’Alafia");
    let file = s.fixture("assessment_alafia.json", &committee);
    let id = s.ok(&["add", "assessment", file.to_str().expect("path")]).trim().to_string();
    let v = s.json(&["show", &id, "--json"]);
    assert_eq!(v["zone"]["commune"], "tombouctou/tombouctou/alafia");
    assert_eq!(v["derived"]["threats"][0]["score"], 12);
    assert_eq!(v["sensitivity"], "restricted");
    let listed = s.ids(&["--commune", "tombouctou/tombouctou/alafia", "--kind", "assessment"]);
    assert!(listed.contains(&id));
}

#[test]
fn add_reads_the_record_from_stdin() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let text = std::fs::read_to_string(s.fixture("session_goundam.json", &committee)).expect("read");
    let mut child = s
        .command(&["add", "session", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim().len(), 36);
}

#[test]
fn add_reports_every_field_error_and_saves_nothing() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let before = s.total();

    let file = s.fixture("session_invalid.json", &committee);
    let out = s.run(&["add", "session", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_no_crash(&err);
    for expected in [
        "date: La date ne peut pas être dans le futur. (date.in_future)",
        "present: 30 présents pour 23 invités",
        "(attendance.present_exceeds_invited)",
        "attendance[0].women: Un nombre ne peut pas être négatif. (count.negative)",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    assert!(err.lines().last().expect("summary").ends_with("[record.invalid]"), "{err}");
    assert!(stdout(&out).is_empty());

    let file = s.fixture("assessment_invalid.json", &committee);
    let out = s.run(&["add", "assessment", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("threats[0].likelihood: Valeur 7 hors de l’échelle 1 à 5. (threat.scale_out_of_range)"),
        "{err}"
    );
    assert!(err.contains("zone.commune: « tombouctou/goundam/atlantide » n’est pas une commune connue"), "{err}");
    assert!(err.contains("(commune.unknown)"), "{err}");

    assert_eq!(s.total(), before, "nothing was saved");
}

#[test]
fn add_prints_field_errors_in_english_with_lang_en() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let file = s.fixture("session_invalid.json", &committee);
    let out = s.run(&["--lang", "en", "add", "session", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("date: The date cannot be in the future. (date.in_future)"), "{err}");
    assert!(err.lines().last().expect("line").starts_with("error: The record has errors: nothing was saved"), "{err}");
}

#[test]
fn add_refuses_malformed_json_wrong_types_and_unknown_fields() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let before = s.total();
    for (fixture, code, hint) in [
        ("malformed.json", "input.syntax", "Données illisibles"),
        ("session_wrong_types.json", "input.fields", "vingt-trois"),
        ("session_unknown_field.json", "input.fields", "gps"),
    ] {
        let file = s.fixture(fixture, &committee);
        let line = assert_one_line_error(&s.run(&["add", "session", file.to_str().expect("path")]), 2, code);
        assert!(line.contains(hint), "{fixture}: {line}");
    }
    let not_object = s.write("list.json", "[1, 2, 3]");
    assert_one_line_error(&s.run(&["add", "session", not_object.to_str().expect("path")]), 2, "input.not_an_object");
    let bad_committee =
        s.write("bad_committee.json", r#"{"committee_id": "goundam", "session_type": "ordinaire_mensuelle"}"#);
    assert_one_line_error(&s.run(&["add", "session", bad_committee.to_str().expect("path")]), 2, "input.bad_value");
    assert_eq!(s.total(), before);
}

#[test]
fn add_refuses_an_unknown_kind_listing_the_kinds() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let file = s.fixture("session_goundam.json", &committee);
    let line = assert_one_line_error(&s.run(&["add", "rapport", file.to_str().expect("path")]), 1, "cli.unknown_kind");
    assert!(line.contains("session, assessment, workshop, recommendation, committee"), "{line}");
}

#[test]
fn add_refuses_oversize_text_with_text_too_long() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let before = s.total();
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(s.fixture("session_goundam.json", &committee)).expect("read"))
            .expect("json");
    v["summary"] = Value::String("é".repeat(30_000));
    let file = s.write("long.json", &v.to_string());
    let out = s.run(&["add", "session", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("summary: Texte trop long : 30000 caractères, 20000 au plus. (text.too_long)"), "{err}");
    assert_eq!(s.total(), before);
}

#[test]
fn add_refuses_a_file_over_one_mebibyte_before_parsing_it() {
    let s = TestStore::with_demo("admin");
    let before = s.total();
    // Not even JSON: the size is refused before anything is parsed.
    let big = s.write("big.json", &"x".repeat(1024 * 1024 + 1));
    let line = assert_one_line_error(&s.run(&["add", "session", big.to_str().expect("path")]), 2, "input.too_large");
    assert!(line.contains("1048576"), "{line}");
    assert_eq!(s.total(), before);
}

#[test]
fn add_reports_a_missing_file() {
    let s = TestStore::init(&[]);
    let line = assert_one_line_error(&s.run(&["add", "session", "/nonexistent/seance.json"]), 1, "cli.file_not_found");
    assert!(line.contains("/nonexistent/seance.json"), "{line}");
}

#[test]
fn add_refuses_a_session_for_an_unknown_committee() {
    let s = TestStore::with_demo("admin");
    let file = s.fixture("session_goundam.json", "01890a5d-ac96-774b-bcce-b302099a8057");
    let out = s.run(&["add", "session", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("committee_id: Comité 01890a5d-ac96-774b-bcce-b302099a8057 inconnu"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------- ids and records

#[test]
fn bad_uuid_and_unknown_record_are_one_line_errors() {
    let s = TestStore::with_demo("admin");
    assert_one_line_error(&s.run(&["show", "pas-un-uuid"]), 1, "cli.bad_id");
    let line = assert_one_line_error(&s.run(&["show", "01890a5d-ac96-774b-bcce-b302099a8057"]), 1, "record.not_found");
    assert!(line.contains("Fiche introuvable (01890a5d-ac96-774b-bcce-b302099a8057)"), "{line}");
    assert_one_line_error(&s.run(&["history", "01890a5d-ac96-774b-bcce-b302099a8057"]), 1, "record.not_found");
    assert_one_line_error(
        &s.run(&[
            "edit",
            "01890a5d-ac96-774b-bcce-b302099a8057",
            fixture_path("session_patch.json").to_str().expect("path"),
        ]),
        1,
        "record.not_found",
    );
}

#[test]
fn usage_errors_are_one_line() {
    let s = TestStore::init(&[]);
    assert_one_line_error(&s.run(&["frobnicate"]), 1, "cli.usage");
    assert_one_line_error(&s.run(&["show"]), 1, "cli.usage");
    assert_one_line_error(&s.run(&["--lang", "de", "list"]), 1, "cli.usage");
    let out = s.run(&["--help"]);
    assert!(out.status.success());
    assert!(!stdout(&out).contains("stress-write"), "the test aid is hidden from help");
}

#[test]
fn a_missing_store_is_reported_without_asking_a_passphrase() {
    let s = TestStore::empty();
    let line = assert_one_line_error(
        &s.command(&["list"]).env_remove("CCS_PASSPHRASE").output().expect("run"),
        1,
        "store.not_found",
    );
    assert!(line.contains("terrain.db"), "{line}");
    let mut no_db = s.command(&["list"]);
    no_db.env_remove("CCS_DB");
    assert_one_line_error(&no_db.output().expect("run"), 1, "cli.no_db");
}

// ---------------------------------------------------------------- edit

#[test]
fn edit_is_a_partial_update() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let file = s.fixture("session_goundam.json", &committee);
    let id = s.ok(&["add", "session", file.to_str().expect("path")]).trim().to_string();
    let before = s.json(&["show", &id, "--json"]);

    let out = s.ok(&["edit", &id, fixture_path("session_patch.json").to_str().expect("path")]);
    assert_eq!(out.trim(), id);
    let after = s.json(&["show", &id, "--json"]);
    assert_eq!(after["minutes_status"], "signe");
    assert!(after["summary"].as_str().expect("summary").starts_with("Procès-verbal signé"));
    for unchanged in ["present", "invited", "attendance", "agenda", "date", "venue_type", "created_at"] {
        assert_eq!(after[unchanged], before[unchanged], "{unchanged} changed");
    }

    // An invalid patch is refused with its field errors and changes nothing.
    let bad = s.write("bad_patch.json", r#"{"present": 40}"#);
    let out = s.run(&["edit", &id, bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("(attendance.present_exceeds_invited)"), "{}", stderr(&out));
    assert_eq!(s.json(&["show", &id, "--json"])["present"], 18);

    // Read-only keys may not be changed.
    let ro = s.write("ro_patch.json", r#"{"created_by": "01890a5d-ac96-774b-bcce-b302099a8057"}"#);
    assert_one_line_error(&s.run(&["edit", &id, ro.to_str().expect("path")]), 2, "input.read_only");
}

// ---------------------------------------------------------------- review

#[test]
fn member_submits_a_draft_and_may_not_approve() {
    let s = TestStore::with_demo("member");
    let draft = &s.ids(&["--status", "draft", "--kind", "assessment"])[0];
    let out = s.ok(&["review", draft, "--decision", "submitted"]);
    assert!(out.contains("statut « Soumis »"), "{out}");
    assert_eq!(s.json(&["show", draft, "--json"])["review_status"], "submitted");

    let line =
        assert_one_line_error(&s.run(&["review", draft, "--decision", "approved"]), 1, "review.role_not_allowed");
    assert!(line.contains("« Membre du CCS »"), "{line}");
    assert_one_line_error(&s.run(&["review", draft, "--decision", "finished"]), 1, "cli.bad_value");
}

#[test]
fn reviewer_requests_a_correction_with_a_comment_and_approves() {
    let s = TestStore::with_demo("reviewer");
    let submitted = s.ids(&["--status", "submitted"]);
    assert!(submitted.len() >= 2);

    assert_one_line_error(
        &s.run(&["review", &submitted[0], "--decision", "needs_correction"]),
        1,
        "review.comment_required",
    );
    let out = s.ok(&[
        "review",
        &submitted[0],
        "--decision",
        "needs_correction",
        "--comment",
        "Préciser le nombre de FDS présents.",
    ]);
    assert!(out.contains("À corriger"), "{out}");
    let shown = s.ok(&["show", &submitted[0]]);
    assert!(shown.contains("À corriger — Préciser le nombre de FDS présents."), "{shown}");

    s.ok(&[
        "review",
        &submitted[1],
        "--decision",
        "approved",
        "--comment",
        "Facilitateur absent : approuvée directement.",
    ]);
    assert_eq!(s.json(&["show", &submitted[1], "--json"])["review_status"], "approved");
    let line = assert_one_line_error(
        &s.run(&["review", &submitted[1], "--decision", "approved"]),
        1,
        "review.not_from_status",
    );
    assert!(line.contains("« Approuvé »"), "{line}");

    // What the CRSS approved stays on file until reopened.
    let patch = s.write("patch.json", r#"{"notes": "modifié après approbation"}"#);
    let kind = s.json(&["show", &submitted[1], "--json"])["kind"].as_str().expect("kind").to_string();
    if kind == "assessment" {
        assert_one_line_error(&s.run(&["edit", &submitted[1], patch.to_str().expect("path")]), 1, "record.locked");
    } else {
        let summary = s.write("summary.json", r#"{"summary": "modifié après approbation"}"#);
        assert_one_line_error(&s.run(&["edit", &submitted[1], summary.to_str().expect("path")]), 1, "record.locked");
    }
}

// ---------------------------------------------------------------- passphrase and damage

#[test]
fn wrong_passphrase_exits_3_and_the_store_still_opens_with_the_right_one() {
    let s = TestStore::with_demo("admin");
    let before = std::fs::read(&s.db).expect("read db");
    let line = assert_one_line_error(&s.run_with_passphrase("tonka-2025", &["list"]), 3, "store.wrong_passphrase");
    // The sentence the app shows too: one wording in every place.
    assert!(line.contains("Code secret incorrect."), "{line}");
    assert_eq!(std::fs::read(&s.db).expect("read db"), before);
    assert!(s.total() > 0);
}

#[test]
fn passwd_changes_the_passphrase_and_only_the_new_one_opens() {
    let s = TestStore::with_demo("admin");
    let total = s.total();
    let out = s.command(&["passwd"]).env("CCS_NEW_PASSPHRASE", "menaka-2027").output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_one_line_error(&s.run(&["list"]), 3, "store.wrong_passphrase");
    let listed = s.run_with_passphrase("menaka-2027", &["list", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let page: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(page["total"].as_u64(), Some(total));

    let weak = s
        .command(&["passwd"])
        .env("CCS_PASSPHRASE", "menaka-2027")
        .env("CCS_NEW_PASSPHRASE", "1234")
        .output()
        .expect("run");
    assert_one_line_error(&weak, 1, "passphrase.weak");
}

fn files_unchanged_after(s: &TestStore, args: &[&str], code: &str) {
    let before = std::fs::read(&s.db).expect("read db");
    let out = s.run(args);
    assert_one_line_error(&out, 1, code);
    assert_eq!(std::fs::read(&s.db).expect("read db"), before, "the store file was modified");
}

#[test]
fn a_truncated_store_is_reported_in_one_line_and_left_untouched() {
    let s = TestStore::with_demo("admin");
    let bytes = std::fs::read(&s.db).expect("read db");
    std::fs::write(&s.db, &bytes[..bytes.len() / 2]).expect("truncate");
    files_unchanged_after(&s, &["list"], "store.corrupt");
    files_unchanged_after(&s, &["show", "01890a5d-ac96-774b-bcce-b302099a8057"], "store.corrupt");
}

#[test]
fn a_corrupted_store_is_reported_in_one_line_and_left_untouched() {
    let s = TestStore::with_demo("admin");
    let ids = s.ids(&[]);
    let mut bytes = std::fs::read(&s.db).expect("read db");
    // Damage at every eighth of the file (past the first page): whichever pages hold the
    // projection and the documents in this layout (the relay's tables moved them), some
    // command reads one of them.
    let len = bytes.len();
    for at in (1..8).map(|i| len * i / 8) {
        bytes[at..at + 64].fill(0x55);
    }
    std::fs::write(&s.db, &bytes).expect("corrupt");

    // Whatever command meets the damaged page reports it in one line, without touching
    // the file; the others may still work.
    let mut reported = 0;
    let mut commands: Vec<Vec<&str>> = vec![vec!["list"], vec!["list", "--q", "marché"]];
    commands.extend(ids.iter().map(|id| vec!["show", id.as_str()]));
    for args in &commands {
        let out = s.run(args);
        assert_no_crash(&stderr(&out));
        if !out.status.success() {
            assert_one_line_error(&out, 1, "store.corrupt");
            reported += 1;
        }
        assert_eq!(std::fs::read(&s.db).expect("read db"), bytes, "ccs {args:?} modified the file");
    }
    assert!(reported > 0, "no command noticed the damage");
}

#[test]
fn a_damaged_or_missing_key_file_is_reported_in_one_line() {
    let s = TestStore::with_demo("admin");
    std::fs::write(s.kdf(), b"{\"format\": 1, \"salt\": ").expect("damage kdf");
    let line = assert_one_line_error(&s.run(&["list"]), 1, "store.key_file");
    assert!(line.contains(".kdf"), "{line}");
    std::fs::remove_file(s.kdf()).expect("remove kdf");
    assert_one_line_error(&s.run(&["list"]), 1, "store.key_file");
}

#[test]
fn store_files_do_not_contain_record_text_in_clear() {
    let s = TestStore::with_demo("admin");
    let committee = s.committee("CCS de Goundam");
    let secret = "Tamboura-Xylophone-7731";
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(s.fixture("session_goundam.json", &committee)).expect("read"))
            .expect("json");
    v["summary"] = Value::String(format!("Réunion avec {secret} au marché."));
    let file = s.write("secret.json", &v.to_string());
    let id = s.ok(&["add", "session", file.to_str().expect("path")]).trim().to_string();
    assert!(s.ok(&["show", &id]).contains(secret));
    std::fs::remove_file(&file).expect("remove input");

    let mut found = Vec::new();
    for path in [s.db.clone(), s.wal(), common::with_suffix(&s.db, "-shm"), s.kdf()] {
        if let Ok(bytes) = std::fs::read(&path) {
            for needle in [secret.as_bytes(), b"Tamboura", b"CCS de Goundam", b"SQLite format 3"] {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(format!("{} in {}", String::from_utf8_lossy(needle), path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "clear text on disk: {found:?}");
}

// ---------------------------------------------------------------- conflicts

#[test]
fn conflicts_report_none_and_resolving_a_field_without_conflict_is_refused() {
    let s = TestStore::with_demo("admin");
    assert_eq!(s.ok(&["conflicts"]).trim(), "Aucune fiche en conflit.");
    let id = &s.ids(&["--kind", "session"])[0];
    assert_eq!(s.ok(&["conflicts", id]).trim(), "Aucun conflit.");
    assert_one_line_error(&s.run(&["resolve", id, "summary", "0"]), 1, "conflict.not_found");
    assert_one_line_error(&s.run(&["resolve", id, "threats[x]", "0"]), 1, "conflict.bad_path");
}

// ---------------------------------------------------------------- reference data

#[test]
fn ref_list_shows_regions_and_children_valid_on_a_date() {
    let s = TestStore::init(&[]);
    let regions = s.ok(&["ref", "list"]);
    assert!(regions.contains("tombouctou") && regions.contains("Ménaka"), "{regions}");
    let before = s.ok(&["ref", "list", "--parent", "tombouctou/goundam", "--on", "2020-01-01"]);
    let after = s.ok(&["ref", "list", "--parent", "tombouctou/goundam", "--on", "2024-01-01"]);
    assert!(before.contains("tombouctou/goundam/tonka"), "{before}");
    assert!(!after.contains("tombouctou/goundam/tonka"), "{after}");
    assert_one_line_error(&s.run(&["ref", "list", "--level", "village"]), 1, "cli.bad_value");
}

#[test]
fn admin_adds_a_commune_and_records_may_use_it() {
    let s = TestStore::with_demo("admin");
    let out = s.ok(&["ref", "add", "--level", "commune", "--name", "Adarmalane", "--parent", "tombouctou/goundam"]);
    assert!(out.contains("tombouctou/goundam/adarmalane"), "{out}");
    assert!(s.ok(&["ref", "list", "--parent", "tombouctou/goundam"]).contains("Adarmalane"));
    assert_one_line_error(
        &s.run(&["ref", "add", "--level", "commune", "--name", "Adarmalane", "--parent", "tombouctou/goundam"]),
        1,
        "reference.duplicate_code",
    );

    let committee = s.committee("CCS de Goundam");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(s.fixture("assessment_alafia.json", &committee)).expect("read"))
            .expect("json");
    v["zone"]["commune"] = Value::String("tombouctou/goundam/adarmalane".into());
    let file = s.write("adarmalane.json", &v.to_string());
    s.ok(&["add", "assessment", file.to_str().expect("path")]);
}

#[test]
fn only_an_admin_extends_the_reference_data() {
    let s = TestStore::init(&["--role", "member"]);
    assert_one_line_error(
        &s.run(&["ref", "add", "--level", "commune", "--name", "Adarmalane", "--parent", "tombouctou/goundam"]),
        1,
        "record.forbidden",
    );
    assert_one_line_error(
        &s.run(&["ref", "add", "--level", "commune", "--name", "Adarmalane"]),
        1,
        "cli.parent_required",
    );
}

// ---------------------------------------------------------------- wipe

#[test]
fn wipe_needs_yes_and_removes_the_files() {
    let s = TestStore::with_demo("admin");
    assert_one_line_error(&s.run(&["wipe"]), 1, "cli.wipe_needs_yes");
    assert!(s.db.exists());

    let out = s.command(&["wipe", "--yes"]).env_remove("CCS_PASSPHRASE").output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    for p in [s.db.clone(), s.kdf(), s.wal(), common::with_suffix(&s.db, "-shm")] {
        assert!(!p.exists(), "{} still exists", p.display());
    }
    assert_one_line_error(&s.run(&["list"]), 1, "store.not_found");
    assert_one_line_error(&s.run(&["wipe", "--yes"]), 1, "store.not_found");
}

// ---------------------------------------------------------------- report pdf

/// The quarter of today (the CLI's demo records are dated from the clock).
fn this_quarter() -> String {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    format!("{}-T{}", today.year(), today.month0() / 3 + 1)
}

#[test]
fn report_pdf_writes_the_quarterly_report_of_the_demo() {
    let s = TestStore::init(&["--role", "reviewer"]);
    s.ok(&["demo"]);
    let path = s.dir.path().join("rapport.pdf");
    let quarter = this_quarter();
    let out = s.ok(&["report", "pdf", "--quarter", &quarter, "--out", path.to_str().unwrap(), "--basis", "all"]);
    assert!(out.contains("Rapport trimestriel") && out.contains(&quarter), "{out}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF was written");

    let regional = s.dir.path().join("gao.pdf");
    s.ok(&["report", "pdf", "--quarter", &quarter, "--out", regional.to_str().unwrap(), "--region", "gao"]);
    assert!(std::fs::read(&regional).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn report_pdf_refuses_a_bad_quarter_basis_or_region_with_a_code_and_writes_nothing() {
    let s = TestStore::init(&["--role", "reviewer"]);
    let path = s.dir.path().join("rapport.pdf");
    let file = path.to_str().unwrap();
    let line = assert_one_line_error(
        &s.run(&["report", "pdf", "--quarter", "2026-T5", "--out", file]),
        1,
        "report.bad_quarter",
    );
    assert!(line.contains("2026-T5"), "the bad value is shown: {line}");
    assert_one_line_error(&s.run(&["report", "pdf", "--quarter", "T4", "--out", file]), 1, "report.bad_quarter");
    assert_one_line_error(
        &s.run(&["report", "pdf", "--quarter", "2026-T4", "--out", file, "--basis", "some"]),
        1,
        "report.bad_basis",
    );
    assert_one_line_error(
        &s.run(&["report", "pdf", "--quarter", "2026-T4", "--out", file, "--region", "atlantide"]),
        1,
        "report.unknown_region",
    );
    assert!(!path.exists(), "nothing written after a refusal");
}
