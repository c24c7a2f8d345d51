//! The reference data (administrative units): the built-in set plus the units an
//! administrator added (`reference_units`), checked against the set before they are kept.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::{Store, StoreError};
use crate::model::*;
use crate::reference::{AdminUnit, ReferenceData};

/// The built-in reference data with the units this store added.
pub(super) fn load(conn: &Connection) -> Result<ReferenceData, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT code, level, name, parent, valid_from, valid_to, dataset_version FROM reference_units ORDER BY added_at, code",
    )?;
    let units = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut extra = Vec::new();
    for (code, level, name, parent, from, to, version) in units {
        let level = serde_json::from_value(serde_json::Value::String(level))
            .map_err(|_| StoreError::Corrupt(format!("reference unit {code}")))?;
        extra.push(AdminUnit {
            code,
            level,
            name,
            parent,
            valid_from: from.and_then(|d| d.parse().ok()),
            valid_to: to.and_then(|d| d.parse().ok()),
            dataset_version: version,
        });
    }
    Ok(ReferenceData::builtin().with_units(extra)?)
}

impl Store {
    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// Adds an administrative unit (admins only), checked against the reference data.
    pub fn add_reference_unit(&mut self, unit: AdminUnit, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.identity.role != Role::Admin {
            return Err(StoreError::Forbidden("only an administrator can extend the reference data".into()));
        }
        self.reference.check_new_unit(&unit)?;
        let reference = self.reference.with_units(vec![unit.clone()])?;
        self.conn.execute(
            "INSERT INTO reference_units (code, level, name, parent, valid_from, valid_to, dataset_version, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                unit.code,
                unit.level.as_str(),
                unit.name,
                unit.parent,
                unit.valid_from.map(|d| d.to_string()),
                unit.valid_to.map(|d| d.to_string()),
                unit.dataset_version,
                now.to_rfc3339()
            ],
        )?;
        self.reference = reference;
        Ok(())
    }

    pub(super) fn ctx(&self, now: DateTime<Utc>) -> ValidationContext<'_> {
        ValidationContext { today: now.date_naive(), reference: &self.reference }
    }
}
