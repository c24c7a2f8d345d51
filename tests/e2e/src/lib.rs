//! Harness for the end-to-end tests in `tests/e2e/tests/`: the real desktop app
//! (`ccs-app`, a debug build that embeds `ui/dist`) under Xvfb, driven through
//! `tauri-driver` and WebKitWebDriver, against a real sync server on `127.0.0.1:0`, with
//! the `ccs` command-line client as the other device.
//!
//! - [`driver`]: the `tauri-driver` process (started with the app's environment, stopped
//!   with SIGTERM so that WebKitWebDriver is not orphaned).
//! - [`app`]: one WebDriver session on the app, with waits and actions by `data-testid`
//!   that fail with what the screen showed and a screenshot in `target/e2e-failures/`.
//! - [`cli`]: the `ccs` binary as a second device (reviewer, facilitator).
//! - [`flows`]: steps taken again and again (first start, sync, lock, unlock).
//! - [`world`]: a server that knows the committees, enrollment codes, a data folder for
//!   the app.
//! - [`screen`]: captures of the X screen (`import -window root`) for the screenshots.
//!
//! The tests themselves exist only with the `e2e` feature; this library always builds so
//! that clippy and the workspace build cover it. Nothing here is used by the app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod cli;
pub mod driver;
pub mod flows;
pub mod screen;
pub mod world;

use std::path::PathBuf;
use std::time::Duration;

/// The folder holding the workspace's built binaries (`target/debug`): the test
/// executable runs from `target/debug/deps/`.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf()
}

/// A built binary of the workspace, or a panic that says how to build it.
pub fn workspace_binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the workspace first (`cargo build --workspace --all-targets`, \
         after `cd ui && npm ci && npm run build` for the app)",
        path.display()
    );
    path
}

/// `target/`, where failure screenshots and logs go.
pub fn target_dir() -> PathBuf {
    bin_dir().parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"))
}

/// The current test's name (libtest names the thread after it), for file names.
pub fn test_name() -> String {
    let name = std::thread::current().name().unwrap_or("e2e").to_string();
    name.rsplit("::").next().unwrap_or("e2e").replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_")
}

/// How long a wait lasts before it fails: `CCS_E2E_TIMEOUT` seconds, 30 by default (a
/// debug build under Xvfb on two cores is slow to derive a key and to start).
pub fn timeout() -> Duration {
    let secs = std::env::var("CCS_E2E_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// A free TCP port on loopback (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
