//! The hotspot transport (RELAY.md, "Transports", 2): the courier's device serves its
//! custody over HTTPS on a hotspot or a local network; a member's device, paired by a QR
//! code, uploads its bundles and downloads its return bundles in one step.
//!
//! - [`pairing`]: the text in the QR code, `ccs-relais:1?a=<https://ip:port>&f=<sha-256
//!   of the certificate>&t=<one-time session token>`;
//! - [`courier`]: the courier's server: a certificate made for the session (rcgen), axum
//!   over axum-server and rustls, one-time session tokens, and the [`courier::Custody`]
//!   trait through which the app's custody is reached (this crate knows no store);
//! - [`app`]: the app's custody ([`ccs_core::app::App`]'s courier methods) as a
//!   [`courier::Custody`];
//! - [`member`]: the member's side: a client that pins the certificate's fingerprint
//!   (nothing else is trusted, whatever the network), and [`member::exchange`], the
//!   whole exchange over plain bytes and closures.
//!
//! Why the fingerprint and the token: a hotspot is an open room. The pinned fingerprint
//! means a member's device talks only to the device whose screen it scanned (a look-alike
//! access point gets no byte of a bundle); the one-time token means only whoever scanned
//! that screen may drop bundles in the courier's custody or collect return bundles. The
//! bundles themselves are signed and encrypted (`ccs_core::relay`): neither check is what
//! keeps them secret.
//!
//! Each bundle is one request, idempotent by bundle id, so a link cut mid-transfer is
//! resumed by running the exchange again: what the courier already holds is not sent
//! twice, what the member already applied is not handed twice.

pub mod app;
pub mod courier;
pub mod member;
pub mod pairing;

pub use pairing::Pairing;

use ccs_core::error_code::{ErrorCode, ReceivedCode};
use ccs_core::i18n::Message;

/// HTTP paths of the hotspot exchange (all with the session token as bearer).
pub mod paths {
    /// `POST`, JSON [`super::courier::Hello`] → JSON [`super::courier::Welcome`].
    pub const HELLO: &str = "/v1/hotspot/hello";
    /// `POST`, one up-bundle as is → JSON [`super::courier::Taken`] (or a refusal).
    pub const UP: &str = "/v1/hotspot/up";
    /// `GET /v1/hotspot/down/<id hex>` → the return bundle's bytes.
    pub const DOWN: &str = "/v1/hotspot/down";
    /// `POST`, JSON [`super::courier::Done`] → JSON [`super::courier::Closed`]; the token
    /// is used up.
    pub const DONE: &str = "/v1/hotspot/done";
}

/// Why an exchange failed, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HotspotError {
    #[error("the pairing text cannot be read: {0}")]
    Pairing(String),
    #[error("the certificate does not match the pairing fingerprint")]
    Fingerprint,
    #[error("wrong or used session token")]
    SessionToken,
    #[error("network: {0}")]
    Network(String),
    /// The courier refused (a bundle, a request): its code as sent.
    #[error("refused ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("unreadable answer: {0}")]
    BadResponse(String),
    #[error("the hotspot could not start: {0}")]
    Start(String),
}

impl HotspotError {
    pub fn code(&self) -> ErrorCode {
        match self {
            HotspotError::Pairing(_) => ErrorCode::RelayPairing,
            HotspotError::Fingerprint => ErrorCode::RelayFingerprint,
            HotspotError::SessionToken => ErrorCode::RelaySessionToken,
            HotspotError::Network(_) => ErrorCode::SyncNetwork,
            HotspotError::Refused { code, .. } => ReceivedCode::parse(code).code(),
            HotspotError::BadResponse(_) => ErrorCode::SyncBadResponse,
            HotspotError::Start(_) => ErrorCode::AppTask,
        }
    }

    /// The sentence to show.
    pub fn message(&self) -> Message {
        match self {
            HotspotError::Refused { code, message } => ReceivedCode::parse(code).message(message),
            HotspotError::Network(d) | HotspotError::BadResponse(d) | HotspotError::Start(d) => {
                self.code().message_with(d)
            }
            _ => self.code().message(),
        }
    }
}

/// The `{code, message}` body of a refusal, as the sync server sends them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}
