//! The Tauri commands through Tauri's mock runtime, headless: the same IPC path the
//! window uses (JSON arguments in camelCase, `{code, message, fields}` errors back),
//! over a real encrypted store in a temporary folder; a sync against a loopback server
//! that answers nothing for 20 s must not hold up lock, wipe or autosave.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_app::Shared;
use ccs_core::app::App;
use ccs_core::store::KdfParams;
use common::invoke;
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets};
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

struct Window {
    window: WebviewWindow<tauri::test::MockRuntime>,
    _app: tauri::App<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

fn window() -> Window {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), chrono::Utc::now());
    let built = ccs_app::builder(mock_builder()).build(mock_context(noop_assets())).unwrap();
    built.manage(Shared::new(app));
    let window = WebviewWindowBuilder::new(&built, "main", Default::default()).build().unwrap();
    Window { window, _app: built, _dir: dir }
}

/// Invokes `cmd` with `args`; `Ok(value)` or `Err(error json)`.
fn call(w: &Window, cmd: &str, args: Value) -> Result<Value, Value> {
    invoke(&w.window, cmd, args)
}

#[test]
fn first_start_demo_lists_and_locks() {
    let w = window();
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["stage"], "setup");

    let weak = call(&w, "check_passphrase", json!({"passphrase": "123456"})).unwrap();
    assert_eq!(weak["ok"], false);
    assert!(weak["message"]["fr"].as_str().unwrap().contains("PIN"));
    let err = call(&w, "create_demo", json!({"passphrase": "123456", "role": "member"})).unwrap_err();
    assert_eq!(err["code"], "passphrase.weak");

    let status = call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    assert_eq!(status["stage"], "unlocked");
    assert_eq!(status["identity"]["role"], "member");
    assert!(status["identity"]["committee_name"].as_str().unwrap().contains("Goundam"));

    let home = call(&w, "home", json!({})).unwrap();
    assert!(!home["counts"].as_array().unwrap().is_empty());
    assert_eq!(home["sync"]["enrolled"], false);

    let sessions = call(&w, "list_records", json!({"filter": {"kind": "session"}})).unwrap();
    assert!(sessions["total"].as_u64().unwrap() > 0);
    let id = sessions["items"][0]["id"].as_str().unwrap().to_string();
    let view = call(&w, "open_record", json!({"id": id})).unwrap();
    assert_eq!(view["summary"]["id"], id.as_str());
    assert!(view["fields"]["date"].is_string());

    let vocabulary = call(&w, "vocabulary", json!({})).unwrap();
    assert!(vocabulary["lists"].as_array().unwrap().iter().any(|l| l["name"] == "College"));

    assert_eq!(call(&w, "lock", json!({})).unwrap()["stage"], "locked");
    let locked = call(&w, "home", json!({})).unwrap_err();
    assert_eq!(locked["code"], "app.locked");
    let wrong = call(&w, "unlock", json!({"passphrase": "not-it-at-all"})).unwrap_err();
    assert_eq!(wrong["code"], "store.wrong_passphrase");
    assert!(wrong["message"]["fr"].as_str().unwrap().contains("Essais restants"));
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["attempts_left"], 4);
    assert_eq!(call(&w, "unlock", json!({"passphrase": "sahel-2026"})).unwrap()["stage"], "unlocked");
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["attempts_left"], 5);
}

#[test]
fn a_form_autosaves_as_a_draft_until_valid_then_becomes_the_record() {
    let w = window();
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    let draft = call(&w, "new_record", json!({"kind": "session"})).unwrap();
    let draft_id = draft["draft_id"].as_str().unwrap().to_string();
    // Goundam is a communal committee: the mayor chairs, at the town hall.
    assert_eq!(
        (draft["fields"]["chaired_by"].as_str(), draft["fields"]["venue_type"].as_str()),
        (Some("maire"), Some("mairie"))
    );
    let mut fields = draft["fields"].clone();
    fields["invited"] = json!(20);
    fields["present"] = json!(25);
    fields["summary"] = json!("M. Traoré signale des vols, joignable au 76 12 34 56.");

    let outcome = call(
        &w,
        "save_draft",
        json!({"draft": {"draft_id": draft_id, "kind": "session", "record_id": null, "fields": fields}}),
    )
    .unwrap();
    assert_eq!(outcome["saved"], false);
    let paths: Vec<&str> = outcome["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"present"), "{paths:?}");
    assert_eq!(outcome["warnings"].as_array().unwrap().len(), 2, "a name and a phone number");
    // The draft is kept: it reopens with what was typed.
    let reopened = call(&w, "open_draft", json!({"draftId": draft_id})).unwrap();
    assert_eq!(reopened["fields"]["present"], 25);

    fields["present"] = json!(15);
    fields["summary"] = json!("Vols de bétail signalés au nord de la commune.");
    let outcome = call(
        &w,
        "save_draft",
        json!({"draft": {"draft_id": draft_id, "kind": "session", "record_id": null, "fields": fields}}),
    )
    .unwrap();
    assert_eq!(outcome["saved"], true, "{outcome}");
    let id = outcome["record_id"].as_str().unwrap().to_string();
    let view = call(&w, "open_record", json!({"id": id})).unwrap();
    assert_eq!(view["fields"]["present"], 15);
    assert!(view["draft"].is_null());
    assert!(view["decisions"].as_array().unwrap().contains(&json!("submitted")));

    let submitted = call(&w, "decide", json!({"id": id, "decision": "submitted", "comment": null})).unwrap();
    assert_eq!(submitted["status"], "submitted");
    let refused = call(&w, "decide", json!({"id": id, "decision": "approved", "comment": null})).unwrap_err();
    assert_eq!(refused["code"], "review.role_not_allowed");
}

#[test]
fn bad_arguments_and_settings_get_clear_errors() {
    let w = window();
    // A malformed argument is refused by the IPC layer, and nothing changes.
    assert!(call(&w, "create_demo", json!({"passphrase": 42, "role": "member"})).is_err());
    assert!(call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "chief"})).is_err());
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["stage"], "setup");

    let err = call(&w, "update_settings", json!({"patch": {"lock_minutes": 0}})).unwrap_err();
    assert_eq!(err["code"], "settings.lock_minutes");
    let s = call(&w, "update_settings", json!({"patch": {"lang": "en", "window_name": "Carnet", "icon": "neutral"}}))
        .unwrap();
    assert_eq!((s["lang"].as_str(), s["window_name"].as_str()), (Some("en"), Some("Carnet")));

    let err =
        call(&w, "enroll", json!({"passphrase": "sahel-2026", "serverUrl": "ftp://x", "code": "ABC"})).unwrap_err();
    assert_eq!(err["code"], "settings.server_url");
    // Nothing listens on port 9: no network, and no store is left behind.
    let err =
        call(&w, "enroll", json!({"passphrase": "sahel-2026", "serverUrl": "http://127.0.0.1:9", "code": "ABCD-EFGH"}))
            .unwrap_err();
    assert_eq!(err["code"], "sync.network");
    assert!(err["message"]["fr"].as_str().unwrap().contains("réseau"));
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["stage"], "setup");
}

/// A server on loopback that enrolls at once and then answers nothing for 20 s: a slow
/// link at a checkpoint. Counts the sync requests it received.
struct SlowServer {
    url: String,
    syncs: Arc<AtomicUsize>,
}

impl SlowServer {
    fn start() -> SlowServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let syncs = Arc::new(AtomicUsize::new(0));
        let counted = syncs.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let counted = counted.clone();
                std::thread::spawn(move || answer(conn, &counted));
            }
        });
        SlowServer { url, syncs }
    }

    /// Waits until a sync request reached the server (the sync is on the network).
    fn wait_for_a_sync(&self) {
        let started = Instant::now();
        while self.syncs.load(Ordering::SeqCst) == 0 {
            assert!(started.elapsed() < Duration::from_secs(10), "no sync request reached the server");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn answer(mut conn: TcpStream, syncs: &AtomicUsize) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    if request_line.contains("/v1/enroll") {
        let request: Value = serde_json::from_slice(&body).unwrap();
        let reply = json!({"device_id": request["device_id"], "token": "slow-token", "role": "reviewer", "committee_id": null, "region": null})
            .to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reply.len()
        );
        conn.write_all(head.as_bytes()).unwrap();
        conn.write_all(reply.as_bytes()).unwrap();
        return;
    }
    syncs.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(20));
}

/// An enrolled app syncing with the slow server; returns the window, the server and the
/// sync running on its own thread (its result and how long it took).
/// A sync running on its own thread: its answer and how long it took.
type RunningSync = std::thread::JoinHandle<(Result<Value, Value>, Duration)>;

fn syncing() -> (Window, SlowServer, RunningSync) {
    let server = SlowServer::start();
    let w = window();
    let status =
        call(&w, "enroll", json!({"passphrase": "sahel-2026", "serverUrl": server.url, "code": "ABCD-EFGH"})).unwrap();
    assert_eq!(status["stage"], "unlocked");
    let window = w.window.clone();
    let sync = std::thread::spawn(move || {
        let started = Instant::now();
        let result = invoke(&window, "sync_now", json!({}));
        (result, started.elapsed())
    });
    server.wait_for_a_sync();
    (w, server, sync)
}

#[test]
fn wiping_during_a_sync_on_a_slow_link_returns_at_once_with_the_files_gone() {
    let (w, _server, sync) = syncing();
    let store = w._dir.path().join(ccs_core::app::STORE_FILE);
    assert!(store.exists());

    let started = Instant::now();
    let status = call(&w, "wipe_device", json!({})).unwrap();
    let took = started.elapsed();
    println!("wipe during a sync took {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(status["stage"], "setup");
    let left: Vec<_> = std::fs::read_dir(w._dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(ccs_core::app::STORE_FILE))
        .collect();
    assert!(left.is_empty(), "store files left: {left:?}");

    // The sync stops too, without waiting for the server, and writes nothing back.
    let (result, sync_took) = sync.join().unwrap();
    assert_eq!(result.unwrap_err()["code"], "sync.cancelled");
    assert!(sync_took < Duration::from_secs(5), "{sync_took:?}");
    assert!(!store.exists());
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["stage"], "setup");
}

#[test]
fn locking_during_a_sync_returns_at_once_and_the_store_opens_again() {
    let (w, _server, sync) = syncing();
    let started = Instant::now();
    let status = call(&w, "lock", json!({})).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(status["stage"], "locked");
    assert_eq!(call(&w, "home", json!({})).unwrap_err()["code"], "app.locked");
    let (result, _) = sync.join().unwrap();
    assert_eq!(result.unwrap_err()["code"], "sync.cancelled");

    assert_eq!(call(&w, "unlock", json!({"passphrase": "sahel-2026"})).unwrap()["stage"], "unlocked");
    assert_eq!(call(&w, "sync_state", json!({})).unwrap()["running"], false);
}

#[test]
fn autosave_and_lists_work_while_a_sync_waits_on_the_network() {
    let (w, _server, sync) = syncing();
    let state = call(&w, "sync_state", json!({})).unwrap();
    assert_eq!(state["running"], true);
    // A second sync does not start beside the first.
    assert_eq!(call(&w, "sync_now", json!({})).unwrap_err()["code"], "sync.running");

    let started = Instant::now();
    let draft = json!({"draft": {"draft_id": "during-sync", "kind": "session", "record_id": null, "fields": {"summary": "Réunion au marché"}}});
    let outcome = call(&w, "save_draft", draft).unwrap();
    assert_eq!(outcome["saved"], false, "incomplete: kept as a draft");
    let reopened = call(&w, "open_draft", json!({"draftId": "during-sync"})).unwrap();
    assert_eq!(reopened["fields"]["summary"], "Réunion au marché");
    call(&w, "list_records", json!({"filter": {"kind": "session"}})).unwrap();
    let took = started.elapsed();
    println!("autosave, reopen and list during a sync took {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    call(&w, "lock", json!({})).unwrap();
    let (result, _) = sync.join().unwrap();
    assert_eq!(result.unwrap_err()["code"], "sync.cancelled");
}

/// What a member trying the demonstration sees through the window: her committee's
/// records only, a to-do list she can act on, nothing counted as waiting to be sent,
/// and a submit refused while the record has unfinished changes.
#[test]
fn a_members_demonstration_through_the_window_is_hers() {
    let w = window();
    let status = call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    let own = status["identity"]["committee_id"].as_str().unwrap().to_string();
    let all = call(&w, "list_records", json!({"filter": {"limit": 500}})).unwrap();
    let items = all["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let strangers: Vec<&Value> = items.iter().filter(|r| r["committee_id"] != own.as_str()).collect();
    assert!(strangers.is_empty(), "other committees' records: {strangers:?}");

    let home = call(&w, "home", json!({})).unwrap();
    assert_eq!(home["sync"]["enrolled"], false);
    let to_correct = home["to_correct"].as_array().unwrap();
    assert!(!to_correct.is_empty(), "the demo shows her a record sent back");
    for item in to_correct {
        let view = call(&w, "open_record", json!({"id": item["id"]})).unwrap();
        assert_eq!(view["editable"], true, "{item}");
        assert!(view["decisions"].as_array().unwrap().contains(&json!("submitted")), "{item}");
    }

    // A change that does not validate waits in a draft: submitting is refused, so an
    // older version is never submitted in her name.
    let id = to_correct[0]["id"].as_str().unwrap().to_string();
    let view = call(&w, "open_record", json!({"id": id})).unwrap();
    let outcome = call(
        &w,
        "save_draft",
        json!({"draft": {"draft_id": "d1", "kind": "session", "record_id": id, "fields": {"present": 999},
                          "base_heads": view["heads"]}}),
    )
    .unwrap();
    assert_eq!(outcome["saved"], false);
    assert_eq!(outcome["derived"]["quorum"], "unknown", "no quorum under a count in error");
    let refused = call(&w, "decide", json!({"id": id, "decision": "submitted"})).unwrap_err();
    assert_eq!(refused["code"], "record.draft_pending");
    assert!(!refused["message"]["fr"].as_str().unwrap().contains('\''), "French apostrophe: {refused}");
}

#[test]
fn relay_commands_answer_through_ipc_with_codes() {
    let w = window();
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();

    // A demonstration knows no server: nothing to send through a facilitator.
    let status = call(&w, "relay_status", json!({})).unwrap();
    assert_eq!((status["ready"].as_bool(), status["enrollment_pending"].as_bool()), (Some(false), Some(false)));
    assert!(call(&w, "relay_default_folder", json!({})).unwrap().as_str().is_some_and(|f| !f.is_empty()));

    // Without the server's keys a return file cannot be read: said with its code.
    let err = call(&w, "relay_import", json!({"bytes": [1, 2, 3, 4, 5, 6, 7, 8]})).unwrap_err();
    assert_eq!(err["code"], "relay.not_enrolled", "{err}");
    assert!(err["message"]["fr"].as_str().unwrap().contains("fiche d’inscription"));
    let err = call(&w, "courier_collect", json!({"bytes": [67, 67, 83, 66]})).unwrap_err();
    assert!(err["code"].as_str().is_some(), "{err}");

    // Nothing carried yet.
    let view = call(&w, "courier_view", json!({})).unwrap();
    assert_eq!(view["to_server"], json!([]));
    assert_eq!(view["to_members"], json!([]));

    // An offline enrollment needs a real slip.
    call(&w, "wipe_device", json!({})).unwrap();
    let err = call(&w, "enroll_offline", json!({"passphrase": "sahel-2026", "slip": "ABCD-EFGH-JKLM", "label": null}))
        .unwrap_err();
    assert_eq!(err["code"], "slip.malformed");
    assert_eq!(call(&w, "app_status", json!({})).unwrap()["stage"], "setup");
}

#[test]
fn export_commands_answer_through_ipc_and_refuse_with_codes() {
    let w = window();
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "reviewer"})).unwrap();
    assert!(call(&w, "export_default_folder", json!({})).unwrap().as_str().is_some_and(|f| !f.is_empty()));
    assert_eq!(call(&w, "export_log", json!({})).unwrap(), json!([]));

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("crss.xlsx");
    let request = json!({"format": "xlsx", "filter": {"kinds": ["session", "assessment"], "statuses": []},
                         "include": {"confidential": false, "named_attendance": false, "free_text": false}});
    let summary = call(&w, "export_records", json!({"request": request, "path": path})).unwrap();
    assert_eq!(summary["files"], json!([path.display().to_string()]));
    assert!(summary["counts"][0]["records"].as_u64().unwrap() > 0, "{summary}");
    assert!(path.exists());

    // Names alone: refused with its code, nothing written, and logged.
    let names = json!({"format": "csv", "filter": {}, "include": {"named_attendance": true}});
    let err = call(&w, "export_records", json!({"request": names, "path": out.path().join("n.csv")})).unwrap_err();
    assert_eq!(err["code"], "export.names_need_confidential", "{err}");
    // An unknown kind does not reach core.
    let bad = json!({"format": "xlsx", "filter": {"kinds": ["rapport"]}});
    assert!(call(&w, "export_records", json!({"request": bad, "path": out.path().join("b.xlsx")})).is_err());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1, "only the first export's file");

    let log = call(&w, "export_log", json!({})).unwrap();
    let outcomes: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["export.names_need_confidential", "written"]);
    assert_eq!(log[1]["file_name"], "crss.xlsx");

    call(&w, "lock", json!({})).unwrap();
    let err = call(&w, "export_log", json!({})).unwrap_err();
    assert_eq!(err["code"], "app.locked");
}

#[test]
fn indicators_through_ipc_for_a_reviewer_and_a_bad_period_refused() {
    let w = window();
    let locked = call(&w, "indicators", json!({"filter": {"period": {"unit": "year", "year": 2026}, "basis": "all"}}));
    assert_eq!(locked.unwrap_err()["code"], "app.locked");
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "reviewer"})).unwrap();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let filter = |basis: &str| json!({"filter": {"period": {"unit": "year", "year": year}, "basis": basis, "region": null, "level": null, "committee_id": null}});
    let all = call(&w, "indicators", filter("all")).unwrap();
    assert_eq!(all["committees"]["total"]["registered"], 6);
    assert_eq!(all["sessions"]["counts"], "all");
    assert_eq!(all["months"].as_array().unwrap().len(), 12);
    assert_eq!(all["inclusion"]["total"]["reference"], 0.3);
    let approved = call(&w, "indicators", filter("approved")).unwrap();
    assert_eq!(approved["recommendations"]["total"]["counts"]["made"], 0);
    let bad = call(
        &w,
        "indicators",
        json!({"filter": {"period": {"unit": "month", "year": 2026, "month": 13}, "basis": "all"}}),
    );
    assert_eq!(bad.unwrap_err()["code"], "report.bad_period");
}

/// « Rapport trimestriel » through IPC: the app carries no Typst, so this is the helper
/// built beside it (`target/debug/ccs-report-pdf`, found one folder up from the test)
/// that typesets; a bad quarter is refused before it runs, and nothing is written.
#[test]
fn the_quarterly_report_through_ipc_is_typeset_by_the_helper_beside_the_app() {
    let w = window();
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "reviewer"})).unwrap();
    let today = chrono::Utc::now().date_naive();
    let quarter = format!("{}-T{}", chrono::Datelike::year(&today), (chrono::Datelike::month(&today) - 1) / 3 + 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rapport.pdf");
    let written = call(&w, "report_pdf", json!({"quarter": quarter, "path": path, "basis": "all"})).unwrap();
    assert_eq!(written["quarter"], quarter.as_str());
    let pdf = std::fs::read(&path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(written["bytes"], pdf.len() as u64);

    let other = dir.path().join("autre.pdf");
    let bad = call(&w, "report_pdf", json!({"quarter": "2026-T5", "path": other}));
    assert_eq!(bad.unwrap_err()["code"], "report.bad_quarter");
    assert!(!other.exists());
}

/// The inbox through IPC: a CRSS reviewer's demonstration lists what waits, oldest
/// first, filters it, refuses a direct approval without a reason with its code, and
/// the record decided on leaves the inbox; a facilitator sees its region only; a
/// member has nothing to review.
#[test]
fn the_inbox_through_the_window_follows_the_approval_levels() {
    let w = window();
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "reviewer"})).unwrap();
    let page = call(&w, "inbox", json!({"filter": {}})).unwrap();
    let items = page["items"].as_array().unwrap().clone();
    assert!(!items.is_empty(), "{page}");
    assert_eq!(page["total"].as_u64().unwrap() as usize, items.len());
    let days: Vec<i64> = items.iter().map(|i| i["waiting_days"].as_i64().unwrap()).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "oldest first: {days:?}");
    let regions: u64 = page["by_region"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(regions, page["total"].as_u64().unwrap());

    let submitted = items.iter().find(|i| i["reason"] == "submitted").expect("a submitted record waits").clone();
    let id = submitted["summary"]["id"].as_str().unwrap().to_string();
    let kind = submitted["summary"]["kind"].as_str().unwrap();
    let of_kind = call(&w, "inbox", json!({"filter": {"kind": kind}})).unwrap();
    assert!(of_kind["items"].as_array().unwrap().iter().all(|i| i["summary"]["kind"] == kind));
    let refused = call(&w, "decide", json!({"id": id, "decision": "approved", "comment": null})).unwrap_err();
    assert_eq!(refused["code"], "review.reason_required");
    assert!(refused["message"]["fr"].as_str().unwrap().contains("raison"), "{refused}");
    let view = call(&w, "decide", json!({"id": id, "decision": "approved", "comment": "Facilitateur absent"})).unwrap();
    assert_eq!(view["status"], "approved");
    assert_eq!(view["approval"]["changes"], json!([]));
    let trail = view["record"]["review"].as_array().unwrap();
    assert!(!trail.last().unwrap()["heads"].as_array().unwrap().is_empty(), "the decision is pinned to its heads");
    let after = call(&w, "inbox", json!({"filter": {}})).unwrap();
    assert_eq!(after["total"].as_u64().unwrap(), page["total"].as_u64().unwrap() - 1);
    assert!(after["items"].as_array().unwrap().iter().all(|i| i["summary"]["id"] != id.as_str()));
    // Sent back after approval: the CRSS may, with a comment.
    let refused = call(&w, "decide", json!({"id": id, "decision": "needs_correction", "comment": " "})).unwrap_err();
    assert_eq!(refused["code"], "review.comment_required");
    let back = call(&w, "decide", json!({"id": id, "decision": "needs_correction", "comment": "Chiffres à revoir"}));
    assert_eq!(back.unwrap()["status"], "needs_correction");
    // A filter the app does not know is refused before reaching the store.
    let bad = call(&w, "inbox", json!({"filter": {"kind": "meeting"}})).unwrap_err();
    assert!(bad.as_str().is_some_and(|s| s.contains("unknown variant")), "{bad}");

    let facilitator = window();
    call(&facilitator, "create_demo", json!({"passphrase": "sahel-2026", "role": "facilitator"})).unwrap();
    let page = call(&facilitator, "inbox", json!({"filter": {}})).unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{page}");
    assert!(items.iter().all(|i| i["reason"] == "submitted" && i["summary"]["region"] == "tombouctou"), "{page}");

    let member = window();
    call(&member, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    assert_eq!(call(&member, "inbox", json!({"filter": {}})).unwrap()["total"], 0);
}

/// The duress commands as the settings screen calls them: the second PIN equal to the
/// passphrase is refused with its code; set, it opens an empty member's store through
/// the same `unlock` command, same answer shape, with settings that show no second PIN;
/// the real passphrase still opens the real records.
#[test]
fn duress_pin_through_the_commands() {
    let w = window();
    call(&w, "create_demo", json!({"passphrase": "sahel-2026", "role": "member"})).unwrap();
    let total = |w: &Window| call(w, "list_records", json!({"filter": {}})).unwrap()["total"].as_u64().unwrap();
    let records = total(&w);
    assert!(records > 0);
    assert_eq!(call(&w, "duress_state", json!({})).unwrap()["action"], Value::Null);
    let same = call(&w, "set_duress", json!({"current": "sahel-2026", "pin": "sahel-2026", "action": "decoy"}));
    assert_eq!(same.unwrap_err()["code"], "duress.same_as_passphrase");
    let wrong = call(&w, "set_duress", json!({"current": "not-it-at-all", "pin": "7391824650", "action": "decoy"}));
    assert_eq!(wrong.unwrap_err()["code"], "store.wrong_passphrase");
    let set = call(&w, "set_duress", json!({"current": "sahel-2026", "pin": "7391824650", "action": "decoy"}));
    assert_eq!(set.unwrap()["action"], "decoy");
    call(&w, "lock", json!({})).unwrap();

    let real_shape = call(&w, "app_status", json!({})).unwrap();
    let decoy = call(&w, "unlock", json!({"passphrase": "7391824650"})).unwrap();
    assert_eq!(decoy["stage"], "unlocked");
    assert_eq!(decoy["identity"]["role"], "member");
    assert_eq!(decoy["identity"]["committee_id"], Value::Null);
    assert_eq!(decoy["settings"]["server_url"], Value::Null);
    assert_eq!(total(&w), 0);
    assert_eq!(call(&w, "duress_state", json!({})).unwrap()["action"], Value::Null);
    // The same keys as any unlocked status: nothing says "decoy".
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&decoy), keys(&real_shape));
    call(&w, "lock", json!({})).unwrap();
    call(&w, "unlock", json!({"passphrase": "sahel-2026"})).unwrap();
    assert_eq!(total(&w), records);
    let cleared = call(&w, "clear_duress", json!({"current": "sahel-2026"})).unwrap();
    assert_eq!(cleared["action"], Value::Null);
}
