//! The relay: records that travel through a courier (the facilitator's laptop, a file on
//! a stick) and the server's answers that come back the same way (RELAY.md).
//!
//! - [`keys`]: each device's (and the server's) signing and encryption keys;
//! - [`bundle`]: the `CCSB` file, signed and encrypted, read in a fixed order with a
//!   stable code per refusal;
//! - [`payload`]: the sync messages inside, bound to the signed header;
//! - [`slip`]: the enrollment slip that lets a device enroll with no network;
//! - [`member`]: a member device's export of up-bundles and application of return
//!   bundles.
//!
//! [`open_up`] and [`open_down`] are the whole reading order for each direction;
//! [`seal_up`] and [`seal_down`] make bundles. The store's side (what to put in a
//! bundle, applying a return bundle, a courier's custody) and the server's side build
//! on these.

pub mod api;
pub mod bundle;
pub mod keys;
pub mod member;
pub mod payload;
pub mod slip;

pub use bundle::{BundleError, Direction, Header, Sender};
pub use keys::{DeviceKeys, PublicKeys};
pub use payload::{DownPayload, EnrollmentGrant, OfflineEnrollment, Receipt, UpPayload};
pub use slip::Slip;

use bundle::Envelope;

/// What a reader knows of a signer: its keys, or that it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerKey {
    Known(PublicKeys),
    Revoked,
    Unknown,
}

/// Seals a device's push to the server. An enrolling device (`enrolling` set) puts its
/// signing key in the header, since the server cannot know it yet.
pub fn seal_up(
    payload: &UpPayload,
    keys: &DeviceKeys,
    server: &PublicKeys,
    epoch: [u8; 16],
    part: u16,
    parts: u16,
) -> Result<Vec<u8>, BundleError> {
    let sender = match &payload.enrollment {
        Some(_) => Sender::Enrolling { id: payload.device, sign_key: keys.public().sign },
        None => Sender::Device { id: payload.device, key_epoch: keys.epoch() },
    };
    let envelope =
        Envelope { direction: Direction::Up, id: payload.bundle, sender, recipient: server, epoch, part, parts };
    bundle::seal(&envelope, &crate::sync::wire::encode(payload), keys)
}

/// Seals the server's answer to one device.
pub fn seal_down(
    payload: &DownPayload,
    server_keys: &DeviceKeys,
    device: &PublicKeys,
    epoch: [u8; 16],
    part: u16,
    parts: u16,
) -> Result<Vec<u8>, BundleError> {
    let envelope = Envelope {
        direction: Direction::Down,
        id: payload.bundle,
        sender: Sender::Server { key_epoch: server_keys.epoch() },
        recipient: device,
        epoch,
        part,
        parts,
    };
    bundle::seal(&envelope, &crate::sync::wire::encode(payload), server_keys)
}

/// Checks an up-bundle as far as a courier can (envelope, signer, signature, length and
/// hash), with `lookup` giving the signer's registered key from a roster.
pub fn verify_up<'a>(
    bytes: &'a [u8],
    lookup: impl FnOnce(&Sender) -> SignerKey,
) -> Result<bundle::Verified<'a>, BundleError> {
    let unverified = bundle::read(bytes)?;
    if unverified.direction != Direction::Up {
        return Err(BundleError::WrongDirection);
    }
    let key = match &unverified.header.sender {
        Sender::Server { .. } => return Err(BundleError::WrongDirection),
        // An offline enrollment is signed by the key it enrolls; the code inside decides
        // whether the server takes it (a courier cannot tell).
        Sender::Enrolling { sign_key, .. } => match lookup(&unverified.header.sender) {
            SignerKey::Revoked => return Err(BundleError::RevokedSigner),
            _ => PublicKeys { sign: *sign_key, encrypt: String::new(), epoch: 0 },
        },
        Sender::Device { .. } => match lookup(&unverified.header.sender) {
            SignerKey::Known(k) => k,
            SignerKey::Revoked => return Err(BundleError::RevokedSigner),
            SignerKey::Unknown => return Err(BundleError::UnknownSigner),
        },
    };
    unverified.verify(&key)
}

/// The server's whole reading of an up-bundle: [`verify_up`], decryption with its key,
/// frame decoding, binding.
pub fn open_up(
    bytes: &[u8],
    lookup: impl FnOnce(&Sender) -> SignerKey,
    server_keys: &DeviceKeys,
) -> Result<(Header, UpPayload), BundleError> {
    let verified = verify_up(bytes, lookup)?;
    let payload: UpPayload = verified.open(server_keys)?;
    payload::bind_up(&verified.header, &payload)?;
    Ok((verified.header, payload))
}

/// Checks a return bundle as far as a courier can: envelope and the server's signature.
pub fn verify_down<'a>(bytes: &'a [u8], server: &PublicKeys) -> Result<bundle::Verified<'a>, BundleError> {
    let unverified = bundle::read(bytes)?;
    if unverified.direction != Direction::Down {
        return Err(BundleError::WrongDirection);
    }
    match unverified.header.sender {
        Sender::Server { key_epoch } if key_epoch == server.epoch => {}
        Sender::Server { .. } => return Err(BundleError::UnknownSigner),
        _ => return Err(BundleError::WrongDirection),
    }
    unverified.verify(server)
}

/// A device's whole reading of a return bundle: signed by the pinned server key, made
/// for one of this device's keys (the current one, or an older one while a bundle made
/// before a key replacement is in transit), for this device.
pub fn open_down(
    bytes: &[u8],
    server: &PublicKeys,
    keys: &[&DeviceKeys],
    device: [u8; 16],
) -> Result<(Header, DownPayload), BundleError> {
    let verified = verify_down(bytes, server)?;
    let mine =
        keys.iter().find(|k| k.public().encrypt == verified.header.recipient).ok_or(BundleError::NotForThisDevice)?;
    let payload: DownPayload = verified.open(mine)?;
    payload::bind_down(&verified.header, &payload, device)?;
    Ok((verified.header, payload))
}
