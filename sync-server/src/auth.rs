//! Device tokens: making them, hashing them, and turning the token of a request into
//! the device's [`DeviceScope`].
//!
//! The server stores only SHA-256 hashes of tokens (and of enrollment codes): a copy of
//! the database does not let anyone sync as a device. Tokens are 32 random bytes, so a
//! plain hash is enough (no slow KDF: there is nothing to guess). Revocation is checked
//! on every request, from the database: it takes effect on the next request.
//!
//! A sync round checks the token in the same database slot as the round's work, on the
//! snapshot the round reads and answers from ([`crate::sync::round_grouped`]). Before
//! that, the server decides whether to read the request's body at all: a token it does
//! not remember passing lately ([`RecentTokens`]) is checked first, in a slot of its own,
//! so a stranger never has a body read. A remembered one skips that first check: it
//! only lets the body in, the round's own check decides. Under a thousand devices at
//! once that first check was a second wait in the queue of database slots per sync.

use crate::db::{Conn, Optional};
use ccs_core::model::{CommitteeId, DeviceId, Role};
use ccs_core::sync::scope::DeviceScope;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::StoreError;
use ccs_core::error_code::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("this request needs a device token (Authorization: Bearer ...)")]
    Missing,
    #[error("unknown device token")]
    UnknownToken,
    #[error("this device was revoked")]
    Revoked,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::Missing => ErrorCode::AuthMissing,
            AuthError::UnknownToken => ErrorCode::AuthUnknownToken,
            AuthError::Revoked => ErrorCode::AuthRevoked,
            AuthError::Store(_) => ErrorCode::ServerInternal,
        }
    }
}

/// A fresh device token: 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a secret (token or normalised enrollment code).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The token of an `Authorization` header value, if it is a bearer token.
pub fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header.ok_or(AuthError::Missing)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

/// The scope of the device holding `token`, refusing unknown and revoked devices.
pub fn device_scope(conn: &Conn, token: &str) -> Result<DeviceScope, AuthError> {
    scope_of_hash(conn, &secret_hash(token))
}

/// [`device_scope`] of the token whose [`secret_hash`] is `token_hash`.
pub fn scope_of_hash(conn: &Conn, token_hash: &str) -> Result<DeviceScope, AuthError> {
    let row = conn
        .query_row(
            "SELECT id, role, committee_id, region, revoked_at FROM devices WHERE token_hash = ?1",
            [token_hash],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<Option<String>>(2)?,
                    r.get::<Option<String>>(3)?,
                    r.get::<Option<String>>(4)?,
                ))
            },
        )
        .optional()
        .map_err(StoreError::from)?;
    let (id, role, committee, region, revoked_at) = row.ok_or(AuthError::UnknownToken)?;
    if revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    Ok(scope_from_row(&id, &role, committee.as_deref(), region)?)
}

/// A device row as a scope; a row that does not parse is damage, not a client error.
pub fn scope_from_row(
    id: &str,
    role: &str,
    committee: Option<&str>,
    region: Option<String>,
) -> Result<DeviceScope, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("device {id}: bad {what}"));
    Ok(DeviceScope {
        device_id: id.parse::<DeviceId>().map_err(|_| corrupt("id"))?,
        role: Role::from_code(role).ok_or_else(|| corrupt("role"))?,
        committee_id: committee.map(|c| c.parse::<CommitteeId>()).transpose().map_err(|_| corrupt("committee"))?,
        region,
    })
}

/// Tokens that passed the full check lately, by hash, each with the scope it had then:
/// enough to let a sync request's body in, never to answer it (see the module doc).
/// Bounded in time and in size; a token the round's check refuses is forgotten at once.
pub struct RecentTokens {
    seen: std::sync::Mutex<std::collections::HashMap<String, (DeviceScope, std::time::Instant)>>,
    ttl: std::time::Duration,
    cap: usize,
}

impl std::fmt::Debug for RecentTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the hashes: a log line is no place for them.
        let held = self.seen.lock().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("RecentTokens").field("held", &held).field("ttl", &self.ttl).finish()
    }
}

impl Default for RecentTokens {
    fn default() -> RecentTokens {
        // Long enough for a device's rounds of one sync, and for a town's burst; a
        // device's token is only held in memory as its hash.
        RecentTokens::new(std::time::Duration::from_secs(300), 50_000)
    }
}

impl RecentTokens {
    pub fn new(ttl: std::time::Duration, cap: usize) -> RecentTokens {
        RecentTokens { seen: Default::default(), ttl, cap: cap.max(1) }
    }

    /// The scope `token_hash` had when it last passed, if that is recent.
    pub fn recall(&self, token_hash: &str, now: std::time::Instant) -> Option<DeviceScope> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get(token_hash) {
            Some((scope, at)) if now.saturating_duration_since(*at) < self.ttl => Some(scope.clone()),
            Some(_) => {
                seen.remove(token_hash);
                None
            }
            None => None,
        }
    }

    /// `token_hash` passed the full check as `scope`.
    pub fn note(&self, token_hash: String, scope: DeviceScope, now: std::time::Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= self.cap && !seen.contains_key(&token_hash) {
            let ttl = self.ttl;
            seen.retain(|_, (_, at)| now.saturating_duration_since(*at) < ttl);
            if seen.len() >= self.cap {
                // Still full of live entries: start again rather than grow (the cost is
                // one full check per device).
                seen.clear();
            }
        }
        seen.insert(token_hash, (scope, now));
    }

    /// `token_hash` was refused: its next request is checked in full before its body is read.
    pub fn forget(&self, token_hash: &str) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(token_hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(n: u8) -> DeviceScope {
        DeviceScope {
            device_id: DeviceId(uuid::Uuid::from_bytes([n; 16])),
            role: Role::Member,
            committee_id: None,
            region: None,
        }
    }

    #[test]
    fn recent_tokens_expire_are_bounded_and_forgotten_when_refused() {
        let t0 = std::time::Instant::now();
        let recent = RecentTokens::new(std::time::Duration::from_secs(10), 2);
        recent.note("a".into(), scope(1), t0);
        assert_eq!(
            recent.recall("a", t0 + std::time::Duration::from_secs(9)).map(|s| s.device_id),
            Some(scope(1).device_id)
        );
        assert!(recent.recall("a", t0 + std::time::Duration::from_secs(10)).is_none(), "expired");
        assert!(recent.recall("a", t0).is_none(), "an expired entry is dropped");
        recent.note("a".into(), scope(1), t0);
        recent.note("b".into(), scope(2), t0);
        recent.note("c".into(), scope(3), t0);
        let held = ["a", "b", "c"].iter().filter(|h| recent.recall(h, t0).is_some()).count();
        assert!(held <= 2, "never more than the cap: {held}");
        assert!(recent.recall("c", t0).is_some(), "the newest is kept");
        recent.forget("c");
        assert!(recent.recall("c", t0).is_none());
        assert!(recent.recall("zz", t0).is_none());
    }

    #[test]
    fn bearer_header_is_parsed_strictly() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer(Some("bearer  abc ")).unwrap(), "abc");
        assert!(matches!(bearer(None), Err(AuthError::Missing)));
        assert!(matches!(bearer(Some("Basic abc")), Err(AuthError::Missing)));
        assert!(matches!(bearer(Some("Bearer ")), Err(AuthError::Missing)));
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(secret_hash("x"), secret_hash("x"));
        assert_ne!(secret_hash(&a), a);
    }
}
