//! The columns of each sheet and the rows a record becomes, in French (the file is
//! for French-speaking analysts: headers and value labels from `model::values`), the
//! same for XLSX and CSV.
//!
//! A column holding free text names its field (see `redaction::FREE_TEXT_FIELDS`): the
//! writers drop it, header and cells, unless free text was asked for. An assessment
//! becomes one row per threat (what an analyst filters and counts: categories, levels,
//! places), its own fields repeated on each row; an assessment without threats is one
//! row with the threat columns empty.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::i18n::Lang;
use crate::model::*;
use crate::reference::ReferenceData;

/// One cell, typed: the XLSX writer writes numbers as numbers and dates as dates.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A share in percent or a number of days, one decimal.
    Float(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    fn yes_no(b: bool) -> Cell {
        Cell::Text(if b { "Oui" } else { "Non" }.into())
    }

    fn opt_date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }
}

/// A column: its French header, its width in characters, and for free text the field
/// it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub width: f64,
    pub free_text: Option<&'static str>,
}

fn col(header: &str, width: f64) -> Column {
    Column { header: header.into(), width, free_text: None }
}

fn free(header: &str, width: f64, field: &'static str) -> Column {
    Column { header: header.into(), width, free_text: Some(field) }
}

/// A sheet (or a CSV file): its French name and the slug its CSV file is named with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Records(RecordKind),
    /// The named attendance lists of workshops: one row per person.
    Attendees,
}

impl SheetKind {
    pub fn name(self) -> &'static str {
        match self {
            SheetKind::Records(RecordKind::Session) => "Séances",
            SheetKind::Records(RecordKind::Assessment) => "Évaluations",
            SheetKind::Records(RecordKind::Workshop) => "Ateliers",
            SheetKind::Records(RecordKind::Recommendation) => "Recommandations",
            SheetKind::Records(RecordKind::Committee) => "Comités",
            SheetKind::Attendees => "Participants nommés",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            SheetKind::Records(RecordKind::Session) => "seances",
            SheetKind::Records(RecordKind::Assessment) => "evaluations",
            SheetKind::Records(RecordKind::Workshop) => "ateliers",
            SheetKind::Records(RecordKind::Recommendation) => "recommandations",
            SheetKind::Records(RecordKind::Committee) => "comites",
            SheetKind::Attendees => "participants-nommes",
        }
    }
}

/// What rows need besides the record: names of committees and units, thresholds.
pub struct RowContext<'a> {
    pub committees: &'a HashMap<CommitteeId, String>,
    pub reference: &'a ReferenceData,
    pub thresholds: LevelThresholds,
}

/// Where a record is filed (from the projection, which knows a session's place through
/// its committee).
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub region: Option<String>,
    pub cercle: Option<String>,
    pub commune: Option<String>,
}

impl RowContext<'_> {
    fn unit(&self, code: Option<&str>) -> Cell {
        match code {
            None => Cell::Empty,
            Some(c) => Cell::text(self.reference.get(c).map(|u| u.name.clone()).unwrap_or_else(|| c.to_string())),
        }
    }

    fn committee(&self, id: CommitteeId) -> Cell {
        Cell::text(self.committees.get(&id).cloned().unwrap_or_else(|| id.to_string()))
    }

    /// Identifiant, Comité, Région, Cercle, Commune.
    fn head(&self, r: &Record, place: &Place) -> Vec<Cell> {
        vec![
            Cell::Text(r.id.to_string()),
            self.committee(r.committee_id),
            self.unit(place.region.as_deref()),
            self.unit(place.cercle.as_deref()),
            self.unit(place.commune.as_deref()),
        ]
    }
}

fn head_columns() -> Vec<Column> {
    vec![col("Identifiant", 38.0), col("Comité", 26.0), col("Région", 14.0), col("Cercle", 14.0), col("Commune", 16.0)]
}

fn tail_columns() -> Vec<Column> {
    vec![col("Sensibilité", 13.0), col("Statut d’examen", 18.0), col("Créée le", 17.0), col("Modifiée le", 17.0)]
}

fn tail(r: &Record) -> Vec<Cell> {
    vec![
        Cell::Text(r.effective_sensitivity().label(Lang::Fr).into()),
        Cell::Text(r.review_status().label(Lang::Fr).into()),
        Cell::DateTime(r.created_at),
        Cell::DateTime(r.updated_at),
    ]
}

fn labels<T: Copy>(values: &[T], label: impl Fn(T) -> &'static str) -> Cell {
    Cell::text(values.iter().map(|v| label(*v)).collect::<Vec<_>>().join(" ; "))
}

/// The columns of a sheet, free-text ones included (the writers drop them).
pub fn columns(sheet: SheetKind) -> Vec<Column> {
    let mut c = Vec::new();
    match sheet {
        SheetKind::Records(RecordKind::Session) => {
            c.extend(head_columns());
            c.extend([
                col("Date", 11.0),
                col("Type de séance", 20.0),
                col("Heure de début", 9.0),
                col("Heure de fin", 9.0),
                col("Lieu", 16.0),
                free("Lieu (précision)", 20.0, "venue_other"),
                col("Présidée par", 16.0),
                col("Thèmes de l’ordre du jour", 40.0),
                col("Invités", 9.0),
                col("Présents", 9.0),
                col("Quorum", 8.0),
                col("Présents : femmes", 10.0),
                col("Présents : hommes", 10.0),
                col("FDS présentes", 9.0),
            ]);
            for college in College::ALL {
                let l = college.label(Lang::Fr);
                c.push(col(&format!("{l} : femmes"), 10.0));
                c.push(col(&format!("{l} : hommes"), 10.0));
            }
            c.extend([
                col("Procès-verbal", 12.0),
                free("Résumé", 60.0, "summary"),
                free("Notes de l’ordre du jour", 60.0, "agenda.notes"),
            ]);
        }
        SheetKind::Records(RecordKind::Assessment) => {
            c.push(col("Identifiant de l’évaluation", 38.0));
            c.push(col("Menace n°", 8.0));
            c.extend(head_columns().into_iter().skip(1));
            c.extend([
                col("Date", 11.0),
                col("Période du", 11.0),
                col("Période au", 11.0),
                free("Localité", 18.0, "zone.locality"),
                free("Axe routier", 18.0, "zone.road"),
                col("Catégorie de menace", 28.0),
                col("Type de lieu", 20.0),
                col("Auteur présumé", 18.0),
                col("Tendance", 10.0),
                col("Probabilité (1-5)", 10.0),
                col("Impact (1-5)", 10.0),
                col("Score", 7.0),
                col("Niveau de risque", 12.0),
                col("Groupes vulnérables", 30.0),
                free("Capacités existantes", 40.0, "threats.existing_capacities"),
                col("Source", 14.0),
                col("Fiabilité", 12.0),
                free("Notes de l’évaluation", 60.0, "notes"),
            ]);
        }
        SheetKind::Records(RecordKind::Workshop) => {
            c.extend(head_columns());
            c.extend([
                col("Type d’atelier", 22.0),
                col("Titre", 36.0),
                col("Thèmes", 40.0),
                col("Organisateur", 16.0),
                col("Partenaire", 14.0),
                col("Partenaire (autre)", 16.0),
                col("Date de début", 11.0),
                col("Date de fin", 11.0),
                free("Lieu", 20.0, "place"),
                col("Participants", 11.0),
                col("Participants : femmes", 11.0),
                col("Participants : hommes", 11.0),
                col("Participants : jeunes", 11.0),
                col("Personnes sur la liste nominative", 12.0),
                free("Notes", 60.0, "notes"),
            ]);
        }
        SheetKind::Records(RecordKind::Recommendation) => {
            c.extend(head_columns());
            c.extend([
                col("Émise le", 11.0),
                col("Fiche d’origine (identifiant)", 38.0),
                free("Texte", 60.0, "text"),
                col("Destinataire", 22.0),
                col("Corps FDS", 18.0),
                col("Domaine", 24.0),
                col("Priorité", 9.0),
                free("Responsable", 20.0, "responsible"),
                col("Échéance", 11.0),
                col("Statut du suivi", 18.0),
                col("Réalisée le", 11.0),
                col("Délai de réalisation (jours)", 12.0),
                free("Preuves", 40.0, "evidence"),
            ]);
        }
        SheetKind::Records(RecordKind::Committee) => {
            c.extend([
                col("Identifiant", 38.0),
                col("Nom", 28.0),
                col("Niveau", 14.0),
                col("Région", 14.0),
                col("Cercle", 14.0),
                col("Commune", 16.0),
                col("Installé le", 11.0),
                col("Membres", 9.0),
                col("Membres : femmes", 10.0),
                col("Membres : hommes", 10.0),
            ]);
            c.extend([col("Statut d’examen", 18.0), col("Modifié le", 17.0)]);
            return c;
        }
        SheetKind::Attendees => {
            return vec![
                col("Identifiant de l’atelier", 38.0),
                col("Titre de l’atelier", 36.0),
                col("Pseudonyme", 20.0),
                col("Catégorie", 24.0),
                col("Sexe", 8.0),
                col("Jeune", 7.0),
            ];
        }
    }
    c.extend(tail_columns());
    c
}

/// The rows a record becomes in its kind's sheet (one, or one per threat).
pub fn rows(r: &Record, place: &Place, ctx: &RowContext<'_>) -> Vec<Vec<Cell>> {
    let fr = Lang::Fr;
    match &r.body {
        RecordBody::Session(s) => {
            let mut row = ctx.head(r, place);
            row.extend([
                Cell::Date(s.date),
                Cell::Text(s.session_type.label(fr).into()),
                s.start_time.map_or(Cell::Empty, |t| Cell::Text(t.to_string())),
                s.end_time.map_or(Cell::Empty, |t| Cell::Text(t.to_string())),
                Cell::Text(s.venue_type.label(fr).into()),
                Cell::text(s.venue_other.clone().unwrap_or_default()),
                Cell::Text(s.chaired_by.label(fr).into()),
                labels(&s.agenda.iter().map(|a| a.theme).collect::<Vec<_>>(), |t| t.label(fr)),
                Cell::Int(s.invited),
                Cell::Int(s.present),
                Cell::yes_no(s.quorum()),
                Cell::Int(s.attendance_women()),
                Cell::Int(s.attendance_total() - s.attendance_women()),
                Cell::yes_no(s.fds_present()),
            ]);
            for college in College::ALL {
                let a = s.attendance.iter().find(|a| a.college == *college);
                row.push(Cell::Int(a.map_or(0, |a| a.women)));
                row.push(Cell::Int(a.map_or(0, |a| a.men)));
            }
            let notes: Vec<&str> = s.agenda.iter().map(|a| a.notes.trim()).filter(|n| !n.is_empty()).collect();
            row.extend([
                Cell::Text(s.minutes_status.label(fr).into()),
                Cell::text(s.summary.clone()),
                Cell::text(notes.join("\n")),
            ]);
            row.extend(tail(r));
            vec![row]
        }
        RecordBody::Assessment(a) => {
            let place_cells = ctx.head(r, place).split_off(1);
            let own = |n: Option<i64>| -> Vec<Cell> {
                let mut row = vec![Cell::Text(r.id.to_string()), n.map_or(Cell::Empty, Cell::Int)];
                row.extend(place_cells.iter().cloned());
                row.extend([
                    Cell::Date(a.date),
                    Cell::Date(a.period_start),
                    Cell::Date(a.period_end),
                    Cell::text(a.zone.locality.clone().unwrap_or_default()),
                    Cell::text(a.zone.road.clone().unwrap_or_default()),
                ]);
                row
            };
            let after = |row: &mut Vec<Cell>| {
                row.push(Cell::text(a.notes.clone()));
                row.extend(tail(r));
            };
            if a.threats.is_empty() {
                let mut row = own(None);
                row.extend(std::iter::repeat_n(Cell::Empty, 12));
                after(&mut row);
                return vec![row];
            }
            a.threats
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut row = own(Some(i as i64 + 1));
                    row.extend([
                        Cell::Text(t.category.label(fr).into()),
                        Cell::Text(t.place_type.label(fr).into()),
                        Cell::Text(t.suspected_actor.label(fr).into()),
                        Cell::Text(t.trend.label(fr).into()),
                        Cell::Int(t.likelihood),
                        Cell::Int(t.impact),
                        Cell::Int(t.score()),
                        Cell::Text(t.level(&ctx.thresholds).label(fr).into()),
                        labels(&t.vulnerable_groups, |g| g.label(fr)),
                        Cell::text(t.existing_capacities.clone()),
                        Cell::Text(t.source.label(fr).into()),
                        Cell::Text(t.reliability.label(fr).into()),
                    ]);
                    after(&mut row);
                    row
                })
                .collect()
        }
        RecordBody::Workshop(w) => {
            let totals = w.totals();
            let mut row = ctx.head(r, place);
            row.extend([
                Cell::Text(w.workshop_type.label(fr).into()),
                Cell::text(w.title.clone()),
                labels(&w.themes, |t| t.label(fr)),
                Cell::text(w.organizer.clone()),
                w.partner.map_or(Cell::Empty, |p| Cell::Text(p.label(fr).into())),
                Cell::text(w.partner_other.clone().unwrap_or_default()),
                Cell::Date(w.start_date),
                Cell::Date(w.end_date),
                Cell::text(w.place.clone()),
                Cell::Int(totals.total),
                Cell::Int(totals.women),
                Cell::Int(totals.total - totals.women),
                Cell::Int(totals.youth),
                Cell::Int(w.attendees.len() as i64),
                Cell::text(w.notes.clone()),
            ]);
            row.extend(tail(r));
            vec![row]
        }
        RecordBody::Recommendation(rec) => {
            let mut row = ctx.head(r, place);
            let done = rec.realised_on();
            row.extend([
                Cell::Date(rec.made_on),
                rec.origin.map_or(Cell::Empty, |o| Cell::Text(o.to_string())),
                Cell::text(rec.text.clone()),
                Cell::Text(rec.addressee.label(fr).into()),
                rec.fds_corps.map_or(Cell::Empty, |c| Cell::Text(c.label(fr).into())),
                Cell::Text(rec.domain.label(fr).into()),
                Cell::Text(rec.priority.label(fr).into()),
                Cell::text(rec.responsible.clone()),
                Cell::opt_date(rec.due_date),
                Cell::Text(rec.status().label(fr).into()),
                Cell::opt_date(done),
                done.map_or(Cell::Empty, |d| Cell::Int((d - rec.made_on).num_days())),
                Cell::text(rec.evidence.clone()),
            ]);
            row.extend(tail(r));
            vec![row]
        }
        RecordBody::Committee(c) => {
            let women: i64 = c.membership.iter().map(|m| m.women).sum();
            vec![vec![
                Cell::Text(r.id.to_string()),
                Cell::text(c.name.clone()),
                Cell::Text(c.level.label(fr).into()),
                ctx.unit(Some(&c.region)),
                ctx.unit(c.cercle.as_deref()),
                ctx.unit(c.commune.as_deref()),
                Cell::opt_date(c.installed_on),
                Cell::Int(c.members()),
                Cell::Int(women),
                Cell::Int(c.members() - women),
                Cell::Text(r.review_status().label(fr).into()),
                Cell::DateTime(r.updated_at),
            ]]
        }
    }
}

/// The rows of a workshop's named attendance list.
pub fn attendee_rows(r: &Record) -> Vec<Vec<Cell>> {
    let RecordBody::Workshop(w) = &r.body else { return vec![] };
    w.attendees
        .iter()
        .map(|a| {
            vec![
                Cell::Text(r.id.to_string()),
                Cell::text(w.title.clone()),
                Cell::text(a.pseudonym.clone()),
                Cell::Text(a.category.label(Lang::Fr).into()),
                Cell::Text(a.sex.label(Lang::Fr).into()),
                Cell::yes_no(a.youth),
            ]
        })
        .collect()
}

/// Which columns of `columns` a sheet keeps.
pub fn kept(columns: &[Column], free_text: bool) -> Vec<bool> {
    columns.iter().map(|c| free_text || c.free_text.is_none()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::redaction::FREE_TEXT_FIELDS;
    use crate::samples;

    fn ctx_rows(r: &Record) -> Vec<Vec<Cell>> {
        let committees = HashMap::new();
        let reference = ReferenceData::builtin();
        let ctx = RowContext { committees: &committees, reference: &reference, thresholds: LevelThresholds::default() };
        rows(r, &Place::default(), &ctx)
    }

    fn record(body: RecordBody) -> Record {
        Record::new(body, CommitteeId::new(), DeviceId::new(), chrono::Utc::now())
    }

    #[test]
    fn every_row_has_one_cell_per_column() {
        let mut empty = samples::assessment_body();
        empty.threats.clear();
        for body in [
            RecordBody::Session(samples::session_body()),
            RecordBody::Assessment(samples::assessment_body()),
            RecordBody::Assessment(empty),
            RecordBody::Workshop(samples::workshop_body()),
            RecordBody::Recommendation(samples::recommendation_body()),
            RecordBody::Committee(samples::goundam_committee_body()),
        ] {
            let r = record(body);
            let n = columns(SheetKind::Records(r.kind())).len();
            for row in ctx_rows(&r) {
                assert_eq!(row.len(), n, "{}", r.kind());
            }
        }
    }

    #[test]
    fn the_free_text_columns_are_the_declared_free_text_fields() {
        let mut declared: Vec<(String, String)> =
            FREE_TEXT_FIELDS.iter().map(|(k, f)| (k.to_string(), f.to_string())).collect();
        let mut found = Vec::new();
        for kind in RecordKind::ALL {
            for c in columns(SheetKind::Records(*kind)) {
                if let Some(f) = c.free_text {
                    found.push((kind.code().to_string(), f.to_string()));
                }
            }
        }
        declared.sort();
        found.sort();
        assert_eq!(found, declared);
        assert!(columns(SheetKind::Attendees).iter().all(|c| c.free_text.is_none()));
    }
}
