//! The data of the quarterly report « Rapport trimestriel »: what the CRSS publishes each
//! quarter, assembled here from the indicators and the recommendations, and typeset
//! elsewhere (`ccs-report-pdf`, which knows Typst; this module knows nothing of PDF).
//!
//! The report is made to be read widely (partners, ministries, the press): it holds
//! aggregate figures only, and of free text only the texts of recommendations that are
//! not confidential. No named attendance, no session summary, no threat note, nothing of
//! a confidential record; how many confidential recommendations were left out is stated,
//! so a reader knows the list is not complete.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use std::collections::HashMap;

use crate::error_code::ErrorCode;
use crate::i18n::Lang;
use crate::model::{
    Addressee, CommitteeId, Recommendation, RecommendationDomain, RecommendationStatus, Record, RecordBody, RecordKind,
    ReviewStatus, Sensitivity,
};
use crate::report::{Basis, Breakdown, IndicatorFilter, IndicatorParams, Indicators, Period, YearMonth};
use crate::store::{ListFilter, Store, StoreError};

/// A calendar quarter, written `2026-T4` (T for trimestre) as French reports do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u8,
}

/// Why a quarter could not be read; its code is [`ErrorCode::ReportBadQuarter`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid quarter `{0}`: expected YEAR-TN with N from 1 to 4, e.g. 2026-T4")]
pub struct BadQuarter(pub String);

impl BadQuarter {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::ReportBadQuarter
    }
}

impl std::str::FromStr for Quarter {
    type Err = BadQuarter;

    /// `2026-T4`; `2026-Q4` is accepted too, for English speakers' scripts.
    fn from_str(s: &str) -> Result<Quarter, BadQuarter> {
        let bad = || BadQuarter(s.to_string());
        let (year, q) = s.trim().split_once('-').ok_or_else(bad)?;
        let number = q.strip_prefix(['T', 't', 'Q', 'q']).ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let number: u8 = number.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&number) || !(2000..=2999).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, number })
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-T{}", self.year, self.number)
    }
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

impl Quarter {
    /// The quarter a date falls in.
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter { year: date.year(), number: (date.month0() / 3 + 1) as u8 }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.number) * 3 - 2, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.months()[2].1
    }

    /// The three months: (first day, last day) each.
    pub fn months(self) -> [(NaiveDate, NaiveDate); 3] {
        let first = self.first_day();
        let month = |k: u32| {
            let start = first.checked_add_months(chrono::Months::new(k)).unwrap_or(first);
            let end = start.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(start);
            (start, end)
        };
        [month(0), month(1), month(2)]
    }

    /// « 4e trimestre 2026 », « 1er trimestre 2027 ».
    pub fn label_fr(self) -> String {
        let ordinal = if self.number == 1 { "1er".to_string() } else { format!("{}e", self.number) };
        format!("{ordinal} trimestre {}", self.year)
    }
}

/// « 2 décembre 2026 », « 1er octobre 2026 ».
pub fn date_fr(date: NaiveDate) -> String {
    let day = if date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{day} {} {}", MONTHS_FR[date.month0() as usize], date.year())
}

/// « octobre 2026 ».
pub fn month_fr(date: NaiveDate) -> String {
    format!("{} {}", MONTHS_FR[date.month0() as usize], date.year())
}

/// What the report covers and how it counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportScope {
    pub quarter: Quarter,
    /// A region code, or the whole country.
    pub region: Option<String>,
    /// The region's French name, when one is chosen.
    pub region_name: Option<String>,
    /// Only what the CRSS approved, or every record the device holds.
    pub basis: Basis,
    /// The day the report is made (never the clock inside: passed in).
    pub generated_on: NaiveDate,
}

/// The eight indicators over one slice of the quarter (the whole, a month, a region).
/// `None` is "cannot be computed" (no session, nothing expected), never 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    // 1. Committees
    pub committees_installed: u64,
    pub committees_operational: u64,
    // 2. Sessions
    pub sessions_held: u64,
    pub sessions_expected: u64,
    pub share_committees_three_sessions: Option<f64>,
    // 3. Attendance
    pub attendance_rate: Option<f64>,
    pub quorum_rate: Option<f64>,
    pub fds_present_rate: Option<f64>,
    // 4. Women and youth among those present
    pub women_share: Option<f64>,
    pub youth_share: Option<f64>,
    // 5. Recommendations
    pub recommendations_made: u64,
    pub recommendations_transmitted: u64,
    pub recommendations_realised_90_days: u64,
    pub recommendation_median_delay_days: Option<f64>,
    // 6. Assessments and risks
    pub assessments: u64,
    pub high_risks: u64,
    pub very_high_risks: u64,
    // 7. Workshops
    pub workshop_participants: u64,
    pub workshop_women: u64,
    pub workshop_youth: u64,
    // 8. Data flow
    pub sync_median_delay_days: Option<f64>,
    pub validated_share: Option<f64>,
    pub approved_share: Option<f64>,
}

/// One line of a breakdown: a label and its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    /// A region code or a month (`2026-10`).
    pub key: String,
    /// French label: « Tombouctou », « octobre 2026 ».
    pub label: String,
    pub figures: Figures,
}

/// A count per labelled category (threat categories, delay buckets, addressees).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelCount {
    pub label: String,
    pub count: u64,
}

/// A recommendation followed up during the quarter, as the report prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationLine {
    pub made_on: NaiveDate,
    pub committee: String,
    pub region: String,
    /// Cut to [`RECOMMENDATION_TEXT_CHARS`] characters, with « … » when cut.
    pub text: String,
    pub addressee: String,
    pub domain: String,
    pub status: String,
    /// Days from made to realised, or to the end of the quarter while not realised.
    pub delay_days: i64,
    pub realised: bool,
}

/// How much of a recommendation's text the report prints: enough to recognise it.
pub const RECOMMENDATION_TEXT_CHARS: usize = 160;

/// Everything the quarterly report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterlyReport {
    pub scope: ReportScope,
    /// The quarter as a whole.
    pub total: Figures,
    /// Month by month (three slices).
    pub months: Vec<Slice>,
    /// Region by region, in the order of the reference data.
    pub regions: Vec<Slice>,
    /// Threats recorded in the quarter's assessments, by category, most frequent first.
    pub threat_mix: Vec<LabelCount>,
    /// Recommendations made or whose status changed during the quarter (confidential
    /// ones left out).
    pub recommendations: Vec<RecommendationLine>,
    /// How long the recommendations followed up took, in buckets; counts over all of
    /// them, confidential ones included (a count names no one).
    pub delays: Vec<LabelCount>,
    /// Confidential recommendations followed up in the quarter and left out of the list.
    pub confidential_left_out: u64,
}

/// Cuts `text` to `max` characters on a character boundary, adding « … ».
pub fn truncate_text(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The French labels of a recommendation's closed values.
pub fn recommendation_labels(
    addressee: Addressee,
    domain: RecommendationDomain,
    status: RecommendationStatus,
) -> (String, String, String) {
    (addressee.label(Lang::Fr).into(), domain.label(Lang::Fr).into(), status.label(Lang::Fr).into())
}

/// Every record of `kind` in `region` (all pages), loaded.
fn records_of(store: &Store, kind: RecordKind, region: Option<&str>) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::new();
    let mut filter =
        ListFilter { kind: Some(kind), region: region.map(str::to_string), limit: 500, ..Default::default() };
    loop {
        let page = store.list(&filter)?;
        let n = page.items.len() as u32;
        for item in page.items {
            records.push(store.record(item.id)?);
        }
        if n == 0 || u64::from(filter.offset + n) >= page.total {
            return Ok(records);
        }
        filter.offset += n;
    }
}

/// The status a recommendation had at the end of `day` (its history up to then).
fn status_on(r: &Recommendation, day: NaiveDate) -> RecommendationStatus {
    r.status_history
        .iter()
        .filter(|c| c.at.date_naive() <= day)
        .max_by(|a, b| (a.at, a.by_device, a.id).cmp(&(b.at, b.by_device, b.id)))
        .map_or(RecommendationStatus::Proposed, |c| c.status)
}

/// The delay buckets of the chart, in the order shown.
const DELAY_BUCKETS: [&str; 5] = [
    "Réalisées en 30 jours ou moins",
    "Réalisées en 31 à 90 jours",
    "Réalisées après plus de 90 jours",
    "En attente depuis 90 jours ou moins",
    "En attente depuis plus de 90 jours",
];

fn delay_bucket(realised: bool, days: i64) -> usize {
    match (realised, days) {
        (true, d) if d <= 30 => 0,
        (true, d) if d <= 90 => 1,
        (true, _) => 2,
        (false, d) if d <= 90 => 3,
        (false, _) => 4,
    }
}

/// The recommendations followed up during the quarter: made in it, or whose status
/// changed in it. Confidential ones are counted (in the delays) but not listed.
/// Returns the lines (oldest first), the delay buckets and how many were left out.
pub fn followed_up(
    store: &Store,
    scope: &ReportScope,
) -> Result<(Vec<RecommendationLine>, Vec<LabelCount>, u64), StoreError> {
    let (first, last) = (scope.quarter.first_day(), scope.quarter.last_day());
    // A quarter still running is measured up to the day of the report.
    let end = last.min(scope.generated_on);
    let committees: HashMap<CommitteeId, (String, String)> = records_of(store, RecordKind::Committee, None)?
        .into_iter()
        .filter_map(|r| match r.body {
            RecordBody::Committee(c) => {
                let region = store.reference().region(&c.region).map_or_else(|| c.region.clone(), |u| u.name.clone());
                Some((r.committee_id, (c.name, region)))
            }
            _ => None,
        })
        .collect();
    let mut lines = Vec::new();
    let mut buckets = [0u64; 5];
    let mut left_out = 0;
    for record in records_of(store, RecordKind::Recommendation, scope.region.as_deref())? {
        if scope.basis == Basis::Approved && record.review_status() != ReviewStatus::Approved {
            continue;
        }
        let confidential = record.effective_sensitivity() == Sensitivity::Confidential;
        let RecordBody::Recommendation(r) = &record.body else { continue };
        let made_in = (first..=last).contains(&r.made_on);
        let changed_in = r.status_history.iter().any(|c| (first..=last).contains(&c.at.date_naive()));
        if !(made_in || changed_in) || r.made_on > end {
            continue;
        }
        let realised_on = r.realised_on().filter(|d| *d <= end);
        let delay_days = (realised_on.unwrap_or(end) - r.made_on).num_days().max(0);
        buckets[delay_bucket(realised_on.is_some(), delay_days)] += 1;
        if confidential {
            left_out += 1;
            continue;
        }
        let (committee, region) = committees.get(&record.committee_id).cloned().unwrap_or_default();
        let (addressee, domain, status) = recommendation_labels(r.addressee, r.domain, status_on(r, end));
        lines.push(RecommendationLine {
            made_on: r.made_on,
            committee,
            region,
            text: truncate_text(&r.text, RECOMMENDATION_TEXT_CHARS),
            addressee,
            domain,
            status,
            delay_days,
            realised: realised_on.is_some(),
        });
    }
    lines.sort_by(|a, b| (a.made_on, &a.committee, &a.text).cmp(&(b.made_on, &b.committee, &b.text)));
    let delays = DELAY_BUCKETS
        .iter()
        .zip(buckets)
        .map(|(label, count)| LabelCount { label: label.to_string(), count })
        .collect();
    Ok((lines, delays, left_out))
}

/// Which slice of the indicators' breakdowns a [`Figures`] is read from.
enum Slot<'a> {
    Total,
    Month(YearMonth),
    Region(&'a Option<String>),
}

fn at<'b, T>(b: &'b Breakdown<T>, slot: &Slot) -> Option<&'b T> {
    match slot {
        Slot::Total => Some(&b.total),
        Slot::Month(m) => b.by_month.iter().find(|x| x.month == *m).map(|x| &x.value),
        Slot::Region(r) => b.by_region.iter().find(|x| &x.region == *r).map(|x| &x.value),
    }
}

/// The report's eight figures from the indicators, for one slice.
fn figures(ind: &Indicators, slot: &Slot) -> Option<Figures> {
    use crate::model::RiskLevel;
    let committees = at(&ind.committees, slot)?;
    let sessions = at(&ind.sessions, slot)?;
    let attendance = at(&ind.attendance, slot)?;
    let inclusion = at(&ind.inclusion, slot)?;
    let recommendations = at(&ind.recommendations, slot)?;
    let assessments = at(&ind.assessments, slot)?;
    let workshops = at(&ind.workshops, slot)?;
    let flow = at(&ind.data_flow, slot)?;
    let risks = |level: RiskLevel| {
        assessments.by_level.iter().filter(|c| c.level == level).map(|c| c.count.max(0) as u64).sum::<u64>()
    };
    let n = |v: i64| v.max(0) as u64;
    Some(Figures {
        committees_installed: n(committees.installed),
        committees_operational: n(committees.operational),
        sessions_held: n(sessions.held),
        sessions_expected: n(sessions.expected),
        share_committees_three_sessions: sessions.committees_with_three_a_quarter.share,
        attendance_rate: attendance.attendance_rate.share,
        quorum_rate: attendance.quorum_rate.share,
        fds_present_rate: attendance.fds_present.share,
        women_share: inclusion.women.share,
        youth_share: inclusion.youth.share,
        recommendations_made: n(recommendations.counts.made),
        recommendations_transmitted: n(recommendations.counts.transmitted),
        recommendations_realised_90_days: n(recommendations.counts.realised_in_time),
        recommendation_median_delay_days: recommendations.median_delay_days,
        assessments: n(assessments.assessments),
        high_risks: risks(RiskLevel::High),
        very_high_risks: risks(RiskLevel::VeryHigh),
        workshop_participants: n(workshops.participants.total),
        workshop_women: n(workshops.participants.women),
        workshop_youth: n(workshops.participants.youth),
        sync_median_delay_days: flow.median_delay_days,
        validated_share: flow.validated.share,
        approved_share: flow.approved.share,
    })
}

/// The quarterly report of `quarter` over what `store` holds: one call of
/// [`Store::indicators`] for the quarter (its breakdowns give the months and the
/// regions), and the recommendations followed up ([`followed_up`]). `now` is the day
/// the report is made and the date the indicators are taken at for a running quarter.
pub fn assemble(
    store: &Store,
    quarter: Quarter,
    region: Option<&str>,
    basis: Basis,
    now: DateTime<Utc>,
) -> Result<QuarterlyReport, StoreError> {
    let filter = IndicatorFilter {
        period: Period::Quarter { year: quarter.year, quarter: u32::from(quarter.number) },
        basis,
        region: region.map(str::to_string),
        level: None,
        committee_id: None,
    };
    let ind = store.indicators(&filter, &IndicatorParams::new(now))?;
    let scope = ReportScope {
        quarter,
        region: region.map(str::to_string),
        region_name: region.map(|r| store.reference().region(r).map_or_else(|| r.to_string(), |u| u.name.clone())),
        basis,
        generated_on: now.date_naive(),
    };
    let months = quarter
        .months()
        .iter()
        .map(|(first, _)| {
            let month = YearMonth::of(*first);
            Slice {
                key: month.to_string(),
                label: month_fr(*first),
                figures: figures(&ind, &Slot::Month(month)).unwrap_or_default(),
            }
        })
        .collect();
    let regions = ind
        .committees
        .by_region
        .iter()
        .map(|r| Slice {
            key: r.region.clone().unwrap_or_default(),
            label: r.region_name.clone().or_else(|| r.region.clone()).unwrap_or_else(|| "Comité hors registre".into()),
            figures: figures(&ind, &Slot::Region(&r.region)).unwrap_or_default(),
        })
        .collect();
    let mut threat_mix: Vec<LabelCount> = ind
        .assessments
        .total
        .by_category
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| LabelCount { label: c.category.label(Lang::Fr).into(), count: c.count as u64 })
        .collect();
    threat_mix.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    let (recommendations, delays, confidential_left_out) = followed_up(store, &scope)?;
    Ok(QuarterlyReport {
        total: figures(&ind, &Slot::Total).unwrap_or_default(),
        scope,
        months,
        regions,
        threat_mix,
        recommendations,
        delays,
        confidential_left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_is_written_year_t_number() {
        let q: Quarter = "2026-T4".parse().unwrap();
        assert_eq!(q, Quarter { year: 2026, number: 4 });
        assert_eq!(q.to_string(), "2026-T4");
        assert_eq!("2027-q1".parse::<Quarter>().unwrap(), Quarter { year: 2027, number: 1 });
        for bad in ["2026-T5", "2026-T0", "2026", "T4-2026", "2026-4", "abcd-T1", "2026-T", "", "99999-T1"] {
            let e = bad.parse::<Quarter>().unwrap_err();
            assert_eq!(e.code(), ErrorCode::ReportBadQuarter, "{bad}");
        }
    }

    #[test]
    fn a_quarter_has_three_months_and_french_labels() {
        let q: Quarter = "2026-T4".parse().unwrap();
        let m = q.months();
        assert_eq!(
            m[0],
            (NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 10, 31).unwrap())
        );
        assert_eq!(m[1].1, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(q.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(q.label_fr(), "4e trimestre 2026");
        assert_eq!(Quarter { year: 2027, number: 1 }.label_fr(), "1er trimestre 2027");
        assert_eq!("2028-T1".parse::<Quarter>().unwrap().months()[1].1, NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        assert_eq!(Quarter::of(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()), q);
        assert_eq!(date_fr(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()), "1er octobre 2026");
        assert_eq!(month_fr(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()), "décembre 2026");
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        assert_eq!(truncate_text("court", 10), "court");
        assert_eq!(truncate_text("  deux\n lignes ", 20), "deux lignes");
        let cut = truncate_text(&"é".repeat(300), 160);
        assert_eq!(cut.chars().count(), 160);
        assert!(cut.ends_with('…'));
        let emoji = truncate_text(&"🇲🇱".repeat(200), 9);
        assert!(emoji.ends_with('…'));
    }
}
