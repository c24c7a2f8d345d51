//! Getting the passphrase and opening the store: from `CCS_PASSPHRASE` when set (scripts
//! and tests), otherwise asked on the terminal without echo. The passphrase is kept in a
//! zeroised buffer and handed straight to `core`, which derives the key.
//!
//! `CCS_KDF_FAST=1` is a test aid only: it makes `init` create the store with
//! deliberately weak key-derivation parameters so that test suites can open stores
//! quickly. The parameters are recorded in the store's `.kdf` file, so a store made that
//! way stays weak; a warning says so on stderr.

use std::path::Path;

use ccs_core::i18n::Lang;
use ccs_core::store::{KdfParams, Store};
use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::messages::text;

pub const PASSPHRASE_VAR: &str = "CCS_PASSPHRASE";
pub const NEW_PASSPHRASE_VAR: &str = "CCS_NEW_PASSPHRASE";
pub const KDF_FAST_VAR: &str = "CCS_KDF_FAST";

fn from_env(var: &str) -> Option<Zeroizing<String>> {
    std::env::var_os(var).map(|v| Zeroizing::new(v.to_string_lossy().into_owned()))
}

fn prompt(prompt_code: &str, lang: Lang) -> Result<Zeroizing<String>, Failure> {
    rpassword::prompt_password(text(prompt_code, lang, &[]))
        .map(Zeroizing::new)
        .map_err(|e| Failure::cli("cli.no_passphrase", &[&e.to_string()]))
}

/// The passphrase of an existing store.
pub fn current_passphrase(lang: Lang) -> Result<Zeroizing<String>, Failure> {
    match from_env(PASSPHRASE_VAR) {
        Some(p) => Ok(p),
        None => prompt("out.prompt_passphrase", lang),
    }
}

/// A passphrase being chosen: from `var`, or asked twice.
pub fn chosen_passphrase(var: &str, prompt_code: &str, lang: Lang) -> Result<Zeroizing<String>, Failure> {
    if let Some(p) = from_env(var) {
        return Ok(p);
    }
    let first = prompt(prompt_code, lang)?;
    let second = prompt("out.prompt_repeat", lang)?;
    if first != second {
        return Err(Failure::cli("cli.passphrase_mismatch", &[]));
    }
    Ok(first)
}

/// The key-derivation cost for a new store, and whether it is the weak test setting.
pub fn kdf_params() -> (KdfParams, bool) {
    match std::env::var(KDF_FAST_VAR).as_deref() {
        Ok("1") => (KdfParams::insecure_fast_for_tests(), true),
        _ => (KdfParams::default(), false),
    }
}

/// Opens the store at `db`, asking for the passphrase if needed.
pub fn open(db: &Path, lang: Lang) -> Result<Store, Failure> {
    // Checked before asking for a passphrase that could not be used anyway.
    if !db.exists() {
        return Err(ccs_core::store::StoreError::NotFound(db.display().to_string()).into());
    }
    let pass = current_passphrase(lang)?;
    Ok(Store::open(db, &pass)?)
}
