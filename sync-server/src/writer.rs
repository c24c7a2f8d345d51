//! One writer with group commit: every sync round's accepted documents are filed by a
//! single thread that owns the write connection.
//!
//! SQLite runs one write transaction at a time. When every request took the lock for
//! itself, a thousand devices pushing at once made a thousand transactions (a thousand
//! fsyncs) and SQLite's busy handler (sleep and retry, not first come first served)
//! served the waiters unevenly: the tail waited seconds. Here the expensive checks run
//! beside each other on read snapshots ([`push::prepare`], in the request's own slot),
//! and only the prepared plans queue for the writer, which:
//! 1. takes the first waiting request and opens one IMMEDIATE transaction;
//! 2. takes every request that queued meanwhile (up to [`crate::Limits::write_batch`]);
//! 3. files each inside its own savepoint ([`push::file_prepared`]: a plan whose
//!    document moved since its snapshot is checked again, under the lock), so one
//!    request's storage error or panic rolls back that request alone;
//! 4. commits once (one fsync for the whole batch; the log is copied into the database
//!    file later by [`crate::checkpoint`]'s thread, not inside this commit);
//! 5. answers each request only then. A failed commit answers every request of the
//!    batch with the error: nothing of theirs was written, each device sends again.
//!
//! The queue is bounded ([`crate::Limits::write_queue`]): when full, a request is
//! answered `503 server.busy` with `Retry-After` at once instead of waiting for a slot
//! that would arrive after its deadline; the client backs off and retries by itself.
//!
//! The relay and the repair path still file through [`push::push`] on their own
//! connection: they are rare and small, and `busy_timeout` makes them and the writer
//! wait for each other (the writer holds the lock for one batch at a time).
//!
//! Stopping: the thread ends when the last [`Writer`] handle is dropped, after filing
//! and answering what was queued; dropping the handle waits for it, so once the server
//! returns nothing is left half done. A request whose client went away meanwhile is
//! still filed whole (a retry finds its changes stored and stores nothing twice).

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

use crate::db::{Conn, Mode};
use ccs_core::sync::scope::DeviceScope;
use ccs_core::sync::wire::DocPush;
use chrono::{DateTime, Utc};

use crate::checkpoint::{Checkpointer, Commits};
use crate::push::{self, Outcome, Planned};
use crate::store::{Store, StoreError};
use crate::Limits;

/// Prepared pushes of one request, waiting for the writer.
struct Job {
    device: DeviceScope,
    pushes: Vec<DocPush>,
    plans: Vec<Planned>,
    limits: Limits,
    now: DateTime<Utc>,
    reply: tokio::sync::oneshot::Sender<Result<Vec<Outcome>, StoreError>>,
    /// The request's span, so what the writer logs for it carries its request id.
    span: tracing::Span,
}

/// The handle requests use to reach the writer thread.
pub struct Writer {
    queue: Option<SyncSender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Checkpoints the log beside the writer ([`crate::checkpoint`]); ends after it.
    checkpointer: Option<Checkpointer>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// How long a device told "busy" should wait before trying again. The client adds
/// jitter and grows the wait on each refusal.
pub const RETRY_AFTER_SECS: u64 = 1;

impl Writer {
    /// Starts the writer thread on `store` with a queue of `capacity` requests, filing at
    /// most `batch` requests per transaction.
    pub fn start(store: Arc<Store>, capacity: usize, batch: usize) -> Result<Writer, StoreError> {
        let (queue, jobs) = mpsc::sync_channel(capacity.max(1));
        let batch = batch.max(1);
        let (checkpointer, commits) = match Checkpointer::start(Arc::clone(&store))? {
            Some((c, commits)) => (Some(c), Some(commits)),
            None => (None, None),
        };
        let thread = std::thread::Builder::new()
            .name("ccs-writer".into())
            .spawn(move || run(&store, &jobs, batch, commits.as_ref()))
            .map_err(|e| StoreError::Internal(format!("starting the writer thread: {e}")))?;
        Ok(Writer { queue: Some(queue), thread: Some(thread), checkpointer })
    }

    /// Hands a request's prepared plans to the writer and waits until they are committed
    /// (or refused). `Overloaded` at once when the queue is full.
    pub async fn submit(
        &self,
        device: DeviceScope,
        pushes: Vec<DocPush>,
        plans: Vec<Planned>,
        limits: Limits,
        now: DateTime<Utc>,
    ) -> Result<Vec<Outcome>, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job { device, pushes, plans, limits, now, reply, span: tracing::Span::current() };
        let Some(queue) = &self.queue else { return Err(stopped()) };
        match queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("write queue full: request refused as busy");
                return Err(StoreError::Overloaded);
            }
            Err(TrySendError::Disconnected(_)) => return Err(stopped()),
        }
        // A dropped reply means the writer thread died: the request's outcome is
        // unknown to it, so it must not be reported as accepted.
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the queue lets the thread file what is queued, then end.
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the writer thread panicked");
            }
        }
        // The writer's end closed the checkpointer's notes: it makes a last checkpoint.
        self.checkpointer.take();
    }
}

fn stopped() -> StoreError {
    StoreError::Internal("the writer has stopped".into())
}

/// The writer thread: batch after batch until the queue is closed and empty.
fn run(store: &Store, jobs: &Receiver<Job>, max_batch: usize, commits: Option<&Commits>) {
    let mut conn: Option<crate::store::Pooled<'_>> = None;
    while let Ok(first) = jobs.recv() {
        let connection = match conn.as_mut() {
            Some(c) => c,
            None => match store.conn() {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    answer_all(vec![first], &e);
                    continue;
                }
            },
        };
        let ok = batch(connection, first, jobs, max_batch);
        if let Some(commits) = commits {
            commits.committed();
        }
        if !ok {
            // A connection whose transaction could not be closed is not reused.
            conn = None;
        }
    }
}

/// Files one batch; false when the connection is left in an unknown state.
fn batch(conn: &mut Conn, first: Job, jobs: &Receiver<Job>, max_batch: usize) -> bool {
    // The lock first: requests that queue while the writer waits for it (an admin
    // command or a relay push holding it) join this batch.
    let tx = match conn.transaction(Mode::Write) {
        Ok(tx) => tx,
        Err(e) => {
            let mut waiting = vec![first];
            waiting.extend(jobs.try_iter().take(max_batch - 1));
            answer_all(waiting, &StoreError::from(e));
            return true;
        }
    };
    let mut batch = vec![first];
    batch.extend(jobs.try_iter().take(max_batch - 1));
    let mut outcomes: Vec<Result<Vec<Outcome>, StoreError>> = Vec::with_capacity(batch.len());
    for i in 0..batch.len() {
        let span = batch[i].span.clone();
        let _in_request = span.enter();
        let outcome = file_job(&tx, &mut batch[i]);
        if outcome.is_err() && tx.is_idle() {
            // The database rolled the whole transaction back on its own (SQLite on a
            // full disk or an I/O error): what the batch filed so far is gone too.
            let e = outcome.err().unwrap_or_else(|| StoreError::Internal("transaction lost".into()));
            tracing::error!(error = %e, "write transaction lost: the whole batch is refused");
            drop(tx);
            answer_all(batch, &e);
            return false;
        }
        outcomes.push(outcome);
    }
    refresh_snapshots(&tx, &batch, &outcomes);
    let size = batch.len();
    match tx.commit() {
        Ok(()) => {
            tracing::debug!(requests = size, "batch committed");
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                // The device may have gone away; its changes are filed all the same.
                let _ = job.reply.send(outcome);
            }
            true
        }
        Err(e) => {
            // Nothing of the batch was written (the transaction is rolled back when the
            // commit fails): every request hears so, even those that filed cleanly.
            let e = StoreError::from(e);
            tracing::error!(error = %e, requests = size, "batch commit failed");
            answer_all(batch, &e);
            conn.is_idle()
        }
    }
}

/// Files one request inside a savepoint: its error (or panic) undoes its own rows only.
fn file_job(tx: &Conn, job: &mut Job) -> Result<Vec<Outcome>, StoreError> {
    tx.execute_batch("SAVEPOINT request")?;
    let plans = std::mem::take(&mut job.plans);
    let filed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        push::file_prepared(tx, &job.device, &job.pushes, plans, &job.limits, job.now)
    }))
    .unwrap_or_else(|_| Err(StoreError::Internal("filing a request panicked".into())));
    match filed {
        Ok(results) => {
            tx.execute_batch("RELEASE SAVEPOINT request")?;
            Ok(results)
        }
        Err(e) => {
            tracing::warn!(error = %e, "request not filed; the rest of the batch goes on");
            if !tx.is_idle() {
                tx.execute_batch("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request")?;
            }
            Err(e)
        }
    }
}

/// Refreshes the compacted snapshots of the documents the batch filed
/// ([`crate::snapshots`]), in the batch's transaction (so a snapshot never runs ahead
/// of the committed log). A cache: its failure is logged and undone, the pushes stand.
fn refresh_snapshots(tx: &Conn, batch: &[Job], outcomes: &[Result<Vec<Outcome>, StoreError>]) {
    let mut ids = std::collections::BTreeSet::new();
    for (job, outcome) in batch.iter().zip(outcomes) {
        if outcome.is_ok() {
            ids.extend(job.pushes.iter().map(|p| ccs_core::model::RecordId(uuid::Uuid::from_bytes(p.meta.id))));
        }
    }
    if tx.kind() != crate::db::Kind::Sqlite {
        // Snapshots count log rows by `seq`, which PostgreSQL numbers after commit: there
        // a document is rebuilt from its rows in insertion order ([`crate::log::load_doc`]).
        return;
    }
    let refreshed = (|| -> Result<usize, StoreError> {
        tx.execute_batch("SAVEPOINT snapshots")?;
        let mut n = 0;
        for id in &ids {
            n += usize::from(crate::snapshots::refresh(tx, id)?);
        }
        tx.execute_batch("RELEASE SAVEPOINT snapshots")?;
        Ok(n)
    })();
    match refreshed {
        Ok(n) if n > 0 => tracing::debug!(documents = n, "snapshots refreshed"),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "refreshing document snapshots failed; the log is unchanged");
            if !tx.is_idle() {
                let _ = tx.execute_batch("ROLLBACK TO SAVEPOINT snapshots; RELEASE SAVEPOINT snapshots");
            }
        }
    }
}

/// Answers every request of `jobs` with (a copy of) `e`.
fn answer_all(jobs: Vec<Job>, e: &StoreError) {
    for job in jobs {
        let _ = job.reply.send(Err(copy_error(e)));
    }
}

/// A copy of `e` for each request of a failed batch: the busy and constraint codes are
/// kept, so the device is told busy (and retries) when the lock was the cause.
fn copy_error(e: &StoreError) -> StoreError {
    if e.is_busy() {
        StoreError::Overloaded
    } else {
        StoreError::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn a_batch_refused_for_a_locked_database_is_answered_busy_to_each_request() {
        let busy = StoreError::Db(crate::db::Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(5),
            None,
        )));
        for e in [copy_error(&busy), copy_error(&StoreError::Overloaded)] {
            let answer = AppError::from(e);
            assert_eq!((answer.status().as_u16(), answer.code().as_str()), (503, "server.busy"));
            assert_eq!(answer.retry_after_secs(), Some(RETRY_AFTER_SECS));
        }
        let constraint = StoreError::Db(crate::db::Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(19),
            None,
        )));
        assert_eq!(AppError::from(copy_error(&constraint)).code().as_str(), "server.internal");
    }
}
