//! The eight indicators of DOMAIN.md ("Indicators the CRSS follows"), as a pure function
//! of the committees' registry and the per-committee, per-month tallies, with `now`
//! and the thresholds passed in ([`compute`]).
//!
//! Each indicator comes as a [`Breakdown`]: the total over the filter, by region, by
//! committee level and month by month within the period, which is what the dashboard's
//! bars and trends and the quarterly report's tables need. Ratios are kept as
//! numerator and denominator ([`Ratio`]), so a table can show the figures behind a
//! share. Each breakdown says what it counts ([`Basis`]).
//!
//! Definitions (the date "as of" is the period's last day, or today while the period
//! runs):
//! 1. a committee is *registered* when its registry record is on this device,
//!    *installed* when its `installed_on` is on or before the date as of (or unknown),
//!    *operational* when installed and holding a counted session dated within
//!    `operational_days` before the date as of (both ends included);
//! 2. sessions *expected*: `expected_sessions_per_month` for every month of the period
//!    that has begun, for every committee installed by the end of that month; the share
//!    of committees with ≥ 3 sessions a quarter is over (installed committee, calendar
//!    quarter of the period that has begun) pairs, counting the sessions of the whole
//!    quarter;
//! 3. attendance rate = present ÷ invited (the session's own counts); quorum and FDS
//!    present per session;
//! 4. women and youth (the « jeunes » college) over the attendance rows' total;
//! 5. recommendations by the month they were made; see [`RecommendationCounts`];
//! 6. assessments per committee and quarter = assessments ÷ (installed committee-months
//!    ÷ 3); levels by the thresholds passed in;
//! 7. workshops by their first day;
//! 8. data flow: days from creation on the author's device to arrival on this device
//!    (records received by sync only), and the shares submitted, validated (by a
//!    facilitator, or approved since) and approved, of the records counted.
//!
//! Records count by their committee's region and level (a record whose committee's
//! registry entry is not on this device counts in the totals and under no region).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{Basis, RecommendationCounts, RegistryEntry, Tally};
use super::period::{Period, YearMonth};
use crate::model::*;

/// Which records and which committees the indicators cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct IndicatorFilter {
    pub period: Period,
    pub basis: Basis,
    /// A region code of the reference data.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub level: Option<CommitteeLevel>,
    #[serde(default)]
    pub committee_id: Option<CommitteeId>,
}

impl IndicatorFilter {
    /// Every committee, everything counted, over `period`.
    pub fn new(period: Period, basis: Basis) -> IndicatorFilter {
        IndicatorFilter { period, basis, region: None, level: None, committee_id: None }
    }
}

/// What the indicators are computed with, besides the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct IndicatorParams {
    pub now: DateTime<Utc>,
    /// A committee is operational with a session in this many days (90).
    pub operational_days: i64,
    pub thresholds: LevelThresholds,
    /// Sessions a committee is expected to hold each month (1: the statutory monthly
    /// meeting).
    pub expected_sessions_per_month: i64,
    /// The reference share of women and youth (0.30, Loi n°2015-052).
    pub inclusion_reference: f64,
}

impl IndicatorParams {
    /// The defaults of DOMAIN.md at `now`.
    pub fn new(now: DateTime<Utc>) -> IndicatorParams {
        IndicatorParams {
            now,
            operational_days: 90,
            thresholds: LevelThresholds::default(),
            expected_sessions_per_month: 1,
            inclusion_reference: 0.30,
        }
    }
}

/// A share kept with its figures. `share` is `None` when the denominator is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
    pub share: Option<f64>,
}

impl Ratio {
    pub fn new(numerator: i64, denominator: i64) -> Ratio {
        Ratio { numerator, denominator, share: (denominator != 0).then(|| numerator as f64 / denominator as f64) }
    }

    /// The share in percent, rounded to one decimal, for tables.
    pub fn percent(&self) -> Option<f64> {
        self.share.map(|s| (s * 1000.0).round() / 10.0)
    }
}

/// One indicator over the filter: in total, by region, by level, month by month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Breakdown<T> {
    /// What the figures count.
    pub counts: Basis,
    pub total: T,
    /// Regions of the committees in scope, by code; `region: null` gathers records of
    /// committees whose registry entry is not on this device.
    pub by_region: Vec<ByRegion<T>>,
    /// The three levels, always, in the order of [`CommitteeLevel::ALL`].
    pub by_level: Vec<ByLevel<T>>,
    /// Every month of the period, in order.
    pub by_month: Vec<ByMonth<T>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ByRegion<T> {
    pub region: Option<String>,
    /// The region's name in the reference data.
    pub region_name: Option<String>,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ByLevel<T> {
    pub level: CommitteeLevel,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ByMonth<T> {
    pub month: YearMonth,
    pub value: T,
}

/// 1. Committees installed and operational.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CommitteesIndicator {
    pub registered: i64,
    pub installed: i64,
    pub operational: i64,
    /// Operational ÷ installed.
    pub operational_share: Ratio,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SessionTypeCount {
    pub session_type: SessionType,
    pub count: i64,
}

/// 2. Sessions held against sessions expected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SessionsIndicator {
    pub held: i64,
    pub expected: i64,
    /// Held ÷ expected (may pass 1: extraordinary sessions count too).
    pub held_vs_expected: Ratio,
    /// Every session type, in the order of [`SessionType::ALL`].
    pub by_type: Vec<SessionTypeCount>,
    /// (committee, quarter) pairs with at least three sessions ÷ all such pairs.
    pub committees_with_three_a_quarter: Ratio,
}

/// 3. Attendance, quorum and presence of the FDS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AttendanceIndicator {
    pub sessions: i64,
    /// Present ÷ invited, summed over sessions.
    pub attendance_rate: Ratio,
    /// Sessions with quorum ÷ sessions.
    pub quorum_rate: Ratio,
    /// Sessions with at least one member of the FDS college ÷ sessions.
    pub fds_present: Ratio,
}

/// 4. Women and youth among those present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct InclusionIndicator {
    pub women: Ratio,
    pub youth: Ratio,
    /// The reference share (0.30).
    pub reference: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AddresseeCounts {
    pub addressee: Addressee,
    pub counts: RecommendationCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DomainCounts {
    pub domain: RecommendationDomain,
    pub counts: RecommendationCounts,
}

/// 5. Recommendations and their follow-up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecommendationsIndicator {
    pub counts: RecommendationCounts,
    /// Transmitted ÷ made.
    pub transmitted: Ratio,
    /// Realised within 90 days ÷ made.
    pub realised_in_time: Ratio,
    /// Median of the days from made to realised, over those realised.
    pub median_delay_days: Option<f64>,
    /// Addressees with at least one recommendation, in the order of [`Addressee::ALL`].
    pub by_addressee: Vec<AddresseeCounts>,
    /// Domains with at least one recommendation, in the order of
    /// [`RecommendationDomain::ALL`].
    pub by_domain: Vec<DomainCounts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CategoryCount {
    pub category: ThreatCategory,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RiskLevelCount {
    pub level: RiskLevel,
    pub count: i64,
}

/// 6. Assessments and the threats they hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AssessmentsIndicator {
    pub assessments: i64,
    /// Installed committee-months of the period (the denominator of the rate).
    pub committee_months: i64,
    /// Assessments per committee per quarter.
    pub per_committee_per_quarter: Option<f64>,
    pub threats: i64,
    /// Categories with at least one threat, in the order of [`ThreatCategory::ALL`].
    pub by_category: Vec<CategoryCount>,
    /// The four levels, always, lowest first.
    pub by_level: Vec<RiskLevelCount>,
    /// Threats of level « élevé » or « très élevé ».
    pub high_or_very_high: i64,
}

/// 7. Workshop participants, as partners report them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WorkshopsIndicator {
    pub workshops: i64,
    pub participants: ParticipationTotals,
    pub women: Ratio,
    pub youth: Ratio,
}

impl WorkshopsIndicator {
    /// « 2 797 (540 F, 818 J) », as partners write it.
    pub fn partner_text(&self) -> String {
        let p = &self.participants;
        format!("{} ({} F, {} J)", group_thousands(p.total), group_thousands(p.women), group_thousands(p.youth))
    }
}

/// A number with a (narrow no-break) space between thousands, the French way.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// 8. How records flow: delay to reach this device, review shares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DataFlowIndicator {
    pub records: i64,
    /// Records whose arrival on this device is known (received by sync).
    pub delays_known: i64,
    pub median_delay_days: Option<f64>,
    pub submitted: Ratio,
    pub validated: Ratio,
    pub approved: Ratio,
}

/// All eight indicators over one filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Indicators {
    pub filter: IndicatorFilter,
    /// The date the state of committees is taken at: the period's last day, or today.
    pub as_of: NaiveDate,
    pub months: Vec<YearMonth>,
    pub operational_days: i64,
    pub committees: Breakdown<CommitteesIndicator>,
    pub sessions: Breakdown<SessionsIndicator>,
    pub attendance: Breakdown<AttendanceIndicator>,
    pub inclusion: Breakdown<InclusionIndicator>,
    pub recommendations: Breakdown<RecommendationsIndicator>,
    pub assessments: Breakdown<AssessmentsIndicator>,
    pub workshops: Breakdown<WorkshopsIndicator>,
    pub data_flow: Breakdown<DataFlowIndicator>,
}

/// A committee known to the indicators: from the registry, or seen in a tally only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeEntry {
    pub committee_id: CommitteeId,
    pub registry: Option<RegistryEntry>,
}

/// The tally of one committee and month, under the filter's basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthTally {
    pub committee_id: CommitteeId,
    pub month: YearMonth,
    pub tally: Tally,
}

/// The months of tallies [`compute`] needs for `period`: from the start of the first
/// quarter or of the operational window, whichever is earlier, to the end of the last
/// quarter.
pub fn months_needed(period: Period, params: &IndicatorParams) -> (YearMonth, YearMonth) {
    // The first month's own "as of" (its last day) starts the earliest window needed.
    let first = period.first_month();
    let earliest = first.last_day().min(as_of(period, params.now));
    let window = YearMonth::of(earliest - Duration::days(params.operational_days.max(0)));
    let quarter_start = YearMonth { year: first.year, month: (first.quarter() - 1) * 3 + 1 };
    let last = period.last_month();
    let quarter_end = YearMonth { year: last.year, month: last.quarter() * 3 };
    (window.min(quarter_start), quarter_end)
}

/// The day the state of committees is taken at.
pub fn as_of(period: Period, now: DateTime<Utc>) -> NaiveDate {
    period.end().min(now.date_naive())
}

/// Whether a committee passes the filter's region, level and committee.
pub fn committee_matches(filter: &IndicatorFilter, c: &CommitteeEntry) -> bool {
    if filter.committee_id.is_some_and(|id| id != c.committee_id) {
        return false;
    }
    if let Some(region) = &filter.region {
        if c.registry.as_ref().is_none_or(|r| &r.region != region) {
            return false;
        }
    }
    if let Some(level) = filter.level {
        if c.registry.as_ref().is_none_or(|r| r.level != level) {
            return false;
        }
    }
    true
}

/// One committee in scope with what the indicators need of its tallies, summed once.
struct InScope<'a> {
    entry: &'a CommitteeEntry,
    /// The sum over the period's months.
    period: Tally,
    /// Its counted sessions' dates, over every month read (for "operational").
    session_dates: Vec<NaiveDate>,
    /// Sessions per (year, quarter).
    quarters: BTreeMap<(i32, u32), i64>,
}

struct Eight {
    committees: CommitteesIndicator,
    sessions: SessionsIndicator,
    attendance: AttendanceIndicator,
    inclusion: InclusionIndicator,
    recommendations: RecommendationsIndicator,
    assessments: AssessmentsIndicator,
    workshops: WorkshopsIndicator,
    data_flow: DataFlowIndicator,
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 { sorted[n / 2] as f64 } else { (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0 })
}

fn installed_by(r: &RegistryEntry, day: NaiveDate) -> bool {
    r.installed_on.is_none_or(|d| d <= day)
}

/// The eight indicators of a group of committees whose tallies over `months` add up
/// to `tally`, committees taken at `as_of`.
fn eight(
    group: &[&InScope<'_>],
    tally: &Tally,
    months: &[YearMonth],
    as_of: NaiveDate,
    today: NaiveDate,
    params: &IndicatorParams,
) -> Eight {
    // 1. committees
    let window_start = as_of - Duration::days(params.operational_days.max(0));
    let registered = group.iter().filter(|c| c.entry.registry.is_some()).count();
    let installed: Vec<&&InScope<'_>> =
        group.iter().filter(|c| c.entry.registry.as_ref().is_some_and(|r| installed_by(r, as_of))).collect();
    let operational =
        installed.iter().filter(|c| c.session_dates.iter().any(|d| *d >= window_start && *d <= as_of)).count() as i64;
    let committees = CommitteesIndicator {
        registered: registered as i64,
        installed: installed.len() as i64,
        operational,
        operational_share: Ratio::new(operational, installed.len() as i64),
    };

    // 2. sessions
    let begun: Vec<YearMonth> = months.iter().copied().filter(|m| m.first_day() <= today).collect();
    let committee_months: i64 = group
        .iter()
        .filter_map(|c| c.entry.registry.as_ref())
        .map(|r| begun.iter().filter(|m| installed_by(r, m.last_day())).count() as i64)
        .sum();
    let expected = committee_months * params.expected_sessions_per_month;
    let quarters: BTreeSet<(i32, u32)> = begun.iter().map(|m| (m.year, m.quarter())).collect();
    let mut pairs = 0;
    let mut with_three = 0;
    for (year, q) in &quarters {
        let quarter_end = YearMonth { year: *year, month: q * 3 }.last_day();
        for c in group {
            let Some(r) = &c.entry.registry else { continue };
            if !installed_by(r, quarter_end) {
                continue;
            }
            pairs += 1;
            if c.quarters.get(&(*year, *q)).copied().unwrap_or(0) >= 3 {
                with_three += 1;
            }
        }
    }
    let sessions = SessionsIndicator {
        held: tally.sessions,
        expected,
        held_vs_expected: Ratio::new(tally.sessions, expected),
        by_type: SessionType::ALL
            .iter()
            .map(|t| SessionTypeCount { session_type: *t, count: tally.sessions_by_type.get(t).copied().unwrap_or(0) })
            .collect(),
        committees_with_three_a_quarter: Ratio::new(with_three, pairs),
    };

    // 3, 4. attendance and inclusion
    let attendance = AttendanceIndicator {
        sessions: tally.sessions,
        attendance_rate: Ratio::new(tally.present, tally.invited),
        quorum_rate: Ratio::new(tally.sessions_with_quorum, tally.sessions),
        fds_present: Ratio::new(tally.sessions_with_fds, tally.sessions),
    };
    let inclusion = InclusionIndicator {
        women: Ratio::new(tally.attendance_women, tally.attendance),
        youth: Ratio::new(tally.attendance_youth, tally.attendance),
        reference: params.inclusion_reference,
    };

    // 5. recommendations
    let c = tally.recommendations;
    let recommendations = RecommendationsIndicator {
        counts: c,
        transmitted: Ratio::new(c.transmitted, c.made),
        realised_in_time: Ratio::new(c.realised_in_time, c.made),
        median_delay_days: median(&tally.realisation_delays),
        by_addressee: Addressee::ALL
            .iter()
            .filter_map(|a| tally.by_addressee.get(a).map(|counts| AddresseeCounts { addressee: *a, counts: *counts }))
            .collect(),
        by_domain: RecommendationDomain::ALL
            .iter()
            .filter_map(|d| tally.by_domain.get(d).map(|counts| DomainCounts { domain: *d, counts: *counts }))
            .collect(),
    };

    // 6. assessments
    let mut by_level: BTreeMap<RiskLevel, i64> = BTreeMap::new();
    for (score, n) in &tally.threats_by_score {
        *by_level.entry(level_of(*score, &params.thresholds)).or_default() += n;
    }
    let level_count = |l: RiskLevel| by_level.get(&l).copied().unwrap_or(0);
    let assessments = AssessmentsIndicator {
        assessments: tally.assessments,
        committee_months,
        per_committee_per_quarter: (committee_months > 0)
            .then(|| tally.assessments as f64 * 3.0 / committee_months as f64),
        threats: tally.threats,
        by_category: ThreatCategory::ALL
            .iter()
            .filter_map(|k| tally.threats_by_category.get(k).map(|n| CategoryCount { category: *k, count: *n }))
            .collect(),
        by_level: RiskLevel::ALL.iter().map(|l| RiskLevelCount { level: *l, count: level_count(*l) }).collect(),
        high_or_very_high: level_count(RiskLevel::High) + level_count(RiskLevel::VeryHigh),
    };

    // 7. workshops
    let workshops = WorkshopsIndicator {
        workshops: tally.workshops,
        participants: ParticipationTotals {
            total: tally.participants,
            women: tally.participants_women,
            youth: tally.participants_youth,
        },
        women: Ratio::new(tally.participants_women, tally.participants),
        youth: Ratio::new(tally.participants_youth, tally.participants),
    };

    // 8. data flow
    let data_flow = DataFlowIndicator {
        records: tally.records,
        delays_known: tally.flow_delays.len() as i64,
        median_delay_days: median(&tally.flow_delays),
        submitted: Ratio::new(tally.submitted, tally.records),
        validated: Ratio::new(tally.validated, tally.records),
        approved: Ratio::new(tally.approved, tally.records),
    };

    Eight { committees, sessions, attendance, inclusion, recommendations, assessments, workshops, data_flow }
}

/// The level of a score under `t` (as [`Threat::level`]).
pub fn level_of(score: i64, t: &LevelThresholds) -> RiskLevel {
    if score >= t.very_high {
        RiskLevel::VeryHigh
    } else if score >= t.high {
        RiskLevel::High
    } else if score >= t.medium {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    }
}

/// The indicators over `filter`, from the registry (`committees`) and the tallies of
/// the filter's basis (`rows`, at least the months of [`months_needed`]; others are
/// ignored where they do not matter). `region_name` names a region code.
pub fn compute(
    committees: &[CommitteeEntry],
    rows: &[MonthTally],
    filter: &IndicatorFilter,
    params: &IndicatorParams,
    region_name: impl Fn(&str) -> Option<String>,
) -> Indicators {
    let today = params.now.date_naive();
    let as_of = as_of(filter.period, params.now);
    let months = filter.period.months();

    // Only the months that matter, whatever the caller passed: the result depends on
    // the data of those months alone.
    let (from, to) = months_needed(filter.period, params);
    let rows: Vec<&MonthTally> = rows.iter().filter(|r| r.month >= from && r.month <= to).collect();
    // Committees seen in tallies but absent from the registry still count in totals.
    let mut all: Vec<CommitteeEntry> = committees.to_vec();
    let known: BTreeSet<CommitteeId> = committees.iter().map(|c| c.committee_id).collect();
    let unknown: BTreeSet<CommitteeId> = rows.iter().map(|r| r.committee_id).filter(|id| !known.contains(id)).collect();
    all.extend(unknown.into_iter().map(|committee_id| CommitteeEntry { committee_id, registry: None }));
    let scope: Vec<&CommitteeEntry> = all.iter().filter(|c| committee_matches(filter, c)).collect();
    let in_scope: BTreeSet<CommitteeId> = scope.iter().map(|c| c.committee_id).collect();
    let rows: Vec<&MonthTally> = rows.into_iter().filter(|r| in_scope.contains(&r.committee_id)).collect();

    // Each committee's tallies are summed once; groups add up committees.
    let in_months: BTreeSet<YearMonth> = months.iter().copied().collect();
    let mut data: Vec<InScope<'_>> = scope
        .iter()
        .map(|entry| InScope { entry, period: Tally::default(), session_dates: Vec::new(), quarters: BTreeMap::new() })
        .collect();
    let index: std::collections::HashMap<CommitteeId, usize> =
        data.iter().enumerate().map(|(i, c)| (c.entry.committee_id, i)).collect();
    let mut month_sums: BTreeMap<YearMonth, Tally> = BTreeMap::new();
    for r in &rows {
        let Some(c) = index.get(&r.committee_id).map(|i| &mut data[*i]) else { continue };
        if in_months.contains(&r.month) {
            c.period.add(&r.tally);
            month_sums.entry(r.month).or_default().add(&r.tally);
        }
        c.session_dates.extend(r.tally.session_dates());
        if r.tally.sessions > 0 {
            *c.quarters.entry((r.month.year, r.month.quarter())).or_default() += r.tally.sessions;
        }
    }
    for c in &mut data {
        c.period.normalize();
    }
    let group_of = |pick: &dyn Fn(&CommitteeEntry) -> bool| -> (Vec<&InScope<'_>>, Tally) {
        let group: Vec<&InScope<'_>> = data.iter().filter(|c| pick(c.entry)).collect();
        let tally = Tally::sum(group.iter().map(|c| &c.period));
        (group, tally)
    };

    let (everyone, sum) = group_of(&|_| true);
    let total = eight(&everyone, &sum, &months, as_of, today, params);
    let regions: BTreeSet<Option<String>> =
        scope.iter().map(|c| c.registry.as_ref().map(|r| r.region.clone())).collect();
    let by_region: Vec<(Option<String>, Eight)> = regions
        .into_iter()
        .map(|region| {
            let (g, t) = group_of(&|c| c.registry.as_ref().map(|r| &r.region) == region.as_ref());
            let e = eight(&g, &t, &months, as_of, today, params);
            (region, e)
        })
        .collect();
    let by_level: Vec<(CommitteeLevel, Eight)> = CommitteeLevel::ALL
        .iter()
        .map(|l| {
            let (g, t) = group_of(&|c| c.registry.as_ref().is_some_and(|r| r.level == *l));
            (*l, eight(&g, &t, &months, as_of, today, params))
        })
        .collect();
    let by_month: Vec<(YearMonth, Eight)> = months
        .iter()
        .map(|m| {
            let mut t = month_sums.get(m).cloned().unwrap_or_default();
            t.normalize();
            (*m, eight(&everyone, &t, &[*m], m.last_day().min(today), today, params))
        })
        .collect();

    macro_rules! breakdown {
        ($field:ident) => {
            Breakdown {
                counts: filter.basis,
                total: total.$field.clone(),
                by_region: by_region
                    .iter()
                    .map(|(region, e)| ByRegion {
                        region: region.clone(),
                        region_name: region.as_deref().and_then(&region_name),
                        value: e.$field.clone(),
                    })
                    .collect(),
                by_level: by_level
                    .iter()
                    .map(|(level, e)| ByLevel { level: *level, value: e.$field.clone() })
                    .collect(),
                by_month: by_month
                    .iter()
                    .map(|(month, e)| ByMonth { month: *month, value: e.$field.clone() })
                    .collect(),
            }
        };
    }

    Indicators {
        filter: filter.clone(),
        as_of,
        months: months.clone(),
        operational_days: params.operational_days,
        committees: breakdown!(committees),
        sessions: breakdown!(sessions),
        attendance: breakdown!(attendance),
        inclusion: breakdown!(inclusion),
        recommendations: breakdown!(recommendations),
        assessments: breakdown!(assessments),
        workshops: breakdown!(workshops),
        data_flow: breakdown!(data_flow),
    }
}
