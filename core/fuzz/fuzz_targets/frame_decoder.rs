//! Any bytes given to the sync frame decoder yield a message or an error, never a
//! panic, a hang or an allocation beyond the frame limit. Run:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run frame_decoder` in `core/`.
#![no_main]

use ccs_core::sync::wire::{self, RepairRequest, RepairResponse, SyncRequest, SyncResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = wire::decode::<SyncRequest>(data) {
        // What decodes re-encodes to something that decodes to the same message.
        assert_eq!(wire::decode::<SyncRequest>(&wire::encode(&r)).ok(), Some(r));
    }
    let _ = wire::decode::<SyncResponse>(data);
    let _ = wire::decode::<RepairRequest>(data);
    let _ = wire::decode::<RepairResponse>(data);
});
