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

use super::documents::{merge_ready, DocHeaderView, MergeOutcome, Received};
use super::quarantine::{self, QuarantinedEntry};
use super::{Store, StoreError};
use crate::doc::{self, DocError};
use crate::model::*;
use crate::reference::ReferenceData;

const EPOCH_PREFIX: &str = "epoch:";

/// Entries merged under one savepoint (see [`PageWrite::merge_all_or_quarantine`]).
const GROUP: usize = 64;
/// Fewer new documents than this in a page are made ready on the writing thread: a
/// thread costs more than it saves.
const MIN_PREPARED: usize = 8;
/// Threads making new documents ready beside the writing one, at most.
const MAX_PREPARERS: usize = 3;

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

    /// The numbers `server`'s log of `epoch` gave the documents among `ids` that have one.
    pub fn doc_numbers(
        &self,
        server: &str,
        epoch: [u8; 16],
        ids: &[RecordId],
    ) -> Result<std::collections::HashMap<RecordId, u64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT number FROM sync_doc_numbers WHERE server = ?1 AND epoch = ?2 AND id = ?3")?;
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for id in ids {
            let number: Option<i64> =
                stmt.query_row(params![server, epoch.as_slice(), id.to_string()], |r| r.get(0)).optional()?;
            if let Some(n) = number.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0) {
                out.insert(*id, n);
            }
        }
        Ok(out)
    }

    /// Forgets every document number `server` gave (it said it does not know one of
    /// them): the next requests name documents by id, and the answers give the numbers
    /// again.
    pub fn forget_doc_numbers(&mut self, server: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM sync_doc_numbers WHERE server = ?1", [server])?;
        Ok(())
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

    /// Merges received entries in their order, as [`PageWrite::merge_or_quarantine`]
    /// does one by one, with the same outcomes.
    ///
    /// They are tried in groups under one savepoint each, not one per entry: each
    /// savepoint makes SQLite copy every page an entry touches into its statement
    /// journal and makes the full-text index flush a segment, which cost a first sync
    /// of thousands of records about a fifth of its time. A group in which any entry
    /// fails is rolled back whole and retried entry by entry, so a bad entry is still
    /// quarantined alone and its neighbours still merge.
    pub fn merge_all_or_quarantine(
        &self,
        server: &str,
        entries: &[(DocHeaderView, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<EntryOutcome>, StoreError> {
        // Documents this device does not hold yet (most of a first sync) are loaded
        // and read on other cores while this thread writes, in the page's order.
        let mut fresh = Vec::with_capacity(entries.len());
        for (hint, _) in entries {
            let held: bool = self
                .tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?1)")?
                .query_row([hint.id.to_string()], |r| r.get(0))?;
            fresh.push(!held);
        }
        let workers = if fresh.iter().filter(|f| **f).count() < MIN_PREPARED {
            0
        } else {
            // As many as there are cores: loading and reading a document costs about
            // twice what filing it does, so the writer mostly waits for them and the
            // cores stay busy (two workers and the writer on two cores).
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_PREPARERS)
        };
        std::thread::scope(|scope| {
            let mut ready = Vec::with_capacity(workers);
            for w in 0..workers {
                // Bounded: a worker runs at most two groups ahead of the writes, so
                // memory holds a hundred documents or so, not the page's. Less than a
                // group would make the two threads take turns: the writer waits for a
                // whole group before merging it, and the workers wait while it merges.
                let ahead = (2 * GROUP).div_ceil(workers);
                let (send, receive) = std::sync::mpsc::sync_channel::<Option<Received>>(ahead);
                ready.push(receive);
                let (entries, fresh, reference) = (entries, &fresh, self.reference);
                scope.spawn(move || {
                    for (i, (_, bytes)) in entries.iter().enumerate().skip(w).step_by(workers) {
                        // A panic here is the entry's: it is merged again the ordinary
                        // way, which sets it aside.
                        let prepared = fresh[i]
                            .then(|| {
                                std::panic::catch_unwind(|| Received::prepare(bytes, reference, now)).ok().flatten()
                            })
                            .flatten();
                        if send.send(prepared).is_err() {
                            return; // the page was abandoned
                        }
                    }
                });
            }
            let next = |i: usize| if workers == 0 { None } else { ready[i % workers].recv().ok().flatten() };
            let mut out = Vec::with_capacity(entries.len());
            for (g, group) in entries.chunks(GROUP).enumerate() {
                let prepared: Vec<Option<Received>> = (0..group.len()).map(|k| next(g * GROUP + k)).collect();
                if group.len() > 1 {
                    if let Some(merged) = self.merge_group(group, prepared, now)? {
                        out.extend(merged);
                        continue;
                    }
                }
                for (hint, bytes) in group {
                    out.push(self.merge_or_quarantine(server, hint, bytes, now)?);
                }
            }
            Ok(out)
        })
    }

    /// Merges every entry of `group` under one savepoint; `None` (the group rolled
    /// back) as soon as one cannot be applied.
    fn merge_group(
        &self,
        group: &[(DocHeaderView, Vec<u8>)],
        prepared: Vec<Option<Received>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<EntryOutcome>>, StoreError> {
        let tx = &self.tx;
        tx.execute_batch("SAVEPOINT entries")?;
        let mut out = Vec::with_capacity(group.len());
        for ((hint, bytes), ready) in group.iter().zip(prepared) {
            match self.merge_unguarded(hint, bytes, now, ready) {
                Ok(Ok(merged)) => out.push(merged),
                Ok(Err(_)) => {
                    tx.execute_batch("ROLLBACK TO entries; RELEASE entries")?;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        tx.execute_batch("RELEASE entries")?;
        Ok(Some(out))
    }

    /// One entry merged with no savepoint of its own: `Ok(Err(..))` when it cannot be
    /// applied (its partial writes are then left for the caller to roll back), `Err` on
    /// a failure of the store itself.
    fn merge_unguarded(
        &self,
        hint: &DocHeaderView,
        bytes: &[u8],
        now: DateTime<Utc>,
        ready: Option<Received>,
    ) -> Result<Result<EntryOutcome, Option<StoreError>>, StoreError> {
        let tx = &self.tx;
        // A hostile or damaged entry may make the document library panic: that is
        // one entry's failure, not the sync's.
        let merged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            merge_ready(tx, hint, bytes, self.reference, now, true, ready)
        }));
        match merged {
            Ok(Ok(outcome)) => {
                let released = if hint.kind == RecordKind::Committee {
                    quarantine::forget_refusals_of_committee(tx, CommitteeId(hint.id.0))?
                } else {
                    0
                };
                Ok(Ok(EntryOutcome::Merged { outcome, released }))
            }
            Ok(Err(e)) if is_store_failure(&e) => Err(e),
            Ok(Err(e)) => Ok(Err(Some(e))),
            Err(_) => Ok(Err(None)),
        }
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
        match self.merge_unguarded(hint, bytes, now, None) {
            Ok(Ok(merged)) => {
                tx.execute_batch("RELEASE entry")?;
                Ok(merged)
            }
            Ok(Err(failure)) => {
                tx.execute_batch("ROLLBACK TO entry; RELEASE entry")?;
                let (code, detail) = match failure {
                    Some(e) => (entry_code(&e), e.to_string()),
                    None => (ENTRY_PANICKED.to_string(), "the document library panicked".to_string()),
                };
                Ok(EntryOutcome::Quarantined(quarantine::quarantine(tx, server, hint, bytes, &code, &detail, now)?))
            }
            Err(e) => Err(e),
        }
    }

    /// Sets this device's log position on `server` (none: forgotten, the next sync
    /// starts from the beginning).
    pub fn set_position(&self, server: &str, epoch: Option<[u8; 16]>, seq: u64) -> Result<(), StoreError> {
        self.tx.execute("DELETE FROM sync_cursors WHERE server = ?1", [server])?;
        // Numbers name documents on one log only.
        self.tx.execute(
            "DELETE FROM sync_doc_numbers WHERE server = ?1 AND epoch IS NOT ?2",
            params![server, epoch.as_ref().map(|e| e.as_slice())],
        )?;
        if let Some(epoch) = epoch {
            self.tx.execute(
                "INSERT INTO sync_cursors (server, scope, seq) VALUES (?1, ?2, ?3)",
                params![server, format!("{EPOCH_PREFIX}{}", hex::encode(epoch)), seq as i64],
            )?;
        }
        Ok(())
    }

    /// Keeps the numbers `server`'s log of `epoch` gave these documents.
    pub fn remember_numbers(
        &self,
        server: &str,
        epoch: [u8; 16],
        numbers: &[(RecordId, u64)],
    ) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO sync_doc_numbers (server, epoch, id, number) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (server, id) DO UPDATE SET epoch = excluded.epoch, number = excluded.number",
        )?;
        for (id, number) in numbers {
            let Ok(number) = i64::try_from(*number) else { continue };
            if number > 0 {
                stmt.execute(params![server, epoch.as_slice(), id.to_string(), number])?;
            }
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
