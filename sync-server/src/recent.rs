//! Records as the push checks last read them, by document and heads.
//!
//! Reading a stored document as a record (hydrating it) is the costliest step of a
//! push's checks, and the checks need the record before and after the new changes.
//! The record a push's checks read after its changes is the record the next push to
//! that document starts from, so it is kept here and the next push skips one read.
//!
//! The key is the document's heads, which name its whole history: a document with these
//! heads reads as this record whichever database, server instance or request read it.
//! So the cache is shared by the whole process and never goes stale; an entry that
//! was never filed (its batch failed) is simply never asked for. Bounded, least recently
//! used first out: the server's memory does not grow with its documents.

use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex};

use ccs_core::model::{Record, RecordId};

/// Records kept: a burst of pushes (a thousand devices syncing at once, a facilitator
/// relaying a committee's month) touches fewer documents than this between two pushes
/// to the same one. A record is a few kilobytes.
const CAPACITY: usize = 2048;

type Key = (RecordId, Vec<u8>);

static RECENT: LazyLock<Mutex<lru::LruCache<Key, Arc<Record>>>> =
    LazyLock::new(|| Mutex::new(lru::LruCache::new(NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN))));

/// The record document `id` reads as with these `heads` (sorted, as
/// [`ccs_core::doc::encode_heads`] writes them), when a push read it lately.
pub fn recall(id: &RecordId, heads: &[u8]) -> Option<Arc<Record>> {
    let mut cache = RECENT.lock().ok()?;
    cache.get(&(*id, heads.to_vec())).cloned()
}

/// Keeps what document `id` reads as with these `heads`.
pub fn remember(id: RecordId, heads: Vec<u8>, record: Arc<Record>) {
    if let Ok(mut cache) = RECENT.lock() {
        cache.put((id, heads), record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccs_core::model::*;

    #[test]
    fn a_record_is_recalled_only_for_the_heads_it_was_read_at() {
        let now = chrono::Utc::now();
        let record = Record::new(
            RecordBody::Session(ccs_core::samples::session_body()),
            CommitteeId::new(),
            DeviceId::new(),
            now,
        );
        let id = record.id;
        remember(id, vec![1; 32], Arc::new(record));
        assert!(recall(&id, &[1; 32]).is_some_and(|r| r.id == id));
        // Another state of the same document, or another document: not this record.
        assert!(recall(&id, &[2; 32]).is_none());
        assert!(recall(&RecordId::new(), &[1; 32]).is_none());
    }
}
