//! The lock on the phone's lifecycle (`ccs_app::mobile`): going to the background closes
//! an open store and tells the window (except while the user's own file chooser covers
//! the app), through Tauri's mock runtime over a real encrypted store. The suspended event itself exists only in mobile builds; what it
//! calls is tested here.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ccs_app::Shared;
use ccs_core::app::App;
use ccs_core::store::KdfParams;
use common::invoke;
use serde_json::json;
use tauri::test::{mock_builder, mock_context, noop_assets};
use tauri::{Listener, Manager, WebviewWindowBuilder};

#[test]
fn going_to_the_background_locks_an_open_store_and_tells_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), chrono::Utc::now());
    let built = ccs_app::builder(mock_builder()).build(mock_context(noop_assets())).unwrap();
    let handle = built.handle().clone();

    // Before the state exists (the first instants of a start): nothing to lock, no panic.
    assert!(!ccs_app::mobile::went_to_background(&handle));

    built.manage(Shared::new(app));
    let window = WebviewWindowBuilder::new(&built, "main", Default::default()).build().unwrap();
    let told = Arc::new(AtomicUsize::new(0));
    let seen = told.clone();
    handle.listen_any("locked", move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });

    let status = invoke(&window, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    assert_eq!(status["stage"], "unlocked");
    assert!(invoke(&window, "home", json!({})).is_ok());

    assert!(ccs_app::mobile::went_to_background(&handle), "an open store was locked");
    assert_eq!(invoke(&window, "app_status", json!({})).unwrap()["stage"], "locked");
    // The store is closed, not just hidden: reading it now is refused.
    assert!(invoke(&window, "home", json!({})).is_err());
    assert_eq!(told.load(Ordering::SeqCst), 1, "the window was told once");

    // Paused again while locked (the screen turning off twice): nothing more to do,
    // and the window is not told again.
    assert!(!ccs_app::mobile::went_to_background(&handle));
    assert_eq!(told.load(Ordering::SeqCst), 1);

    // The right passphrase opens it again.
    let status = invoke(&window, "unlock", json!({"passphrase": "sahel-2026"})).unwrap();
    assert_eq!(status["stage"], "unlocked");

    // The user's own file chooser (a bundle to import) pauses the app too: that pause
    // does not lock, and the next one, once the chooser closed, does.
    invoke(&window, "choosing_file", json!({"open": true})).unwrap();
    assert!(!ccs_app::mobile::went_to_background(&handle), "the chooser covers the app");
    assert!(invoke(&window, "home", json!({})).is_ok());
    invoke(&window, "choosing_file", json!({"open": false})).unwrap();
    assert!(ccs_app::mobile::went_to_background(&handle));
    assert!(invoke(&window, "home", json!({})).is_err());
    assert_eq!(told.load(Ordering::SeqCst), 2);
    // Told while locked: nothing to keep open, and a bad argument is refused.
    invoke(&window, "choosing_file", json!({"open": true})).unwrap();
    assert!(invoke(&window, "choosing_file", json!({"open": "yes"})).is_err());
    let status = invoke(&window, "unlock", json!({"passphrase": "sahel-2026"})).unwrap();
    assert_eq!(status["stage"], "unlocked");
    assert!(ccs_app::mobile::went_to_background(&handle), "the mark did not outlive the lock");
}
