//! The second PIN (duress): unlocking derives against both key slots every time, and
//! the second PIN opens the spare store, an empty store of its own beside the real one
//! (`<db>.spare`), or first wipes the real store and puts the spare in its place.
//!
//! Every store has a spare, keyed with a random key nobody knows while no second PIN is
//! set: its presence says nothing. The spare holds a fresh member's identity and nothing
//! else: no record, no server link, nothing of the real store.

use std::path::{Path, PathBuf};

use super::key::{self, BothKeys, Key, KeyFile, SecondUse};
use super::{
    check_strength, files, identity, indicators, open_connection, projection, reference, relay, schema, Identity,
    Store, StoreError,
};
use crate::model::Role;
use crate::reference::ReferenceData;

/// The key of the second slot, held after the second PIN was typed: what the app needs
/// to open the spare store (or to wipe and take the real one's place).
pub struct SecondKey {
    key: Key,
    use_: SecondUse,
}

impl SecondKey {
    pub fn use_(&self) -> SecondUse {
        self.use_
    }
}

/// What a passphrase opened.
pub enum Opened {
    /// The real store, with what its seal says of the second PIN.
    Real { store: Store, second: Option<SecondUse> },
    /// The passphrase is the second PIN.
    Second(SecondKey),
}

/// The spare store beside the database at `db`.
pub fn spare_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".spare");
    PathBuf::from(p)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(format!("{}: {e}", path.display()))
}

impl Store {
    /// Opens the store at `path` with `passphrase`, deriving against both key slots
    /// whatever is typed. A wrong passphrase changes nothing.
    pub fn unlock(path: &Path, passphrase: &str) -> Result<Opened, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound(path.display().to_string()));
        }
        let mut file = KeyFile::read(path)?;
        let BothKeys { real: mut key, second } = file.derive_both(passphrase)?;
        let mut opened = open_connection(path, &key, false);
        // A re-keying cut short after the database was re-encrypted: its next key file
        // holds the salt that opens it now.
        let next = key::next_path(path);
        if opened.is_err() && next.exists() {
            let next_file = KeyFile::read_at(&next)?;
            let next_key = next_file.derive(passphrase)?;
            if let Ok(conn) = open_connection(path, &next_key, false) {
                std::fs::rename(&next, key::key_file_path(path)).map_err(|e| StoreError::Io(e.to_string()))?;
                (file, key, opened) = (next_file, next_key, Ok(conn));
            }
        }
        let mut conn = match opened {
            Ok(c) => c,
            Err(e) => {
                if let Some((key, use_)) = second {
                    return Ok(Opened::Second(SecondKey { key, use_ }));
                }
                return Err(match e {
                    _ if !file.matches(&key) => StoreError::WrongPassphrase,
                    StoreError::Corrupt(_) => e,
                    other => StoreError::Corrupt(other.to_string()),
                });
            }
        };
        if !file.matches(&key) {
            // The database opened, so the passphrase is right and the key file is from
            // before an interrupted passphrase change: bring it up to date.
            file = file.with_key(None, &key);
            file.write(path)?;
        }
        if !file.has_both_slots() {
            // Written before the second slot existed: from now on it has two, like all.
            file = file.without_second(&key);
            file.write(path)?;
        }
        let second = file.second_use(&key);
        schema::migrate(&mut conn)?;
        // The review columns first: the indicators' facts are made from the projection.
        projection::backfill_review_columns(&mut conn)?;
        indicators::fill_if_stale(&mut conn)?;
        let identity = identity::read(&conn)?;
        let reference = reference::load(&conn)?;
        let keys = relay::load_or_make_keys(&conn)?;
        Ok(Opened::Real { store: Store { conn, path: path.to_path_buf(), identity, reference, keys }, second })
    }

    /// Makes the spare store of `db` under `key` (a fresh member's identity, nothing
    /// else), built aside and moved over the old spare in one rename.
    fn make_spare(db: &Path, key: &Key) -> Result<(), StoreError> {
        let spare = spare_path(db);
        let tmp = with_suffix(&spare, ".tmp");
        remove_db_files(&tmp)?;
        {
            let mut conn = open_connection(&tmp, key, true)?;
            schema::migrate(&mut conn)?;
            indicators::mark_current(&conn)?;
            identity::insert(&conn, &Identity::new(Role::Member))?;
            relay::load_or_make_keys(&conn)?;
        }
        files::restrict(&tmp, 0o600).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &spare).map_err(io(&spare))?;
        Ok(())
    }

    /// Gives `db` a spare keyed with a random key when it has none (a store made before
    /// spares existed, or after the spare took the real store's place).
    pub fn ensure_spare(db: &Path) -> Result<(), StoreError> {
        if spare_path(db).exists() {
            return Ok(());
        }
        Store::make_spare(db, &Key::random())
    }

    /// Deletes the spare store of `db` (a wipe of the device).
    pub fn wipe_spare(db: &Path) -> Result<(), StoreError> {
        let spare = spare_path(db);
        let _ = files::shred(&spare);
        remove_db_files(&spare)?;
        remove_db_files(&with_suffix(&spare, ".tmp"))
    }

    /// Opens the spare store of `db` with the second key. A spare that does not open
    /// with it (a crash between making the spare and writing the key file) is made
    /// again: it holds nothing.
    pub fn open_spare(db: &Path, second: &SecondKey) -> Result<Store, StoreError> {
        let spare = spare_path(db);
        let opened = if spare.exists() {
            open_connection(&spare, &second.key, false)
        } else {
            Err(StoreError::NotFound(String::new()))
        };
        let mut conn = match opened {
            Ok(c) => c,
            Err(_) => {
                Store::make_spare(db, &second.key)?;
                open_connection(&spare, &second.key, false)?
            }
        };
        schema::migrate(&mut conn)?;
        projection::backfill_review_columns(&mut conn)?;
        indicators::fill_if_stale(&mut conn)?;
        let identity = identity::read(&conn)?;
        let keys = relay::load_or_make_keys(&conn)?;
        Ok(Store { conn, path: spare, identity, reference: ReferenceData::builtin(), keys })
    }

    /// The second PIN chosen to wipe: the real store at `db` is wiped (key file first),
    /// the spare takes its place, opened by the second PIN from now on, and a new spare
    /// is made at the next lock. Answers the store now at `db`.
    ///
    /// A crash in the middle leaves the real store wiped in any case (it goes first);
    /// at worst the device then starts at the first start.
    pub fn take_over(db: &Path, second: &SecondKey) -> Result<Store, StoreError> {
        let file = KeyFile::read(db)?.promote_second(&second.key)?;
        let spare = spare_path(db);
        if !spare.exists() || open_connection(&spare, &second.key, false).is_err() {
            Store::make_spare(db, &second.key)?;
        }
        // Set aside first: the wipe takes the spare with everything else.
        let aside = with_suffix(db, ".taking");
        std::fs::rename(&spare, &aside).map_err(io(&aside))?;
        Store::wipe(db)?;
        std::fs::rename(&aside, db).map_err(io(db))?;
        file.write(db)?;
        // The new spare is made when the store is locked ([`Store::ensure_spare`]), not
        // now: the unlock must not take longer than any other.
        match Store::unlock_with(db, &second.key)? {
            Some(s) => Ok(s),
            None => Err(StoreError::Corrupt("the spare store did not open after taking over".into())),
        }
    }

    /// Opens the store at `db` with a key already derived.
    fn unlock_with(db: &Path, key: &Key) -> Result<Option<Store>, StoreError> {
        let Ok(mut conn) = open_connection(db, key, false) else { return Ok(None) };
        schema::migrate(&mut conn)?;
        projection::backfill_review_columns(&mut conn)?;
        indicators::fill_if_stale(&mut conn)?;
        let identity = identity::read(&conn)?;
        let reference = reference::load(&conn)?;
        let keys = relay::load_or_make_keys(&conn)?;
        Ok(Some(Store { conn, path: db.to_path_buf(), identity, reference, keys }))
    }

    fn real_key(&self, passphrase: &str) -> Result<(KeyFile, Key), StoreError> {
        let file = KeyFile::read(&self.path)?;
        let key = file.derive(passphrase)?;
        if !file.matches(&key) {
            return Err(StoreError::WrongPassphrase);
        }
        Ok((file, key))
    }

    /// Sets the second PIN of this (real) store: `current` is the real passphrase,
    /// `pin` must pass the strength rule. The spare is made again under the second key
    /// before the key file names it. Checking that `pin` differs from the passphrase is
    /// the caller's (it has its own error).
    pub fn set_second(&mut self, current: &str, pin: &str, use_: SecondUse) -> Result<(), StoreError> {
        let (file, real) = self.real_key(current)?;
        check_strength(pin)?;
        let (next, key) = file.with_second(&real, pin, use_)?;
        Store::make_spare(&self.path, &key)?;
        next.write(&self.path)
    }

    /// Removes the second PIN: a fresh random slot, and a spare nobody can open.
    pub fn clear_second(&mut self, current: &str) -> Result<(), StoreError> {
        let (file, real) = self.real_key(current)?;
        Store::make_spare(&self.path, &Key::random())?;
        file.without_second(&real).write(&self.path)
    }

    /// The spare store's passphrase change (the decoy's « changer le code »): `current`
    /// must be the second PIN of the store at `db`; the spare is re-encrypted under the
    /// new one, with the same use.
    pub fn change_second(&mut self, db: &Path, current: &str, next: &str) -> Result<(), StoreError> {
        check_strength(next)?;
        let file = KeyFile::read(db)?;
        let Some((_, use_)) = file.derive_both(current)?.second else {
            return Err(StoreError::WrongPassphrase);
        };
        let (file, key) = file.with_second_pin(next, use_)?;
        let sql = zeroize::Zeroizing::new(format!("PRAGMA rekey = \"{}\";", key.pragma_value().as_str()));
        self.conn.execute_batch(sql.as_str())?;
        file.write(db)
    }
}

/// Removes a database file and its WAL companions, if there.
fn remove_db_files(path: &Path) -> Result<(), StoreError> {
    for p in [path.to_path_buf(), with_suffix(path, "-wal"), with_suffix(path, "-shm"), with_suffix(path, "-journal")] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::Io(format!("{}: {e}", p.display()))),
        }
    }
    Ok(())
}

/// Whether `pin` is the second PIN of the store at `db` (`store.wrong_passphrase`
/// otherwise): what the spare store asks before its settings change.
pub fn check_second(db: &Path, pin: &str) -> Result<(), StoreError> {
    match KeyFile::read(db)?.derive_both(pin)?.second {
        Some(_) => Ok(()),
        None => Err(StoreError::WrongPassphrase),
    }
}
