//! Realistic sample records for demos, screenshots and tests: committees of Tombouctou,
//! Goundam, Alafia, Gao, Ansongo and Ménaka with sessions, threat assessments, workshops
//! and recommendations, some of them reviewed. Invented, but shaped like the real thing:
//! counts rather than names, roles rather than people, communes rather than positions.
//!
//! - [`year`]: a year of records over forty-odd committees of every region, for the
//!   CRSS's inbox, dashboard, exports and report.
//! - [`corpus`]: as many records as a benchmark asks for.

pub mod corpus;
pub mod year;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::model::*;
use crate::store::{Store, StoreError};
use crate::sync::scope::{may_read, DeviceScope, DocRouting};

/// What [`fill`] created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub committees: usize,
    pub sessions: usize,
    pub assessments: usize,
    pub workshops: usize,
    pub recommendations: usize,
    pub reviewed: usize,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} comité(s), {} séance(s), {} évaluation(s), {} atelier(s), {} recommandation(s) ; {} avec un examen",
            self.committees, self.sessions, self.assessments, self.workshops, self.recommendations, self.reviewed
        )
    }
}

/// A committee of the demo: name, level, region, cercle, commune, members (women, men).
struct DemoCommittee {
    name: &'static str,
    level: CommitteeLevel,
    region: &'static str,
    cercle: Option<&'static str>,
    commune: Option<&'static str>,
    women: i64,
    men: i64,
}

const COMMITTEES: &[DemoCommittee] = &[
    DemoCommittee {
        name: "CCS régional de Tombouctou",
        level: CommitteeLevel::Regional,
        region: "tombouctou",
        cercle: None,
        commune: None,
        women: 3,
        men: 22,
    },
    DemoCommittee {
        name: "CCS de Goundam",
        level: CommitteeLevel::Communal,
        region: "tombouctou",
        cercle: Some("tombouctou/goundam"),
        commune: Some("tombouctou/goundam/goundam"),
        women: 2,
        men: 21,
    },
    DemoCommittee {
        name: "CCS d’Alafia",
        level: CommitteeLevel::Communal,
        region: "tombouctou",
        cercle: Some("tombouctou/tombouctou"),
        commune: Some("tombouctou/tombouctou/alafia"),
        women: 4,
        men: 17,
    },
    DemoCommittee {
        name: "CCS régional de Gao",
        level: CommitteeLevel::Regional,
        region: "gao",
        cercle: None,
        commune: None,
        women: 4,
        men: 20,
    },
    DemoCommittee {
        name: "CCS d’Ansongo",
        level: CommitteeLevel::Communal,
        region: "gao",
        cercle: Some("gao/ansongo"),
        commune: Some("gao/ansongo/ansongo"),
        women: 3,
        men: 19,
    },
    DemoCommittee {
        name: "CCS de Ménaka",
        level: CommitteeLevel::Communal,
        region: "menaka",
        cercle: Some("menaka/menaka"),
        commune: Some("menaka/menaka/menaka"),
        women: 2,
        men: 20,
    },
];

/// Splits members over the colleges the way a typical CCS is composed (also used by the
/// benchmark corpus).
pub fn split_by_college(women: i64, men: i64) -> Vec<AttendanceRow> {
    let shares: [(College, i64); 8] = [
        (College::Fds, 4),
        (College::AdministrativeAuthorities, 2),
        (College::ElectedOfficials, 4),
        (College::TraditionalChiefs, 3),
        (College::ReligiousLeaders, 2),
        (College::CivilSociety, 3),
        (College::Youth, 2),
        (College::Women, 2),
    ];
    let total_share: i64 = shares.iter().map(|s| s.1).sum();
    let mut rows: Vec<AttendanceRow> = Vec::new();
    let mut left_men = men;
    for (i, (college, share)) in shares.iter().enumerate() {
        let m = if i + 1 == shares.len() { left_men } else { (men * share / total_share).min(left_men) };
        left_men -= m;
        rows.push(AttendanceRow { college: *college, women: 0, men: m });
    }
    // Women sit in the women's college first, then civil society.
    if let Some(r) = rows.iter_mut().find(|r| r.college == College::Women) {
        r.women = women.min(2);
    }
    if let Some(r) = rows.iter_mut().find(|r| r.college == College::CivilSociety) {
        r.women = women - women.min(2);
    }
    rows
}

fn days_ago(now: DateTime<Utc>, days: i64) -> NaiveDate {
    (now - Duration::days(days)).date_naive()
}

fn session(now: DateTime<Utc>, days: i64, c: &DemoCommittee, absent_men: i64, summary: &str) -> Session {
    let invited = c.women + c.men;
    let attendance = split_by_college(c.women, (c.men - absent_men).max(0));
    let present = attendance.iter().map(|r| r.women + r.men).sum();
    Session {
        session_type: SessionType::OrdinaryMonthly,
        date: days_ago(now, days),
        start_time: "09:30".parse().ok(),
        end_time: "12:45".parse().ok(),
        venue_type: if c.level == CommitteeLevel::Regional { VenueType::Governorate } else { VenueType::TownHall },
        venue_other: None,
        chaired_by: if c.level == CommitteeLevel::Regional { ChairRole::Governor } else { ChairRole::Mayor },
        agenda: vec![
            AgendaItem {
                id: ItemId::new(),
                theme: AgendaTheme::SecurityAssessment,
                notes: "Point sur la situation depuis la dernière réunion.".into(),
            },
            AgendaItem {
                id: ItemId::new(),
                theme: AgendaTheme::RecommendationFollowUp,
                notes: "Revue des recommandations du mois précédent.".into(),
            },
        ],
        invited,
        present,
        attendance,
        summary: summary.into(),
        minutes_status: MinutesStatus::Adopted,
        linked_records: Vec::new(),
    }
}

fn threat(category: ThreatCategory, place: PlaceType, actor: SuspectedActor, trend: Trend, l: i64, i: i64) -> Threat {
    Threat {
        id: ItemId::new(),
        category,
        place_type: place,
        suspected_actor: actor,
        trend,
        likelihood: l,
        impact: i,
        vulnerable_groups: vec![VulnerableGroup::Women, VulnerableGroup::Traders],
        existing_capacities: "Patrouilles ponctuelles ; comité de veille villageois.".into(),
        source: InformationSource::Community,
        reliability: Reliability::Probable,
    }
}

fn review_event(
    now: DateTime<Utc>,
    hours_ago: i64,
    device: DeviceId,
    role: Role,
    decision: Decision,
    comment: Option<&str>,
) -> ReviewEvent {
    ReviewEvent {
        id: ItemId::new(),
        at: now - Duration::hours(hours_ago),
        by_device: device,
        role,
        decision,
        comment: comment.map(str::to_string),
        heads: vec![],
    }
}

/// The committee a member's demonstration records for.
pub const MEMBER_COMMITTEE: &str = "CCS de Goundam";
/// The region a facilitator's demonstration covers.
pub const FACILITATOR_REGION: &str = "tombouctou";

/// Fills `store` with every committee's demo records, as the CRSS holds them. Written on
/// behalf of demo devices (a member per committee, a facilitator, a reviewer), so review
/// trails look as they would after a few syncs.
pub fn fill(store: &mut Store, now: DateTime<Utc>) -> Result<DemoSummary, StoreError> {
    fill_as(store, Role::Admin, now)
}

/// Fills `store` with what a device of `role` would hold after its first sync, no more:
/// a member, the records of [`MEMBER_COMMITTEE`] (written from this very device) and
/// its registry entry; a facilitator, the committees of [`FACILITATOR_REGION`]; a
/// reviewer or an administrator, everything. The same rule as the server's
/// ([`may_read`]) decides, so a member's demonstration never shows a record she could
/// neither receive nor act on.
pub fn fill_as(store: &mut Store, role: Role, now: DateTime<Utc>) -> Result<DemoSummary, StoreError> {
    let this_device = store.identity().device_id;
    let admin = DeviceId::new();
    let facilitator = DeviceId::new();
    let reviewer = DeviceId::new();
    let mut records: Vec<Record> = Vec::new();
    let mut committee_ids = Vec::new();

    for c in COMMITTEES {
        let body = RecordBody::Committee(Committee {
            level: c.level,
            name: c.name.into(),
            region: c.region.into(),
            cercle: c.cercle.map(str::to_string),
            commune: c.commune.map(str::to_string),
            installed_on: Some(NaiveDate::from_ymd_opt(2021, 6, 15).unwrap_or_default()),
            membership: split_by_college(c.women, c.men),
        });
        let record = Record::new(body, CommitteeId::new(), admin, now - Duration::days(400));
        committee_ids.push(record.committee_id);
        records.push(record);
    }
    let own_committee =
        COMMITTEES.iter().zip(&committee_ids).find(|(c, _)| c.name == MEMBER_COMMITTEE).map(|(_, id)| *id);
    let scope_committee = (role == Role::Member).then_some(own_committee).flatten();

    for (n, (c, committee)) in COMMITTEES.iter().zip(&committee_ids).enumerate() {
        // The member of the demonstration's own committee is this device: the records
        // and submissions are hers.
        let member = if Some(*committee) == scope_committee { this_device } else { DeviceId::new() };
        let new = |body: RecordBody, days: i64| Record::new(body, *committee, member, now - Duration::days(days));

        // Three monthly sessions.
        for (k, days) in [(0, 75), (1, 45), (2, 14)] {
            let text = match (n + k) % 3 {
                0 => "La situation reste calme en ville ; inquiétudes sur l’axe routier vers le chef-lieu de cercle. Les leaders religieux ont appelé au calme après la tension au marché.",
                1 => "Hausse des vols de bétail signalés par les éleveurs. Les FDS ont renforcé les patrouilles les jours de foire. Le comité recommande une sensibilisation radio.",
                _ => "Réunion consacrée au suivi des recommandations : éclairage du marché réalisé, médiation foncière en cours entre agriculteurs et éleveurs.",
            };
            let mut record = new(RecordBody::Session(session(now, days, c, (k as i64 + n as i64) % 4, text)), days);
            if k == 0 {
                record.review = vec![
                    review_event(now, 24 * 70, member, Role::Member, Decision::Submitted, None),
                    review_event(now, 24 * 60, facilitator, Role::Facilitator, Decision::Validated, None),
                    review_event(now, 24 * 50, reviewer, Role::Reviewer, Decision::Approved, None),
                ];
            } else if k == 1 && (n % 2 == 0 || c.name == MEMBER_COMMITTEE) {
                record.review = vec![
                    review_event(now, 24 * 40, member, Role::Member, Decision::Submitted, None),
                    review_event(now, 24 * 30, reviewer, Role::Reviewer, Decision::NeedsCorrection,
                        Some("Le total par collège ne correspond pas à la liste d’émargement : merci de vérifier les présences des FDS.")),
                ];
            } else if k == 2 {
                record.review = vec![review_event(now, 24 * 10, member, Role::Member, Decision::Submitted, None)];
            }
            records.push(record);
        }

        // One assessment per committee; Ansongo's includes an allegation against the
        // security forces, which makes it confidential.
        let commune = c.commune.unwrap_or(match c.region {
            "tombouctou" => "tombouctou/tombouctou/tombouctou",
            "gao" => "gao/gao/gao",
            _ => "menaka/menaka/menaka",
        });
        let mut threats = vec![
            threat(ThreatCategory::CattleTheft, PlaceType::Pasture, SuspectedActor::Criminals, Trend::Rising, 4, 3),
            threat(ThreatCategory::Banditry, PlaceType::Road, SuspectedActor::ArmedGroup, Trend::Stable, 3, 4),
            threat(
                ThreatCategory::LandConflict,
                PlaceType::Village,
                SuspectedActor::CommunityMembers,
                Trend::Falling,
                2,
                3,
            ),
        ];
        if c.name.contains("Ménaka") || c.name.contains("Gao") {
            threats.push(threat(ThreatCategory::Ied, PlaceType::Road, SuspectedActor::ArmedGroup, Trend::Rising, 4, 5));
        }
        if c.name.contains("Ansongo") {
            threats.push(threat(
                ThreatCategory::FdsTensions,
                PlaceType::Market,
                SuspectedActor::Unknown,
                Trend::New,
                2,
                3,
            ));
        }
        let assessment = Assessment {
            date: days_ago(now, 30),
            period_start: days_ago(now, 120),
            period_end: days_ago(now, 30),
            zone: Zone { commune: commune.into(), locality: None, road: None },
            threats,
            notes: "Évaluation conduite en séance avec les représentants des fractions.".into(),
        };
        let mut record = new(RecordBody::Assessment(assessment), 30);
        if n % 3 == 1 {
            record.review = vec![review_event(now, 24 * 20, member, Role::Member, Decision::Submitted, None)];
        }
        records.push(record);

        // A workshop for every other committee, and the member's.
        if n % 2 == 0 || c.name == MEMBER_COMMITTEE {
            let workshop = Workshop {
                workshop_type: WorkshopType::Training,
                title: format!("Formation des membres du {} sur la coproduction de la sécurité", c.name),
                themes: vec![WorkshopTheme::CcsRoles, WorkshopTheme::CoProduction, WorkshopTheme::Gender],
                organizer: "CRSS".into(),
                partner: Some(Partner::Pnud),
                partner_other: None,
                start_date: days_ago(now, 60),
                end_date: days_ago(now, 59),
                commune: commune.into(),
                place: "Salle de la mairie".into(),
                participation: vec![
                    ParticipationRow {
                        category: ParticipantCategory::CcsMember,
                        women: 3,
                        men: 14,
                        young_women: 1,
                        young_men: 3,
                    },
                    ParticipationRow {
                        category: ParticipantCategory::Police,
                        women: 1,
                        men: 4,
                        young_women: 0,
                        young_men: 2,
                    },
                    ParticipationRow {
                        category: ParticipantCategory::WomenRepresentative,
                        women: 5,
                        men: 0,
                        young_women: 2,
                        young_men: 0,
                    },
                    ParticipationRow {
                        category: ParticipantCategory::YouthRepresentative,
                        women: 2,
                        men: 4,
                        young_women: 2,
                        young_men: 4,
                    },
                ],
                attendees: Vec::new(),
                notes: String::new(),
            };
            records.push(new(RecordBody::Workshop(workshop), 59));
        }

        // Two recommendations, one followed up.
        for (k, (text, addressee, domain)) in [
            (
                "Renforcer les patrouilles mixtes les jours de foire hebdomadaire.",
                Addressee::Fds,
                RecommendationDomain::Patrols,
            ),
            (
                "Installer l’éclairage public autour du marché et de la gare routière.",
                Addressee::MayorCouncil,
                RecommendationDomain::Infrastructure,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let made = now - Duration::days(45);
            let mut history = vec![StatusChange {
                id: ItemId::new(),
                at: made,
                by_device: member,
                status: RecommendationStatus::Proposed,
            }];
            if k == 1 {
                history.push(StatusChange {
                    id: ItemId::new(),
                    at: made + Duration::days(3),
                    by_device: member,
                    status: RecommendationStatus::Transmitted,
                });
                history.push(StatusChange {
                    id: ItemId::new(),
                    at: made + Duration::days(30),
                    by_device: member,
                    status: RecommendationStatus::Done,
                });
            }
            let rec = Recommendation {
                origin: None,
                made_on: made.date_naive(),
                text: text.into(),
                addressee,
                fds_corps: (addressee == Addressee::Fds).then_some(FdsCorps::Gendarmerie),
                domain,
                priority: if k == 0 { Priority::High } else { Priority::Medium },
                responsible: if k == 0 { "Commandant de brigade".into() } else { "Maire".into() },
                due_date: Some(made.date_naive() + Duration::days(60)),
                status_history: history,
                evidence: if k == 1 {
                    "Lampadaires solaires posés (procès-verbal de réception).".into()
                } else {
                    String::new()
                },
            };
            records.push(new(RecordBody::Recommendation(rec), 45));
        }
    }

    let regions: Vec<(CommitteeId, String)> =
        COMMITTEES.iter().zip(&committee_ids).map(|(c, id)| (*id, c.region.to_string())).collect();
    insert_visible_as(store, role, scope_committee, records, &regions, now)
}

/// Saves the records a device of the store's own role may read (see [`fill_as`]).
pub(crate) fn insert_visible(
    store: &mut Store,
    own_committee: Option<CommitteeId>,
    records: Vec<Record>,
    regions: &[(CommitteeId, String)],
    now: DateTime<Utc>,
) -> Result<DemoSummary, StoreError> {
    let role = store.identity().role;
    insert_visible_as(store, role, own_committee, records, regions, now)
}

/// Saves the records a device of `role` (of `own_committee` for a member, of
/// [`FACILITATOR_REGION`] for a facilitator) may read, decided by the server's own rule
/// ([`may_read`]); marks the store as a demonstration's.
fn insert_visible_as(
    store: &mut Store,
    role: Role,
    own_committee: Option<CommitteeId>,
    records: Vec<Record>,
    regions: &[(CommitteeId, String)],
    now: DateTime<Utc>,
) -> Result<DemoSummary, StoreError> {
    // A demo on an enrolled store would push its invented records to the server at the
    // next sync, into real committees' phones and the CRSS's indicators. An
    // administrator may still load them into a trial server on purpose.
    if store.server_link()?.is_some() && store.identity().role != Role::Admin {
        return Err(StoreError::Forbidden(
            "demonstration records cannot be added to an enrolled device: use a new store".into(),
        ));
    }
    store.mark_demo()?;
    let scope = DeviceScope {
        device_id: store.identity().device_id,
        role,
        committee_id: (role == Role::Member).then_some(own_committee).flatten(),
        region: (role == Role::Facilitator).then(|| FACILITATOR_REGION.to_string()),
    };
    let mut summary = DemoSummary::default();
    for record in records {
        let routing = DocRouting {
            kind: record.kind(),
            committee_id: record.committee_id,
            region: regions.iter().find(|(id, _)| *id == record.committee_id).map(|(_, r)| r.clone()),
            sensitivity: record.effective_sensitivity(),
            contributors: vec![record.created_by],
        };
        if !may_read(&scope, &routing) {
            continue;
        }
        store.insert_new(&record, now)?;
        match record.kind() {
            RecordKind::Committee => summary.committees += 1,
            RecordKind::Session => summary.sessions += 1,
            RecordKind::Assessment => summary.assessments += 1,
            RecordKind::Workshop => summary.workshops += 1,
            RecordKind::Recommendation => summary.recommendations += 1,
        }
        if !record.review.is_empty() {
            summary.reviewed += 1;
        }
    }
    Ok(summary)
}
