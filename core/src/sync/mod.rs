//! Sync between a device and the sync server: the wire format ([`wire`]), the pure
//! planning of a sync round ([`plan`]), what a sync exchanges with the store ([`page`],
//! applied one transaction per page by [`apply`]) and the client session over HTTP
//! ([`client`]). The server side lives in the `ccs-sync-server` crate and shares `wire`
//! and `scope`.

pub mod address;
mod apply;
pub mod client;
pub mod compact;
pub mod page;
pub mod plan;
pub mod retry;
pub mod scope;
pub mod session;
pub mod wire;

pub(crate) use apply::write_page;
pub use page::{Cursor, DocWithHeads, PageOutcome, SyncPage};
