//! The `tauri-driver` process. It starts WebKitWebDriver, which starts the app for each
//! WebDriver session with this process's environment: that is how the app gets its
//! `CCS_APP_DATA_DIR` and `CCS_SERVER_URL`.
//!
//! Stopping: sessions first (the app closes), then SIGTERM, on which tauri-driver stops
//! WebKitWebDriver before exiting. Never SIGKILL: that would leave WebKitWebDriver (and
//! possibly the app) running with nobody to stop them.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, target_dir, test_name};

/// A running `tauri-driver`, stopped on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

/// `tauri-driver` from `CCS_TAURI_DRIVER`, the `PATH`, or `~/.cargo/bin`.
pub fn tauri_driver_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("CCS_TAURI_DRIVER") {
        return p.into();
    }
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join("tauri-driver")).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("tauri-driver not found: `cargo install tauri-driver --version '^2' --locked` (scripts/test.sh does it)")
    })
}

/// WebKitWebDriver from `CCS_NATIVE_DRIVER` or `/usr/bin` (Debian's webkit2gtk-driver).
pub fn native_driver_binary() -> PathBuf {
    let p: PathBuf =
        std::env::var_os("CCS_NATIVE_DRIVER").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/WebKitWebDriver".into());
    assert!(p.is_file(), "{} not found: install Debian's webkit2gtk-driver", p.display());
    p
}

impl Driver {
    /// Starts tauri-driver on free ports with `env` added to the environment that the app
    /// will inherit, and waits until it answers `/status`.
    pub fn start(env: &[(&str, OsString)]) -> Driver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the end-to-end tests under Xvfb, e.g. \
             `xvfb-run -a -s \"-screen 0 1280x800x24\" cargo test -p ccs-e2e --features e2e`"
        );
        let logs = target_dir().join("e2e-logs");
        std::fs::create_dir_all(&logs).unwrap();
        let log = logs.join(format!("{}.log", test_name()));
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(tauri_driver_binary());
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg(native_driver_binary())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        let mut driver = Driver { child, port, log };
        driver.wait_ready();
        driver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self) {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build().into();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tauri-driver exited at start ({status}); its log: {}", self.log.display());
            }
            // Proxied to WebKitWebDriver: answers once both are up.
            if agent.get(format!("{}/status", self.url())).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("tauri-driver did not answer on port {} within 20 s; its log: {}", self.port, self.log.display());
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("tauri-driver (pid {}) did not stop within 15 s of SIGTERM", self.child.id());
    }
}
