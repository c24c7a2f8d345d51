//! Sync planning as pure functions: what to send, and what a response means for the
//! store (which documents are acknowledged, which must be resent whole, which entries
//! to merge, where the cursor goes). No I/O: tested as tables without a network.

use automerge::ChangeHash;
use uuid::Uuid;

use crate::model::*;
use crate::store::{Cursor, DocHeaderView, SyncPage};
use crate::sync::wire::{DocMeta, DocPush, LogEntry, SyncRequest, SyncResponse};

/// Reason code the server gives when it lacks the base of a push: resend it whole.
pub const MISSING_DEPS: &str = "changes.missing_deps";

pub fn request(cursor: Cursor, push: Vec<DocPush>) -> SyncRequest {
    SyncRequest { epoch: cursor.epoch, cursor: cursor.seq, push }
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
            Some(code) => out.rejected.push((id, code.to_string())),
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
        assert!(i.page.reset.is_empty());
        assert_eq!(i.page.cursor, Cursor { epoch: Some([5; 16]), seq: 77 });
    }

    #[test]
    fn missing_base_means_resend_whole() {
        let req = request(Cursor::default(), vec![push(3)]);
        let resp = response(vec![PushResult { id: [3; 16], rejected: Some(MISSING_DEPS.into()) }], vec![]);
        let i = interpret("http://s", &req, &resp);
        assert_eq!(i.page.reset, vec![RecordId(Uuid::from_bytes([3; 16]))]);
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
