//! The store key: derived from the user's passphrase or PIN with Argon2id and a random
//! per-store salt, held only in memory while unlocked, zeroised when dropped.
//!
//! The salt, the Argon2 parameters and a key check value live beside the database in
//! `<db>.kdf` (JSON, no secret in it). The check value lets a wrong passphrase be told
//! apart from a damaged database; deleting the file makes the database undecryptable,
//! which is what a quick wipe relies on.

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::StoreError;

/// Argon2id cost. The default takes about half a second and 128 MiB on this project's
/// 2-core reference machine (measured by `cargo run --release -p ccs-core --example
/// kdf_cost`: 64 MiB × 4 passes took 174 ms). Guessing a 6-digit PIN against a seized
/// phone then takes days per device instead of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams { m_cost_kib: 128 * 1024, t_cost: 5, p_cost: 1 }
    }
}

impl KdfParams {
    /// Cheap parameters for tests that open many stores. Never for real data.
    pub fn insecure_fast_for_tests() -> Self {
        KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct KeyFile {
    format: u32,
    kdf: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
    key_check: String,
}

/// The raw 32-byte database key.
pub(super) struct Key {
    bytes: Zeroizing<[u8; 32]>,
    check: [u8; 16],
}

impl Key {
    /// The SQLCipher `PRAGMA key` value for a raw key.
    pub(super) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.bytes.as_slice())))
    }
}

pub(super) fn key_file_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".kdf");
    PathBuf::from(p)
}

fn derive(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<Key, StoreError> {
    let p = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(48))
        .map_err(|e| StoreError::KeyFile(format!("bad Argon2 parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
    let mut out = Zeroizing::new([0u8; 48]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut_slice())
        .map_err(|e| StoreError::KeyFile(format!("key derivation failed: {e}")))?;
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&out[..32]);
    let mut check = [0u8; 16];
    check.copy_from_slice(&out[32..48]);
    Ok(Key { bytes, check })
}

impl KeyFile {
    pub(super) fn new(passphrase: &str, params: KdfParams) -> Result<(KeyFile, Key), StoreError> {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let key = derive(passphrase, &salt, params)?;
        let file = KeyFile {
            format: 1,
            kdf: "argon2id".into(),
            params,
            salt: hex::encode(salt),
            key_check: hex::encode(key.check),
        };
        Ok((file, key))
    }

    pub(super) fn read(db: &Path) -> Result<KeyFile, StoreError> {
        let path = key_file_path(db);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                StoreError::KeyFile(format!("{} is missing: without it the store cannot be unlocked", path.display()))
            }
            _ => StoreError::Io(format!("{}: {e}", path.display())),
        })?;
        let file: KeyFile = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::KeyFile(format!("{} is damaged: {e}", path.display())))?;
        if file.format != 1 || file.kdf != "argon2id" {
            return Err(StoreError::KeyFile(format!("{}: unsupported format", path.display())));
        }
        Ok(file)
    }

    pub(super) fn derive(&self, passphrase: &str) -> Result<Key, StoreError> {
        let salt = hex::decode(&self.salt).map_err(|_| StoreError::KeyFile("salt is damaged".into()))?;
        derive(passphrase, &salt, self.params)
    }

    /// Whether `key` is the one this file was made with.
    pub(super) fn matches(&self, key: &Key) -> bool {
        hex::decode(&self.key_check).is_ok_and(|c| c == key.check)
    }

    /// The same salt and parameters with a new key's check value (passphrase change).
    pub(super) fn with_key(&self, key: &Key) -> KeyFile {
        KeyFile { key_check: hex::encode(key.check), ..self.clone() }
    }

    /// Writes the file atomically: a crash leaves the old or the new file, never half.
    pub(super) fn write(&self, db: &Path) -> Result<(), StoreError> {
        let path = key_file_path(db);
        let tmp = path.with_extension("kdf.tmp");
        let json = serde_json::to_vec_pretty(self).map_err(|e| StoreError::Io(e.to_string()))?;
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&json).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// Shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 6;

/// The strength rule for a new passphrase or PIN: at least six characters; a PIN (all
/// digits) must not be one repeated digit nor a run like 123456.
pub fn check_strength(passphrase: &str) -> Result<(), StoreError> {
    let chars: Vec<char> = passphrase.chars().collect();
    if chars.len() < MIN_PASSPHRASE_CHARS {
        return Err(StoreError::WeakPassphrase(format!("at least {MIN_PASSPHRASE_CHARS} characters")));
    }
    if chars.iter().all(|c| c.is_ascii_digit()) {
        let d: Vec<i32> = chars.iter().map(|c| *c as i32 - '0' as i32).collect();
        let same = d.windows(2).all(|w| w[0] == w[1]);
        let up = d.windows(2).all(|w| w[1] - w[0] == 1);
        let down = d.windows(2).all(|w| w[0] - w[1] == 1);
        if same || up || down {
            return Err(StoreError::WeakPassphrase(
                "a PIN must not be one repeated digit or a run such as 123456".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("12345", false)]
    #[case("123456", false)]
    #[case("654321", false)]
    #[case("111111", false)]
    #[case("274913", true)]
    #[case("abc", false)]
    #[case("goundam-2026", true)]
    fn strength_rule(#[case] pass: &str, #[case] ok: bool) {
        assert_eq!(check_strength(pass).is_ok(), ok, "{pass}");
    }

    #[test]
    fn same_passphrase_and_salt_give_same_key_and_check() {
        let (file, key) = KeyFile::new("sahel-2026", KdfParams::insecure_fast_for_tests()).unwrap();
        let again = file.derive("sahel-2026").unwrap();
        assert_eq!(key.bytes.as_slice(), again.bytes.as_slice());
        assert!(file.matches(&again));
        assert!(!file.matches(&file.derive("sahel-2027").unwrap()));
    }
}
