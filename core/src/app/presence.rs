//! A neutral presence: what the app keeps outside its data folder, and the lock when
//! the window goes to the background.
//!
//! Outside the data folder, in one small file of the app's state folder (`state.json`
//! under the platform's config folder for the app): a second copy of the wrong-attempt
//! counter of each store, and the pointer to the data folder once it took a neutral
//! name. Copying the data folder away, trying passphrases and copying it back resets
//! the counter kept in the folder, not this one: the app counts the larger of the two.
//!
//! What this does not stop (said in `docs/protection-des-donnees.md`): whoever restores
//! the state folder too (a whole-disk or whole-phone image), or who attacks a copy of
//! the store on another machine, where no counter runs at all; against them the
//! Argon2id cost of each guess is the protection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::AppError;
use crate::error_code::ErrorCode;

/// What the state file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct StateFile {
    /// Wrong attempts per store, under the store's tag ([`crate::store::store_tag`]).
    counters: BTreeMap<String, u32>,
    /// The data folder, once it took a neutral name.
    folder: Option<PathBuf>,
    /// Set while the data folder moves: where it was. A move cut short is finished at
    /// the next start ([`resolve_data_dir`]).
    moving_from: Option<PathBuf>,
}

const STATE_FILE: &str = "state.json";

fn io(e: std::io::Error) -> AppError {
    AppError::internal(ErrorCode::AppSettingsIo, e.to_string())
}

fn load(state_dir: &Path) -> StateFile {
    std::fs::read(state_dir.join(STATE_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

fn save(state_dir: &Path, file: &StateFile) -> Result<(), AppError> {
    use std::io::Write;
    crate::store::files::private_dir(state_dir).map_err(io)?;
    let path = state_dir.join(STATE_FILE);
    let tmp = state_dir.join("state.json.tmp");
    let bytes =
        serde_json::to_vec_pretty(file).map_err(|e| AppError::internal(ErrorCode::AppSettingsIo, e.to_string()))?;
    let mut f = crate::store::files::create_private(&tmp).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(())
}

/// The wrong attempts counted outside the data folder for the store tagged `tag`.
pub(super) fn counter(state_dir: &Path, tag: &str) -> u32 {
    load(state_dir).counters.get(tag).copied().unwrap_or(0)
}

/// Sets (or, at zero, clears) the counter kept outside the data folder.
pub(super) fn set_counter(state_dir: &Path, tag: &str, n: u32) -> Result<(), AppError> {
    let mut file = load(state_dir);
    if n == 0 {
        file.counters.remove(tag);
    } else {
        file.counters.insert(tag.to_string(), n);
    }
    save(state_dir, &file)
}

/// The folder a neutral window name gives the data: `name` in `parent`, reduced to
/// letters, digits, `-` and `_` (spaces become `-`). `None` for a name with none of them.
pub fn neutral_folder(parent: &Path, name: &str) -> Option<PathBuf> {
    let cleaned: String = name
        .trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect();
    let cleaned = cleaned.trim_matches('-').to_string();
    (!cleaned.is_empty()).then(|| parent.join(cleaned))
}

/// Whether `name` is one of the app's own entries in its data folder (the store and its
/// companions, the settings, the couriered bundles). The default data folder is shared
/// with the webview's own files: only these move.
fn is_ours(name: &str) -> bool {
    name.starts_with(super::STORE_FILE)
        || name.starts_with("settings.json")
        || name == crate::store::custody::CUSTODY_DIR
}

/// Moves the app's entries still in `from` into `to`, one rename each (each atomic: an
/// entry is in one folder or the other, never half).
fn move_entries(from: &Path, to: &Path) -> Result<(), AppError> {
    crate::store::files::private_dir(to).map_err(io)?;
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(()) };
    let mut names: Vec<std::ffi::OsString> = entries.filter_map(|e| e.ok().map(|e| e.file_name())).collect();
    // The key file last: a store whose database moved without its key file is no store
    // for the other folder, and the next start finishes the move.
    names.sort_by_key(|n| n.to_string_lossy().ends_with(".kdf"));
    for name in names {
        if !is_ours(&name.to_string_lossy()) {
            continue;
        }
        std::fs::rename(from.join(&name), to.join(&name)).map_err(io)?;
    }
    if let Ok(mut rest) = std::fs::read_dir(from) {
        if rest.next().is_none() {
            let _ = std::fs::remove_dir(from);
        }
    }
    Ok(())
}

/// Where the data folder is: the pointer's folder when one was moved (finishing a move
/// cut short first), else `default`.
pub fn resolve_data_dir(state_dir: &Path, default: &Path) -> PathBuf {
    let mut file = load(state_dir);
    if let (Some(from), Some(to)) = (file.moving_from.clone(), file.folder.clone()) {
        // The intent was written before anything moved: what is still in the old
        // folder goes on to the new one.
        if move_entries(&from, &to).is_err() {
            return from;
        }
        file.moving_from = None;
        let _ = save(state_dir, &file);
    }
    match file.folder {
        Some(f) if f.exists() => f,
        _ => default.to_path_buf(),
    }
}

/// First half of a move: the intent, written before anything moves.
pub fn begin_move(state_dir: &Path, from: &Path, to: &Path) -> Result<(), AppError> {
    let mut file = load(state_dir);
    file.folder = Some(to.to_path_buf());
    file.moving_from = Some(from.to_path_buf());
    save(state_dir, &file)
}

/// Moves the app's data from `from` to `to`, the intent written first so a move cut
/// short is finished at the next start. Refuses a `to` that holds a store already.
pub fn move_data_dir(state_dir: &Path, from: &Path, to: &Path) -> Result<(), AppError> {
    if to.join(super::STORE_FILE).exists() || to.join("settings.json").exists() {
        return Err(AppError::internal(ErrorCode::AppSettingsIo, format!("{} holds data already", to.display())));
    }
    begin_move(state_dir, from, to)?;
    move_entries(from, to)?;
    let mut file = load(state_dir);
    file.moving_from = None;
    save(state_dir, &file)
}

/// Where the data folder should be for `window_name`: the default folder for the
/// app's own name, else a folder with the neutral name beside it.
pub fn wanted_data_dir(default: &Path, window_name: &str) -> PathBuf {
    if window_name == super::Settings::default().window_name {
        return default.to_path_buf();
    }
    default.parent().and_then(|p| neutral_folder(p, window_name)).unwrap_or_else(|| default.to_path_buf())
}

/// At start: finishes a move cut short, then moves the data folder to the one its
/// window name asks for, when that is another and free. Answers the data folder.
pub fn settle_data_dir(state_dir: &Path, default: &Path) -> PathBuf {
    let dir = resolve_data_dir(state_dir, default);
    let name = super::settings::load(&dir).settings.window_name;
    let wanted = wanted_data_dir(default, &name);
    let has_data = dir.join("settings.json").exists() || dir.join(super::STORE_FILE).exists();
    if wanted != dir && has_data && move_data_dir(state_dir, &dir, &wanted).is_ok() {
        return wanted;
    }
    dir
}
