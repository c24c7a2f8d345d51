//! Any bytes given as "Automerge changes" from another device are accepted or refused
//! by the strict check, never a panic; what it accepts, a document can apply.
#![no_main]

use ccs_core::doc::{check_changes, RecordDoc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if check_changes(data).is_ok() {
        let mut doc = RecordDoc::empty();
        let _ = doc.apply(data);
    }
});
