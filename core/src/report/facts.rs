//! What one record contributes to the indicators: its committee, the month it counts
//! in, whether it is approved, and its numbers as a [`Tally`], which adds up.
//!
//! The store keeps one facts row per record and, per committee and month, the sum of
//! those rows (see `store::indicators`); indicators read the sums only. Everything here
//! is a pure function of the record: no clock, no database, no parameter that a user
//! may change later. The risk thresholds and the "operational" window are applied when
//! indicators are read (a tally keeps threats by score and sessions by date), so
//! changing them needs no recomputation.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::period::YearMonth;
use crate::model::*;

/// A recommendation counts as realised in time when it was first marked done within
/// this many days of being made (DOMAIN.md, indicator 5).
pub const REALISATION_DAYS: i64 = 90;

/// What a figure counts: approved records only, or every record that is not deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Approved by the CRSS, and not modified since.
    Approved,
    /// Every record on this device that is not deleted nor replaced by its copy,
    /// whatever its review status (drafts included).
    All,
}

impl Basis {
    pub fn code(self) -> &'static str {
        match self {
            Basis::Approved => "approved",
            Basis::All => "all",
        }
    }
}

impl std::str::FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "approved" | "approuve" | "approuvé" => Ok(Basis::Approved),
            "all" | "tout" | "toutes" => Ok(Basis::All),
            other => Err(other.to_string()),
        }
    }
}

/// Recommendations counted together (overall, per addressee, per domain).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecommendationCounts {
    pub made: i64,
    /// Whose status ever reached « transmise » or a later step (en cours, réalisée,
    /// partiellement réalisée, non réalisée).
    pub transmitted: i64,
    /// First marked « réalisée », whenever.
    pub realised: i64,
    /// First marked « réalisée » at most [`REALISATION_DAYS`] after being made.
    pub realised_in_time: i64,
}

impl RecommendationCounts {
    fn add(&mut self, o: &RecommendationCounts) {
        self.made += o.made;
        self.transmitted += o.transmitted;
        self.realised += o.realised;
        self.realised_in_time += o.realised_in_time;
    }
}

/// The additive numbers of one record, or of every record of a committee and month.
/// Lists (dates, delays) are kept sorted so that two equal sums are equal values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    // records and their review (indicator 8)
    /// Sessions, assessments, workshops and recommendations counted.
    pub records: i64,
    /// Submitted at least (any status but « non soumis »).
    pub submitted: i64,
    /// Validated by a facilitator or approved by the CRSS (status now).
    pub validated: i64,
    /// Approved by the CRSS (status now).
    pub approved: i64,
    /// Days from a record's creation on its author's device to its arrival on this one,
    /// for records that arrived by sync after this build began stamping arrivals.
    pub flow_delays: Vec<i64>,

    // sessions (2, 3, 4)
    pub sessions: i64,
    pub sessions_by_type: BTreeMap<SessionType, i64>,
    /// Days of the sessions, as days since 1 January of year 1 (for "operational").
    pub session_days: Vec<i32>,
    pub sessions_with_quorum: i64,
    pub sessions_with_fds: i64,
    pub invited: i64,
    pub present: i64,
    /// Sum of the attendance rows (college × sex).
    pub attendance: i64,
    pub attendance_women: i64,
    /// The « jeunes » college.
    pub attendance_youth: i64,

    // assessments (6)
    pub assessments: i64,
    pub threats: i64,
    pub threats_by_category: BTreeMap<ThreatCategory, i64>,
    /// Threats by score (likelihood × impact), so the levels follow the thresholds of
    /// the moment they are read.
    pub threats_by_score: BTreeMap<i64, i64>,

    // workshops (7)
    pub workshops: i64,
    pub participants: i64,
    pub participants_women: i64,
    pub participants_youth: i64,

    // recommendations (5)
    pub recommendations: RecommendationCounts,
    /// Days from made to first realised, for those realised.
    pub realisation_delays: Vec<i64>,
    pub by_addressee: BTreeMap<Addressee, RecommendationCounts>,
    pub by_domain: BTreeMap<RecommendationDomain, RecommendationCounts>,
}

fn add_map<K: Ord + Copy>(into: &mut BTreeMap<K, i64>, from: &BTreeMap<K, i64>) {
    for (k, v) in from {
        *into.entry(*k).or_default() += v;
    }
}

impl Tally {
    /// Adds `o` into `self`. Lists are appended; call [`Tally::normalize`] after a
    /// series of additions.
    pub fn add(&mut self, o: &Tally) {
        self.records += o.records;
        self.submitted += o.submitted;
        self.validated += o.validated;
        self.approved += o.approved;
        self.flow_delays.extend_from_slice(&o.flow_delays);
        self.sessions += o.sessions;
        add_map(&mut self.sessions_by_type, &o.sessions_by_type);
        self.session_days.extend_from_slice(&o.session_days);
        self.sessions_with_quorum += o.sessions_with_quorum;
        self.sessions_with_fds += o.sessions_with_fds;
        self.invited += o.invited;
        self.present += o.present;
        self.attendance += o.attendance;
        self.attendance_women += o.attendance_women;
        self.attendance_youth += o.attendance_youth;
        self.assessments += o.assessments;
        self.threats += o.threats;
        add_map(&mut self.threats_by_category, &o.threats_by_category);
        add_map(&mut self.threats_by_score, &o.threats_by_score);
        self.workshops += o.workshops;
        self.participants += o.participants;
        self.participants_women += o.participants_women;
        self.participants_youth += o.participants_youth;
        self.recommendations.add(&o.recommendations);
        self.realisation_delays.extend_from_slice(&o.realisation_delays);
        for (k, v) in &o.by_addressee {
            self.by_addressee.entry(*k).or_default().add(v);
        }
        for (k, v) in &o.by_domain {
            self.by_domain.entry(*k).or_default().add(v);
        }
    }

    /// Sorts the lists, so that equal sums made in any order are equal.
    pub fn normalize(&mut self) {
        self.flow_delays.sort_unstable();
        self.session_days.sort_unstable();
        self.realisation_delays.sort_unstable();
    }

    /// The sum of `tallies`, normalised.
    pub fn sum<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Tally {
        let mut t = Tally::default();
        for x in tallies {
            t.add(x);
        }
        t.normalize();
        t
    }

    /// Whether nothing is counted.
    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    /// Days of the sessions as dates.
    pub fn session_dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.session_days.iter().filter_map(|d| NaiveDate::from_num_days_from_ce_opt(*d))
    }
}

/// A committee as the indicators see it: from its registry record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEntry {
    pub level: CommitteeLevel,
    pub region: String,
    pub installed_on: Option<NaiveDate>,
}

/// What the store knows of a record beyond the record itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactsContext {
    /// When the document first arrived on this device, if it came from elsewhere
    /// (`None` for a record made here, or one that arrived before arrivals were
    /// stamped).
    pub received_at: Option<DateTime<Utc>>,
    /// Edited since its approval (set by the review's « modifié après approbation »):
    /// such a record no longer counts as approved.
    pub modified_after_approval: bool,
}

/// One record's contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    pub committee_id: CommitteeId,
    /// The month of the record's date; `None` for a committee record.
    pub month: Option<YearMonth>,
    /// Whether it counts under [`Basis::Approved`].
    pub approved: bool,
    /// Whether it counts at all: not deleted.
    pub counted: bool,
    pub tally: Tally,
    /// For a committee record: its registry entry.
    pub registry: Option<RegistryEntry>,
}

fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The contribution of `record`. A deleted record counts for nothing.
pub fn facts(record: &Record, ctx: &FactsContext) -> RecordFacts {
    let status = record.review_status();
    let counted = status != ReviewStatus::Deleted;
    let approved = counted && status == ReviewStatus::Approved && !ctx.modified_after_approval;
    let mut t = Tally::default();
    let mut registry = None;
    let month = match &record.body {
        RecordBody::Committee(_) => None,
        _ => record.date().map(YearMonth::of),
    };
    if !counted {
        return RecordFacts { committee_id: record.committee_id, month, approved, counted, tally: t, registry };
    }
    if record.kind() != RecordKind::Committee {
        t.records = 1;
        t.submitted = i64::from(status != ReviewStatus::Draft);
        t.validated = i64::from(matches!(status, ReviewStatus::Validated | ReviewStatus::Approved));
        t.approved = i64::from(status == ReviewStatus::Approved);
        if let Some(at) = ctx.received_at {
            t.flow_delays.push((at - record.created_at).num_days().max(0));
        }
    }
    match &record.body {
        RecordBody::Session(s) => {
            t.sessions = 1;
            t.sessions_by_type.insert(s.session_type, 1);
            t.session_days.push(s.date.num_days_from_ce());
            t.sessions_with_quorum = i64::from(s.quorum());
            t.sessions_with_fds = i64::from(s.fds_present());
            t.invited = s.invited;
            t.present = s.present;
            t.attendance = s.attendance_total();
            t.attendance_women = s.attendance_women();
            t.attendance_youth =
                s.attendance.iter().filter(|r| r.college == College::Youth).map(|r| r.women + r.men).sum();
        }
        RecordBody::Assessment(a) => {
            t.assessments = 1;
            t.threats = a.threats.len() as i64;
            for th in &a.threats {
                *t.threats_by_category.entry(th.category).or_default() += 1;
                *t.threats_by_score.entry(th.score()).or_default() += 1;
            }
        }
        RecordBody::Workshop(w) => {
            let p = w.totals();
            t.workshops = 1;
            t.participants = p.total;
            t.participants_women = p.women;
            t.participants_youth = p.youth;
        }
        RecordBody::Recommendation(r) => {
            let reached_transmission = r.status_history.iter().any(|c| {
                matches!(
                    c.status,
                    RecommendationStatus::Transmitted
                        | RecommendationStatus::InProgress
                        | RecommendationStatus::Done
                        | RecommendationStatus::PartlyDone
                        | RecommendationStatus::NotDone
                )
            });
            let delay = r.realised_on().map(|d| days(r.made_on, d).max(0));
            let counts = RecommendationCounts {
                made: 1,
                transmitted: i64::from(reached_transmission),
                realised: i64::from(delay.is_some()),
                realised_in_time: i64::from(delay.is_some_and(|d| d <= REALISATION_DAYS)),
            };
            t.recommendations = counts;
            t.realisation_delays.extend(delay);
            t.by_addressee.insert(r.addressee, counts);
            t.by_domain.insert(r.domain, counts);
        }
        RecordBody::Committee(c) => {
            registry = Some(RegistryEntry { level: c.level, region: c.region.clone(), installed_on: c.installed_on });
        }
    }
    RecordFacts { committee_id: record.committee_id, month, approved, counted, tally: t, registry }
}
