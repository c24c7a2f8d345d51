//! When a sync request is worth sending again by itself: the server said it is
//! overloaded (`503 server.busy`: its write queue was full, or the database stayed
//! locked) or that the request took too long (`503 server.timeout`; whatever it wrote
//! is whole, so a resend stores nothing twice). The transport waits and resends a few
//! times instead of failing the user's sync; every other refusal is final.
//!
//! The wait honours the server's `Retry-After`, doubles on each refusal, and is spread
//! by random jitter so that a thousand devices refused in the same second do not come
//! back in the same second.

use std::time::Duration;

use crate::error_code::ErrorCode;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Resends after the first refusal (so `retries + 1` requests at most).
    pub retries: u32,
    /// The first wait when the server names none.
    pub first: Duration,
    /// No single wait is longer (a server asking for more is still asked again then).
    pub max_wait: Duration,
}

impl Backoff {
    /// About half a minute of retries in all: long enough for a burst of devices to
    /// drain, short enough that a user sees a real outage as one.
    pub const DEFAULT: Backoff =
        Backoff { retries: 5, first: Duration::from_millis(500), max_wait: Duration::from_secs(15) };

    /// The wait before resend number `attempt` (0 for the first), given the server's
    /// `Retry-After` and a `jitter` drawn in `[0, 1)`: between 1× and 1.5× the base.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let base = retry_after.unwrap_or(self.first).max(self.first);
        let grown = base.saturating_mul(1u32 << attempt.min(16)).min(self.max_wait);
        grown.mul_f64(1.0 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// Whether a refusal with this status and code is one to retry by itself.
pub fn retryable(status: u16, code: ErrorCode) -> bool {
    status == 503 && matches!(code, ErrorCode::ServerBusy | ErrorCode::ServerTimeout)
}

/// `Retry-After` in seconds (the HTTP-date form is not used by our server).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_honour_retry_after_and_grow_with_jitter() {
        let b = Backoff::DEFAULT;
        assert_eq!(b.wait(0, Some(Duration::from_secs(1)), 0.0), Duration::from_secs(1));
        assert_eq!(b.wait(1, Some(Duration::from_secs(1)), 0.0), Duration::from_secs(2));
        assert_eq!(b.wait(0, Some(Duration::from_secs(1)), 0.999).as_millis(), 1499);
        assert_eq!(b.wait(0, None, 0.0), Duration::from_millis(500));
        // Never below the floor, never above the cap (plus jitter).
        assert_eq!(b.wait(0, Some(Duration::ZERO), 0.0), Duration::from_millis(500));
        assert_eq!(b.wait(10, Some(Duration::from_secs(1)), 0.0), Duration::from_secs(15));
        assert_eq!(b.wait(40, None, 1.0), Duration::from_millis(22_500));
    }

    #[test]
    fn only_overload_and_timeout_are_retried() {
        assert!(retryable(503, ErrorCode::ServerBusy));
        assert!(retryable(503, ErrorCode::ServerTimeout));
        assert!(!retryable(500, ErrorCode::ServerInternal));
        assert!(!retryable(429, ErrorCode::RequestRateLimited));
        assert!(!retryable(401, ErrorCode::AuthUnknownToken));
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
