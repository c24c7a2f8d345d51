//! The committee registry the server routes by: which region each committee is in, so
//! that a facilitator receives the records of every committee of its region.
//!
//! Entries come from `committees import` (a JSON file an administrator maintains) and
//! from accepted pushes of committee records (which carry their region in `DocMeta`).
//! Only the region matters for routing; name, level, cercle and commune are kept so an
//! administrator can check the registry.

use crate::db::{Conn, Mode, Optional};
use ccs_core::model::{CommitteeId, CommitteeLevel};
use ccs_core::reference::ReferenceData;
use serde::{Deserialize, Serialize};

use crate::store::{self, StoreError};

/// One committee of the registry, as in the import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitteeEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub level: Option<String>,
    pub region: String,
    #[serde(default)]
    pub cercle: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("committee file is not a JSON array of committees: {0}")]
    Parse(String),
    #[error("committee #{index} ({id}): {message}")]
    Invalid { index: usize, id: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommitteeEntry {
    /// Checks one entry: a UUID id, a name, a known level and region, and a cercle and
    /// commune that lie inside that region.
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), String> {
        self.id.parse::<CommitteeId>().map_err(|_| "id is not a UUID".to_string())?;
        if self.name.trim().is_empty() {
            return Err("name is empty".into());
        }
        if let Some(level) = &self.level {
            if CommitteeLevel::from_code(level).is_none() {
                return Err(format!("level {level:?} is not one of regional, communal, district"));
            }
        }
        if reference.region(&self.region).is_none() {
            return Err(format!("region {:?} is not a region code of the reference data", self.region));
        }
        let prefix = format!("{}/", self.region);
        if let Some(cercle) = &self.cercle {
            if !cercle.starts_with(&prefix) {
                return Err(format!("cercle {cercle:?} is not in region {:?}", self.region));
            }
        }
        if let Some(commune) = &self.commune {
            let parent = self.cercle.as_ref().map(|c| format!("{c}/")).unwrap_or(prefix);
            if !commune.starts_with(&parent) {
                return Err(format!("commune {commune:?} is not under {parent:?}"));
            }
        }
        Ok(())
    }
}

/// Parses and validates a registry file; nothing is stored unless every entry is good.
pub fn parse_file(text: &str) -> Result<Vec<CommitteeEntry>, RegistryError> {
    let entries: Vec<CommitteeEntry> = serde_json::from_str(text).map_err(|e| RegistryError::Parse(e.to_string()))?;
    let reference = ReferenceData::builtin();
    for (i, entry) in entries.iter().enumerate() {
        entry.validate(&reference).map_err(|message| RegistryError::Invalid {
            index: i + 1,
            id: entry.id.clone(),
            message,
        })?;
    }
    Ok(entries)
}

/// Inserts or updates entries, all or none.
pub fn import(
    conn: &mut Conn,
    entries: &[CommitteeEntry],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, StoreError> {
    let tx = conn.transaction(Mode::Write)?;
    for e in entries {
        // Ids are stored in the hyphenated lower-case form every other table uses.
        let id = e.id.parse::<CommitteeId>().map(|c| c.to_string()).unwrap_or_else(|_| e.id.clone());
        upsert(&tx, &id, e, now)?;
    }
    tx.commit()?;
    Ok(entries.len())
}

/// Inserts or replaces one committee.
pub fn upsert(conn: &Conn, id: &str, e: &CommitteeEntry, now: chrono::DateTime<chrono::Utc>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO committees (id, name, level, region, cercle, commune, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, level = excluded.level, region = excluded.region,
             cercle = excluded.cercle, commune = excluded.commune, updated_at = excluded.updated_at",
        crate::params![id, e.name, e.level, e.region, e.cercle, e.commune, store::timestamp(now)],
    )?;
    Ok(())
}

/// Files a committee's region without touching what else the registry says of it (for a
/// committee record this build cannot read).
pub fn set_region(conn: &Conn, id: &str, region: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO committees (id, name, region, updated_at) VALUES (?1, '', ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET region = excluded.region, updated_at = excluded.updated_at",
        crate::params![id, region, store::timestamp(now)],
    )?;
    Ok(())
}

/// The region of a committee, when the registry knows it.
pub fn region_of(conn: &Conn, committee: &CommitteeId) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT region FROM committees WHERE id = ?1", [committee.to_string()], |r| r.get(0))
        .optional()?)
}

/// Every committee, by region and name.
pub fn list(conn: &Conn) -> Result<Vec<CommitteeEntry>, StoreError> {
    let rows = conn.query_map(
        "SELECT id, name, level, region, cercle, commune FROM committees ORDER BY region, name",
        (),
        |r| {
            Ok(CommitteeEntry {
                id: r.get(0)?,
                name: r.get(1)?,
                level: r.get(2)?,
                region: r.get(3)?,
                cercle: r.get(4)?,
                commune: r.get(5)?,
            })
        },
    )?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goundam() -> CommitteeEntry {
        CommitteeEntry {
            id: "0190f5a2-0000-7000-8000-000000000001".into(),
            name: "CCS de Goundam".into(),
            level: Some("communal".into()),
            region: "tombouctou".into(),
            cercle: Some("tombouctou/goundam".into()),
            commune: Some("tombouctou/goundam/goundam".into()),
        }
    }

    #[test]
    fn entries_are_checked_against_reference_data() {
        let reference = ReferenceData::builtin();
        assert!(goundam().validate(&reference).is_ok());
        let bad = [
            CommitteeEntry { id: "nope".into(), ..goundam() },
            CommitteeEntry { name: " ".into(), ..goundam() },
            CommitteeEntry { level: Some("national".into()), ..goundam() },
            CommitteeEntry { region: "atlantis".into(), ..goundam() },
            CommitteeEntry { cercle: Some("gao/ansongo".into()), ..goundam() },
            CommitteeEntry { commune: Some("tombouctou/dire/dire".into()), ..goundam() },
        ];
        for entry in bad {
            assert!(entry.validate(&reference).is_err(), "{entry:?}");
        }
    }

    #[test]
    fn bad_files_are_refused_whole() {
        assert!(matches!(parse_file("{"), Err(RegistryError::Parse(_))));
        assert!(matches!(parse_file(r#"{"id": 1}"#), Err(RegistryError::Parse(_))));
        let text = serde_json::to_string(&[goundam(), CommitteeEntry { region: "x".into(), ..goundam() }]).unwrap();
        assert!(matches!(parse_file(&text), Err(RegistryError::Invalid { index: 2, .. })));
        let text = serde_json::to_string(&[goundam()]).unwrap();
        assert_eq!(parse_file(&text).unwrap().len(), 1);
    }
}
