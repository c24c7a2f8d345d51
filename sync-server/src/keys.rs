//! Relay keys on the server (RELAY.md, "Keys"): the server's own signing and encryption
//! keys, made at first start and kept in its database, and each device's public keys by
//! key epoch.
//!
//! A device registers its keys at enrollment, or once later over its authenticated
//! connection (`POST /v1/keys`); a higher epoch replaces them. Older epochs are retired,
//! not deleted: a bundle signed before the replacement may still be in a courier's bag
//! and must still verify. Revocation retires every key of the device, and the lookup
//! answers [`SignerKey::Revoked`] for any of them. Nothing expires by time alone.

use crate::db::{Conn, Mode, Optional};
use ccs_core::error_code::ErrorCode;
use ccs_core::relay::{DeviceKeys, PublicKeys, Sender, SignerKey};
use chrono::{DateTime, Utc};

use crate::store::{self, StoreError};

/// The epoch of the server's first keys.
const FIRST_EPOCH: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("unreadable public key: {0}")]
    BadKey(String),
    #[error("other keys are registered for this device under epoch {0}")]
    Conflict(u32),
    #[error("keys of epoch {given} are older than the registered epoch {newest}")]
    Stale { given: u32, newest: u32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl KeysError {
    pub fn code(&self) -> ErrorCode {
        match self {
            KeysError::BadKey(_) => ErrorCode::RelayBadKey,
            KeysError::Conflict(_) => ErrorCode::RelayKeyConflict,
            KeysError::Stale { .. } => ErrorCode::RelayKeyStale,
            KeysError::Store(_) => ErrorCode::ServerInternal,
        }
    }
}

impl From<crate::db::Error> for KeysError {
    fn from(e: crate::db::Error) -> Self {
        KeysError::Store(e.into())
    }
}

/// The server's newest keys, made (and stored) on first call.
pub fn server_keys(conn: &mut Conn, now: DateTime<Utc>) -> Result<DeviceKeys, StoreError> {
    // IMMEDIATE: a server and an admin command starting together make one key, not two.
    let tx = conn.transaction(Mode::Write)?;
    // On PostgreSQL two instances starting together wait here for each other.
    tx.lock("server_keys")?;
    let stored: Option<Vec<u8>> =
        tx.query_row("SELECT secret FROM server_keys ORDER BY epoch DESC LIMIT 1", (), |r| r.get(0)).optional()?;
    let keys = match stored {
        Some(secret) => DeviceKeys::from_secret_bytes(&secret)
            .map_err(|_| StoreError::Corrupt("the server's relay keys do not read".into()))?,
        None => {
            let keys = DeviceKeys::generate(FIRST_EPOCH);
            tx.execute(
                "INSERT INTO server_keys (epoch, secret, created_at) VALUES (?1, ?2, ?3)",
                crate::params![keys.epoch(), keys.secret_bytes().as_slice(), store::timestamp(now)],
            )?;
            tracing::info!(fingerprint = %keys.public().fingerprint(), "server relay keys made");
            keys
        }
    };
    tx.commit()?;
    Ok(keys)
}

/// Registers `keys` for `device` (see the module's rules). Runs inside the caller's
/// transaction (enrollment registers keys with the device, in one go).
pub fn register(conn: &Conn, device: &str, keys: &PublicKeys, now: DateTime<Utc>) -> Result<(), KeysError> {
    keys.check().map_err(|e| KeysError::BadKey(e.to_string()))?;
    if keys.epoch == 0 {
        return Err(KeysError::BadKey("key epochs start at 1".into()));
    }
    let same_epoch: Option<(Vec<u8>, String)> = conn
        .query_row(
            "SELECT sign, encrypt FROM device_keys WHERE device_id = ?1 AND epoch = ?2",
            crate::params![device, keys.epoch],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((sign, encrypt)) = same_epoch {
        return if sign == keys.sign && encrypt == keys.encrypt {
            Ok(())
        } else {
            Err(KeysError::Conflict(keys.epoch))
        };
    }
    let newest: Option<u32> =
        conn.query_row("SELECT MAX(epoch) FROM device_keys WHERE device_id = ?1", [device], |r| r.get(0))?;
    if let Some(newest) = newest.filter(|n| *n > keys.epoch) {
        return Err(KeysError::Stale { given: keys.epoch, newest });
    }
    let at = store::timestamp(now);
    conn.execute(
        "UPDATE device_keys SET retired_at = ?1 WHERE device_id = ?2 AND retired_at IS NULL",
        crate::params![at, device],
    )?;
    conn.execute(
        "INSERT INTO device_keys (device_id, epoch, sign, encrypt, registered_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        crate::params![device, keys.epoch, keys.sign.as_slice(), keys.encrypt, at],
    )?;
    tracing::info!(device, epoch = keys.epoch, fingerprint = %keys.fingerprint(), "device relay keys registered");
    Ok(())
}

/// Retires every key of a revoked device.
pub fn retire_all(conn: &Conn, device: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE device_keys SET retired_at = ?1 WHERE device_id = ?2 AND retired_at IS NULL",
        crate::params![store::timestamp(now), device],
    )?;
    Ok(())
}

/// Every key epoch of `device`, oldest first.
pub fn of_device(conn: &Conn, device: &str) -> Result<Vec<PublicKeys>, StoreError> {
    let rows = conn.query_map(
        "SELECT sign, encrypt, epoch FROM device_keys WHERE device_id = ?1 ORDER BY epoch",
        [device],
        |r| Ok((r.get::<Vec<u8>>(0)?, r.get::<String>(1)?, r.get::<u32>(2)?)),
    )?;
    let mut out = Vec::new();
    for (sign, encrypt, epoch) in rows {
        let sign: [u8; 32] =
            sign.try_into().map_err(|_| StoreError::Corrupt(format!("device {device}: signing key not 32 bytes")))?;
        out.push(PublicKeys { sign, encrypt, epoch });
    }
    Ok(out)
}

/// The key return bundles are sealed to: the newest.
pub fn newest(conn: &Conn, device: &str) -> Result<Option<PublicKeys>, StoreError> {
    Ok(of_device(conn, device)?.pop())
}

fn revoked(conn: &Conn, device: &str) -> Result<Option<bool>, StoreError> {
    let revoked: Option<Option<String>> =
        conn.query_row("SELECT revoked_at FROM devices WHERE id = ?1", [device], |r| r.get(0)).optional()?;
    Ok(revoked.map(|r| r.is_some()))
}

/// What the server knows of a bundle's signer, for [`ccs_core::relay::open_up`].
pub fn lookup(conn: &Conn, sender: &Sender) -> Result<SignerKey, StoreError> {
    let Some(device) = sender.device() else { return Ok(SignerKey::Unknown) };
    let device = uuid::Uuid::from_bytes(device).to_string();
    if revoked(conn, &device)? == Some(true) {
        return Ok(SignerKey::Revoked);
    }
    let Sender::Device { key_epoch, .. } = sender else { return Ok(SignerKey::Unknown) };
    // A retired (replaced) key still verifies: its bundles may be in transit.
    Ok(of_device(conn, &device)?
        .into_iter()
        .find(|k| k.epoch == *key_epoch)
        .map_or(SignerKey::Unknown, SignerKey::Known))
}
