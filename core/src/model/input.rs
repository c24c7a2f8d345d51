//! Records as JSON, the shape scripts, the CLI and the UI exchange: a flat object with the
//! kind's fields plus `committee_id`, `sensitivity` and, for recommendations, `status`.
//!
//! Reading JSON is where outside input enters the model, so every failure here is an
//! [`InputError`] with a stable code and a message naming the field; nothing panics.
//! Editing is a JSON merge patch (RFC 7396) over the record's current fields.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::*;
use crate::error_code::ErrorCode;

/// Largest JSON document accepted for one record, in bytes.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Keys that describe a record but cannot be set through input. They appear in
/// [`to_json`] output, so a file made from `show --json` may carry them unchanged.
const READ_ONLY_KEYS: &[&str] = &[
    "id",
    "kind",
    "schema_version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "review",
    "copied_from",
    "review_status",
    "effective_sensitivity",
    "derived",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("input is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("invalid JSON: {0}")]
    Syntax(String),
    #[error("expected a JSON object with the record's fields")]
    NotAnObject,
    #[error("invalid {kind} fields: {message}")]
    Fields {
        kind: RecordKind,
        /// The first field at fault (`agenda[0].theme`), empty when the object itself is.
        path: String,
        /// Every problem, joined: what a one-line message shows.
        message: String,
        /// Every field at fault, each with its own message: missing fields and values
        /// of the wrong type are all listed at once, not the first one only.
        problems: Vec<FieldProblem>,
    },
    #[error("`{0}` cannot be changed")]
    ReadOnly(String),
    #[error("`committee_id` is required")]
    CommitteeRequired,
    #[error("`{field}`: {message}")]
    BadValue { field: &'static str, message: String },
}

impl InputError {
    pub fn code(&self) -> ErrorCode {
        match self {
            InputError::TooLarge { .. } => ErrorCode::InputTooLarge,
            InputError::Syntax(_) => ErrorCode::InputSyntax,
            InputError::NotAnObject => ErrorCode::InputNotAnObject,
            InputError::Fields { .. } => ErrorCode::InputFields,
            InputError::ReadOnly(_) => ErrorCode::InputReadOnly,
            InputError::CommitteeRequired => ErrorCode::InputCommitteeRequired,
            InputError::BadValue { .. } => ErrorCode::InputBadValue,
        }
    }
}

/// One field that is missing or cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub path: String,
    pub message: String,
}

/// What the user asked for: the fields, and the envelope values they may set.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordInput {
    pub body: RecordBody,
    pub committee_id: Option<CommitteeId>,
    pub sensitivity: Option<Sensitivity>,
    /// Recommendations only: the status to move to.
    pub status: Option<RecommendationStatus>,
}

/// Parses bytes as a JSON object, with the size limit.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, InputError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { max: MAX_INPUT_BYTES });
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(InputError::NotAnObject),
        Err(e) => Err(InputError::Syntax(e.to_string())),
    }
}

/// The envelope values a user may set: committee, sensitivity, follow-up status.
type Envelope = (Option<CommitteeId>, Option<Sensitivity>, Option<RecommendationStatus>);

fn take_envelope(map: &mut Map<String, Value>) -> Result<Envelope, InputError> {
    let committee_id = match map.remove("committee_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.parse().map_err(|_| InputError::BadValue {
            field: "committee_id",
            message: format!("`{s}` is not a committee id (UUID)"),
        })?),
        Some(other) => {
            return Err(InputError::BadValue {
                field: "committee_id",
                message: format!("expected a string, found {other}"),
            })
        }
    };
    let sensitivity = match map.remove("sensitivity") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value(v)
                .map_err(|e| InputError::BadValue { field: "sensitivity", message: e.to_string() })?,
        ),
    };
    let status = match map.remove("status") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value(v).map_err(|e| InputError::BadValue { field: "status", message: e.to_string() })?,
        ),
    };
    Ok((committee_id, sensitivity, status))
}

fn body_from(kind: RecordKind, fields: Map<String, Value>) -> Result<RecordBody, InputError> {
    let v = Value::Object(fields);
    Ok(match kind {
        RecordKind::Session => RecordBody::Session(read(kind, v)?),
        RecordKind::Assessment => RecordBody::Assessment(read(kind, v)?),
        RecordKind::Workshop => RecordBody::Workshop(read(kind, v)?),
        RecordKind::Recommendation => RecordBody::Recommendation(read(kind, v)?),
        RecordKind::Committee => RecordBody::Committee(read(kind, v)?),
    })
}

/// How many fields one input may get wrong before reading stops listing them.
const MAX_PROBLEMS: usize = 200;

/// Stand-ins tried, in order, for a missing or unreadable value so that reading can go
/// on to the next problem; the first one the field's type accepts is kept.
fn stand_ins() -> [Value; 8] {
    [
        Value::String(String::new()),
        Value::from(0),
        Value::Object(Map::new()),
        Value::Array(vec![]),
        Value::Bool(false),
        Value::String("2000-01-01".into()),
        Value::String("00:00".into()),
        Value::String("00000000-0000-0000-0000-000000000000".into()),
    ]
}

/// One step of a path into JSON.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn show(path: &[Step]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The value at `path`, created (as `null`) in an object when missing.
fn slot<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let Some((first, rest)) = path.split_first() else { return Some(v) };
    let next = match (first, v) {
        (Step::Key(k), Value::Object(m)) => m.entry(k.clone()).or_insert(Value::Null),
        (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
        _ => return None,
    };
    slot(next, rest)
}

fn remove_at(v: &mut Value, path: &[Step]) -> bool {
    let Some((Step::Key(last), parent)) = path.split_last() else { return false };
    match slot(v, parent) {
        Some(Value::Object(m)) => m.remove(last).is_some(),
        _ => false,
    }
}

/// The first code a serde message offers ("unknown variant `x`, expected one of `a`,
/// `b`"): a stand-in a closed list accepts.
fn offered_code(message: &str) -> Option<String> {
    let rest = message.split("expected one of `").nth(1).or_else(|| message.split("expected `").nth(1))?;
    rest.split('`').next().map(str::to_string)
}

fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.split('`').next()
}

/// Reads a record's fields, listing every field that is missing or of the wrong type.
/// serde stops at the first problem; each one found is recorded, the field given a
/// stand-in (or an unknown field removed), and reading starts again, until the input
/// reads or nothing more can be fixed.
fn read<T: serde::de::DeserializeOwned>(kind: RecordKind, mut v: Value) -> Result<T, InputError> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let mut tries: Vec<(String, usize)> = Vec::new();
    let stand_ins = stand_ins();
    loop {
        let e = match serde_path_to_error::deserialize::<_, T>(v.clone()) {
            Ok(t) if problems.is_empty() => return Ok(t),
            Ok(_) => break,
            Err(e) => e,
        };
        let mut at: Vec<Step> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
                _ => None,
            })
            .collect();
        let message = e.into_inner().to_string();
        let missing = quoted_after(&message, "missing field `");
        let unknown = quoted_after(&message, "unknown field `");
        if let Some(field) = missing.or(unknown) {
            if at.last() != Some(&Step::Key(field.to_string())) {
                at.push(Step::Key(field.to_string()));
            }
        }
        let path = show(&at);
        // Inside a stand-in the problem is the stand-in's field itself, already listed.
        let inside = |p: &FieldProblem| {
            path == p.path || path.starts_with(&format!("{}.", p.path)) || path.starts_with(&format!("{}[", p.path))
        };
        if !problems.iter().any(inside) {
            let text = if path.is_empty() { message.clone() } else { format!("{path}: {message}") };
            problems.push(FieldProblem { path: path.clone(), message: text });
        }
        if problems.len() >= MAX_PROBLEMS || at.is_empty() {
            break;
        }
        if unknown.is_some() {
            if !remove_at(&mut v, &at) {
                break;
            }
            continue;
        }
        let n = match tries.iter_mut().find(|(p, _)| *p == path) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                tries.push((path.clone(), 0));
                0
            }
        };
        if n > stand_ins.len() {
            break;
        }
        let Some(target) = slot(&mut v, &at) else { break };
        // A closed list names its codes in the message: the first one is a stand-in it
        // accepts (tried once, as long as the field does not hold it already).
        let offered = offered_code(&message).map(Value::String).filter(|c| c != target);
        match offered.or_else(|| stand_ins.get(n).cloned()) {
            Some(s) => *target = s,
            None => break,
        }
    }
    let first = problems.first().cloned().unwrap_or(FieldProblem { path: String::new(), message: String::new() });
    let message = problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; ");
    Err(InputError::Fields { kind, path: first.path, message, problems })
}

fn check_status_kind(kind: RecordKind, status: &Option<RecommendationStatus>) -> Result<(), InputError> {
    if status.is_some() && kind != RecordKind::Recommendation {
        return Err(InputError::BadValue {
            field: "status",
            message: "only recommendations have a follow-up status".into(),
        });
    }
    Ok(())
}

/// Reads a new record of `kind` from a JSON object.
pub fn parse_new(kind: RecordKind, mut map: Map<String, Value>) -> Result<RecordInput, InputError> {
    for key in READ_ONLY_KEYS {
        if map.contains_key(*key) && *key != "kind" {
            return Err(InputError::ReadOnly((*key).to_string()));
        }
    }
    if let Some(k) = map.remove("kind") {
        if k != Value::String(kind.code().into()) {
            return Err(InputError::BadValue { field: "kind", message: format!("file says {k}, command says {kind}") });
        }
    }
    let (committee_id, sensitivity, status) = take_envelope(&mut map)?;
    check_status_kind(kind, &status)?;
    let mut body = body_from(kind, map)?;
    if let RecordBody::Recommendation(r) = &mut body {
        if !r.status_history.is_empty() {
            return Err(InputError::ReadOnly("status_history".into()));
        }
    }
    Ok(RecordInput { body, committee_id, sensitivity, status })
}

/// Applies a JSON merge patch to `record`'s fields. Read-only keys may be present only
/// with their current value.
pub fn parse_patch(record: &Record, mut patch: Map<String, Value>) -> Result<RecordInput, InputError> {
    let current = to_json(record);
    for key in READ_ONLY_KEYS {
        if let Some(v) = patch.remove(*key) {
            if current.get(*key) != Some(&v) {
                return Err(InputError::ReadOnly((*key).to_string()));
            }
        }
    }
    if let Some(v) = patch.remove("status_history") {
        if current.get("status_history") != Some(&v) {
            return Err(InputError::ReadOnly("status_history".into()));
        }
    }
    let (committee_id, sensitivity, status) = take_envelope(&mut patch)?;
    if committee_id.is_some_and(|c| c != record.committee_id) {
        return Err(InputError::ReadOnly("committee_id".into()));
    }
    check_status_kind(record.kind(), &status)?;
    let mut fields = match serde_json::to_value(&record.body) {
        Ok(Value::Object(mut m)) => match m.remove("fields") {
            Some(Value::Object(f)) => f,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    merge_patch(&mut fields, patch);
    let mut body = body_from(record.kind(), fields)?;
    // The history is append-only: whatever the patch says, keep what is recorded.
    if let (RecordBody::Recommendation(new), RecordBody::Recommendation(old)) = (&mut body, &record.body) {
        new.status_history = old.status_history.clone();
    }
    Ok(RecordInput { body, committee_id: None, sensitivity, status })
}

/// RFC 7396: objects merge key by key, `null` deletes, anything else replaces.
fn merge_patch(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match v {
            Value::Null => {
                target.remove(&k);
            }
            Value::Object(p) => match target.get_mut(&k) {
                Some(Value::Object(t)) => merge_patch(t, p),
                _ => {
                    let mut t = Map::new();
                    merge_patch(&mut t, p);
                    target.insert(k, Value::Object(t));
                }
            },
            other => {
                target.insert(k, other);
            }
        }
    }
}

/// Applies a recommendation status change to the body: appends to the history when the
/// status differs from the current one.
pub fn apply_status(body: &mut RecordBody, status: Option<RecommendationStatus>, device: DeviceId, now: DateTime<Utc>) {
    if let RecordBody::Recommendation(r) = body {
        let target = status.unwrap_or(RecommendationStatus::Proposed);
        let changed = if r.status_history.is_empty() { true } else { status.is_some_and(|s| s != r.status()) };
        if changed {
            // Ordered after every change already seen, whatever this device's clock says.
            let at = match r.status_history.iter().map(|c| c.at).max() {
                Some(last) if last >= now => last + chrono::Duration::milliseconds(1),
                _ => now,
            };
            r.status_history.push(StatusChange { id: ItemId::new(), at, by_device: device, status: target });
        }
    }
}

/// The JSON view of a record: its fields flat, with the envelope and derived values.
pub fn to_json(record: &Record) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(record.id.to_string()));
    out.insert("kind".into(), Value::String(record.kind().code().into()));
    out.insert("committee_id".into(), Value::String(record.committee_id.to_string()));
    out.insert("schema_version".into(), Value::from(record.schema_version));
    out.insert("sensitivity".into(), Value::String(record.sensitivity.code().into()));
    out.insert("effective_sensitivity".into(), Value::String(record.effective_sensitivity().code().into()));
    out.insert("review_status".into(), Value::String(record.review_status().code().into()));
    out.insert("created_at".into(), Value::String(record.created_at.to_rfc3339()));
    out.insert("created_by".into(), Value::String(record.created_by.to_string()));
    out.insert("updated_at".into(), Value::String(record.updated_at.to_rfc3339()));
    out.insert("updated_by".into(), Value::String(record.updated_by.to_string()));
    out.insert("review".into(), serde_json::to_value(&record.review).unwrap_or(Value::Null));
    out.insert("copied_from".into(), record.copied_from.map_or(Value::Null, |id| Value::String(id.to_string())));
    if let Ok(Value::Object(mut m)) = serde_json::to_value(&record.body) {
        if let Some(Value::Object(fields)) = m.remove("fields") {
            out.extend(fields);
        }
    }
    out.insert("derived".into(), derived(record));
    Value::Object(out)
}

fn derived(record: &Record) -> Value {
    let thresholds = LevelThresholds::default();
    match &record.body {
        RecordBody::Session(s) => serde_json::json!({
            "quorum": s.quorum(),
            "attendance_total": s.attendance_total(),
            "attendance_women": s.attendance_women(),
            "fds_present": s.fds_present(),
        }),
        RecordBody::Assessment(a) => serde_json::json!({
            "threats": a.threats.iter().map(|t| serde_json::json!({
                "id": t.id, "score": t.score(), "level": t.level(&thresholds),
            })).collect::<Vec<_>>(),
        }),
        RecordBody::Workshop(w) => serde_json::to_value(w.totals()).unwrap_or(Value::Null),
        RecordBody::Recommendation(r) => serde_json::json!({ "status": r.status() }),
        RecordBody::Committee(c) => serde_json::json!({ "members": c.members() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn paths(kind: RecordKind, v: Value) -> Vec<String> {
        let Value::Object(map) = v else { panic!("not an object") };
        match parse_new(kind, map) {
            Ok(_) => vec![],
            Err(InputError::Fields { problems, path, message, .. }) => {
                assert_eq!(path, problems[0].path);
                for p in &problems {
                    assert!(message.contains(&p.message), "{message} lacks {}", p.message);
                }
                problems.into_iter().map(|p| p.path).collect()
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[rstest]
    #[case::every_missing_field_at_once(
        RecordKind::Session,
        json!({"invited": 10, "present": 6}),
        &["session_type", "date", "venue_type", "chaired_by"]
    )]
    #[case::missing_and_mistyped_together(
        RecordKind::Session,
        json!({"session_type": "ordinaire_mensuelle", "venue_type": "mairie", "chaired_by": "maire",
               "invited": "dix", "present": 6}),
        &["date", "invited"]
    )]
    #[case::unknown_code_and_unknown_field(
        RecordKind::Session,
        json!({"session_type": "tous_les_jours", "date": "2026-11-05", "venue_type": "mairie",
               "chaired_by": "maire", "colour": "bleu"}),
        &["session_type", "colour"]
    )]
    #[case::inside_nested_objects_and_list_items(
        RecordKind::Assessment,
        json!({"date": "2026-11-01", "period_start": "2026-08-01", "period_end": "hier",
               "zone": {"locality": "Hondo"},
               "threats": [{"place_type": "paturage_couloir", "suspected_actor": "criminels", "trend": "en_hausse",
                            "likelihood": 4, "impact": 3, "source": "communaute", "reliability": "probable"}]}),
        &["period_end", "zone.commune", "threats[0].category"]
    )]
    #[case::a_whole_missing_object(
        RecordKind::Assessment,
        json!({"date": "2026-11-01", "period_start": "2026-08-01", "period_end": "2026-10-31"}),
        &["zone"]
    )]
    #[case::nothing_missing(
        RecordKind::Recommendation,
        json!({"made_on": "2026-11-01", "text": "Éclairer le marché", "addressee": "maire_conseil",
               "domain": "eclairage_infrastructures", "priority": "moyenne"}),
        &[]
    )]
    fn every_missing_or_unreadable_field_is_listed(
        #[case] kind: RecordKind,
        #[case] input: Value,
        #[case] expected: &[&str],
    ) {
        let mut got = paths(kind, input);
        got.sort();
        let mut expected = expected.to_vec();
        expected.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn an_empty_object_lists_each_required_field_of_the_kind() {
        let mut got = paths(RecordKind::Workshop, json!({}));
        got.sort();
        assert_eq!(got, ["commune", "end_date", "start_date", "title", "workshop_type"]);
    }
}
