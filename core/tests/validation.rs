//! Validation rules as a table: a valid record of each kind, one mutation, the field
//! error it must produce (code and path); and every error reported at once.

mod common;

use ccs_core::model::*;
use ccs_core::reference::ReferenceData;
use common::*;
use rstest::rstest;

fn check(body: RecordBody) -> Vec<FieldError> {
    let record = Record::new(body, CommitteeId::new(), DeviceId::new(), now());
    let reference = ReferenceData::builtin();
    validate(&record, &ValidationContext { today: now().date_naive(), reference: &reference })
}

fn session(f: impl FnOnce(&mut Session)) -> RecordBody {
    let mut s = session_body();
    f(&mut s);
    RecordBody::Session(s)
}
fn assessment(f: impl FnOnce(&mut Assessment)) -> RecordBody {
    let mut a = assessment_body();
    f(&mut a);
    RecordBody::Assessment(a)
}
fn workshop(f: impl FnOnce(&mut Workshop)) -> RecordBody {
    let mut w = workshop_body();
    f(&mut w);
    RecordBody::Workshop(w)
}
fn recommendation(f: impl FnOnce(&mut Recommendation)) -> RecordBody {
    let mut r = recommendation_body();
    f(&mut r);
    RecordBody::Recommendation(r)
}
fn committee(f: impl FnOnce(&mut Committee)) -> RecordBody {
    let RecordBody::Committee(mut c) = goundam_committee().body else { unreachable!() };
    f(&mut c);
    RecordBody::Committee(c)
}

#[rstest]
#[case::session_ok(session(|_| {}))]
#[case::assessment_ok(assessment(|_| {}))]
#[case::workshop_ok(workshop(|_| {}))]
#[case::recommendation_ok(recommendation(|_| {}))]
#[case::committee_ok(committee(|_| {}))]
#[case::regional_committee_without_commune(committee(|c| { c.level = CommitteeLevel::Regional; c.commune = None; c.cercle = None; }))]
#[case::session_today(session(|s| s.date = now().date_naive()))]
fn valid_records_have_no_error(#[case] body: RecordBody) {
    assert_eq!(check(body), vec![]);
}

#[rstest]
#[case::future_date(session(|s| s.date = date("2026-12-01")), "date", "date.in_future")]
#[case::end_before_start(session(|s| s.end_time = "08:00".parse().ok()), "end_time", "time.end_before_start")]
#[case::same_start_and_end(session(|s| s.end_time = s.start_time), "end_time", "time.end_before_start")]
#[case::present_exceeds_invited(session(|s| { s.invited = 10; }), "present", "attendance.present_exceeds_invited")]
#[case::negative_invited(session(|s| s.invited = -3), "invited", "count.negative")]
#[case::negative_attendance(session(|s| s.attendance[1].women = -2), "attendance[1].women", "count.negative")]
#[case::huge_count(session(|s| s.invited = 10_000_000), "invited", "count.too_large")]
#[case::attendance_total_mismatch(session(|s| s.attendance[2].men = 10), "attendance", "attendance.total_mismatch")]
#[case::duplicate_college(session(|s| s.attendance.push(AttendanceRow { college: College::Fds, women: 0, men: 0 })), "attendance[3]", "list.duplicate")]
#[case::venue_other_unspecified(session(|s| s.venue_type = VenueType::Other), "venue_other", "field.required_for_other")]
#[case::summary_too_long(session(|s| s.summary = "x".repeat(20_001)), "summary", "text.too_long")]
#[case::likelihood_above_5(assessment(|a| a.threats[0].likelihood = 7), "threats[0].likelihood", "threat.scale_out_of_range")]
#[case::impact_zero(assessment(|a| a.threats[0].impact = 0), "threats[0].impact", "threat.scale_out_of_range")]
#[case::unknown_commune(assessment(|a| a.zone.commune = "tombouctou/goundam/atlantis".into()), "zone.commune", "commune.unknown")]
#[case::cercle_is_not_a_commune(assessment(|a| a.zone.commune = "tombouctou/goundam".into()), "zone.commune", "commune.unknown")]
#[case::no_threat(assessment(|a| a.threats.clear()), "threats", "assessment.no_threat")]
#[case::period_reversed(assessment(|a| a.period_end = date("2026-07-01")), "period_end", "date.end_before_start")]
#[case::workshop_without_title(workshop(|w| w.title = "  ".into()), "title", "field.required")]
#[case::workshop_dates_reversed(workshop(|w| w.end_date = date("2026-10-01")), "end_date", "date.end_before_start")]
#[case::youth_exceeds_women(workshop(|w| w.participation[0].young_women = 9), "participation[0].young_women", "participation.youth_exceeds_total")]
#[case::partner_other_unspecified(workshop(|w| w.partner = Some(Partner::Other)), "partner_other", "field.required_for_other")]
#[case::attendee_without_pseudonym(workshop(|w| w.attendees.push(Attendee { id: ItemId::new(), pseudonym: "".into(), category: ParticipantCategory::CcsMember, sex: Sex::Female, youth: false })), "attendees[0].pseudonym", "field.required")]
#[case::workshop_unknown_commune(workshop(|w| w.commune = "".into()), "commune", "field.required")]
#[case::recommendation_without_text(recommendation(|r| r.text = "".into()), "text", "field.required")]
#[case::fds_without_corps(recommendation(|r| r.fds_corps = None), "fds_corps", "recommendation.corps_required")]
#[case::due_before_made(recommendation(|r| r.due_date = Some(date("2026-10-01"))), "due_date", "date.due_before_made")]
#[case::committee_unknown_region(committee(|c| c.region = "sahara".into()), "region", "region.unknown")]
#[case::committee_commune_elsewhere(committee(|c| c.commune = Some("gao/ansongo/ansongo".into())), "commune", "commune.not_in_region")]
#[case::committee_cercle_elsewhere(committee(|c| c.cercle = Some("gao/ansongo".into())), "cercle", "cercle.not_in_region")]
#[case::communal_committee_without_commune(committee(|c| c.commune = None), "commune", "field.required")]
#[case::installed_in_future(committee(|c| c.installed_on = Some(date("2030-01-01"))), "installed_on", "date.in_future")]
fn rule_violations_give_field_errors(#[case] body: RecordBody, #[case] path: &str, #[case] code: &str) {
    let errors = check(body);
    assert!(errors.iter().any(|e| e.path == path && e.code == code), "expected {code} at {path}, got {errors:#?}");
    for e in &errors {
        assert!(!e.message.fr.is_empty() && !e.message.en.is_empty() && e.message.fr != e.message.en);
    }
}

#[test]
fn every_error_is_reported_at_once() {
    let body = session(|s| {
        s.date = date("2027-01-01");
        s.invited = -1;
        s.end_time = "07:00".parse().ok();
        s.venue_type = VenueType::Other;
    });
    let codes: Vec<String> = check(body).into_iter().map(|e| e.code).collect();
    for expected in [
        "date.in_future",
        "count.negative",
        "time.end_before_start",
        "field.required_for_other",
        "attendance.present_exceeds_invited",
    ] {
        assert!(codes.iter().any(|c| c == expected), "{expected} missing from {codes:?}");
    }
}

#[rstest]
#[case(1, 1, RiskLevel::Low)]
#[case(2, 2, RiskLevel::Low)]
#[case(1, 5, RiskLevel::Medium)]
#[case(3, 3, RiskLevel::Medium)]
#[case(2, 5, RiskLevel::High)]
#[case(4, 4, RiskLevel::High)]
#[case(3, 5, RiskLevel::High)]
#[case(4, 5, RiskLevel::VeryHigh)]
#[case(5, 5, RiskLevel::VeryHigh)]
fn risk_level_from_score(#[case] likelihood: i64, #[case] impact: i64, #[case] level: RiskLevel) {
    let mut t = assessment_body().threats.remove(0);
    t.likelihood = likelihood;
    t.impact = impact;
    assert_eq!(t.score(), likelihood * impact);
    assert_eq!(t.level(&LevelThresholds::default()), level);
}

#[test]
fn quorum_and_totals_are_derived() {
    let s = session_body();
    assert!(s.quorum());
    assert_eq!(s.attendance_total(), 19);
    assert!(s.fds_present());
    let mut low = s.clone();
    low.present = 11;
    assert!(!low.quorum(), "11 of 23 is not a majority");
    let totals = workshop_body().totals();
    assert_eq!((totals.total, totals.women, totals.youth), (15, 3, 5));
}
