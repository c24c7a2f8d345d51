//! The desktop app end to end: the real `ccs-app` under Xvfb, a real sync server on
//! loopback, and the `ccs` command-line client as the reviewer in Bamako.
//! Run with `xvfb-run -a cargo test -p ccs-e2e --features e2e` after building the
//! workspace and the front end (scripts/test.sh does all of it).

use ccs_core::model::Role;
use ccs_e2e::app::{field, App};
use ccs_e2e::cli::{Ccs, CLI_PASS};
use ccs_e2e::flows::{self, PASSPHRASE};
use ccs_e2e::world::World;

const CORRECTION: &str = "Préciser le nombre de présents FDS.";

fn field_error(path: &str) -> String {
    format!("[data-testid=\"field-error\"][data-path=\"{path}\"]")
}

/// The autosave indicator once the last change is stored (as the record or a draft).
const AUTOSAVED: &str = "[data-testid=\"autosave-state\"][data-state=\"done\"]";

fn status_badge(status: &str) -> String {
    format!("[data-testid=\"review-status\"][data-status=\"{status}\"]")
}

/// The ids of the sessions the CLI device holds with `status`.
fn sessions_with_status(cli: &Ccs, status: &str) -> Vec<String> {
    cli.list(&["--kind", "session", "--status", status])
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn member_records_syncs_and_fixes_a_returned_session() {
    let world = World::with_committees();
    let reviewer = Ccs::enrolled("reviewer", &world.url(), &world.code(Role::Reviewer));
    reviewer.sync();
    let driver = world.driver();
    let app = App::launch(&driver).await;

    // A member of the Goundam committee enrolls the app at first start, and syncs.
    flows::enroll(&app, &world.url(), &world.member_code()).await;
    flows::sync_and_close(&app).await;

    // A session with more people present than invited: the form says so beside the field.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("invited", "12").await;
    app.fill_field("present", "15").await;
    app.fill_field("summary", "Situation calme au marché ; patrouille conjointe prévue.").await;
    let error = app.wait_text_css(&field_error("present"), "15").await;
    assert!(error.contains("12"), "the error names both counts: {error}");

    // Fixed, the error goes and the session can be submitted.
    app.fill_field("present", "9").await;
    app.wait_gone_css(&field_error("present")).await;
    app.click("submit-record").await;
    app.wait_text_css(&status_badge("submitted"), "Soumis").await;
    let result = flows::sync_and_close(&app).await;
    assert!(!result.is_empty());

    // The reviewer in Bamako receives it and sends it back with a comment.
    reviewer.sync();
    let submitted = sessions_with_status(&reviewer, "submitted");
    assert_eq!(submitted.len(), 1, "the reviewer received the submitted session: {submitted:?}");
    let id = submitted[0].clone();
    let shown = reviewer.show(&id);
    assert_eq!((shown["invited"].as_i64(), shown["present"].as_i64()), (Some(12), Some(9)), "{shown}");
    reviewer.review(&id, "needs_correction", Some(CORRECTION));
    reviewer.sync();

    // The member syncs: the session is "À corriger", on home and in the list, with the
    // reviewer's comment.
    flows::sync_and_close(&app).await;
    app.click("nav-home").await;
    app.wait_css(&format!("[data-testid=\"home-to-correct-item\"][data-id=\"{id}\"]")).await;
    app.click("nav-session").await;
    let row = format!("[data-testid=\"record-row\"][data-id=\"{id}\"]");
    app.wait_text_css(&row, "À corriger").await;
    app.click_css(&row).await;
    app.wait_text_css(&status_badge("needs_correction"), "À corriger").await;
    app.wait_text("review-comment", CORRECTION).await;

    // Fixed and submitted again.
    app.click("edit-record").await;
    app.wait_text("editor-correction", CORRECTION).await;
    app.fill_field("summary", "Situation calme au marché ; 4 FDS présents, patrouille conjointe prévue.").await;
    app.click("submit-record").await;
    app.wait_text_css(&status_badge("submitted"), "Soumis").await;
    flows::sync_and_close(&app).await;

    reviewer.sync();
    assert_eq!(sessions_with_status(&reviewer, "submitted"), vec![id.clone()], "submitted again");
    let shown = reviewer.show(&id);
    assert!(shown["summary"].as_str().unwrap_or_default().contains("4 FDS"), "{shown}");

    // Lock; a wrong passphrase is refused; the right one unlocks.
    flows::lock(&app).await;
    flows::unlock(&app, "pas-la-bonne").await;
    app.wait("unlock-error").await;
    flows::unlock(&app, PASSPHRASE).await;
    app.wait("nav-home").await;
    app.wait_gone("unlock-error").await;

    app.quit().await;
}

#[tokio::test]
async fn typed_text_survives_closing_the_app() {
    let world = World::with_committees();
    let driver = world.driver();
    let saved = "Réunion reportée : la salle de la mairie était occupée.";
    let unfinished = "Séance tenue sous l'arbre à palabres ; liste d'émargement à recopier.";

    let app = App::launch(&driver).await;
    flows::enroll(&app, &world.url(), &world.member_code()).await;
    flows::sync_and_close(&app).await;

    // A valid session: it becomes a record as it is typed.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("summary", saved).await;
    app.wait_css(AUTOSAVED).await;
    app.click("editor-done").await;
    app.wait("record-detail").await;

    // Another one, not valid yet (more present than invited): it stays a draft.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("invited", "5").await;
    app.fill_field("present", "8").await;
    app.fill_field("summary", unfinished).await;
    app.wait_css(&field_error("present")).await;
    app.wait_css(AUTOSAVED).await;
    // Closed as soon as the screen says it is saved: no "save" button, no clean exit.
    app.quit().await;

    // Reopened: locked; once unlocked, both are there as they were typed.
    let app = App::launch(&driver).await;
    flows::unlock(&app, PASSPHRASE).await;
    app.click("home-pending").await;
    app.wait_css(&field_error("present")).await;
    assert_eq!(app.value_css(&field("summary")).await, unfinished);
    assert_eq!(app.value_css(&field("present")).await, "8");

    app.click("nav-session").await;
    app.click("record-row").await;
    app.wait_text("value-summary", saved).await;
    app.quit().await;
}

#[tokio::test]
async fn a_store_made_and_enrolled_by_the_cli_opens_in_the_app() {
    // What scripts/run.sh does: the CLI makes the app's store, enrolls it and syncs.
    let world = World::with_committees();
    let cli = Ccs::init_at(&world.app_data().join("ccs.db"), "member");
    cli.run(&["enroll", "--server", &world.url(), "--code", &world.member_code()]);
    cli.sync();

    let driver = world.driver();
    let app = App::launch(&driver).await;
    flows::unlock(&app, CLI_PASS).await;
    app.wait("nav-home").await;
    app.click("nav-committee").await;
    app.wait_text("record-row", "Goundam").await;
    flows::sync_and_close(&app).await;
    app.quit().await;
}
