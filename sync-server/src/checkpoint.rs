//! Moving the write-ahead log into the database file beside the writer, not inside its
//! commits (SQLite only).
//!
//! In WAL mode a commit appends pages to the `-wal` file, and a checkpoint later copies
//! them into the database file. By default SQLite checkpoints inside the commit that
//! takes the log past 1,000 pages: the writer itself then copies about a thousand
//! pages and syncs the database file while every request of the next batch waits.
//! Under 1,000 devices on 100,000 documents that was about a third of the writer's
//! time in system calls (`perf trace`: 7 checkpoints, 349 ms of 1.1 s, in a 2.7 s
//! load) and the longest stalls of the batch pipeline (up to 51 ms for one fsync).
//!
//! Here a thread of its own checkpoints at most every [`EVERY`], and only after the
//! writer committed: a PASSIVE checkpoint, which never blocks the writer or a reader
//! (it copies what no reader still needs and leaves the rest for the next time). The
//! connections keep an automatic checkpoint far out ([`FALLBACK_PAGES`]) for when this
//! thread falls behind, and for the rare writes outside the writer (relay, repair).
//!
//! Durability does not depend on it: a commit is on disk once its WAL frames are
//! synced (`synchronous = FULL`); a checkpoint only moves committed pages, and one
//! interrupted by a crash is redone from the log when the database is opened again.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use crate::store::{Store, StoreError};

/// At most one checkpoint in this time: the pages a batch rewrites (the log's tail,
/// the document rows, their indexes) are copied once for the many commits between.
pub const EVERY: Duration = Duration::from_millis(250);

/// The WAL length (in pages, 40 MB) at which a committing connection checkpoints by
/// itself, as SQLite does at 1,000 by default. It also bounds the log file under a
/// steady load: SQLite rewinds the log only when a write begins with every page of it
/// copied, which a checkpoint beside a writer that commits meanwhile rarely leaves; the
/// writer's own checkpoint at this length (cheap by then: this thread copied nearly
/// everything) lets the next write rewind it. The bench's database grew by about 30 MB
/// of log under 1,000 devices (44 → 74 MB at 10,000 documents).
pub const FALLBACK_PAGES: i64 = 10_000;

/// The checkpoint thread; it ends, after a last checkpoint, when the writer's
/// [`Commits`] handle is dropped.
pub struct Checkpointer {
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the writer holds to say it committed.
pub struct Commits(SyncSender<()>);

impl Commits {
    /// Notes a commit; never waits (a pending note already covers this one).
    pub fn committed(&self) {
        let _ = self.0.try_send(());
    }
}

impl Checkpointer {
    /// Starts the thread on `store`; `None` on PostgreSQL, which manages its own log.
    pub fn start(store: Arc<Store>) -> Result<Option<(Checkpointer, Commits)>, StoreError> {
        if store.path().is_none() {
            return Ok(None);
        }
        let (commits, notes) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("ccs-checkpoint".into())
            .spawn(move || run(&store, &notes))
            .map_err(|e| StoreError::Internal(format!("starting the checkpoint thread: {e}")))?;
        Ok(Some((Checkpointer { thread: Some(thread) }, Commits(commits))))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the checkpoint thread panicked");
            }
        }
    }
}

fn run(store: &Store, notes: &Receiver<()>) {
    // Waits for a commit, lets the next ones gather for `EVERY`, checkpoints them all.
    while notes.recv().is_ok() {
        std::thread::sleep(EVERY);
        while notes.try_recv().is_ok() {}
        checkpoint(store);
    }
    // The writer is gone: what it committed last goes into the file too.
    checkpoint(store);
}

/// One PASSIVE checkpoint. A failure is logged, not fatal: the log keeps every commit
/// meanwhile, and the connections' own automatic checkpoint takes over past
/// [`FALLBACK_PAGES`].
fn checkpoint(store: &Store) {
    let done = (|| -> Result<(), StoreError> {
        // The pragma answers one row (busy, pages in the log, pages copied): not needed.
        store.conn()?.query_row("PRAGMA wal_checkpoint(PASSIVE)", (), |_| Ok(()))?;
        Ok(())
    })();
    if let Err(e) = done {
        tracing::warn!(error = %e, "checkpoint failed; the log keeps the commits");
    }
}
