//! The duress PIN with the built app, and the quiet text fields, as a member under
//! pressure meets them: she sets a second PIN in the settings (refused when it is her
//! passphrase), locks, and the second PIN opens an empty notebook with the ordinary
//! screens; her passphrase still opens her records. Chosen to wipe, the second PIN
//! destroys the real store: her passphrase opens nothing after. Every text field in the
//! screens she goes through has autocomplete, autocorrect, autocapitalize and spellcheck
//! off, and the unlock field asks password managers to keep away.
//!
//! With `CCS_SCREENSHOTS=<dir>` the unlock screen, the settings' duress section and the
//! decoy's home are saved there (laptop and phone sizes).

use std::path::{Path, PathBuf};

use ccs_e2e::app::{tid, App};
use ccs_e2e::driver::Driver;
use ccs_e2e::flows::{self, PASSPHRASE};
use ccs_e2e::screen::window_at_sizes;
use ccs_e2e::world::World;

const DURESS: &str = "7391824650";

fn shots() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CCS_SCREENSHOTS")?);
    let dir = if dir.is_absolute() { dir } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir) };
    std::fs::create_dir_all(&dir).unwrap();
    Some(dir)
}

/// Every visible text input and textarea, with what is missing of the quiet attributes.
async fn loud_fields(app: &App) -> Vec<String> {
    let v = app
        .js(
            r#"const want = {autocomplete: 'off', autocorrect: 'off', autocapitalize: 'off', spellcheck: 'false'};
            const notText = ['checkbox', 'radio', 'file', 'range', 'hidden', 'color', 'button', 'submit'];
            const out = [];
            let seen = 0;
            for (const el of document.querySelectorAll('input, textarea')) {
              if (el.tagName === 'INPUT' && notText.includes(el.type)) continue;
              seen++;
              for (const [k, v] of Object.entries(want)) {
                if (el.getAttribute(k) !== v) out.push((el.id || el.dataset.testid || el.outerHTML.slice(0, 60)) + ' ' + k);
              }
            }
            if (seen === 0) out.push('no text field on this screen');
            return out;"#,
            vec![],
        )
        .await;
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

async fn count_rows(app: &App) -> usize {
    flows::go(app, "#/records/session").await;
    let which = app.wait_any(&["record-row", "record-list-empty"]).await;
    if which == "record-list-empty" {
        0
    } else {
        app.all_visible(&tid("record-row")).await.len()
    }
}

async fn set_duress(app: &App, pin: &str, action: &str) {
    app.click("nav-settings").await;
    app.wait("settings-duress").await;
    app.fill("settings-duress-current", PASSPHRASE).await;
    app.fill("settings-duress-pin", pin).await;
    app.fill("settings-duress-confirm", pin).await;
    app.click(&format!("settings-duress-{action}")).await;
    app.click("settings-duress-submit").await;
}

#[tokio::test]
async fn duress_pin_opens_an_empty_store_or_wipes_and_text_fields_are_quiet() {
    let world = World::with_demo();
    let state = tempfile::tempdir().unwrap();
    let mut env = world.app_env();
    env.push(("CCS_APP_STATE_DIR", state.path().as_os_str().to_owned()));
    let driver = Driver::start(&env);
    let app = App::launch(&driver).await;
    let shots = shots();

    flows::enroll(&app, &world.url(), &world.member_code()).await;
    flows::sync_and_close(&app).await;
    let records = count_rows(&app).await;
    assert!(records > 0, "the member's records synced");

    // The record form's fields are quiet.
    app.click("nav-session").await;
    app.click("new-record").await;
    app.wait("to-verify").await;
    assert_eq!(loud_fields(&app).await, Vec::<String>::new(), "record form");

    // The second PIN may not be her passphrase.
    set_duress(&app, PASSPHRASE, "decoy").await;
    app.wait_text("settings-duress-error", "différent").await;
    assert_eq!(loud_fields(&app).await, Vec::<String>::new(), "settings");
    set_duress(&app, DURESS, "decoy").await;
    app.wait("settings-duress-done").await;
    app.wait_text("settings-duress-state", "carnet vide").await;
    if let Some(dir) = &shots {
        window_at_sizes(&app, dir, "duress-settings", Some(&tid("settings-duress"))).await;
    }

    // Under pressure: locked, then opened with the second PIN.
    flows::lock(&app).await;
    assert_eq!(loud_fields(&app).await, Vec::<String>::new(), "unlock");
    let unlock_field = app
        .js(
            "const e = document.getElementById('unlock-pass'); \
             return [e.getAttribute('autocomplete'), e.getAttribute('data-lpignore'), e.getAttribute('name')];",
            vec![],
        )
        .await;
    assert_eq!(unlock_field, serde_json::json!(["off", "true", null]));
    if let Some(dir) = &shots {
        window_at_sizes(&app, dir, "duress-unlock", None).await;
    }
    flows::unlock(&app, DURESS).await;
    // Back where she was, as after any unlock; then the home screen.
    app.click("nav-home").await;
    app.wait("home-sync-state").await;
    let home = app.body_text().await;
    assert!(!home.contains("Goundam") && !home.contains(&world.url()), "nothing of the real store: {home}");
    if let Some(dir) = &shots {
        window_at_sizes(&app, dir, "duress-decoy-home", None).await;
    }
    assert_eq!(count_rows(&app).await, 0, "an empty notebook");
    // Its settings are a store's without a second PIN, and no server address.
    app.click("nav-settings").await;
    app.wait_text("settings-duress-state", "Aucun code de contrainte").await;
    assert_eq!(app.value_css(&tid("settings-server")).await, "");
    let settings = app.body_text().await;
    assert!(!settings.contains(&world.url()), "{settings}");

    // Her passphrase: her records, untouched.
    flows::lock(&app).await;
    flows::unlock(&app, PASSPHRASE).await;
    app.wait("nav-home").await;
    assert_eq!(count_rows(&app).await, records);

    // Now chosen to wipe.
    set_duress(&app, DURESS, "wipe").await;
    app.wait_text("settings-duress-state", "efface").await;
    flows::lock(&app).await;
    let key_file = world.app_data().join("ccs.db.kdf");
    let salt_before = std::fs::read_to_string(&key_file).unwrap();
    flows::unlock(&app, DURESS).await;
    app.wait("nav-home").await;
    assert_eq!(count_rows(&app).await, 0);
    flows::lock(&app).await;
    assert_ne!(std::fs::read_to_string(&key_file).unwrap(), salt_before, "the real key file is gone");
    flows::unlock(&app, PASSPHRASE).await;
    app.wait("unlock-error").await;
    app.quit().await;
}

/// A session bus of the test's own, as a desktop session has one.
struct SessionBus {
    child: std::process::Child,
    address: String,
}

impl SessionBus {
    fn start() -> SessionBus {
        use std::io::BufRead;
        let mut child = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon (Debian's dbus-daemon package)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        SessionBus { child, address: line.trim().to_string() }
    }

    /// What the screen saver sends when the screen locks.
    fn screen_locks(&self) {
        let status = std::process::Command::new("gdbus")
            .args(["emit", "--session", "--object-path", "/org/freedesktop/ScreenSaver"])
            .args(["--signal", "org.freedesktop.ScreenSaver.ActiveChanged", "true"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_app_locks_when_the_screen_locks() {
    let world = World::with_committees();
    let bus = SessionBus::start();
    let mut env = world.app_env();
    env.push(("DBUS_SESSION_BUS_ADDRESS", bus.address.clone().into()));
    let driver = Driver::start(&env);
    let app = App::launch(&driver).await;
    flows::demo(&app, "member").await;
    app.wait("nav-home").await;
    // Another signal on the bus (the screen saver going off) changes nothing.
    let status = std::process::Command::new("gdbus")
        .args(["emit", "--session", "--object-path", "/org/freedesktop/ScreenSaver"])
        .args(["--signal", "org.freedesktop.ScreenSaver.ActiveChanged", "false"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(app.visible(&tid("nav-home")).await.is_some(), "still open");
    bus.screen_locks();
    app.wait("unlock-passphrase").await;
    flows::unlock(&app, PASSPHRASE).await;
    app.wait("nav-home").await;
    app.quit().await;
}
