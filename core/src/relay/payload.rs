//! What travels inside a bundle: the existing sync messages of [`crate::sync::wire`]
//! with what the relay adds (the binding to the signed header, the receipts of earlier
//! bundles, an offline enrollment).
//!
//! The binding: `bundle` and `device` inside the encrypted payload must equal the signed
//! header's id and device. A courier who signs someone else's ciphertext with its own
//! key (to pass it off as its own, or to replay it under a new id) is caught here, since
//! it cannot change what is encrypted.

use serde::{Deserialize, Serialize};

use super::bundle::{BundleError, Header, Sender};
use super::keys::PublicKeys;
use crate::sync::wire::{PushResult, SyncRequest, SyncResponse};

/// A device's bundle to the server: its push, as a direct sync would send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpPayload {
    /// Equals the header's id.
    pub bundle: [u8; 16],
    /// Equals the header's sender device.
    pub device: [u8; 16],
    /// Present while the device is enrolled only by its slip (RELAY.md, "Enrolling
    /// without a network").
    pub enrollment: Option<OfflineEnrollment>,
    /// Return bundles this device has applied: the server may stop offering them.
    pub applied: Vec<[u8; 16]>,
    /// Every change after what the server acknowledged (this part's share of them),
    /// and the cursor the return bundle starts from.
    pub request: SyncRequest,
}

/// The enrollment a device makes offline from a printed slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineEnrollment {
    pub code: String,
    pub label: Option<String>,
    /// The device's keys; `sign` must be the header's `Sender::Enrolling` key.
    pub keys: PublicKeys,
    /// The device holds demonstration records (refused, as a direct enrollment is).
    pub demo: bool,
}

/// The server's bundle to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownPayload {
    pub bundle: [u8; 16],
    /// The device it is for; equals the device the header's recipient key belongs to.
    pub device: [u8; 16],
    /// What became of the device's up-bundles the server received.
    pub receipts: Vec<Receipt>,
    /// The answer to an offline enrollment, once the server has redeemed its code.
    pub enrollment: Option<EnrollmentGrant>,
    /// The cursor the page starts after (the one the device last declared).
    pub from: u64,
    /// Entries in the device's scope after `from`, the new cursor, and `more`.
    pub response: SyncResponse,
}

/// What the server did with one up-bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub bundle: [u8; 16],
    /// `None` when the bundle was read and its push applied (per-record results below);
    /// otherwise the stable code of its refusal (the bundle is kept in quarantine).
    pub refused: Option<String>,
    pub results: Vec<PushResult>,
}

/// A device enrolled through the relay: what a direct enrollment would have answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentGrant {
    pub token: String,
    pub role: String,
    pub committee_id: Option<String>,
    pub region: Option<String>,
}

/// Checks an up-bundle's payload belongs to its signed header.
pub fn bind_up(header: &Header, payload: &UpPayload) -> Result<(), BundleError> {
    let device = header.sender.device().ok_or(BundleError::BindingMismatch)?;
    if payload.bundle != header.id || payload.device != device {
        return Err(BundleError::BindingMismatch);
    }
    match (&header.sender, &payload.enrollment) {
        (Sender::Enrolling { sign_key, .. }, Some(enrollment)) if enrollment.keys.sign == *sign_key => Ok(()),
        (Sender::Device { .. }, _) => Ok(()),
        _ => Err(BundleError::BindingMismatch),
    }
}

/// Checks a return bundle's payload belongs to its signed header and to `device`.
pub fn bind_down(header: &Header, payload: &DownPayload, device: [u8; 16]) -> Result<(), BundleError> {
    if !matches!(header.sender, Sender::Server { .. }) {
        return Err(BundleError::BindingMismatch);
    }
    if payload.bundle != header.id {
        return Err(BundleError::BindingMismatch);
    }
    if payload.device != device {
        return Err(BundleError::NotForThisDevice);
    }
    Ok(())
}
