//! Sync planning as pure functions: what to send, and what a response means for the
//! store (which documents are acknowledged, which must be resent whole, which entries
//! to merge, where the cursor goes). No I/O: tested as tables without a network.

use automerge::ChangeHash;
use uuid::Uuid;

use crate::model::*;
use crate::store::DocHeaderView;
use crate::sync::page::{Cursor, SyncPage};
use crate::sync::wire::{DocMeta, DocNumbers, DocPush, LogEntry, SyncRequest, SyncResponse};

/// Reason code the server gives when it lacks the base of a push: resend it whole.
pub const MISSING_DEPS: &str = "changes.missing_deps";

pub fn request(cursor: Cursor, push: Vec<DocPush>) -> SyncRequest {
    SyncRequest { epoch: cursor.epoch, cursor: cursor.seq, push }
}

/// Most documents one request pushes: under the server's default limit (500) with room
/// to spare, so a device back from weeks offline sends its backlog over several rounds
/// of one sync instead of being refused whole.
pub const PUSH_DOCS_PER_REQUEST: usize = 200;
/// Most change bytes one request pushes (the server accepts 8 MiB bodies by default).
pub const PUSH_BYTES_PER_REQUEST: usize = 4 * 1024 * 1024;

/// The documents to push in the next round of a sync: the dirty documents (but those
/// held back by a refusal, see `Store::to_push`) not sent yet
/// in this sync, plus those the server asked to have whole again (`reset`), up to the
/// per-request limits (a single larger document still goes, alone). `load` builds a
/// document's push; it is called only for candidates, so a large backlog is not read
/// again on every round. Returns the pushes and whether dirty documents remain for
/// later rounds.
pub fn next_pushes<E>(
    dirty: &[RecordId],
    sent: &std::collections::HashSet<RecordId>,
    reset: &[RecordId],
    max_docs: usize,
    max_bytes: usize,
    mut load: impl FnMut(RecordId) -> Result<DocPush, E>,
) -> Result<(Vec<DocPush>, bool), E> {
    let mut out: Vec<DocPush> = Vec::new();
    let mut bytes = 0;
    for id in dirty {
        if sent.contains(id) && !reset.contains(id) {
            continue;
        }
        if out.len() >= max_docs {
            return Ok((out, true));
        }
        let p = load(*id)?;
        if !out.is_empty() && bytes + p.changes.len() > max_bytes {
            // Left for the next round (loaded again then: one document, rarely).
            return Ok((out, true));
        }
        bytes += p.changes.len();
        out.push(p);
    }
    Ok((out, false))
}

/// A received document's routing, as the store files it.
pub fn header_of(meta: &DocMeta) -> Option<DocHeaderView> {
    Some(DocHeaderView {
        id: RecordId(Uuid::from_bytes(meta.id)),
        kind: meta.kind.parse().ok()?,
        committee_id: CommitteeId(Uuid::from_bytes(meta.committee_id)),
        schema_version: 0,
    })
}

/// What one response asks of the store, and what it rejected.
#[derive(Debug, Clone, Default)]
pub struct Interpretation {
    pub page: SyncPage,
    pub rejected: Vec<(RecordId, String)>,
    /// Entries whose metadata this build cannot read (unknown kind): skipped, counted.
    pub unreadable: usize,
}

/// Interprets `response` to `request`.
pub fn interpret(server: &str, request: &SyncRequest, response: &SyncResponse) -> Interpretation {
    let mut out = Interpretation::default();
    out.page.server = server.to_string();
    out.page.cursor = Cursor { epoch: Some(response.epoch), seq: response.cursor };
    for result in &response.results {
        let id = RecordId(Uuid::from_bytes(result.id));
        let Some(push) = request.push.iter().find(|p| p.meta.id == result.id) else { continue };
        match result.rejected.as_deref() {
            None => out.page.acked.push((id, push.heads.iter().map(|h| ChangeHash(*h)).collect())),
            Some(MISSING_DEPS) => {
                out.page.reset.push(id);
                out.rejected.push((id, MISSING_DEPS.to_string()));
            }
            Some(code) => {
                out.page.refused.push((id, push.heads.iter().map(|h| ChangeHash(*h)).collect(), code.to_string()));
                out.rejected.push((id, code.to_string()));
            }
        }
    }
    for LogEntry { meta, changes, .. } in &response.entries {
        match header_of(meta) {
            Some(h) => out.page.entries.push((h, changes.clone())),
            None => out.unreadable += 1,
        }
    }
    out
}

/// The documents' numbers an answer gave (frame format 3): for each accepted push and
/// each entry that came with one.
pub fn numbers(response: &SyncResponse, numbers: &DocNumbers) -> Vec<(RecordId, u64)> {
    let results = response.results.iter().zip(&numbers.results).filter(|(r, _)| r.rejected.is_none());
    let entries = response.entries.iter().map(|e| &e.meta.id).zip(&numbers.entries);
    results
        .map(|(r, n)| (&r.id, n))
        .chain(entries)
        .filter(|(_, n)| **n > 0)
        .map(|(id, n)| (RecordId(Uuid::from_bytes(*id)), *n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::wire::PushResult;

    fn meta(n: u8) -> DocMeta {
        DocMeta {
            id: [n; 16],
            kind: "session".into(),
            committee_id: [9; 16],
            sensitivity: "restricted".into(),
            region: None,
        }
    }

    fn push(n: u8) -> DocPush {
        DocPush { meta: meta(n), acked_heads: vec![], heads: vec![[n; 32]], changes: vec![1, 2, 3] }
    }

    fn response(results: Vec<PushResult>, entries: Vec<LogEntry>) -> SyncResponse {
        SyncResponse { epoch: [5; 16], repair_needed: false, results, entries, cursor: 77, more: false }
    }

    fn sized_push(id: u8, bytes: usize) -> DocPush {
        DocPush {
            meta: DocMeta {
                id: [id; 16],
                kind: "session".into(),
                committee_id: [0; 16],
                sensitivity: "restricted".into(),
                region: None,
            },
            acked_heads: vec![],
            heads: vec![],
            changes: vec![0; bytes],
        }
    }

    fn rid(n: u8) -> RecordId {
        RecordId(Uuid::from_bytes([n; 16]))
    }

    /// Plans one round over documents of the given sizes; returns the ids pushed (as
    /// their first byte), whether more remain, and how many documents were loaded.
    fn round(
        sizes: &[(u8, usize)],
        sent: &std::collections::HashSet<RecordId>,
        reset: &[RecordId],
        max_docs: usize,
        max_bytes: usize,
    ) -> (Vec<u8>, bool, usize) {
        let ids: Vec<RecordId> = sizes.iter().map(|(n, _)| rid(*n)).collect();
        let mut loaded = 0;
        let (pushes, more) = next_pushes::<()>(&ids, sent, reset, max_docs, max_bytes, |id| {
            loaded += 1;
            let n = id.0.as_bytes()[0];
            Ok(sized_push(n, sizes.iter().find(|(m, _)| *m == n).map_or(0, |(_, b)| *b)))
        })
        .unwrap();
        (pushes.iter().map(|p| p.meta.id[0]).collect(), more, loaded)
    }

    #[test]
    fn pushes_are_batched_by_count_and_bytes_and_never_repeated() {
        use std::collections::HashSet;
        let five: Vec<(u8, usize)> = (1..=5).map(|i| (i, 10)).collect();
        let mut sent = HashSet::new();
        let (first, more, loaded) = round(&five, &sent, &[], 2, 1_000);
        assert_eq!((first.clone(), more, loaded), (vec![1, 2], true, 2), "only the batch is loaded");
        sent.extend(first.iter().map(|n| rid(*n)));
        let (second, more, _) = round(&five, &sent, &[], 2, 1_000);
        assert_eq!((second.clone(), more), (vec![3, 4], true));
        sent.extend(second.iter().map(|n| rid(*n)));
        let (third, more, _) = round(&five, &sent, &[], 2, 1_000);
        assert_eq!((third.clone(), more), (vec![5], false));
        sent.extend(third.iter().map(|n| rid(*n)));
        // Everything sent: a refused document (still dirty) is not sent again…
        assert_eq!(round(&five, &sent, &[], 2, 1_000), (vec![], false, 0));
        // …unless the server asked for it whole.
        assert_eq!(round(&five, &sent, &[rid(4)], 2, 1_000).0, vec![4]);
        // Bytes: a document bigger than the budget goes alone.
        let big = [(1, 30), (2, 30), (3, 500)];
        assert_eq!(round(&big, &HashSet::new(), &[], 10, 50).0, vec![1]);
        assert_eq!(round(&[(3, 500)], &HashSet::new(), &[], 10, 50), (vec![3], false, 1));
    }

    #[test]
    fn accepted_pushes_are_acknowledged_with_the_heads_sent() {
        let req = request(Cursor::default(), vec![push(1), push(2)]);
        let resp = response(
            vec![
                PushResult { id: [1; 16], rejected: None },
                PushResult { id: [2; 16], rejected: Some("scope.outside".into()) },
            ],
            vec![],
        );
        let i = interpret("http://s", &req, &resp);
        assert_eq!(i.page.acked, vec![(RecordId(Uuid::from_bytes([1; 16])), vec![ChangeHash([1; 32])])]);
        assert_eq!(i.rejected, vec![(RecordId(Uuid::from_bytes([2; 16])), "scope.outside".to_string())]);
        // The refusal is remembered with the heads that were refused.
        assert_eq!(
            i.page.refused,
            vec![(RecordId(Uuid::from_bytes([2; 16])), vec![ChangeHash([2; 32])], "scope.outside".to_string())]
        );
        assert!(i.page.reset.is_empty());
        assert_eq!(i.page.cursor, Cursor { epoch: Some([5; 16]), seq: 77 });
    }

    #[test]
    fn missing_base_means_resend_whole() {
        let req = request(Cursor::default(), vec![push(3)]);
        let resp = response(vec![PushResult { id: [3; 16], rejected: Some(MISSING_DEPS.into()) }], vec![]);
        let i = interpret("http://s", &req, &resp);
        assert_eq!(i.page.reset, vec![RecordId(Uuid::from_bytes([3; 16]))]);
        assert!(i.page.refused.is_empty(), "resent at once, not held back");
        assert!(i.page.acked.is_empty());
    }

    #[test]
    fn results_for_documents_not_sent_are_ignored_and_unknown_kinds_skipped() {
        let req = request(Cursor::default(), vec![]);
        let mut odd = meta(8);
        odd.kind = "future_kind".into();
        let resp = response(
            vec![PushResult { id: [4; 16], rejected: None }],
            vec![
                LogEntry { seq: 70, meta: meta(7), changes: vec![1] },
                LogEntry { seq: 71, meta: odd, changes: vec![2] },
            ],
        );
        let i = interpret("http://s", &req, &resp);
        assert!(i.page.acked.is_empty());
        assert_eq!(i.page.entries.len(), 1);
        assert_eq!(i.unreadable, 1);
    }
}
