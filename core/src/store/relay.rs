//! What the store keeps for the relay (RELAY.md), the member's side:
//! - `relay_keys`: this device's signing and encryption secrets, one row per key epoch,
//!   inside the encrypted file only. Made with the store (a store of an older version
//!   gets them at its first open after migration 11), loaded with it and dropped
//!   (zeroised) with it, so locking clears them and a wipe destroys them;
//! - `relay_server`: the server's pinned public keys and log epoch, and an offline
//!   enrollment's code while its grant has not come back;
//! - `relay_exports`, `relay_export_docs`: the up-bundles exported and, per bundle, the
//!   heads each record was sent at (and the acknowledged heads it was sent from), so a
//!   receipt acknowledges exactly what that bundle carried;
//! - `relay_imports`: the return bundles applied, reported to the server in the next
//!   export's `applied`.
//!
//! What a bundle holds and in which order a return bundle is applied is the relay's
//! (`relay::member`); the writes of a return bundle share the page's transaction through
//! [`PageWrite`].

use std::collections::HashMap;

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::{PageWrite, Store, StoreError};
use crate::doc;
use crate::model::*;
use crate::relay::keys::{DeviceKeys, PublicKeys};

/// How long a server that refused this device's key registration (a server without the
/// relay) is left alone before the next direct sync tries again.
pub const KEY_REGISTRATION_RETRY: chrono::Duration = chrono::Duration::hours(24);

/// How many exports are remembered: a receipt for an older one is ignored (what it
/// carried went again in every later export, which supersede it).
pub const EXPORTS_KEPT: i64 = 20;

/// The server as this device knows it for the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedServer {
    /// The address cursors are kept under (the server link's, or the slip's).
    pub server: String,
    pub keys: PublicKeys,
    /// The server log's epoch, when known (a slip's, a key registration's).
    pub epoch: Option<[u8; 16]>,
    /// An offline enrollment whose grant has not arrived.
    pub pending: Option<PendingEnrollment>,
}

/// The code of an offline enrollment, sent in every up-bundle until the grant arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEnrollment {
    pub code: String,
    pub label: Option<String>,
}

/// One up-bundle of an export, as the store remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedPart {
    pub bundle: [u8; 16],
    pub part: u16,
    pub parts: u16,
    /// Records it carried: (id, heads sent, acknowledged heads they were sent from).
    pub docs: Vec<(RecordId, Vec<ChangeHash>, Vec<ChangeHash>)>,
}

/// What the store knows of an exported bundle when its receipt comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedBundle {
    /// Its receipt was already applied (an older return bundle again).
    pub receipted: bool,
    /// Record → (heads sent, acknowledged heads they were sent from).
    pub docs: HashMap<RecordId, (Vec<ChangeHash>, Vec<ChangeHash>)>,
}

/// The relay's bookkeeping, for the member's screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayLedger {
    /// The last export: when, how many parts and records.
    pub last_export: Option<(DateTime<Utc>, u16, u32)>,
    /// Parts of the last export the server has not acknowledged yet.
    pub unacknowledged: u32,
    pub last_import_at: Option<DateTime<Utc>>,
    /// Up-bundles the server refused whole: (bundle, code, when exported).
    pub refused_bundles: Vec<([u8; 16], String, DateTime<Utc>)>,
}

fn time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("relay time {s}")))
}

fn bundle_id(s: &str) -> Result<[u8; 16], StoreError> {
    hex::decode(s)
        .ok()
        .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| StoreError::Corrupt("relay bundle id".into()))
}

/// Writes a new key epoch's secrets.
pub(super) fn insert_keys(conn: &Connection, keys: &DeviceKeys) -> Result<(), StoreError> {
    let secret = keys.secret_bytes();
    conn.execute(
        "INSERT INTO relay_keys (epoch, secret) VALUES (?1, ?2)",
        params![i64::from(keys.epoch()), secret.as_slice()],
    )?;
    Ok(())
}

/// Every key epoch of this device, newest first; a store that has none (made before
/// the relay) gets its first keys now.
pub(super) fn load_or_make_keys(conn: &Connection) -> Result<Vec<DeviceKeys>, StoreError> {
    let mut stmt = conn.prepare("SELECT secret FROM relay_keys ORDER BY epoch DESC")?;
    let secrets = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))?
        .map(|s| s.map(Zeroizing::new))
        .collect::<Result<Vec<_>, _>>()?;
    let mut keys = Vec::with_capacity(secrets.len());
    for secret in secrets {
        keys.push(DeviceKeys::from_secret_bytes(&secret).map_err(|_| StoreError::Corrupt("relay keys".into()))?);
    }
    if keys.is_empty() {
        let fresh = DeviceKeys::generate(1);
        insert_keys(conn, &fresh)?;
        keys.push(fresh);
    }
    Ok(keys)
}

/// When the relay took `id` at `heads`, while the server has not answered for it.
pub(super) fn relayed_at(conn: &Connection, id: RecordId, heads: &[u8]) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<String> = conn
        .query_row(
            "SELECT e.at FROM relay_export_docs d JOIN relay_exports e ON e.bundle = d.bundle
             WHERE d.doc_id = ?1 AND d.heads = ?2 AND e.receipt_at IS NULL
             ORDER BY e.export_seq DESC LIMIT 1",
            params![id.to_string(), heads],
            |r| r.get(0),
        )
        .optional()?;
    at.map(|a| time(&a)).transpose()
}

impl Store {
    /// This device's current keys (the newest epoch).
    pub fn relay_keys(&self) -> &DeviceKeys {
        // `keys` is never empty: `create` and `open` make the first epoch.
        &self.keys[0]
    }

    /// Every key epoch, newest first: a return bundle made before a key replacement may
    /// still be in transit.
    pub fn relay_key_ring(&self) -> Vec<&DeviceKeys> {
        self.keys.iter().collect()
    }

    /// The server's pinned keys, if this device has them.
    pub fn pinned_server(&self) -> Result<Option<PinnedServer>, StoreError> {
        type Row = (String, String, Option<String>, Option<String>, Option<String>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT server, keys, epoch, pending_code, pending_label FROM relay_server WHERE singleton = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((server, keys, epoch, code, label)) = row else { return Ok(None) };
        let keys: PublicKeys =
            serde_json::from_str(&keys).map_err(|_| StoreError::Corrupt("pinned server keys".into()))?;
        let epoch = epoch.map(|e| bundle_id(&e)).transpose()?;
        Ok(Some(PinnedServer { server, keys, epoch, pending: code.map(|code| PendingEnrollment { code, label }) }))
    }

    /// Pins the server's keys (an enrollment's or a key registration's answer), keeping
    /// a pending offline enrollment.
    pub fn pin_server_keys(
        &mut self,
        server: &str,
        keys: &PublicKeys,
        epoch: Option<[u8; 16]>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(keys).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO relay_server (singleton, server, keys, epoch) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (singleton) DO UPDATE SET server = ?1, keys = ?2, epoch = coalesce(?3, epoch)",
            params![server, json, epoch.map(hex::encode)],
        )?;
        Ok(())
    }

    /// Records an offline enrollment from a slip: the server's address (with no token:
    /// the device cannot sync directly until the grant brings one), its keys and epoch,
    /// and the code to send in every up-bundle until the grant arrives.
    pub fn begin_offline_enrollment(
        &mut self,
        server: &str,
        keys: &PublicKeys,
        epoch: [u8; 16],
        pending: &PendingEnrollment,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(keys).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE identity SET server = ?1, token = NULL WHERE singleton = 1", [server])?;
        tx.execute(
            "INSERT OR REPLACE INTO relay_server (singleton, server, keys, epoch, pending_code, pending_label)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![server, json, hex::encode(epoch), pending.code, pending.label],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Return bundles applied since the last export: the next export's `applied`.
    pub fn unreported_imports(&self) -> Result<Vec<[u8; 16]>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT bundle FROM relay_imports WHERE reported = 0 ORDER BY at, bundle")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|b| bundle_id(b)).collect()
    }

    /// Remembers an export in one transaction: its parts with what each carried; the
    /// imports it reports; exports older than [`EXPORTS_KEPT`] forgotten.
    pub fn record_export(
        &mut self,
        parts: &[ExportedPart],
        reported: &[[u8; 16]],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let seq: i64 = tx.query_row("SELECT coalesce(max(export_seq), 0) + 1 FROM relay_exports", [], |r| r.get(0))?;
        for p in parts {
            let bundle = hex::encode(p.bundle);
            tx.execute(
                "INSERT INTO relay_exports (bundle, export_seq, part, parts, records, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![bundle, seq, p.part, p.parts, p.docs.len() as i64, now.to_rfc3339()],
            )?;
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO relay_export_docs (bundle, doc_id, heads, base) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (id, heads, base) in &p.docs {
                insert.execute(params![bundle, id.to_string(), doc::encode_heads(heads), doc::encode_heads(base)])?;
            }
        }
        for b in reported {
            tx.execute("UPDATE relay_imports SET reported = 1 WHERE bundle = ?1", [hex::encode(b)])?;
        }
        tx.execute(
            "DELETE FROM relay_export_docs WHERE bundle IN (SELECT bundle FROM relay_exports WHERE export_seq <= ?1)",
            [seq - EXPORTS_KEPT],
        )?;
        tx.execute("DELETE FROM relay_exports WHERE export_seq <= ?1", [seq - EXPORTS_KEPT])?;
        tx.commit()?;
        Ok(())
    }

    /// What an exported bundle carried, if this device remembers it.
    pub fn carried_by(&self, bundle: &[u8; 16]) -> Result<Option<CarriedBundle>, StoreError> {
        let hex_id = hex::encode(bundle);
        let receipted: Option<bool> = self
            .conn
            .query_row("SELECT receipt_at IS NOT NULL FROM relay_exports WHERE bundle = ?1", [&hex_id], |r| r.get(0))
            .optional()?;
        let Some(receipted) = receipted else { return Ok(None) };
        let mut stmt = self.conn.prepare("SELECT doc_id, heads, base FROM relay_export_docs WHERE bundle = ?1")?;
        let rows = stmt
            .query_map([&hex_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut docs = HashMap::new();
        for (id, heads, base) in rows {
            let id: RecordId = id.parse().map_err(|_| StoreError::Corrupt("relay document id".into()))?;
            docs.insert(id, (doc::decode_heads(&heads)?, doc::decode_heads(&base)?));
        }
        Ok(Some(CarriedBundle { receipted, docs }))
    }

    /// Whether the return bundle `bundle` was applied already.
    pub fn relay_import_applied(&self, bundle: &[u8; 16]) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM relay_imports WHERE bundle = ?1", [hex::encode(bundle)], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether acknowledging `id` at `heads` moves its acknowledgement forward: the
    /// heads acknowledged now are in the history up to `heads` (and differ from them).
    /// A receipt older than a later acknowledgement (direct sync, newer export) does
    /// not move it back.
    pub fn acknowledgement_moves_forward(&self, id: RecordId, heads: &[ChangeHash]) -> Result<bool, StoreError> {
        let (_, acked) = match self.heads(id) {
            Ok(h) => h,
            Err(StoreError::RecordNotFound(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        if doc::encode_heads(&acked) == doc::encode_heads(heads) {
            return Ok(false);
        }
        if acked.is_empty() {
            return Ok(true);
        }
        Ok(self.load_doc(id)?.history_holds(heads, &acked))
    }

    /// Whether `server` refused this device's key registration less than
    /// [`KEY_REGISTRATION_RETRY`] ago: a direct sync does not ask again meanwhile.
    pub fn key_registration_refused(&self, server: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let at: Option<String> = self
            .conn
            .query_row("SELECT at FROM relay_key_refusals WHERE server = ?1", [server], |r| r.get(0))
            .optional()?;
        Ok(match at {
            Some(at) => now - time(&at)? < KEY_REGISTRATION_RETRY,
            None => false,
        })
    }

    /// `server` refused this device's key registration now.
    pub fn note_key_registration_refused(&mut self, server: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO relay_key_refusals (server, at) VALUES (?1, ?2)",
            params![server, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Reads the identity row again (after a grant written through a [`PageWrite`]).
    pub fn reload_identity(&mut self) -> Result<(), StoreError> {
        self.identity = super::identity::read(&self.conn)?;
        Ok(())
    }

    /// The relay's bookkeeping for the member's screen.
    pub fn relay_ledger(&self) -> Result<RelayLedger, StoreError> {
        let mut out = RelayLedger::default();
        let last: Option<(i64, String, i64, i64, i64)> = self
            .conn
            .query_row(
                "SELECT export_seq, max(at), max(parts), sum(records), sum(receipt_at IS NULL)
                 FROM relay_exports WHERE export_seq = (SELECT max(export_seq) FROM relay_exports)
                 GROUP BY export_seq",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        if let Some((_, at, parts, records, open)) = last {
            out.last_export = Some((time(&at)?, parts.clamp(0, i64::from(u16::MAX)) as u16, records.max(0) as u32));
            out.unacknowledged = open.max(0) as u32;
        }
        let imported: Option<String> = self.conn.query_row("SELECT max(at) FROM relay_imports", [], |r| r.get(0))?;
        out.last_import_at = imported.map(|a| time(&a)).transpose()?;
        let mut stmt = self.conn.prepare(
            "SELECT bundle, refused, at FROM relay_exports WHERE refused IS NOT NULL ORDER BY export_seq DESC",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        for (b, code, at) in rows {
            out.refused_bundles.push((bundle_id(&b)?, code, time(&at)?));
        }
        Ok(out)
    }
}

/// An offline enrollment's grant, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token: String,
    pub role: Role,
    pub committee_id: Option<CommitteeId>,
    pub region: Option<String>,
}

impl PageWrite<'_> {
    /// The server's receipt of up-bundle `bundle` arrived (`refused`: its code when the
    /// whole bundle was refused).
    pub fn note_receipt(&self, bundle: &[u8; 16], refused: Option<&str>, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.tx().execute(
            "UPDATE relay_exports SET receipt_at = ?2, refused = ?3 WHERE bundle = ?1 AND receipt_at IS NULL",
            params![hex::encode(bundle), now.to_rfc3339(), refused],
        )?;
        Ok(())
    }

    /// Return bundle `bundle` was applied: the next export reports it.
    pub fn note_import(&self, bundle: &[u8; 16], now: DateTime<Utc>) -> Result<(), StoreError> {
        self.tx().execute(
            "INSERT OR IGNORE INTO relay_imports (bundle, at) VALUES (?1, ?2)",
            params![hex::encode(bundle), now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// An offline enrollment's grant: the token (the device may now also sync directly),
    /// the role and scope the server gave; the pending code is done with. Call
    /// [`Store::reload_identity`] after the commit.
    pub fn store_grant(&self, grant: &Grant) -> Result<(), StoreError> {
        self.tx().execute(
            "UPDATE identity SET token = ?1, role = ?2, committee_id = ?3, region = ?4 WHERE singleton = 1",
            params![grant.token, grant.role.code(), grant.committee_id.map(|c| c.to_string()), grant.region],
        )?;
        self.tx()
            .execute("UPDATE relay_server SET pending_code = NULL, pending_label = NULL WHERE singleton = 1", [])?;
        Ok(())
    }
}
