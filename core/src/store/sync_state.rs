//! What the store keeps for sync: the server and the device token, the log cursor and
//! epoch per server, the pushes to make, and the application of a received page in one
//! transaction (entries merged or quarantined, acknowledged heads, refusals and cursor
//! updated together), so a dropped connection loses at most the page in flight and a
//! replay changes nothing.

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::quarantine::{self, QuarantinedEntry};
use super::{merge_into, DocHeaderView, MergeOutcome, Store, StoreError};
use crate::doc::{self, DocError};
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
    /// Documents the server refused, with the heads sent and the reason code: not
    /// resent until they change (see `quarantine.rs`).
    pub refused: Vec<(RecordId, Vec<ChangeHash>, String)>,
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
        // Refusals were for the old scope.
        tx.execute("DELETE FROM sync_refusals", [])?;
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

    /// Applies one received page in one transaction: acknowledgements and refusals
    /// first (so a document that was only ours becomes clean), then the entries, then
    /// the cursor. An entry that cannot be applied is kept aside in quarantine with its
    /// reason (its partial writes rolled back), and the rest merges: one bad entry never
    /// holds the cursor back. Only a failure of the store itself (disk, database) aborts
    /// the page.
    pub fn apply_sync_page(&mut self, page: &SyncPage, now: DateTime<Utc>) -> Result<PageOutcome, StoreError> {
        // IMMEDIATE: the app's own writes run on the same file between rounds; take the
        // write lock now rather than fail to upgrade a read in the middle of the page.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (id, heads) in &page.acked {
            tx.execute(
                "UPDATE documents SET acked_heads = ?2 WHERE id = ?1",
                params![id.to_string(), doc::encode_heads(heads)],
            )?;
            quarantine::forget_refusal(&tx, *id)?;
        }
        for id in &page.reset {
            tx.execute("UPDATE documents SET acked_heads = x'' WHERE id = ?1", [id.to_string()])?;
        }
        for (id, heads, code) in &page.refused {
            quarantine::remember_refusal(&tx, *id, heads, code, now)?;
        }
        let mut out = PageOutcome { merged: Vec::with_capacity(page.entries.len()), ..Default::default() };
        for (hint, bytes) in &page.entries {
            tx.execute_batch("SAVEPOINT entry")?;
            // A hostile or damaged entry may make the document library panic: that is
            // one entry's failure, not the sync's.
            let merged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                merge_into(&tx, hint, bytes, &self.reference, now, true)
            }));
            match merged {
                Ok(Ok(outcome)) => {
                    tx.execute_batch("RELEASE entry")?;
                    if hint.kind == RecordKind::Committee {
                        out.released += quarantine::forget_refusals_of_committee(&tx, CommitteeId(hint.id.0))?;
                    }
                    out.merged.push(outcome);
                }
                Ok(Err(e)) if is_store_failure(&e) => return Err(e),
                failed => {
                    tx.execute_batch("ROLLBACK TO entry; RELEASE entry")?;
                    let (code, detail) = match failed {
                        Ok(Err(e)) => (entry_code(&e), e.to_string()),
                        _ => (ENTRY_PANICKED.to_string(), "the document library panicked".to_string()),
                    };
                    out.quarantined.push(quarantine::quarantine(&tx, &page.server, hint, bytes, &code, &detail, now)?);
                }
            }
        }
        tx.execute("DELETE FROM sync_cursors WHERE server = ?1", [&page.server])?;
        if let Some(epoch) = page.cursor.epoch {
            tx.execute(
                "INSERT INTO sync_cursors (server, scope, seq) VALUES (?1, ?2, ?3)",
                params![page.server, format!("{EPOCH_PREFIX}{}", hex::encode(epoch)), page.cursor.seq as i64],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }
}

/// The reason code of an entry that panicked the document library.
pub const ENTRY_PANICKED: &str = "sync.entry_panicked";
/// The reason code of an entry whose dependencies this device does not hold.
pub const ENTRY_MISSING_DEPS: &str = "changes.missing_deps";

/// Failures of the store itself (disk full, database locked or damaged): retrying the
/// page later may succeed, so they abort it instead of quarantining a good entry.
fn is_store_failure(e: &StoreError) -> bool {
    matches!(e, StoreError::Sqlite(_) | StoreError::Io(_) | StoreError::Corrupt(_))
}

fn entry_code(e: &StoreError) -> String {
    match e {
        StoreError::Doc(DocError::Malformed(m)) if m == ENTRY_MISSING_DEPS => ENTRY_MISSING_DEPS.to_string(),
        other => other.code().to_string(),
    }
}
