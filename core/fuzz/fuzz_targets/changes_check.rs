//! Any bytes given as "Automerge changes" from another device are accepted or refused
//! by the strict check (with the server's caps and with a device's), never a panic,
//! never an unbounded inflate or op walk; what it accepts, a document can apply, read,
//! and search for conflicts.
#![no_main]

use ccs_core::doc::limits::{check_changes_with_limits, nesting_exceeds, ChangeLimits, MAX_NESTING};
use ccs_core::doc::{check_changes, RecordDoc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let server = check_changes_with_limits(data, &ChangeLimits::SERVER);
    if check_changes(data).is_ok() {
        let mut doc = RecordDoc::empty();
        if doc.apply(data).is_ok() {
            let _ = doc.read();
            let _ = doc.conflicts();
            let _ = nesting_exceeds(doc.inner(), MAX_NESTING);
        }
    } else {
        // The server's caps are never looser than a device's.
        assert!(server.is_err());
    }
});
