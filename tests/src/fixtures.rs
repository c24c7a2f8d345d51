//! Realistic records for the scenarios: committees of Goundam (Tombouctou) and Ansongo
//! (Gao), sessions, assessments.

use ccs_core::model::input::RecordInput;
use ccs_core::model::*;
use ccs_core::samples;
use chrono::NaiveDate;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

pub fn committee(name: &str, region: &str, cercle: &str, commune: &str) -> RecordInput {
    RecordInput {
        body: RecordBody::Committee(Committee {
            level: CommitteeLevel::Communal,
            name: name.into(),
            region: region.into(),
            cercle: Some(cercle.into()),
            commune: Some(commune.into()),
            installed_on: Some(date("2021-06-15")),
            membership: vec![AttendanceRow { college: College::Fds, women: 0, men: 4 }],
        }),
        committee_id: None,
        sensitivity: None,
        status: None,
    }
}

pub fn goundam() -> RecordInput {
    committee("CCS de Goundam", "tombouctou", "tombouctou/goundam", "tombouctou/goundam/goundam")
}

pub fn ansongo() -> RecordInput {
    committee("CCS d'Ansongo", "gao", "gao/ansongo", "gao/ansongo/ansongo")
}

/// A session of `committee` in October 2026 with its own summary.
pub fn session(committee: CommitteeId, day: u32, summary: &str) -> RecordInput {
    let mut body = samples::session_body();
    body.date = NaiveDate::from_ymd_opt(2026, 10, day.clamp(1, 28)).unwrap_or_default();
    body.summary = summary.into();
    RecordInput { body: RecordBody::Session(body), committee_id: Some(committee), sensitivity: None, status: None }
}

/// An assessment of `commune` holding one threat of `category`.
pub fn assessment(committee: CommitteeId, commune: &str, category: ThreatCategory) -> RecordInput {
    let mut body = samples::assessment_body();
    body.zone = Zone { commune: commune.into(), locality: None, road: None };
    body.threats[0].category = category;
    RecordInput { body: RecordBody::Assessment(body), committee_id: Some(committee), sensitivity: None, status: None }
}
