//! The second PIN (duress) and the attempt counter, tried by whoever holds the phone:
//! the second PIN may not be the passphrase; it opens an empty member's store holding
//! nothing of the real one (no record, no identity, no server address), or wipes the
//! real store for good; the files readable before unlock look the same with or without
//! it; unlocking takes the same time whatever is typed (measured); and copying the data
//! folder away and back does not reset the wrong-attempt counter.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ccs_core::app::{App, SettingsPatch, STORE_FILE};
use ccs_core::error_code::ErrorCode;
use ccs_core::model::Role;
use ccs_core::store::{spare_path, KdfParams, ListFilter, SecondUse};
use common::*;

const DURESS: &str = "7391824650";
const SERVER: &str = "https://ccs-real.example.ml";

fn fast() -> KdfParams {
    KdfParams::insecure_fast_for_tests()
}

/// A member's demo store (records, a committee) with a server address set, unlocked.
fn real_app(dir: &Path, kdf: KdfParams) -> App {
    let mut app = App::new(dir.to_path_buf(), None, kdf, now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    let patch = SettingsPatch { server_url: Some(SERVER.into()), max_attempts: Some(20), ..Default::default() };
    app.update_settings(patch, now()).unwrap();
    app
}

fn record_count(app: &mut App) -> u64 {
    app.list(&ListFilter { limit: 500, ..Default::default() }, now()).unwrap().total
}

/// Every byte of every file under `dir`, concatenated with its name.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.extend(p.display().to_string().as_bytes());
                out.extend(std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn key_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("ccs.db.kdf")).unwrap()).unwrap()
}

#[test]
fn a_duress_pin_equal_to_the_passphrase_or_weak_or_without_the_passphrase_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_app(dir.path(), fast());
    let same = app.set_duress(PASS, PASS, SecondUse::Decoy, now()).unwrap_err();
    assert_eq!(same.code, ErrorCode::DuressSameAsPassphrase);
    let weak = app.set_duress(PASS, "123456", SecondUse::Decoy, now()).unwrap_err();
    assert_eq!(weak.code, ErrorCode::PassphraseWeak);
    // Someone who finds the phone unlocked does not set a second PIN without the passphrase.
    let wrong = app.set_duress("not-the-passphrase", DURESS, SecondUse::Wipe, now()).unwrap_err();
    assert_eq!(wrong.code, ErrorCode::StoreWrongPassphrase);
    assert_eq!(app.duress_state(now()).unwrap().action, None);
    // Locked: nothing to set.
    app.lock();
    assert_eq!(app.set_duress(PASS, DURESS, SecondUse::Decoy, now()).unwrap_err().code, ErrorCode::AppLocked);
}

#[test]
fn the_duress_pin_opens_an_empty_store_with_nothing_of_the_real_one_and_the_real_store_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_app(dir.path(), fast());
    let real = app.status().identity.unwrap();
    let records = record_count(&mut app);
    assert!(records > 0 && real.committee_id.is_some());
    app.set_duress(PASS, DURESS, SecondUse::Decoy, now()).unwrap();
    assert_eq!(app.duress_state(now()).unwrap().action, Some(SecondUse::Decoy));
    app.lock();

    let status = app.unlock(DURESS, now()).unwrap();
    let decoy = status.identity.clone().unwrap();
    assert_eq!(decoy.role, Role::Member, "an ordinary member's store");
    assert_ne!(decoy.device_id, real.device_id, "not the real member's identity");
    assert_eq!((decoy.committee_id, decoy.committee_name.as_deref(), decoy.server_url.as_deref()), (None, None, None));
    assert_eq!(status.settings.server_url, None, "no server address of the real store");
    assert_eq!(record_count(&mut app), 0, "no record");
    let home = app.home(now()).unwrap();
    assert!(home.counts.iter().all(|c| c.count == 0) && home.drafts.is_empty() && home.to_correct.is_empty());
    assert_eq!((home.sync.server_url, home.sync.enrolled, home.sync.last_sync_at), (None, false, None));
    // Its settings look like those of a store without a second PIN.
    assert_eq!(app.duress_state(now()).unwrap().action, None);
    // What is typed in the decoy stays there.
    let draft = app.new_record(ccs_core::model::RecordKind::Session, now()).unwrap();
    app.lock();

    let status = app.unlock(PASS, now()).unwrap();
    assert_eq!(status.identity.unwrap().device_id, real.device_id);
    assert_eq!(record_count(&mut app), records, "the real records, untouched");
    assert!(app.open_draft(&draft.draft_id, now()).is_err(), "nothing of the decoy in the real store");
    assert_eq!(app.duress_state(now()).unwrap().action, Some(SecondUse::Decoy));
    app.lock();
    app.unlock(DURESS, now()).unwrap();
    assert!(app.open_draft(&draft.draft_id, now()).is_ok(), "the decoy keeps what was typed in it");
}

#[test]
fn a_wipe_duress_pin_destroys_the_real_key_file_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_app(dir.path(), fast());
    let real = app.status().identity.unwrap();
    app.set_duress(PASS, DURESS, SecondUse::Wipe, now()).unwrap();
    app.lock();
    let old_salt = key_json(dir.path())["salt"].as_str().unwrap().to_string();
    let old_db = std::fs::read(dir.path().join(STORE_FILE)).unwrap();
    let page = &old_db[4096..4096 + 64];

    let status = app.unlock(DURESS, now()).unwrap();
    assert_ne!(status.identity.unwrap().device_id, real.device_id);
    assert_eq!(record_count(&mut app), 0);
    assert_eq!(app.duress_state(now()).unwrap().action, None, "after the wipe, an ordinary store");
    app.lock();
    // The real salt is gone from every file: the old database can never be decrypted.
    let now_bytes = all_bytes(dir.path());
    assert!(!contains(&now_bytes, old_salt.as_bytes()), "the real key file's salt survived");
    assert!(!contains(&now_bytes, page), "a page of the real database survived");
    // The real passphrase opens nothing now (a wrong attempt); the second PIN opens the store
    // that took its place, as any passphrase opens its store.
    assert_eq!(app.unlock(PASS, now()).unwrap_err().code, ErrorCode::StoreWrongPassphrase);
    app.unlock(DURESS, now()).unwrap();
    assert_eq!(record_count(&mut app), 0);
    assert!(spare_path(&dir.path().join(STORE_FILE)).exists(), "a new spare, like every store");
}

#[test]
fn nothing_readable_before_unlock_says_whether_a_duress_pin_exists() {
    let with = tempfile::tempdir().unwrap();
    let without = tempfile::tempdir().unwrap();
    let mut a = real_app(with.path(), fast());
    a.set_duress(PASS, DURESS, SecondUse::Wipe, now()).unwrap();
    a.lock();
    let mut b = real_app(without.path(), fast());
    b.lock();
    let (ka, kb) = (key_json(with.path()), key_json(without.path()));
    let shape = |v: &serde_json::Value| -> Vec<(String, usize)> {
        fn walk(v: &serde_json::Value, p: String, out: &mut Vec<(String, usize)>) {
            match v {
                serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, format!("{p}.{k}"), out)),
                other => out.push((p, other.to_string().len())),
            }
        }
        let mut out = Vec::new();
        walk(v, String::new(), &mut out);
        out
    };
    assert_eq!(shape(&ka), shape(&kb), "the key files have the same fields and sizes");
    let names = |d: &Path| -> Vec<String> {
        let mut n: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        n.sort();
        n
    };
    assert_eq!(names(with.path()), names(without.path()), "the same files");
    let settings = |d: &Path| std::fs::read_to_string(d.join("settings.json")).unwrap();
    assert_eq!(settings(with.path()), settings(without.path()), "the same settings");
    let sa = App::new(with.path().to_path_buf(), None, fast(), now()).status();
    let sb = App::new(without.path().to_path_buf(), None, fast(), now()).status();
    assert_eq!(serde_json::to_value(&sa).unwrap(), serde_json::to_value(&sb).unwrap(), "the same locked status");
}

#[test]
fn a_passphrase_change_keeps_the_duress_pin_and_the_decoy_changes_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_app(dir.path(), fast());
    app.set_duress(PASS, DURESS, SecondUse::Decoy, now()).unwrap();
    app.change_passphrase(PASS, "tombouctou-2027", now()).unwrap();
    assert_eq!(app.duress_state(now()).unwrap().action, Some(SecondUse::Decoy));
    app.lock();
    app.unlock(DURESS, now()).unwrap();
    assert_eq!(record_count(&mut app), 0);
    // In the decoy, « changer le code » works as anywhere and changes the second PIN.
    app.change_passphrase(DURESS, "8264019375", now()).unwrap();
    app.lock();
    assert_eq!(app.unlock(DURESS, now()).unwrap_err().code, ErrorCode::StoreWrongPassphrase);
    app.unlock("8264019375", now()).unwrap();
    assert_eq!(record_count(&mut app), 0);
    app.lock();
    app.unlock("tombouctou-2027", now()).unwrap();
    assert!(record_count(&mut app) > 0);
    app.clear_duress("tombouctou-2027", now()).unwrap();
    app.lock();
    assert_eq!(app.unlock("8264019375", now()).unwrap_err().code, ErrorCode::StoreWrongPassphrase);
}

#[test]
fn a_key_file_from_before_the_second_slot_gets_one_at_the_next_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_app(dir.path(), fast());
    app.lock();
    let path = dir.path().join("ccs.db.kdf");
    let mut v = key_json(dir.path());
    let m = v.as_object_mut().unwrap();
    m.remove("seal");
    m.remove("second");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    app.unlock(PASS, now()).unwrap();
    let v = key_json(dir.path());
    assert!(v.get("seal").is_some() && v.get("second").is_some(), "{v}");
    assert_eq!(app.duress_state(now()).unwrap().action, None);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn copying_the_folder_back_after_wrong_attempts_does_not_reset_the_counter() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let state = root.path().join("state");
    let mut app = real_app(&data, fast());
    app.update_settings(SettingsPatch { max_attempts: Some(5), ..Default::default() }, now()).unwrap();
    app.set_state_dir(state.clone());
    app.lock();
    drop(app);
    // The phone's folder, copied off before trying.
    let copy = root.path().join("copy");
    copy_dir(&data, &copy);
    let start = |data: &PathBuf| {
        let mut app = App::new(data.clone(), None, fast(), now());
        app.set_state_dir(state.clone());
        app
    };
    let mut app = start(&data);
    for _ in 0..3 {
        assert_eq!(app.unlock("guess-one-two", now()).unwrap_err().code, ErrorCode::StoreWrongPassphrase);
    }
    assert_eq!(app.status().attempts_left, 2);
    drop(app);
    // The copy put back: its settings say no wrong attempt.
    std::fs::remove_dir_all(&data).unwrap();
    copy_dir(&copy, &data);
    let mut app = start(&data);
    assert_eq!(app.status().attempts_left, 2, "the counter outside the folder was kept");
    // Editing the folder's counter down changes nothing either.
    let mut s: serde_json::Value = serde_json::from_slice(&std::fs::read(data.join("settings.json")).unwrap()).unwrap();
    s["failed_attempts"] = 0.into();
    std::fs::write(data.join("settings.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    assert_eq!(start(&data).status().attempts_left, 2);
    app.unlock("guess-three", now()).unwrap_err();
    assert_eq!(app.unlock("guess-four", now()).unwrap_err().code, ErrorCode::UnlockWiped);
    assert!(!data.join(STORE_FILE).exists() && !data.join("ccs.db.kdf").exists());
    assert!(!spare_path(&data.join(STORE_FILE)).exists(), "the wipe takes the spare store too");
    // A right passphrase resets both counters.
    let data2 = root.path().join("data2");
    let mut app = real_app(&data2, fast());
    app.set_state_dir(state.clone());
    app.lock();
    app.unlock("guess-one-two", now()).unwrap_err();
    app.unlock(PASS, now()).unwrap();
    app.lock();
    assert_eq!(app.status().attempts_left, 20);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The real passphrase, the second PIN (both uses) and a wrong one, each unlocked
/// several times at the app's real Argon2 cost, interleaved: the medians are within
/// 15 % of each other. The figures are printed (`--nocapture`).
#[test]
fn unlocking_takes_the_same_time_whatever_is_typed() {
    const RUNS: usize = 5;
    let kdf = KdfParams::default();
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_app(dir.path(), kdf);
    app.set_duress(PASS, DURESS, SecondUse::Decoy, now()).unwrap();
    app.lock();
    let (mut real, mut decoy, mut wrong, mut wipe) = (vec![], vec![], vec![], vec![]);
    let timed = |app: &mut App, pass: &str, ok: bool| {
        let t = Instant::now();
        let r = app.unlock(pass, now());
        let d = t.elapsed();
        assert_eq!(r.is_ok(), ok, "{pass}");
        app.lock();
        d
    };
    for i in 0..RUNS {
        real.push(timed(&mut app, PASS, true));
        decoy.push(timed(&mut app, DURESS, true));
        wrong.push(timed(&mut app, "not-the-passphrase", false));
        if i < 3 {
            // A wipe happens once per store: a store of its own each time.
            let d = tempfile::tempdir().unwrap();
            let mut w = real_app(d.path(), kdf);
            w.set_duress(PASS, DURESS, SecondUse::Wipe, now()).unwrap();
            w.lock();
            wipe.push(timed(&mut w, DURESS, true));
        }
    }
    let (r, d, w, x) = (median(real), median(decoy), median(wrong), median(wipe));
    println!("unlock medians over {RUNS} runs: real {r:?}, decoy {d:?}, wrong {w:?}, wipe {x:?} (3 runs)");
    for (name, t) in [("decoy", d), ("wrong", w), ("wipe", x)] {
        let ratio = t.as_secs_f64() / r.as_secs_f64();
        assert!((0.85..=1.15).contains(&ratio), "{name} takes {t:?} against {r:?} for the real passphrase");
    }
}
