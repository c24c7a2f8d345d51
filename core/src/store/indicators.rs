//! The precomputed table the indicators read (the lesson of DHIS2: never recompute a
//! national dashboard by scanning every record).
//!
//! | table                  | one row per                   | holds                                   |
//! |------------------------|-------------------------------|-----------------------------------------|
//! | `indicator_facts`      | record                        | committee, month, approved, counted, its [`Tally`], when it arrived |
//! | `indicator_months`     | committee × month × basis     | the sum of the counted facts rows       |
//! | `indicator_committees` | committee record (counted)    | level, region, installed on             |
//!
//! Invariant: after every transaction, each `indicator_months` row equals the sum of
//! the facts rows of its committee and month (approved ones for `approved`), and no
//! row exists for a sum that is empty. [`refresh`] keeps it: the projection calls it
//! for every document it writes, and the lineage calls [`exclude`] when a record is
//! replaced by its copy. A deleted, replaced or unreadable record counts for nothing.
//!
//! The tallies are stored with postcard; [`FORMAT`] names their layout, and a store
//! whose tables were filled with another layout (or by an older build, before this
//! table existed) is refilled from its documents when it opens.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::documents::{load, timed, Step};
use super::{DocHeaderView, Store, StoreError};
use crate::model::*;
use crate::report::{
    self, Basis, CommitteeEntry, FactsContext, IndicatorFilter, IndicatorParams, Indicators, MonthTally, RegistryEntry,
    Tally, YearMonth,
};

/// The layout of the stored tallies. Bump it whenever [`Tally`] or [`report::facts`]
/// changes: stores refill their tables at the next open.
pub const FORMAT: i64 = 1;

fn encode(t: &Tally) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(t).map_err(|e| StoreError::Corrupt(format!("indicator tally: {e}")))
}

fn decode(bytes: &[u8]) -> Result<Tally, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("indicator tally: {e}")))
}

fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("indicator row: `{s}`")))
}

/// The (committee, month) a facts row counts in, if any.
type Slot = (String, String);

/// Rewrites the facts row of one document from `record` (`None`: unreadable) and the
/// sums it touches. Called by the projection inside the write's transaction.
pub(super) fn refresh(
    tx: &Transaction<'_>,
    header: &DocHeaderView,
    record: Option<&Record>,
    arrival: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let id = header.id.to_string();
    let previous: Option<(Option<String>, String, Option<String>)> = tx
        .prepare_cached("SELECT month, committee_id, received_at FROM indicator_facts WHERE id = ?1")?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let replaced: bool = tx
        .prepare_cached("SELECT 1 FROM record_lineage WHERE old_id = ?1")?
        .query_row([&id], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    // A document first seen here, made by another device, arrived at `arrival`; one
    // made here never travelled; a history-free copy keeps its original's arrival. A
    // row filled from the documents (`arrival` is `None`: an upgrade) stays unknown.
    let parse_at =
        |at: Option<String>| at.as_deref().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|d| d.to_utc());
    let received_at: Option<DateTime<Utc>> = match (&previous, record, arrival) {
        (Some((_, _, at)), _, _) => parse_at(at.clone()),
        (None, Some(r), Some(now)) => match r.copied_from {
            Some(original) => parse_at(
                tx.prepare_cached("SELECT received_at FROM indicator_facts WHERE id = ?1")?
                    .query_row([original.to_string()], |row| row.get(0))
                    .optional()?
                    .flatten(),
            ),
            None => {
                let me: Option<String> =
                    tx.prepare_cached("SELECT device_id FROM identity")?.query_row([], |r| r.get(0)).optional()?;
                (me.as_deref() != Some(r.created_by.to_string().as_str())).then_some(now)
            }
        },
        _ => None,
    };
    // An approved record edited since counts as approved again only once the CRSS has
    // approved the new version: the inbox's flag, written just before this.
    let modified_after_approval: bool = tx
        .prepare_cached("SELECT modified_after_approval FROM review_state WHERE id = ?1")?
        .query_row([&id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    let facts = record.map(|r| report::facts(r, &FactsContext { received_at, modified_after_approval }));
    let counted = facts.as_ref().is_some_and(|f| f.counted) && !replaced;
    let committee = facts.as_ref().map(|f| f.committee_id).unwrap_or(header.committee_id).to_string();
    let month = facts.as_ref().and_then(|f| f.month).map(|m| m.to_string());
    let tally = facts.as_ref().map(|f| f.tally.clone()).unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO indicator_facts (id, committee_id, month, approved, counted, tally, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET committee_id = excluded.committee_id, month = excluded.month,
            approved = excluded.approved, counted = excluded.counted, tally = excluded.tally",
    )?
    .execute(params![
        id,
        committee,
        month,
        facts.as_ref().is_some_and(|f| f.approved),
        counted,
        encode(&tally)?,
        received_at.map(|d| d.to_rfc3339())
    ])?;
    if header.kind == RecordKind::Committee {
        match facts.as_ref().and_then(|f| f.registry.as_ref()).filter(|_| counted) {
            Some(r) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO indicator_committees (committee_id, level, region, installed_on)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    id,
                    r.level.code(),
                    r.region,
                    r.installed_on.map(|d| d.to_string())
                ])?;
            }
            None => {
                tx.prepare_cached("DELETE FROM indicator_committees WHERE committee_id = ?1")?.execute([&id])?;
            }
        }
    }
    // A record new to this store only adds to its slot: inside a batch its tally is
    // added to the slot's sum at the end instead of the slot being summed again.
    if previous.is_none() && batch_open(tx)? {
        if let (Some(m), true) = (month, counted) {
            tx.prepare_cached(
                "INSERT INTO temp.pending_adds (committee_id, month, approved, tally) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                committee,
                m,
                facts.as_ref().is_some_and(|f| f.approved),
                encode(&tally)?
            ])?;
        }
        return Ok(());
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(2);
    if let Some((Some(m), c, _)) = previous {
        slots.push((c, m));
    }
    if let Some(m) = month {
        slots.push((committee, m));
    }
    slots.dedup();
    for slot in slots {
        resum_or_defer(tx, slot)?;
    }
    Ok(())
}

/// A batch of writes in one transaction (a sync page) whose sums are recomputed once
/// per committee and month at its end instead of after every record: a first sync of
/// a whole region files hundreds of records per slot, and summing the slot after each
/// one made a page quadratic in the slot's size.
///
/// A slot that only gained records new to this store (most of a first sync) is not
/// summed again either: their tallies are added to its stored sum, so a page costs
/// its own records, not every record filed before it. A slot where a record changed
/// or left is summed again from its facts rows.
///
/// The slots and the added tallies are kept in temporary tables of the transaction's
/// own connection (not in memory beside it): whatever thread runs the page's writes,
/// the connection that writes a record is the one that knows a batch is open, and a
/// rollback (of the page, or of one entry's savepoint) forgets them with its rows.
/// [`Batch::finish`] must run before the commit so the invariant holds after the
/// transaction.
pub(super) struct Batch {
    owner: bool,
}

impl Batch {
    pub(super) fn begin(tx: &Connection) -> Result<Batch, StoreError> {
        // A batch inside a batch leaves the sums to the outer one.
        if batch_open(tx)? {
            return Ok(Batch { owner: false });
        }
        tx.execute_batch(
            "CREATE TEMP TABLE pending_sums (committee_id TEXT NOT NULL, month TEXT NOT NULL,
                PRIMARY KEY (committee_id, month)) WITHOUT ROWID;
             CREATE TEMP TABLE pending_adds (committee_id TEXT NOT NULL, month TEXT NOT NULL,
                approved INTEGER NOT NULL, tally BLOB NOT NULL);",
        )?;
        Ok(Batch { owner: true })
    }

    /// Recomputes every sum the batch touched and closes it.
    pub(super) fn finish(self, tx: &Connection) -> Result<(), StoreError> {
        if !self.owner {
            return Ok(());
        }
        timed(Step::Indicators, || -> Result<(), StoreError> {
            let slots: Vec<Slot> = {
                let mut stmt = tx.prepare("SELECT committee_id, month FROM temp.pending_sums")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                rows
            };
            // The added tallies of the slots not summed again, grouped by slot.
            let mut added: BTreeMap<Slot, (Tally, Tally)> = BTreeMap::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT a.committee_id, a.month, a.approved, a.tally FROM temp.pending_adds a
                     WHERE NOT EXISTS (SELECT 1 FROM temp.pending_sums s
                        WHERE s.committee_id = a.committee_id AND s.month = a.month)",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let t = decode(row.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?)?;
                    let (all, approved) = added.entry((row.get(0)?, row.get(1)?)).or_default();
                    if row.get::<_, bool>(2)? {
                        approved.add(&t);
                    }
                    all.add(&t);
                }
            }
            tx.execute_batch("DROP TABLE temp.pending_sums; DROP TABLE temp.pending_adds")?;
            slots.iter().try_for_each(|slot| resum(tx, slot))?;
            added.into_iter().try_for_each(|(slot, (all, approved))| add_to_sums(tx, &slot, all, approved))
        })
    }
}

fn batch_open(tx: &Connection) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = 'pending_sums'")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Recomputes a sum now, or at the end of the batch open on this connection.
fn resum_or_defer(tx: &Connection, slot: Slot) -> Result<(), StoreError> {
    if batch_open(tx)? {
        tx.prepare_cached("INSERT OR IGNORE INTO temp.pending_sums (committee_id, month) VALUES (?1, ?2)")?
            .execute(params![slot.0, slot.1])?;
        Ok(())
    } else {
        resum(tx, &slot)
    }
}

/// A record replaced by its history-free copy counts no more (the copy counts).
pub(super) fn exclude(tx: &Transaction<'_>, id: RecordId) -> Result<(), StoreError> {
    let slot: Option<(String, Option<String>, String)> = tx
        .prepare_cached(
            "SELECT committee_id, month, (SELECT kind FROM documents WHERE id = ?1) FROM indicator_facts WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<String>>(2)?.unwrap_or_default())))
        .optional()?;
    tx.prepare_cached("UPDATE indicator_facts SET counted = 0 WHERE id = ?1")?.execute([id.to_string()])?;
    if let Some((committee, month, kind)) = slot {
        if kind == RecordKind::Committee.code() {
            tx.prepare_cached("DELETE FROM indicator_committees WHERE committee_id = ?1")?.execute([id.to_string()])?;
        }
        if let Some(m) = month {
            resum_or_defer(tx, (committee, m))?;
        }
    }
    Ok(())
}

/// Adds the tallies of records new to a slot to its stored sums.
fn add_to_sums(tx: &Connection, (committee, month): &Slot, all: Tally, approved: Tally) -> Result<(), StoreError> {
    let stored = |basis: Basis, mut t: Tally| -> Result<Tally, StoreError> {
        let before: Option<Vec<u8>> = tx
            .prepare_cached("SELECT tally FROM indicator_months WHERE basis = ?1 AND month = ?2 AND committee_id = ?3")?
            .query_row(params![basis.code(), month, committee], |r| r.get(0))
            .optional()?;
        if let Some(bytes) = before {
            t.add(&decode(&bytes)?);
        }
        Ok(t)
    };
    let sums = [(Basis::All, stored(Basis::All, all)?), (Basis::Approved, stored(Basis::Approved, approved)?)];
    write_sums(tx, committee, month, sums)
}

/// Recomputes the sums of one committee and month from its facts rows.
fn resum(tx: &Connection, (committee, month): &Slot) -> Result<(), StoreError> {
    let mut all = Tally::default();
    let mut approved = Tally::default();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT approved, tally FROM indicator_facts WHERE committee_id = ?1 AND month = ?2 AND counted",
        )?;
        let mut rows = stmt.query(params![committee, month])?;
        while let Some(row) = rows.next()? {
            let t = decode(row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?)?;
            if row.get::<_, bool>(0)? {
                approved.add(&t);
            }
            all.add(&t);
        }
    }
    write_sums(tx, committee, month, [(Basis::All, all), (Basis::Approved, approved)])
}

/// Stores the sums of a slot, normalised; an empty sum has no row.
fn write_sums(tx: &Connection, committee: &str, month: &str, sums: [(Basis, Tally); 2]) -> Result<(), StoreError> {
    for (basis, mut t) in sums {
        t.normalize();
        if t.is_empty() {
            tx.prepare_cached("DELETE FROM indicator_months WHERE basis = ?1 AND month = ?2 AND committee_id = ?3")?
                .execute(params![basis.code(), month, committee])?;
        } else {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO indicator_months (basis, month, committee_id, tally) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![basis.code(), month, committee, encode(&t)?])?;
        }
    }
    Ok(())
}

/// Fills the tables from every document when they were made by another layout (or
/// not filled yet: a store upgraded from before they existed). Arrival times already
/// known are kept.
pub(super) fn fill_if_stale(conn: &mut Connection) -> Result<bool, StoreError> {
    let format: Option<i64> =
        conn.query_row("SELECT format FROM indicator_state", [], |r| r.get(0)).optional()?.flatten();
    if format == Some(FORMAT) {
        return Ok(false);
    }
    let tx = conn.transaction()?;
    let ids: Vec<String> = {
        let mut stmt = tx.prepare("SELECT id FROM documents ORDER BY id")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
        ids
    };
    tx.execute("DELETE FROM indicator_months", [])?;
    tx.execute("DELETE FROM indicator_committees", [])?;
    // Keep the arrival times (the only thing the documents cannot tell), drop the rest.
    tx.execute("UPDATE indicator_facts SET month = NULL, counted = 0", [])?;
    for key in &ids {
        let id: RecordId = parse_id(key)?;
        let Some(d) = load(&tx, id)? else { continue };
        let header = match d.header() {
            Ok(h) => DocHeaderView::from(h),
            Err(_) => continue,
        };
        let record = d.read().ok();
        refresh(&tx, &header, record.as_ref(), None)?;
    }
    tx.execute("DELETE FROM indicator_facts WHERE id NOT IN (SELECT id FROM documents)", [])?;
    tx.execute("INSERT OR REPLACE INTO indicator_state (singleton, format) VALUES (1, ?1)", [FORMAT])?;
    tx.commit()?;
    Ok(true)
}

/// Marks a new, empty store's tables as current.
pub(super) fn mark_current(conn: &Connection) -> Result<(), StoreError> {
    conn.execute("INSERT OR REPLACE INTO indicator_state (singleton, format) VALUES (1, ?1)", [FORMAT])?;
    Ok(())
}

fn registry(conn: &Connection) -> Result<Vec<CommitteeEntry>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT committee_id, level, region, installed_on FROM indicator_committees")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, level, region, installed)| {
            Ok(CommitteeEntry {
                committee_id: parse_id(&id)?,
                registry: Some(RegistryEntry {
                    level: parse_id(&level)?,
                    region,
                    installed_on: installed.map(|d| parse_id::<NaiveDate>(&d)).transpose()?,
                }),
            })
        })
        .collect()
}

fn month_tallies(
    conn: &Connection,
    basis: Basis,
    from: YearMonth,
    to: YearMonth,
    committee: Option<CommitteeId>,
) -> Result<Vec<MonthTally>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT committee_id, month, tally FROM indicator_months
         WHERE basis = ?1 AND month >= ?2 AND month <= ?3 AND (?4 IS NULL OR committee_id = ?4)",
    )?;
    let mut rows =
        stmt.query(params![basis.code(), from.to_string(), to.to_string(), committee.map(|c| c.to_string())])?;
    // Committee ids repeat once per month: parse each once.
    let mut ids: BTreeMap<String, CommitteeId> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let key: String = row.get(0)?;
        let committee_id = match ids.get(&key) {
            Some(id) => *id,
            None => {
                let id: CommitteeId = parse_id(&key)?;
                ids.insert(key, id);
                id
            }
        };
        let month: YearMonth = parse_id(&row.get::<_, String>(1)?)?;
        let tally = decode(row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?)?;
        out.push(MonthTally { committee_id, month, tally });
    }
    Ok(out)
}

impl Store {
    /// The eight indicators over `filter`, read from the precomputed table only: no
    /// document is loaded and no record scanned. A reviewer's device holds every
    /// record it may see, so this is the national picture offline.
    pub fn indicators(&self, filter: &IndicatorFilter, params: &IndicatorParams) -> Result<Indicators, StoreError> {
        let period = filter.period.check().map_err(|e| StoreError::BadPeriod(e.0))?;
        let (from, to) = report::months_needed(period, params);
        let committees = registry(&self.conn)?;
        let rows = month_tallies(&self.conn, filter.basis, from, to, filter.committee_id)?;
        let reference = &self.reference;
        Ok(report::compute(&committees, &rows, filter, params, |code| reference.region(code).map(|u| u.name.clone())))
    }

    /// The precomputed tallies as stored, every month and both bases (for tests that
    /// compare them with tallies computed from scratch).
    pub fn indicator_tallies(&self) -> Result<Vec<(Basis, MonthTally)>, StoreError> {
        let mut out = Vec::new();
        for basis in [Basis::All, Basis::Approved] {
            let rows = month_tallies(
                &self.conn,
                basis,
                YearMonth { year: 0, month: 1 },
                YearMonth { year: 9999, month: 12 },
                None,
            )?;
            out.extend(rows.into_iter().map(|r| (basis, r)));
        }
        Ok(out)
    }

    /// The committees' registry as the indicators see it.
    pub fn indicator_registry(&self) -> Result<Vec<CommitteeEntry>, StoreError> {
        registry(&self.conn)
    }
}
