//! The desktop app end to end: the real `ccs-app` under Xvfb, a real sync server on
//! loopback, and the `ccs` command-line client as the reviewer in Bamako.
//! Run with `xvfb-run -a cargo test -p ccs-e2e --features e2e` after building the
//! workspace and the front end (scripts/test.sh does all of it).

use ccs_core::model::Role;
use ccs_e2e::app::{field, tid, App};
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
    // A member follows her committee, not the country: no « Indicateurs » in her menu.
    assert!(app.visible(&tid("nav-indicators")).await.is_none(), "a member's menu has no dashboard");

    // A session with more people present than invited: the form says so beside the field.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("invited", "12").await;
    app.fill_field("present", "15").await;
    app.fill_field("summary", "Situation calme au marché ; patrouille conjointe prévue.").await;
    let error = app.wait_text_css(&field_error("present"), "15").await;
    assert!(error.contains("12"), "the error names both counts: {error}");

    // The quorum does not say « atteint » under the red error.
    app.wait_text("quorum", "Quorum non calculable").await;
    // The heading says « Nouvelle séance » only while the session does not exist.
    app.wait_text_css("#editor-title", "Nouvelle séance").await;
    // The date reads day first whatever the system locale.
    let today = chrono::Local::now().format("%d/%m/%Y").to_string();
    assert_eq!(app.value_css(&field("date")).await, today, "the date field shows jj/mm/aaaa");
    // A count typed in words says why it is not taken, beside the field.
    app.fill_field("invited", "douze").await;
    app.wait_text("entry-error", "« douze » n’est pas accepté").await;
    app.fill_field("invited", "12").await;
    app.wait_gone("entry-error").await;

    // Fixed, the error goes; « Soumettre » first asks her to check the choices the form
    // made for her, next to the button.
    app.fill_field("present", "9").await;
    app.wait_gone_css(&field_error("present")).await;
    app.wait_text("quorum", "Quorum atteint").await;
    app.wait("to-verify").await;
    app.click("submit-record").await;
    app.wait_text("submit-error", "à vérifier").await;
    flows::keep_prefilled_choices(&app).await;
    // The session exists now: the heading is its title, the date day first.
    app.wait_text_css("#editor-title", &format!("Séance ordinaire mensuelle du {today}")).await;
    app.click("submit-record").await;
    app.wait_text_css(&status_badge("submitted"), "Soumis").await;
    // The top bar counts the change waiting to be sent at once, not at the next unlock.
    app.wait_css("[data-testid=\"sync-button\"]:not([data-pending=\"0\"])").await;
    // Her record page shows what she may do, not the reviewers' decision card.
    let page = app.body_text().await;
    assert!(!page.contains("obligatoire pour renvoyer"), "a member sees no reviewer's comment box: {page}");
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

/// Every state a record's history went through in the store at `db`: what any reader of
/// the document could rebuild, and what must hold no name.
fn every_version(db: &std::path::Path, pass: &str, id: &str) -> Vec<String> {
    let store = ccs_core::store::Store::open(db, pass).unwrap();
    let bytes = store.document_bytes(id.parse().unwrap()).unwrap();
    let mut doc = ccs_core::doc::RecordDoc::load(&bytes).unwrap();
    let hashes: Vec<_> = doc.inner().get_changes(&[]).iter().map(|c| c.hash()).collect();
    hashes
        .iter()
        .map(|h| serde_json::to_string(&automerge::AutoSerde::from(&doc.inner().fork_at(&[*h]).unwrap())).unwrap())
        .collect()
}

/// With `CCS_SCREENSHOTS` set (relative to the workspace root), saves the form showing
/// the unresolved name at laptop size as `form-name-held-laptop.png`.
async fn held_screenshot(app: &App) {
    let Some(dir) = std::env::var_os("CCS_SCREENSHOTS").map(std::path::PathBuf::from) else { return };
    let dir =
        if dir.is_absolute() { dir } else { std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir) };
    std::fs::create_dir_all(&dir).unwrap();
    app.set_size(1280, 800).await;
    ccs_e2e::screen::settle(app).await;
    app.js(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); return true;",
        vec![serde_json::json!(HELD)],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let rect = app.client().get_window_rect().await.ok();
    let path = dir.join("form-name-held-laptop.png");
    if ccs_e2e::screen::capture(&path, rect).is_err() && !app.screenshot(&path).await {
        app.fail(&format!("could not capture {}", path.display())).await;
    }
    eprintln!("saved {}", path.display());
}

const HELD: &str = "[data-testid=\"text-warning\"][data-path=\"summary\"][data-held=\"true\"]";

#[tokio::test]
async fn a_name_typed_in_a_summary_is_not_synced_until_resolved() {
    let world = World::with_committees();
    let reviewer = Ccs::enrolled("reviewer", &world.url(), &world.code(Role::Reviewer));
    let driver = world.driver();
    let app = App::launch(&driver).await;
    flows::enroll(&app, &world.url(), &world.member_code()).await;
    flows::sync_and_close(&app).await;

    // A session, saved and synced.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("summary", "Situation calme au marché.").await;
    app.wait_css(AUTOSAVED).await;

    // A name typed into the summary: the warning says it is not saved yet, with the way out.
    app.fill_field("summary", "Situation calme au marché. M. Traoré signale des hommes armés.").await;
    app.wait_css(HELD).await;
    app.wait_text("held-summary", "pas encore enregistrée").await;
    app.wait_css(AUTOSAVED).await;
    app.wait_text("autosave-state", "Pas encore enregistré").await;
    held_screenshot(&app).await;
    // A sync meanwhile (the form stays open) sends the record without the name.
    flows::sync_and_close(&app).await;
    reviewer.sync();
    let ids: Vec<String> =
        reviewer.list(&["--kind", "session"]).iter().filter_map(|i| i["id"].as_str().map(str::to_string)).collect();
    assert_eq!(ids.len(), 1, "the session itself syncs: {ids:?}");
    let id = ids[0].clone();
    assert_eq!(reviewer.show(&id)["summary"], "Situation calme au marché.");
    assert!(every_version(reviewer.db(), CLI_PASS, &id).iter().all(|v| !v.contains("Traoré")));

    // The name removed: saved, synced, and no version anywhere ever held it.
    app.fill_field("summary", "Situation calme au marché. Un habitant signale des hommes armés.").await;
    app.wait_gone_css(HELD).await;
    app.wait_css(AUTOSAVED).await;
    app.wait_text("autosave-state", "Enregistré").await;
    flows::sync_and_close(&app).await;
    reviewer.sync();
    assert!(reviewer.show(&id)["summary"].as_str().unwrap_or_default().contains("Un habitant"));
    let versions = every_version(reviewer.db(), CLI_PASS, &id);
    assert!(versions.iter().all(|v| !v.contains("Traoré")), "no version holds the name");

    // « Ce n'est pas un nom »: a flagged passage that is a place is written once said so.
    app.fill_field("summary", "Patrouille vers le quartier Diarra, situation calme.").await;
    app.wait_css(HELD).await;
    app.click("not-a-name").await;
    app.wait_gone_css(HELD).await;
    app.wait_css(AUTOSAVED).await;
    app.wait_text("autosave-state", "Enregistré").await;
    flows::sync_and_close(&app).await;
    reviewer.sync();
    assert!(reviewer.show(&id)["summary"].as_str().unwrap_or_default().contains("quartier Diarra"));
    app.quit().await;
}

#[tokio::test]
async fn a_colleagues_threat_merged_while_the_form_is_open_survives_the_next_keystroke() {
    use ccs_core::model::input::RecordInput;
    use ccs_core::model::{RecordBody, RecordKind};
    use ccs_core::samples::assessment_body;

    let world = World::with_committees();
    let mut colleague = ccs_tests::Device::enrolled(
        "colleague",
        &world.url(),
        world.server.data_dir(),
        ccs_tests::grant(Role::Member, Some(world.goundam), None),
    );
    colleague.sync().unwrap();
    let body = RecordBody::Assessment(assessment_body());
    let input = RecordInput { body, committee_id: Some(world.goundam), sensitivity: None, status: None };
    let id = colleague.store.create_record(input, ccs_tests::now()).unwrap();
    colleague.sync().unwrap();

    let driver = world.driver();
    let app = App::launch(&driver).await;
    flows::enroll(&app, &world.url(), &world.member_code()).await;
    flows::sync_and_close(&app).await;

    // The member opens the assessment's form.
    app.click("nav-assessment").await;
    app.click_css(&format!("[data-testid=\"record-row\"][data-id=\"{id}\"]")).await;
    app.click("edit-record").await;
    app.wait("add-threats").await;

    // Meanwhile a colleague adds a threat; the app syncs while the form is open.
    let record = colleague.store.record(id).unwrap();
    let mut fields = ccs_core::model::input::to_json(&record);
    let mut threats = fields["threats"].as_array().cloned().unwrap_or_default();
    threats.push(serde_json::json!({
        "category": "banditisme", "place_type": "axe_routier", "suspected_actor": "criminels",
        "trend": "stable", "likelihood": 3, "impact": 4, "existing_capacities": "Patrouilles conjointes",
        "source": "fds", "reliability": "confirmee"
    }));
    fields = serde_json::json!({ "threats": threats });
    colleague.store.patch_record(id, fields.as_object().cloned().unwrap(), ccs_tests::now()).unwrap();
    colleague.sync().unwrap();
    flows::sync_and_close(&app).await;

    // The next keystroke in the open form: autosaved, synced.
    app.fill_field("notes", "Relecture faite en séance.").await;
    app.wait_css(AUTOSAVED).await;
    app.wait_text("autosave-state", "Enregistré").await;
    flows::sync_and_close(&app).await;

    // The colleague's threat is still there, on the colleague's device and in the app.
    colleague.sync().unwrap();
    let after = colleague.store.record(id).unwrap();
    let RecordBody::Assessment(a) = &after.body else { panic!("not an assessment") };
    let caps: Vec<&str> = a.threats.iter().map(|t| t.existing_capacities.as_str()).collect();
    assert_eq!(caps, ["Comité de veille", "Patrouilles conjointes"]);
    assert_eq!(a.notes, "Relecture faite en séance.");
    assert_eq!(after.kind(), RecordKind::Assessment);
    // The form is long: bring its last buttons into view, as a person scrolls down.
    app.js("document.querySelector('[data-testid=\"editor-done\"]').scrollIntoView({block: 'center'})", vec![]).await;
    app.click("editor-done").await;
    app.wait_text("value-threats[1].existing_capacities", "Patrouilles conjointes").await;
    app.quit().await;
}

/// A sync on a link that takes a minute to answer holds nothing up: the secretary types a
/// session and it is saved at once, then wipes the device (a checkpoint ahead) and the
/// app is empty within seconds, the store's files gone, while the exchange still hangs.
#[tokio::test]
async fn a_slow_sync_holds_up_neither_typing_nor_a_wipe() {
    let world = World::with_committees();
    let proxy = ccs_tests::proxy::Proxy::start(world.server.addr).unwrap();
    let driver = world.driver();
    let app = App::launch(&driver).await;

    // Enrolled through the slow link (fast for now).
    app.wait("setup-passphrase").await;
    app.click("lang-fr").await;
    app.fill("setup-server", &proxy.url()).await;
    app.fill("setup-passphrase", PASSPHRASE).await;
    app.fill("setup-passphrase-confirm", PASSPHRASE).await;
    app.fill("setup-code", &world.member_code()).await;
    app.click("setup-enroll").await;
    app.wait("nav-home").await;
    let store = world.app_data().join(ccs_core::app::STORE_FILE);
    assert!(store.exists());

    // The link turns slow: every exchange now waits a minute before reaching the server.
    proxy.stall(60_000);
    app.click("sync-button").await;
    app.wait("sync-progress").await;
    flows::close_dialog(&app).await;

    let started = std::time::Instant::now();
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("summary", "Séance tenue pendant une synchronisation lente.").await;
    app.wait_css(AUTOSAVED).await;
    let typed = started.elapsed();
    println!("a session typed and saved during a slow sync in {typed:?}");
    assert!(typed < std::time::Duration::from_secs(20), "{typed:?}");

    flows::go(&app, "#/settings").await;
    app.click("settings-wipe").await;
    app.fill("wipe-confirm-input", "EFFACER").await;
    let started = std::time::Instant::now();
    app.click("wipe-confirm").await;
    app.wait("setup-passphrase").await;
    let wiped = started.elapsed();
    println!("wiped during a slow sync in {wiped:?}");
    assert!(wiped < std::time::Duration::from_secs(5), "{wiped:?}");
    let left: Vec<String> = std::fs::read_dir(world.app_data())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(ccs_core::app::STORE_FILE))
        .collect();
    assert!(left.is_empty(), "store files left: {left:?}");
    app.quit().await;
}

/// The id of the record whose page is shown (`#/record/<id>`).
async fn shown_record_id(app: &App) -> String {
    let hash = app.js("return window.location.hash", vec![]).await;
    let hash = hash.as_str().unwrap_or_default().to_string();
    match hash.strip_prefix("#/record/") {
        Some(id) if !id.contains('/') => id.to_string(),
        _ => app.fail(&format!("not on a record's page: {hash}")).await,
    }
}

/// The facilitator of Tombouctou's device, as the core `App` a window would drive:
/// enrolled, synced once (it receives the roster of its region's devices).
fn facilitator_device(world: &World, dir: &std::path::Path) -> ccs_core::app::App {
    let now = chrono::Utc::now();
    let mut app =
        ccs_core::app::App::new(dir.to_path_buf(), None, ccs_core::store::KdfParams::insecure_fast_for_tests(), now);
    app.enroll(
        "tombouctou-facilitateur-2026",
        &world.url(),
        &world.facilitator_code("tombouctou"),
        Some("Facilitateur"),
        now,
    )
    .unwrap();
    app.sync_now(now, true, &mut |_| {}).unwrap();
    app
}

/// A member in Goundam without network: her session leaves as a bundle file on a stick,
/// the facilitator's device collects it and carries it to the server, the CRSS sends it
/// back « à corriger », the return bundle comes back by the same road, and the app picks
/// the file and shows the record « À corriger » with the comment. After the first start
/// the app never syncs: everything goes through files.
#[tokio::test]
async fn a_record_goes_through_the_facilitator_and_comes_back_to_correct() {
    let world = World::with_committees();
    let reviewer = Ccs::enrolled("reviewer", &world.url(), &world.code(Role::Reviewer));
    reviewer.sync();
    let driver = world.driver();
    let app = App::launch(&driver).await;
    flows::enroll(&app, &world.url(), &world.member_code()).await;
    flows::sync_and_close(&app).await;
    // The facilitator's device syncs after the member enrolled: its roster knows her keys.
    let facilitator_dir = tempfile::tempdir().unwrap();
    let mut facilitator = facilitator_device(&world, facilitator_dir.path());

    // Back in Goundam: a session recorded and submitted, nothing sent.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.fill_field("invited", "12").await;
    app.fill_field("present", "9").await;
    app.fill_field("summary", "Séance tenue sans réseau ; le facilitateur passe jeudi.").await;
    flows::keep_prefilled_choices(&app).await;
    app.click("submit-record").await;
    app.wait_text_css(&status_badge("submitted"), "Soumis").await;
    let id = shown_record_id(&app).await;
    app.wait_css("[data-testid=\"delivery\"][data-state=\"not_sent\"]").await;

    // « Envoyer par le facilitateur »: the bundles written to the stick.
    let stick = tempfile::tempdir().unwrap();
    app.click("nav-relay").await;
    app.fill("relay-folder", &stick.path().display().to_string()).await;
    app.click("relay-export").await;
    let written = app.wait_text("relay-export-result", "1 fiche dans 1 fichier").await;
    let files = flows::bundle_files(stick.path());
    assert_eq!(files.len(), 1, "one bundle on the stick: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(written.contains(&name), "the screen names the file it wrote ({name}): {written}");
    assert!(name.starts_with("paquet-"), "a neutral name: {name}");
    // Her record says where it is.
    flows::go(&app, &format!("#/record/{id}")).await;
    app.wait_text("delivery", "Remise au relais le").await;

    // The facilitator collects the file and forwards it to the server.
    let now = chrono::Utc::now();
    let collected = facilitator.courier_collect(&std::fs::read(&files[0]).unwrap(), now).unwrap();
    assert!(collected.new, "{collected:?}");
    let forwarded = facilitator.courier_forward(now).unwrap();
    assert_eq!(
        (forwarded.forwarded, forwarded.refused.len(), forwarded.error.is_none()),
        (1, 0, true),
        "{forwarded:?}"
    );

    // The reviewer in Bamako receives the session and sends it back with a comment.
    reviewer.sync();
    assert_eq!(sessions_with_status(&reviewer, "submitted"), vec![id.clone()], "the session reached the server");
    reviewer.review(&id, "needs_correction", Some(CORRECTION));
    reviewer.sync();

    // The facilitator fetches the return bundles and writes the member's to a stick.
    let now = chrono::Utc::now();
    let fetched = facilitator.courier_fetch(&[], now).unwrap();
    assert!(fetched.received >= 1, "{fetched:?}");
    let back = tempfile::tempdir().unwrap();
    let handed = facilitator.courier_distribute_to(collected.device, back.path(), now).unwrap();
    let returns = flows::bundle_files(back.path());
    assert_eq!(returns.len(), handed.files.len());
    assert!(!returns.is_empty(), "return bundles on the stick");

    // « Recevoir du facilitateur »: the member picks the files.
    app.click("nav-relay").await;
    flows::pick_files(&app, "relay-files", &returns).await;
    app.wait("relay-import-result").await;
    app.wait_gone("relay-import-progress").await;
    assert_eq!(app.text("relay-to-correct").await, "1");
    assert_eq!(app.text("relay-acknowledged").await, "1");

    // The session is « À corriger », on home and on its page, with the comment.
    app.click("nav-home").await;
    app.wait_css(&format!("[data-testid=\"home-to-correct-item\"][data-id=\"{id}\"]")).await;
    flows::go(&app, &format!("#/record/{id}")).await;
    app.wait_text_css(&status_badge("needs_correction"), "À corriger").await;
    app.wait_text("review-comment", CORRECTION).await;
    // The receipt came through the relay: received, the time of it not carried.
    app.wait_text("delivery", "Reçue par le serveur").await;

    // The same files picked again are an old copy: nothing twice.
    app.click("nav-relay").await;
    flows::pick_files(&app, "relay-files", &returns).await;
    app.wait_text("relay-import-result", "déjà appliqué").await;
    assert_eq!(app.text("relay-to-correct").await, "0");
    app.quit().await;
}

/// A member who never reaches the server enrolls from the printed slip: the device works
/// at once, « inscription en attente »; its first bundle carries the enrollment through
/// the facilitator, and the return bundle confirms it and brings her committee.
#[tokio::test]
async fn a_device_enrolled_from_a_slip_is_confirmed_through_the_facilitator() {
    let world = World::with_committees();
    let slip = world.member_slip();
    let driver = world.driver();
    let app = App::launch(&driver).await;

    // First start: the slip's text pasted, with the passphrase.
    app.wait("setup-passphrase").await;
    app.click("lang-fr").await;
    app.fill("setup-passphrase", PASSPHRASE).await;
    app.fill("setup-passphrase-confirm", PASSPHRASE).await;
    app.fill("setup-slip", &slip).await;
    app.wait_text("setup-slip-preview", &world.url()).await;
    app.click("setup-slip-enroll").await;
    app.wait("nav-home").await;
    app.wait_text("home-enrollment-pending", "Inscription en attente").await;

    // Its first bundle carries the enrollment.
    let stick = tempfile::tempdir().unwrap();
    app.click("nav-relay").await;
    app.wait("relay-enrollment-pending").await;
    app.fill("relay-folder", &stick.path().display().to_string()).await;
    app.click("relay-export").await;
    app.wait_text("relay-export-result", "demande d’inscription").await;
    let files = flows::bundle_files(stick.path());
    assert_eq!(files.len(), 1, "{files:?}");

    // The facilitator carries it; the server redeems the code and answers.
    let facilitator_dir = tempfile::tempdir().unwrap();
    let mut facilitator = facilitator_device(&world, facilitator_dir.path());
    let now = chrono::Utc::now();
    let collected = facilitator.courier_collect(&std::fs::read(&files[0]).unwrap(), now).unwrap();
    assert!(collected.enrolling, "{collected:?}");
    let forwarded = facilitator.courier_forward(now).unwrap();
    assert_eq!((forwarded.forwarded, forwarded.error.is_none()), (1, true), "{forwarded:?}");
    let fetched = facilitator.courier_fetch(&[], now).unwrap();
    assert!(fetched.received >= 1, "{fetched:?}");
    let back = tempfile::tempdir().unwrap();
    facilitator.courier_distribute_to(collected.device, back.path(), now).unwrap();

    // The return bundle: enrolled for good, and her committee arrived.
    flows::pick_files(&app, "relay-files", &flows::bundle_files(back.path())).await;
    app.wait("relay-enrolled").await;
    app.wait_gone("relay-enrollment-pending").await;
    app.click("nav-home").await;
    app.wait("home-to-correct").await;
    app.wait_gone("home-enrollment-pending").await;
    app.click("nav-committee").await;
    app.wait_text("record-row", "Goundam").await;
    app.quit().await;
}

/// `data-value` of a displayed element (the raw number behind a figure).
async fn data_value(app: &App, id: &str) -> i64 {
    let e = app.wait(id).await;
    let v = e.attr("data-value").await.ok().flatten().unwrap_or_default();
    match v.parse() {
        Ok(n) => n,
        Err(_) => app.fail(&format!("`{id}` has no numeric data-value: {v:?}")).await,
    }
}

/// With `CCS_SCREENSHOTS` set, the dashboard at laptop and phone size.
async fn dashboard_screenshots(app: &App) {
    let Some(dir) = std::env::var_os("CCS_SCREENSHOTS").map(std::path::PathBuf::from) else { return };
    let dir =
        if dir.is_absolute() { dir } else { std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir) };
    std::fs::create_dir_all(&dir).unwrap();
    let mut saved = ccs_e2e::screen::window_at_sizes(app, &dir, "indicators", None).await;
    saved.extend(ccs_e2e::screen::window_at_sizes(app, &dir, "indicators-charts", Some(&tid("chart-regions"))).await);
    saved.extend(
        ccs_e2e::screen::window_at_sizes(app, &dir, "indicators-inclusion", Some(&tid("chart-inclusion"))).await,
    );
    saved.extend(ccs_e2e::screen::window_at_sizes(app, &dir, "indicators-risks", Some(&tid("chart-risks"))).await);
    for p in saved {
        eprintln!("saved {}", p.display());
    }
}

/// The id of the first displayed inbox item matching `css` (an extra attribute filter).
async fn inbox_item(app: &App, extra: &str) -> String {
    let css = format!("[data-testid=\"inbox-item\"]{extra}");
    let e = app.wait_css(&css).await;
    match e.attr("data-id").await.ok().flatten() {
        Some(id) => id,
        None => app.fail(&format!("`{css}` has no data-id")).await,
    }
}

/// The CRSS in Bamako with the demo and a year of records from forty-odd committees,
/// synced from a real server: from the inbox « À traiter » she sends one record back
/// with a comment and approves one a facilitator validated; the committees' devices see
/// both after a sync. The dashboard draws what `Store::indicators` computes on another
/// device holding the same records, states what it counts, shows its numbers as tables,
/// and follows the filters. Then she exports the records as XLSX from the dashboard.
#[tokio::test]
async fn a_reviewer_works_through_the_inbox_reads_the_dashboard_and_exports() {
    use ccs_core::report::{Basis, IndicatorFilter, IndicatorParams, Period};

    let mut world = World::with_demo_year();
    let driver = world.driver();
    let mut app = App::launch(&driver).await;
    flows::enroll(&app, &world.url(), &world.code(Role::Reviewer)).await;
    // A year of records to receive: give the first sync time.
    app.set_timeout(std::time::Duration::from_secs(180));
    flows::sync_and_close(&app).await;
    app.set_timeout(ccs_e2e::timeout());

    // « À traiter »: the oldest waiting first; the first one is sent back with a comment.
    app.click("nav-review").await;
    let returned = inbox_item(&app, "").await;
    app.click_css(&format!("[data-testid=\"review-item\"][data-id=\"{returned}\"]")).await;
    app.wait("decisions").await;
    app.fill("decision-comment", CORRECTION).await;
    app.click("decision-needs_correction").await;
    app.wait_css(&status_badge("needs_correction")).await;
    // Back to the list: it left the inbox; one validated by a facilitator is approved.
    app.click("inbox-back").await;
    app.wait_gone_css(&format!("[data-testid=\"inbox-item\"][data-id=\"{returned}\"]")).await;
    let approved_id = inbox_item(&app, "[data-reason=\"validated\"]").await;
    app.click_css(&format!("[data-testid=\"review-item\"][data-id=\"{approved_id}\"]")).await;
    app.wait("decisions").await;
    app.click("decision-approved").await;
    app.wait_css(&status_badge("approved")).await;
    flows::sync_and_close(&app).await;
    // Another device (the admin's, holding every record) receives both decisions.
    world.admin.sync().unwrap();
    let status_of = |id: &str| {
        let record = world.admin.store.record(id.parse().unwrap()).unwrap();
        (ccs_core::model::review::status(&record.review), record.review.last().and_then(|e| e.comment.clone()))
    };
    assert_eq!(
        status_of(&returned),
        (ccs_core::model::ReviewStatus::NeedsCorrection, Some(CORRECTION.to_string())),
        "sent back with the comment"
    );
    assert_eq!(status_of(&approved_id).0, ccs_core::model::ReviewStatus::Approved);

    // The dashboard, from the menu: figures, then charts.
    let started = std::time::Instant::now();
    app.click("nav-indicators").await;
    app.wait_css("[data-testid=\"chart-svg-regions-svg\"] svg").await;
    app.wait_css("[data-testid=\"chart-svg-sessions-svg\"] svg").await;
    app.wait_css("[data-testid=\"indicators-figures\"][aria-busy=\"false\"]").await;
    println!("dashboard drawn {:?} after the click (a year of records, debug build)", started.elapsed());
    let stated = app.wait_text("indicators-stated", "trimestre").await;
    assert!(stated.contains("fiches approuvées par le CRSS seulement"), "{stated}");

    // The same figure computed independently, on the admin's device holding the same
    // records: sessions held and committees operational this quarter, approved only.
    world.admin.sync().unwrap();
    let now = chrono::Utc::now();
    let params = IndicatorParams::new(now);
    let quarter = Period::quarter_of(chrono::Local::now().date_naive());
    let approved = world.admin.store.indicators(&IndicatorFilter::new(quarter, Basis::Approved), &params).unwrap();
    assert!(approved.sessions.total.held > 0, "a quarter of the year holds approved sessions");
    assert_eq!(data_value(&app, "figure-sessions").await, approved.sessions.total.held);
    assert_eq!(data_value(&app, "figure-operational").await, approved.committees.total.operational);

    // « Voir les chiffres »: the regions' table names the regions and their numbers.
    app.click("chart-numbers-regions").await;
    app.wait_text("chart-table-regions", "Tombouctou").await;
    let rows = app
        .js(
            "return [...document.querySelectorAll('[data-testid=\"chart-table-regions\"] tbody tr')]\
               .map(r => [...r.cells].map(c => c.innerText.trim()).join('|'))",
            vec![],
        )
        .await;
    let tombouctou = approved.committees.by_region.iter().find(|r| r.region.as_deref() == Some("tombouctou")).unwrap();
    let want = format!("Tombouctou|{}|{}|", tombouctou.value.installed, tombouctou.value.operational);
    let rows: Vec<String> = rows.as_array().unwrap().iter().filter_map(|r| r.as_str().map(str::to_string)).collect();
    assert!(rows.iter().any(|r| r.starts_with(&want)), "{want} in {rows:?}");

    // Every record, approved or not: the statement says so and the figures follow.
    app.click("indicators-basis-all").await;
    app.wait_text("indicators-stated", "toutes les fiches").await;
    app.wait_css("[data-testid=\"indicators-figures\"][aria-busy=\"false\"]").await;
    let all = world.admin.store.indicators(&IndicatorFilter::new(quarter, Basis::All), &params).unwrap();
    assert!(all.sessions.total.held >= approved.sessions.total.held);
    let deadline = std::time::Instant::now() + ccs_e2e::timeout();
    while data_value(&app, "figure-sessions").await != all.sessions.total.held {
        if std::time::Instant::now() > deadline {
            app.fail(&format!("sessions held (all records) should be {}", all.sessions.total.held)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }

    // The whole year: the biggest computation the screen asks for.
    let started = std::time::Instant::now();
    app.click("indicators-period-year").await;
    app.wait_text("indicators-stated", "Année").await;
    app.wait_css("[data-testid=\"indicators-figures\"][aria-busy=\"false\"]").await;
    println!("a year's dashboard drawn {:?} after the click", started.elapsed());
    let started = std::time::Instant::now();
    let year = Period::year_of(chrono::Local::now().date_naive());
    world.admin.store.indicators(&IndicatorFilter::new(year, Basis::All), &params).unwrap();
    println!("Store::indicators over the year: {:?} (debug build)", started.elapsed());
    dashboard_screenshots(&app).await;

    // « Exporter » from the dashboard: an XLSX in a folder of hers, that a spreadsheet
    // reads, with the sheets of the records and the indicators.
    app.click("indicators-export").await;
    app.wait("export-form").await;
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("crss-2026.xlsx");
    app.click("export-format-xlsx").await;
    app.fill("export-path", &path.display().to_string()).await;
    app.click("export-submit").await;
    app.wait("export-result").await;
    assert!(path.is_file(), "the export wrote {}", path.display());
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheets = book.sheet_names();
    for sheet in ["Filtres", "Indicateurs", "Séances", "Recommandations"] {
        assert!(sheets.iter().any(|s| s == sheet), "sheet {sheet} in {sheets:?}");
    }
    let sessions = book.worksheet_range("Séances").unwrap();
    assert!(sessions.height() > 300, "a year of sessions: {} rows", sessions.height());
    app.quit().await;
}
