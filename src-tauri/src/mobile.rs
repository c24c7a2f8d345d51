//! The app on a phone locks when it goes to the background.
//!
//! Android pauses the activity (`onPause`) when the user switches to another app, the
//! screen turns off or locks, or a call covers it; Tauri reports it to every window as
//! `WindowEvent::Suspended` (on iOS: `applicationWillResignActive`). A phone taken from
//! someone's hand at a checkpoint is most often a phone that went to the background: the
//! store is closed then, its key dropped, as the idle lock does on the desktop
//! (`background` in lib.rs), and the window is told (`locked`) so it shows the unlock
//! screen when it comes back. The desktop has no such event: there the window's own
//! focus and the screen lock are watched elsewhere.

use tauri::{AppHandle, Emitter, Manager, Runtime, Window, WindowEvent};

use crate::Shared;

/// Registered with `Builder::on_window_event` on every platform; acts on mobile only,
/// where the suspended event exists.
#[cfg(mobile)]
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::Suspended = event {
        went_to_background(window.app_handle());
    }
}

/// The desktop has no suspended event: nothing to do here.
#[cfg(not(mobile))]
pub fn on_window_event<R: Runtime>(_window: &Window<R>, _event: &WindowEvent) {}

/// Locks the store now and tells the window, unless the user's own file chooser is
/// what covers the app ([`ccs_core::app::App::choosing_file`]). Returns whether a store
/// was locked. Before the app's state exists (the first instants of a start) there is
/// nothing to lock.
pub fn went_to_background<R: Runtime>(handle: &AppHandle<R>) -> bool {
    let Some(state) = handle.try_state::<Shared>() else { return false };
    let locked = state.0.lock().unwrap_or_else(|p| p.into_inner()).suspended();
    if locked {
        let _ = handle.emit("locked", ());
    }
    locked
}
