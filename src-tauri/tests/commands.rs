//! The Tauri commands through Tauri's mock runtime, headless: the same IPC path the
//! window uses (JSON arguments in camelCase, `{code, message, fields}` errors back),
//! over a real encrypted store in a temporary folder.

use ccs_app::Shared;
use ccs_core::app::App;
use ccs_core::store::KdfParams;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
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
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&w.window, request).map(|body| body.deserialize::<Value>().unwrap())
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
