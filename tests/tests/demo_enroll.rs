//! Demonstration records never reach a real server: a store filled by `ccs demo` is
//! refused at enrollment as a member, facilitator or reviewer (the code stays usable from
//! a new store), and `ccs demo` is refused on an enrolled device. The administrator's
//! trial import (what `scripts/run.sh` does) stays possible on purpose.

use std::process::Command;

use ccs_core::model::Role;
use ccs_tests::*;

fn ccs(db: &std::path::Path) -> Command {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|d| d.parent()).unwrap().join("ccs");
    let mut c = Command::new(bin);
    c.arg("--db").arg(db).env("CCS_PASSPHRASE", PASS).env("CCS_KDF_FAST", "1").env("CCS_LANG", "fr");
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn a_demo_store_cannot_be_enrolled_as_a_reviewer_and_the_code_survives() {
    let server = InProcessServer::start();
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.db");
    assert!(run(ccs(&demo).args(["init", "--role", "reviewer"])).0);
    assert!(run(ccs(&demo).arg("demo")).0);

    let code = issue_code(server.data_dir(), grant(Role::Reviewer, None, None));
    let (ok, _, stderr) = run(ccs(&demo).args(["enroll", "--server", &server.url(), "--code", &code]));
    assert!(!ok, "a demo store must not be enrolled");
    assert!(stderr.contains("démonstration"), "the refusal says why in French: {stderr}");
    assert!(stderr.contains("nouvelle base"), "and what to do: {stderr}");

    // Nothing of the demo reached the server, and the same code enrolls a new store.
    let fresh = dir.path().join("terrain.db");
    assert!(run(ccs(&fresh).args(["init", "--role", "reviewer"])).0);
    let (ok, _, stderr) = run(ccs(&fresh).args(["enroll", "--server", &server.url(), "--code", &code]));
    assert!(ok, "the code was not used up by the refusal: {stderr}");
    let (ok, stdout, stderr) = run(ccs(&fresh).arg("sync"));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("0 reçue(s)"), "the server holds no demo record: {stdout}");
}

#[test]
fn demo_records_cannot_be_added_to_an_enrolled_device() {
    let server = InProcessServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("terrain.db");
    assert!(run(ccs(&db).args(["init", "--role", "member"])).0);
    let code = issue_code(server.data_dir(), grant(Role::Reviewer, None, None));
    assert!(run(ccs(&db).args(["enroll", "--server", &server.url(), "--code", &code])).0);
    let (ok, _, stderr) = run(ccs(&db).arg("demo"));
    assert!(!ok, "demo on an enrolled device is refused");
    assert!(stderr.contains("[record.forbidden]") && stderr.contains("demonstration"), "{stderr}");
    let (_, stdout, _) = run(ccs(&db).args(["list", "--json"]));
    assert!(!stdout.contains("Goundam"), "nothing was added: {stdout}");
}

#[test]
fn the_administrators_trial_import_of_demo_data_stays_possible() {
    let server = InProcessServer::start();
    let dir = tempfile::tempdir().unwrap();
    let admin = dir.path().join("admin.db");
    assert!(run(ccs(&admin).args(["init", "--role", "admin"])).0);
    assert!(run(ccs(&admin).arg("demo")).0);
    let code = issue_code(server.data_dir(), grant(Role::Admin, None, None));
    let (ok, _, stderr) = run(ccs(&admin).args(["enroll", "--server", &server.url(), "--code", &code]));
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run(ccs(&admin).arg("sync"));
    assert!(ok, "{stderr}");
    assert!(!stdout.contains(" 0 acceptée(s)"), "the demo records were filed: {stdout}");
}
