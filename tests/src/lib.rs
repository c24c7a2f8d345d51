//! Test harness for the cross-component tests in `tests/tests/`: a real sync server
//! (in-process on `127.0.0.1:0`, or the real binary as a child process that can be
//! killed), devices with real encrypted stores enrolled through real HTTP, and a
//! loopback proxy that counts bytes and cuts connections.
#![allow(clippy::unwrap_used)]

pub mod fixtures;
pub mod proxy;
pub mod sim;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ccs_core::model::*;
use ccs_core::store::{Identity, KdfParams, ListFilter, Store};
use ccs_core::sync::client::{self, HttpTransport, SyncError, SyncReport};
use ccs_sync_server::background::Background;
use ccs_sync_server::enrollment::Grant;
use ccs_sync_server::{admin, Config, Limits};
use chrono::{DateTime, TimeZone, Utc};
use tempfile::TempDir;

pub const PASS: &str = "terrain-2026";

/// The fixed "now" of scenarios, so dates validate the same on every run.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

/// A server running in this process on 127.0.0.1:0; stopped on drop.
pub struct InProcessServer {
    pub addr: SocketAddr,
    // Declared before `data`: the server stops before its directory is deleted.
    _server: Background,
    pub data: TempDir,
}

impl InProcessServer {
    pub fn start() -> InProcessServer {
        Self::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> InProcessServer {
        Self::on(tempfile::tempdir().unwrap(), limits)
    }

    /// Serves an existing data directory (a restored backup, say).
    pub fn on(data: TempDir, limits: Limits) -> InProcessServer {
        Self::on_addr(data, limits, "127.0.0.1:0".parse().unwrap())
    }

    /// Serves `data` at a given address (a server restored where the old one stood).
    pub fn on_addr(data: TempDir, limits: Limits, addr: SocketAddr) -> InProcessServer {
        let config = Config { data_dir: data.path().to_path_buf(), database: None, limits };
        let server = Background::spawn(config, addr).unwrap();
        InProcessServer { addr: server.addr, data, _server: server }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

/// The `ccs-sync-server` binary next to this test executable (cargo builds every
/// binary of the workspace before running workspace tests).
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    dir.join("ccs-sync-server")
}

/// The real server binary as a child process, on a fixed port so it can be killed and
/// restarted at the same address.
pub struct ChildServer {
    pub addr: SocketAddr,
    pub data: PathBuf,
    child: Option<Child>,
}

impl ChildServer {
    pub fn start(data: &Path) -> ChildServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut s = ChildServer { addr, data: data.to_path_buf(), child: None };
        s.restart();
        s
    }

    /// Starts (again) on the same address and data, and waits until it answers.
    pub fn restart(&mut self) {
        let child = Command::new(server_binary())
            .args(["--data", self.data.to_str().unwrap(), "serve", "--listen", &self.addr.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the ccs-sync-server binary is built by `cargo test --workspace`");
        self.child = Some(child);
        for _ in 0..500 {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("server did not start on {}", self.addr);
    }

    /// SIGKILL: no shutdown, no flush, as a power cut would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A device: an encrypted store of its own.
pub struct Device {
    pub name: String,
    pub dir: TempDir,
    pub store: Store,
}

impl Device {
    pub fn new(name: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(
            &dir.path().join("device.db"),
            PASS,
            Identity::new(Role::Member),
            KdfParams::insecure_fast_for_tests(),
        )
        .unwrap();
        Device { name: name.into(), dir, store }
    }

    /// Enrolls with a fresh code for `grant`, issued by the server's admin functions.
    pub fn enrolled(name: &str, server_url: &str, data_dir: &Path, grant: Grant) -> Device {
        let mut d = Device::new(name);
        let code = issue_code(data_dir, grant);
        client::enroll(&mut d.store, &HttpTransport::default(), server_url, &code, Some(name)).unwrap();
        d
    }

    pub fn sync(&mut self) -> Result<SyncReport, SyncError> {
        client::sync(&mut self.store, &HttpTransport::new(Duration::from_secs(20)), now())
    }

    /// Syncs until it succeeds (a flaky link), at most `tries` times.
    pub fn sync_until_ok(&mut self, tries: usize) -> SyncReport {
        let mut last = None;
        for _ in 0..tries {
            match self.sync() {
                Ok(r) => return r,
                Err(e) => last = Some(e),
            }
        }
        panic!("{}: sync kept failing: {last:?}", self.name);
    }

    pub fn ids(&self) -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = self
            .store
            .list(&ListFilter { limit: 500, ..Default::default() })
            .unwrap()
            .items
            .iter()
            .map(|i| i.id)
            .collect();
        ids.sort();
        ids
    }
}

pub fn grant(role: Role, committee: Option<CommitteeId>, region: Option<&str>) -> Grant {
    Grant { role, committee_id: committee, region: region.map(str::to_string), label: None }
}

pub fn issue_code(data_dir: &Path, grant: Grant) -> String {
    admin::create_enrollment_code(data_dir, &grant, chrono::Duration::hours(1), Utc::now()).unwrap().code
}

/// A server with the two committees in it (Goundam, Ansongo), created by a reviewer
/// device: where most multi-device tests start.
pub struct World {
    pub server: InProcessServer,
    pub reviewer: Device,
    pub goundam: CommitteeId,
    pub ansongo: CommitteeId,
}

pub fn world() -> World {
    let server = InProcessServer::start();
    let mut reviewer =
        Device::enrolled("reviewer", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let goundam = reviewer.store.create_record(fixtures::goundam(), now()).unwrap().into();
    let ansongo = reviewer.store.create_record(fixtures::ansongo(), now()).unwrap().into();
    reviewer.sync().unwrap();
    World { server, reviewer, goundam, ansongo }
}

/// Every string any change of a saved document ever wrote, overwritten and deleted ones
/// included (text is written character by character, in order): what a reader of the
/// document can dig out of its history.
pub fn every_string_written(bytes: &[u8]) -> String {
    let mut doc = automerge::AutoCommit::load(bytes).unwrap();
    let mut out = String::new();
    for change in doc.get_changes(&[]) {
        for op in change.decode().operations {
            if let automerge::legacy::OpType::Put(automerge::ScalarValue::Str(s)) = op.action {
                out.push_str(&s);
            }
        }
    }
    out
}
