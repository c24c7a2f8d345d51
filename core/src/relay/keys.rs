//! A device's (or the server's) two relay keys: an Ed25519 key that signs the bundles it
//! sends and an X25519 key (age) that opens the bundles sent to it (RELAY.md, "Keys").
//!
//! The secret halves live only in the encrypted store (as [`DeviceKeys::secret_bytes`])
//! and in memory while the store is open: both types zeroise on drop, so locking the app
//! (which drops the store) clears them. The public halves ([`PublicKeys`]) travel:
//! registered with the server at enrollment, pinned by devices for the server's keys,
//! listed in the roster couriers check signatures against.

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error_code::ErrorCode;

/// Both secret keys of one key epoch. Not `Clone`: one copy, dropped (and zeroised)
/// with the store that loaded it.
pub struct DeviceKeys {
    signing: SigningKey,
    identity: age::x25519::Identity,
    epoch: u32,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKeys").field("public", &self.public()).finish_non_exhaustive()
    }
}

/// What others know of a device's keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicKeys {
    /// Ed25519 verifying key.
    pub sign: [u8; 32],
    /// age X25519 recipient, `age1…`.
    pub encrypt: String,
    /// Which key of the device this is: 1 for the first, one more at each replacement.
    pub epoch: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("damaged key material")]
    Damaged,
    #[error("not a public key: {0}")]
    BadPublic(String),
    #[error("encryption failed: {0}")]
    Encrypt(String),
}

impl KeyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            KeyError::Damaged => ErrorCode::StoreCorrupt,
            KeyError::BadPublic(_) => ErrorCode::RelayBadKey,
            KeyError::Encrypt(_) => ErrorCode::AppTask,
        }
    }
}

/// Stored form of the secrets: the signing seed and the age identity string.
#[derive(Serialize, Deserialize)]
struct Stored {
    seed: [u8; 32],
    identity: String,
    epoch: u32,
}

impl DeviceKeys {
    /// New keys from the operating system's random source.
    pub fn generate(epoch: u32) -> DeviceKeys {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(seed.as_mut());
        DeviceKeys { signing: SigningKey::from_bytes(&seed), identity: age::x25519::Identity::generate(), epoch }
    }

    /// Keys from fixed material: golden files and reproducible test fixtures only.
    pub fn from_parts(seed: [u8; 32], age_identity: &str, epoch: u32) -> Result<DeviceKeys, KeyError> {
        let identity = age::x25519::Identity::from_str(age_identity).map_err(|_| KeyError::Damaged)?;
        Ok(DeviceKeys { signing: SigningKey::from_bytes(&seed), identity, epoch })
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    pub fn public(&self) -> PublicKeys {
        PublicKeys {
            sign: self.signing.verifying_key().to_bytes(),
            encrypt: self.identity.to_public().to_string(),
            epoch: self.epoch,
        }
    }

    /// Signs `message` (callers prefix a domain tag).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// Opens what was encrypted to [`PublicKeys::encrypt`]. `None` when it was not made
    /// for this key or was damaged (age authenticates every chunk and its end).
    pub fn decrypt(&self, ciphertext: &[u8]) -> Option<Vec<u8>> {
        age::decrypt(&self.identity, ciphertext).ok()
    }

    /// The secrets as the store keeps them (inside its encrypted file only).
    pub fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let identity = self.identity.to_string();
        let stored =
            Stored { seed: self.signing.to_bytes(), identity: identity.expose_secret().to_string(), epoch: self.epoch };
        let bytes = Zeroizing::new(postcard::to_stdvec(&stored).unwrap_or_default());
        let Stored { mut seed, identity: mut text, .. } = stored;
        zeroize::Zeroize::zeroize(&mut seed);
        zeroize::Zeroize::zeroize(&mut text);
        bytes
    }

    pub fn from_secret_bytes(bytes: &[u8]) -> Result<DeviceKeys, KeyError> {
        let Stored { mut seed, identity: mut text, epoch } =
            postcard::from_bytes(bytes).map_err(|_| KeyError::Damaged)?;
        let keys = DeviceKeys::from_parts(seed, &text, epoch);
        zeroize::Zeroize::zeroize(&mut seed);
        zeroize::Zeroize::zeroize(&mut text);
        keys
    }
}

impl PublicKeys {
    /// Checks the keys are well formed (a received roster, slip or enrollment).
    pub fn check(&self) -> Result<(), KeyError> {
        VerifyingKey::from_bytes(&self.sign).map_err(|e| KeyError::BadPublic(e.to_string()))?;
        self.recipient()?;
        Ok(())
    }

    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        VerifyingKey::from_bytes(&self.sign).map_err(|e| KeyError::BadPublic(e.to_string()))
    }

    fn recipient(&self) -> Result<age::x25519::Recipient, KeyError> {
        age::x25519::Recipient::from_str(&self.encrypt).map_err(|e| KeyError::BadPublic(e.to_string()))
    }

    /// Whether `signature` is this key's over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let Ok(key) = self.verifying_key() else { return false };
        key.verify(message, &ed25519_dalek::Signature::from_bytes(signature)).is_ok()
    }

    /// Encrypts `plaintext` to this key (age, X25519 recipient).
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        age::encrypt(&self.recipient()?, plaintext).map_err(|e| KeyError::Encrypt(e.to_string()))
    }

    /// A short fingerprint people can compare aloud: the first 8 bytes of the SHA-256 of
    /// both keys, in four groups of hex.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.sign);
        h.update(self.encrypt.as_bytes());
        let digest = h.finalize();
        digest[..8].chunks(2).map(hex::encode).collect::<Vec<_>>().join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_the_store_and_sign_and_open() {
        let keys = DeviceKeys::generate(1);
        let again = DeviceKeys::from_secret_bytes(&keys.secret_bytes()).unwrap();
        assert_eq!(keys.public(), again.public());
        let sig = again.sign(b"hello");
        assert!(keys.public().verify(b"hello", &sig));
        assert!(!keys.public().verify(b"hellO", &sig));
        let sealed = keys.public().encrypt(b"secret words").unwrap();
        assert_eq!(again.decrypt(&sealed).unwrap(), b"secret words");
        assert!(DeviceKeys::generate(1).decrypt(&sealed).is_none(), "another device cannot open it");
        assert!(keys.decrypt(&sealed[..sealed.len() - 1]).is_none(), "a truncated ciphertext is refused");
        keys.public().check().unwrap();
        assert_eq!(keys.public().fingerprint().len(), 19);
    }

    #[test]
    fn damaged_secrets_and_bad_public_keys_are_refused() {
        assert!(DeviceKeys::from_secret_bytes(b"garbage").is_err());
        let mut public = DeviceKeys::generate(1).public();
        public.encrypt = "age1nope".into();
        assert_eq!(public.check().unwrap_err().code(), ErrorCode::RelayBadKey);
    }
}
