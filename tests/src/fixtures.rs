//! Realistic records for the scenarios: committees of Goundam (Tombouctou) and Ansongo
//! (Gao), sessions, assessments.

use ccs_core::model::input::RecordInput;
use ccs_core::model::*;
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

pub fn session(committee: CommitteeId, day: u32, summary: &str) -> RecordInput {
    RecordInput {
        body: RecordBody::Session(Session {
            session_type: SessionType::OrdinaryMonthly,
            date: NaiveDate::from_ymd_opt(2026, 10, day.clamp(1, 28)).unwrap_or_default(),
            start_time: "09:00".parse().ok(),
            end_time: "12:00".parse().ok(),
            venue_type: VenueType::TownHall,
            venue_other: None,
            chaired_by: ChairRole::Mayor,
            agenda: vec![AgendaItem {
                id: ItemId::new(),
                theme: AgendaTheme::SecurityAssessment,
                notes: "Point".into(),
            }],
            invited: 23,
            present: 19,
            attendance: vec![],
            summary: summary.into(),
            minutes_status: MinutesStatus::Draft,
            linked_records: vec![],
        }),
        committee_id: Some(committee),
        sensitivity: None,
        status: None,
    }
}

pub fn assessment(committee: CommitteeId, commune: &str, category: ThreatCategory) -> RecordInput {
    RecordInput {
        body: RecordBody::Assessment(Assessment {
            date: date("2026-11-01"),
            period_start: date("2026-08-01"),
            period_end: date("2026-10-31"),
            zone: Zone { commune: commune.into(), locality: None, road: None },
            threats: vec![Threat {
                id: ItemId::new(),
                category,
                place_type: PlaceType::Market,
                suspected_actor: SuspectedActor::Unknown,
                trend: Trend::New,
                likelihood: 3,
                impact: 3,
                vulnerable_groups: vec![],
                existing_capacities: String::new(),
                source: InformationSource::Community,
                reliability: Reliability::Probable,
            }],
            notes: String::new(),
        }),
        committee_id: Some(committee),
        sensitivity: None,
        status: None,
    }
}
