//! Applying a received page: ONE store transaction per page ([`crate::store::PageWrite`]),
//! so a dropped connection, a crash or a cancelled sync loses at most the page in
//! flight, and a replayed page changes nothing.
//!
//! The order is the sync's and lives here: acknowledgements and refusals first (so a
//! document that was only ours becomes clean before its echo merges), then the entries
//! (each merged, or kept aside in quarantine without stopping the page), then the log
//! position. The table operations are the store's; this file holds no SQL.

use chrono::{DateTime, Utc};

use super::page::{PageOutcome, SyncPage};
use crate::store::{EntryOutcome, PageWrite, Store, StoreError};

impl Store {
    /// Applies one received page in one transaction. An entry that cannot be applied
    /// is kept aside in quarantine with its reason, and the rest merges: one bad entry
    /// never holds the cursor back. Only a failure of the store itself (disk,
    /// database) aborts the page, leaving nothing of it.
    pub fn apply_sync_page(&mut self, page: &SyncPage, now: DateTime<Utc>) -> Result<PageOutcome, StoreError> {
        let write = self.begin_page()?;
        let out = write_page(&write, page, now)?;
        write.commit()?;
        Ok(out)
    }
}

/// The writes of one page inside `write`'s transaction, in the sync's order; the caller
/// commits. A return bundle of the relay writes its own bookkeeping in the same
/// transaction (`relay::member`), so it too is applied whole or not at all.
pub(crate) fn write_page(
    write: &PageWrite<'_>,
    page: &SyncPage,
    now: DateTime<Utc>,
) -> Result<PageOutcome, StoreError> {
    for (id, heads) in &page.acked {
        write.acknowledge(*id, heads)?;
    }
    for id in &page.reset {
        write.reset_acknowledgement(*id)?;
    }
    for (id, heads, code) in &page.refused {
        write.remember_refusal(*id, heads, code, now)?;
    }
    let mut out = PageOutcome { merged: Vec::with_capacity(page.entries.len()), ..Default::default() };
    for merged in write.merge_all_or_quarantine(&page.server, &page.entries, now)? {
        match merged {
            EntryOutcome::Merged { outcome, released } => {
                out.released += released;
                out.merged.push(outcome);
            }
            EntryOutcome::Quarantined(entry) => out.quarantined.push(entry),
        }
    }
    write.set_position(&page.server, page.cursor.epoch, page.cursor.seq)?;
    if let Some(epoch) = page.cursor.epoch {
        write.remember_numbers(&page.server, epoch, &page.numbers)?;
    }
    Ok(out)
}
