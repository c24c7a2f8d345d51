//! What the store keeps for sync: the server and the device token, the log cursor and
//! epoch per server, the pushes to make, and the application of a received page in one
//! transaction (entries merged, acknowledged heads and cursor updated together), so a
//! dropped connection loses at most the page in flight and a replay changes nothing.

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{merge_into, DocHeaderView, MergeOutcome, Store, StoreError};
use crate::doc;
use crate::model::*;
use crate::sync::wire::{DocMeta, DocPush};

/// Where and how this device syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLink {
    pub url: String,
    pub token: String,
}

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
}

/// A document's routing metadata and its heads.
pub type DocWithHeads = (DocMeta, Vec<[u8; 32]>);

const EPOCH_PREFIX: &str = "epoch:";

pub(super) fn meta_for(summary: &super::RecordSummary) -> DocMeta {
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
    pub fn server_link(&self) -> Result<Option<ServerLink>, StoreError> {
        let row: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row("SELECT server, token FROM identity WHERE singleton = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match row {
            Some((Some(url), Some(token))) => Some(ServerLink { url, token }),
            _ => None,
        })
    }

    /// Whether the store holds demonstration records ([`crate::demo::fill`]).
    pub fn holds_demo_records(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row("SELECT demo FROM identity WHERE singleton = 1", [], |r| r.get(0))?)
    }

    /// Marks the store as holding demonstration records, for good: deleting them one by
    /// one does not make the store fit for a real server (start a new store instead).
    pub fn mark_demo(&mut self) -> Result<(), StoreError> {
        self.conn.execute("UPDATE identity SET demo = 1 WHERE singleton = 1", [])?;
        Ok(())
    }

    /// Records enrollment: the server, the token, and this device's role and scope.
    pub fn set_enrollment(&mut self, link: &ServerLink, identity: super::Identity) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE identity SET server = ?1, token = ?2, role = ?3, committee_id = ?4, region = ?5 WHERE singleton = 1",
            params![
                link.url,
                link.token,
                identity.role.code(),
                identity.committee_id.map(|c| c.to_string()),
                identity.region
            ],
        )?;
        tx.execute("DELETE FROM sync_cursors WHERE server = ?1", [&link.url])?;
        tx.commit()?;
        self.identity = identity;
        Ok(())
    }

    pub fn cursor(&self, server: &str) -> Result<Cursor, StoreError> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT scope, seq FROM sync_cursors WHERE server = ?1 AND scope LIKE 'epoch:%'",
                [server],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            None => Cursor::default(),
            Some((scope, seq)) => {
                let epoch = hex::decode(scope.trim_start_matches(EPOCH_PREFIX))
                    .ok()
                    .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok());
                Cursor { epoch, seq: seq.max(0) as u64 }
            }
        })
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

    /// Applies one received page in one transaction: acknowledgements first (so a
    /// document that was only ours becomes clean), then the entries, then the cursor.
    pub fn apply_sync_page(&mut self, page: &SyncPage, now: DateTime<Utc>) -> Result<Vec<MergeOutcome>, StoreError> {
        let tx = self.conn.transaction()?;
        for (id, heads) in &page.acked {
            tx.execute(
                "UPDATE documents SET acked_heads = ?2 WHERE id = ?1",
                params![id.to_string(), doc::encode_heads(heads)],
            )?;
        }
        for id in &page.reset {
            tx.execute("UPDATE documents SET acked_heads = x'' WHERE id = ?1", [id.to_string()])?;
        }
        let mut outcomes = Vec::with_capacity(page.entries.len());
        for (hint, bytes) in &page.entries {
            outcomes.push(merge_into(&tx, hint, bytes, &self.reference, now, true)?);
        }
        tx.execute("DELETE FROM sync_cursors WHERE server = ?1", [&page.server])?;
        if let Some(epoch) = page.cursor.epoch {
            tx.execute(
                "INSERT INTO sync_cursors (server, scope, seq) VALUES (?1, ?2, ?3)",
                params![page.server, format!("{EPOCH_PREFIX}{}", hex::encode(epoch)), page.cursor.seq as i64],
            )?;
        }
        tx.commit()?;
        Ok(outcomes)
    }
}
