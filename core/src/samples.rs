//! Valid sample record bodies, one per kind, for tests and examples across the
//! workspace (core, CLI, server and cross-component tests share them rather than each
//! keeping a copy). They are dated November 2026 and validate against the built-in
//! reference data for any `now` from 2026-11-05 on; tests pass such a `now` in.

use chrono::NaiveDate;

use crate::model::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

/// The Goundam committee (Tombouctou), as an admin would register it.
pub fn goundam_committee_body() -> Committee {
    Committee {
        level: CommitteeLevel::Communal,
        name: "CCS de Goundam".into(),
        region: "tombouctou".into(),
        cercle: Some("tombouctou/goundam".into()),
        commune: Some("tombouctou/goundam/goundam".into()),
        installed_on: Some(date("2021-06-15")),
        membership: vec![
            AttendanceRow { college: College::Fds, women: 0, men: 4 },
            AttendanceRow { college: College::Women, women: 2, men: 0 },
            AttendanceRow { college: College::ElectedOfficials, women: 0, men: 17 },
        ],
    }
}

pub fn session_body() -> Session {
    Session {
        session_type: SessionType::OrdinaryMonthly,
        date: date("2026-11-05"),
        start_time: "09:30".parse().ok(),
        end_time: "12:00".parse().ok(),
        venue_type: VenueType::TownHall,
        venue_other: None,
        chaired_by: ChairRole::Mayor,
        agenda: vec![AgendaItem {
            id: ItemId::new(),
            theme: AgendaTheme::SecurityAssessment,
            notes: "Point de situation".into(),
        }],
        invited: 23,
        present: 19,
        attendance: vec![
            AttendanceRow { college: College::Fds, women: 0, men: 4 },
            AttendanceRow { college: College::Women, women: 2, men: 0 },
            AttendanceRow { college: College::ElectedOfficials, women: 0, men: 13 },
        ],
        summary: "Situation calme en ville, inquiétudes sur l’axe Goundam-Tonka.".into(),
        minutes_status: MinutesStatus::Draft,
        linked_records: vec![],
    }
}

pub fn assessment_body() -> Assessment {
    Assessment {
        date: date("2026-11-01"),
        period_start: date("2026-08-01"),
        period_end: date("2026-10-31"),
        zone: Zone {
            commune: "tombouctou/goundam/goundam".into(),
            locality: Some("Quartier Hondo".into()),
            road: None,
        },
        threats: vec![Threat {
            id: ItemId::new(),
            category: ThreatCategory::CattleTheft,
            place_type: PlaceType::Pasture,
            suspected_actor: SuspectedActor::Criminals,
            trend: Trend::Rising,
            likelihood: 4,
            impact: 3,
            vulnerable_groups: vec![VulnerableGroup::Herders],
            existing_capacities: "Comité de veille".into(),
            source: InformationSource::Community,
            reliability: Reliability::Probable,
        }],
        notes: String::new(),
    }
}

pub fn workshop_body() -> Workshop {
    Workshop {
        workshop_type: WorkshopType::Training,
        title: "Formation sur la police de proximité".into(),
        themes: vec![WorkshopTheme::CommunityPolicing],
        organizer: "CRSS".into(),
        partner: Some(Partner::Dcaf),
        partner_other: None,
        start_date: date("2026-10-10"),
        end_date: date("2026-10-11"),
        commune: "tombouctou/goundam/goundam".into(),
        place: "Mairie".into(),
        participation: vec![ParticipationRow {
            category: ParticipantCategory::CcsMember,
            women: 3,
            men: 12,
            young_women: 1,
            young_men: 4,
        }],
        attendees: vec![],
        notes: String::new(),
    }
}

pub fn recommendation_body() -> Recommendation {
    Recommendation {
        origin: None,
        made_on: date("2026-11-05"),
        text: "Renforcer les patrouilles les jours de foire.".into(),
        addressee: Addressee::Fds,
        fds_corps: Some(FdsCorps::Gendarmerie),
        domain: RecommendationDomain::Patrols,
        priority: Priority::High,
        responsible: "Commandant de brigade".into(),
        due_date: Some(date("2026-12-31")),
        status_history: vec![],
        evidence: String::new(),
    }
}
