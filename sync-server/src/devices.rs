//! Enrolled devices as the administrator sees them: listing and revoking. Tokens never
//! leave the database (only their hashes are there anyway).

use crate::db::Conn;
use serde::Serialize;

use crate::store::{self, StoreError};

/// One enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub id: String,
    pub role: String,
    pub committee_id: Option<String>,
    pub region: Option<String>,
    pub label: Option<String>,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
}

impl DeviceInfo {
    /// The scope in words: `committee <id>`, `region <code>` or `all`.
    pub fn scope(&self) -> String {
        match (&self.committee_id, &self.region) {
            (Some(c), _) => format!("committee {c}"),
            (None, Some(r)) => format!("region {r}"),
            (None, None) => "all".into(),
        }
    }
}

/// What a revocation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    Revoked,
    AlreadyRevoked,
    UnknownDevice,
}

/// Every device, oldest enrollment first.
pub fn list(conn: &Conn) -> Result<Vec<DeviceInfo>, StoreError> {
    let rows = conn.query_map(
        "SELECT id, role, committee_id, region, label, enrolled_at, revoked_at FROM devices ORDER BY enrolled_at, id",
        (),
        |r| {
            Ok(DeviceInfo {
                id: r.get(0)?,
                role: r.get(1)?,
                committee_id: r.get(2)?,
                region: r.get(3)?,
                label: r.get(4)?,
                enrolled_at: r.get(5)?,
                revoked_at: r.get(6)?,
            })
        },
    )?;
    Ok(rows)
}

/// Revokes a device: its token stops working on its next request.
pub fn revoke(conn: &Conn, device_id: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Revocation, StoreError> {
    let id = device_id.trim().to_ascii_lowercase();
    let changed = conn.execute(
        "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        crate::params![store::timestamp(now), id],
    )?;
    if changed == 1 {
        // Every relay key goes with the token: its bundles in transit are refused.
        crate::keys::retire_all(conn, &id, now)?;
        tracing::info!(device = %id, "device revoked");
        return Ok(Revocation::Revoked);
    }
    let exists: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)", [&id], |r| r.get(0))?;
    Ok(if exists { Revocation::AlreadyRevoked } else { Revocation::UnknownDevice })
}
