//! What the store keeps for sync: which documents are dirty (their heads against the
//! heads the server acknowledged), the log position per server (`sync_cursors`), and the
//! writes of one received page, grouped in one transaction by [`PageWrite`] (entries
//! merged or quarantined, acknowledged heads, refusals and the position together), so a
//! dropped connection loses at most the page in flight and a replay changes nothing.
//!
//! What a page is and in which order its parts are written is the sync's
//! (`sync::apply`): this file offers the table operations, not the protocol.

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::documents::{merge_into, DocHeaderView, MergeOutcome};
use super::quarantine::{self, QuarantinedEntry};
use super::{Store, StoreError};
use crate::doc::{self, DocError};
use crate::model::*;
use crate::reference::ReferenceData;

const EPOCH_PREFIX: &str = "epoch:";

/// The reason code of an entry that panicked the document library.
pub const ENTRY_PANICKED: &str = "sync.entry_panicked";
/// The reason code of an entry whose dependencies this device does not hold.
pub const ENTRY_MISSING_DEPS: &str = "changes.missing_deps";

impl Store {
    /// Documents with changes the server has not acknowledged.
    pub fn dirty(&self) -> Result<Vec<DocHeaderView>, StoreError> {
        // History-free copies first: the server checks a copy against its original as
        // it stands, and the same sync may make the original confidential (see
        // `declassify`), after which a device that is not its author cannot name it.
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, committee_id FROM documents WHERE heads != acked_heads
             ORDER BY id IN (SELECT new_id FROM record_lineage) DESC, id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, kind, committee)| {
                Ok(DocHeaderView {
                    id: id.parse().map_err(|_| StoreError::Corrupt("document id".into()))?,
                    kind: kind.parse().map_err(|_| StoreError::Corrupt("document kind".into()))?,
                    committee_id: committee.parse().map_err(|_| StoreError::Corrupt("committee id".into()))?,
                    schema_version: 0,
                })
            })
            .collect()
    }

    /// Marks `heads` as acknowledged by the server.
    pub fn mark_acked(&mut self, id: RecordId, heads: &[ChangeHash]) -> Result<(), StoreError> {
        let heads = doc::encode_heads(heads);
        self.conn.execute("UPDATE documents SET acked_heads = ?2 WHERE id = ?1", params![id.to_string(), heads])?;
        super::delivery::stamp(&self.conn, id, &heads)
    }

    /// This device's log position on `server`: the epoch (`None` before the first page)
    /// and the sequence number reached.
    pub fn sync_position(&self, server: &str) -> Result<(Option<[u8; 16]>, u64), StoreError> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT scope, seq FROM sync_cursors WHERE server = ?1 AND scope LIKE 'epoch:%'",
                [server],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            None => (None, 0),
            Some((scope, seq)) => {
                let epoch = hex::decode(scope.trim_start_matches(EPOCH_PREFIX))
                    .ok()
                    .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok());
                (epoch, seq.max(0) as u64)
            }
        })
    }

    /// Starts the writes of one received page. Nothing of it is kept unless
    /// [`PageWrite::commit`] is called: dropping it (an error, a cancelled sync) rolls
    /// the whole page back.
    pub fn begin_page(&mut self) -> Result<PageWrite<'_>, StoreError> {
        // IMMEDIATE: the app's own writes run on the same file between rounds; take the
        // write lock now rather than fail to upgrade a read in the middle of the page.
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sums = super::indicators::Batch::begin(&tx)?;
        Ok(PageWrite { tx, reference: &self.reference, sums })
    }
}

/// The writes of one received page, in one transaction (see [`Store::begin_page`]).
pub struct PageWrite<'s> {
    tx: Transaction<'s>,
    reference: &'s ReferenceData,
    /// The indicators' sums, recomputed once per committee and month at the commit.
    sums: super::indicators::Batch,
}

/// What became of one received entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Merged; `released` refusals were forgotten because the entry was their
    /// committee's registry entry.
    Merged { outcome: MergeOutcome, released: usize },
    /// Could not be applied: kept aside with its reason, its partial writes undone.
    Quarantined(QuarantinedEntry),
}

impl PageWrite<'_> {
    /// The page's transaction, for the other tables a page of the relay writes
    /// (`relay.rs`).
    pub(super) fn tx(&self) -> &Transaction<'_> {
        &self.tx
    }

    /// The server holds `heads` of `id`: the document is clean up to them, and a
    /// refusal of it is over.
    pub fn acknowledge(&self, id: RecordId, heads: &[ChangeHash]) -> Result<(), StoreError> {
        let heads = doc::encode_heads(heads);
        self.tx.execute("UPDATE documents SET acked_heads = ?2 WHERE id = ?1", params![id.to_string(), heads])?;
        super::delivery::stamp(&self.tx, id, &heads)?;
        quarantine::forget_refusal(&self.tx, id)?;
        Ok(())
    }

    /// The server lacks the base of `id`: it is sent whole next time.
    pub fn reset_acknowledgement(&self, id: RecordId) -> Result<(), StoreError> {
        self.tx.execute("UPDATE documents SET acked_heads = x'' WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    /// The server refused `id` at `heads` for `code` (see `quarantine.rs`).
    pub fn remember_refusal(
        &self,
        id: RecordId,
        heads: &[ChangeHash],
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        quarantine::remember_refusal(&self.tx, id, heads, code, now)
    }

    /// Merges one received entry, marking the document acknowledged where it was
    /// clean. An entry that cannot be applied is kept aside in quarantine with its
    /// reason (its partial writes rolled back), so one bad entry never holds the page
    /// back; only a failure of the store itself (disk, database) is an error.
    pub fn merge_or_quarantine(
        &self,
        server: &str,
        hint: &DocHeaderView,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<EntryOutcome, StoreError> {
        let tx = &self.tx;
        tx.execute_batch("SAVEPOINT entry")?;
        // A hostile or damaged entry may make the document library panic: that is
        // one entry's failure, not the sync's.
        let merged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            merge_into(tx, hint, bytes, self.reference, now, true)
        }));
        match merged {
            Ok(Ok(outcome)) => {
                tx.execute_batch("RELEASE entry")?;
                let released = if hint.kind == RecordKind::Committee {
                    quarantine::forget_refusals_of_committee(tx, CommitteeId(hint.id.0))?
                } else {
                    0
                };
                Ok(EntryOutcome::Merged { outcome, released })
            }
            Ok(Err(e)) if is_store_failure(&e) => Err(e),
            failed => {
                tx.execute_batch("ROLLBACK TO entry; RELEASE entry")?;
                let (code, detail) = match failed {
                    Ok(Err(e)) => (entry_code(&e), e.to_string()),
                    _ => (ENTRY_PANICKED.to_string(), "the document library panicked".to_string()),
                };
                Ok(EntryOutcome::Quarantined(quarantine::quarantine(tx, server, hint, bytes, &code, &detail, now)?))
            }
        }
    }

    /// Sets this device's log position on `server` (none: forgotten, the next sync
    /// starts from the beginning).
    pub fn set_position(&self, server: &str, epoch: Option<[u8; 16]>, seq: u64) -> Result<(), StoreError> {
        self.tx.execute("DELETE FROM sync_cursors WHERE server = ?1", [server])?;
        if let Some(epoch) = epoch {
            self.tx.execute(
                "INSERT INTO sync_cursors (server, scope, seq) VALUES (?1, ?2, ?3)",
                params![server, format!("{EPOCH_PREFIX}{}", hex::encode(epoch)), seq as i64],
            )?;
        }
        Ok(())
    }

    /// Keeps every write of the page.
    pub fn commit(self) -> Result<(), StoreError> {
        self.sums.finish(&self.tx)?;
        self.tx.commit()?;
        Ok(())
    }
}

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
