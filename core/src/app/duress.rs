//! The second PIN (duress), as the settings show it and set it.
//!
//! Set from the settings of the real store, with the real passphrase to confirm, it
//! must differ from that passphrase. Typed at the unlock screen, it opens the spare
//! store (an empty member's store) or wipes the real store first, as chosen
//! ([`App::unlock`]). Nothing readable before unlock says whether it exists: the key
//! file always has two slots, the settings file says nothing of it.
//!
//! Inside the spare store the settings look like those of a store without a second PIN;
//! setting one there is accepted and shown until the app locks, and changes nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{App, AppError, Settings};
use crate::error_code::ErrorCode;
use crate::store::{check_second, check_strength, SecondUse};

/// How long before [`App::choosing_file`] a loss of focus is taken for the chooser's.
const CHOOSER_FOCUS_SECONDS: i64 = 2;

/// The spare store's state while it is open.
#[derive(Debug, Clone, Default)]
pub(super) struct Decoy {
    /// What its settings screen was told this session (see the module's comment).
    shown: Option<SecondUse>,
}

/// Whether a second PIN is set, and what it does: the settings' duress section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DuressState {
    /// `None` when no second PIN is set.
    pub action: Option<SecondUse>,
}

impl App {
    /// The settings as the window sees them. In the spare store the server address is
    /// not shown: a decoy must not lead to the real store's server.
    pub(super) fn shown_settings(&self) -> Settings {
        let mut s = self.file.settings.clone();
        if self.decoy.is_some() {
            s.server_url = None;
        }
        s
    }

    /// The duress section of the settings (unlocked only).
    pub fn duress_state(&mut self, now: DateTime<Utc>) -> Result<DuressState, AppError> {
        self.unlocked(now, true)?;
        Ok(DuressState { action: self.decoy.as_ref().map_or(self.second, |d| d.shown) })
    }

    /// Sets the second PIN: `current` is the passphrase of the open store, `pin` must
    /// pass the strength rule and differ from it (`duress.same_as_passphrase`).
    pub fn set_duress(
        &mut self,
        current: &str,
        pin: &str,
        action: SecondUse,
        now: DateTime<Utc>,
    ) -> Result<DuressState, AppError> {
        let db = self.store_path();
        self.unlocked(now, true)?;
        if pin == current {
            return Err(AppError::of(ErrorCode::DuressSameAsPassphrase));
        }
        check_strength(pin)?;
        if let Some(decoy) = self.decoy.as_mut() {
            check_second(&db, current)?;
            decoy.shown = Some(action);
            return Ok(DuressState { action: Some(action) });
        }
        let store = self.store.as_mut().ok_or_else(AppError::locked)?;
        store.set_second(current, pin, action)?;
        self.second = Some(action);
        Ok(DuressState { action: Some(action) })
    }

    /// Removes the second PIN (`current` confirms).
    pub fn clear_duress(&mut self, current: &str, now: DateTime<Utc>) -> Result<DuressState, AppError> {
        let db = self.store_path();
        self.unlocked(now, true)?;
        if let Some(decoy) = self.decoy.as_mut() {
            check_second(&db, current)?;
            decoy.shown = None;
            return Ok(DuressState { action: None });
        }
        let store = self.store.as_mut().ok_or_else(AppError::locked)?;
        store.clear_second(current)?;
        self.second = None;
        Ok(DuressState { action: None })
    }

    /// The window went to the background (minimised, another app in front, the
    /// phone's home button): the store locks once it stayed there longer than the
    /// grace of the settings. The one call every platform's shell makes.
    pub fn went_to_background(&mut self, now: DateTime<Utc>) {
        if self.store.is_some() && self.background_since.is_none() && !self.choosing_file {
            self.background_since = Some(now);
        }
    }

    /// The user opens a file chooser (a bundle to import; `open`), or it closed, a file
    /// picked or not (`!open`). The window loses its focus to the chooser (on a phone
    /// the app is paused), which is not going to the background: choosing may take
    /// longer than the grace, and a store locked meanwhile would send the user back to
    /// the unlock screen, the file forgotten. While it is open only the idle lock runs
    /// (`lock_minutes`), so a chooser left open still locks. The mark also ends when
    /// the window is in front again and when the store closes.
    ///
    /// The chooser's loss of focus may be heard just before this call (they travel by
    /// different ways): a departure of the last seconds is taken back.
    pub fn choosing_file(&mut self, open: bool, now: DateTime<Utc>) {
        self.choosing_file = open && self.store.is_some();
        if self.choosing_file
            && self.background_since.is_some_and(|since| now - since < chrono::Duration::seconds(CHOOSER_FOCUS_SECONDS))
        {
            self.background_since = None;
        }
    }

    /// The phone paused the app (another app in front, the screen off): the store locks
    /// at once, unless it is the user's own file chooser that covers it. Returns whether
    /// a store was open and locked.
    pub fn suspended(&mut self) -> bool {
        if self.store.is_none() || self.choosing_file {
            return false;
        }
        self.lock();
        true
    }

    /// The window is in front again: locks now if it was away longer than the grace.
    /// Returns whether it locked.
    pub fn came_to_foreground(&mut self, now: DateTime<Utc>) -> bool {
        let locked = self.lock_if_idle(now);
        self.background_since = None;
        self.choosing_file = false;
        locked
    }

    /// The screen was locked (the session's screen saver): locks the store at once.
    pub fn screen_locked(&mut self) -> bool {
        let was = self.store.is_some();
        self.close_store();
        was
    }
}
