//! Automerge's own sync protocol for one document, as the repair of a sync uses it
//! (a device and a server that no longer share a cursor reconcile document by
//! document). Kept here so no Automerge call lives outside `doc`.
//!
//! Each message is answered from a fresh sync state: a repair round may be answered
//! days later or by another process, so nothing of the exchange is kept between
//! messages; Automerge's messages carry the heads and the needs that make this safe
//! (at the cost of a round more now and then).

use automerge::sync::{Message, State, SyncDoc};

use super::{DocError, RecordDoc};

/// What answering one sync message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAnswer {
    /// The message brought changes this document did not hold.
    pub changed: bool,
    /// The message to send back, or `None` when this side has nothing more to say.
    pub reply: Option<Vec<u8>>,
}

impl RecordDoc {
    /// Takes a sync message from the other side (its changes merged into this document)
    /// and makes the reply.
    pub fn answer_sync_message(&mut self, message: &[u8]) -> Result<SyncAnswer, DocError> {
        let message = Message::decode(message).map_err(|e| DocError::Corrupt(format!("sync message: {e}")))?;
        let before = self.heads();
        let mut state = State::new();
        self.doc.sync().receive_sync_message(&mut state, message).map_err(DocError::from)?;
        let changed = self.heads() != before;
        let reply = self.doc.sync().generate_sync_message(&mut state).map(|m| m.encode());
        Ok(SyncAnswer { changed, reply })
    }

    /// The first message of an exchange about this document.
    pub fn first_sync_message(&mut self) -> Option<Vec<u8>> {
        self.doc.sync().generate_sync_message(&mut State::new()).map(|m| m.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    /// Two copies of a record that diverged reach the same heads by answering each
    /// other's messages, and a garbled message is refused without touching the document.
    #[test]
    fn two_copies_converge_by_messages_and_garbage_is_refused() {
        let body = RecordBody::Session(crate::samples::session_body());
        let record = Record::new(body, CommitteeId::new(), DeviceId::new(), chrono::Utc::now());
        let mut a = RecordDoc::create(&record, DeviceId::new()).unwrap();
        let mut b = RecordDoc::load(&a.save()).unwrap();
        b.set_device(DeviceId::new());
        let mut edited = record.clone();
        edited.sensitivity = Sensitivity::Confidential;
        b.update(&edited, "edit").unwrap();

        // As in a repair, the exchange stops once both sides hold the same heads (each
        // message is answered from a fresh state, so a side always has a reply).
        let mut next = a.first_sync_message();
        let mut rounds = 0;
        let mut turn_b = true;
        while let Some(m) = next.take() {
            if a.heads() == b.heads() {
                break;
            }
            rounds += 1;
            assert!(rounds < 20, "the exchange converges");
            let answer = if turn_b { b.answer_sync_message(&m) } else { a.answer_sync_message(&m) }.unwrap();
            next = answer.reply;
            turn_b = !turn_b;
        }
        assert_eq!(a.heads(), b.heads());
        assert_eq!(a.read().unwrap().sensitivity, Sensitivity::Confidential);

        let heads = a.heads();
        assert!(matches!(a.answer_sync_message(b"not a sync message"), Err(DocError::Corrupt(_))));
        assert_eq!(a.heads(), heads);
    }
}
