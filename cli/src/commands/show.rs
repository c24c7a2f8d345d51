//! `ccs show ID` prints one record: a header, every field of its JSON view (value codes
//! shown with their labels), the review trail, its field errors and how many conflicts
//! it holds; `--json` prints the JSON view with the store's flags. `ccs history ID`
//! prints who changed the record and when.

use std::io::Write;

use ccs_core::i18n::Lang;
use ccs_core::model::input::to_json;
use ccs_core::model::*;
use ccs_core::reference::ReferenceData;
use ccs_core::store::{Store, StoredRecord};
use serde_json::{Map, Value};

use super::list::unit_name;
use super::{parse_id, Ctx};
use crate::failure::Failure;
use crate::messages::text;

/// Keys of the JSON view shown in the header or the review section, not as fields.
const ENVELOPE_KEYS: &[&str] = &[
    "id",
    "kind",
    "committee_id",
    "schema_version",
    "sensitivity",
    "effective_sensitivity",
    "review_status",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "review",
    "derived",
];

pub fn run(ctx: &Ctx, id: &str, json: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let id: RecordId = parse_id(id)?;
    let store = ctx.open()?;
    let stored = store.get(id, ctx.now)?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &json_view(&stored)?)?;
        writeln!(out)?;
        Ok(())
    } else {
        readable(&store, &stored, ctx.lang, out)
    }
}

/// The record's JSON view plus the store's flags.
fn json_view(stored: &StoredRecord) -> Result<Value, Failure> {
    let mut map = match stored.record.as_ref().map(to_json) {
        Some(Value::Object(m)) => m,
        _ => match serde_json::to_value(&stored.header)? {
            Value::Object(m) => m,
            _ => Map::new(),
        },
    };
    map.insert("errors".into(), serde_json::to_value(&stored.errors)?);
    map.insert("conflicts".into(), serde_json::to_value(&stored.conflicts)?);
    map.insert("dirty".into(), Value::Bool(stored.dirty));
    map.insert("read_only".into(), Value::Bool(stored.read_only));
    Ok(Value::Object(map))
}

fn readable(store: &Store, stored: &StoredRecord, lang: Lang, out: &mut dyn Write) -> Result<(), Failure> {
    let t = |code: &str| text(code, lang, &[]);
    let h = &stored.header;
    let committee = store.summary(RecordId::from(h.committee_id)).map(|s| s.title).unwrap_or_default();
    let yes_no = |b: bool| if b { t("out.yes") } else { t("out.no") };
    match &stored.record {
        Some(r) => writeln!(out, "{}", r.title(lang))?,
        None => writeln!(out, "{}", t("out.read_only"))?,
    }
    writeln!(out, "  {}: {}", t("out.field_id"), h.id)?;
    writeln!(out, "  {}: {}", t("out.field_kind"), h.kind.label(lang))?;
    writeln!(out, "  {}: {} ({})", t("out.field_committee"), committee, h.committee_id)?;
    if let Some(r) = &stored.record {
        writeln!(out, "  {}: {}", t("out.field_status"), r.review_status().label(lang))?;
        let effective = r.effective_sensitivity();
        let sensitivity = if effective == r.sensitivity {
            effective.label(lang).to_string()
        } else {
            text("out.sensitivity_raised", lang, &[effective.label(lang), r.sensitivity.label(lang)])
        };
        writeln!(out, "  {}: {}", t("out.field_sensitivity"), sensitivity)?;
        let at = |d: &chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M").to_string();
        writeln!(out, "  {}: {} {} {}", t("out.field_created"), at(&r.created_at), t("out.field_by"), r.created_by)?;
        writeln!(out, "  {}: {} {} {}", t("out.field_updated"), at(&r.updated_at), t("out.field_by"), r.updated_by)?;
    }
    writeln!(out, "  {}: {}", t("out.field_dirty"), yes_no(stored.dirty))?;

    if let Some(r) = &stored.record {
        if let Value::Object(view) = to_json(r) {
            writeln!(out)?;
            writeln!(out, "{}", t("out.section_fields"))?;
            let mut lines = Vec::new();
            for (k, v) in view.iter().filter(|(k, _)| !ENVELOPE_KEYS.contains(&k.as_str())) {
                flatten(k, k, v, store.reference(), lang, &mut lines);
            }
            write_lines(out, &lines)?;
            if let Some(derived) = view.get("derived").filter(|d| d.as_object().is_some_and(|m| !m.is_empty())) {
                writeln!(out)?;
                writeln!(out, "{}", t("out.section_derived"))?;
                let mut lines = Vec::new();
                if let Value::Object(m) = derived {
                    for (k, v) in m {
                        flatten(k, k, v, store.reference(), lang, &mut lines);
                    }
                }
                write_lines(out, &lines)?;
            }
        }
        writeln!(out)?;
        writeln!(out, "{}", t("out.section_review"))?;
        if r.review.is_empty() {
            writeln!(out, "  {}", t("out.no_review"))?;
        }
        let mut trail: Vec<&ReviewEvent> = r.review.iter().collect();
        trail.sort_by_key(|e| (e.at, e.by_device, e.id));
        for e in trail {
            let comment = e.comment.as_deref().map(|c| format!(" — {c}")).unwrap_or_default();
            writeln!(
                out,
                "  {}  {}  {}{}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.role.label(lang),
                e.decision.label(lang),
                comment
            )?;
        }
    }
    if !stored.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", t("out.section_errors"))?;
        for e in &stored.errors {
            writeln!(out, "  {}", field_error_line(e, lang))?;
        }
    }
    if !stored.conflicts.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            text("out.conflict_count", lang, &[&stored.conflicts.len().to_string(), &h.id.to_string()])
        )?;
    }
    Ok(())
}

/// `path: message (code)`, as field errors are printed everywhere.
pub fn field_error_line(e: &FieldError, lang: Lang) -> String {
    let message = e.message.get(lang);
    if e.path.is_empty() {
        format!("{message} ({})", e.code)
    } else {
        format!("{}: {message} ({})", e.path, e.code)
    }
}

fn write_lines(out: &mut dyn Write, lines: &[(String, String)]) -> std::io::Result<()> {
    for (path, value) in lines {
        // Continuation lines of a multi-line text are indented under the value.
        let indent = " ".repeat(path.chars().count() + 4);
        let value = value.replace('\n', &format!("\n{indent}"));
        writeln!(out, "  {path}: {value}")?;
    }
    Ok(())
}

/// Turns a JSON value into `path: text` lines, leaves only.
fn flatten(path: &str, key: &str, v: &Value, reference: &ReferenceData, lang: Lang, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                flatten(&format!("{path}.{k}"), k, child, reference, lang, out);
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let text = if items.is_empty() {
                "—".to_string()
            } else {
                items.iter().map(|i| scalar(path, key, i, reference, lang)).collect::<Vec<_>>().join(", ")
            };
            out.push((path.to_string(), text));
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                match child {
                    Value::Object(m) => {
                        for (k, grandchild) in m {
                            // Item ids say nothing to a reader; `--json` keeps them.
                            if k != "id" {
                                flatten(&format!("{p}.{k}"), k, grandchild, reference, lang, out);
                            }
                        }
                    }
                    other => flatten(&p, key, other, reference, lang, out),
                }
            }
        }
        other => out.push((path.to_string(), scalar(path, key, other, reference, lang))),
    }
}

fn scalar(path: &str, key: &str, v: &Value, reference: &ReferenceData, lang: Lang) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => match label(path, key, s, lang) {
            Some(l) => l.to_string(),
            None if matches!(key, "region" | "cercle" | "commune") => {
                format!("{} ({s})", unit_name(Some(s), reference))
            }
            None => s.clone(),
        },
        Value::Bool(b) => text(if *b { "out.yes" } else { "out.no" }, lang, &[]),
        other => other.to_string(),
    }
}

/// The label of a value code, found from the field it is in.
fn label(path: &str, key: &str, code: &str, lang: Lang) -> Option<&'static str> {
    fn l<T: Copy>(v: Option<T>, label: impl Fn(T) -> &'static str) -> Option<&'static str> {
        v.map(label)
    }
    match key {
        "session_type" => l(SessionType::from_code(code), |v| v.label(lang)),
        "venue_type" => l(VenueType::from_code(code), |v| v.label(lang)),
        "chaired_by" => l(ChairRole::from_code(code), |v| v.label(lang)),
        "minutes_status" => l(MinutesStatus::from_code(code), |v| v.label(lang)),
        "theme" => l(AgendaTheme::from_code(code), |v| v.label(lang)),
        "college" => l(College::from_code(code), |v| v.label(lang)),
        "category" if path.starts_with("threats") => l(ThreatCategory::from_code(code), |v| v.label(lang)),
        "category" => l(ParticipantCategory::from_code(code), |v| v.label(lang)),
        "place_type" => l(PlaceType::from_code(code), |v| v.label(lang)),
        "suspected_actor" => l(SuspectedActor::from_code(code), |v| v.label(lang)),
        "trend" => l(Trend::from_code(code), |v| v.label(lang)),
        "vulnerable_groups" => l(VulnerableGroup::from_code(code), |v| v.label(lang)),
        "source" => l(InformationSource::from_code(code), |v| v.label(lang)),
        "reliability" => l(Reliability::from_code(code), |v| v.label(lang)),
        "workshop_type" => l(WorkshopType::from_code(code), |v| v.label(lang)),
        "themes" => l(WorkshopTheme::from_code(code), |v| v.label(lang)),
        "partner" => l(Partner::from_code(code), |v| v.label(lang)),
        "sex" => l(Sex::from_code(code), |v| v.label(lang)),
        "addressee" => l(Addressee::from_code(code), |v| v.label(lang)),
        "fds_corps" => l(FdsCorps::from_code(code), |v| v.label(lang)),
        "domain" => l(RecommendationDomain::from_code(code), |v| v.label(lang)),
        "priority" => l(Priority::from_code(code), |v| v.label(lang)),
        "status" => l(RecommendationStatus::from_code(code), |v| v.label(lang)),
        "level" if path.starts_with("threats") => l(RiskLevel::from_code(code), |v| v.label(lang)),
        "level" => l(CommitteeLevel::from_code(code), |v| v.label(lang)),
        _ => None,
    }
}

pub fn history(ctx: &Ctx, id: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let id: RecordId = parse_id(id)?;
    let store = ctx.open()?;
    let lang = ctx.lang;
    for e in store.history(id)? {
        let at = e.at.map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| "—".into());
        let device = match e.device {
            Some(d) => d.to_string(),
            None => text("out.unknown_device", lang, &[]),
        };
        writeln!(out, "{at}  {device}  {}", e.message.unwrap_or_default())?;
    }
    Ok(())
}
