//! The document reader on nested and compressed input: the fuzzer's bytes pick a real
//! record document with a nested branch (deep maps and lists, conflicting values from
//! two devices) whose changes are compressed chunks, then mutate the bytes. Whatever
//! comes out, checking, applying, reading, listing conflicts and measuring nesting
//! never panic nor overflow the stack.
#![no_main]

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT};
use ccs_core::doc::limits::{check_changes_with_limits, nesting_exceeds, ChangeLimits, MAX_NESTING};
use ccs_core::doc::{check_changes, RecordDoc};
use ccs_core::model::{CommitteeId, DeviceId, Record, RecordBody};
use libfuzzer_sys::fuzz_target;

fn seed(depth: usize, lists: bool, text: usize) -> Vec<u8> {
    let now = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap_or_default();
    let device = DeviceId(uuid::Uuid::from_u128(1));
    let record = Record::new(
        RecordBody::Session(ccs_core::samples::session_body()),
        CommitteeId(uuid::Uuid::from_u128(2)),
        device,
        now,
    );
    let Ok(mut doc) = RecordDoc::create(&record, device) else { return Vec::new() };
    let base = doc.heads();
    let mut other = RecordDoc::empty();
    let _ = other.apply(&doc.save());
    other.set_device(DeviceId(uuid::Uuid::from_u128(3)));
    for (n, d) in [&mut doc, &mut other].into_iter().enumerate() {
        let inner = d.inner();
        let Ok(mut obj) = inner.put_object(ROOT, "x", ObjType::Map) else { return Vec::new() };
        for i in 0..depth {
            let made = if lists && i % 2 == 1 {
                inner.put_object(&obj, "l", ObjType::List).and_then(|l| inner.insert_object(&l, 0, ObjType::Map))
            } else {
                inner.put_object(&obj, "a", ObjType::Map)
            };
            match made {
                Ok(o) => obj = o,
                Err(_) => break,
            }
        }
        if let Ok(t) = inner.put_object(&obj, "t", ObjType::Text) {
            let _ = inner.splice_text(&t, 0, 0, &"é".repeat(text + n));
        }
        inner.commit();
    }
    let mut out = doc.save_after(&[]);
    out.extend(other.save_after(&base));
    out
}

fuzz_target!(|data: &[u8]| {
    let [a, b, c, rest @ ..] = data else { return };
    let mut bytes = seed(usize::from(*a) * 4, b & 1 == 1, usize::from(*c) * 8);
    // Then (position, xor) pairs: flips inside chunk headers, lengths, deflated data
    // and columns.
    for pair in rest.chunks_exact(3) {
        if bytes.is_empty() {
            break;
        }
        let at = usize::from(u16::from_le_bytes([pair[0], pair[1]])) % bytes.len();
        bytes[at] ^= pair[2];
    }
    let _ = check_changes_with_limits(&bytes, &ChangeLimits::SERVER);
    if check_changes(&bytes).is_ok() {
        let mut doc = RecordDoc::empty();
        if doc.apply(&bytes).is_ok() {
            let _ = doc.read();
            let _ = doc.conflicts();
            let _ = nesting_exceeds(doc.inner(), MAX_NESTING);
            let _ = doc.history();
        }
    }
});
