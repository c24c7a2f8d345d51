//! Conflicts: a field that two devices set concurrently keeps both values (Automerge
//! `get_all`). They are listed with the device that wrote each, and resolved by writing
//! the chosen value anew, which supersedes all of them. Nothing is silently dropped.

use automerge::{transaction::Transactable, AutoCommit, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value, ROOT};
use serde::Serialize;
use serde_json::json;

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
    walk(doc, &ROOT, "", &mut out);
    out
}

fn join(path: &str, prop: &Prop) -> String {
    match prop {
        Prop::Map(k) if path.is_empty() => k.to_string(),
        Prop::Map(k) => format!("{path}.{k}"),
        Prop::Seq(i) => format!("{path}[{i}]"),
    }
}

fn walk(doc: &AutoCommit, obj: &ObjId, path: &str, out: &mut Vec<Conflict>) {
    let props: Vec<Prop> = match doc.object_type(obj) {
        Ok(ObjType::Map) | Ok(ObjType::Table) => doc.keys(obj).map(Prop::Map).collect(),
        Ok(ObjType::List) => (0..doc.length(obj)).map(Prop::Seq).collect(),
        _ => return,
    };
    for prop in props {
        // The body's fields are shown without the `body.` prefix.
        let child_path =
            if obj == &ROOT && prop == Prop::Map("body".into()) { String::new() } else { join(path, &prop) };
        let all = doc.get_all(obj, prop.clone()).unwrap_or_default();
        let ignored = obj == &ROOT && matches!(&prop, Prop::Map(k) if IGNORED.contains(&k.as_str()));
        if all.len() > 1 && !ignored {
            let winner = doc.get(obj, prop.clone()).ok().flatten().map(|(_, id)| id);
            out.push(Conflict {
                path: child_path.clone(),
                values: all
                    .iter()
                    .map(|(v, id)| ConflictValue {
                        value: to_json(doc, v, id),
                        device: author(id),
                        current: winner.as_ref() == Some(id),
                    })
                    .collect(),
            });
        }
        if let Ok(Some((Value::Object(_), id))) = doc.get(obj, prop) {
            walk(doc, &id, &child_path, out);
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

fn to_json(doc: &AutoCommit, v: &Value<'_>, id: &ObjId) -> serde_json::Value {
    match v {
        Value::Scalar(s) => scalar_json(s),
        Value::Object(ObjType::Text) => json!(doc.text(id).unwrap_or_default()),
        Value::Object(ObjType::List) => serde_json::Value::Array(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, cid)| to_json(doc, &v, &cid))
                .collect(),
        ),
        Value::Object(_) => serde_json::Value::Object(
            doc.keys(id)
                .filter_map(|k| doc.get(id, k.as_str()).ok().flatten().map(|(v, cid)| (k, to_json(doc, &v, &cid))))
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

fn read_node(doc: &AutoCommit, v: &Value<'_>, id: &ObjId) -> Node {
    match v {
        Value::Scalar(s) => Node::Scalar(s.as_ref().clone()),
        Value::Object(ObjType::Text) => Node::Text(doc.text(id).unwrap_or_default()),
        Value::Object(ObjType::List) => Node::List(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, cid)| read_node(doc, &v, &cid))
                .collect(),
        ),
        Value::Object(_) => Node::Map(
            doc.keys(id)
                .filter_map(|k| doc.get(id, k.as_str()).ok().flatten().map(|(v, cid)| (k, read_node(doc, &v, &cid))))
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
    let node = read_node(doc, value, id);
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
