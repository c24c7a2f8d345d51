//! Reports on the records: the eight indicators the CRSS follows (DOMAIN.md), computed on
//! the device from what the store keeps per committee and month.
//!
//! - [`facts`]: one record's contribution ([`facts::facts`]), a pure function;
//! - [`period`]: months, quarters and years, and their text forms;
//! - [`indicators`]: the indicators as a pure function of the registry and the
//!   per-committee, per-month tallies ([`indicators::compute`]).
//!
//! The store keeps the tallies up to date as records are written or merged
//! (`store::indicators`), so reading the indicators never loads a document nor scans
//! every record; [`crate::store::Store::indicators`] is the entry point.
//!
//! Not here: drawing (the UI's dashboard), files (exports, the PDF report).

pub mod facts;
pub mod indicators;
pub mod period;

pub use facts::{
    facts, Basis, FactsContext, RecommendationCounts, RecordFacts, RegistryEntry, Tally, REALISATION_DAYS,
};
pub use indicators::*;
pub use period::{Period, PeriodError, YearMonth};
