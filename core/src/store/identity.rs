//! Who this device is (the `identity` row): its id, role and scope, fixed at creation or
//! enrollment, and the server it syncs with and its token. Enrollment also forgets the
//! sync bookkeeping of the old scope.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::*;

/// Who this device is: fixed at creation or enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Identity {
    pub device_id: DeviceId,
    pub role: Role,
    /// A member's committee.
    pub committee_id: Option<CommitteeId>,
    /// A facilitator's region.
    pub region: Option<String>,
}

impl Identity {
    pub fn new(role: Role) -> Identity {
        Identity { device_id: DeviceId::new(), role, committee_id: None, region: None }
    }
}

/// Where and how this device syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLink {
    pub url: String,
    pub token: String,
}

/// Writes the identity row of a new store.
pub(super) fn insert(conn: &Connection, identity: &Identity) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO identity (singleton, device_id, role, committee_id, region) VALUES (1, ?1, ?2, ?3, ?4)",
        params![
            identity.device_id.to_string(),
            identity.role.code(),
            identity.committee_id.map(|c| c.to_string()),
            identity.region
        ],
    )?;
    Ok(())
}

/// Reads the identity row of an opened store.
pub(super) fn read(conn: &Connection) -> Result<Identity, StoreError> {
    let identity = conn
        .query_row("SELECT device_id, role, committee_id, region FROM identity WHERE singleton = 1", [], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?
        .ok_or_else(|| StoreError::Corrupt("identity missing".into()))?;
    Ok(Identity {
        device_id: identity.0.parse().map_err(|_| StoreError::Corrupt("device id".into()))?,
        role: identity.1.parse().map_err(|_| StoreError::Corrupt("role".into()))?,
        committee_id: identity.2.and_then(|c| c.parse().ok()),
        region: identity.3,
    })
}

impl Store {
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Records what enrollment returned: the device's role and scope.
    pub fn set_identity(&mut self, identity: Identity) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE identity SET device_id = ?1, role = ?2, committee_id = ?3, region = ?4 WHERE singleton = 1",
            params![
                identity.device_id.to_string(),
                identity.role.code(),
                identity.committee_id.map(|c| c.to_string()),
                identity.region
            ],
        )?;
        self.identity = identity;
        Ok(())
    }

    pub fn server_link(&self) -> Result<Option<ServerLink>, StoreError> {
        let row: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row("SELECT server, token FROM identity WHERE singleton = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match row {
            Some((Some(url), Some(token))) => Some(ServerLink { url, token }),
            _ => None,
        })
    }

    /// Whether the store holds demonstration records ([`crate::demo::fill`]).
    pub fn holds_demo_records(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row("SELECT demo FROM identity WHERE singleton = 1", [], |r| r.get(0))?)
    }

    /// Marks the store as holding demonstration records, for good: deleting them one by
    /// one does not make the store fit for a real server (start a new store instead).
    pub fn mark_demo(&mut self) -> Result<(), StoreError> {
        self.conn.execute("UPDATE identity SET demo = 1 WHERE singleton = 1", [])?;
        Ok(())
    }

    /// Records enrollment: the server, the token, and this device's role and scope.
    pub fn set_enrollment(&mut self, link: &ServerLink, identity: Identity) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE identity SET server = ?1, token = ?2, role = ?3, committee_id = ?4, region = ?5 WHERE singleton = 1",
            params![
                link.url,
                link.token,
                identity.role.code(),
                identity.committee_id.map(|c| c.to_string()),
                identity.region
            ],
        )?;
        tx.execute("DELETE FROM sync_cursors WHERE server = ?1", [&link.url])?;
        tx.execute("DELETE FROM sync_doc_numbers WHERE server = ?1", [&link.url])?;
        // Refusals were for the old scope.
        tx.execute("DELETE FROM sync_refusals", [])?;
        tx.commit()?;
        self.identity = identity;
        Ok(())
    }
}
