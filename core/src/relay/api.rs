//! The HTTP exchanges of the relay between a courier (or a device registering its keys)
//! and the server, shared by both sides. Bodies are `CCS1` frames
//! ([`crate::sync::wire`]) unless said otherwise.
//!
//! - `POST /v1/keys` (bearer, JSON [`KeysRequest`] → JSON [`KeysResponse`]): a device
//!   registers its public keys (once for devices enrolled before the relay; again with a
//!   higher epoch to replace them) and learns the server's, which it pins.
//! - `POST /v1/relay` (bearer of the courier, body: one bundle file as is,
//!   `application/octet-stream` → JSON [`RelayReceipt`]): idempotent by bundle id.
//! - `POST /v1/relay/outbox` (bearer of the courier, frame [`OutboxRequest`] → frame
//!   [`OutboxResponse`]): return bundles for the devices the courier will visit.
//! - `GET /v1/relay/roster` (bearer of the courier → frame [`Roster`]): the keys and
//!   revocations of the devices of its area, to check signatures offline.

use serde::{Deserialize, Serialize};

use super::keys::PublicKeys;

pub const KEYS_PATH: &str = "/v1/keys";
pub const RELAY_PATH: &str = "/v1/relay";
pub const OUTBOX_PATH: &str = "/v1/relay/outbox";
pub const ROSTER_PATH: &str = "/v1/relay/roster";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysRequest {
    pub keys: PublicKeys,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysResponse {
    pub server_keys: PublicKeys,
    /// The server log's epoch, 32 hex characters.
    pub epoch: String,
}

/// What the server did with one bundle a courier brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayReceipt {
    /// The bundle id, 32 hex characters.
    pub bundle: String,
    pub status: ReceiptStatus,
    /// The refusal's stable code (`bundle.revoked_signer`, …) when refused.
    pub code: Option<String>,
    /// The device the bundle came from, as a UUID, when the header named one.
    pub device: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Read and applied (or applied before: the same receipt again).
    Accepted,
    /// Refused; kept in the server's quarantine for an administrator.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRequest {
    /// Devices the courier will visit; empty: every device of its area that has something.
    pub devices: Vec<[u8; 16]>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxResponse {
    pub bundles: Vec<OutboxBundle>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxBundle {
    pub device: [u8; 16],
    /// The bundle id (also in its header), so the courier files it without reading it.
    pub id: [u8; 16],
    pub bytes: Vec<u8>,
}

/// The keys a courier checks signatures against, for its area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub server_keys: PublicKeys,
    pub epoch: [u8; 16],
    /// When the server made it (RFC 3339), so a courier can say how old its roster is.
    pub issued_at: String,
    pub devices: Vec<RosterDevice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterDevice {
    pub device: [u8; 16],
    /// The label given at enrollment (« Téléphone du secrétaire »), to say for whom.
    pub label: Option<String>,
    pub committee_id: Option<String>,
    pub region: Option<String>,
    /// Every registered key epoch (older ones still verify bundles in transit).
    pub keys: Vec<PublicKeys>,
    pub revoked: bool,
}
