//! What a seized phone or a shared laptop gives away, tried by the one who holds it: the
//! app's data folder and files are closed to other users, a locked app lets nobody
//! repoint it at another server or raise its limits, a wipe leaves no salt behind (not
//! even in an interrupted write), a store made with the cheap test cost is re-keyed at
//! the app's cost on first unlock, and plain http never leaves the machine.

mod common;

use std::os::unix::fs::PermissionsExt;

use ccs_core::app::{App, SettingsPatch, STORE_FILE};
use ccs_core::model::Role;
use ccs_core::store::{Identity, KdfParams, Store};
use ccs_core::sync::client::{HttpTransport, SyncError, Transport};
use common::*;

/// Stronger than the test cost, still fast enough for a test.
fn app_cost() -> KdfParams {
    KdfParams { m_cost_kib: 256, t_cost: 2, p_cost: 1 }
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_data_folder_and_its_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ml.ccs.terrain");
    let mut app = App::new(data.clone(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    assert_eq!(mode(&data), 0o700, "data folder");
    for f in [STORE_FILE, "ccs.db.kdf", "settings.json"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
}

#[test]
fn the_plaintext_settings_do_not_say_which_server_the_device_syncs_with() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    let patch = SettingsPatch { server_url: Some("https://ccs.example.ml".into()), ..Default::default() };
    assert_eq!(app.update_settings(patch, now()).unwrap().server_url.as_deref(), Some("https://ccs.example.ml"));
    let on_disk = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(!on_disk.contains("ccs.example.ml"), "{on_disk}");
}

#[test]
fn a_locked_app_changes_only_its_language() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    app.lock();
    for patch in [
        SettingsPatch { server_url: Some("https://attacker.example".into()), ..Default::default() },
        SettingsPatch { max_attempts: Some(20), ..Default::default() },
        SettingsPatch { lock_minutes: Some(240), ..Default::default() },
        SettingsPatch { lang: Some(ccs_core::i18n::Lang::En), lock_minutes: Some(240), ..Default::default() },
    ] {
        let err = app.update_settings(patch.clone(), now()).unwrap_err();
        assert_eq!(err.code, "app.locked", "{patch:?}");
    }
    assert_eq!(app.settings().max_attempts, 5);
    assert_eq!(app.settings().lock_minutes, 5);
    let s = app.update_settings(SettingsPatch { lang: Some(ccs_core::i18n::Lang::En), ..Default::default() }, now());
    assert_eq!(s.unwrap().lang, ccs_core::i18n::Lang::En, "the unlock screen's language may change");
    app.unlock(PASS, now()).unwrap();
    assert!(app.update_settings(SettingsPatch { lock_minutes: Some(10), ..Default::default() }, now()).is_ok());
}

#[test]
fn wipe_leaves_no_salt_even_from_interrupted_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let mut app = App::new(data.clone(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    // What a crash in the middle of writing the key file or the settings leaves.
    std::fs::copy(data.join("ccs.db.kdf"), data.join("ccs.db.kdf.tmp")).unwrap();
    std::fs::copy(data.join("ccs.db.kdf"), data.join("ccs.db.kdf.next")).unwrap();
    std::fs::write(data.join("settings.json.tmp"), br#"{"settings":{"server_url":"https://ccs.example.ml"}}"#).unwrap();
    app.wipe().unwrap();
    let left: Vec<String> =
        std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|f| f == "settings.json"), "only fresh settings remain: {left:?}");
    let settings = std::fs::read_to_string(data.join("settings.json")).unwrap();
    assert!(!settings.contains("ccs.example.ml"));
}

#[test]
fn a_store_made_with_the_test_cost_is_rekeyed_at_the_apps_cost_on_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    // What `CCS_KDF_FAST=1 ccs init` makes.
    let store =
        Store::create(&data.join(STORE_FILE), PASS, Identity::new(Role::Member), KdfParams::insecure_fast_for_tests())
            .unwrap();
    drop(store);
    let mut app = App::new(data.clone(), None, app_cost(), now());
    app.unlock(PASS, now()).unwrap();
    app.lock();
    let store = Store::open(&data.join(STORE_FILE), PASS).unwrap();
    assert_eq!(store.kdf_params().unwrap(), app_cost(), "the key file now holds the app's cost");
    assert!(!data.join("ccs.db.kdf.next").exists());
    drop(store);
    assert!(Store::open(&data.join(STORE_FILE), "not-the-passphrase").is_err());
}

#[test]
fn a_rekeying_cut_short_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    let mut store =
        Store::create(&path, PASS, Identity::new(Role::Member), KdfParams::insecure_fast_for_tests()).unwrap();
    let old_key_file = std::fs::read(dir.path().join("ccs.db.kdf")).unwrap();
    store.strengthen_key(PASS, app_cost()).unwrap();
    drop(store);
    // As if the process died after re-encrypting, before the rename: the old key file is
    // back in place and the new one waits beside it.
    std::fs::copy(dir.path().join("ccs.db.kdf"), dir.path().join("ccs.db.kdf.next")).unwrap();
    std::fs::write(dir.path().join("ccs.db.kdf"), old_key_file).unwrap();
    let store = Store::open(&path, PASS).unwrap();
    assert_eq!(store.kdf_params().unwrap(), app_cost());
    assert!(!dir.path().join("ccs.db.kdf.next").exists());
}

#[test]
fn plain_http_to_another_host_is_refused_before_anything_is_sent() {
    // A forged enrollment QR code or a bad proxy setting: the token must not leave.
    let started = std::time::Instant::now();
    let t = HttpTransport::new(std::time::Duration::from_secs(20));
    // A non-routable address: a real attempt would wait for the timeout.
    let err = t.post("http://10.255.255.1:8787", "/v1/sync", Some("secret-token"), "application/json", vec![]);
    assert!(matches!(err, Err(SyncError::Address(_))), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(ccs_core::app::check_server_url("http://ccs.example.ml").unwrap_err().code, "settings.server_url_http");
    assert!(ccs_core::app::check_server_url("http://127.0.0.1:8787").is_ok());
}
