//! The app's settings and its wrong-attempt counter: a small JSON file beside the store,
//! readable before unlocking (the language of the unlock screen, the neutral window
//! name and the attempt limit are needed while the store is still locked). It holds no
//! record data and no secret.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::error_code::ErrorCode;
use crate::i18n::{Lang, Message};

/// The icon shown for the app window: the app's own, or one that says nothing about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AppIcon {
    #[default]
    Standard,
    /// A plain notebook: for phones that may be searched.
    Neutral,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    /// The sync server's address; `None` until enrolled (or for a demo store).
    pub server_url: Option<String>,
    /// Minutes without use before the app locks itself.
    pub lock_minutes: u32,
    /// Wrong passphrases in a row after which the store is wiped.
    pub max_attempts: u32,
    /// The window's title: can be set to something neutral ("Carnet").
    pub window_name: String,
    pub icon: AppIcon,
    /// Seconds the window may stay in the background (minimised, behind another
    /// window) before the store locks; 0 locks as soon as it leaves the front.
    pub background_lock_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::Fr,
            server_url: None,
            lock_minutes: 5,
            max_attempts: 5,
            window_name: "CCS Terrain".into(),
            icon: AppIcon::Standard,
            background_lock_seconds: 30,
        }
    }
}

/// A change to the settings: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct SettingsPatch {
    #[ts(optional)]
    pub lang: Option<Lang>,
    #[ts(optional)]
    pub server_url: Option<String>,
    #[ts(optional)]
    pub lock_minutes: Option<u32>,
    #[ts(optional)]
    pub max_attempts: Option<u32>,
    #[ts(optional)]
    pub window_name: Option<String>,
    #[ts(optional)]
    pub icon: Option<AppIcon>,
    #[ts(optional)]
    pub background_lock_seconds: Option<u32>,
}

pub const LOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=240;
pub const MAX_ATTEMPTS: std::ops::RangeInclusive<u32> = 3..=20;
pub const MAX_NAME_CHARS: usize = 40;
pub const BACKGROUND_LOCK_SECONDS: std::ops::RangeInclusive<u32> = 0..=600;

/// Checks a server address: https, or plain http to this machine only
/// ([`crate::sync::address`]).
pub fn check_server_url(url: &str) -> Result<String, AppError> {
    crate::sync::address::check(url).map_err(|e| AppError::of(e.code()))
}

impl Settings {
    /// Applies `patch`, refusing out-of-range values with a message for each.
    pub fn apply(&mut self, patch: SettingsPatch) -> Result<(), AppError> {
        let mut next = self.clone();
        if let Some(l) = patch.lang {
            next.lang = l;
        }
        if let Some(u) = patch.server_url {
            next.server_url = if u.trim().is_empty() { None } else { Some(check_server_url(&u)?) };
        }
        if let Some(m) = patch.lock_minutes {
            if !LOCK_MINUTES.contains(&m) {
                return Err(AppError::new(
                    ErrorCode::SettingsLockMinutes,
                    Message::new(
                        format!(
                            "Délai de verrouillage entre {} et {} minutes.",
                            LOCK_MINUTES.start(),
                            LOCK_MINUTES.end()
                        ),
                        format!("Lock delay between {} and {} minutes.", LOCK_MINUTES.start(), LOCK_MINUTES.end()),
                    ),
                ));
            }
            next.lock_minutes = m;
        }
        if let Some(a) = patch.max_attempts {
            if !MAX_ATTEMPTS.contains(&a) {
                return Err(AppError::new(
                    ErrorCode::SettingsMaxAttempts,
                    Message::new(
                        format!("Nombre d’essais entre {} et {}.", MAX_ATTEMPTS.start(), MAX_ATTEMPTS.end()),
                        format!("Attempts between {} and {}.", MAX_ATTEMPTS.start(), MAX_ATTEMPTS.end()),
                    ),
                ));
            }
            next.max_attempts = a;
        }
        if let Some(n) = patch.window_name {
            let n = n.trim().to_string();
            if n.is_empty() || n.chars().count() > MAX_NAME_CHARS {
                return Err(AppError::new(
                    ErrorCode::SettingsWindowName,
                    Message::new(
                        format!("Le nom de l’application compte de 1 à {MAX_NAME_CHARS} caractères."),
                        format!("The app name has 1 to {MAX_NAME_CHARS} characters."),
                    ),
                ));
            }
            next.window_name = n;
        }
        if let Some(b) = patch.background_lock_seconds {
            if !BACKGROUND_LOCK_SECONDS.contains(&b) {
                return Err(AppError::new(
                    ErrorCode::SettingsBackgroundLock,
                    Message::new(
                        format!(
                            "Délai en arrière-plan entre {} et {} secondes.",
                            BACKGROUND_LOCK_SECONDS.start(),
                            BACKGROUND_LOCK_SECONDS.end()
                        ),
                        format!(
                            "Background delay between {} and {} seconds.",
                            BACKGROUND_LOCK_SECONDS.start(),
                            BACKGROUND_LOCK_SECONDS.end()
                        ),
                    ),
                ));
            }
            next.background_lock_seconds = b;
        }
        if let Some(i) = patch.icon {
            next.icon = i;
        }
        *self = next;
        Ok(())
    }
}

/// What the settings file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct SettingsFile {
    pub settings: Settings,
    /// Wrong passphrases in a row since the last successful unlock.
    pub failed_attempts: u32,
    pub last_sync_at: Option<DateTime<Utc>>,
}

pub(super) fn path(dir: &Path) -> PathBuf {
    dir.join("settings.json")
}

/// Where [`save`] writes before renaming; a wipe removes it too.
pub(super) fn tmp_path(dir: &Path) -> PathBuf {
    dir.join("settings.json.tmp")
}

/// Reads the file; a missing or unreadable one gives the defaults (the file holds no
/// data that could be lost, and the app must always start).
pub(super) fn load(dir: &Path) -> SettingsFile {
    std::fs::read(path(dir)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Writes the file atomically (temporary file, fsync, rename).
pub(super) fn save(dir: &Path, file: &SettingsFile) -> Result<(), AppError> {
    use std::io::Write;
    let io = |e: std::io::Error| AppError::internal(ErrorCode::AppSettingsIo, e.to_string());
    crate::store::files::private_dir(dir).map_err(io)?;
    let tmp = tmp_path(dir);
    let bytes =
        serde_json::to_vec_pretty(file).map_err(|e| AppError::internal(ErrorCode::AppSettingsIo, e.to_string()))?;
    let mut f = crate::store::files::create_private(&tmp).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path(dir)).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_changes_only_what_it_names_and_refuses_bad_values() {
        let mut s = Settings::default();
        s.apply(SettingsPatch { lang: Some(Lang::En), lock_minutes: Some(10), ..Default::default() }).unwrap();
        assert_eq!((s.lang, s.lock_minutes, s.max_attempts), (Lang::En, 10, 5));
        let before = s.clone();
        for bad in [
            SettingsPatch { lock_minutes: Some(0), ..Default::default() },
            SettingsPatch { max_attempts: Some(1), ..Default::default() },
            SettingsPatch { window_name: Some("  ".into()), ..Default::default() },
            SettingsPatch { server_url: Some("ftp://x".into()), ..Default::default() },
            SettingsPatch { server_url: Some("https://user:pw@host".into()), ..Default::default() },
        ] {
            assert!(s.apply(bad).is_err());
            assert_eq!(s, before, "a refused patch changes nothing");
        }
        s.apply(SettingsPatch { server_url: Some("https://ccs.example.ml/".into()), ..Default::default() }).unwrap();
        assert_eq!(s.server_url.as_deref(), Some("https://ccs.example.ml"));
    }

    #[test]
    fn a_damaged_settings_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), b"{not json").unwrap();
        assert_eq!(load(dir.path()), SettingsFile::default());
        let f = SettingsFile { failed_attempts: 2, ..Default::default() };
        save(dir.path(), &f).unwrap();
        assert_eq!(load(dir.path()).failed_attempts, 2);
    }
}
