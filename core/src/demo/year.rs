//! A year of records over many committees, for the CRSS's screens: the inbox « À
//! traiter », the dashboard « Indicateurs », the exports and the quarterly report need
//! months of sessions, assessments, workshops and recommendations, reviewed at every
//! stage, to show anything worth looking at. The six committees of the demonstration
//! ([`super::fill`]) hold three months; this holds the twelve months before `now`.
//!
//! Shaped like the field, on purpose unevenly:
//! - committees installed in communes of every region (not those of the demonstration,
//!   so both can sit in one store), a regional committee here and there, most meeting
//!   every month, some irregular, some that stopped meeting months ago (installed but
//!   not operational), a few installed during the year;
//! - sessions with attendance by college (women and youth below and above the 30 %
//!   reference, the FDS sometimes absent, a quorum sometimes missed);
//! - an assessment most quarters, with threats whose mix depends on the region;
//!   workshops each quarter in every region, counted by sex and youth;
//! - recommendations made in sessions, transmitted, realised within 90 days or later or
//!   never, lapsed;
//! - review trails in every state: old records mostly approved, recent ones submitted
//!   or validated (an inbox with work), some sent back with a comment, some drafts.
//!
//! Deterministic for a seed and `now`: the same records, ids included (UUID v7 made
//! from each record's own time and the seeded generator), whenever it runs.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::corpus::{EVIDENCE, RECOMMENDATIONS, SITUATION, WORKSHOP_TITLES};
use super::{insert_visible, DemoSummary, COMMITTEES};
use crate::model::*;
use crate::reference::{ReferenceData, UnitLevel};
use crate::store::{Store, StoreError};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearPlan {
    pub seed: u64,
    /// Communal committees (regional ones come on top, about one for eight).
    pub committees: usize,
}

impl Default for YearPlan {
    /// About 1,100 records: enough for every chart, quick to sync in a test.
    fn default() -> Self {
        YearPlan { seed: 2026, committees: 40 }
    }
}

/// How a committee of the year meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Nearly every month.
    Regular,
    /// One month in two.
    Irregular,
    /// Met in the first months, not in the last five: installed, not operational.
    Dormant,
    /// Installed during the year, monthly since.
    New,
}

/// A committee of the year and the device of its secretary.
#[derive(Debug, Clone)]
pub struct YearCommittee {
    pub id: CommitteeId,
    pub name: String,
    pub level: CommitteeLevel,
    pub region: String,
    /// The commune where its records happen (a regional committee: the region's first).
    pub commune: String,
    pub activity: Activity,
    pub installed_on: NaiveDate,
    pub member: DeviceId,
}

/// The generated year: its committees and every record, committees first.
#[derive(Debug, Clone)]
pub struct Year {
    pub committees: Vec<YearCommittee>,
    pub records: Vec<Record>,
}

impl Year {
    /// Each committee with its region, as the routing of records needs it.
    pub fn regions(&self) -> Vec<(CommitteeId, String)> {
        self.committees.iter().map(|c| (c.id, c.region.clone())).collect()
    }
}

/// Fills `store` with a year of records, as a device of the store's role would hold
/// them after a sync (a reviewer or an administrator: everything; a facilitator: the
/// committees of [`super::FACILITATOR_REGION`]; a member: nothing, since no committee of
/// the year is hers). Refused on an enrolled device other than an administrator's, as
/// [`super::fill_as`] is: invented records must never reach real phones by accident.
pub fn fill_year(store: &mut Store, plan: &YearPlan, now: DateTime<Utc>) -> Result<DemoSummary, StoreError> {
    let year = generate(plan, now);
    let regions = year.regions();
    insert_visible(store, None, year.records, &regions, now)
}

/// The records of a year ending at `now`.
pub fn generate(plan: &YearPlan, now: DateTime<Utc>) -> Year {
    let mut g = YearGenerator::new(plan, now);
    let committees = g.committees(plan.committees);
    let mut records: Vec<Record> = committees.iter().map(|c| g.committee_record(c)).collect();
    for c in &committees {
        records.extend(g.committee_year(c));
    }
    records.extend(g.workshops(&committees));
    Year { committees, records }
}

/// The generator's state: the seeded randomness and the devices that write.
struct YearGenerator {
    rng: StdRng,
    now: DateTime<Utc>,
    reference: ReferenceData,
    reviewer: DeviceId,
    admin: DeviceId,
    /// One facilitator per region, made on first use.
    facilitators: Vec<(String, DeviceId)>,
}

const CORRECTION: &[&str] = &[
    "Le total par collège ne correspond pas à la liste d’émargement : merci de vérifier.",
    "Préciser le nombre de présents FDS.",
    "La date de la séance ne correspond pas au procès-verbal transmis.",
    "Compléter le niveau de risque des menaces signalées.",
    "Indiquer le responsable du suivi de la recommandation.",
];

const DIRECT_APPROVAL: &str = "Approuvé directement : le facilitateur n’a pas pu se déplacer ce trimestre.";

impl YearGenerator {
    fn new(plan: &YearPlan, now: DateTime<Utc>) -> YearGenerator {
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let start = now - Duration::days(400);
        let reviewer = DeviceId(id_at(&mut rng, start));
        let admin = DeviceId(id_at(&mut rng, start));
        YearGenerator { rng, now, reference: ReferenceData::builtin(), reviewer, admin, facilitators: Vec::new() }
    }

    fn id(&mut self, at: DateTime<Utc>) -> Uuid {
        id_at(&mut self.rng, at)
    }

    fn item(&mut self, at: DateTime<Utc>) -> ItemId {
        ItemId(self.id(at))
    }

    fn facilitator(&mut self, region: &str) -> DeviceId {
        if let Some((_, d)) = self.facilitators.iter().find(|(r, _)| r == region) {
            return *d;
        }
        let d = DeviceId(self.id(self.now - Duration::days(400)));
        self.facilitators.push((region.to_string(), d));
        d
    }

    /// Communes spread over the regions (round robin over regions shuffled by the
    /// seed), none of the demonstration's; a regional committee for every eighth.
    fn committees(&mut self, wanted: usize) -> Vec<YearCommittee> {
        let today = self.now.date_naive();
        let demo_communes: Vec<&str> = COMMITTEES.iter().filter_map(|c| c.commune).collect();
        let demo_regional: Vec<&str> =
            COMMITTEES.iter().filter(|c| c.level == CommitteeLevel::Regional).map(|c| c.region).collect();
        let mut by_region: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for u in self.reference.units(UnitLevel::Commune, Some(today)) {
            if demo_communes.contains(&u.code.as_str()) {
                continue;
            }
            let Some(region) = self.reference.region_of(&u.code) else { continue };
            let entry = match by_region.iter_mut().find(|(r, _)| *r == region.code) {
                Some(e) => e,
                None => {
                    by_region.push((region.code.clone(), Vec::new()));
                    by_region.last_mut().expect("just pushed")
                }
            };
            entry.1.push((u.code.clone(), u.name.clone()));
        }
        by_region.sort_by(|a, b| a.0.cmp(&b.0));
        by_region.shuffle(&mut self.rng);
        for (_, communes) in &mut by_region {
            communes.shuffle(&mut self.rng);
        }
        let mut picked: Vec<(String, String, String)> = Vec::new();
        let mut round = 0;
        while picked.len() < wanted && by_region.iter().any(|(_, c)| c.len() > round) {
            for (region, communes) in &by_region {
                if picked.len() < wanted {
                    if let Some((code, name)) = communes.get(round) {
                        picked.push((region.clone(), code.clone(), name.clone()));
                    }
                }
            }
            round += 1;
        }

        let mut out = Vec::new();
        let mut regional_done: Vec<String> = Vec::new();
        for (n, (region, commune, name)) in picked.into_iter().enumerate() {
            if n % 8 == 0 && !demo_regional.contains(&region.as_str()) && !regional_done.contains(&region) {
                regional_done.push(region.clone());
                let region_name = self
                    .reference
                    .units(UnitLevel::Region, None)
                    .iter()
                    .find(|u| u.code == region)
                    .map(|u| u.name.clone());
                let region_name = region_name.unwrap_or_else(|| region.clone());
                out.push(self.committee(
                    format!("CCS régional de {region_name}"),
                    CommitteeLevel::Regional,
                    &region,
                    &commune,
                ));
            }
            out.push(self.committee(format!("CCS de {name}"), CommitteeLevel::Communal, &region, &commune));
        }
        out
    }

    fn committee(&mut self, name: String, level: CommitteeLevel, region: &str, commune: &str) -> YearCommittee {
        let roll = self.rng.gen_range(0..100);
        let activity = match roll {
            0..=67 => Activity::Regular,
            68..=81 => Activity::Irregular,
            82..=91 => Activity::Dormant,
            _ => Activity::New,
        };
        let installed_on = match activity {
            Activity::New => (self.now - Duration::days(self.rng.gen_range(100..200))).date_naive(),
            _ => NaiveDate::from_ymd_opt(self.rng.gen_range(2019..2024), self.rng.gen_range(1..13), 15)
                .unwrap_or_default(),
        };
        let at = self.now - Duration::days(420);
        YearCommittee {
            id: CommitteeId(self.id(at)),
            name,
            level,
            region: region.to_string(),
            commune: commune.to_string(),
            activity,
            installed_on,
            member: DeviceId(self.id(at)),
        }
    }

    fn committee_record(&mut self, c: &YearCommittee) -> Record {
        let women = self.rng.gen_range(1..8);
        let men = self.rng.gen_range(14..25);
        let body = RecordBody::Committee(Committee {
            level: c.level,
            name: c.name.clone(),
            region: c.region.clone(),
            cercle: (c.level != CommitteeLevel::Regional)
                .then(|| self.reference.cercle_of(&c.commune).map(|u| u.code.clone()))
                .flatten(),
            commune: (c.level != CommitteeLevel::Regional).then(|| c.commune.clone()),
            installed_on: Some(c.installed_on),
            membership: composition(&mut self.rng, women, men),
        });
        let at = (self.now - Duration::days(420)).min(at_noon(c.installed_on));
        let mut record = Record::new(body, c.id, self.admin, at);
        // A committee record is its committee.
        record.id = RecordId(c.id.0);
        record.committee_id = c.id;
        record
    }

    /// A committee's sessions, their recommendations and its assessments.
    fn committee_year(&mut self, c: &YearCommittee) -> Vec<Record> {
        let mut out = Vec::new();
        let today = self.now.date_naive();
        let first = first_of_month(today) - chrono::Months::new(11);
        let membership_women = self.rng.gen_range(1..9);
        let membership_men = self.rng.gen_range(14..25);
        let members = composition(&mut self.rng, membership_women, membership_men);
        let fds_regular = self.rng.gen_bool(0.85);
        let attendance_rate = self.rng.gen_range(0.55..0.95);
        for m in 0..12u32 {
            let month = first + chrono::Months::new(m);
            let months_left = 11 - m;
            let p = match c.activity {
                Activity::Regular => 0.92,
                Activity::Irregular => 0.5,
                Activity::Dormant if months_left >= 5 => 0.75,
                Activity::Dormant => 0.0,
                Activity::New if month < first_of_month(c.installed_on) => 0.0,
                Activity::New => 0.95,
            };
            if self.rng.gen_bool(p) {
                let day = self.rng.gen_range(2..27);
                let date = month.with_day(day).unwrap_or(month);
                if date > today || date < c.installed_on {
                    continue;
                }
                let extraordinary = self.rng.gen_bool(0.06);
                let session = self.session(c, &members, date, fds_regular, attendance_rate, extraordinary);
                let made = at_hour(date, 17);
                let session_id = session.id;
                out.push(session);
                // Recommendations made in this session.
                let n = match self.rng.gen_range(0..100) {
                    0..=49 => 0,
                    50..=84 => 1,
                    _ => 2,
                };
                for _ in 0..n {
                    out.push(self.recommendation(c, session_id, made));
                }
            }
            // An assessment most quarters (at the quarter's last month).
            if m % 3 == 2 && p > 0.0 && self.rng.gen_bool(if p > 0.6 { 0.8 } else { 0.45 }) {
                let date = (month.with_day(self.rng.gen_range(5..25)).unwrap_or(month)).min(today);
                if date >= c.installed_on {
                    out.push(self.assessment(c, date));
                }
            }
        }
        out
    }

    fn session(
        &mut self,
        c: &YearCommittee,
        members: &[AttendanceRow],
        date: NaiveDate,
        fds_regular: bool,
        rate: f64,
        extraordinary: bool,
    ) -> Record {
        let invited: i64 = members.iter().map(|r| r.women + r.men).sum();
        // A meeting without quorum now and then (a market day, the rains).
        let rate = if self.rng.gen_bool(0.08) { rate * 0.55 } else { rate };
        let fds_present = fds_regular || self.rng.gen_bool(0.3);
        let attendance: Vec<AttendanceRow> = members
            .iter()
            .map(|r| {
                let (women, men) = if r.college == College::Fds && !fds_present {
                    (0, 0)
                } else {
                    (self.present(r.women, rate), self.present(r.men, rate))
                };
                AttendanceRow { college: r.college, women, men }
            })
            .collect();
        let present = attendance.iter().map(|r| r.women + r.men).sum();
        let n = self.rng.gen_range(2..4);
        let summary = self.sentences(SITUATION, n);
        let made = at_hour(date, 17);
        let mut agenda = vec![AgendaItem {
            id: self.item(made),
            theme: AgendaTheme::SecurityAssessment,
            notes: "Point sur la situation depuis la dernière réunion.".into(),
        }];
        if self.rng.gen_bool(0.7) {
            agenda.push(AgendaItem {
                id: self.item(made),
                theme: AgendaTheme::RecommendationFollowUp,
                notes: "Revue des recommandations du mois précédent.".into(),
            });
        }
        let regional = c.level == CommitteeLevel::Regional;
        let body = RecordBody::Session(Session {
            session_type: if extraordinary { SessionType::Extraordinary } else { SessionType::OrdinaryMonthly },
            date,
            start_time: "09:30".parse().ok(),
            end_time: "12:45".parse().ok(),
            venue_type: if regional { VenueType::Governorate } else { VenueType::TownHall },
            venue_other: None,
            chaired_by: if regional { ChairRole::Governor } else { ChairRole::Mayor },
            agenda,
            invited,
            present,
            attendance,
            summary,
            minutes_status: if self.rng.gen_bool(0.8) { MinutesStatus::Adopted } else { MinutesStatus::Draft },
            linked_records: Vec::new(),
        });
        self.record(c, body, made)
    }

    /// How many of `n` members came, each with probability `rate`.
    fn present(&mut self, n: i64, rate: f64) -> i64 {
        (0..n).filter(|_| self.rng.gen_bool(rate.clamp(0.0, 1.0))).count() as i64
    }

    fn recommendation(&mut self, c: &YearCommittee, session: RecordId, made: DateTime<Utc>) -> Record {
        let addressee = *Addressee::ALL.choose(&mut self.rng).unwrap_or(&Addressee::MayorCouncil);
        let mut history = vec![StatusChange {
            id: self.item(made),
            at: made,
            by_device: c.member,
            status: RecommendationStatus::Proposed,
        }];
        let mut step = |g: &mut YearGenerator, days: i64, status: RecommendationStatus| {
            let at = made + Duration::days(days) + Duration::hours(g.rng.gen_range(0..8));
            if at <= g.now {
                history.push(StatusChange { id: g.item(at), at, by_device: c.member, status });
            }
        };
        let transmitted = self.rng.gen_range(1..12);
        let mut done = false;
        if self.rng.gen_bool(0.88) {
            step(self, transmitted, RecommendationStatus::Transmitted);
            let roll = self.rng.gen_range(0..100);
            let in_progress = transmitted + self.rng.gen_range(5..30);
            match roll {
                // Realised within 90 days.
                0..=41 => {
                    step(self, in_progress, RecommendationStatus::InProgress);
                    let d = self.rng.gen_range(in_progress + 3..88);
                    done = made + Duration::days(d) <= self.now;
                    step(self, d, RecommendationStatus::Done);
                }
                // Realised, late.
                42..=59 => {
                    step(self, in_progress, RecommendationStatus::InProgress);
                    let d = self.rng.gen_range(95..220);
                    done = made + Duration::days(d) <= self.now;
                    step(self, d, RecommendationStatus::Done);
                }
                60..=67 => {
                    step(self, in_progress, RecommendationStatus::InProgress);
                    let d = self.rng.gen_range(60..150);
                    step(self, d, RecommendationStatus::PartlyDone);
                }
                68..=74 => {
                    let d = self.rng.gen_range(120..200);
                    step(self, d, RecommendationStatus::NotDone);
                }
                75..=79 => {
                    let d = self.rng.gen_range(150..250);
                    step(self, d, RecommendationStatus::Lapsed);
                }
                // Still under way.
                _ => step(self, in_progress, RecommendationStatus::InProgress),
            }
        }
        let domain = *RecommendationDomain::ALL.choose(&mut self.rng).unwrap_or(&RecommendationDomain::Patrols);
        let body = RecordBody::Recommendation(Recommendation {
            origin: Some(session),
            made_on: made.date_naive(),
            text: RECOMMENDATIONS.choose(&mut self.rng).unwrap_or(&"Renforcer les patrouilles.").to_string(),
            addressee,
            fds_corps: (addressee == Addressee::Fds)
                .then(|| *FdsCorps::ALL.choose(&mut self.rng).unwrap_or(&FdsCorps::Gendarmerie)),
            domain,
            priority: *Priority::ALL.choose(&mut self.rng).unwrap_or(&Priority::Medium),
            responsible: if addressee == Addressee::Fds { "Commandant de brigade".into() } else { "Maire".into() },
            due_date: Some(made.date_naive() + Duration::days(90)),
            status_history: history,
            evidence: if done { EVIDENCE.choose(&mut self.rng).unwrap_or(&"").to_string() } else { String::new() },
        });
        self.record(c, body, made + Duration::hours(1))
    }

    fn assessment(&mut self, c: &YearCommittee, date: NaiveDate) -> Record {
        let made = at_hour(date, 16);
        // The north sees armed groups and mines; the centre, land and cattle.
        let north = matches!(c.region.as_str(), "tombouctou" | "gao" | "menaka" | "kidal" | "taoudenit");
        let weighted: &[(ThreatCategory, u32)] = if north {
            &[
                (ThreatCategory::ArmedGroups, 5),
                (ThreatCategory::Ied, 4),
                (ThreatCategory::Banditry, 5),
                (ThreatCategory::Kidnapping, 2),
                (ThreatCategory::CattleTheft, 3),
                (ThreatCategory::Trafficking, 2),
                (ThreatCategory::Blockade, 2),
                (ThreatCategory::WaterPasture, 1),
            ]
        } else {
            &[
                (ThreatCategory::LandConflict, 5),
                (ThreatCategory::CattleTheft, 4),
                (ThreatCategory::Intercommunal, 3),
                (ThreatCategory::Banditry, 3),
                (ThreatCategory::WaterPasture, 3),
                (ThreatCategory::UrbanCrime, 2),
                (ThreatCategory::Gbv, 2),
                (ThreatCategory::NaturalDisaster, 1),
                (ThreatCategory::ArmedGroups, 1),
            ]
        };
        let count = self.rng.gen_range(1..5);
        let mut categories: Vec<ThreatCategory> = Vec::new();
        while categories.len() < count {
            let total: u32 = weighted.iter().map(|w| w.1).sum();
            let mut pick = self.rng.gen_range(0..total);
            for (cat, w) in weighted {
                if pick < *w {
                    if !categories.contains(cat) {
                        categories.push(*cat);
                    }
                    break;
                }
                pick -= w;
            }
        }
        let mut threats = Vec::new();
        for category in categories {
            let severe = matches!(category, ThreatCategory::ArmedGroups | ThreatCategory::Ied);
            let likelihood = self.rng.gen_range(1..=5);
            let impact = if severe { self.rng.gen_range(3..=5) } else { self.rng.gen_range(1..=5) };
            threats.push(Threat {
                id: self.item(made),
                category,
                place_type: *PlaceType::ALL.choose(&mut self.rng).unwrap_or(&PlaceType::Market),
                suspected_actor: *SuspectedActor::ALL.choose(&mut self.rng).unwrap_or(&SuspectedActor::Unknown),
                trend: *Trend::ALL.choose(&mut self.rng).unwrap_or(&Trend::Stable),
                likelihood,
                impact,
                vulnerable_groups: vec![VulnerableGroup::Women, VulnerableGroup::Traders],
                existing_capacities: "Patrouilles ponctuelles ; comité de veille villageois.".into(),
                source: InformationSource::Community,
                reliability: Reliability::Probable,
            });
        }
        // Rarely, an allegation against the security forces: a confidential record.
        if self.rng.gen_bool(0.02) {
            if let Some(t) = threats.first_mut() {
                t.category = ThreatCategory::FdsTensions;
            }
        }
        let n = self.rng.gen_range(1..3);
        let body = RecordBody::Assessment(Assessment {
            date,
            period_start: date - Duration::days(90),
            period_end: date,
            zone: Zone { commune: c.commune.clone(), locality: None, road: None },
            threats,
            notes: self.sentences(SITUATION, n),
        });
        self.record(c, body, made)
    }

    /// One to three workshops a quarter in every region, each at one of its committees.
    fn workshops(&mut self, committees: &[YearCommittee]) -> Vec<Record> {
        let mut regions: Vec<String> = committees.iter().map(|c| c.region.clone()).collect();
        regions.sort();
        regions.dedup();
        let today = self.now.date_naive();
        let mut out = Vec::new();
        for region in regions {
            let here: Vec<YearCommittee> = committees.iter().filter(|c| c.region == region).cloned().collect();
            for quarter in 0..4 {
                for _ in 0..self.rng.gen_range(1..4) {
                    let days_ago = 365 - quarter * 91 - self.rng.gen_range(0..91);
                    let start = (self.now - Duration::days(days_ago.max(1))).date_naive().min(today);
                    let Some(c) = here.choose(&mut self.rng).cloned() else { continue };
                    out.push(self.workshop(&c, start));
                }
            }
        }
        out
    }

    fn workshop(&mut self, c: &YearCommittee, start: NaiveDate) -> Record {
        let mut themes: Vec<WorkshopTheme> = WorkshopTheme::ALL.to_vec();
        themes.shuffle(&mut self.rng);
        themes.truncate(self.rng.gen_range(1..4));
        let mut categories: Vec<ParticipantCategory> = ParticipantCategory::ALL.to_vec();
        categories.shuffle(&mut self.rng);
        let rows = self.rng.gen_range(2..6);
        let participation = categories
            .into_iter()
            .take(rows)
            .map(|category| {
                let women = self.rng.gen_range(0..14);
                let men = self.rng.gen_range(2..22);
                ParticipationRow {
                    category,
                    women,
                    men,
                    young_women: self.rng.gen_range(0..=women),
                    young_men: self.rng.gen_range(0..=men / 2),
                }
            })
            .collect();
        let partners: Vec<Partner> = Partner::ALL.iter().copied().filter(|p| *p != Partner::Other).collect();
        let place = self.reference.commune(&c.commune).map(|u| u.name.clone()).unwrap_or_default();
        let title = WORKSHOP_TITLES.choose(&mut self.rng).unwrap_or(&"Atelier");
        let end = (start + Duration::days(self.rng.gen_range(0..3))).min(self.now.date_naive());
        let body = RecordBody::Workshop(Workshop {
            workshop_type: *WorkshopType::ALL.choose(&mut self.rng).unwrap_or(&WorkshopType::Training),
            title: format!("{title} ({place})"),
            themes,
            organizer: "CRSS".into(),
            partner: partners.choose(&mut self.rng).copied(),
            partner_other: None,
            start_date: start,
            end_date: end,
            commune: c.commune.clone(),
            place: "Salle de la mairie".into(),
            participation,
            attendees: Vec::new(),
            notes: String::new(),
        });
        self.record(c, body, at_hour(end, 18))
    }

    /// A record of `c` made at `made` by its secretary, with its review trail.
    fn record(&mut self, c: &YearCommittee, body: RecordBody, made: DateTime<Utc>) -> Record {
        let made = made.min(self.now);
        let mut record = Record::new(body, c.id, c.member, made);
        record.id = RecordId(self.id(made));
        record.review = self.trail(c, made);
        let last = record.review.iter().map(|e| e.at).chain(history_times(&record.body)).max();
        if let Some(at) = last.filter(|at| *at > made) {
            record.updated_at = at;
        }
        record
    }

    /// A review trail as it would stand at `now`: the intended steps, cut at `now`, so
    /// recent records wait for a decision.
    fn trail(&mut self, c: &YearCommittee, made: DateTime<Utc>) -> Vec<ReviewEvent> {
        let facilitator = self.facilitator(&c.region);
        let reviewer = self.reviewer;
        let roll = self.rng.gen_range(0..100);
        let mut steps: Vec<(i64, DeviceId, Role, Decision, Option<String>)> = Vec::new();
        if roll < 7 {
            return Vec::new(); // never submitted: a draft
        }
        let submitted = self.rng.gen_range(2..72);
        steps.push((submitted, c.member, Role::Member, Decision::Submitted, None));
        let validated = submitted + self.rng.gen_range(24..24 * 12);
        let approved = validated + self.rng.gen_range(48..24 * 25);
        let comment = || CORRECTION[(roll as usize) % CORRECTION.len()].to_string();
        match roll {
            // Sent back by the facilitator; corrected and submitted again (or not yet).
            7..=10 => {
                steps.push((validated, facilitator, Role::Facilitator, Decision::NeedsCorrection, Some(comment())));
                if roll < 9 {
                    let again = validated + self.rng.gen_range(24..24 * 20);
                    steps.push((again, c.member, Role::Member, Decision::Submitted, None));
                    steps.push((again + 72, facilitator, Role::Facilitator, Decision::Validated, None));
                }
            }
            // Sent back by the CRSS after validation.
            11..=13 => {
                steps.push((validated, facilitator, Role::Facilitator, Decision::Validated, None));
                steps.push((approved, reviewer, Role::Reviewer, Decision::NeedsCorrection, Some(comment())));
            }
            // Approved directly by the CRSS, with its reason.
            14..=16 => {
                steps.push((approved, reviewer, Role::Reviewer, Decision::Approved, Some(DIRECT_APPROVAL.into())));
            }
            // Validated, waiting at the CRSS however old.
            17..=22 => steps.push((validated, facilitator, Role::Facilitator, Decision::Validated, None)),
            // Submitted, the facilitator has not come by.
            23..=27 => {}
            _ => {
                steps.push((validated, facilitator, Role::Facilitator, Decision::Validated, None));
                steps.push((approved, reviewer, Role::Reviewer, Decision::Approved, None));
            }
        }
        let mut out = Vec::new();
        for (hours, by, role, decision, comment) in steps {
            let at = made + Duration::hours(hours);
            if at > self.now {
                break;
            }
            // The heads a decision was made on are unknown for invented records (as for
            // decisions made before they were kept).
            out.push(ReviewEvent { id: self.item(at), at, by_device: by, role, decision, comment, heads: vec![] });
        }
        out
    }

    fn sentences(&mut self, from: &[&str], n: usize) -> String {
        let picked: Vec<&str> = from.choose_multiple(&mut self.rng, n).copied().collect();
        picked.join(" ")
    }
}

/// A committee's members by college: women mostly in the women's college and civil
/// society, some among the youth; a youth college of varying size.
fn composition(rng: &mut StdRng, women: i64, men: i64) -> Vec<AttendanceRow> {
    let mut rows = super::split_by_college(0, men);
    let young_men = rng.gen_range(1..5);
    let young_women = rng.gen_range(0..=women.min(3));
    if let Some(r) = rows.iter_mut().find(|r| r.college == College::Youth) {
        r.men += young_men;
        r.women = young_women;
    }
    let left = women - young_women;
    if let Some(r) = rows.iter_mut().find(|r| r.college == College::Women) {
        r.women = left.min(3);
    }
    if let Some(r) = rows.iter_mut().find(|r| r.college == College::CivilSociety) {
        r.women = left - left.min(3);
    }
    rows
}

/// A UUID v7 for a thing made at `at`, its random part from the seeded generator.
fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let bytes: [u8; 10] = rng.gen();
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn at_hour(d: NaiveDate, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(hour, 0, 0).unwrap_or_default())
}

fn at_noon(d: NaiveDate) -> DateTime<Utc> {
    at_hour(d, 12)
}

fn history_times(body: &RecordBody) -> Vec<DateTime<Utc>> {
    match body {
        RecordBody::Recommendation(r) => r.status_history.iter().map(|s| s.at).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::review::status;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_year() {
        let a = generate(&YearPlan::default(), now());
        let b = generate(&YearPlan::default(), now());
        let ids = |y: &Year| y.records.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(format!("{:?}", a.records), format!("{:?}", b.records));
        let c = generate(&YearPlan { seed: 7, ..YearPlan::default() }, now());
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn a_year_has_every_review_status_and_recent_work_to_review() {
        let year = generate(&YearPlan::default(), now());
        let statuses: Vec<ReviewStatus> = year.records.iter().map(|r| status(&r.review)).collect();
        for s in [
            ReviewStatus::Draft,
            ReviewStatus::Submitted,
            ReviewStatus::Validated,
            ReviewStatus::Approved,
            ReviewStatus::NeedsCorrection,
        ] {
            assert!(statuses.iter().filter(|x| **x == s).count() >= 5, "few {s:?}: {statuses:?}");
        }
        let month_ago = now() - Duration::days(30);
        let recent_waiting = year
            .records
            .iter()
            .filter(|r| r.created_at > month_ago)
            .filter(|r| matches!(status(&r.review), ReviewStatus::Submitted | ReviewStatus::Validated))
            .count();
        assert!(recent_waiting >= 20, "{recent_waiting} recent records wait for a decision");
        // Nothing happens after `now`.
        for r in &year.records {
            assert!(r.review.iter().all(|e| e.at <= now()), "{:?}", r.review);
            assert!(history_times(&r.body).iter().all(|at| *at <= now()));
        }
    }

    #[test]
    fn committees_are_spread_and_some_stopped_meeting() {
        let year = generate(&YearPlan::default(), now());
        let mut regions: Vec<&str> = year.committees.iter().map(|c| c.region.as_str()).collect();
        regions.sort();
        regions.dedup();
        assert!(regions.len() >= 8, "{regions:?}");
        assert!(year.committees.iter().any(|c| c.level == CommitteeLevel::Regional));
        // A dormant committee held no session in the last 90 days; a regular one did.
        let last_session = |c: &YearCommittee| {
            year.records
                .iter()
                .filter(|r| r.committee_id == c.id)
                .filter_map(|r| match &r.body {
                    RecordBody::Session(s) => Some(s.date),
                    _ => None,
                })
                .max()
        };
        let cutoff = (now() - Duration::days(90)).date_naive();
        let dormant: Vec<_> = year.committees.iter().filter(|c| c.activity == Activity::Dormant).collect();
        assert!(!dormant.is_empty());
        assert!(dormant.iter().all(|c| last_session(c).is_none_or(|d| d < cutoff)));
        let regular = year.committees.iter().filter(|c| c.activity == Activity::Regular);
        assert!(regular.filter(|c| last_session(c).is_some_and(|d| d >= cutoff)).count() >= 10);
        // Sessions every past month of the year (the current one may have just begun),
        // and about a thousand records in all.
        let months: std::collections::BTreeSet<(i32, u32)> = year
            .records
            .iter()
            .filter_map(|r| match &r.body {
                RecordBody::Session(s) => Some((s.date.year(), s.date.month())),
                _ => None,
            })
            .collect();
        assert!(months.len() >= 11, "{months:?}");
        assert!((700..2000).contains(&year.records.len()), "{}", year.records.len());
    }

    #[test]
    fn recommendations_are_realised_early_late_and_never() {
        let year = generate(&YearPlan::default(), now());
        let mut early = 0;
        let mut late = 0;
        let mut open = 0;
        for r in &year.records {
            let RecordBody::Recommendation(rec) = &r.body else { continue };
            assert!(rec.origin.is_some());
            match rec.status_history.iter().find(|s| s.status == RecommendationStatus::Done) {
                Some(done) if done.at - rec.status_history[0].at <= Duration::days(90) => early += 1,
                Some(_) => late += 1,
                None => open += 1,
            }
        }
        assert!(early >= 20 && late >= 5 && open >= 20, "{early} early, {late} late, {open} open");
    }
}
