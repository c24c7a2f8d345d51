//! A neutral presence: the data folder takes the neutral name and the app finds it at
//! the next start, a move cut short at any point loses nothing, and the store locks
//! when the window stays in the background longer than its grace.

mod common;

use std::path::Path;

use ccs_core::app::presence::{begin_move, neutral_folder, resolve_data_dir, settle_data_dir};
use ccs_core::app::{App, SettingsPatch, STORE_FILE};
use ccs_core::model::Role;
use ccs_core::store::{KdfParams, ListFilter};
use common::*;

fn records(data: &Path) -> u64 {
    let mut app = App::new(data.to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.unlock(PASS, now()).unwrap();
    app.list(&ListFilter { limit: 500, ..Default::default() }, now()).unwrap().total
}

fn demo_with_name(data: &Path, name: &str) -> u64 {
    let mut app = App::new(data.to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    app.update_settings(SettingsPatch { window_name: Some(name.into()), ..Default::default() }, now()).unwrap();
    let n = app.list(&ListFilter { limit: 500, ..Default::default() }, now()).unwrap().total;
    app.lock();
    n
}

#[test]
fn the_data_folder_takes_the_neutral_name_and_is_found_at_the_next_start() {
    let root = tempfile::tempdir().unwrap();
    let (share, state) = (root.path().join("share"), root.path().join("config"));
    let default = share.join("ml.ccs.terrain");
    let n = demo_with_name(&default, "Carnet de notes");
    // The webview's own files in the default folder stay where they are.
    std::fs::write(default.join("webkit-cache"), b"x").unwrap();
    let dir = settle_data_dir(&state, &default);
    assert_eq!(dir, share.join("Carnet-de-notes"));
    assert!(dir.join(STORE_FILE).exists() && dir.join("ccs.db.kdf").exists() && dir.join("settings.json").exists());
    assert!(!default.join(STORE_FILE).exists() && default.join("webkit-cache").exists());
    // The next start finds it without moving anything.
    assert_eq!(settle_data_dir(&state, &default), dir);
    assert_eq!(records(&dir), n);
    // Nothing in the pointer file says more than where the folder is.
    let pointer = std::fs::read_to_string(state.join("state.json")).unwrap();
    assert!(!pointer.contains("CCS") && !pointer.contains("ccs.db"), "{pointer}");
}

#[test]
fn a_move_cut_short_at_any_point_loses_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (share, state) = (root.path().join("share"), root.path().join("config"));
    let default = share.join("ml.ccs.terrain");
    let n = demo_with_name(&default, "Carnet");
    let to = neutral_folder(&share, "Carnet").unwrap();
    // Cut after the intent, before anything moved.
    begin_move(&state, &default, &to).unwrap();
    assert_eq!(resolve_data_dir(&state, &default), to);
    assert_eq!(records(&to), n);
    // Cut halfway: the database moved, its key file and the settings not yet.
    let other = tempfile::tempdir().unwrap();
    let (share, state) = (other.path().join("share"), other.path().join("config"));
    let default = share.join("ml.ccs.terrain");
    let n = demo_with_name(&default, "Carnet");
    let to = share.join("Carnet");
    begin_move(&state, &default, &to).unwrap();
    std::fs::create_dir_all(&to).unwrap();
    std::fs::rename(default.join(STORE_FILE), to.join(STORE_FILE)).unwrap();
    assert_eq!(resolve_data_dir(&state, &default), to);
    for f in [STORE_FILE, "ccs.db.kdf", "ccs.db.spare", "settings.json"] {
        assert!(to.join(f).exists(), "{f}");
        assert!(!default.join(f).exists(), "{f}");
    }
    assert_eq!(records(&to), n);
}

#[test]
fn a_folder_of_the_same_name_holding_data_is_never_merged_into() {
    let root = tempfile::tempdir().unwrap();
    let (share, state) = (root.path().join("share"), root.path().join("config"));
    let default = share.join("ml.ccs.terrain");
    demo_with_name(&default, "Carnet");
    std::fs::create_dir_all(share.join("Carnet")).unwrap();
    std::fs::write(share.join("Carnet").join("settings.json"), b"{}").unwrap();
    assert_eq!(settle_data_dir(&state, &default), default, "stays where it is");
    assert!(default.join(STORE_FILE).exists());
}

#[test]
fn the_store_locks_when_the_window_stays_in_the_background_past_its_grace() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    app.update_settings(SettingsPatch { background_lock_seconds: Some(20), ..Default::default() }, now()).unwrap();
    let secs = |s: i64| now() + chrono::Duration::seconds(s);
    // A glance at another window: back within the grace, still open.
    app.went_to_background(secs(0));
    assert!(!app.came_to_foreground(secs(10)));
    assert!(app.home(secs(10)).is_ok());
    // Away longer: locked when it comes back...
    app.went_to_background(secs(20));
    assert!(app.came_to_foreground(secs(41)));
    assert!(app.home(secs(41)).is_err());
    // ...or by the background check while still away.
    app.unlock(PASS, secs(50)).unwrap();
    app.went_to_background(secs(50));
    assert!(!app.lock_if_idle(secs(60)));
    assert!(app.lock_if_idle(secs(71)));
    // Out of range refused; 0 locks as soon as it leaves the front.
    let bad = SettingsPatch { background_lock_seconds: Some(601), ..Default::default() };
    assert!(app.update_settings(bad, secs(80)).is_err());
    app.unlock(PASS, secs(80)).unwrap();
    app.update_settings(SettingsPatch { background_lock_seconds: Some(0), ..Default::default() }, secs(80)).unwrap();
    app.went_to_background(secs(81));
    assert!(app.came_to_foreground(secs(81)));
    // The screen locked: at once.
    app.unlock(PASS, secs(90)).unwrap();
    assert!(app.screen_locked());
    assert!(app.home(secs(90)).is_err());
}

/// Choosing a bundle file takes the focus from the window for as long as the user
/// looks for the file: no background lock meanwhile (the file would be forgotten at
/// the unlock screen), but the idle lock still runs, a chooser left open still locks,
/// and the next departure counts again once the window is back in front.
#[test]
fn a_file_chooser_is_not_the_background_but_the_idle_lock_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    let patch = SettingsPatch { background_lock_seconds: Some(20), lock_minutes: Some(5), ..Default::default() };
    app.update_settings(patch, now()).unwrap();
    let secs = |s: i64| now() + chrono::Duration::seconds(s);
    // The chooser opens; a minute to find the file on the USB stick.
    app.choosing_file(true, secs(0));
    app.went_to_background(secs(0));
    assert!(!app.lock_if_idle(secs(60)));
    assert!(!app.came_to_foreground(secs(61)));
    assert!(app.home(secs(61)).is_ok(), "still open with the file picked");
    // The chooser's loss of focus heard just before the call: taken back.
    app.went_to_background(secs(100));
    app.choosing_file(true, secs(101));
    assert!(!app.lock_if_idle(secs(150)));
    assert!(!app.came_to_foreground(secs(150)));
    // Once back in front, leaving counts again.
    app.went_to_background(secs(160));
    assert!(app.lock_if_idle(secs(181)), "an ordinary departure locks after the grace");
    // A departure older than a chooser opened later is not taken back.
    app.unlock(PASS, secs(200)).unwrap();
    app.went_to_background(secs(200));
    app.choosing_file(true, secs(215));
    assert!(app.lock_if_idle(secs(221)));
    // A chooser left open: the idle lock, five minutes after the last action.
    app.unlock(PASS, secs(300)).unwrap();
    app.choosing_file(true, secs(300));
    app.went_to_background(secs(300));
    assert!(!app.lock_if_idle(secs(599)));
    assert!(app.lock_if_idle(secs(600)));
    // Locked, then unlocked: the chooser's mark did not survive the lock.
    app.unlock(PASS, secs(700)).unwrap();
    app.went_to_background(secs(700));
    assert!(app.lock_if_idle(secs(721)));
    // Closed, a file picked: the next departure counts again, even before the window
    // is heard back in front.
    app.unlock(PASS, secs(720)).unwrap();
    app.choosing_file(true, secs(720));
    app.went_to_background(secs(720));
    app.choosing_file(false, secs(730));
    app.went_to_background(secs(740));
    assert!(app.lock_if_idle(secs(761)));
    // With no store open there is nothing to keep open.
    app.choosing_file(true, secs(800));
    app.went_to_background(secs(800));
    assert!(!app.came_to_foreground(secs(900)));
}

/// On a phone a pause locks at once, except while the user's own file chooser covers
/// the app; once it closed, a pause locks at once again.
#[test]
fn a_phone_pause_locks_at_once_unless_the_file_chooser_covers_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    app.create_demo(PASS, Role::Member, now()).unwrap();
    app.choosing_file(true, now());
    assert!(!app.suspended(), "the chooser covers the app: still open");
    assert!(app.home(now()).is_ok());
    app.choosing_file(false, now());
    assert!(app.suspended(), "an ordinary pause locks at once");
    assert!(app.home(now()).is_err());
    assert!(!app.suspended(), "nothing left to lock");
    // A chooser mark does not outlive the store it was set for.
    app.unlock(PASS, now()).unwrap();
    app.choosing_file(true, now());
    app.lock();
    app.unlock(PASS, now()).unwrap();
    assert!(app.suspended());
}
