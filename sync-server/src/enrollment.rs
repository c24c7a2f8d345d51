//! Enrollment: an admin makes a single-use, expiring code for a role and a scope; a
//! device exchanges it once for a device token.
//!
//! Codes are 12 characters from an alphabet without look-alikes (no 0/O, 1/I), shown as
//! `ABCD-EFGH-JKLM`: 60 bits, typed by hand from a printout or scanned as a QR code.
//! They are compared case-insensitively, ignoring dashes and spaces, and stored only as
//! a hash of that normal form. The device chooses its own id (its Automerge actor), so a
//! taken id is refused rather than replaced.

use crate::db::{Conn, Mode, Optional};
use ccs_core::model::{CommitteeId, DeviceId, Role};
use ccs_core::reference::ReferenceData;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::auth::{new_token, secret_hash};
use crate::keys::{self, KeysError};
use crate::store::{self, StoreError};
use ccs_core::error_code::ErrorCode;
use ccs_core::relay::PublicKeys;

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 12;

/// What a code grants: a role and, for members and facilitators, its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub committee_id: Option<CommitteeId>,
    pub region: Option<String>,
    pub label: Option<String>,
}

/// A code as given to the admin, once; only its hash is kept.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Unknown fields are ignored, so newer apps may send more.
#[derive(Debug, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_id: String,
    #[serde(default)]
    pub label: Option<String>,
    /// The device holds demonstration records (`ccs demo`, the app's demonstration):
    /// only an administrator's trial import may enroll such a store, so fake records
    /// never reach a real committee's phones or the CRSS's indicators.
    #[serde(default)]
    pub demo: bool,
    /// The device's relay keys, registered with it (absent from apps before the relay).
    #[serde(default)]
    pub keys: Option<PublicKeys>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    pub token: String,
    pub role: String,
    pub committee_id: Option<String>,
    pub region: Option<String>,
    /// The server log's epoch, 32 hex characters.
    pub epoch: String,
    /// The server's relay keys, which the device pins (absent from servers before the
    /// relay).
    #[serde(default)]
    pub server_keys: Option<PublicKeys>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("unknown enrollment code")]
    InvalidCode,
    #[error("this enrollment code has expired; ask the administrator for a new one")]
    Expired,
    #[error("this enrollment code was already used")]
    Used,
    #[error("a device with this id is already enrolled")]
    DeviceExists,
    #[error("device_id is not a UUID")]
    BadDeviceId,
    #[error("a member needs a committee and a facilitator a region")]
    ScopeRequired,
    #[error("{0:?} is not a region code of the reference data (e.g. tombouctou, gao, bamako)")]
    UnknownRegion(String),
    #[error("this device holds demonstration records: start a new store to enroll it")]
    DemoStore,
    #[error(transparent)]
    Keys(KeysError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<KeysError> for EnrollError {
    fn from(e: KeysError) -> Self {
        match e {
            KeysError::Store(s) => EnrollError::Store(s),
            other => EnrollError::Keys(other),
        }
    }
}

impl EnrollError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EnrollError::InvalidCode => ErrorCode::EnrollInvalidCode,
            EnrollError::Expired => ErrorCode::EnrollExpired,
            EnrollError::Used => ErrorCode::EnrollUsed,
            EnrollError::DeviceExists => ErrorCode::EnrollDeviceExists,
            EnrollError::BadDeviceId => ErrorCode::RequestMalformed,
            EnrollError::ScopeRequired => ErrorCode::EnrollScopeRequired,
            EnrollError::UnknownRegion(_) => ErrorCode::EnrollUnknownRegion,
            EnrollError::DemoStore => ErrorCode::EnrollDemoStore,
            EnrollError::Keys(e) => e.code(),
            EnrollError::Store(_) => ErrorCode::ServerInternal,
        }
    }
}

/// The form codes are compared and hashed in: upper case, no dashes or spaces.
pub fn normalize(code: &str) -> String {
    code.chars().filter(|c| *c != '-' && !c.is_whitespace()).flat_map(char::to_uppercase).collect()
}

fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let raw: Vec<u8> = (0..CODE_LEN).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())]).collect();
    raw.chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// Makes a code for `grant`, valid until `now + valid_for`.
pub fn issue(
    conn: &Conn,
    grant: &Grant,
    now: DateTime<Utc>,
    valid_for: chrono::Duration,
) -> Result<IssuedCode, EnrollError> {
    match grant.role {
        Role::Member if grant.committee_id.is_none() => return Err(EnrollError::ScopeRequired),
        Role::Facilitator if grant.region.as_deref().is_none_or(|r| r.trim().is_empty()) => {
            return Err(EnrollError::ScopeRequired)
        }
        _ => {}
    }
    // Only the scope of the role is kept: a reviewer code with a stray --committee must
    // not narrow or widen anything later.
    let committee = (grant.role == Role::Member).then_some(grant.committee_id).flatten();
    let region = (grant.role == Role::Facilitator).then(|| grant.region.clone()).flatten();
    // A misspelt region would give a facilitator that never receives anything.
    if let Some(r) = &region {
        if ReferenceData::builtin().region(r).is_none() {
            return Err(EnrollError::UnknownRegion(r.clone()));
        }
    }
    let code = new_code();
    let expires_at = now + valid_for;
    conn.execute(
        "INSERT INTO enrollment_codes (code_hash, role, committee_id, region, label, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        crate::params![
            secret_hash(&normalize(&code)),
            grant.role.code(),
            committee.map(|c| c.to_string()),
            region,
            grant.label.as_deref().and_then(clean_label),
            store::timestamp(now),
            store::timestamp(expires_at),
        ],
    )
    .map_err(StoreError::from)?;
    Ok(IssuedCode { code, expires_at })
}

/// Exchanges a code for a device token, once, and registers the device's relay keys
/// with it. The caller adds the server's keys to the answer (`server_keys`).
pub fn redeem(conn: &mut Conn, request: &EnrollRequest, now: DateTime<Utc>) -> Result<EnrollResponse, EnrollError> {
    let device: DeviceId = request.device_id.parse().map_err(|_| EnrollError::BadDeviceId)?;
    // Checked before the code is used up: a bad key must not cost the member its code.
    if let Some(k) = &request.keys {
        k.check().map_err(|e| KeysError::BadKey(e.to_string()))?;
    }
    // IMMEDIATE: two devices racing with the same code cannot both win.
    let tx = conn.transaction(Mode::Write).map_err(StoreError::from)?;
    let redeemed = redeem_in(&tx, &request.code, device, request.label.as_deref(), request.demo, now)?;
    if let Some(k) = &request.keys {
        keys::register(&tx, &redeemed.device_id, k, now)?;
    }
    tx.commit().map_err(StoreError::from)?;
    Ok(redeemed)
}

/// The single-use rules of a code, shared by the direct enrollment and the offline one
/// (a slip's code arriving in a bundle, [`crate::relay`]): unknown, used, expired and
/// demonstration stores are refused, a taken device id too; otherwise the device is
/// made and the code marked used by it. Runs inside the caller's (IMMEDIATE) transaction.
pub fn redeem_in(
    tx: &Conn,
    code: &str,
    device: DeviceId,
    label: Option<&str>,
    demo: bool,
    now: DateTime<Utc>,
) -> Result<EnrollResponse, EnrollError> {
    let code_hash = secret_hash(&normalize(code));
    type CodeRow = (String, Option<String>, Option<String>, Option<String>, String, Option<String>);
    let row: Option<CodeRow> = tx
        .query_row(
            // On PostgreSQL the row is locked: two instances redeeming one code at once
            // must not both see it unused (SQLite's write transaction excludes that).
            tx.pick(
                "SELECT role, committee_id, region, label, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?1",
                "SELECT role, committee_id, region, label, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?1
                 FOR UPDATE",
            ),
            [&code_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()
        .map_err(StoreError::from)?;
    let (role, committee, region, code_label, expires_at, used_at) = row.ok_or(EnrollError::InvalidCode)?;
    if used_at.is_some() {
        return Err(EnrollError::Used);
    }
    if store::parse_timestamp(&expires_at)? <= now {
        return Err(EnrollError::Expired);
    }
    // Refused before the code is used up: the member starts a new store and enrolls
    // with the same code.
    if demo && role != Role::Admin.code() {
        return Err(EnrollError::DemoStore);
    }
    let taken: bool = tx
        .query_row("SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)", [device.to_string()], |r| r.get(0))
        .map_err(StoreError::from)?;
    if taken {
        return Err(EnrollError::DeviceExists);
    }
    let token = new_token();
    let label = label.and_then(clean_label).or(code_label.as_deref().and_then(clean_label));
    tx.execute(
        "INSERT INTO devices (id, role, committee_id, region, token_hash, label, enrolled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        crate::params![device.to_string(), role, committee, region, secret_hash(&token), label, store::timestamp(now)],
    )
    .map_err(StoreError::from)?;
    tx.execute(
        "UPDATE enrollment_codes SET used_at = ?1, used_by = ?2 WHERE code_hash = ?3",
        crate::params![store::timestamp(now), device.to_string(), code_hash],
    )
    .map_err(StoreError::from)?;
    let epoch = store::epoch(tx)?;
    tracing::info!(device = %device, role = %role, "device enrolled");
    Ok(EnrollResponse {
        device_id: device.to_string(),
        token,
        role,
        committee_id: committee,
        region,
        epoch: hex::encode(epoch),
        server_keys: None,
    })
}

/// Whether `code` was redeemed by `device` already: an offline enrollment's later
/// bundles (parts, or a second export before the answer came back) carry the same code.
pub fn redeemed_by(conn: &Conn, code: &str, device: DeviceId) -> Result<bool, StoreError> {
    let used_by: Option<Option<String>> = conn
        .query_row("SELECT used_by FROM enrollment_codes WHERE code_hash = ?1", [secret_hash(&normalize(code))], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(used_by.flatten().as_deref() == Some(device.to_string().as_str()))
}

/// Longest device label kept, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

/// A device label as stored and printed: control characters (terminal escapes, line
/// breaks a device could use to forge lines of `devices list`) removed, spaces
/// trimmed, at most [`MAX_LABEL_CHARS`] characters; `None` when nothing is left.
pub fn clean_label(label: &str) -> Option<String> {
    let cleaned: String = label.chars().filter(|c| !c.is_control()).collect();
    let cleaned: String = cleaned.trim().chars().take(MAX_LABEL_CHARS).collect();
    let cleaned = cleaned.trim_end().to_string();
    (!cleaned.is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lose_control_characters_and_are_bounded() {
        assert_eq!(clean_label("  Téléphone d'Awa  ").as_deref(), Some("Téléphone d'Awa"));
        assert_eq!(clean_label("\u{1b}[2J\u{1b}[31mAwa\nrevoked: no").as_deref(), Some("[2J[31mAwarevoked: no"));
        assert_eq!(clean_label("\u{7}\t \r"), None);
        assert_eq!(clean_label(&"é".repeat(500)).map(|l| l.chars().count()), Some(MAX_LABEL_CHARS));
    }

    #[test]
    fn codes_look_like_the_printout_and_normalise() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(normalize(&code).bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(normalize(" abcd-efgh jklm\n"), "ABCDEFGHJKLM");
        assert_eq!(normalize("ABCD-EFGH-JKLM"), normalize("abcdefghjklm"));
    }
}
