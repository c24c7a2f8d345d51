//! What a sync exchanges with the store, owned by the sync: the log position
//! ([`Cursor`]), a received page ([`SyncPage`]) and what applying it did
//! ([`PageOutcome`]), and the reads a request is built from (the pushes, every
//! document's heads for repair).
//!
//! These are `impl Store` blocks written here, on the store's public methods only: the
//! store knows nothing of the sync (`store` never imports `sync`), and the sync reads
//! and writes the store only through its typed methods, never its SQL.

use automerge::ChangeHash;

use crate::model::*;
use crate::store::{DocHeaderView, MergeOutcome, QuarantinedEntry, RecordSummary, Store, StoreError};
use crate::sync::wire::{DocMeta, DocPush};

/// The log position of this device on a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub epoch: Option<[u8; 16]>,
    pub seq: u64,
}

/// One received page, applied atomically by [`Store::apply_sync_page`].
#[derive(Debug, Clone, Default)]
pub struct SyncPage {
    pub server: String,
    pub cursor: Cursor,
    /// Documents the server accepted, with the heads that were sent.
    pub acked: Vec<(RecordId, Vec<ChangeHash>)>,
    /// Documents to resend in full (the server lacked their base).
    pub reset: Vec<RecordId>,
    pub entries: Vec<(DocHeaderView, Vec<u8>)>,
    /// Documents the server refused, with the heads sent and the reason code: not
    /// resent until they change (see `store::quarantine`).
    pub refused: Vec<(RecordId, Vec<ChangeHash>, String)>,
    /// The numbers the server's log (of `cursor`'s epoch) gave documents (frame format 3).
    pub numbers: Vec<(RecordId, u64)>,
}

/// What applying a page did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOutcome {
    pub merged: Vec<MergeOutcome>,
    /// Entries that could not be applied, kept aside; the cursor moved past them.
    pub quarantined: Vec<QuarantinedEntry>,
    /// Refusals released because their committee's registry entry arrived: those
    /// documents may be accepted now.
    pub released: usize,
}

/// A document's routing metadata and its heads.
pub type DocWithHeads = (DocMeta, Vec<[u8; 32]>);

/// The routing metadata the server files a document under, from its projection row.
pub fn meta_for(summary: &RecordSummary) -> DocMeta {
    DocMeta {
        id: *summary.id.as_uuid().as_bytes(),
        kind: summary.kind.code().into(),
        committee_id: *summary.committee_id.0.as_bytes(),
        sensitivity: summary.sensitivity.code().into(),
        region: (summary.kind == RecordKind::Committee).then(|| summary.region.clone()).flatten(),
    }
}

fn hashes(heads: &[ChangeHash]) -> Vec<[u8; 32]> {
    heads.iter().map(|h| h.0).collect()
}

impl Store {
    /// This device's log position on `server`.
    pub fn cursor(&self, server: &str) -> Result<Cursor, StoreError> {
        let (epoch, seq) = self.sync_position(server)?;
        Ok(Cursor { epoch, seq })
    }

    /// Every dirty document as a push: the changes after the acknowledged heads.
    pub fn dirty_pushes(&self) -> Result<Vec<DocPush>, StoreError> {
        self.dirty()?.into_iter().map(|h| self.push_of(h.id)).collect()
    }

    /// One document as a push: its routing, heads, and the changes after the heads the
    /// server acknowledged. Loads the document, so a sync builds only the pushes it
    /// sends in a round.
    pub fn push_of(&self, id: RecordId) -> Result<DocPush, StoreError> {
        let summary = self.summary(id)?;
        let (heads, acked) = self.heads(id)?;
        let changes = self.changes_since(id, &acked)?;
        Ok(DocPush { meta: meta_for(&summary), acked_heads: hashes(&acked), heads: hashes(&heads), changes })
    }

    /// One document as this device sends it, directly or through the relay: only its
    /// own changes travel (see `doc::changes_by`); an administrator may bring anyone's
    /// back, and a document whose unsent changes are all a colleague's goes as it is
    /// (the server knows them, or refuses it until their author has sent them).
    pub fn outgoing_push(&self, id: RecordId) -> Result<DocPush, StoreError> {
        let mut push = self.push_of(id)?;
        let identity = self.identity();
        if identity.role != Role::Admin {
            let mine = crate::doc::changes_by(&push.changes, &identity.device_id.actor())?;
            if !mine.is_empty() {
                push.changes = mine;
            }
        }
        Ok(push)
    }

    /// Every document with its heads, for the repair path.
    pub fn all_heads(&self) -> Result<Vec<DocWithHeads>, StoreError> {
        let mut out = Vec::new();
        for id in self.document_ids()? {
            let summary = self.summary(id)?;
            let (heads, _) = self.heads(id)?;
            out.push((meta_for(&summary), hashes(&heads)));
        }
        Ok(out)
    }
}
