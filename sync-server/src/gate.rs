//! The slots of database work ([`crate::store::Store::run`]), handed out oldest request
//! first.
//!
//! A sync request passes through the slots more than once (its token check, then its
//! round). With a first-come queue per pass, each pass of a request waits behind every
//! pass queued since its previous one: under a thousand devices at once a request
//! waited for the whole queue twice, and a device whose first pass came late fell
//! further behind at each. Ordering the waiters by when their HTTP request arrived
//! serves each request's passes before those of newer requests: the queue behaves as
//! one queue of requests, which is what bounds the slowest sync.
//!
//! A waiter that gives up (its request timed out) loses nothing and blocks nobody: a
//! slot handed to it after it left is passed on to the next.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::oneshot;

tokio::task_local! {
    /// When the HTTP request being served arrived (set by the router's outermost layer).
    pub static REQUEST_SINCE: Instant;
}

/// When the current request arrived; now outside a request (the writer, admin work).
pub fn request_since() -> Instant {
    REQUEST_SINCE.try_with(|since| *since).unwrap_or_else(|_| Instant::now())
}

/// `slots` permits, given to the oldest waiter first.
#[derive(Debug)]
pub struct Gate {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    free: usize,
    /// Oldest first: the earliest arrival, then the earliest to queue.
    waiting: BinaryHeap<Reverse<Waiter>>,
    queued: u64,
}

#[derive(Debug)]
struct Waiter {
    since: Instant,
    order: u64,
    grant: oneshot::Sender<Permit>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Waiter) -> bool {
        (self.since, self.order) == (other.since, other.order)
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Waiter) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    fn cmp(&self, other: &Waiter) -> std::cmp::Ordering {
        (self.since, self.order).cmp(&(other.since, other.order))
    }
}

/// One slot, given back when dropped.
#[derive(Debug)]
pub struct Permit {
    gate: Arc<Gate>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gate.release();
    }
}

impl Gate {
    pub fn new(slots: usize) -> Arc<Gate> {
        Arc::new(Gate { state: Mutex::new(State { free: slots, waiting: BinaryHeap::new(), queued: 0 }) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is consistent between statements: a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A slot, once every waiter that arrived before `since` has had one. Dropping the
    /// future gives up the place (and a slot granted meanwhile goes on to the next).
    pub async fn acquire(self: &Arc<Self>, since: Instant) -> Permit {
        let granted = {
            let mut state = self.lock();
            if state.free > 0 && state.waiting.is_empty() {
                state.free -= 1;
                return Permit { gate: Arc::clone(self) };
            }
            let (grant, granted) = oneshot::channel();
            let order = state.queued;
            state.queued += 1;
            state.waiting.push(Reverse(Waiter { since, order, grant }));
            granted
        };
        match granted.await {
            Ok(permit) => permit,
            // The gate only drops a sender after sending on it, and the gate lives as
            // long as this borrow of it: unreachable, but a slot is still owed.
            Err(_) => Box::pin(self.acquire(since)).await,
        }
    }

    /// Gives a slot to the oldest waiter still waiting, else frees it.
    fn release(self: &Arc<Self>) {
        loop {
            let next = {
                let mut state = self.lock();
                match state.waiting.pop() {
                    Some(Reverse(waiter)) => waiter,
                    None => {
                        state.free += 1;
                        return;
                    }
                }
            };
            match next.grant.send(Permit { gate: Arc::clone(self) }) {
                Ok(()) => return,
                // It gave up: the next one. Forgotten, not dropped, so that this loop
                // and not a nested release hands the slot on.
                Err(unwanted) => std::mem::forget(unwanted),
            }
        }
    }

    /// Slots free now (for tests and logs).
    pub fn free(&self) -> usize {
        self.lock().free
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_oldest_request_gets_the_next_slot_whatever_the_queueing_order() {
        let gate = Gate::new(1);
        let held = gate.acquire(Instant::now()).await;
        let t0 = Instant::now();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Queued newest first: a request that arrived at t0 + 3 ms queues before one
        // that arrived at t0.
        for age in [3u64, 2, 0, 1] {
            let (gate, order) = (Arc::clone(&gate), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire(t0 + Duration::from_millis(age)).await;
                order.lock().unwrap().push(age);
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(gate.free(), 1);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_keeps_no_slot_and_blocks_nobody() {
        let gate = Gate::new(1);
        let held = gate.acquire(Instant::now()).await;
        let t0 = Instant::now();
        // The oldest waiter times out before a slot is free.
        let gave_up = tokio::time::timeout(Duration::from_millis(20), gate.acquire(t0)).await;
        assert!(gave_up.is_err());
        let next = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.acquire(t0 + Duration::from_millis(1)).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(held);
        let permit = tokio::time::timeout(Duration::from_secs(5), next).await.expect("the slot went on").unwrap();
        assert_eq!(gate.free(), 0);
        drop(permit);
        assert_eq!(gate.free(), 1, "no slot lost, none made up");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_holders_than_slots_under_churn_and_cancellation() {
        let gate = Gate::new(3);
        let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..200u64 {
            let (gate, inside, most) = (Arc::clone(&gate), Arc::clone(&inside), Arc::clone(&most));
            tasks.push(tokio::spawn(async move {
                let since = Instant::now();
                // Every fifth waiter gives up almost at once.
                let wait = Duration::from_micros(if i % 5 == 0 { 50 } else { 5_000_000 });
                if let Ok(_permit) = tokio::time::timeout(wait, gate.acquire(since)).await {
                    let now = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_micros(200)).await;
                    inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= 3);
        assert_eq!(gate.free(), 3, "every slot back");
    }
}
