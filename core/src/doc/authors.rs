//! Changes by author: what a device sends of a document is its own changes only.
//!
//! The server takes from a device only changes made by that device (`changes.foreign_actor`),
//! so that no member can forge a colleague's edit. Changes by others that a device holds
//! either reached the server already (it filters them out as known) or were lost there (a
//! server restored from a backup): sending them only gets the whole push refused, and two
//! colleagues who each hold the other's lost change would refuse each other forever. Each
//! sends its own; the server rebuilds the document from its authors.

use automerge::{ActorId, Change};

use super::{split_chunks, DocError};

/// The changes of `bytes` (a sequence of change chunks, as `save_after` makes them) made
/// by `actor`, in their order.
pub fn changes_by(bytes: &[u8], actor: &ActorId) -> Result<Vec<u8>, DocError> {
    let mut out = Vec::with_capacity(bytes.len());
    for (_, chunk) in split_chunks(bytes)? {
        let change = Change::try_from(chunk).map_err(|e| DocError::Corrupt(format!("change: {e}")))?;
        if change.actor_id() == actor {
            out.extend_from_slice(chunk);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::RecordDoc;
    use crate::model::*;

    #[test]
    fn only_the_devices_own_changes_are_kept_in_order() {
        let (a, b) = (DeviceId::new(), DeviceId::new());
        let record =
            Record::new(RecordBody::Session(crate::samples::session_body()), CommitteeId::new(), a, chrono::Utc::now());
        let mut doc = RecordDoc::create(&record, a).unwrap();
        let mut theirs = RecordDoc::load(&doc.save()).unwrap();
        theirs.set_device(b);
        let mut edited = record.clone();
        edited.sensitivity = Sensitivity::Confidential;
        theirs.update(&edited, "b edits").unwrap();
        doc.merge(&mut theirs).unwrap();
        edited.sensitivity = Sensitivity::Restricted;
        doc.update(&edited, "a edits").unwrap();

        let all = doc.save_after(&[]);
        let own = changes_by(&all, &a.actor()).unwrap();
        let kept: Vec<ActorId> =
            split_chunks(&own).unwrap().iter().map(|(_, c)| Change::try_from(*c).unwrap().actor_id().clone()).collect();
        assert_eq!(kept, vec![a.actor(), a.actor()], "a's creation and a's edit, not b's edit");
        assert!(changes_by(&all, &DeviceId::new().actor()).unwrap().is_empty());
        assert!(changes_by(b"garbage", &a.actor()).is_err());
    }
}
