//! The bundle file (`CCSB`): a signed, encrypted envelope around one sync frame, carried
//! by a courier who can read nothing in it and change nothing unnoticed (RELAY.md, "The
//! bundle file").
//!
//! ```text
//! "CCSB" | version u8 | direction u8 | header length u16 BE | header | signature (64) | payload
//! ```
//!
//! - The header (postcard) holds a random bundle id, the sender, the recipient's key, the
//!   server log's epoch, the payload's length and SHA-256, and part k of n. Nothing about
//!   committees, kinds or names: a phone is searched at checkpoints.
//! - The signature is Ed25519 over [`SIGNATURE_DOMAIN`] and every byte before it, so the
//!   version, the direction and the header are all covered.
//! - The payload is a `CCS1` frame ([`crate::sync::wire`]) encrypted with age to the
//!   recipient's X25519 key; age authenticates every chunk and the end, so a truncated or
//!   altered payload does not open.
//!
//! [`open`] reads in the order of RELAY.md, each step refusing with its own code before
//! the next: magic and version, header size limits, signature against the registered key,
//! length and hash, decryption, frame decoding; the binding of the payload to the signed
//! header (same bundle id, same device) is checked by the caller that knows the payload
//! type ([`super::payload`]).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::{DeviceKeys, PublicKeys};
use crate::error_code::ErrorCode;

pub const MAGIC: &[u8; 4] = b"CCSB";
/// The bundle format this build writes and reads.
pub const VERSION: u8 = 1;
/// Largest header accepted: a header is about 200 bytes.
pub const MAX_HEADER_BYTES: usize = 1024;
/// Largest payload accepted: one frame (16 MiB inflated, far less deflated) and age's
/// overhead. A larger backlog goes as several parts.
pub const MAX_PAYLOAD_BYTES: usize = 24 * 1024 * 1024;
/// What the signature covers first: a bundle signature cannot be passed off as a
/// signature of anything else this key signs.
pub const SIGNATURE_DOMAIN: &[u8] = b"CCS Terrain bundle signature v1\0";
const PREAMBLE: usize = 4 + 1 + 1 + 2;
const SIGNATURE_BYTES: usize = 64;

/// Which way a bundle travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// From a device to the server.
    Up = 1,
    /// From the server to one device.
    Down = 2,
}

/// Who signed a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sender {
    /// An enrolled device, with the epoch of the key that signed.
    Device { id: [u8; 16], key_epoch: u32 },
    /// A device enrolling offline from a slip: the server does not know its key yet, so
    /// the key is in the header; the payload's enrollment must name the same key.
    Enrolling { id: [u8; 16], sign_key: [u8; 32] },
    /// The server, with the epoch of its key.
    Server { key_epoch: u32 },
}

impl Sender {
    /// The device a bundle comes from (none for the server's).
    pub fn device(&self) -> Option<[u8; 16]> {
        match self {
            Sender::Device { id, .. } | Sender::Enrolling { id, .. } => Some(*id),
            Sender::Server { .. } => None,
        }
    }
}

/// The signed header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Random; the server answers a known id with the same receipt.
    pub id: [u8; 16],
    pub sender: Sender,
    /// The age recipient the payload is encrypted to.
    pub recipient: String,
    /// The server log's epoch the payload's cursor belongs to.
    pub epoch: [u8; 16],
    pub payload_len: u64,
    pub payload_sha256: [u8; 32],
    /// Part `part` of `parts` (from 1); each part is valid on its own.
    pub part: u16,
    pub parts: u16,
}

/// Why a bundle was refused, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("not a bundle file")]
    BadMagic,
    #[error("bundle format {0} is not supported (this build reads {VERSION})")]
    UnsupportedVersion(u8),
    #[error("bundle for the other direction")]
    WrongDirection,
    #[error("the file ends too early")]
    Truncated,
    #[error("header of {0} bytes, more than allowed")]
    HeaderTooLarge(usize),
    #[error("unreadable header")]
    HeaderMalformed,
    #[error("payload of {0} bytes, more than allowed")]
    TooLarge(u64),
    #[error("the signature does not match")]
    BadSignature,
    #[error("signed by a key the reader does not know")]
    UnknownSigner,
    #[error("signed by a revoked device")]
    RevokedSigner,
    #[error("made for another device")]
    NotForThisDevice,
    #[error("the payload is longer than the header says")]
    BadLength,
    #[error("the payload does not match its hash")]
    BadHash,
    #[error("the payload cannot be opened with this device's key")]
    Undecryptable,
    #[error("unreadable payload: {0}")]
    PayloadMalformed(String),
    #[error("the payload does not belong to this header")]
    BindingMismatch,
}

impl BundleError {
    pub fn code(&self) -> ErrorCode {
        match self {
            BundleError::BadMagic => ErrorCode::BundleBadMagic,
            BundleError::UnsupportedVersion(_) => ErrorCode::BundleUnsupportedVersion,
            BundleError::WrongDirection => ErrorCode::BundleWrongDirection,
            BundleError::Truncated => ErrorCode::BundleTruncated,
            BundleError::HeaderTooLarge(_) => ErrorCode::BundleHeaderTooLarge,
            BundleError::HeaderMalformed => ErrorCode::BundleHeaderMalformed,
            BundleError::TooLarge(_) => ErrorCode::BundleTooLarge,
            BundleError::BadSignature => ErrorCode::BundleBadSignature,
            BundleError::UnknownSigner => ErrorCode::BundleUnknownSigner,
            BundleError::RevokedSigner => ErrorCode::BundleRevokedSigner,
            BundleError::NotForThisDevice => ErrorCode::BundleNotForThisDevice,
            BundleError::BadLength => ErrorCode::BundleBadLength,
            BundleError::BadHash => ErrorCode::BundleBadHash,
            BundleError::Undecryptable => ErrorCode::BundleUndecryptable,
            BundleError::PayloadMalformed(_) => ErrorCode::BundlePayloadMalformed,
            BundleError::BindingMismatch => ErrorCode::BundleBindingMismatch,
        }
    }
}

/// What the caller gives to [`seal`].
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub direction: Direction,
    pub id: [u8; 16],
    pub sender: Sender,
    pub recipient: &'a PublicKeys,
    pub epoch: [u8; 16],
    pub part: u16,
    pub parts: u16,
}

/// Makes a bundle of `frame` (a `CCS1` frame): encrypted to the recipient, signed by
/// `signer`.
pub fn seal(envelope: &Envelope<'_>, frame: &[u8], signer: &DeviceKeys) -> Result<Vec<u8>, BundleError> {
    let payload = envelope.recipient.encrypt(frame).map_err(|e| BundleError::PayloadMalformed(e.to_string()))?;
    let header = Header {
        id: envelope.id,
        sender: envelope.sender.clone(),
        recipient: envelope.recipient.encrypt.clone(),
        epoch: envelope.epoch,
        payload_len: payload.len() as u64,
        payload_sha256: Sha256::digest(&payload).into(),
        part: envelope.part,
        parts: envelope.parts,
    };
    let header_bytes = postcard::to_stdvec(&header).map_err(|_| BundleError::HeaderMalformed)?;
    if header_bytes.len() > MAX_HEADER_BYTES {
        return Err(BundleError::HeaderTooLarge(header_bytes.len()));
    }
    let mut out = Vec::with_capacity(PREAMBLE + header_bytes.len() + SIGNATURE_BYTES + payload.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(envelope.direction as u8);
    out.extend_from_slice(&(header_bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(&header_bytes);
    let signature = signer.sign(&signed_message(&out));
    out.extend_from_slice(&signature);
    out.extend_from_slice(&payload);
    Ok(out)
}

fn signed_message(signed: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNATURE_DOMAIN.len() + signed.len());
    message.extend_from_slice(SIGNATURE_DOMAIN);
    message.extend_from_slice(signed);
    message
}

/// A bundle whose envelope was read but not yet checked: what a courier may look at
/// (the header) before it verifies the signature against its roster.
#[derive(Debug, Clone)]
pub struct Unverified<'a> {
    pub direction: Direction,
    pub header: Header,
    signed: &'a [u8],
    signature: [u8; 64],
    payload: &'a [u8],
}

/// Reads the envelope: magic, version, direction, header limits. Nothing is trusted yet.
pub fn read(bytes: &[u8]) -> Result<Unverified<'_>, BundleError> {
    if bytes.len() < 4 {
        return Err(if MAGIC.starts_with(bytes) { BundleError::Truncated } else { BundleError::BadMagic });
    }
    if &bytes[..4] != MAGIC {
        return Err(BundleError::BadMagic);
    }
    let Some(&version) = bytes.get(4) else { return Err(BundleError::Truncated) };
    if version != VERSION {
        return Err(BundleError::UnsupportedVersion(version));
    }
    let direction = match bytes.get(5) {
        None => return Err(BundleError::Truncated),
        Some(1) => Direction::Up,
        Some(2) => Direction::Down,
        Some(_) => return Err(BundleError::HeaderMalformed),
    };
    let Some(len) = bytes.get(6..8) else { return Err(BundleError::Truncated) };
    let header_len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if header_len > MAX_HEADER_BYTES {
        return Err(BundleError::HeaderTooLarge(header_len));
    }
    let header_end = PREAMBLE + header_len;
    let Some(header_bytes) = bytes.get(PREAMBLE..header_end) else { return Err(BundleError::Truncated) };
    let (header, rest) = postcard::take_from_bytes::<Header>(header_bytes).map_err(|_| BundleError::HeaderMalformed)?;
    if !rest.is_empty() || header.part == 0 || header.part > header.parts {
        return Err(BundleError::HeaderMalformed);
    }
    if header.payload_len > MAX_PAYLOAD_BYTES as u64 {
        return Err(BundleError::TooLarge(header.payload_len));
    }
    let Some(signature) = bytes.get(header_end..header_end + SIGNATURE_BYTES) else {
        return Err(BundleError::Truncated);
    };
    let mut sig = [0u8; 64];
    sig.copy_from_slice(signature);
    Ok(Unverified {
        direction,
        header,
        signed: &bytes[..header_end],
        signature: sig,
        payload: &bytes[header_end + SIGNATURE_BYTES..],
    })
}

impl<'a> Unverified<'a> {
    /// Checks the signature with the sender's key (looked up by the caller from the
    /// header's sender), then the payload's length and hash. A courier stops here: it
    /// cannot decrypt.
    pub fn verify(self, key: &PublicKeys) -> Result<Verified<'a>, BundleError> {
        if !key.verify(&signed_message(self.signed), &self.signature) {
            return Err(BundleError::BadSignature);
        }
        let len = self.payload.len() as u64;
        if len < self.header.payload_len {
            return Err(BundleError::Truncated);
        }
        if len > self.header.payload_len {
            return Err(BundleError::BadLength);
        }
        let hash: [u8; 32] = Sha256::digest(self.payload).into();
        if hash != self.header.payload_sha256 {
            return Err(BundleError::BadHash);
        }
        Ok(Verified { direction: self.direction, header: self.header, payload: self.payload })
    }
}

/// A bundle whose signature, length and hash hold.
#[derive(Debug, Clone)]
pub struct Verified<'a> {
    pub direction: Direction,
    pub header: Header,
    payload: &'a [u8],
}

impl Verified<'_> {
    /// Decrypts with `keys` (the recipient's) and decodes the frame inside.
    pub fn open<T: serde::de::DeserializeOwned>(&self, keys: &DeviceKeys) -> Result<T, BundleError> {
        if self.header.recipient != keys.public().encrypt {
            return Err(BundleError::NotForThisDevice);
        }
        let frame = keys.decrypt(self.payload).ok_or(BundleError::Undecryptable)?;
        crate::sync::wire::decode(&frame).map_err(|e| BundleError::PayloadMalformed(e.to_string()))
    }

    /// The payload's hash, hex: a courier's custody names a bundle's content by it.
    pub fn payload_sha256(&self) -> String {
        hex::encode(self.header.payload_sha256)
    }
}

/// A file name that says nothing about the content: `paquet-` and the first bytes of the
/// bundle id.
pub fn file_name(id: &[u8; 16]) -> String {
    format!("paquet-{}.ccsb", hex::encode(&id[..4]))
}

/// A new random bundle id.
pub fn new_id() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}
