//! Administration of a data directory while the server runs: devices, the committee
//! registry, backups, and the binary's subcommands.

mod common;

use std::process::Command;

use ccs_core::model::*;
use ccs_sync_server::admin::{self, AdminError};
use ccs_sync_server::committees::RegistryError;
use ccs_sync_server::devices::Revocation;
use chrono::Utc;
use common::*;
use rstest::rstest;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccs-sync-server"))
}

#[rstest]
fn devices_are_listed_and_revoked(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let member = server.enroll(Role::Member, Some(goundam()), None);
    let facilitator = server.enroll(Role::Facilitator, None, Some("gao"));
    let devices = admin::list_devices(server.at()).unwrap();
    assert_eq!(devices.len(), 2);
    let m = devices.iter().find(|d| d.id == member.id.to_string()).unwrap();
    assert_eq!(
        (m.role.as_str(), m.scope(), m.label.as_deref()),
        ("member", format!("committee {GOUNDAM}"), Some("test"))
    );
    let f = devices.iter().find(|d| d.id == facilitator.id.to_string()).unwrap();
    assert_eq!(f.scope(), "region gao");
    assert!(devices.iter().all(|d| d.revoked_at.is_none()));

    let dir = server.dir();
    let id = member.id.to_string();
    let at = server.at();
    assert_eq!(admin::revoke_device(&at, &id.to_uppercase(), Utc::now()).unwrap(), Revocation::Revoked);
    assert_eq!(admin::revoke_device(&at, &id, Utc::now()).unwrap(), Revocation::AlreadyRevoked);
    assert_eq!(admin::revoke_device(&at, "nobody", Utc::now()).unwrap(), Revocation::UnknownDevice);
    let devices = admin::list_devices(&at).unwrap();
    assert!(devices.iter().find(|d| d.id == id).unwrap().revoked_at.is_some());

    // The same through the binary, against the running server's directory.
    let out =
        bin().args(["devices", "list", "--json"]).args(server.database_args()).env("CCS_DATA", &dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let out = bin().arg("--data").arg(&dir).args(server.database_args()).args(["devices", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&facilitator.id.to_string()) && text.contains("region gao"), "{text}");
    let out = bin()
        .arg("--data")
        .arg(&dir)
        .args(server.database_args())
        .args(["devices", "revoke", &facilitator.id.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = bin()
        .arg("--data")
        .arg(&dir)
        .args(server.database_args())
        .args(["devices", "revoke", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no enrolled device"));
}

#[rstest]
fn committee_import_refuses_bad_files_whole(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    let dir = server.dir();
    let file = dir.join("bad.json");
    std::fs::write(&file, "[{\"id\": \"x\"").unwrap();
    assert!(matches!(
        admin::import_committees(server.at(), &file, Utc::now()),
        Err(AdminError::Registry(RegistryError::Parse(_)))
    ));
    std::fs::write(
        &file,
        serde_json::json!([
            {"id": GOUNDAM, "name": "CCS de Goundam", "level": "communal", "region": "tombouctou"},
            {"id": ANSONGO, "name": "CCS d'Ansongo", "level": "communal", "region": "atlantis"}
        ])
        .to_string(),
    )
    .unwrap();
    let err = admin::import_committees(server.at(), &file, Utc::now()).unwrap_err();
    assert!(matches!(err, AdminError::Registry(RegistryError::Invalid { index: 2, .. })), "{err}");
    assert!(err.to_string().contains("atlantis"));
    let missing = admin::import_committees(server.at(), &dir.join("nope.json"), Utc::now()).unwrap_err();
    assert!(matches!(missing, AdminError::ReadFile { .. }));

    // Nothing was imported: a Tombouctou facilitator gets nothing from Goundam.
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut facilitator = server.enroll(Role::Facilitator, None, Some("tombouctou"));
    let me = member.id;
    member.push_ok(vec![LocalDoc::new(session(goundam(), me), me).push()]);
    assert!(facilitator.pulled_docs().is_empty());

    // The binary reports the error and fails; a good file then routes Goundam.
    let out = bin()
        .arg("--data")
        .arg(&dir)
        .args(server.database_args())
        .args(["committees", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("committee #2"));
    server.import_committees();
    facilitator.cursor = 0;
    assert_eq!(facilitator.pull_all().len(), 1);
}

#[test]
fn backup_while_serving_holds_the_log() {
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let me = member.id;
    let docs: Vec<_> = (0..5).map(|_| LocalDoc::new(session(goundam(), me), me)).collect();
    // Pushes keep arriving on another thread while the backup is taken.
    let pusher = std::thread::spawn(move || {
        for mut d in docs {
            member.push_ok(vec![d.push()]);
        }
        member
    });
    let file = server.dir().join("backup-1.db");
    let out =
        bin().arg("--data").arg(server.dir()).args(server.database_args()).arg("backup").arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _member = pusher.join().unwrap();
    assert!(matches!(admin::backup(server.at(), &file), Err(AdminError::BackupExists(_))));

    let copy = rusqlite::Connection::open(&file).unwrap();
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let committees: i64 = copy.query_row("SELECT COUNT(*) FROM committees", [], |r| r.get(0)).unwrap();
    assert_eq!(committees, 2);
    let devices: i64 = copy.query_row("SELECT COUNT(*) FROM devices", [], |r| r.get(0)).unwrap();
    assert_eq!(devices, 1);

    // A backup taken once the pushes are done holds all of them, and opens as a server.
    let file = server.dir().join("backup-2.db");
    admin::backup(server.at(), &file).unwrap();
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join(ccs_sync_server::store::DB_FILE)).unwrap();
    let again = TestServer::on(restored, ccs_sync_server::Limits::default());
    let mut reviewer = again.enroll(Role::Reviewer, None, None);
    assert_eq!(reviewer.pull_all().len(), 5);
}

#[test]
fn enroll_prints_the_code_alone_then_a_qr_code() {
    let server = TestServer::start();
    let dir = server.dir();
    let out = bin()
        .arg("--data")
        .arg(&dir)
        .args(["enroll", "--role", "member", "--committee", GOUNDAM, "--expires", "30m", "--label", "Goundam 1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let code = lines.next().unwrap();
    assert_eq!(code.len(), 14, "{text}");
    assert!(code.chars().all(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit()));
    assert!(text.contains('▀') || text.contains('▄') || text.contains('█'), "no QR code:\n{text}");
    assert!(text.contains("expires"));

    // The printed code enrolls a device.
    let body = serde_json::json!({"code": code, "device_id": DeviceId::new().to_string()}).to_string();
    let (status, _) = post(&server.url, "/v1/enroll", None, "application/json", body.as_bytes());
    assert_eq!(status, 200);

    // Scope is required by role; durations are checked.
    for args in [
        vec!["enroll", "--role", "member"],
        vec!["enroll", "--role", "facilitator"],
        vec!["enroll", "--role", "reviewer", "--expires", "soon"],
        vec!["enroll", "--role", "facilitator", "--region", "Atlantis"],
    ] {
        let out = bin().arg("--data").arg(&dir).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a code");
    }
    // No data directory: a clear error.
    let out = bin().args(["devices", "list"]).env_remove("CCS_DATA").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CCS_DATA"));
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().arg("--data").arg(dir.path()).args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain HTTP"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(ccs_sync_server::check_plain_http("127.0.0.1:8787".parse().unwrap()).is_ok());
    assert!(ccs_sync_server::check_plain_http("[::1]:8787".parse().unwrap()).is_ok());
    assert!(ccs_sync_server::check_plain_http("10.0.0.5:8787".parse().unwrap()).is_err());
}

#[test]
fn serve_binary_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // Find a free port, then let the server take it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = bin()
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if agent().get(format!("{url}/healthz")).call().is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(up, "server did not start");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("request_id"), "no request id in the log:\n{log}");
}

/// M5: a backup holds every record in plaintext and every token hash: it is written
/// owner-only (0600) whatever the umask, like the data directory (0700).
#[cfg(unix)]
#[test]
fn backups_and_the_data_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start();
    server.import_committees();
    let file = server.dir().join("backup.db");
    let out =
        bin().arg("--data").arg(server.dir()).args(server.database_args()).arg("backup").arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(server.dir()).unwrap().permissions().mode() & 0o777, 0o700);

    // An existing directory others can read is tightened when the server opens it.
    let open = tempfile::tempdir().unwrap();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = bin().arg("--data").arg(open.path()).args(["devices", "list"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::metadata(open.path()).unwrap().permissions().mode() & 0o777, 0o700);
}

/// L4: a device chooses its label; a hostile one (terminal escapes, a forged line,
/// kilobytes of text) is stored and printed cleaned and bounded.
#[rstest]
fn a_hostile_device_label_is_cleaned_and_bounded(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let code = server.code(Role::Member, Some(goundam()), None);
    let label = format!("\u{1b}[2J\u{1b}[31mAwa\n{} revoked: no{}", "x".repeat(10), "é".repeat(5000));
    let body = serde_json::json!({"code": code, "device_id": DeviceId::new().to_string(), "label": label}).to_string();
    let (status, bytes) = post(&server.url, "/v1/enroll", None, "application/json", body.as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let devices = admin::list_devices(server.at()).unwrap();
    let stored = devices[0].label.clone().unwrap();
    assert!(stored.chars().all(|c| !c.is_control()), "{stored:?}");
    assert_eq!(stored.chars().count(), ccs_sync_server::enrollment::MAX_LABEL_CHARS);
    assert!(stored.starts_with("[2J[31mAwaxxxxxxxxxx revoked: no"), "{stored:?}");
    let out =
        bin().arg("--data").arg(server.dir()).args(server.database_args()).args(["devices", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert_eq!(text.lines().count(), 2, "{text}");
}
