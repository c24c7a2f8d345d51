//! The store locks when logind locks the session (`loginctl lock-session`, whatever the
//! desktop, with no screen saver involved): the app's own subscription on a bus of the
//! test's own standing for the system bus (Debian's dbus-daemon), a real `Lock` signal
//! sent with gdbus, and GLib's main context turned as the app's GTK loop turns it.
#![cfg(target_os = "linux")]

mod common;

use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_app::Shared;
use ccs_core::app::App;
use ccs_core::store::KdfParams;
use common::invoke;
use serde_json::json;
use tauri::test::{mock_builder, mock_context, noop_assets};
use tauri::{Listener, Manager, WebviewWindowBuilder};

/// A private dbus-daemon, stopped with the test.
struct Bus {
    child: std::process::Child,
    address: String,
}

impl Bus {
    fn start() -> Bus {
        let mut child = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon (Debian's dbus-daemon package)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        Bus { child, address: line.trim().to_string() }
    }

    /// What logind sends on the system bus for a session: `Lock` or `Unlock`.
    fn session_signal(&self, member: &str) {
        let status = std::process::Command::new("gdbus")
            .args(["emit", "--system", "--object-path", "/org/freedesktop/login1/session/_31"])
            .args(["--signal", &format!("org.freedesktop.login1.Session.{member}")])
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Turns GLib's main context for `for_at_least`, or until `done`.
fn turn_main_loop(for_at_least: Duration, done: impl Fn() -> bool) {
    let context = gio::glib::MainContext::default();
    let until = Instant::now() + for_at_least;
    while Instant::now() < until && !done() {
        while context.iteration(false) {}
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_session_locked_by_logind_locks_the_store_and_tells_the_window() {
    let bus = Bus::start();
    // Before anything in this process opens the system bus: GIO reads it once.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), chrono::Utc::now());
    let built = ccs_app::builder(mock_builder()).build(mock_context(noop_assets())).unwrap();
    let handle = built.handle().clone();
    built.manage(Shared::new(app));
    let window = WebviewWindowBuilder::new(&built, "main", Default::default()).build().unwrap();
    let told = Arc::new(AtomicUsize::new(0));
    let seen = told.clone();
    handle.listen_any("locked", move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let status = invoke(&window, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    assert_eq!(status["stage"], "unlocked");

    // No logind on this bus: the app cannot learn its session and listens to any.
    ccs_app::watch_session_lock(&handle);
    let stage = || invoke(&window, "app_status", json!({})).unwrap()["stage"].as_str().unwrap().to_string();

    // Another signal of the session (unlocked) changes nothing.
    bus.session_signal("Unlock");
    turn_main_loop(Duration::from_secs(1), || false);
    assert_eq!(stage(), "unlocked");
    assert!(invoke(&window, "home", json!({})).is_ok());

    bus.session_signal("Lock");
    turn_main_loop(Duration::from_secs(10), || told.load(Ordering::SeqCst) > 0);
    assert_eq!(told.load(Ordering::SeqCst), 1, "the window was told");
    assert_eq!(stage(), "locked");
    assert!(invoke(&window, "home", json!({})).is_err(), "the store is closed, not just hidden");

    // Locked again while locked: the window is not told twice.
    bus.session_signal("Lock");
    turn_main_loop(Duration::from_secs(1), || false);
    assert_eq!(told.load(Ordering::SeqCst), 1);
    let status = invoke(&window, "unlock", json!({"passphrase": "sahel-2026"})).unwrap();
    assert_eq!(status["stage"], "unlocked");
}
