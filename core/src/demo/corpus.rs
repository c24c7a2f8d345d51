//! A realistic corpus for benchmarks, shaped like the demo's records ([`super`]) but as
//! many as asked: communal committees over the built-in communes, and their sessions,
//! threat assessments, workshops and recommendations over the last three years, with
//! varied texts, counts and review trails. Deterministic for a seed (except the random
//! record ids). The texts and value mixes are shared with [`super::year`], the year of
//! records of the demonstration.
//!
//! Records only: what becomes of them (documents, pushes, stores) is the caller's
//! business (`ccs-bench` keeps its wire-level `GenDoc` beside its own uses).

use super::split_by_college;
use crate::model::*;
use crate::reference::{ReferenceData, UnitLevel};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A committee of the corpus and the devices that write for it.
#[derive(Debug, Clone)]
pub struct CommitteeInfo {
    pub id: CommitteeId,
    pub region: String,
    pub commune: String,
    pub commune_name: String,
    pub member: DeviceId,
}

/// Makes the corpus record by record.
pub struct Generator {
    rng: StdRng,
    pub now: DateTime<Utc>,
    pub committees: Vec<CommitteeInfo>,
    facilitator: DeviceId,
    reviewer: DeviceId,
    admin: DeviceId,
}

pub(crate) const SITUATION: &[&str] = &[
    "La situation reste calme en ville ; inquiétudes sur l’axe routier vers le chef-lieu de cercle.",
    "Les leaders religieux ont appelé au calme après la tension au marché.",
    "Hausse des vols de bétail signalés par les éleveurs des fractions nomades.",
    "Les FDS ont renforcé les patrouilles les jours de foire hebdomadaire.",
    "Le comité recommande une sensibilisation radio sur la cohésion sociale.",
    "Médiation foncière en cours entre agriculteurs et éleveurs autour des champs de bourgou.",
    "Éclairage du marché réalisé grâce à l’appui de la mairie.",
    "Des engins explosifs improvisés ont été signalés sur la piste secondaire.",
    "Les jeunes du quartier demandent à être associés aux comités de veille.",
    "Retour progressif des déplacés ; besoins en vivres et en abris signalés.",
    "Conflit de leadership au sein de la chefferie traditionnelle, suivi par le préfet.",
    "Braquages de véhicules de transport sur l’axe principal, deux cas ce mois.",
    "Les femmes commerçantes signalent des menaces sur la route du marché.",
    "Réunion avec les transporteurs pour l’escorte des convois les jours de foire.",
    "Les écoles ont rouvert ; les parents demandent une présence des FDS aux heures d’entrée.",
    "Tensions entre pêcheurs autour des mares pendant la décrue.",
    "Saisie de motos volées par la gendarmerie, auteurs présumés déférés.",
    "Le comité a reçu une délégation régionale pour le suivi des recommandations.",
];

pub(crate) const RECOMMENDATIONS: &[&str] = &[
    "Renforcer les patrouilles mixtes les jours de foire hebdomadaire.",
    "Installer l’éclairage public autour du marché et de la gare routière.",
    "Organiser une campagne radio sur la cohésion entre agriculteurs et éleveurs.",
    "Associer les jeunes et les femmes aux comités de veille villageois.",
    "Escorter les convois de transport sur l’axe principal les jours de marché.",
    "Réhabiliter le poste de contrôle à l’entrée de la ville.",
    "Tenir une médiation foncière avec les chefs de village et les éleveurs.",
    "Mettre en place un numéro vert pour signaler les incidents.",
    "Former les membres du comité à la gestion des alertes précoces.",
    "Sensibiliser les conducteurs de motos sur le port des documents.",
];

pub(crate) const EVIDENCE: &[&str] = &[
    "Procès-verbal de réception des travaux transmis à la mairie.",
    "Patrouilles constatées par le comité les trois derniers jours de foire.",
    "Émission radio diffusée deux fois en langue locale.",
    "Liste des membres du comité de veille mise à jour.",
    "Compte rendu de la médiation signé par les parties.",
];

pub(crate) const WORKSHOP_TITLES: &[&str] = &[
    "Formation des membres du comité sur la coproduction de la sécurité",
    "Atelier sur le rôle des femmes dans la prévention des conflits",
    "Session d’échange entre FDS et communauté",
    "Formation sur la police de proximité",
    "Atelier de planification des actions du comité",
    "Formation sur l’alerte précoce et la réponse rapide",
];

pub(crate) const FOLLOW_UPS: &[&str] = &[
    "Mise à jour après la réunion de suivi.",
    "Complément : la mairie a confirmé son appui.",
    "Précision apportée par le secrétaire du comité.",
    "Les FDS ont confirmé la tenue des patrouilles.",
    "Ajout après vérification de la liste d’émargement.",
    "Correction demandée par le facilitateur régional.",
];

impl Generator {
    /// A generator for about `records` records: one communal committee per ~80 records,
    /// over the built-in communes.
    pub fn new(seed: u64, records: usize, now: DateTime<Utc>) -> Generator {
        let mut rng = StdRng::seed_from_u64(seed);
        let reference = ReferenceData::builtin();
        let today = now.date_naive();
        let mut communes: Vec<_> = reference.units(UnitLevel::Commune, Some(today)).into_iter().cloned().collect();
        communes.shuffle(&mut rng);
        let wanted = (records / 80).clamp(6, communes.len());
        let committees = communes
            .into_iter()
            .filter_map(|u| {
                let region = reference.region_of(&u.code)?.code.clone();
                Some(CommitteeInfo {
                    id: CommitteeId::new(),
                    region,
                    commune: u.code.clone(),
                    commune_name: u.name.clone(),
                    member: DeviceId::new(),
                })
            })
            .take(wanted)
            .collect();
        Generator {
            rng,
            now,
            committees,
            facilitator: DeviceId::new(),
            reviewer: DeviceId::new(),
            admin: DeviceId::new(),
        }
    }

    /// The committee records (pushed first, so the server's registry routes the rest).
    pub fn committee_records(&mut self) -> Vec<Record> {
        let reference = ReferenceData::builtin();
        let mut out = Vec::new();
        for c in self.committees.clone() {
            let women = self.rng.gen_range(1..6);
            let men = self.rng.gen_range(12..24);
            let body = RecordBody::Committee(Committee {
                level: CommitteeLevel::Communal,
                name: format!("CCS de {}", c.commune_name),
                region: c.region.clone(),
                cercle: reference.cercle_of(&c.commune).map(|u| u.code.clone()),
                commune: Some(c.commune.clone()),
                installed_on: Some(NaiveDate::from_ymd_opt(2021, 6, 15).unwrap_or_default()),
                membership: split_by_college(women, men),
            });
            let mut record = Record::new(body, c.id, self.admin, self.now - Duration::days(1200));
            // A committee record is its committee: keep the id the corpus already uses.
            record.id = RecordId(c.id.0);
            record.committee_id = c.id;
            out.push(record);
        }
        out
    }

    fn sentences(&mut self, from: &[&str], n: usize, commune: &str) -> String {
        let mut picked: Vec<&str> = from.choose_multiple(&mut self.rng, n).copied().collect();
        picked.shuffle(&mut self.rng);
        let mut text = picked.join(" ");
        if self.rng.gen_bool(0.5) {
            text.push_str(&format!(" Commune de {commune}."));
        }
        text
    }

    fn days(&mut self) -> i64 {
        self.rng.gen_range(1..1000)
    }

    /// The next non-committee record, for a random committee.
    pub fn record(&mut self) -> Record {
        let c = self.committees[self.rng.gen_range(0..self.committees.len())].clone();
        let days = self.days();
        let roll = self.rng.gen_range(0..100);
        let body = if roll < 40 {
            RecordBody::Session(self.session(&c, days))
        } else if roll < 55 {
            RecordBody::Assessment(self.assessment(&c, days))
        } else if roll < 65 {
            RecordBody::Workshop(self.workshop(&c, days))
        } else {
            RecordBody::Recommendation(self.recommendation(days))
        };
        let made = self.now - Duration::days(days) + Duration::hours(self.rng.gen_range(8..18));
        let mut record = Record::new(body, c.id, c.member, made);
        record.review = self.review_trail(c.member, made);
        record
    }

    fn session(&mut self, c: &CommitteeInfo, days: i64) -> Session {
        let women = self.rng.gen_range(1..6);
        let men = self.rng.gen_range(12..24);
        let absent = self.rng.gen_range(0..5).min(men);
        let attendance = split_by_college(women, men - absent);
        let present = attendance.iter().map(|r| r.women + r.men).sum();
        let n = self.rng.gen_range(2..5);
        let summary = self.sentences(SITUATION, n, &c.commune_name);
        let mut agenda = vec![AgendaItem {
            id: ItemId::new(),
            theme: AgendaTheme::SecurityAssessment,
            notes: "Point sur la situation depuis la dernière réunion.".into(),
        }];
        if self.rng.gen_bool(0.7) {
            agenda.push(AgendaItem {
                id: ItemId::new(),
                theme: AgendaTheme::RecommendationFollowUp,
                notes: "Revue des recommandations du mois précédent.".into(),
            });
        }
        Session {
            session_type: if self.rng.gen_bool(0.85) {
                SessionType::OrdinaryMonthly
            } else {
                SessionType::Extraordinary
            },
            date: (self.now - Duration::days(days)).date_naive(),
            start_time: "09:30".parse().ok(),
            end_time: "12:45".parse().ok(),
            venue_type: VenueType::TownHall,
            venue_other: None,
            chaired_by: ChairRole::Mayor,
            agenda,
            invited: women + men,
            present,
            attendance,
            summary,
            minutes_status: if self.rng.gen_bool(0.7) { MinutesStatus::Adopted } else { MinutesStatus::Draft },
            linked_records: Vec::new(),
        }
    }

    fn assessment(&mut self, c: &CommitteeInfo, days: i64) -> Assessment {
        let count = self.rng.gen_range(1..5);
        let mut categories: Vec<ThreatCategory> =
            ThreatCategory::ALL.iter().copied().filter(|t| *t != ThreatCategory::FdsTensions).collect();
        categories.shuffle(&mut self.rng);
        let mut threats: Vec<Threat> = categories
            .into_iter()
            .take(count)
            .map(|category| Threat {
                id: ItemId::new(),
                category,
                place_type: *PlaceType::ALL.choose(&mut self.rng).unwrap_or(&PlaceType::Market),
                suspected_actor: *SuspectedActor::ALL.choose(&mut self.rng).unwrap_or(&SuspectedActor::Unknown),
                trend: *Trend::ALL.choose(&mut self.rng).unwrap_or(&Trend::Stable),
                likelihood: self.rng.gen_range(1..=5),
                impact: self.rng.gen_range(1..=5),
                vulnerable_groups: vec![VulnerableGroup::Women, VulnerableGroup::Traders],
                existing_capacities: "Patrouilles ponctuelles ; comité de veille villageois.".into(),
                source: InformationSource::Community,
                reliability: Reliability::Probable,
            })
            .collect();
        // A few carry an allegation against the security forces: confidential.
        if self.rng.gen_bool(0.03) {
            if let Some(t) = threats.first_mut() {
                t.category = ThreatCategory::FdsTensions;
            }
        }
        let date = (self.now - Duration::days(days)).date_naive();
        let n = self.rng.gen_range(1..3);
        Assessment {
            date,
            period_start: date - Duration::days(90),
            period_end: date,
            zone: Zone { commune: c.commune.clone(), locality: None, road: None },
            threats,
            notes: self.sentences(SITUATION, n, &c.commune_name),
        }
    }

    fn workshop(&mut self, c: &CommitteeInfo, days: i64) -> Workshop {
        let mut themes: Vec<WorkshopTheme> = WorkshopTheme::ALL.to_vec();
        themes.shuffle(&mut self.rng);
        themes.truncate(self.rng.gen_range(1..4));
        let mut categories: Vec<ParticipantCategory> = ParticipantCategory::ALL.to_vec();
        categories.shuffle(&mut self.rng);
        let rows = self.rng.gen_range(1..5);
        let participation = categories
            .into_iter()
            .take(rows)
            .map(|category| {
                let women = self.rng.gen_range(0..8);
                let men = self.rng.gen_range(0..15);
                ParticipationRow {
                    category,
                    women,
                    men,
                    young_women: self.rng.gen_range(0..=women),
                    young_men: self.rng.gen_range(0..=men),
                }
            })
            .collect();
        let partners: Vec<Partner> = Partner::ALL.iter().copied().filter(|p| *p != Partner::Other).collect();
        let start = (self.now - Duration::days(days)).date_naive();
        Workshop {
            workshop_type: *WorkshopType::ALL.choose(&mut self.rng).unwrap_or(&WorkshopType::Training),
            title: format!("{} ({})", WORKSHOP_TITLES.choose(&mut self.rng).unwrap_or(&"Atelier"), c.commune_name),
            themes,
            organizer: "CRSS".into(),
            partner: partners.choose(&mut self.rng).copied(),
            partner_other: None,
            start_date: start,
            end_date: start + Duration::days(self.rng.gen_range(0..3)),
            commune: c.commune.clone(),
            place: "Salle de la mairie".into(),
            participation,
            attendees: Vec::new(),
            notes: String::new(),
        }
    }

    fn recommendation(&mut self, days: i64) -> Recommendation {
        let made = self.now - Duration::days(days);
        let addressee = *Addressee::ALL.choose(&mut self.rng).unwrap_or(&Addressee::MayorCouncil);
        let mut history = vec![StatusChange {
            id: ItemId::new(),
            at: made,
            by_device: DeviceId::new(),
            status: RecommendationStatus::Proposed,
        }];
        let done = self.rng.gen_bool(0.3) && days > 40;
        if done {
            history.push(StatusChange {
                id: ItemId::new(),
                at: made + Duration::days(3),
                by_device: history[0].by_device,
                status: RecommendationStatus::Transmitted,
            });
            history.push(StatusChange {
                id: ItemId::new(),
                at: made + Duration::days(30),
                by_device: history[0].by_device,
                status: RecommendationStatus::Done,
            });
        }
        Recommendation {
            origin: None,
            made_on: made.date_naive(),
            text: RECOMMENDATIONS.choose(&mut self.rng).unwrap_or(&"Renforcer les patrouilles.").to_string(),
            addressee,
            fds_corps: (addressee == Addressee::Fds)
                .then(|| *FdsCorps::ALL.choose(&mut self.rng).unwrap_or(&FdsCorps::Gendarmerie)),
            domain: *RecommendationDomain::ALL.choose(&mut self.rng).unwrap_or(&RecommendationDomain::Patrols),
            priority: *Priority::ALL.choose(&mut self.rng).unwrap_or(&Priority::Medium),
            responsible: if addressee == Addressee::Fds { "Commandant de brigade".into() } else { "Maire".into() },
            due_date: Some(made.date_naive() + Duration::days(60)),
            status_history: history,
            evidence: if done { EVIDENCE.choose(&mut self.rng).unwrap_or(&"").to_string() } else { String::new() },
        }
    }

    fn review_trail(&mut self, member: DeviceId, made: DateTime<Utc>) -> Vec<ReviewEvent> {
        let event =
            |at: DateTime<Utc>, by: DeviceId, role: Role, decision: Decision, comment: Option<&str>| ReviewEvent {
                id: ItemId::new(),
                at,
                by_device: by,
                role,
                decision,
                comment: comment.map(str::to_string),
                heads: vec![],
            };
        let roll = self.rng.gen_range(0..100);
        let h = |n: i64| made + Duration::hours(n);
        if roll < 50 {
            Vec::new()
        } else if roll < 75 {
            vec![event(h(2), member, Role::Member, Decision::Submitted, None)]
        } else if roll < 85 {
            vec![
                event(h(2), member, Role::Member, Decision::Submitted, None),
                event(h(30), self.facilitator, Role::Facilitator, Decision::Validated, None),
            ]
        } else if roll < 95 {
            vec![
                event(h(2), member, Role::Member, Decision::Submitted, None),
                event(h(30), self.facilitator, Role::Facilitator, Decision::Validated, None),
                event(h(60), self.reviewer, Role::Reviewer, Decision::Approved, None),
            ]
        } else {
            vec![
                event(h(2), member, Role::Member, Decision::Submitted, None),
                event(
                    h(40),
                    self.reviewer,
                    Role::Reviewer,
                    Decision::NeedsCorrection,
                    Some("Le total par collège ne correspond pas à la liste d’émargement : merci de vérifier."),
                ),
            ]
        }
    }

    /// A follow-up sentence, for edits.
    pub fn follow_up(&mut self) -> String {
        FOLLOW_UPS.choose(&mut self.rng).unwrap_or(&"Mise à jour.").to_string()
    }

    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }
}

/// The realistic edit of a record: a sentence added to its main free text (the summary
/// of a session, the notes of an assessment or workshop, the evidence of a
/// recommendation). Returns false for kinds not edited (committees).
pub fn edit_body(body: &mut RecordBody, sentence: &str) -> bool {
    let text = match body {
        RecordBody::Session(s) => &mut s.summary,
        RecordBody::Assessment(a) => &mut a.notes,
        RecordBody::Workshop(w) => &mut w.notes,
        RecordBody::Recommendation(r) => &mut r.evidence,
        RecordBody::Committee(_) => return false,
    };
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(sentence);
    true
}

/// Every record of a corpus of `n` records (committees included), in push order.
pub fn records(seed: u64, n: usize, now: DateTime<Utc>) -> (Generator, Vec<Record>) {
    let mut g = Generator::new(seed, n, now);
    let mut out = g.committee_records();
    while out.len() < n {
        out.push(g.record());
    }
    (g, out)
}
