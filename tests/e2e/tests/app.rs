//! The desktop app end to end: the real `ccs-app` under Xvfb, a real sync server on
//! loopback, and the `ccs` command-line client as the reviewer in Bamako.
//! Run with `xvfb-run -a cargo test -p ccs-e2e --features e2e` after building the
//! workspace (scripts/test.sh does both).

use ccs_core::model::Role;
use ccs_e2e::app::{field, tid, App};
use ccs_e2e::cli::Ccs;
use ccs_e2e::world::World;

/// The passphrase a member chooses at first start.
const PASSPHRASE: &str = "goundam-2026";
const CORRECTION: &str = "Préciser le nombre de présents FDS.";

/// First start: French, the passphrase twice, the server address (pre-filled from
/// `CCS_SERVER_URL`) and the enrollment code; ends on the home screen.
async fn enroll(app: &App, world: &World, code: &str) {
    app.wait("setup-passphrase").await;
    app.click("lang-fr").await;
    let server = app.value_css(&tid("setup-server")).await;
    assert_eq!(server, world.url(), "the server address is pre-filled from CCS_SERVER_URL");
    app.fill("setup-passphrase", PASSPHRASE).await;
    app.fill("setup-passphrase-confirm", PASSPHRASE).await;
    app.fill("setup-code", code).await;
    app.click("setup-enroll").await;
    app.wait("nav-home").await;
}

/// Syncs from the app and waits for the result line.
async fn sync(app: &App) -> String {
    app.click("sync-button").await;
    app.wait_any(&["sync-result", "sync-error"]).await;
    if app.visible(&tid("sync-error")).await.is_some() {
        let e = app.text("sync-error").await;
        app.fail(&format!("sync failed: {e}")).await;
    }
    app.text("sync-result").await
}

/// The id of the one session of today in the CLI's list with `status`.
fn session_with_status(cli: &Ccs, status: &str) -> Option<String> {
    let items = cli.list(&["--kind", "session", "--status", status]);
    items.first().and_then(|i| i["id"].as_str()).map(str::to_string)
}

#[tokio::test]
async fn member_records_syncs_and_fixes_a_returned_session() {
    let world = World::with_committees();
    let reviewer = Ccs::enrolled("reviewer", &world.url(), &world.code(Role::Reviewer));
    reviewer.sync();
    let driver = world.driver();
    let app = App::launch(&driver).await;

    // A Goundam member enrolls the app at first start.
    enroll(&app, &world, &world.member_code()).await;
    sync(&app).await;

    // A session with more present than invited: the form says so beside the field.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("invited", "12").await;
    app.fill_field("present", "15").await;
    app.fill_field("summary", "Situation calme au marché ; patrouille conjointe prévue.").await;
    let error = app.wait_text_css("[data-testid=\"field-error\"][data-path=\"present\"]", "15").await;
    assert!(error.contains("12"), "the error names both counts: {error}");

    // Fixed, the error goes; the session is submitted and synced.
    app.fill_field("present", "9").await;
    app.wait_gone_css("[data-testid=\"field-error\"][data-path=\"present\"]").await;
    app.click("submit-record").await;
    app.wait_text("review-status", "Soumis").await;
    sync(&app).await;

    // The reviewer in Bamako sees it and sends it back with a comment.
    reviewer.sync();
    let id = session_with_status(&reviewer, "submitted").expect("the reviewer received the submitted session");
    let shown = reviewer.show(&id);
    assert_eq!(shown["present"], 9, "{shown}");
    reviewer.review(&id, "needs_correction", Some(CORRECTION));
    reviewer.sync();

    // The member syncs: the session is "À corriger", with the comment.
    sync(&app).await;
    app.click("nav-home").await;
    app.wait_text("home-to-correct", "1").await;
    app.click("nav-session").await;
    let row = format!("[data-testid=\"record-row\"][data-id=\"{id}\"]");
    app.wait_text_css(&row, "À corriger").await;
    app.click_css(&row).await;
    app.wait_text("review-status", "À corriger").await;
    app.wait_text("review-comment", CORRECTION).await;

    // Fixed and submitted again.
    app.click("edit-record").await;
    app.fill_field("attendance.fds.men", "4").await;
    app.fill_field("summary", "Situation calme au marché ; 4 FDS présents, patrouille conjointe prévue.").await;
    app.click("submit-record").await;
    app.wait_text("review-status", "Soumis").await;
    sync(&app).await;

    reviewer.sync();
    assert_eq!(session_with_status(&reviewer, "submitted").as_deref(), Some(id.as_str()), "submitted again");
    let shown = reviewer.show(&id);
    assert!(shown["summary"].as_str().unwrap_or_default().contains("4 FDS"), "{shown}");

    // Lock; a wrong passphrase is refused; the right one unlocks.
    app.click("lock-button").await;
    app.fill("unlock-passphrase", "pas-la-bonne").await;
    app.click("unlock-submit").await;
    app.wait("unlock-error").await;
    app.fill("unlock-passphrase", PASSPHRASE).await;
    app.click("unlock-submit").await;
    app.wait("nav-home").await;
    app.wait_gone("unlock-error").await;

    app.quit().await;
}

#[tokio::test]
async fn typed_text_survives_closing_the_app() {
    let world = World::with_committees();
    let driver = world.driver();
    let text = "Réunion reportée : la salle de la mairie était occupée.";

    let app = App::launch(&driver).await;
    enroll(&app, &world, &world.member_code()).await;
    sync(&app).await;
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("summary", text).await;
    app.wait_text("autosave-state", "Enregistré").await;
    app.quit().await;

    // Reopened: locked, then the draft is where it was left.
    let app = App::launch(&driver).await;
    app.fill("unlock-passphrase", PASSPHRASE).await;
    app.click("unlock-submit").await;
    app.wait("nav-home").await;
    app.click("home-pending").await;
    app.wait_css(&field("summary")).await;
    assert_eq!(app.value_css(&field("summary")).await, text);
    app.quit().await;
}
