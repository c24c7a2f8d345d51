//! One module per subcommand. Each parses its arguments into `core` types, calls one
//! `core` function and prints the result; no rule of the domain lives here.
//!
//! This module holds what they share: the [`Ctx`] every command gets (store path,
//! language, the time of the run) and the parsing of ids, dates and value codes into
//! errors with stable codes.

pub mod add;
pub mod conflicts;
pub mod courier;
pub mod demo;
pub mod edit;
pub mod export;
pub mod init;
pub mod list;
pub mod passwd;
pub mod reference;
pub mod relay;
pub mod report;
pub mod report_pdf;
pub mod review;
pub mod show;
pub mod stress;
pub mod sync;
pub mod wipe;

use std::path::{Path, PathBuf};

use ccs_core::i18n::Lang;
use ccs_core::model::RecordKind;
use ccs_core::store::Store;
use chrono::{DateTime, NaiveDate, Utc};

use crate::failure::Failure;

/// What every command needs besides its own arguments.
pub struct Ctx {
    pub db: Option<PathBuf>,
    pub lang: Lang,
    /// The time of this run, passed into `core` (which never reads the clock).
    pub now: DateTime<Utc>,
}

impl Ctx {
    pub fn db(&self) -> Result<&Path, Failure> {
        self.db.as_deref().ok_or_else(|| Failure::cli("cli.no_db", &[]))
    }

    /// Opens the store, asking for the passphrase if needed.
    pub fn open(&self) -> Result<Store, Failure> {
        crate::unlock::open(self.db()?, self.lang)
    }
}

/// Parses an id newtype (`RecordId`, `CommitteeId`, …) from a UUID.
pub fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T, Failure> {
    s.parse().map_err(|_| Failure::cli("cli.bad_id", &[s]))
}

/// Parses a date in ISO form (YYYY-MM-DD).
pub fn parse_date(s: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| Failure::cli("cli.bad_date", &[s]))
}

/// Finds the value of a closed list whose code is `s`, or fails listing every code.
pub fn parse_code<T: Copy>(s: &str, option: &str, all: &[T], code: impl Fn(T) -> &'static str) -> Result<T, Failure> {
    all.iter().copied().find(|v| code(*v) == s).ok_or_else(|| {
        let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
        Failure::cli("cli.bad_value", &[s, option, &codes.join(", ")])
    })
}

/// Parses a record kind, failing with the list of kinds.
pub fn parse_kind(s: &str) -> Result<RecordKind, Failure> {
    RecordKind::from_code(s).ok_or_else(|| {
        let kinds: Vec<&str> = RecordKind::ALL.iter().map(|k| k.code()).collect();
        Failure::cli("cli.unknown_kind", &[s, &kinds.join(", ")])
    })
}

/// Pads `s` to `width` characters (not bytes: labels carry accents).
pub fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// Prints rows as aligned columns, the last one unpadded.
pub fn write_table(out: &mut dyn std::io::Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, widths[c]));
                line.push_str("  ");
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
