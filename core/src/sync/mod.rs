//! Sync between a device and the sync server: the wire format ([`wire`]), the pure
//! planning of a sync round ([`plan`]) and the client session over HTTP ([`client`]).
//! The server side lives in the `ccs-sync-server` crate and shares `wire` and `scope`.

pub mod address;
pub mod client;
pub mod plan;
pub mod scope;
pub mod session;
pub mod wire;
