//! History-free copies on the server. A device declassifies or purges a record by
//! making a new document from its current state (`ccs_core::store::declassify`); the
//! copy names the record it replaces in `copied_from` and every device that receives
//! it lets links to the old record lead to it and lists it instead.
//!
//! Two rules keep that honest, whatever client pushes:
//! - a copy is a *new* document naming a record of the same kind and committee that the
//!   pushing device may read (or one the server has not received yet); an existing
//!   document never gains a `copied_from` (else any member could make any record
//!   vanish from lists behind its own);
//! - the review events a copy carries from its original are checked against the
//!   original's trail, where they were already checked when made, so a copy keeps
//!   its status while new events in it are still the pushing device's own.
//!
//! Refusals: `lineage.forged`.

use crate::db::Conn;
use automerge::legacy::{Key, ObjectId, OpType};
use ccs_core::doc::RecordDoc;
use ccs_core::error_code::ErrorCode;
use ccs_core::model::{RecordId, ReviewEvent};
use ccs_core::sync::scope::{self, DeviceScope};

use crate::log::{self, RawChange};
use crate::push::{Applied, Before, Rejection, Target};
use crate::store::StoreError;

pub const LINEAGE_FORGED: Rejection = ErrorCode::LineageForged;

const KEY: &str = "copied_from";

/// What a push's review trail is checked against, with lineage: a new copy is checked
/// against its original's trail ([`Before::Copy`]); an existing document may never gain
/// a `copied_from`. `after` is the document with the new changes applied.
pub fn with_lineage(
    conn: &Conn,
    device: &DeviceScope,
    target: &Target,
    after: &Applied,
    before: Before,
) -> Result<Result<Before, Rejection>, StoreError> {
    if target.stored.is_some() {
        // Decoded only here: an edit of a stored document is the one case that needs
        // the operations, and decoding is not free on the push path.
        if after.new.iter().any(sets_lineage) {
            return Ok(Err(LINEAGE_FORGED));
        }
        return Ok(Ok(before));
    }
    let Some(original) = after.record.as_ref().ok().and_then(|r| r.copied_from) else { return Ok(Ok(before)) };
    Ok(original_trail(conn, device, target, original)?.map(Before::Copy))
}

fn original_trail(
    conn: &Conn,
    device: &DeviceScope,
    target: &Target,
    original: RecordId,
) -> Result<Result<Vec<ReviewEvent>, Rejection>, StoreError> {
    // An original the server never received (made and declassified offline, pushed in
    // the same sync after its copy) vouches for nothing: the copy's events are then
    // checked as new ones, which they are. Its id cannot be guessed by another device.
    let Some(row) = log::find_doc(conn, &original)? else { return Ok(Ok(Vec::new())) };
    if original == target.id || row.kind != target.kind || row.committee_id != target.committee_id {
        return Ok(Err(LINEAGE_FORGED));
    }
    if !scope::may_read(device, &log::routing(conn, &row)?) {
        return Ok(Err(LINEAGE_FORGED));
    }
    let doc: RecordDoc = log::load_doc(conn, &original)?;
    Ok(Ok(doc.read().map(|r| r.review).unwrap_or_default()))
}

/// Whether a change puts a value other than null at the root's `copied_from`. (A null
/// is what a record written before lineage existed gets on its next edit.)
fn sets_lineage(change: &RawChange) -> bool {
    let Ok(parsed) = automerge::Change::try_from(change.bytes.as_slice()) else { return true };
    parsed.decode().operations.iter().any(|op| {
        op.obj == ObjectId::Root
            && matches!(&op.key, Key::Map(k) if k.as_str() == KEY)
            && !matches!(&op.action, OpType::Put(automerge::ScalarValue::Null) | OpType::Delete)
    })
}
