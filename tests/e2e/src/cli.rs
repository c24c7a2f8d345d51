//! The `ccs` command-line client as the second device of a scenario (a reviewer in
//! Bamako, a facilitator): its own encrypted store, enrolled with the same server, every
//! step a real process as a person or a script would run it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::workspace_binary;

/// The passphrase of the CLI devices' stores.
pub const CLI_PASS: &str = "bamako-revue-2026";

/// A device run through the `ccs` binary.
pub struct Ccs {
    pub db: PathBuf,
    _dir: Option<TempDir>,
}

impl Ccs {
    /// A new store for `role`, not enrolled.
    pub fn init(role: &str) -> Ccs {
        let dir = tempfile::tempdir().unwrap();
        let ccs = Ccs { db: dir.path().join("device.db"), _dir: Some(dir) };
        ccs.run(&["init", "--role", role]);
        ccs
    }

    /// A new store for `role` at `db` (e.g. the app's `ccs.db`), not enrolled.
    pub fn init_at(db: &Path, role: &str) -> Ccs {
        let ccs = Ccs { db: db.to_path_buf(), _dir: None };
        ccs.run(&["init", "--role", role]);
        ccs
    }

    /// A store for `role` enrolled with `server` using `code`.
    pub fn enrolled(role: &str, server: &str, code: &str) -> Ccs {
        let ccs = Ccs::init(role);
        ccs.run(&["enroll", "--server", server, "--code", code, "--label", role]);
        ccs
    }

    /// `ccs --db <store>` with the passphrase, fast key derivation and French messages.
    pub fn command(&self) -> Command {
        let mut c = Command::new(workspace_binary("ccs"));
        c.arg("--db").arg(&self.db).env("CCS_PASSPHRASE", CLI_PASS).env("CCS_KDF_FAST", "1").env("CCS_LANG", "fr");
        c
    }

    /// Runs `ccs <args>`; returns stdout, or panics with stderr.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "`ccs {}` failed ({}):\n{}{}",
            args.join(" "),
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    pub fn sync(&self) -> String {
        self.run(&["sync"])
    }

    /// `ccs list --json <args>`: the page's items.
    pub fn list(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["list", "--json", "--limit", "500"];
        all.extend_from_slice(args);
        let page: Value = serde_json::from_str(&self.run(&all)).unwrap();
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// `ccs show ID --json`.
    pub fn show(&self, id: &str) -> Value {
        serde_json::from_str(&self.run(&["show", id, "--json"])).unwrap()
    }

    /// `ccs review ID --decision D [--comment C]`.
    pub fn review(&self, id: &str, decision: &str, comment: Option<&str>) -> String {
        let mut args = vec!["review", id, "--decision", decision];
        if let Some(c) = comment {
            args.extend_from_slice(&["--comment", c]);
        }
        self.run(&args)
    }

    pub fn db(&self) -> &Path {
        &self.db
    }
}
