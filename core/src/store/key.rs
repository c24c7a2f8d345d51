//! The store key: derived from the user's passphrase or PIN with Argon2id and a random
//! per-store salt, held only in memory while unlocked, zeroised when dropped.
//!
//! The salt, the Argon2 parameters and a key check value live beside the database in
//! `<db>.kdf` (JSON, no secret in it). The check value lets a wrong passphrase be told
//! apart from a damaged database; deleting the file makes the database undecryptable,
//! which is what a quick wipe relies on.
//!
//! The file always holds a second slot (`second`): the salt, check value and sealed use
//! of a second PIN (duress), or random bytes of the same shape when none is set. Every
//! unlock derives against both slots ([`KeyFile::derive_both`]), so the Argon2 work is
//! the same whichever PIN is typed, right, second or wrong, and the file says nothing
//! about whether a second PIN exists. What each slot is for is sealed with its own key
//! (`seal`): readable only by whoever typed that slot's passphrase.

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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
    /// Whether guessing under these parameters is cheaper than under `other`.
    pub fn weaker_than(&self, other: &KdfParams) -> bool {
        self.m_cost_kib < other.m_cost_kib || self.t_cost < other.t_cost
    }

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
    /// What the real slot knows of the second one (set or not, what it does), sealed
    /// with the real key. Missing in files written before the second slot existed.
    #[serde(default)]
    seal: Option<String>,
    /// The second slot. Missing in files written before it existed: they are given a
    /// random one at the next unlock.
    #[serde(default)]
    second: Option<Slot>,
}

/// A passphrase slot beside the real one: its salt, its key check value and its sealed
/// use. Random bytes when unused, so a used and an unused slot look alike.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Slot {
    salt: String,
    check: String,
    seal: String,
}

/// What typing the second PIN does, chosen when it is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SecondUse {
    /// Opens an empty store of its own; the real store stays, untouched.
    Decoy,
    /// Wipes the real store, then opens the empty one in its place.
    Wipe,
}

/// A sealed slot's contents: 16 bytes XOR-ed with a pad made from the slot's key. A
/// marker byte tells a readable seal from random bytes (an unused slot, or a seal
/// written under another key).
const SEAL_MARK: u8 = 0xC5;

fn pad(key: &Key) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(b"ccs-terrain key slot seal v1");
    h.update(key.bytes.as_slice());
    let d = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

fn seal(key: &Key, word: [u8; 3]) -> String {
    let mut plain = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut plain[3..]);
    plain[..3].copy_from_slice(&word);
    let p = pad(key);
    hex::encode(std::array::from_fn::<u8, 16, _>(|i| plain[i] ^ p[i]))
}

fn unseal(key: &Key, sealed: &str) -> Option<[u8; 3]> {
    let bytes = hex::decode(sealed).ok().filter(|b| b.len() == 16)?;
    let p = pad(key);
    let plain: Vec<u8> = bytes.iter().zip(p).map(|(b, p)| b ^ p).collect();
    (plain[0] == SEAL_MARK).then(|| [plain[0], plain[1], plain[2]])
}

fn use_byte(u: SecondUse) -> u8 {
    match u {
        SecondUse::Decoy => 1,
        SecondUse::Wipe => 2,
    }
}

fn use_of(b: u8) -> Option<SecondUse> {
    match b {
        1 => Some(SecondUse::Decoy),
        2 => Some(SecondUse::Wipe),
        _ => None,
    }
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl Slot {
    /// An unused slot: random salt, check and seal, shaped like a used one.
    fn random() -> Slot {
        Slot { salt: random_hex(16), check: random_hex(16), seal: random_hex(16) }
    }
}

/// What the two derivations of an unlock found.
pub(super) struct BothKeys {
    /// The key derived from the real slot's salt (it may still open the database when
    /// the check value is stale: an interrupted passphrase change).
    pub real: Key,
    /// Set when the passphrase is the second slot's: its key and its use.
    pub second: Option<(Key, SecondUse)>,
}

/// The raw 32-byte database key.
pub(super) struct Key {
    bytes: Zeroizing<[u8; 32]>,
    check: [u8; 16],
}

impl Key {
    /// A random key nobody knows: for the spare store of a device with no second PIN.
    pub(super) fn random() -> Key {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::thread_rng().fill_bytes(bytes.as_mut_slice());
        let mut check = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut check);
        Key { bytes, check }
    }

    /// The SQLCipher `PRAGMA key` value for a raw key.
    pub(super) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.bytes.as_slice())))
    }
}

/// Where [`KeyFile::write`] writes before renaming: left behind by a crash, it holds the
/// salt too, so a wipe deletes it.
pub(super) fn tmp_path(db: &Path) -> PathBuf {
    key_file_path(db).with_extension("kdf.tmp")
}

/// The key file of a re-keying in progress ([`super::Store::strengthen_key`]): written
/// before the database is re-encrypted and renamed over the key file after, so a crash
/// in between leaves a salt that opens the database.
pub(super) fn next_path(db: &Path) -> PathBuf {
    key_file_path(db).with_extension("kdf.next")
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
            seal: Some(seal(&key, [SEAL_MARK, 0, 0])),
            second: Some(Slot::random()),
        };
        Ok((file, key))
    }

    pub(super) fn read(db: &Path) -> Result<KeyFile, StoreError> {
        Self::read_at(&key_file_path(db))
    }

    pub(super) fn read_at(path: &Path) -> Result<KeyFile, StoreError> {
        let path = path.to_path_buf();
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

    /// Derives against both slots, always: the same Argon2 work whichever passphrase is
    /// typed (a file without a second slot is given a random one for the derivation).
    pub(super) fn derive_both(&self, passphrase: &str) -> Result<BothKeys, StoreError> {
        let real = self.derive(passphrase)?;
        let slot = self.second.clone().unwrap_or_else(Slot::random);
        let salt = hex::decode(&slot.salt).map_err(|_| StoreError::KeyFile("second salt is damaged".into()))?;
        let key = derive(passphrase, &salt, self.params)?;
        let matches = hex::decode(&slot.check).is_ok_and(|c| c == key.check);
        let second = if matches { unseal(&key, &slot.seal).and_then(|w| use_of(w[2])).map(|u| (key, u)) } else { None };
        Ok(BothKeys { real, second })
    }

    /// What the real slot says of the second one, read with the real key: `None` when
    /// no second PIN is set.
    pub(super) fn second_use(&self, real: &Key) -> Option<SecondUse> {
        let word = self.seal.as_deref().and_then(|s| unseal(real, s))?;
        if word[1] == 1 {
            use_of(word[2])
        } else {
            None
        }
    }

    /// The same file with a second PIN set to `pin` for `use_`, its real seal saying
    /// so; answers the second slot's key (the spare store is keyed with it).
    pub(super) fn with_second(&self, real: &Key, pin: &str, use_: SecondUse) -> Result<(KeyFile, Key), StoreError> {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let key = derive(pin, &salt, self.params)?;
        let slot = Slot {
            salt: hex::encode(salt),
            check: hex::encode(key.check),
            seal: seal(&key, [SEAL_MARK, 0, use_byte(use_)]),
        };
        let file =
            KeyFile { seal: Some(seal(real, [SEAL_MARK, 1, use_byte(use_)])), second: Some(slot), ..self.clone() };
        Ok((file, key))
    }

    /// The same file with no second PIN: a fresh random slot.
    pub(super) fn without_second(&self, real: &Key) -> KeyFile {
        KeyFile { seal: Some(seal(real, [SEAL_MARK, 0, 0])), second: Some(Slot::random()), ..self.clone() }
    }

    /// Whether the file has both slots written (files from before the second slot
    /// are completed at the next unlock).
    pub(super) fn has_both_slots(&self) -> bool {
        self.second.is_some() && self.seal.is_some()
    }

    /// A file whose real slot is the second slot of `self` (salt and check), with a
    /// fresh random second slot: after a wipe chosen with the second PIN, that PIN
    /// opens the store that took the real one's place.
    pub(super) fn promote_second(&self, second: &Key) -> Result<KeyFile, StoreError> {
        let slot = self.second.as_ref().ok_or_else(|| StoreError::KeyFile("no second slot".into()))?;
        Ok(KeyFile {
            salt: slot.salt.clone(),
            key_check: slot.check.clone(),
            seal: Some(seal(second, [SEAL_MARK, 0, 0])),
            second: Some(Slot::random()),
            ..self.clone()
        })
    }

    /// The same file with the second slot's PIN changed (from inside the decoy store:
    /// its passphrase change), same use. The real seal is not touched.
    pub(super) fn with_second_pin(&self, pin: &str, use_: SecondUse) -> Result<(KeyFile, Key), StoreError> {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        let key = derive(pin, &salt, self.params)?;
        let slot = Slot {
            salt: hex::encode(salt),
            check: hex::encode(key.check),
            seal: seal(&key, [SEAL_MARK, 0, use_byte(use_)]),
        };
        Ok((KeyFile { second: Some(slot), ..self.clone() }, key))
    }

    /// Whether `key` is the one this file was made with.
    pub(super) fn matches(&self, key: &Key) -> bool {
        hex::decode(&self.key_check).is_ok_and(|c| c == key.check)
    }

    pub(super) fn params(&self) -> KdfParams {
        self.params
    }

    /// The same salt and parameters with a new key's check value (passphrase change).
    /// `old` reads the real seal, written again under the new key; without it (an
    /// interrupted change found at open) the seal is kept and, unreadable, says "no
    /// second PIN" until one is set again.
    pub(super) fn with_key(&self, old: Option<&Key>, key: &Key) -> KeyFile {
        let word = old.and_then(|o| self.seal.as_deref().and_then(|s| unseal(o, s)));
        let seal_ = match word {
            Some(w) => Some(seal(key, w)),
            None => self.seal.clone(),
        };
        KeyFile { key_check: hex::encode(key.check), seal: seal_, ..self.clone() }
    }

    /// Writes the file atomically: a crash leaves the old or the new file, never half.
    pub(super) fn write(&self, db: &Path) -> Result<(), StoreError> {
        self.write_at(&key_file_path(db))
    }

    /// [`KeyFile::write`] to another place (the next key file of a re-keying).
    pub(super) fn write_at(&self, path: &Path) -> Result<(), StoreError> {
        let path = path.to_path_buf();
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let json = serde_json::to_vec_pretty(self).map_err(|e| StoreError::Io(e.to_string()))?;
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        let mut f = super::files::create_private(&tmp).map_err(io)?;
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

/// A tag naming the store at `db` without saying anything of it: a hash of its key
/// file's salt. The attempt counter kept outside the data folder is filed under it, so
/// it follows the store wherever the folder is copied from or back to.
pub fn store_tag(db: &Path) -> Option<String> {
    let file = KeyFile::read(db).ok()?;
    let mut h = Sha256::new();
    h.update(b"ccs-terrain store tag v1");
    h.update(file.salt.as_bytes());
    Some(hex::encode(&h.finalize()[..12]))
}

/// Shortest passphrase accepted (anything that is not all digits), in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// Shortest PIN (all digits) accepted. At about half a second of Argon2id per guess on
/// one core, the 10^6 six-digit PINs fall in about 125 core-hours, hours on a rented
/// server once the store is copied off a seized phone (the attempt counter does not
/// protect a copy); 10^10 take thousands of core-years.
pub const MIN_PIN_DIGITS: usize = 10;

/// Why a passphrase or PIN is refused, so the person choosing it is told what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// A passphrase (not only digits) shorter than [`MIN_PASSPHRASE_CHARS`].
    TooShort,
    /// Only digits, fewer than [`MIN_PIN_DIGITS`].
    ShortPin,
    /// Only digits, one repeated digit or a run such as 0123456789.
    PinPattern,
}

impl std::fmt::Display for Weakness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Weakness::TooShort => write!(f, "a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"),
            Weakness::ShortPin => write!(f, "a PIN needs at least {MIN_PIN_DIGITS} digits"),
            Weakness::PinPattern => write!(f, "a PIN must not be one repeated digit or a run such as 0123456789"),
        }
    }
}

/// The strength rule for a new passphrase or PIN: a passphrase of at least eight
/// characters, or a PIN of at least ten digits that is neither one repeated digit nor a
/// run. A six-digit PIN is refused: see [`MIN_PIN_DIGITS`].
pub fn check_strength(passphrase: &str) -> Result<(), StoreError> {
    weakness(passphrase).map_or(Ok(()), |w| Err(StoreError::WeakPassphrase(w)))
}

/// What is wrong with a new passphrase or PIN, if anything.
pub fn weakness(passphrase: &str) -> Option<Weakness> {
    let chars: Vec<char> = passphrase.chars().collect();
    if !chars.is_empty() && chars.iter().all(|c| c.is_ascii_digit()) {
        if chars.len() < MIN_PIN_DIGITS {
            return Some(Weakness::ShortPin);
        }
        let d: Vec<i32> = chars.iter().map(|c| *c as i32 - '0' as i32).collect();
        let same = d.windows(2).all(|w| w[0] == w[1]);
        let up = d.windows(2).all(|w| (w[1] - w[0]).rem_euclid(10) == 1);
        let down = d.windows(2).all(|w| (w[0] - w[1]).rem_euclid(10) == 1);
        if same || up || down {
            return Some(Weakness::PinPattern);
        }
        return None;
    }
    (chars.len() < MIN_PASSPHRASE_CHARS).then_some(Weakness::TooShort)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::six_digit_pin("274913", Some(Weakness::ShortPin))]
    #[case::nine_digit_pin("274913586", Some(Weakness::ShortPin))]
    #[case::run("123456", Some(Weakness::ShortPin))]
    #[case::long_run("0123456789", Some(Weakness::PinPattern))]
    #[case::long_run_wrapping("7890123456", Some(Weakness::PinPattern))]
    #[case::long_run_down("9876543210", Some(Weakness::PinPattern))]
    #[case::repeated("1111111111", Some(Weakness::PinPattern))]
    #[case::long_pin("2749135860", None)]
    #[case::short_word("abc", Some(Weakness::TooShort))]
    #[case::seven_chars("goundam", Some(Weakness::TooShort))]
    #[case::passphrase("goundam-2026", None)]
    #[case::letters_and_six_digits("ab123456", None)]
    fn strength_rule(#[case] pass: &str, #[case] expected: Option<Weakness>) {
        assert_eq!(weakness(pass), expected, "{pass}");
        assert_eq!(check_strength(pass).is_ok(), expected.is_none(), "{pass}");
    }

    #[test]
    fn both_slots_are_derived_and_each_seal_opens_only_with_its_key() {
        let (file, real) = KeyFile::new("sahel-2026", KdfParams::insecure_fast_for_tests()).unwrap();
        assert!(file.has_both_slots());
        assert!(file.derive_both("sahel-2026").unwrap().second.is_none());
        assert_eq!(file.second_use(&real), None);
        let (file, _) = file.with_second(&real, "7391824650", SecondUse::Wipe).unwrap();
        let both = file.derive_both("7391824650").unwrap();
        assert_eq!(both.second.as_ref().map(|(_, u)| *u), Some(SecondUse::Wipe));
        assert!(!file.matches(&both.real), "the second PIN is not the passphrase");
        assert_eq!(file.second_use(&real), Some(SecondUse::Wipe));
        assert_eq!(file.second_use(&Key::random()), None, "another key reads nothing");
        assert!(file.derive_both("wrong-passphrase").unwrap().second.is_none());
        let cleared = file.without_second(&real);
        assert!(cleared.derive_both("7391824650").unwrap().second.is_none());
        assert_eq!(cleared.second_use(&real), None);
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
