//! Device tokens: making them, hashing them, and turning the token of a request into
//! the device's [`DeviceScope`].
//!
//! The server stores only SHA-256 hashes of tokens (and of enrollment codes): a copy of
//! the database does not let anyone sync as a device. Tokens are 32 random bytes, so a
//! plain hash is enough (no slow KDF: there is nothing to guess). Revocation is checked
//! on every request, from the database, with no cache: it takes effect on the next
//! request.

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
    let row = conn
        .query_row(
            "SELECT id, role, committee_id, region, revoked_at FROM devices WHERE token_hash = ?1",
            [secret_hash(token)],
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

#[cfg(test)]
mod tests {
    use super::*;

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
