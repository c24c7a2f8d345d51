//! The form's shape: the fields a new record starts with, the fields of an existing one
//! as the form edits them, and the value lists the form picks from.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::views::{ValueLabel, ValueList};
use super::AppError;
use crate::i18n::Lang;
use crate::model::*;
use crate::store::Store;

fn list<T: Copy>(
    name: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T, Lang) -> &'static str,
) -> ValueList {
    ValueList {
        name: name.into(),
        values: all
            .iter()
            .map(|v| ValueLabel {
                code: code(*v).into(),
                fr: label(*v, Lang::Fr).into(),
                en: label(*v, Lang::En).into(),
            })
            .collect(),
    }
}

macro_rules! lists {
    ($($t:ident),+ $(,)?) => {
        vec![$(list(stringify!($t), $t::ALL, |v: $t| v.code(), |v: $t, l| v.label(l))),+]
    };
}

/// Every closed list of DOMAIN.md with both labels, in the order the UI lists them.
pub fn value_lists() -> Vec<ValueList> {
    lists!(
        RecordKind,
        Sensitivity,
        Role,
        CommitteeLevel,
        College,
        Sex,
        SessionType,
        VenueType,
        ChairRole,
        AgendaTheme,
        MinutesStatus,
        ThreatCategory,
        PlaceType,
        SuspectedActor,
        Trend,
        RiskLevel,
        VulnerableGroup,
        InformationSource,
        Reliability,
        WorkshopType,
        WorkshopTheme,
        Partner,
        ParticipantCategory,
        Addressee,
        FdsCorps,
        RecommendationDomain,
        Priority,
        RecommendationStatus,
        Decision,
        ReviewStatus,
    )
}

/// Who chairs and where a session of this device's committee usually sits: the
/// governor at the governorate for a regional committee, the mayor at the town hall
/// otherwise (DOMAIN.md: regional committees are chaired by the governor, communal
/// ones by the mayor).
fn usual_chair_and_venue(store: &Store) -> (ChairRole, VenueType) {
    let regional = store
        .identity()
        .committee_id
        .and_then(|c| store.record(RecordId(c.0)).ok())
        .is_some_and(|r| matches!(r.body, RecordBody::Committee(ref c) if c.level == CommitteeLevel::Regional));
    if regional {
        (ChairRole::Governor, VenueType::Governorate)
    } else {
        (ChairRole::Mayor, VenueType::TownHall)
    }
}

/// The commune of this device's committee, to pre-fill commune fields.
fn own_commune(store: &Store) -> Option<String> {
    let c = store.identity().committee_id?;
    store.summary(RecordId(c.0)).ok()?.commune
}

/// The fields a new record of `kind` starts with: today's date, this committee's
/// commune and usual chair, the first value of the other lists. Deliberately not valid yet for most kinds
/// (counts at zero, texts empty): the record is created once the user has filled it.
pub fn new_fields(store: &Store, kind: RecordKind, now: DateTime<Utc>) -> Result<Map<String, Value>, AppError> {
    let today = now.date_naive().to_string();
    let commune = own_commune(store).unwrap_or_default();
    let month_ago = (now.date_naive() - chrono::Duration::days(30)).to_string();
    let (chair, venue) = usual_chair_and_venue(store);
    let v = match kind {
        RecordKind::Session => json!({
            "session_type": SessionType::ALL[0].code(),
            "date": today,
            "start_time": null,
            "end_time": null,
            "venue_type": venue.code(),
            "venue_other": null,
            "chaired_by": chair.code(),
            "agenda": [],
            "invited": 0,
            "present": 0,
            "attendance": [],
            "summary": "",
            "minutes_status": MinutesStatus::ALL[0].code(),
            "linked_records": [],
        }),
        RecordKind::Assessment => json!({
            "date": today,
            "period_start": month_ago,
            "period_end": today,
            "zone": {"commune": commune, "locality": null, "road": null},
            "threats": [],
            "notes": "",
        }),
        RecordKind::Workshop => json!({
            "workshop_type": WorkshopType::ALL[0].code(),
            "title": "",
            "themes": [],
            "organizer": "CRSS",
            "partner": null,
            "partner_other": null,
            "start_date": today,
            "end_date": today,
            "commune": commune,
            "place": "",
            "participation": [],
            "attendees": [],
            "notes": "",
        }),
        RecordKind::Recommendation => json!({
            "origin": null,
            "made_on": today,
            "text": "",
            "addressee": Addressee::ALL[0].code(),
            "fds_corps": null,
            "domain": RecommendationDomain::ALL[0].code(),
            "priority": Priority::ALL[0].code(),
            "responsible": "",
            "due_date": null,
            "status_history": [],
            "evidence": "",
            "status": RecommendationStatus::ALL[0].code(),
        }),
        RecordKind::Committee => json!({
            "level": CommitteeLevel::ALL[0].code(),
            "name": "",
            "region": "",
            "cercle": null,
            "commune": null,
            "installed_on": null,
            "membership": [],
        }),
    };
    let mut m = match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    m.insert("sensitivity".into(), Value::String(kind.default_sensitivity().code().into()));
    Ok(m)
}

/// An existing record's fields as the form edits them: the kind's fields, its chosen
/// sensitivity and, for a recommendation, its current status.
pub fn form_fields(record: &Record) -> Map<String, Value> {
    let mut m = match serde_json::to_value(&record.body) {
        Ok(Value::Object(mut o)) => match o.remove("fields") {
            Some(Value::Object(f)) => f,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    m.insert("sensitivity".into(), Value::String(record.sensitivity.code().into()));
    if let RecordBody::Recommendation(r) = &record.body {
        m.insert("status".into(), Value::String(r.status().code().into()));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_has_both_labels() {
        let lists = value_lists();
        assert_eq!(lists.len(), 30);
        for l in &lists {
            assert!(!l.values.is_empty(), "{}", l.name);
            for v in &l.values {
                assert!(!v.fr.is_empty() && !v.en.is_empty(), "{}.{}", l.name, v.code);
            }
        }
    }
}
