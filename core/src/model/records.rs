//! The five record kinds of DOMAIN.md, field by field.
//!
//! Each struct is both the JSON shape users and the UI exchange (serde) and the shape of
//! the document body (autosurgeon). Rules live in `validation`, derived values (score,
//! quorum, totals) in methods here; nothing here reads a clock or a database.
//!
//! Counts are `i64` so that a negative number typed by mistake reaches validation and
//! gets a field error, instead of failing as a type error without a field.

use autosurgeon::{Hydrate, Reconcile};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::{ItemId, RecordId};
use super::values::*;

/// A time of day, "HH:MM".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct TimeOfDay(pub chrono::NaiveTime);

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl std::str::FromStr for TimeOfDay {
    type Err = chrono::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .or_else(|_| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M:%S"))
            .map(TimeOfDay)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom(format!("invalid time `{s}`, expected HH:MM")))
    }
}

// ---------------------------------------------------------------- session

/// A committee session (séance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub session_type: SessionType,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub date: NaiveDate,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::opt_string")]
    pub start_time: Option<TimeOfDay>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::opt_string")]
    pub end_time: Option<TimeOfDay>,
    pub venue_type: VenueType,
    /// Required when `venue_type` is `autre`.
    #[serde(default)]
    pub venue_other: Option<String>,
    pub chaired_by: ChairRole,
    #[serde(default)]
    pub agenda: Vec<AgendaItem>,
    #[serde(default)]
    pub invited: i64,
    #[serde(default)]
    pub present: i64,
    /// Counts per college × sex. One row per college at most.
    #[serde(default)]
    pub attendance: Vec<AttendanceRow>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub summary: String,
    #[serde(default = "default_minutes_status")]
    pub minutes_status: MinutesStatus,
    /// Assessments and recommendations made in this session.
    #[serde(default)]
    pub linked_records: Vec<RecordId>,
}

fn default_minutes_status() -> MinutesStatus {
    MinutesStatus::Draft
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    #[key]
    #[serde(default)]
    pub id: ItemId,
    pub theme: AgendaTheme,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub notes: String,
}

/// Attendance of one college: women and men present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRow {
    #[key]
    pub college: College,
    #[serde(default)]
    pub women: i64,
    #[serde(default)]
    pub men: i64,
}

impl Session {
    /// Quorum: more than half of those invited are present.
    pub fn quorum(&self) -> bool {
        self.invited > 0 && self.present * 2 > self.invited
    }

    pub fn attendance_women(&self) -> i64 {
        self.attendance.iter().map(|r| r.women).sum()
    }

    pub fn attendance_total(&self) -> i64 {
        self.attendance.iter().map(|r| r.women + r.men).sum()
    }

    /// Whether the defence and security forces attended.
    pub fn fds_present(&self) -> bool {
        self.attendance.iter().any(|r| r.college == College::Fds && r.women + r.men > 0)
    }
}

// ---------------------------------------------------------------- assessment

/// A threat assessment exercise (évaluation sécuritaire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub date: NaiveDate,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub period_start: NaiveDate,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub period_end: NaiveDate,
    pub zone: Zone,
    #[serde(default)]
    pub threats: Vec<Threat>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub notes: String,
}

/// Where an assessment applies: a commune, optionally narrowed. Never GPS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Commune code from the reference data.
    pub commune: String,
    /// Village, fraction or quartier.
    #[serde(default)]
    pub locality: Option<String>,
    #[serde(default)]
    pub road: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    #[key]
    #[serde(default)]
    pub id: ItemId,
    pub category: ThreatCategory,
    pub place_type: PlaceType,
    pub suspected_actor: SuspectedActor,
    pub trend: Trend,
    pub likelihood: i64,
    pub impact: i64,
    #[serde(default)]
    pub vulnerable_groups: Vec<VulnerableGroup>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub existing_capacities: String,
    pub source: InformationSource,
    pub reliability: Reliability,
}

/// Score thresholds for risk levels. Configurable per deployment; the default splits
/// the 5×5 matrix in the usual four bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LevelThresholds {
    /// Lowest score that is `moyen`.
    pub medium: i64,
    /// Lowest score that is `élevé`.
    pub high: i64,
    /// Lowest score that is `très élevé`.
    pub very_high: i64,
}

impl Default for LevelThresholds {
    fn default() -> Self {
        LevelThresholds { medium: 5, high: 10, very_high: 17 }
    }
}

impl Threat {
    pub fn score(&self) -> i64 {
        self.likelihood * self.impact
    }

    pub fn level(&self, t: &LevelThresholds) -> RiskLevel {
        let s = self.score();
        if s >= t.very_high {
            RiskLevel::VeryHigh
        } else if s >= t.high {
            RiskLevel::High
        } else if s >= t.medium {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }
}

// ---------------------------------------------------------------- workshop

/// A workshop with its participation (atelier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Workshop {
    pub workshop_type: WorkshopType,
    pub title: String,
    #[serde(default)]
    pub themes: Vec<WorkshopTheme>,
    #[serde(default)]
    pub organizer: String,
    #[serde(default)]
    pub partner: Option<Partner>,
    /// Required when `partner` is `autre`.
    #[serde(default)]
    pub partner_other: Option<String>,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub start_date: NaiveDate,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub end_date: NaiveDate,
    /// Commune code from the reference data.
    pub commune: String,
    #[serde(default)]
    pub place: String,
    /// Counts per category × sex × youth. One row per category at most.
    #[serde(default)]
    pub participation: Vec<ParticipationRow>,
    /// Named (pseudonymous) list, only where allowances must be paid. Makes the record
    /// confidential.
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub notes: String,
}

/// Participants of one category. Youth counts are subsets of the counts by sex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ParticipationRow {
    #[key]
    pub category: ParticipantCategory,
    #[serde(default)]
    pub women: i64,
    #[serde(default)]
    pub men: i64,
    #[serde(default)]
    pub young_women: i64,
    #[serde(default)]
    pub young_men: i64,
}

/// One named participant: a pseudonymous id, never a phone number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    #[key]
    #[serde(default)]
    pub id: ItemId,
    pub pseudonym: String,
    pub category: ParticipantCategory,
    pub sex: Sex,
    #[serde(default)]
    pub youth: bool,
}

/// Participant totals as partners report them: "2 797 (540 F, 818 J)".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ParticipationTotals {
    pub total: i64,
    pub women: i64,
    pub youth: i64,
}

impl Workshop {
    pub fn totals(&self) -> ParticipationTotals {
        self.participation.iter().fold(ParticipationTotals::default(), |t, r| ParticipationTotals {
            total: t.total + r.women + r.men,
            women: t.women + r.women,
            youth: t.youth + r.young_women + r.young_men,
        })
    }
}

// ---------------------------------------------------------------- recommendation

/// A recommendation and its follow-up (recommandation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// The session, assessment or workshop it came from.
    #[serde(default)]
    pub origin: Option<RecordId>,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub made_on: NaiveDate,
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub text: String,
    pub addressee: Addressee,
    /// Which corps, when addressed to the FDS.
    #[serde(default)]
    pub fds_corps: Option<FdsCorps>,
    pub domain: RecommendationDomain,
    pub priority: Priority,
    /// A role, never a name.
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::opt_string")]
    pub due_date: Option<NaiveDate>,
    /// Every status change, appended; the current status is derived from it.
    #[serde(default)]
    pub status_history: Vec<StatusChange>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::text")]
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[key]
    #[serde(default)]
    pub id: ItemId,
    #[autosurgeon(with = "crate::doc::codec::string")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub by_device: super::ids::DeviceId,
    pub status: RecommendationStatus,
}

impl Recommendation {
    /// The current status: the latest change by time, ties broken by device id, so two
    /// devices that changed it concurrently agree after merging.
    pub fn status(&self) -> RecommendationStatus {
        self.status_history
            .iter()
            .max_by(|a, b| (a.at, a.by_device, a.id).cmp(&(b.at, b.by_device, b.id)))
            .map(|c| c.status)
            .unwrap_or(RecommendationStatus::Proposed)
    }

    /// When it was first marked done, if it was.
    pub fn realised_on(&self) -> Option<NaiveDate> {
        self.status_history.iter().filter(|c| c.status == RecommendationStatus::Done).map(|c| c.at.date_naive()).min()
    }
}

// ---------------------------------------------------------------- committee

/// A committee of the registry (comité).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Committee {
    pub level: CommitteeLevel,
    pub name: String,
    /// Region code from the reference data.
    pub region: String,
    #[serde(default)]
    pub cercle: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
    #[serde(default)]
    #[autosurgeon(with = "crate::doc::codec::opt_string")]
    pub installed_on: Option<NaiveDate>,
    /// Membership counts per college × sex.
    #[serde(default)]
    pub membership: Vec<AttendanceRow>,
}

impl Committee {
    pub fn members(&self) -> i64 {
        self.membership.iter().map(|r| r.women + r.men).sum()
    }
}
