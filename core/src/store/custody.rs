//! A courier's custody: the bundles this device carries for others (RELAY.md, "Courier"),
//! and the roster of keys it checks them against.
//!
//! - `relay_custody`: one row per bundle ever taken (id, direction, device, size, payload
//!   hash, part, state, dates, the refusal code, a note the courier may write). The row
//!   stays after the bundle is handed on, so the « Courrier » screen can say what became
//!   of it; the bytes do not.
//! - The bytes are files in the `courrier/` folder beside the database, named by
//!   [`crate::relay::bundle::file_name`]: a name that says nothing of the content. They are
//!   ciphertext the courier cannot open (it holds no key for them), so they need not be
//!   in the encrypted database, and a large backlog does not swell it.
//! - `relay_roster`: the last roster the server sent ([`Roster`]), kept as its frame.
//!
//! A file is written before its row (a crash leaves an orphan file, never a row without
//! bytes) and deleted after the row has left the carried state (a crash leaves a file no
//! row points to, removed by [`Store::custody_sweep`]).
//!
//! What is not here: checking a bundle (the app's courier module does it with
//! [`crate::relay::verify_up`] before asking the store to keep it), the network.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{files, Store, StoreError};
use crate::relay::api::Roster;
use crate::relay::bundle::{self, Direction};

/// The custody folder's name inside the data folder.
pub const CUSTODY_DIR: &str = "courrier";

/// What became of a bundle in custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CustodyState {
    /// In hand: an up-bundle waiting for the server, a return bundle waiting for its member.
    Carried,
    /// An up-bundle the server accepted (its receipt came back): file deleted.
    Forwarded,
    /// An up-bundle the server refused: file deleted, the server keeps it in quarantine.
    Refused,
    /// A return bundle its member applied: file deleted.
    Delivered,
    /// A return bundle replaced by a newer one for the same device: file deleted.
    Superseded,
}

impl CustodyState {
    fn code(self) -> &'static str {
        match self {
            CustodyState::Carried => "carried",
            CustodyState::Forwarded => "forwarded",
            CustodyState::Refused => "refused",
            CustodyState::Delivered => "delivered",
            CustodyState::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> Result<CustodyState, StoreError> {
        Ok(match s {
            "carried" => CustodyState::Carried,
            "forwarded" => CustodyState::Forwarded,
            "refused" => CustodyState::Refused,
            "delivered" => CustodyState::Delivered,
            "superseded" => CustodyState::Superseded,
            other => return Err(StoreError::Corrupt(format!("custody state {other}"))),
        })
    }
}

/// A bundle to take into custody, as read from its (checked) header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustody {
    pub id: [u8; 16],
    pub direction: Direction,
    /// The sender (up) or the recipient (down).
    pub device: [u8; 16],
    pub payload_sha256: String,
    pub part: u16,
    pub parts: u16,
    /// Return bundles: the outbox answer they came in (a later one replaces it).
    pub batch: i64,
}

/// One row of custody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyEntry {
    pub id: [u8; 16],
    pub direction: Direction,
    pub device: [u8; 16],
    pub size: u64,
    pub payload_sha256: String,
    pub part: u16,
    pub parts: u16,
    pub batch: i64,
    pub state: CustodyState,
    /// The server's refusal code (state `Refused`).
    pub code: Option<String>,
    pub note: Option<String>,
    pub taken_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The file's name in the custody folder while carried.
    pub file: Option<String>,
}

/// The roster as kept, with when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRoster {
    pub roster: Roster,
    pub fetched_at: DateTime<Utc>,
}

fn direction_code(d: Direction) -> &'static str {
    match d {
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

fn time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("custody date {s}")))
}

fn id16(s: &str) -> Result<[u8; 16], StoreError> {
    let mut out = [0u8; 16];
    hex::decode_to_slice(s, &mut out).map_err(|_| StoreError::Corrupt(format!("custody id {s}")))?;
    Ok(out)
}

const COLUMNS: &str =
    "id, direction, device, size, sha256, part, parts, batch, state, code, note, taken_at, updated_at, file";

type RawRow = (
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
    ))
}

fn entry(raw: RawRow) -> Result<CustodyEntry, StoreError> {
    let (id, direction, device, size, sha256, part, parts, batch, state, code, note, taken_at, updated_at, file) = raw;
    Ok(CustodyEntry {
        id: id16(&id)?,
        direction: match direction.as_str() {
            "up" => Direction::Up,
            "down" => Direction::Down,
            other => return Err(StoreError::Corrupt(format!("custody direction {other}"))),
        },
        device: id16(&device)?,
        size: u64::try_from(size).unwrap_or(0),
        payload_sha256: sha256,
        part: u16::try_from(part).unwrap_or(0),
        parts: u16::try_from(parts).unwrap_or(0),
        batch,
        state: CustodyState::parse(&state)?,
        code,
        note,
        taken_at: time(&taken_at)?,
        updated_at: time(&updated_at)?,
        file,
    })
}

impl Store {
    /// The custody folder (beside the database).
    pub fn custody_dir(&self) -> PathBuf {
        self.path.parent().map(|p| p.join(CUSTODY_DIR)).unwrap_or_else(|| PathBuf::from(CUSTODY_DIR))
    }

    /// Takes a bundle into custody: its bytes as a file, then its row, carried. Returns
    /// `false` (and writes nothing) when this bundle id was ever taken before, whatever
    /// became of it: a member handing the same file twice adds nothing.
    pub fn custody_take(&mut self, new: &NewCustody, bytes: &[u8], now: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = hex::encode(new.id);
        if self.custody_entry(new.id)?.is_some() {
            return Ok(false);
        }
        // The short name unless another bundle holds it (ids are chosen by senders: one
        // could pick an id sharing our short name, and must not overwrite it).
        let short = bundle::file_name(&new.id);
        let taken: bool =
            self.conn
                .query_row("SELECT EXISTS (SELECT 1 FROM relay_custody WHERE file = ?1)", [&short], |r| r.get(0))?;
        let name = if taken { format!("paquet-{id}.ccsb") } else { short };
        let dir = self.custody_dir();
        files::private_dir(&dir).map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
        let path = dir.join(&name);
        let tmp = dir.join(format!("{name}.tmp"));
        let written = (|| -> std::io::Result<()> {
            let mut f = files::create_private(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(StoreError::Io(format!("{}: {e}", path.display())));
        }
        let at = now.to_rfc3339();
        let inserted = self.conn.execute(
            "INSERT INTO relay_custody (id, direction, device, size, sha256, part, parts, batch, state, taken_at, updated_at, file)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'carried', ?9, ?9, ?10)",
            params![
                id,
                direction_code(new.direction),
                hex::encode(new.device),
                bytes.len() as i64,
                new.payload_sha256,
                i64::from(new.part),
                i64::from(new.parts),
                new.batch,
                at,
                name
            ],
        );
        if let Err(e) = inserted {
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        Ok(true)
    }

    pub fn custody_entry(&self, id: [u8; 16]) -> Result<Option<CustodyEntry>, StoreError> {
        let row = self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM relay_custody WHERE id = ?1"), [hex::encode(id)], raw)
            .optional()?;
        row.map(entry).transpose()
    }

    /// Every row, newest first.
    pub fn custody(&self) -> Result<Vec<CustodyEntry>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM relay_custody ORDER BY taken_at DESC, batch DESC, device, part, id"
        ))?;
        let rows = stmt.query_map([], raw)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(entry).collect()
    }

    /// Bundles in hand one way, oldest first (by batch and part for return bundles, so a
    /// member applies parts in order); `device` narrows to one device.
    pub fn custody_carried(
        &self,
        direction: Direction,
        device: Option<[u8; 16]>,
    ) -> Result<Vec<CustodyEntry>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM relay_custody
             WHERE state = 'carried' AND direction = ?1 AND (?2 IS NULL OR device = ?2)
             ORDER BY batch, taken_at, part, id"
        ))?;
        let rows = stmt
            .query_map(params![direction_code(direction), device.map(hex::encode)], raw)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(entry).collect()
    }

    /// The bytes of a carried bundle.
    pub fn custody_bytes(&self, id: [u8; 16]) -> Result<Vec<u8>, StoreError> {
        let entry = self.custody_entry(id)?.ok_or_else(|| StoreError::NotFound(hex::encode(id)))?;
        let file = entry.file.ok_or_else(|| StoreError::NotFound(hex::encode(id)))?;
        let path = self.custody_dir().join(file);
        std::fs::read(&path).map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))
    }

    /// Ends a carried bundle's custody (`state` other than carried): the row says what
    /// became of it, the file is deleted. A bundle no longer carried is left as it is
    /// (a receipt that comes twice changes nothing). Returns whether it changed.
    pub fn custody_settle(
        &mut self,
        id: [u8; 16],
        state: CustodyState,
        code: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        debug_assert!(state != CustodyState::Carried);
        let Some(entry) = self.custody_entry(id)? else { return Ok(false) };
        if entry.state != CustodyState::Carried {
            return Ok(false);
        }
        self.conn.execute(
            "UPDATE relay_custody SET state = ?2, code = ?3, updated_at = ?4, file = NULL WHERE id = ?1",
            params![hex::encode(id), state.code(), code, now.to_rfc3339()],
        )?;
        if let Some(file) = entry.file {
            remove(&self.custody_dir().join(file))?;
        }
        Ok(true)
    }

    /// The courier's own words on a bundle (« remis par Aminata au marché »).
    pub fn custody_note(&mut self, id: [u8; 16], note: Option<&str>) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE relay_custody SET note = ?2 WHERE id = ?1",
            params![hex::encode(id), note.map(str::trim).filter(|n| !n.is_empty())],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(hex::encode(id)));
        }
        Ok(())
    }

    /// The next outbox batch number (one more than any kept).
    pub fn custody_next_batch(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(batch), 0) + 1 FROM relay_custody", [], |r| r.get(0))?)
    }

    /// Deletes files of the custody folder that no carried row names: left by a crash
    /// between a file and its row. Returns how many.
    pub fn custody_sweep(&mut self) -> Result<usize, StoreError> {
        let dir = self.custody_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StoreError::Io(format!("{}: {e}", dir.display()))),
        };
        let mut stmt = self.conn.prepare("SELECT EXISTS (SELECT 1 FROM relay_custody WHERE file = ?1)")?;
        let mut removed = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let known: bool = stmt.query_row([&name], |r| r.get(0))?;
            if !known {
                remove(&e.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Keeps the roster the server sent (replacing the previous one).
    pub fn set_roster(&mut self, roster: &Roster, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO relay_roster (singleton, frame, issued_at, fetched_at) VALUES (1, ?1, ?2, ?3)",
            params![crate::sync::wire::encode(roster), roster.issued_at, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The last roster received, if any.
    pub fn roster(&self) -> Result<Option<StoredRoster>, StoreError> {
        let row: Option<(Vec<u8>, String)> = self
            .conn
            .query_row("SELECT frame, fetched_at FROM relay_roster WHERE singleton = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((frame, fetched_at)) = row else { return Ok(None) };
        let roster = crate::sync::wire::decode(&frame).map_err(|e| StoreError::Corrupt(format!("roster: {e}")))?;
        Ok(Some(StoredRoster { roster, fetched_at: time(&fetched_at)? }))
    }
}

fn remove(path: &std::path::Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Io(format!("{}: {e}", path.display()))),
    }
}
