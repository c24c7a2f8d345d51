//! The inbox « À traiter » end to end: the real `ccs-app` under Xvfb as the CRSS in
//! Bamako, a real sync server on loopback holding the demo records, and a Goundam
//! member's device. The reviewer opens the inbox, sends one back, goes to « Suivant »,
//! approves a submitted record directly (with its reason), and sees a record a member
//! edited while it was being approved shown « modifié après approbation » with the
//! member's change.
//!
//! ```sh
//! xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --features ccs-e2e/e2e \
//!   --test inbox -- --test-threads=1
//! ```
//!
//! With `CCS_SCREENSHOTS=docs/screenshots` it also saves the inbox and the record
//! « modifié après approbation » at laptop and phone sizes.

use std::path::{Path, PathBuf};

use ccs_core::model::{RecordKind, ReviewStatus, Role};
use ccs_core::store::ListFilter;
use ccs_e2e::app::{tid, App};
use ccs_e2e::driver::Driver;
use ccs_e2e::flows;
use ccs_e2e::screen::window_at_sizes;
use ccs_e2e::world::World;
use ccs_tests::{grant, Device};

const CORRECTION: &str = "Le nombre de présents FDS ne correspond pas à la liste d’émargement.";
const REASON: &str = "Facilitateur de la région absent ce mois-ci : approuvée directement.";
const EDIT: &str = "Situation calme ; l’axe Goundam-Tonka a été rouvert après la réunion.";

fn screenshot_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CCS_SCREENSHOTS")?);
    let dir = if dir.is_absolute() { dir } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir) };
    std::fs::create_dir_all(&dir).unwrap();
    Some(dir.canonicalize().unwrap())
}

/// The ids of the inbox items shown, in order.
async fn inbox_ids(app: &App) -> Vec<String> {
    let mut ids = Vec::new();
    for e in app.all_visible(&tid("inbox-item")).await {
        if let Ok(Some(id)) = e.attr("data-id").await {
            ids.push(id);
        }
    }
    ids
}

/// The id of the record shown in the inbox's record view.
async fn shown(app: &App) -> String {
    let e = app.wait("record-detail").await;
    e.attr("data-id").await.unwrap().unwrap()
}

#[tokio::test]
async fn the_crss_works_through_its_inbox_and_sees_an_edit_made_after_approval() {
    let world = World::with_demo();
    let shots = screenshot_dir();
    let mut taken = Vec::new();

    // The Goundam session the member will edit while the CRSS approves it.
    let target = world
        .admin
        .store
        .list(&ListFilter {
            kind: Some(RecordKind::Session),
            committee_id: Some(world.goundam),
            status: Some(ReviewStatus::Submitted),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .items
        .first()
        .map(|i| i.id)
        .expect("a submitted Goundam session in the demo");
    let mut member = Device::enrolled(
        "membre",
        &world.url(),
        world.server.data_dir(),
        grant(Role::Member, Some(world.goundam), None),
    );
    member.sync_until_ok(3);

    // The CRSS reviewer's app, enrolled and synced.
    let dir = tempfile::tempdir().unwrap();
    let mut env = world.app_env();
    env.retain(|(k, _)| *k != "CCS_APP_DATA_DIR");
    env.push(("CCS_APP_DATA_DIR", dir.path().as_os_str().to_owned()));
    let driver = Driver::start(&env);
    let app = App::launch(&driver).await;
    flows::enroll(&app, &world.url(), &world.code(Role::Reviewer)).await;
    flows::sync_and_close(&app).await;

    // « À traiter »: what waits, oldest first.
    app.click("nav-review").await;
    app.wait("inbox-item").await;
    app.wait("inbox-filters").await;
    let listed = inbox_ids(&app).await;
    assert!(listed.len() >= 3, "the demo has records waiting: {listed:?}");
    assert!(listed.contains(&target.to_string()));
    if let Some(dir) = &shots {
        taken.extend(window_at_sizes(&app, dir, "inbox", None).await);
    }
    // Filtering by kind keeps only that kind.
    app.set_value_css(&tid("inbox-filter-kind"), "session").await;
    let sessions = loop {
        let now = inbox_ids(&app).await;
        if now.len() < listed.len() {
            break now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(sessions.contains(&target.to_string()));
    app.click("inbox-filter-reset").await;
    app.wait_text("inbox-count", &listed.len().to_string()).await;

    // Open the first record that is not the target, and send it back.
    let first = listed.iter().find(|id| **id != target.to_string()).unwrap().clone();
    app.click_css(&format!("[data-testid=\"review-item\"][data-id=\"{first}\"]")).await;
    assert_eq!(shown(&app).await, first);
    app.wait("inbox-next").await;
    // Without a comment, the screen asks for one and nothing is recorded.
    app.click("decision-needs_correction").await;
    app.wait_css("#decision-comment-error").await;
    app.fill("decision-comment", CORRECTION).await;
    app.click("decision-needs_correction").await;
    app.wait_css("[data-testid=\"review-status\"][data-status=\"needs_correction\"]").await;
    app.wait("inbox-notice").await;

    // « Suivant »: the next record waiting, without going back to the list.
    app.click("inbox-next").await;
    let second = loop {
        let id = shown(&app).await;
        if id != first {
            break id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let expected = listed.iter().skip_while(|id| **id != first).nth(1).unwrap().clone();
    assert_eq!(second, expected, "« Suivant » opens the record after the one decided on");

    // The target: approved directly from « soumis », which needs a reason; meanwhile
    // the member, offline from the CRSS's point of view, fixed its summary and synced.
    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::json!(EDIT));
    member.store.patch_record(target, patch, chrono::Utc::now()).unwrap();
    member.sync_until_ok(3);
    flows::go(&app, &format!("#/review/{target}")).await;
    assert_eq!(shown(&app).await, target.to_string());
    app.click("decision-approved").await;
    app.wait_text_css("#decision-comment-error", "raison").await;
    app.fill("decision-comment", REASON).await;
    app.click("decision-approved").await;
    app.wait_css("[data-testid=\"review-status\"][data-status=\"approved\"]").await;

    // The sync brings the member's edit: the approval was made on the version before it.
    flows::sync_and_close(&app).await;
    flows::go(&app, &format!("#/record/{target}")).await;
    app.wait("modified-after-approval").await;
    let changes = app.all_visible(&tid("approval-change")).await;
    assert_eq!(changes.len(), 1, "exactly the member's change");
    assert_eq!(changes[0].attr("data-path").await.unwrap().as_deref(), Some("summary"));
    let banner = app.text("modified-after-approval").await;
    assert!(banner.contains("Goundam-Tonka a été rouvert"), "{banner}");
    if let Some(dir) = &shots {
        taken
            .extend(window_at_sizes(&app, dir, "modified-after-approval", Some(&tid("modified-after-approval"))).await);
    }
    // And it waits in the inbox again, saying why.
    flows::go(&app, "#/review").await;
    app.wait_css(&format!(
        "[data-testid=\"inbox-item\"][data-id=\"{target}\"][data-reason=\"modified_after_approval\"]"
    ))
    .await;
    if let Some(dir) = &shots {
        taken.extend(
            window_at_sizes(
                &app,
                dir,
                "inbox-modified",
                Some(&format!("[data-testid=\"inbox-item\"][data-id=\"{target}\"]")),
            )
            .await,
        );
    }
    app.quit().await;
    for path in &taken {
        assert!(std::fs::metadata(path).map(|m| m.len() > 1000).unwrap_or(false), "{}", path.display());
    }
}
