//! The eight indicators, on real stores: hand-made records whose expected values are
//! worked out by hand (in the comments), the filters and period boundaries, the demo
//! data, a store upgraded from before the indicators' table, and bad input.

mod common;

use std::sync::OnceLock;

use ccs_core::model::*;
use ccs_core::report::*;
use ccs_core::store::{Identity, KdfParams, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::*;
use rstest::rstest;

/// The scenario's clock: mid-January 2027, so all of Q4 2026 is past and "as of" is
/// 2026-12-31.
fn later() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 15, 10, 0, 0).unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    d(s).and_hms_opt(12, 0, 0).unwrap().and_utc()
}

fn q4() -> Period {
    Period::Quarter { year: 2026, quarter: 4 }
}

fn event(at_: DateTime<Utc>, role: Role, decision: Decision) -> ReviewEvent {
    ReviewEvent { id: ItemId::new(), at: at_, by_device: DeviceId::new(), role, decision, comment: None, heads: vec![] }
}

#[derive(Clone, Copy)]
enum Review {
    Draft,
    Submitted,
    Approved,
    Deleted,
}

fn trail(date: &str, r: Review) -> Vec<ReviewEvent> {
    let t = at(date) + Duration::days(1);
    match r {
        Review::Draft => vec![],
        Review::Submitted => vec![event(t, Role::Member, Decision::Submitted)],
        Review::Approved => vec![
            event(t, Role::Member, Decision::Submitted),
            event(t + Duration::hours(1), Role::Reviewer, Decision::Approved),
        ],
        Review::Deleted => vec![
            event(t, Role::Member, Decision::Submitted),
            event(t + Duration::hours(1), Role::Admin, Decision::Deleted),
        ],
    }
}

fn committee(name: &str, level: CommitteeLevel, region: &str, commune: Option<&str>, installed: &str) -> Record {
    let cercle = commune.map(|c| c.rsplit_once('/').unwrap().0.to_string());
    Record::new(
        RecordBody::Committee(Committee {
            level,
            name: name.into(),
            region: region.into(),
            cercle,
            commune: commune.map(str::to_string),
            installed_on: Some(d(installed)),
            membership: vec![],
        }),
        CommitteeId::new(),
        DeviceId::new(),
        at("2021-01-01"),
    )
}

/// A session with its attendance rows (college, women, men); `present` is their total.
fn session(
    c: CommitteeId,
    date: &str,
    t: SessionType,
    invited: i64,
    rows: &[(College, i64, i64)],
    r: Review,
) -> Record {
    let mut s = session_body();
    s.date = d(date);
    s.session_type = t;
    s.invited = invited;
    s.attendance = rows
        .iter()
        .map(|(college, women, men)| AttendanceRow { college: *college, women: *women, men: *men })
        .collect();
    s.present = s.attendance_total();
    let mut rec = Record::new(RecordBody::Session(s), c, DeviceId::new(), later() - Duration::days(2));
    rec.review = trail(date, r);
    rec
}

fn change(date: &str, status: RecommendationStatus) -> StatusChange {
    StatusChange { id: ItemId::new(), at: at(date), by_device: DeviceId::new(), status }
}

fn recommendation(
    c: CommitteeId,
    made: &str,
    addressee: Addressee,
    domain: RecommendationDomain,
    history: Vec<StatusChange>,
    r: Review,
) -> Record {
    let mut b = recommendation_body();
    b.made_on = d(made);
    b.due_date = None;
    b.addressee = addressee;
    b.fds_corps = (addressee == Addressee::Fds).then_some(FdsCorps::Gendarmerie);
    b.domain = domain;
    b.status_history = history;
    let mut rec = Record::new(RecordBody::Recommendation(b), c, DeviceId::new(), later() - Duration::days(2));
    rec.review = trail(made, r);
    rec
}

fn threat(category: ThreatCategory, likelihood: i64, impact: i64) -> Threat {
    Threat { category, likelihood, impact, id: ItemId::new(), ..assessment_body().threats[0].clone() }
}

fn assessment(c: CommitteeId, date: &str, commune: &str, threats: Vec<Threat>, r: Review) -> Record {
    let mut a = assessment_body();
    a.date = d(date);
    a.period_start = d("2026-07-01");
    a.period_end = d(date);
    a.zone.commune = commune.into();
    a.zone.locality = None;
    a.threats = threats;
    let mut rec = Record::new(RecordBody::Assessment(a), c, DeviceId::new(), later() - Duration::days(2));
    rec.review = trail(date, r);
    rec
}

fn workshop(c: CommitteeId, start: &str, commune: &str, rows: Vec<ParticipationRow>, r: Review) -> Record {
    let mut w = workshop_body();
    w.start_date = d(start);
    w.end_date = d(start);
    w.commune = commune.into();
    w.participation = rows;
    let mut rec = Record::new(RecordBody::Workshop(w), c, DeviceId::new(), later() - Duration::days(2));
    rec.review = trail(start, r);
    rec
}

fn part(category: ParticipantCategory, women: i64, men: i64, young_women: i64, young_men: i64) -> ParticipationRow {
    ParticipationRow { category, women, men, young_women, young_men }
}

const GOUNDAM: &str = "tombouctou/goundam/goundam";
const GAO: &str = "gao/gao/gao";

struct Scenario {
    t: TestStore,
    a: CommitteeId,
    b: CommitteeId,
    c: CommitteeId,
    /// The extraordinary session of 30 November (submitted: still editable).
    s2: RecordId,
}

/// Three committees and the records of the module's tables:
/// - A, Goundam, communal, Tombouctou, installed 2021-06-15;
/// - B, Gao, regional, installed 2026-11-10 (mid-quarter);
/// - C, Ménaka, communal, installed 2027-01-05 (after the quarter: not installed then).
fn scenario() -> Scenario {
    use College::*;
    use ThreatCategory::*;
    let mut t = store_with(Role::Admin);
    let ca = committee("CCS de Goundam", CommitteeLevel::Communal, "tombouctou", Some(GOUNDAM), "2021-06-15");
    let cb = committee("CCS régional de Gao", CommitteeLevel::Regional, "gao", None, "2026-11-10");
    let cc = committee("CCS de Ménaka", CommitteeLevel::Communal, "menaka", Some("menaka/menaka/menaka"), "2027-01-05");
    let (a, b, c) = (ca.committee_id, cb.committee_id, cc.committee_id);
    let s2 = session(
        a,
        "2026-11-30",
        SessionType::Extraordinary,
        20,
        &[(ElectedOfficials, 1, 5), (Youth, 0, 2)],
        Review::Submitted,
    );
    let s2_id = s2.id;
    let records = vec![
        ca,
        cb,
        cc,
        // s5: last day of Q3, outside the quarter.
        session(a, "2026-09-30", SessionType::OrdinaryMonthly, 20, &[(ElectedOfficials, 0, 10)], Review::Approved),
        // s1: first day of Q4; 12 present (3 women, 3 youth), quorum (24 > 20), FDS.
        session(
            a,
            "2026-10-01",
            SessionType::OrdinaryMonthly,
            20,
            &[(Fds, 0, 3), (Women, 2, 0), (Youth, 1, 2), (ElectedOfficials, 0, 4)],
            Review::Approved,
        ),
        // s2: 8 present (1 woman, 2 youth), no quorum (16 ≤ 20), no FDS.
        s2,
        // s3: last day of Q4; 6 present (2 women), quorum (12 > 10), FDS.
        session(
            a,
            "2026-12-31",
            SessionType::OrdinaryMonthly,
            10,
            &[(Fds, 0, 2), (Women, 2, 0), (CivilSociety, 0, 2)],
            Review::Draft,
        ),
        // s4 (B): 20 present (5 women, 4 youth), quorum (40 > 24), FDS.
        session(
            b,
            "2026-12-15",
            SessionType::Installation,
            24,
            &[(Fds, 1, 5), (ElectedOfficials, 2, 8), (Youth, 2, 2)],
            Review::Approved,
        ),
        // s6: deleted, counts for nothing.
        session(a, "2026-11-15", SessionType::OrdinaryMonthly, 30, &[(Fds, 5, 20)], Review::Deleted),
        // r1: transmitted, realised 2026-12-20: 71 days (21 + 30 + 20).
        recommendation(
            a,
            "2026-10-10",
            Addressee::Fds,
            RecommendationDomain::Patrols,
            vec![
                change("2026-10-10", RecommendationStatus::Proposed),
                change("2026-10-15", RecommendationStatus::Transmitted),
                change("2026-12-20", RecommendationStatus::Done),
            ],
            Review::Approved,
        ),
        // r2: adopted only, not transmitted.
        recommendation(
            a,
            "2026-11-02",
            Addressee::MayorCouncil,
            RecommendationDomain::Infrastructure,
            vec![change("2026-11-02", RecommendationStatus::Adopted)],
            Review::Draft,
        ),
        // r3: realised 2027-01-14: 101 days (26 + 30 + 31 + 14), too late.
        recommendation(
            a,
            "2026-10-05",
            Addressee::Fds,
            RecommendationDomain::Patrols,
            vec![
                change("2026-10-06", RecommendationStatus::Transmitted),
                change("2026-11-01", RecommendationStatus::InProgress),
                change("2027-01-14", RecommendationStatus::Done),
            ],
            Review::Submitted,
        ),
        // a1: scores 12 (élevé), 20 (très élevé), 4 (faible).
        assessment(
            a,
            "2026-11-01",
            GOUNDAM,
            vec![threat(CattleTheft, 4, 3), threat(Ied, 5, 4), threat(LandConflict, 2, 2)],
            Review::Approved,
        ),
        // a2 (B): score 9 (moyen).
        assessment(b, "2026-12-01", GAO, vec![threat(Banditry, 3, 3)], Review::Draft),
        // w1: 20 participants, 4 women, 7 youth.
        workshop(
            a,
            "2026-10-10",
            GOUNDAM,
            vec![part(ParticipantCategory::CcsMember, 3, 12, 1, 4), part(ParticipantCategory::Police, 1, 4, 0, 2)],
            Review::Approved,
        ),
        // w2 (B): 5 participants, 5 women, 2 youth.
        workshop(b, "2026-12-05", GAO, vec![part(ParticipantCategory::WomenRepresentative, 5, 0, 2, 0)], Review::Draft),
    ];
    for r in &records {
        t.store.insert_new(r, later()).unwrap();
    }
    Scenario { t, a, b, c, s2: s2_id }
}

fn run(store: &Store, filter: &IndicatorFilter) -> Indicators {
    store.indicators(filter, &IndicatorParams::new(later())).unwrap()
}

/// The scenario's indicators over Q4 2026, counting all records and approved ones.
fn q4_indicators() -> &'static (Indicators, Indicators) {
    static CELL: OnceLock<(Indicators, Indicators)> = OnceLock::new();
    CELL.get_or_init(|| {
        let s = scenario();
        (
            run(&s.t.store, &IndicatorFilter::new(q4(), Basis::All)),
            run(&s.t.store, &IndicatorFilter::new(q4(), Basis::Approved)),
        )
    })
}

fn pick(basis: Basis) -> &'static Indicators {
    let (all, approved) = q4_indicators();
    if basis == Basis::All {
        all
    } else {
        approved
    }
}

type Figure = fn(&Indicators) -> i64;

#[rstest]
// 1. A and B installed by 2026-12-31; C on 2027-01-05. Window: 2026-10-02 to 2026-12-31.
#[case::registered(Basis::All, |i: &Indicators| i.committees.total.registered, 3)]
#[case::installed(Basis::All, |i: &Indicators| i.committees.total.installed, 2)]
// All: A (s2, s3) and B (s4). Approved: A's only approved session in Q4 is s1 on
// 2026-10-01, a day before the window: B only.
#[case::operational(Basis::All, |i: &Indicators| i.committees.total.operational, 2)]
#[case::operational_approved(Basis::Approved, |i: &Indicators| i.committees.total.operational, 1)]
// 2. s1, s2, s3, s4 (not s5 of Q3, not the deleted s6); approved: s1, s4.
#[case::held(Basis::All, |i: &Indicators| i.sessions.total.held, 4)]
#[case::held_approved(Basis::Approved, |i: &Indicators| i.sessions.total.held, 2)]
// A: Oct, Nov, Dec = 3; B installed 2026-11-10: Nov, Dec = 2; C: none.
#[case::expected(Basis::All, |i: &Indicators| i.sessions.total.expected, 5)]
#[case::ordinary(Basis::All, |i: &Indicators| i.sessions.total.by_type[0].count, 2)]
#[case::extraordinary(Basis::All, |i: &Indicators| i.sessions.total.by_type[1].count, 1)]
#[case::installation(Basis::All, |i: &Indicators| i.sessions.total.by_type[2].count, 1)]
// 5. r1, r2, r3; approved: r1.
#[case::made(Basis::All, |i: &Indicators| i.recommendations.total.counts.made, 3)]
#[case::made_approved(Basis::Approved, |i: &Indicators| i.recommendations.total.counts.made, 1)]
#[case::realised(Basis::All, |i: &Indicators| i.recommendations.total.counts.realised, 2)]
// 6. a1 + a2; a1's 12 and 20 are high and very high.
#[case::assessments(Basis::All, |i: &Indicators| i.assessments.total.assessments, 2)]
#[case::threats(Basis::All, |i: &Indicators| i.assessments.total.threats, 4)]
#[case::high_or_very_high(Basis::All, |i: &Indicators| i.assessments.total.high_or_very_high, 2)]
#[case::committee_months(Basis::All, |i: &Indicators| i.assessments.total.committee_months, 5)]
#[case::threats_approved(Basis::Approved, |i: &Indicators| i.assessments.total.threats, 3)]
// 7. w1 + w2: 20 + 5.
#[case::workshops(Basis::All, |i: &Indicators| i.workshops.total.workshops, 2)]
#[case::participants(Basis::All, |i: &Indicators| i.workshops.total.participants.total, 25)]
#[case::participants_women(Basis::All, |i: &Indicators| i.workshops.total.participants.women, 9)]
#[case::participants_youth(Basis::All, |i: &Indicators| i.workshops.total.participants.youth, 9)]
#[case::participants_approved(Basis::Approved, |i: &Indicators| i.workshops.total.participants.total, 20)]
// 8. 4 sessions + 3 recommendations + 2 assessments + 2 workshops in Q4.
#[case::records(Basis::All, |i: &Indicators| i.data_flow.total.records, 11)]
// All inserted as received from other devices two days after their creation.
#[case::delays_known(Basis::All, |i: &Indicators| i.data_flow.total.delays_known, 11)]
fn indicator_figures(#[case] basis: Basis, #[case] figure: Figure, #[case] expected: i64) {
    assert_eq!(figure(pick(basis)), expected);
}

type RatioOf = fn(&Indicators) -> Ratio;

#[rstest]
#[case::operational_share(Basis::All, |i: &Indicators| i.committees.total.operational_share, (2, 2))]
#[case::operational_share_approved(Basis::Approved, |i: &Indicators| i.committees.total.operational_share, (1, 2))]
#[case::held_vs_expected(Basis::All, |i: &Indicators| i.sessions.total.held_vs_expected, (4, 5))]
#[case::held_vs_expected_approved(Basis::Approved, |i: &Indicators| i.sessions.total.held_vs_expected, (2, 5))]
// (A, Q4) with s1, s2, s3 and (B, Q4) with s4; C not installed.
#[case::three_a_quarter(Basis::All, |i: &Indicators| i.sessions.total.committees_with_three_a_quarter, (1, 2))]
#[case::three_a_quarter_approved(Basis::Approved, |i: &Indicators| i.sessions.total.committees_with_three_a_quarter, (0, 2))]
// 3. present 12 + 8 + 6 + 20 = 46 of invited 20 + 20 + 10 + 24 = 74.
#[case::attendance(Basis::All, |i: &Indicators| i.attendance.total.attendance_rate, (46, 74))]
#[case::attendance_approved(Basis::Approved, |i: &Indicators| i.attendance.total.attendance_rate, (32, 44))]
#[case::quorum(Basis::All, |i: &Indicators| i.attendance.total.quorum_rate, (3, 4))]
#[case::fds(Basis::All, |i: &Indicators| i.attendance.total.fds_present, (3, 4))]
// 4. women 3 + 1 + 2 + 5 = 11, youth 3 + 2 + 0 + 4 = 9, of 46.
#[case::women(Basis::All, |i: &Indicators| i.inclusion.total.women, (11, 46))]
#[case::youth(Basis::All, |i: &Indicators| i.inclusion.total.youth, (9, 46))]
#[case::women_approved(Basis::Approved, |i: &Indicators| i.inclusion.total.women, (8, 32))]
#[case::youth_approved(Basis::Approved, |i: &Indicators| i.inclusion.total.youth, (7, 32))]
// 5. transmitted: r1, r3; in 90 days: r1 (71 d), not r3 (101 d).
#[case::transmitted(Basis::All, |i: &Indicators| i.recommendations.total.transmitted, (2, 3))]
#[case::realised_in_time(Basis::All, |i: &Indicators| i.recommendations.total.realised_in_time, (1, 3))]
#[case::realised_in_time_approved(Basis::Approved, |i: &Indicators| i.recommendations.total.realised_in_time, (1, 1))]
// 7. women and youth among workshop participants.
#[case::participants_women(Basis::All, |i: &Indicators| i.workshops.total.women, (9, 25))]
// 8. submitted: s1, s2, s4, r1, r3, a1, w1; validated or approved: s1, s4, r1, a1, w1.
#[case::submitted(Basis::All, |i: &Indicators| i.data_flow.total.submitted, (7, 11))]
#[case::validated(Basis::All, |i: &Indicators| i.data_flow.total.validated, (5, 11))]
#[case::approved(Basis::All, |i: &Indicators| i.data_flow.total.approved, (5, 11))]
#[case::approved_of_approved(Basis::Approved, |i: &Indicators| i.data_flow.total.approved, (5, 5))]
fn indicator_ratios(#[case] basis: Basis, #[case] ratio: RatioOf, #[case] expected: (i64, i64)) {
    let r = ratio(pick(basis));
    assert_eq!((r.numerator, r.denominator), expected);
    assert_eq!(r.share, Some(expected.0 as f64 / expected.1 as f64));
}

#[test]
fn medians_mixes_and_partner_text() {
    let all = pick(Basis::All);
    // Delays 71 and 101: the median is their mean.
    assert_eq!(all.recommendations.total.median_delay_days, Some(86.0));
    assert_eq!(pick(Basis::Approved).recommendations.total.median_delay_days, Some(71.0));
    // Addressees in the order of the value list: the mayor before the FDS.
    let by: Vec<(Addressee, i64, i64, i64)> = all
        .recommendations
        .total
        .by_addressee
        .iter()
        .map(|a| (a.addressee, a.counts.made, a.counts.transmitted, a.counts.realised_in_time))
        .collect();
    assert_eq!(by, vec![(Addressee::MayorCouncil, 1, 0, 0), (Addressee::Fds, 2, 2, 1)]);
    let domains: Vec<(RecommendationDomain, i64)> =
        all.recommendations.total.by_domain.iter().map(|x| (x.domain, x.counts.made)).collect();
    assert_eq!(domains, vec![(RecommendationDomain::Patrols, 2), (RecommendationDomain::Infrastructure, 1)]);
    // Risk mix: faible 4, moyen 9, élevé 12, très élevé 20: one each.
    let levels: Vec<i64> = all.assessments.total.by_level.iter().map(|l| l.count).collect();
    assert_eq!(levels, vec![1, 1, 1, 1]);
    let categories: Vec<ThreatCategory> = all.assessments.total.by_category.iter().map(|c| c.category).collect();
    use ThreatCategory::*;
    assert_eq!(categories, vec![Banditry, Ied, CattleTheft, LandConflict]);
    // 2 assessments over 5 committee-months: 2 × 3 / 5 per committee per quarter.
    assert_eq!(all.assessments.total.per_committee_per_quarter, Some(1.2));
    assert_eq!(all.workshops.total.partner_text(), "25 (9 F, 9 J)");
    assert_eq!(all.data_flow.total.median_delay_days, Some(2.0));
    assert_eq!(all.as_of, d("2026-12-31"));
    assert_eq!(all.inclusion.total.reference, 0.30);
    assert_eq!(all.committees.counts, Basis::All);
    assert_eq!(pick(Basis::Approved).sessions.counts, Basis::Approved);
}

#[test]
fn breakdowns_by_region_level_and_month() {
    let all = pick(Basis::All);
    let regions: Vec<(Option<&str>, Option<&str>, i64, i64)> = all
        .sessions
        .by_region
        .iter()
        .map(|r| (r.region.as_deref(), r.region_name.as_deref(), r.value.held, r.value.expected))
        .collect();
    assert_eq!(
        regions,
        vec![
            (Some("gao"), Some("Gao"), 1, 2),
            (Some("menaka"), Some("Ménaka"), 0, 0),
            (Some("tombouctou"), Some("Tombouctou"), 3, 3)
        ]
    );
    let levels: Vec<(CommitteeLevel, i64, i64)> =
        all.sessions.by_level.iter().map(|l| (l.level, l.value.held, l.value.expected)).collect();
    assert_eq!(
        levels,
        vec![(CommitteeLevel::Regional, 1, 2), (CommitteeLevel::Communal, 3, 3), (CommitteeLevel::District, 0, 0)]
    );
    // Oct: s1, only A expected; Nov: s2, A and B; Dec: s3 (on the 31st) and s4.
    let months: Vec<(String, i64, i64)> =
        all.sessions.by_month.iter().map(|m| (m.month.to_string(), m.value.held, m.value.expected)).collect();
    assert_eq!(months, vec![("2026-10".into(), 1, 1), ("2026-11".into(), 1, 2), ("2026-12".into(), 2, 2)]);
    // Operational as of each month's end: in October, A (s5 of 30 September and s1);
    // in November B is installed but meets only on 15 December.
    let op: Vec<(i64, i64)> =
        all.committees.by_month.iter().map(|m| (m.value.operational, m.value.installed)).collect();
    assert_eq!(op, vec![(1, 1), (1, 2), (2, 2)]);
    let women: Vec<(i64, i64)> =
        all.inclusion.by_month.iter().map(|m| (m.value.women.numerator, m.value.women.denominator)).collect();
    assert_eq!(women, vec![(3, 12), (1, 8), (7, 26)]);
}

#[test]
fn filters_by_region_level_committee_and_period() {
    let s = scenario();
    let store = &s.t.store;
    let gao = run(store, &IndicatorFilter { region: Some("gao".into()), ..IndicatorFilter::new(q4(), Basis::All) });
    assert_eq!((gao.sessions.total.held, gao.sessions.total.expected), (1, 2));
    assert_eq!(gao.committees.total.registered, 1);
    assert_eq!(gao.workshops.total.participants.total, 5);
    let regional = run(
        store,
        &IndicatorFilter { level: Some(CommitteeLevel::Regional), ..IndicatorFilter::new(q4(), Basis::All) },
    );
    assert_eq!(regional.sessions.total, gao.sessions.total);
    let only_a = run(store, &IndicatorFilter { committee_id: Some(s.a), ..IndicatorFilter::new(q4(), Basis::All) });
    assert_eq!((only_a.sessions.total.held, only_a.recommendations.total.counts.made), (3, 3));
    assert_eq!(only_a.committees.total.registered, 1);
    let only_c = run(store, &IndicatorFilter { committee_id: Some(s.c), ..IndicatorFilter::new(q4(), Basis::All) });
    assert_eq!((only_c.committees.total.registered, only_c.committees.total.installed), (1, 0));
    let nowhere =
        run(store, &IndicatorFilter { region: Some("kidal".into()), ..IndicatorFilter::new(q4(), Basis::All) });
    assert_eq!((nowhere.committees.total.registered, nowhere.data_flow.total.records), (0, 0));
    // The session of 31 December is in December and in Q4, not in January nor T1 2027.
    let december = run(store, &IndicatorFilter::new("2026-12".parse().unwrap(), Basis::All));
    assert_eq!(december.sessions.total.held, 2);
    let t1 = run(store, &IndicatorFilter::new("2027-T1".parse().unwrap(), Basis::All));
    assert_eq!(t1.sessions.total.held, 0);
    // Q3 holds s5 of 30 September only; the year all five counted sessions.
    let q3 = run(store, &IndicatorFilter::new("2026-T3".parse().unwrap(), Basis::All));
    assert_eq!(q3.sessions.total.held, 1);
    let year = run(store, &IndicatorFilter::new("2026".parse().unwrap(), Basis::All));
    assert_eq!(year.sessions.total.held, 5);
    assert_eq!(year.months.len(), 12);
    let _ = s.b;
}

#[test]
fn a_record_whose_date_changes_moves_to_its_new_month() {
    let mut s = scenario();
    let filter = IndicatorFilter::new(q4(), Basis::All);
    let before = run(&s.t.store, &filter);
    let held = |i: &Indicators| i.sessions.by_month.iter().map(|m| m.value.held).collect::<Vec<_>>();
    assert_eq!(held(&before), vec![1, 1, 2]);
    let patch = serde_json::json!({ "date": "2026-10-20" });
    s.t.store.patch_record(s.s2, patch.as_object().unwrap().clone(), later()).unwrap();
    let after = run(&s.t.store, &filter);
    assert_eq!(held(&after), vec![2, 0, 2]);
    assert_eq!(after.sessions.total.held, 4);
    // Moved out of the quarter altogether: Q4 loses it, Q3 gains it.
    let patch = serde_json::json!({ "date": "2026-09-10" });
    s.t.store.patch_record(s.s2, patch.as_object().unwrap().clone(), later()).unwrap();
    assert_eq!(run(&s.t.store, &filter).sessions.total.held, 3);
    let q3 = run(&s.t.store, &IndicatorFilter::new("2026-T3".parse().unwrap(), Basis::All));
    assert_eq!(q3.sessions.total.held, 2);
}

#[test]
fn a_deleted_record_and_a_replaced_one_count_for_nothing() {
    let mut s = scenario();
    let filter = IndicatorFilter::new(q4(), Basis::All);
    let before = run(&s.t.store, &filter);
    s.t.store.review(s.s2, Decision::Deleted, None, later()).unwrap();
    let after = run(&s.t.store, &filter);
    assert_eq!(after.sessions.total.held, before.sessions.total.held - 1);
    assert_eq!(after.data_flow.total.records, before.data_flow.total.records - 1);
    // A purge makes a copy under a new id: the record counts once, as the copy.
    let a1 =
        s.t.store
            .list(&ccs_core::store::ListFilter {
                kind: Some(RecordKind::Assessment),
                committee_id: Some(s.a),
                ..Default::default()
            })
            .unwrap()
            .items[0]
            .id;
    let copy = s.t.store.purge(a1, later()).unwrap();
    assert_ne!(copy.id, a1);
    let purged = run(&s.t.store, &filter);
    assert_eq!(purged.assessments.total.assessments, after.assessments.total.assessments);
    assert_eq!(purged.assessments.total.threats, after.assessments.total.threats);
}

#[test]
fn thresholds_are_applied_when_reading() {
    let s = scenario();
    let mut params = IndicatorParams::new(later());
    // 12 is no longer « élevé » when « élevé » starts at 13.
    params.thresholds.high = 13;
    let i = s.t.store.indicators(&IndicatorFilter::new(q4(), Basis::All), &params).unwrap();
    assert_eq!(i.assessments.total.high_or_very_high, 1);
    let levels: Vec<i64> = i.assessments.total.by_level.iter().map(|l| l.count).collect();
    assert_eq!(levels, vec![1, 2, 0, 1]);
    // A shorter window: 10 days back from 2026-12-31 reach A's session of the 31st only.
    params.operational_days = 10;
    let i = s.t.store.indicators(&IndicatorFilter::new(q4(), Basis::All), &params).unwrap();
    assert_eq!((i.committees.total.operational, i.committees.total.installed), (1, 2));
}

#[test]
fn a_record_made_on_this_device_has_no_transit_delay() {
    let (mut t, committee) = store_with_committee(Role::Member);
    t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let i = t
        .store
        .indicators(&IndicatorFilter::new("2026-11".parse().unwrap(), Basis::All), &IndicatorParams::new(now()))
        .unwrap();
    assert_eq!((i.data_flow.total.records, i.data_flow.total.delays_known), (1, 0));
    assert_eq!(i.data_flow.total.median_delay_days, None);
    // The member's committee record came from the registry: counted, not a record.
    assert_eq!(i.committees.total.registered, 1);
}

#[test]
fn a_bad_period_is_refused_with_its_code() {
    let t = store_with(Role::Reviewer);
    let bad = IndicatorFilter::new(Period::Month { year: 2026, month: 13 }, Basis::All);
    let e = t.store.indicators(&bad, &IndicatorParams::new(now())).unwrap_err();
    assert!(matches!(e, StoreError::BadPeriod(_)));
    assert_eq!(e.code(), "report.bad_period");
    let e = "2026-T5".parse::<Period>().unwrap_err();
    assert_eq!(e.code(), "report.bad_period");
    let json = serde_json::from_str::<IndicatorFilter>(r#"{"period":{"unit":"week","year":2026},"basis":"all"}"#);
    assert!(json.is_err());
}

/// The demo of `ccs demo`, with the values worked out from `demo.rs` (now 2026-11-20:
/// sessions 75, 45 and 14 days before, on 2026-09-06, 10-06 and 11-06).
#[test]
fn the_demo_data_gives_the_expected_indicators() {
    let mut t = store_with(Role::Reviewer);
    ccs_core::demo::fill(&mut t.store, now()).unwrap();
    let i = t
        .store
        .indicators(&IndicatorFilter::new("2026".parse().unwrap(), Basis::All), &IndicatorParams::new(now()))
        .unwrap();
    let c = &i.committees.total;
    assert_eq!((c.registered, c.installed, c.operational), (6, 6, 6));
    // 6 committees × 3 sessions; 6 committees × 11 months begun (January to November).
    assert_eq!((i.sessions.total.held, i.sessions.total.expected), (18, 66));
    // Q3 holds one session per committee, Q4 two: none reaches three.
    assert_eq!(ratio(&i.sessions.total.committees_with_three_a_quarter), (0, 24));
    // Invited: (25 + 23 + 21 + 24 + 22 + 22) × 3 = 411; absent men 27 in all.
    assert_eq!(ratio(&i.attendance.total.attendance_rate), (384, 411));
    assert_eq!(ratio(&i.attendance.total.quorum_rate), (18, 18));
    assert_eq!(ratio(&i.attendance.total.fds_present), (18, 18));
    // Women (3 + 2 + 4 + 4 + 3 + 2) × 3 = 54; youth: 2/22 of the men present, rounded
    // down, per session: 19 in all.
    assert_eq!(ratio(&i.inclusion.total.women), (54, 384));
    assert_eq!(ratio(&i.inclusion.total.youth), (19, 384));
    // Two recommendations per committee, the second transmitted and realised in 30 days.
    let r = &i.recommendations.total;
    assert_eq!((r.counts.made, r.counts.transmitted, r.counts.realised, r.counts.realised_in_time), (12, 6, 6, 6));
    assert_eq!(r.median_delay_days, Some(30.0));
    // 6 assessments, 3 threats each, + IED at Gao and Ménaka, + the allegation at Ansongo.
    let a = &i.assessments.total;
    assert_eq!((a.assessments, a.threats), (6, 21));
    // Scores: 12, 12 (élevé), 6 (moyen) each; IED 20 (très élevé); allegation 6.
    assert_eq!(a.by_level.iter().map(|l| l.count).collect::<Vec<_>>(), vec![0, 7, 12, 2]);
    assert_eq!(a.high_or_very_high, 14);
    // Tombouctou, Goundam, Alafia and Ansongo hold a workshop of 33 (11 F, 14 J).
    assert_eq!(i.workshops.total.workshops, 4);
    assert_eq!(i.workshops.total.partner_text(), "132 (44 F, 56 J)");
    // 18 sessions + 6 assessments + 4 workshops + 12 recommendations.
    let f = &i.data_flow.total;
    assert_eq!(f.records, 40);
    // Submitted: 6 approved + 4 sent back + 6 submitted sessions, 2 assessments.
    assert_eq!(ratio(&f.submitted), (18, 40));
    assert_eq!(ratio(&f.approved), (6, 40));
    // Created 14 (×6), 30 (×6), 45 (×18), 59 (×4), 75 (×6) days before arriving.
    assert_eq!((f.delays_known, f.median_delay_days), (40, Some(45.0)));
    // Approved only: the six sessions of 2026-09-06, within 90 days of the 20th.
    let approved = t
        .store
        .indicators(&IndicatorFilter::new("2026".parse().unwrap(), Basis::Approved), &IndicatorParams::new(now()))
        .unwrap();
    assert_eq!((approved.sessions.total.held, approved.committees.total.operational), (6, 6));
    assert_eq!(approved.recommendations.total.counts.made, 0);
    let regions: Vec<(&str, i64)> =
        i.sessions.by_region.iter().map(|r| (r.region.as_deref().unwrap(), r.value.held)).collect();
    assert_eq!(regions, vec![("gao", 6), ("menaka", 3), ("tombouctou", 9)]);
}

fn ratio(r: &Ratio) -> (i64, i64) {
    (r.numerator, r.denominator)
}

/// A store from before the indicators' table (schema 12) gets it filled from its
/// documents at its first open; arrival times it never stamped stay unknown.
#[test]
fn an_older_store_gets_its_indicator_tables_filled_at_open() {
    let mut t = store_with(Role::Reviewer);
    ccs_core::demo::fill(&mut t.store, now()).unwrap();
    let filter = IndicatorFilter::new("2026".parse().unwrap(), Basis::All);
    let params = IndicatorParams::new(now());
    let before = t.store.indicators(&filter, &params).unwrap();
    t.store
        .execute_sql_for_migration_tests(
            "DROP TABLE indicator_facts; DROP TABLE indicator_months; DROP TABLE indicator_committees;
             DROP TABLE indicator_state; PRAGMA user_version = 12;",
        )
        .unwrap();
    let path = t.path();
    drop(t.store);
    let reopened = Store::open(&path, PASS).unwrap();
    let after = reopened.indicators(&filter, &params).unwrap();
    assert_eq!(after.data_flow.total.delays_known, 0);
    let mut expected = before.clone();
    expected.data_flow = after.data_flow.clone();
    assert_eq!(after, expected);
    assert_eq!(before.data_flow.total.records, after.data_flow.total.records);
    assert_eq!(after.sessions.total.held, 18);
    // Opening again finds the tables current and leaves them be.
    drop(reopened);
    let again = Store::open(&path, PASS).unwrap();
    assert_eq!(again.indicators(&filter, &params).unwrap(), after);
}

#[test]
fn a_new_store_has_current_empty_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store =
        Store::create(&path, PASS, Identity::new(Role::Reviewer), KdfParams::insecure_fast_for_tests()).unwrap();
    let i = store.indicators(&IndicatorFilter::new(q4(), Basis::All), &IndicatorParams::new(later())).unwrap();
    assert_eq!(i.sessions.total.held, 0);
    assert_eq!(i.sessions.total.held_vs_expected.share, None);
    assert!(store.indicator_tallies().unwrap().is_empty());
}
