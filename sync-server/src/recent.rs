//! Records and documents as the push checks last read and rebuilt them, by document
//! and heads.
//!
//! Reading a stored document as a record (hydrating it) is the costliest step of a
//! push's checks, and the checks need the record before and after the new changes.
//! The record a push's checks read after its changes is the record the next push to
//! that document starts from, so it is kept here and the next push skips one read.
//! Likewise the document itself: rebuilding it from the database (loading its snapshot
//! and the log entries after it) was the costliest step left, so the document a push's
//! checks rebuilt is kept and the next push to it applies its changes there.
//!
//! The key is the document's heads, which name its whole history: a document with these
//! heads reads as this record whichever database, server instance or request read it.
//! So the cache is shared by the whole process and never goes stale; an entry that
//! was never filed (its batch failed) is simply never asked for. Bounded, least recently
//! used first out: the server's memory does not grow with its documents.

use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex};

use ccs_core::doc::RecordDoc;
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

/// Documents kept, and the stored bytes they may add up to. An Automerge document in
/// memory takes a few times its stored size; a session record is a few kilobytes
/// stored, so the whole cache stays within tens of megabytes.
const DOC_CAPACITY: usize = 1024;
const DOC_BUDGET_BYTES: u64 = 16 * 1024 * 1024;
/// A document larger than this is rebuilt from the database each time: a few large
/// documents must not push out the many small ones.
const DOC_MAX_BYTES: u64 = 256 * 1024;

/// Rebuilt documents, least recently used first out, within [`DOC_BUDGET_BYTES`].
struct Docs {
    docs: lru::LruCache<Key, (RecordDoc, u64)>,
    bytes: u64,
}

static DOCS: LazyLock<Mutex<Docs>> = LazyLock::new(|| Mutex::new(Docs { docs: lru::LruCache::unbounded(), bytes: 0 }));

/// Takes out the document `id` as a push's checks rebuilt it at these `heads`. Taken,
/// not shared: the caller applies new changes to it, and it is kept again under its
/// new heads only once those passed the checks ([`keep_doc`]).
pub fn take_doc(id: &RecordId, heads: &[u8]) -> Option<RecordDoc> {
    let mut cache = DOCS.lock().ok()?;
    let (doc, bytes) = cache.docs.pop(&(*id, heads.to_vec()))?;
    cache.bytes = cache.bytes.saturating_sub(bytes);
    Some(doc)
}

/// Keeps document `id` as rebuilt with these `heads`; `stored_bytes` is the size of its
/// changes as filed (the cache's measure).
pub fn keep_doc(id: RecordId, heads: Vec<u8>, doc: RecordDoc, stored_bytes: u64) {
    if stored_bytes > DOC_MAX_BYTES {
        return;
    }
    // Documents pushed out are freed after the lock is released: freeing one is
    // thousands of deallocations, and at capacity every push pushes one out.
    let mut out = Vec::new();
    {
        let Ok(mut cache) = DOCS.lock() else { return };
        if let Some((_, (replaced, old))) = cache.docs.push((id, heads), (doc, stored_bytes)) {
            cache.bytes = cache.bytes.saturating_sub(old);
            out.push(replaced);
        }
        cache.bytes += stored_bytes;
        while cache.docs.len() > DOC_CAPACITY || cache.bytes > DOC_BUDGET_BYTES {
            let Some((_, (evicted, bytes))) = cache.docs.pop_lru() else { break };
            cache.bytes = cache.bytes.saturating_sub(bytes);
            out.push(evicted);
        }
    }
    drop(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccs_core::model::*;

    fn session() -> Record {
        let body = RecordBody::Session(ccs_core::samples::session_body());
        Record::new(body, CommitteeId::new(), DeviceId::new(), chrono::Utc::now())
    }

    #[test]
    fn a_record_is_recalled_only_for_the_heads_it_was_read_at() {
        let record = session();
        let id = record.id;
        remember(id, vec![1; 32], Arc::new(record));
        assert!(recall(&id, &[1; 32]).is_some_and(|r| r.id == id));
        // Another state of the same document, or another document: not this record.
        assert!(recall(&id, &[2; 32]).is_none());
        assert!(recall(&RecordId::new(), &[1; 32]).is_none());
    }

    #[test]
    fn a_document_is_taken_once_only_at_its_heads_and_the_cache_keeps_its_budget() {
        let record = session();
        let mut doc = RecordDoc::create(&record, record.created_by).unwrap();
        let heads = ccs_core::doc::encode_heads(&doc.heads());
        keep_doc(record.id, heads.clone(), RecordDoc::load_stored(&doc.save()).unwrap(), 1000);
        assert!(take_doc(&record.id, &[9; 32]).is_none());
        assert!(take_doc(&RecordId::new(), &heads).is_none());
        let mut taken = take_doc(&record.id, &heads).expect("kept at its heads");
        assert_eq!(taken.heads(), doc.heads());
        // Taken, so gone: two pushes never apply changes to the same copy.
        assert!(take_doc(&record.id, &heads).is_none());
        keep_doc(record.id, heads.clone(), doc, DOC_MAX_BYTES + 1);
        assert!(take_doc(&record.id, &heads).is_none());

        // (In the same test: the cache is the process's, and tests run side by side.)
        // The documents kept stay within their budget.
        let ids: Vec<RecordId> = (0..100).map(|_| RecordId::new()).collect();
        for id in &ids {
            keep_doc(*id, vec![0; 32], RecordDoc::empty(), DOC_MAX_BYTES);
        }
        let cache = DOCS.lock().unwrap();
        assert!(cache.bytes <= DOC_BUDGET_BYTES && cache.docs.len() <= DOC_CAPACITY);
        assert_eq!(cache.bytes, cache.docs.iter().map(|(_, (_, b))| *b).sum::<u64>());
        // The oldest went first.
        assert!(!cache.docs.contains(&(ids[0], vec![0; 32])));
        assert!(cache.docs.contains(&(ids[99], vec![0; 32])));
    }
}
