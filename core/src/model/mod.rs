//! The record model: the five record kinds, their value lists, ids, the review trail and
//! validation. Knows nothing of storage or network: everything here is plain data and
//! pure functions of it (callers pass `now` and the reference data in).

mod ids;
pub mod input;
pub mod privacy;
mod records;
pub mod review;
pub mod validation;
mod values;

pub use ids::*;
pub use records::*;
pub use review::ReviewEvent;
pub use validation::{validate, FieldError, ValidationContext};
pub use values::*;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The document layout this build writes. Readers accept this and every older version;
/// a document with a higher version is kept intact and shown read-only.
pub const SCHEMA_VERSION: u64 = 1;

/// A code that is not in its value list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a known {list}")]
pub struct UnknownCode {
    pub list: &'static str,
    pub code: String,
}

/// The kind-specific fields of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "fields", rename_all = "snake_case")]
pub enum RecordBody {
    Session(Session),
    Assessment(Assessment),
    Workshop(Workshop),
    Recommendation(Recommendation),
    Committee(Committee),
}

/// One record: what every kind carries plus its own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Record {
    pub id: RecordId,
    /// For a committee record, its own id.
    pub committee_id: CommitteeId,
    pub schema_version: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: DeviceId,
    pub updated_at: DateTime<Utc>,
    pub updated_by: DeviceId,
    /// The sensitivity chosen for the record; see [`Record::effective_sensitivity`].
    pub sensitivity: Sensitivity,
    pub review: Vec<ReviewEvent>,
    /// The record this one is a history-free copy of (made when a record became less
    /// sensitive, or purged): links to that record lead here. See `store::declassify`.
    #[serde(default)]
    pub copied_from: Option<RecordId>,
    #[serde(flatten)]
    pub body: RecordBody,
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordBody::Session(_) => RecordKind::Session,
            RecordBody::Assessment(_) => RecordKind::Assessment,
            RecordBody::Workshop(_) => RecordKind::Workshop,
            RecordBody::Recommendation(_) => RecordKind::Recommendation,
            RecordBody::Committee(_) => RecordKind::Committee,
        }
    }
}

impl RecordKind {
    /// The sensitivity a new record of this kind gets unless the author chooses.
    pub fn default_sensitivity(self) -> Sensitivity {
        match self {
            RecordKind::Session | RecordKind::Assessment | RecordKind::Recommendation => Sensitivity::Restricted,
            RecordKind::Workshop | RecordKind::Committee => Sensitivity::Public,
        }
    }
}

impl Record {
    /// A new record made on `device` at `now`.
    pub fn new(body: RecordBody, committee_id: CommitteeId, device: DeviceId, now: DateTime<Utc>) -> Record {
        let id = RecordId::new();
        let committee_id = match body {
            RecordBody::Committee(_) => CommitteeId::from(id),
            _ => committee_id,
        };
        Record {
            id,
            committee_id,
            schema_version: SCHEMA_VERSION,
            created_at: now,
            created_by: device,
            updated_at: now,
            updated_by: device,
            sensitivity: body.kind().default_sensitivity(),
            review: Vec::new(),
            copied_from: None,
            body,
        }
    }

    pub fn kind(&self) -> RecordKind {
        self.body.kind()
    }

    /// The sensitivity that decides who may see the record: the chosen one, raised to
    /// `confidential` when the content demands it (an allegation against the security
    /// forces, or a named attendance list), whatever the author chose.
    pub fn effective_sensitivity(&self) -> Sensitivity {
        let forced = match &self.body {
            RecordBody::Assessment(a) if a.threats.iter().any(|t| t.category == ThreatCategory::FdsTensions) => {
                Sensitivity::Confidential
            }
            RecordBody::Workshop(w) if !w.attendees.is_empty() => Sensitivity::Confidential,
            _ => Sensitivity::Public,
        };
        self.sensitivity.max(forced)
    }

    pub fn review_status(&self) -> ReviewStatus {
        review::status(&self.review)
    }

    /// The date a record is filed under in lists and indicators.
    pub fn date(&self) -> Option<NaiveDate> {
        match &self.body {
            RecordBody::Session(s) => Some(s.date),
            RecordBody::Assessment(a) => Some(a.date),
            RecordBody::Workshop(w) => Some(w.start_date),
            RecordBody::Recommendation(r) => Some(r.made_on),
            RecordBody::Committee(c) => c.installed_on,
        }
    }

    /// A short title for lists, in the given language.
    pub fn title(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::Lang;
        match &self.body {
            RecordBody::Session(s) => match lang {
                Lang::Fr => {
                    format!("Séance {} du {}", s.session_type.label(lang).to_lowercase(), s.date.format("%d/%m/%Y"))
                }
                Lang::En => format!("{} session of {}", s.session_type.label(lang), s.date),
            },
            RecordBody::Assessment(a) => match lang {
                Lang::Fr => {
                    format!("Évaluation sécuritaire du {} ({} menace(s))", a.date.format("%d/%m/%Y"), a.threats.len())
                }
                Lang::En => format!("Threat assessment of {} ({} threat(s))", a.date, a.threats.len()),
            },
            RecordBody::Workshop(w) => w.title.clone(),
            RecordBody::Recommendation(r) => truncate_chars(r.text.trim(), 80),
            RecordBody::Committee(c) => c.name.clone(),
        }
    }

    /// The free text that full-text search indexes.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        match &self.body {
            RecordBody::Session(s) => {
                parts.push(&s.summary);
                parts.extend(s.agenda.iter().map(|a| a.notes.as_str()));
                parts.extend(s.venue_other.as_deref());
            }
            RecordBody::Assessment(a) => {
                parts.push(&a.notes);
                parts.extend(a.zone.locality.as_deref());
                parts.extend(a.zone.road.as_deref());
                parts.extend(a.threats.iter().map(|t| t.existing_capacities.as_str()));
            }
            RecordBody::Workshop(w) => {
                parts.push(&w.organizer);
                parts.push(&w.place);
                parts.push(&w.notes);
            }
            RecordBody::Recommendation(r) => {
                parts.push(&r.text);
                parts.push(&r.responsible);
                parts.push(&r.evidence);
            }
            RecordBody::Committee(c) => parts.push(&c.name),
        }
        parts.retain(|p| !p.trim().is_empty());
        parts.join("\n")
    }

    /// The commune a record is about, when the record itself says (otherwise the
    /// committee's commune applies).
    pub fn own_commune(&self) -> Option<&str> {
        match &self.body {
            RecordBody::Assessment(a) => Some(&a.zone.commune),
            RecordBody::Workshop(w) => Some(&w.commune),
            RecordBody::Committee(c) => c.commune.as_deref(),
            _ => None,
        }
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}
