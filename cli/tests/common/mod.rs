//! What the CLI tests share: a store in a temporary directory driven through the real
//! `ccs` binary, with fast key derivation, and checks on how failures are reported.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const PASSPHRASE: &str = "goundam-2026";

/// A store of one device in its own temporary directory.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl TestStore {
    /// A store path with nothing created yet.
    pub fn empty() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("terrain.db");
        TestStore { dir, db }
    }

    /// `ccs init` with these extra arguments.
    pub fn init(extra: &[&str]) -> TestStore {
        let s = TestStore::empty();
        let mut args = vec!["init"];
        args.extend_from_slice(extra);
        let out = s.ok(&args);
        assert!(!out.trim().is_empty(), "init printed nothing");
        s
    }

    /// `ccs init --role ROLE` then `ccs demo`.
    pub fn with_demo(role: &str) -> TestStore {
        let s = TestStore::init(&["--role", role]);
        s.ok(&["demo"]);
        s
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ccs"));
        c.args(args)
            .env("CCS_DB", &self.db)
            .env("CCS_PASSPHRASE", PASSPHRASE)
            .env("CCS_KDF_FAST", "1")
            .env_remove("CCS_LANG")
            .env_remove("CCS_NEW_PASSPHRASE")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run ccs")
    }

    pub fn run_with_passphrase(&self, pass: &str, args: &[&str]) -> Output {
        self.command(args).env("CCS_PASSPHRASE", pass).output().expect("run ccs")
    }

    /// Runs and requires success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "ccs {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON output")
    }

    /// Number of records in the store (all kinds).
    pub fn total(&self) -> u64 {
        self.json(&["list", "--json"])["total"].as_u64().expect("total")
    }

    /// The ids of a list's first page.
    pub fn ids(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["list", "--json", "--limit", "500"];
        args.extend_from_slice(extra);
        self.json(&args)["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect()
    }

    /// The id of a committee created by the demo, by name.
    pub fn committee(&self, name: &str) -> String {
        let page = self.json(&["list", "--kind", "committee", "--json"]);
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["title"] == name)
            .and_then(|i| i["id"].as_str())
            .unwrap_or_else(|| panic!("no committee {name}"))
            .to_string()
    }

    /// Writes a fixture into the store's directory, with `{{committee_id}}` filled in.
    pub fn fixture(&self, name: &str, committee: &str) -> PathBuf {
        let text = std::fs::read_to_string(fixture_path(name)).expect("fixture");
        self.write(name, &text.replace("{{committee_id}}", committee))
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    pub fn kdf(&self) -> PathBuf {
        with_suffix(&self.db, ".kdf")
    }

    pub fn wal(&self) -> PathBuf {
        with_suffix(&self.db, "-wal")
    }
}

pub fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Checks that a failure was reported as one clear line `erreur: … [code]` with the
/// given exit status, and nothing like a panic or a Debug dump.
pub fn assert_one_line_error(out: &Output, status: i32, code: &str) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(status), "exit status; stderr: {err}");
    assert_no_crash(&err);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got: {err}");
    let line = lines[0];
    assert!(line.starts_with("erreur: ") || line.starts_with("error: "), "{line}");
    assert!(line.ends_with(&format!("[{code}]")), "expected code {code}: {line}");
    line.to_string()
}

pub fn assert_no_crash(err: &str) {
    for bad in ["panicked", "RUST_BACKTRACE", "Error {", "Os {", "Some(", "called `"] {
        assert!(!err.contains(bad), "looks like a crash or a Debug dump ({bad}): {err}");
    }
}
