//! Validation: every rule a record must satisfy, returning every field error at once.
//!
//! Runs on every local save (which refuses an invalid record) and on every merged
//! document (which is kept whatever the result, and flagged). Pure: the caller passes
//! today's date and the reference data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::*;
use crate::i18n::Message;
use crate::reference::{ReferenceData, UnitLevel};

/// Longest free text accepted in one field, in characters. A session summary is a page
/// or two; anything far longer is a paste gone wrong and bloats every sync.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Longest short text (title, names of places, roles), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// Largest count accepted in one cell (participants of one category, members, …).
pub const MAX_COUNT: i64 = 100_000;
/// Longest list (agenda items, threats, attendees) in one record.
pub const MAX_ITEMS: usize = 500;

/// What validation needs from outside the record.
pub struct ValidationContext<'a> {
    pub today: NaiveDate,
    pub reference: &'a ReferenceData,
}

/// One field error: a stable code, where it is, and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FieldError {
    pub code: String,
    /// Path of the field, e.g. `date` or `threats[1].likelihood`.
    pub path: String,
    pub message: Message,
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, code: &str, message: Message) {
        self.0.push(FieldError { code: code.to_string(), path: path.into(), message });
    }

    fn required_text(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(path, "field.required", Message::new("Ce champ est obligatoire.", "This field is required."));
        }
    }

    fn text_len(&mut self, path: &str, value: &str, max: usize) {
        let n = value.chars().count();
        if n > max {
            self.push(
                path,
                "text.too_long",
                Message::new(
                    format!("Texte trop long : {n} caractères, {max} au plus."),
                    format!("Text too long: {n} characters, at most {max}."),
                ),
            );
        }
    }

    fn opt_short(&mut self, path: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.text_len(path, v, MAX_SHORT_CHARS);
        }
    }

    fn count(&mut self, path: &str, value: i64) {
        if value < 0 {
            self.push(
                path,
                "count.negative",
                Message::new("Un nombre ne peut pas être négatif.", "A count cannot be negative."),
            );
        } else if value > MAX_COUNT {
            self.push(
                path,
                "count.too_large",
                Message::new(
                    format!("Nombre trop grand (au plus {MAX_COUNT})."),
                    format!("Count too large (at most {MAX_COUNT})."),
                ),
            );
        }
    }

    fn not_future(&mut self, path: &str, date: NaiveDate, today: NaiveDate) {
        if date > today {
            self.push(
                path,
                "date.in_future",
                Message::new("La date ne peut pas être dans le futur.", "The date cannot be in the future."),
            );
        }
    }

    fn ordered(&mut self, path: &str, start: NaiveDate, end: NaiveDate) {
        if end < start {
            self.push(
                path,
                "date.end_before_start",
                Message::new("La date de fin précède la date de début.", "The end date is before the start date."),
            );
        }
    }

    fn list_len(&mut self, path: &str, n: usize) {
        if n > MAX_ITEMS {
            self.push(
                path,
                "list.too_long",
                Message::new(
                    format!("Trop d’éléments ({n}, {MAX_ITEMS} au plus)."),
                    format!("Too many items ({n}, at most {MAX_ITEMS})."),
                ),
            );
        }
    }

    fn unit(&mut self, path: &str, code: &str, level: UnitLevel, reference: &ReferenceData) {
        let found = match level {
            UnitLevel::Region => reference.region(code).is_some(),
            UnitLevel::Cercle => reference.cercle(code).is_some(),
            UnitLevel::Commune => reference.commune(code).is_some(),
        };
        if code.trim().is_empty() {
            self.required_text(path, code);
        } else if !found {
            let (fr, en) = match level {
                UnitLevel::Region => ("région", "region"),
                UnitLevel::Cercle => ("cercle", "cercle"),
                UnitLevel::Commune => ("commune", "commune"),
            };
            self.push(
                path,
                &format!("{en}.unknown"),
                Message::new(
                    format!("« {code} » n’est pas une {fr} connue des données de référence."),
                    format!("`{code}` is not a {en} known to the reference data."),
                ),
            );
        }
    }

    fn duplicates<T: PartialEq + std::fmt::Display>(&mut self, path: &str, keys: &[T]) {
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].contains(k) {
                self.push(
                    format!("{path}[{i}]"),
                    "list.duplicate",
                    Message::new(format!("« {k} » figure deux fois."), format!("`{k}` appears twice.")),
                );
            }
        }
    }

    fn required_other(&mut self, path: &str, is_other: bool, value: &Option<String>) {
        if is_other && value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            self.push(
                path,
                "field.required_for_other",
                Message::new("Précisez lorsque « Autre » est choisi.", "Specify when “Other” is chosen."),
            );
        }
    }
}

/// Every error of `record`; empty when it is valid.
pub fn validate(record: &Record, ctx: &ValidationContext<'_>) -> Vec<FieldError> {
    let mut e = Errors(Vec::new());
    if record.schema_version > SCHEMA_VERSION {
        e.push(
            "schema_version",
            "record.newer_schema",
            Message::new(
                "Fiche créée par une version plus récente de l’application : lecture seule.",
                "Record made by a newer version of the app: read-only.",
            ),
        );
    }
    for (i, ev) in record.review.iter().enumerate() {
        if let Some(c) = &ev.comment {
            e.text_len(&format!("review[{i}].comment"), c, MAX_TEXT_CHARS);
        }
    }
    match &record.body {
        RecordBody::Session(s) => session(&mut e, s, ctx),
        RecordBody::Assessment(a) => assessment(&mut e, a, ctx),
        RecordBody::Workshop(w) => workshop(&mut e, w, ctx),
        RecordBody::Recommendation(r) => recommendation(&mut e, r, ctx),
        RecordBody::Committee(c) => committee(&mut e, c, ctx),
    }
    e.0
}

fn attendance_rows(e: &mut Errors, path: &str, rows: &[AttendanceRow]) {
    for (i, r) in rows.iter().enumerate() {
        e.count(&format!("{path}[{i}].women"), r.women);
        e.count(&format!("{path}[{i}].men"), r.men);
    }
    let colleges: Vec<College> = rows.iter().map(|r| r.college).collect();
    e.duplicates(path, &colleges);
}

fn session(e: &mut Errors, s: &Session, ctx: &ValidationContext<'_>) {
    e.not_future("date", s.date, ctx.today);
    if let (Some(start), Some(end)) = (s.start_time, s.end_time) {
        if end <= start {
            e.push(
                "end_time",
                "time.end_before_start",
                Message::new(
                    "L’heure de fin doit suivre l’heure de début.",
                    "The end time must be after the start time.",
                ),
            );
        }
    }
    e.required_other("venue_other", s.venue_type == VenueType::Other, &s.venue_other);
    e.opt_short("venue_other", &s.venue_other);
    e.list_len("agenda", s.agenda.len());
    for (i, item) in s.agenda.iter().enumerate() {
        e.text_len(&format!("agenda[{i}].notes"), &item.notes, MAX_TEXT_CHARS);
    }
    e.count("invited", s.invited);
    e.count("present", s.present);
    if s.present > s.invited {
        e.push(
            "present",
            "attendance.present_exceeds_invited",
            Message::new(
                format!(
                    "{} présents pour {} invités : il ne peut y avoir plus de présents que d’invités.",
                    s.present, s.invited
                ),
                format!("{} present for {} invited: there cannot be more present than invited.", s.present, s.invited),
            ),
        );
    }
    attendance_rows(e, "attendance", &s.attendance);
    let total = s.attendance_total();
    if total > 0 && total != s.present {
        e.push(
            "attendance",
            "attendance.total_mismatch",
            Message::new(
                format!("Le total par collège ({total}) diffère du nombre de présents ({}).", s.present),
                format!("The total by college ({total}) differs from the number present ({}).", s.present),
            ),
        );
    }
    e.text_len("summary", &s.summary, MAX_TEXT_CHARS);
}

fn assessment(e: &mut Errors, a: &Assessment, ctx: &ValidationContext<'_>) {
    e.not_future("date", a.date, ctx.today);
    e.ordered("period_end", a.period_start, a.period_end);
    e.not_future("period_start", a.period_start, ctx.today);
    e.unit("zone.commune", &a.zone.commune, UnitLevel::Commune, ctx.reference);
    e.opt_short("zone.locality", &a.zone.locality);
    e.opt_short("zone.road", &a.zone.road);
    if a.threats.is_empty() {
        e.push(
            "threats",
            "assessment.no_threat",
            Message::new("Ajoutez au moins une menace.", "Add at least one threat."),
        );
    }
    e.list_len("threats", a.threats.len());
    for (i, t) in a.threats.iter().enumerate() {
        for (field, v) in [("likelihood", t.likelihood), ("impact", t.impact)] {
            if !(1..=5).contains(&v) {
                e.push(
                    format!("threats[{i}].{field}"),
                    "threat.scale_out_of_range",
                    Message::new(
                        format!("Valeur {v} hors de l’échelle 1 à 5."),
                        format!("Value {v} outside the 1 to 5 scale."),
                    ),
                );
            }
        }
        e.text_len(&format!("threats[{i}].existing_capacities"), &t.existing_capacities, MAX_TEXT_CHARS);
    }
    e.text_len("notes", &a.notes, MAX_TEXT_CHARS);
}

fn workshop(e: &mut Errors, w: &Workshop, ctx: &ValidationContext<'_>) {
    e.required_text("title", &w.title);
    e.text_len("title", &w.title, MAX_SHORT_CHARS);
    e.text_len("organizer", &w.organizer, MAX_SHORT_CHARS);
    e.text_len("place", &w.place, MAX_SHORT_CHARS);
    e.required_other("partner_other", w.partner == Some(Partner::Other), &w.partner_other);
    e.opt_short("partner_other", &w.partner_other);
    e.not_future("start_date", w.start_date, ctx.today);
    e.ordered("end_date", w.start_date, w.end_date);
    e.unit("commune", &w.commune, UnitLevel::Commune, ctx.reference);
    e.duplicates("themes", &w.themes);
    for (i, r) in w.participation.iter().enumerate() {
        let p = format!("participation[{i}]");
        e.count(&format!("{p}.women"), r.women);
        e.count(&format!("{p}.men"), r.men);
        e.count(&format!("{p}.young_women"), r.young_women);
        e.count(&format!("{p}.young_men"), r.young_men);
        if r.young_women > r.women {
            e.push(
                format!("{p}.young_women"),
                "participation.youth_exceeds_total",
                Message::new("Plus de jeunes femmes que de femmes.", "More young women than women."),
            );
        }
        if r.young_men > r.men {
            e.push(
                format!("{p}.young_men"),
                "participation.youth_exceeds_total",
                Message::new("Plus de jeunes hommes que d’hommes.", "More young men than men."),
            );
        }
    }
    let categories: Vec<ParticipantCategory> = w.participation.iter().map(|r| r.category).collect();
    e.duplicates("participation", &categories);
    e.list_len("attendees", w.attendees.len());
    for (i, a) in w.attendees.iter().enumerate() {
        e.required_text(&format!("attendees[{i}].pseudonym"), &a.pseudonym);
        e.text_len(&format!("attendees[{i}].pseudonym"), &a.pseudonym, MAX_SHORT_CHARS);
    }
    e.text_len("notes", &w.notes, MAX_TEXT_CHARS);
}

fn recommendation(e: &mut Errors, r: &Recommendation, ctx: &ValidationContext<'_>) {
    e.required_text("text", &r.text);
    e.text_len("text", &r.text, MAX_TEXT_CHARS);
    e.not_future("made_on", r.made_on, ctx.today);
    if let Some(due) = r.due_date {
        if due < r.made_on {
            e.push(
                "due_date",
                "date.due_before_made",
                Message::new(
                    "L’échéance précède la date de la recommandation.",
                    "The due date is before the recommendation was made.",
                ),
            );
        }
    }
    if r.addressee == Addressee::Fds && r.fds_corps.is_none() {
        e.push(
            "fds_corps",
            "recommendation.corps_required",
            Message::new("Précisez le corps des FDS concerné.", "Specify which security force is addressed."),
        );
    }
    e.text_len("responsible", &r.responsible, MAX_SHORT_CHARS);
    e.text_len("evidence", &r.evidence, MAX_TEXT_CHARS);
    e.list_len("status_history", r.status_history.len());
}

fn committee(e: &mut Errors, c: &Committee, ctx: &ValidationContext<'_>) {
    e.required_text("name", &c.name);
    e.text_len("name", &c.name, MAX_SHORT_CHARS);
    e.unit("region", &c.region, UnitLevel::Region, ctx.reference);
    if let Some(cercle) = &c.cercle {
        e.unit("cercle", cercle, UnitLevel::Cercle, ctx.reference);
        if let Some(parent) = ctx.reference.cercle(cercle).and_then(|u| u.parent.as_deref()) {
            if parent != c.region {
                e.push(
                    "cercle",
                    "cercle.not_in_region",
                    Message::new(
                        "Ce cercle n’appartient pas à la région choisie.",
                        "This cercle is not in the chosen region.",
                    ),
                );
            }
        }
    }
    match &c.commune {
        Some(commune) => {
            e.unit("commune", commune, UnitLevel::Commune, ctx.reference);
            if ctx.reference.commune(commune).is_some()
                && ctx.reference.region_of(commune).map(|r| r.code.as_str()) != Some(c.region.as_str())
            {
                e.push(
                    "commune",
                    "commune.not_in_region",
                    Message::new(
                        "Cette commune n’appartient pas à la région choisie.",
                        "This commune is not in the chosen region.",
                    ),
                );
            }
        }
        None if c.level != CommitteeLevel::Regional => {
            e.push("commune", "field.required", Message::new("Ce champ est obligatoire.", "This field is required."));
        }
        None => {}
    }
    if let Some(d) = c.installed_on {
        e.not_future("installed_on", d, ctx.today);
    }
    attendance_rows(e, "membership", &c.membership);
}
