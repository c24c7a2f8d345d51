//! Steps a person takes in the app again and again, written once: first start with an
//! enrollment code, a sync from the top bar, locking and unlocking, going to a screen,
//! picking files.

use fantoccini::key::Key;

use crate::app::{field, tid, App};

/// The passphrase the member chooses at first start.
pub const PASSPHRASE: &str = "goundam-2026";

/// First start in French: the passphrase twice, the server address (checked to be
/// pre-filled with `server`, from `CCS_SERVER_URL`) and the enrollment code. Ends on the
/// home screen.
pub async fn enroll(app: &App, server: &str, code: &str) {
    app.wait("setup-passphrase").await;
    app.click("lang-fr").await;
    let shown = app.value_css(&tid("setup-server")).await;
    if shown.trim_end_matches('/') != server.trim_end_matches('/') {
        app.fail(&format!("the server address should be pre-filled with {server} (CCS_SERVER_URL); it is {shown:?}"))
            .await;
    }
    app.fill("setup-passphrase", PASSPHRASE).await;
    app.fill("setup-passphrase-confirm", PASSPHRASE).await;
    app.fill("setup-code", code).await;
    app.click("setup-enroll").await;
    app.wait("nav-home").await;
}

/// First start with the demonstration store for `role` (member or reviewer).
pub async fn demo(app: &App, role: &str) {
    app.wait("setup-passphrase").await;
    app.click("lang-fr").await;
    app.fill("setup-passphrase", PASSPHRASE).await;
    app.fill("setup-passphrase-confirm", PASSPHRASE).await;
    app.click(&format!("demo-role-{role}")).await;
    app.click("setup-demo").await;
    app.wait("nav-home").await;
}

/// Syncs from the top bar (its button opens the sync panel and starts a sync; in an open
/// panel, "Synchroniser maintenant" does) and waits for the outcome; fails on a sync
/// error. Leaves the panel open on the result (see [`close_dialog`]); returns its text.
pub async fn sync(app: &App) -> String {
    if app.visible(&tid("sync-start")).await.is_none() {
        app.click("sync-button").await;
    } else {
        app.click("sync-start").await;
    }
    let outcome = app.wait_any(&["sync-result", "sync-error"]).await;
    app.wait_gone("sync-progress").await;
    if outcome == "sync-error" {
        let e = app.text("sync-error").await;
        app.fail(&format!("the sync failed: {e}")).await;
    }
    app.text("sync-result").await
}

/// Syncs and closes the panel.
pub async fn sync_and_close(app: &App) -> String {
    let text = sync(app).await;
    close_dialog(app).await;
    text
}

/// Closes the open dialog with Escape, as a person would.
pub async fn close_dialog(app: &App) {
    press(app, Key::Escape).await;
    app.wait_gone_css("dialog[open]").await;
}

/// Sends one key to the focused element.
pub async fn press(app: &App, key: Key) {
    let focused = match app.client().active_element().await {
        Ok(e) => e,
        Err(e) => app.fail(&format!("no focused element to send {key:?} to: {e}")).await,
    };
    if let Err(e) = focused.send_keys(&key).await {
        app.fail(&format!("could not press {key:?}: {e}")).await;
    }
}

/// Locks from the top bar; ends on the unlock screen.
pub async fn lock(app: &App) {
    app.click("lock-button").await;
    app.wait("unlock-passphrase").await;
}

/// Types the passphrase on the unlock screen and submits.
pub async fn unlock(app: &App, passphrase: &str) {
    app.fill("unlock-passphrase", passphrase).await;
    app.click("unlock-submit").await;
}

/// Goes to a screen by its address (`#/records/session`, `#/record/<id>`, …), as a link
/// would; for screenshots, where the menu is not the point.
pub async fn go(app: &App, hash: &str) {
    app.js("window.location.hash = arguments[0]; return true;", vec![serde_json::json!(hash)]).await;
}

/// Keeps each choice a new session's form pre-filled (marked « à vérifier »), as she
/// would by opening the list and choosing the value shown; the marks go.
pub async fn keep_prefilled_choices(app: &App) {
    for path in ["session_type", "venue_type", "chaired_by", "minutes_status", "sensitivity"] {
        let shown = app.value_css(&field(path)).await;
        app.select_field(path, &shown).await;
    }
    app.wait_gone("to-verify").await;
}

const PICK_FILES_JS: &str = r#"
const input = document.querySelector(arguments[0]);
if (!input) return 'no file input';
const picked = new DataTransfer();
for (const f of arguments[1]) {
  picked.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: 'application/octet-stream' }));
}
input.files = picked.files;
input.dispatchEvent(new Event('change', { bubbles: true }));
return true;
"#;

/// Picks files in the `<input type="file">` with this test id, as a person would in the
/// system's chooser: the files' bytes become the input's `File`s and `change` fires, so
/// the screen reads them exactly as it reads any picked file. (The native chooser is a
/// GTK window WebDriver cannot drive.)
pub async fn pick_files(app: &App, id: &str, paths: &[std::path::PathBuf]) {
    let mut files = Vec::new();
    for p in paths {
        let bytes = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => app.fail(&format!("cannot read {}: {e}", p.display())).await,
        };
        let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        files.push(serde_json::json!({ "name": name, "bytes": bytes }));
    }
    let done = app.js(PICK_FILES_JS, vec![serde_json::json!(tid(id)), serde_json::Value::Array(files)]).await;
    if done != serde_json::Value::Bool(true) {
        app.fail(&format!("could not pick files in `{id}`: {done}")).await;
    }
}

/// The `.ccsb` files in a folder, sorted by name.
pub fn bundle_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    out.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "ccsb"));
    out.sort();
    out
}
