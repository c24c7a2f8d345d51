//! Screenshots of every main screen at laptop (1280×800) and phone (360×740) sizes, for
//! the documentation and for a person to look at. Taken on purpose:
//!
//! ```sh
//! CCS_SCREENSHOTS=docs/screenshots xvfb-run -a -s "-screen 0 1280x800x24" \
//!   cargo test -p ccs-e2e --features e2e --test screenshots
//! ```
//!
//! A relative `CCS_SCREENSHOTS` is taken from the workspace root. Without it the test
//! does nothing. The app holds the demo records of the Goundam committee, synced from a
//! real server, as a member would see them; the review queue is a reviewer's.

use std::path::{Path, PathBuf};

use ccs_core::model::{Decision, RecordKind, ReviewStatus, Role};
use ccs_core::store::ListFilter;
use ccs_e2e::app::{field, tid, App};
use ccs_e2e::driver::Driver;
use ccs_e2e::flows;
use ccs_e2e::screen::window_at_sizes;
use ccs_e2e::world::World;
use ccs_tests::fixtures;
use chrono::Utc;

const CORRECTION: &str = "Le nombre de présents FDS ne correspond pas à la liste d'émargement : merci de vérifier.";

fn output_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CCS_SCREENSHOTS")?);
    let dir = if dir.is_absolute() { dir } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir) };
    std::fs::create_dir_all(&dir).unwrap();
    Some(dir.canonicalize().unwrap())
}

/// A Goundam record of `kind` with `status`, from the admin device that made the demo.
fn goundam_record(world: &World, kind: RecordKind, status: ReviewStatus) -> String {
    let page = world
        .admin
        .store
        .list(&ListFilter {
            kind: Some(kind),
            committee_id: Some(world.goundam),
            status: Some(status),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    page.items.first().map(|i| i.id.to_string()).unwrap_or_else(|| panic!("no Goundam {kind:?} with {status:?}"))
}

#[tokio::test]
async fn screenshots() {
    let Some(dir) = output_dir() else {
        eprintln!("CCS_SCREENSHOTS is not set: no screenshots taken");
        return;
    };
    let mut world = World::with_demo();
    let mut taken = Vec::new();
    // The member's stick: the bundles she writes, that the facilitator collects.
    let stick = tempfile::tempdir().unwrap();

    // The Goundam committee's submitted session was sent back "à corriger".
    let returned = goundam_record(&world, RecordKind::Session, ReviewStatus::Submitted);
    world
        .admin
        .store
        .review(returned.parse().unwrap(), Decision::NeedsCorrection, Some(CORRECTION.into()), Utc::now())
        .unwrap();
    world.admin.sync().unwrap();

    // A Goundam member.
    {
        let driver = world.driver();
        let app = App::launch(&driver).await;
        app.wait("setup-passphrase").await;
        app.click("lang-fr").await;
        taken.extend(window_at_sizes(&app, &dir, "first-start", None).await);
        // A PIN too short, refused beside the button she pressed.
        app.fill("setup-passphrase", "123456").await;
        app.fill("setup-passphrase-confirm", "123456").await;
        app.click("setup-demo").await;
        app.wait_text("setup-error", "PIN").await;
        taken.extend(window_at_sizes(&app, &dir, "first-start-weak", Some("[data-testid=\"setup-error\"]")).await);

        flows::enroll(&app, &world.url(), &world.member_code()).await;
        flows::sync_and_close(&app).await;

        flows::go(&app, "#/records/session").await;
        app.wait("record-row").await;
        taken.extend(window_at_sizes(&app, &dir, "list", None).await);

        // A form with an error (more present than invited) and a name warning.
        app.click("new-record").await;
        app.fill_field("invited", "12").await;
        app.fill_field("present", "15").await;
        app.fill_field("summary", "Moussa Traoré (tél. 76 12 34 56) signale des vols de bétail près de la mare.").await;
        app.wait("field-error").await;
        app.wait("text-warning").await;
        taken.extend(window_at_sizes(&app, &dir, "form-error", Some(&field("present"))).await);
        taken.extend(window_at_sizes(&app, &dir, "form-warning", Some("[data-testid=\"text-warning\"]")).await);
        taken.extend(window_at_sizes(&app, &dir, "form-attendance", Some("[data-table=\"attendance\"]")).await);
        // A count typed in words, and the date day first.
        app.fill_field("invited", "douze").await;
        app.wait("entry-error").await;
        taken.extend(window_at_sizes(&app, &dir, "form-count-words", Some("[data-testid=\"entry-error\"]")).await);
        app.fill_field("invited", "12").await;
        app.wait_gone("entry-error").await;
        taken.extend(window_at_sizes(&app, &dir, "form-date", Some(&field("date"))).await);
        // Fixed: the count corrected and the name and number taken out of the summary
        // (until then the text stays in the local draft), the session is saved, to be
        // sent at the next sync.
        app.fill_field("present", "9").await;
        app.wait_gone("field-error").await;
        app.fill_field("summary", "Un habitant signale des vols de bétail près de la mare.").await;
        app.wait_gone("text-warning").await;
        app.wait_text("autosave-state", "Enregistré").await;
        app.click("editor-done").await;
        app.wait("record-detail").await;

        // No network yet: the session leaves on a stick, through the facilitator.
        flows::go(&app, "#/relay").await;
        app.fill("relay-folder", &stick.path().display().to_string()).await;
        app.click("relay-export").await;
        app.wait("relay-export-result").await;
        taken.extend(window_at_sizes(&app, &dir, "relay", None).await);
        taken.extend(window_at_sizes(&app, &dir, "relay-export", Some(&tid("relay-export-result"))).await);

        // Meanwhile the committee's president recorded another session on his own device.
        world
            .admin
            .store
            .create_record(fixtures::session(world.goundam, 20, "Séance extraordinaire : vols de bétail."), Utc::now())
            .unwrap();
        world.admin.sync().unwrap();
        flows::sync(&app).await;
        taken.extend(window_at_sizes(&app, &dir, "sync-result", None).await);
        flows::close_dialog(&app).await;

        app.click("nav-home").await;
        app.wait("home-to-correct-item").await;
        taken.extend(window_at_sizes(&app, &dir, "home", None).await);

        flows::go(&app, &format!("#/record/{returned}")).await;
        app.wait("review-comment").await;
        taken.extend(window_at_sizes(&app, &dir, "record-detail", None).await);
        taken.extend(window_at_sizes(&app, &dir, "review-trail", Some("[data-testid=\"review-trail\"]")).await);

        // The procès-verbal she prints, and the help page.
        flows::go(&app, &format!("#/record/{returned}/print")).await;
        app.wait("print-session").await;
        taken.extend(window_at_sizes(&app, &dir, "print-session", None).await);
        flows::go(&app, "#/help").await;
        app.wait("help").await;
        taken.extend(window_at_sizes(&app, &dir, "help", None).await);

        app.click("nav-settings").await;
        app.wait("settings-save").await;
        taken.extend(window_at_sizes(&app, &dir, "settings", None).await);

        flows::lock(&app).await;
        taken.extend(window_at_sizes(&app, &dir, "unlock", None).await);
        // After a wrong code the screen says what wrong tries erase.
        flows::unlock(&app, "pas-la-bonne").await;
        app.wait("unlock-error").await;
        taken.extend(window_at_sizes(&app, &dir, "unlock-mistake", None).await);
        app.quit().await;
    }

    // A reviewer in Bamako: the review queue.
    {
        let reviewer_dir = tempfile::tempdir().unwrap();
        let mut env = world.app_env();
        env.retain(|(k, _)| *k != "CCS_APP_DATA_DIR");
        env.push(("CCS_APP_DATA_DIR", reviewer_dir.path().as_os_str().to_owned()));
        let driver = Driver::start(&env);
        let app = App::launch(&driver).await;
        flows::enroll(&app, &world.url(), &world.code(Role::Reviewer)).await;
        flows::sync_and_close(&app).await;
        app.click("nav-review").await;
        app.wait("review-item").await;
        taken.extend(window_at_sizes(&app, &dir, "review-queue", None).await);
        app.quit().await;
    }

    // The facilitator of Tombouctou: the bundles collected from the member's stick.
    {
        let facilitator_dir = tempfile::tempdir().unwrap();
        let mut env = world.app_env();
        env.retain(|(k, _)| *k != "CCS_APP_DATA_DIR");
        env.push(("CCS_APP_DATA_DIR", facilitator_dir.path().as_os_str().to_owned()));
        let driver = Driver::start(&env);
        let app = App::launch(&driver).await;
        flows::enroll(&app, &world.url(), &world.facilitator_code("tombouctou")).await;
        flows::sync_and_close(&app).await;
        app.click("nav-courier").await;
        app.wait("courier-screen").await;
        flows::pick_files(&app, "courier-files", &flows::bundle_files(stick.path())).await;
        app.wait("courier-collect-result").await;
        app.wait("courier-device").await;
        taken.extend(window_at_sizes(&app, &dir, "courier", None).await);
        // « Servir sur le réseau local »: the pairing code members scan.
        app.click("courier-serve-start").await;
        app.wait("courier-qr").await;
        taken.extend(window_at_sizes(&app, &dir, "courier-serve", Some("[data-testid=courier-serve]")).await);
        app.click("courier-serve-stop").await;
        app.quit().await;
    }

    // The demonstration as a member tries it: her committee only, nothing to send.
    {
        let demo_dir = tempfile::tempdir().unwrap();
        let mut env = world.app_env();
        env.retain(|(k, _)| *k != "CCS_APP_DATA_DIR");
        env.push(("CCS_APP_DATA_DIR", demo_dir.path().as_os_str().to_owned()));
        let driver = Driver::start(&env);
        let app = App::launch(&driver).await;
        // First, the enrollment slip of a member who will never see the network.
        app.wait("setup-slip").await;
        app.click("lang-fr").await;
        app.fill("setup-slip", &world.member_slip()).await;
        app.wait("setup-slip-preview").await;
        taken.extend(window_at_sizes(&app, &dir, "first-start-slip", Some(&tid("setup-slip-card"))).await);
        app.fill("setup-slip", "").await;
        flows::demo(&app, "member").await;
        app.wait("home-to-correct-item").await;
        taken.extend(window_at_sizes(&app, &dir, "home-demo", None).await);
        taken.extend(window_at_sizes(&app, &dir, "home-demo-sync", Some("[data-testid=\"home-sync-state\"]")).await);
        flows::go(&app, "#/records/session").await;
        app.wait("record-row").await;
        taken.extend(window_at_sizes(&app, &dir, "list-demo", None).await);
        app.click("nav-session").await;
        app.click("new-record").await;
        app.wait("to-verify").await;
        taken.extend(window_at_sizes(&app, &dir, "form-new", None).await);
        app.quit().await;
    }

    for p in &taken {
        eprintln!("saved {}", p.display());
    }
}
