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

use ccs_core::model::{RecordKind, ReviewStatus, Role};
use ccs_core::store::ListFilter;
use ccs_e2e::app::App;
use ccs_e2e::driver::Driver;
use ccs_e2e::flows;
use ccs_e2e::screen::window_at_sizes;
use ccs_e2e::world::World;

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
    let world = World::with_demo();
    let mut taken = Vec::new();

    // A Goundam member.
    {
        let driver = world.driver();
        let app = App::launch(&driver).await;
        app.wait("setup-passphrase").await;
        app.click("lang-fr").await;
        taken.extend(window_at_sizes(&app, &dir, "first-start").await);

        flows::enroll(&app, &world.url(), &world.member_code()).await;
        flows::sync(&app).await;
        taken.extend(window_at_sizes(&app, &dir, "sync-result").await);
        flows::close_dialog(&app).await;

        app.click("nav-home").await;
        app.wait("home-to-correct").await;
        taken.extend(window_at_sizes(&app, &dir, "home").await);

        flows::go(&app, "#/records/session").await;
        app.wait("record-row").await;
        taken.extend(window_at_sizes(&app, &dir, "list").await);

        // A form with an error (more present than invited) and a name warning.
        flows::go(&app, "#/records/session/new").await;
        app.fill_field("invited", "12").await;
        app.fill_field("present", "15").await;
        app.fill_field("summary", "Moussa Traoré (tél. 76 12 34 56) signale des vols de bétail près de la mare.").await;
        app.wait("field-error").await;
        app.wait("text-warning").await;
        app.js(
            "document.querySelector('[data-field=\"present\"]').scrollIntoView({block: 'center'}); return true;",
            vec![],
        )
        .await;
        taken.extend(window_at_sizes(&app, &dir, "form-error").await);
        app.click("discard-draft").await;
        app.click("discard-confirm").await;
        app.wait("new-record").await;

        let approved = goundam_record(&world, RecordKind::Session, ReviewStatus::Approved);
        flows::go(&app, &format!("#/record/{approved}")).await;
        app.wait("review-trail").await;
        taken.extend(window_at_sizes(&app, &dir, "record-detail").await);

        app.click("nav-settings").await;
        app.wait("settings-save").await;
        taken.extend(window_at_sizes(&app, &dir, "settings").await);

        flows::lock(&app).await;
        taken.extend(window_at_sizes(&app, &dir, "unlock").await);
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
        taken.extend(window_at_sizes(&app, &dir, "review-queue").await);
        app.quit().await;
    }

    for p in &taken {
        eprintln!("saved {}", p.display());
    }
}
