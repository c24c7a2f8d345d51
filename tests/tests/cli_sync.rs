//! `ccs enroll` and `ccs sync` against a real server, as a script would use them.

use std::process::Command;

use ccs_core::model::Role;
use ccs_tests::*;

fn ccs(db: &std::path::Path) -> Command {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|d| d.parent()).unwrap().join("ccs");
    let mut c = Command::new(bin);
    c.arg("--db").arg(db).env("CCS_PASSPHRASE", PASS).env("CCS_KDF_FAST", "1").env_remove("CCS_LANG");
    c
}

#[test]
fn enroll_prints_the_device_id_then_sync_reports_and_fails_clearly_offline() {
    let server = InProcessServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("terrain.db");
    let init = ccs(&db).args(["init", "--role", "reviewer"]).output().unwrap();
    assert!(init.status.success());
    let device = String::from_utf8_lossy(&init.stdout).lines().next().unwrap().to_string();
    for (name, region, cercle, commune) in [
        ("CCS de Goundam", "tombouctou", "tombouctou/goundam", "tombouctou/goundam/goundam"),
        ("CCS d'Ansongo", "gao", "gao/ansongo", "gao/ansongo/ansongo"),
    ] {
        let file = dir.path().join("committee.json");
        let json = serde_json::json!({"level": "communal", "name": name, "region": region, "cercle": cercle, "commune": commune});
        std::fs::write(&file, json.to_string()).unwrap();
        let added = ccs(&db).args(["add", "committee"]).arg(&file).output().unwrap();
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    }

    let code = issue_code(server.data_dir(), grant(Role::Reviewer, None, None));
    let out = ccs(&db).args(["enroll", "--server", &server.url(), "--code", &code.to_lowercase()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().next(), Some(device.as_str()), "device id alone on the first line");

    let out = ccs(&db).arg("sync").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("synchronisé en") && stdout.contains("2 fiche(s) envoyée(s), 2 acceptée(s)"), "{stdout}");

    // The same code again: refused, one line, non-zero.
    let again = ccs(&db).args(["enroll", "--server", &server.url(), "--code", &code]).output().unwrap();
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("[enroll.used]") && stderr.lines().count() == 1, "{stderr}");

    // Server gone: one clear line, non-zero.
    let url = server.url();
    drop(server);
    let _ = url;
    let out = ccs(&db).arg("sync").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[sync.network]") && stderr.lines().count() == 1, "{stderr}");
}
