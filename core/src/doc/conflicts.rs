//! Conflicts: a field that two devices set concurrently keeps both values (Automerge
//! `get_all`). They are listed with the device that wrote each, and resolved by writing
//! the chosen value anew, which supersedes all of them. Nothing is silently dropped.

use automerge::{transaction::Transactable, AutoCommit, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value, ROOT};
use serde::Serialize;
use serde_json::json;

use super::limits::MAX_NESTING;
use super::DocError;
use crate::model::DeviceId;

/// Keys at the document root; every other path is under `body`.
const ENVELOPE_KEYS: &[&str] = &[
    "schema_version",
    "id",
    "kind",
    "committee_id",
    "created_at",
    "created_by",
    "sensitivity",
    "updated_at",
    "updated_by",
    "review",
];

/// Bookkeeping written by every save: concurrent saves always differ here, and that
/// is not something a person should have to decide.
const IGNORED: &[&str] = &["updated_at", "updated_by"];

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Conflict {
    /// Field path, e.g. `summary` or `threats[0].likelihood`.
    pub path: String,
    pub values: Vec<ConflictValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConflictValue {
    pub value: serde_json::Value,
    /// The device that wrote this value.
    pub device: Option<DeviceId>,
    /// Whether this is the value shown until the conflict is resolved.
    pub current: bool,
}

fn author(id: &automerge::ObjId) -> Option<DeviceId> {
    match id {
        automerge::ObjId::Id(_, actor, _) => DeviceId::from_actor(actor),
        automerge::ObjId::Root => None,
    }
}

pub(super) fn find(doc: &AutoCommit) -> Vec<Conflict> {
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}

fn join(path: &str, prop: &Prop) -> String {
    match prop {
        Prop::Map(k) if path.is_empty() => k.to_string(),
        Prop::Map(k) => format!("{path}.{k}"),
        Prop::Seq(i) => format!("{path}[{i}]"),
    }
}

/// One object being walked: its props, and the next one to look at.
struct Frame {
    obj: ObjId,
    path: String,
    props: Vec<Prop>,
    next: usize,
}

fn frame(doc: &AutoCommit, obj: ObjId, path: String) -> Option<Frame> {
    let props: Vec<Prop> = match doc.object_type(&obj) {
        Ok(ObjType::Map) | Ok(ObjType::Table) => doc.keys(&obj).map(Prop::Map).collect(),
        Ok(ObjType::List) => (0..doc.length(&obj)).map(Prop::Seq).collect(),
        _ => return None,
    };
    Some(Frame { obj, path, props, next: 0 })
}

/// Depth-first, in document order, with an explicit stack: a document nested
/// thousands deep (another device's doing; the server refuses it, an older server did
/// not) costs heap, not the stack, and nothing deeper than [`MAX_NESTING`] is visited.
fn walk(doc: &AutoCommit, out: &mut Vec<Conflict>) {
    let mut stack: Vec<Frame> = frame(doc, ROOT, String::new()).into_iter().collect();
    while let Some(top) = stack.last_mut() {
        let Some(prop) = top.props.get(top.next).cloned() else {
            stack.pop();
            continue;
        };
        top.next += 1;
        let obj = top.obj.clone();
        // The body's fields are shown without the `body.` prefix.
        let child_path =
            if obj == ROOT && prop == Prop::Map("body".into()) { String::new() } else { join(&top.path, &prop) };
        let all = doc.get_all(&obj, prop.clone()).unwrap_or_default();
        let ignored = obj == ROOT && matches!(&prop, Prop::Map(k) if IGNORED.contains(&k.as_str()));
        if all.len() > 1 && !ignored {
            let winner = doc.get(&obj, prop.clone()).ok().flatten().map(|(_, id)| id);
            out.push(Conflict {
                path: child_path.clone(),
                values: all
                    .iter()
                    .map(|(v, id)| ConflictValue {
                        value: to_json(doc, v, id, 0),
                        device: author(id),
                        current: winner.as_ref() == Some(id),
                    })
                    .collect(),
            });
        }
        if stack.len() > MAX_NESTING {
            continue;
        }
        if let Ok(Some((Value::Object(_), id))) = doc.get(&obj, prop) {
            if let Some(f) = frame(doc, id, child_path) {
                stack.push(f);
            }
        }
    }
}

fn scalar_json(s: &ScalarValue) -> serde_json::Value {
    match s {
        ScalarValue::Str(s) => json!(s.to_string()),
        ScalarValue::Int(i) => json!(i),
        ScalarValue::Uint(u) => json!(u),
        ScalarValue::F64(f) => json!(f),
        ScalarValue::Boolean(b) => json!(b),
        ScalarValue::Null => serde_json::Value::Null,
        ScalarValue::Timestamp(t) => json!(t),
        other => json!(other.to_string()),
    }
}

/// A value as JSON; objects nested past [`MAX_NESTING`] below it show as null.
fn to_json(doc: &AutoCommit, v: &Value<'_>, id: &ObjId, depth: usize) -> serde_json::Value {
    if depth > MAX_NESTING && matches!(v, Value::Object(_)) {
        return serde_json::Value::Null;
    }
    match v {
        Value::Scalar(s) => scalar_json(s),
        Value::Object(ObjType::Text) => json!(doc.text(id).unwrap_or_default()),
        Value::Object(ObjType::List) => serde_json::Value::Array(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, cid)| to_json(doc, &v, &cid, depth + 1))
                .collect(),
        ),
        Value::Object(_) => serde_json::Value::Object(
            doc.keys(id)
                .filter_map(|k| {
                    doc.get(id, k.as_str()).ok().flatten().map(|(v, cid)| (k, to_json(doc, &v, &cid, depth + 1)))
                })
                .collect(),
        ),
    }
}

/// A value read out of the document, to be written back as a fresh copy.
enum Node {
    Scalar(ScalarValue),
    Text(String),
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
}

/// A value as a [`Node`]; objects nested past [`MAX_NESTING`] below it are read as null.
fn read_node(doc: &AutoCommit, v: &Value<'_>, id: &ObjId, depth: usize) -> Node {
    if depth > MAX_NESTING && matches!(v, Value::Object(_)) {
        return Node::Scalar(ScalarValue::Null);
    }
    match v {
        Value::Scalar(s) => Node::Scalar(s.as_ref().clone()),
        Value::Object(ObjType::Text) => Node::Text(doc.text(id).unwrap_or_default()),
        Value::Object(ObjType::List) => Node::List(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, cid)| read_node(doc, &v, &cid, depth + 1))
                .collect(),
        ),
        Value::Object(_) => Node::Map(
            doc.keys(id)
                .filter_map(|k| {
                    doc.get(id, k.as_str()).ok().flatten().map(|(v, cid)| (k, read_node(doc, &v, &cid, depth + 1)))
                })
                .collect(),
        ),
    }
}

fn put_node(doc: &mut AutoCommit, obj: &ObjId, prop: Prop, node: &Node) -> Result<(), DocError> {
    match node {
        Node::Scalar(s) => doc.put(obj, prop, s.clone())?,
        Node::Text(t) => {
            let id = doc.put_object(obj, prop, ObjType::Text)?;
            doc.splice_text(&id, 0, 0, t)?;
        }
        Node::Map(entries) => {
            let id = doc.put_object(obj, prop, ObjType::Map)?;
            for (k, n) in entries {
                put_node(doc, &id, Prop::Map(k.clone()), n)?;
            }
        }
        Node::List(items) => {
            let id = doc.put_object(obj, prop, ObjType::List)?;
            for (i, n) in items.iter().enumerate() {
                insert_node(doc, &id, i, n)?;
            }
        }
    }
    Ok(())
}

fn insert_node(doc: &mut AutoCommit, list: &ObjId, index: usize, node: &Node) -> Result<(), DocError> {
    match node {
        Node::Scalar(s) => doc.insert(list, index, s.clone())?,
        Node::Text(t) => {
            let id = doc.insert_object(list, index, ObjType::Text)?;
            doc.splice_text(&id, 0, 0, t)?;
        }
        Node::Map(entries) => {
            let id = doc.insert_object(list, index, ObjType::Map)?;
            for (k, n) in entries {
                put_node(doc, &id, Prop::Map(k.clone()), n)?;
            }
        }
        Node::List(items) => {
            let id = doc.insert_object(list, index, ObjType::List)?;
            for (i, n) in items.iter().enumerate() {
                insert_node(doc, &id, i, n)?;
            }
        }
    }
    Ok(())
}

/// Splits `threats[1].likelihood` into props, rooted at the document.
fn parse_path(path: &str) -> Result<Vec<Prop>, DocError> {
    let bad = || DocError::BadPath(path.to_string());
    let mut props = Vec::new();
    for (n, segment) in path.split('.').enumerate() {
        let (name, rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if name.is_empty() {
            return Err(bad());
        }
        if n == 0 && !ENVELOPE_KEYS.contains(&name) {
            props.push(Prop::Map("body".into()));
        }
        props.push(Prop::Map(name.into()));
        let mut rest = rest;
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(bad)?;
            let index: usize = rest[1..close].parse().map_err(|_| bad())?;
            props.push(Prop::Seq(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad());
            }
        }
    }
    Ok(props)
}

pub(super) fn resolve(doc: &mut AutoCommit, path: &str, choice: usize) -> Result<(), DocError> {
    let props = parse_path(path)?;
    let (last, parents) = props.split_last().ok_or_else(|| DocError::BadPath(path.into()))?;
    let mut obj = ROOT;
    for p in parents {
        match doc.get(&obj, p.clone())? {
            Some((Value::Object(_), id)) => obj = id,
            _ => return Err(DocError::BadPath(path.into())),
        }
    }
    let all = doc.get_all(&obj, last.clone())?;
    if all.len() < 2 {
        return Err(DocError::NoConflict(path.into()));
    }
    let (value, id) = all.get(choice).ok_or_else(|| DocError::BadPath(format!("{path} (choice {choice})")))?;
    let node = read_node(doc, value, id, 0);
    match last {
        Prop::Seq(i) => {
            // A list slot: replace the element in place.
            match node {
                Node::Scalar(s) => doc.put(&obj, *i, s)?,
                other => {
                    doc.delete(&obj, *i)?;
                    insert_node(doc, &obj, *i, &other)?;
                }
            }
        }
        Prop::Map(_) => put_node(doc, &obj, last.clone(), &node)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_into_props() {
        assert_eq!(
            parse_path("threats[1].likelihood").unwrap(),
            vec![Prop::Map("body".into()), Prop::Map("threats".into()), Prop::Seq(1), Prop::Map("likelihood".into())]
        );
        assert_eq!(parse_path("sensitivity").unwrap(), vec![Prop::Map("sensitivity".into())]);
        assert!(parse_path("threats[x]").is_err());
        assert!(parse_path("").is_err());
        assert!(parse_path("a..b").is_err());
    }
}

#[cfg(test)]
mod deep_tests {
    use super::super::RecordDoc;
    use crate::model::*;
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT};

    /// S2: 20,000 nested maps under an unknown root key (a few hundred KB of changes
    /// from a hostile device) are applied, read, and searched for conflicts on a thread
    /// with a 2 MiB stack, as a phone's sync thread would: no overflow.
    #[test]
    fn a_20000_deep_document_does_not_overflow_a_2_mib_stack() {
        let record = Record::new(
            RecordBody::Session(crate::samples::session_body()),
            CommitteeId::new(),
            DeviceId::new(),
            chrono::Utc::now(),
        );
        let mut hostile = RecordDoc::create(&record, record.created_by).unwrap();
        // A concurrent edit from a second device, so the history is not one chain and
        // the search walks every object.
        let mut side = RecordDoc::load(&hostile.save()).unwrap();
        side.set_device(DeviceId::new());
        side.inner().put(ROOT, "y", 1).unwrap();
        side.inner().commit();
        let mut obj = hostile.inner().put_object(ROOT, "x", ObjType::Map).unwrap();
        for _ in 0..20_000 {
            obj = hostile.inner().put_object(&obj, "a", ObjType::Map).unwrap();
        }
        hostile.inner().commit();
        hostile.merge(&mut side).unwrap();
        let bytes = hostile.save_after(&[]);
        let worker = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let mut doc = RecordDoc::empty();
                doc.apply(&bytes).unwrap();
                let conflicts = doc.conflicts();
                let read = doc.read().unwrap();
                let deep = super::super::limits::nesting_exceeds(doc.inner(), super::super::limits::MAX_NESTING);
                (conflicts.len(), read.id, deep)
            })
            .unwrap();
        let (conflicts, id, deep) = worker.join().expect("the deep document crashed the thread");
        assert_eq!(conflicts, 0);
        assert_eq!(id, record.id);
        assert!(deep);
    }
}
