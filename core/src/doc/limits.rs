//! Bounds on Automerge input from other devices, checked before Automerge reads it.
//!
//! Automerge trusts its input's sizes: a compressed change chunk (type 2) is inflated
//! with no cap, and run-length encoded columns can describe billions of operations in
//! a few bytes, which Automerge then walks one by one. A 30 KB push could thus take
//! the server's memory or minutes of CPU, and every phone in scope would pay the same
//! again on each sync. So, before any byte reaches Automerge:
//! - a compressed chunk is inflated here through a capped reader
//!   ([`ChangeLimits::max_inflated_chunk`]);
//! - the length of every run-length encoded column of a change or of a saved document
//!   (type 0, which Automerge's sync protocol sends to a peer that has nothing) is read
//!   by summing its run lengths, never expanding them, and so are the items its group
//!   columns list (predecessors, successors, dependencies); each is capped per chunk,
//!   and operations (the `action` column) per call;
//! - a saved document's deflated columns are inflated here through the same capped
//!   reader, their total bounded too.
//!
//! Once applied, [`nesting_exceeds`] bounds how deep a document nests: the walks over a
//! document (conflicts, JSON) are bounded too, but a document nested thousands deep has
//! no business in a record, and refusing it at the server keeps it off every phone.

use std::io::Read;

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, Value, ValueRef, ROOT};

use super::{split_chunks, DocError, CHUNK_CHANGE, CHUNK_COMPRESSED_CHANGE, CHUNK_DOCUMENT};

/// Deepest nesting of maps and lists a record may have. A record nests about six deep
/// (root, body, a list, an item, its text); 64 leaves room for any schema to come.
pub const MAX_NESTING: usize = 64;

/// What one call of [`check_changes_with_limits`] may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeLimits {
    /// Largest inflated size of one compressed change chunk, in bytes.
    pub max_inflated_chunk: usize,
    /// Most operations (and, separately, predecessor references) in one change.
    pub max_ops_per_change: u64,
    /// Most operations in all the changes of one call (one pushed document).
    pub max_ops: u64,
}

impl ChangeLimits {
    /// What the server accepts from a device. A record's creation is a few hundred
    /// operations, plus one per character of its texts.
    pub const SERVER: ChangeLimits =
        ChangeLimits { max_inflated_chunk: 16 * 1024 * 1024, max_ops_per_change: 250_000, max_ops: 1_000_000 };

    /// What a device accepts from the server: the same caps.
    pub const DEVICE: ChangeLimits = ChangeLimits::SERVER;
}

/// What the checked bytes hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeStats {
    pub changes: usize,
    pub ops: u64,
    /// Bytes once every compressed chunk is inflated.
    pub inflated_bytes: u64,
}

/// Checks that `bytes` are whole Automerge chunks within `limits`, each with a valid
/// checksum, and says what they hold. Nothing of them reaches Automerge before the
/// caps are checked.
pub fn check_changes_with_limits(bytes: &[u8], limits: &ChangeLimits) -> Result<ChangeStats, DocError> {
    let stats = check_bounds_with_limits(bytes, limits)?;
    for (kind, chunk) in split_chunks(bytes)? {
        if kind == CHUNK_DOCUMENT {
            AutoCommit::load(chunk).map_err(|e| DocError::Corrupt(e.to_string()))?;
        } else {
            automerge::Change::try_from(chunk).map_err(|e| DocError::Corrupt(e.to_string()))?;
        }
    }
    Ok(stats)
}

/// The caps of [`check_changes_with_limits`] alone, without Automerge parsing the
/// chunks: for a caller that parses them strictly right after (a received document
/// loaded once, [`crate::doc::RecordDoc::from_received`]), so they are not parsed twice.
pub fn check_bounds_with_limits(bytes: &[u8], limits: &ChangeLimits) -> Result<ChangeStats, DocError> {
    let mut stats = ChangeStats::default();
    for (kind, chunk) in split_chunks(bytes)? {
        match kind {
            CHUNK_CHANGE | CHUNK_COMPRESSED_CHANGE => {
                let body = chunk_body(chunk)?;
                let inflated;
                let body = if kind == CHUNK_COMPRESSED_CHANGE {
                    inflated = inflate_capped(body, limits.max_inflated_chunk)?;
                    inflated.as_slice()
                } else {
                    body
                };
                let counts = count_ops(body)?;
                if counts.ops > limits.max_ops_per_change || counts.preds > limits.max_ops_per_change {
                    return Err(DocError::TooLarge(format!(
                        "a change of {} operations (longest column {} items); the limit is {}",
                        counts.ops, counts.preds, limits.max_ops_per_change
                    )));
                }
                stats.ops = stats.ops.saturating_add(counts.ops);
                if stats.ops > limits.max_ops {
                    return Err(DocError::TooLarge(format!("more than {} operations at once", limits.max_ops)));
                }
                stats.inflated_bytes = stats.inflated_bytes.saturating_add(body.len() as u64);
                stats.changes += 1;
            }
            CHUNK_DOCUMENT => {
                let body = chunk_body(chunk)?;
                let counts = document_counts(body, limits)?;
                stats.ops = stats.ops.saturating_add(counts.ops);
                if stats.ops > limits.max_ops {
                    return Err(DocError::TooLarge(format!("more than {} operations at once", limits.max_ops)));
                }
                stats.inflated_bytes = stats.inflated_bytes.saturating_add(counts.inflated);
            }
            other => return Err(DocError::Corrupt(format!("unsupported Automerge chunk type {other}"))),
        }
    }
    Ok(stats)
}

/// Whether any object of `doc` (conflicting values included) is nested deeper than
/// `max` maps and lists below the root. Iterative: a hostile depth costs heap, never
/// stack, and the walk stops at the first object too deep.
pub fn nesting_exceeds(doc: &AutoCommit, max: usize) -> bool {
    let mut stack: Vec<(ObjId, usize)> = vec![(ROOT, 0)];
    while let Some((obj, depth)) = stack.pop() {
        // One pass over the object's visible values; only a key or index in conflict is
        // asked for all its values (a losing value can hold an object too). Asking each
        // key for all its values was the server's costliest rule after reading the record.
        let mut children: Vec<ObjId> = Vec::new();
        match doc.object_type(&obj) {
            Ok(ObjType::Map) | Ok(ObjType::Table) => {
                for item in doc.map_range(&obj, ..) {
                    if item.conflict {
                        children.extend(objects_of(doc.get_all(&obj, item.key.as_ref())));
                    } else if let ValueRef::Object(_) = item.value {
                        children.push(item.id());
                    }
                }
            }
            Ok(ObjType::List) => {
                for item in doc.list_range(&obj, ..) {
                    if item.conflict {
                        children.extend(objects_of(doc.get_all(&obj, item.index)));
                    } else if let ValueRef::Object(_) = item.value {
                        children.push(item.id());
                    }
                }
            }
            _ => continue,
        }
        if !children.is_empty() && depth + 1 > max {
            return true;
        }
        stack.extend(children.into_iter().map(|id| (id, depth + 1)));
    }
    false
}

/// The objects among a key's values (all of them, conflicts included).
fn objects_of(values: Result<Vec<(Value<'_>, ObjId)>, automerge::AutomergeError>) -> Vec<ObjId> {
    values
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(value, id)| matches!(value, Value::Object(_)).then_some(id))
        .collect()
}

/// The data of a chunk: what follows its header (magic, checksum, type, length).
fn chunk_body(chunk: &[u8]) -> Result<&[u8], DocError> {
    let mut r = Reader { b: chunk, pos: 9.min(chunk.len()) };
    let len = r.uleb()?;
    r.take(len)
}

fn inflate_capped(deflated: &[u8], cap: usize) -> Result<Vec<u8>, DocError> {
    let mut out = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::DeflateDecoder::new(deflated)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| DocError::Corrupt(format!("compressed change: {e}")))?;
    if out.len() > cap {
        return Err(DocError::TooLarge(format!("a compressed change inflating past {cap} bytes")));
    }
    Ok(out)
}

struct OpCounts {
    ops: u64,
    preds: u64,
}

/// Column specification: id << 4 | deflate << 3 | type.
const ACTION_ID: u64 = 4;
const DEFLATE_BIT: u64 = 0b1000;
const TYPE_GROUP: u64 = 0;
const TYPE_BOOLEAN: u64 = 4;
const TYPE_STRING: u64 = 5;
const TYPE_VALUE_RAW: u64 = 7;

/// Reads a change's body (Automerge binary format, "change chunk") up to its column
/// metadata and measures every column: the operation count is the `action` column's
/// length, and no column may describe more than the per-change cap.
fn count_ops(body: &[u8]) -> Result<OpCounts, DocError> {
    let mut r = Reader { b: body, pos: 0 };
    let deps = r.uleb()?;
    r.take(deps.checked_mul(32).ok_or_else(|| bad("dependencies"))?)?;
    let actor = r.uleb()?;
    r.take(actor)?;
    r.uleb()?; // seq
    r.uleb()?; // start op
    r.sleb()?; // time
    let message = r.uleb()?;
    r.take(message)?;
    let others = r.uleb()?;
    for _ in 0..others {
        let n = r.uleb()?;
        r.take(n)?;
    }
    let specs = column_specs(&mut r)?;
    let mut counts = OpCounts { ops: 0, preds: 0 };
    for (spec, len) in specs {
        let data = r.take(len)?;
        // Deflated columns are refused by Automerge in a change: nothing to count.
        if spec & DEFLATE_BIT != 0 {
            continue;
        }
        let (items, grouped) = column_length(spec, data)?;
        if spec >> 4 == ACTION_ID && spec & 7 != TYPE_GROUP {
            counts.ops = items;
        }
        counts.preds = counts.preds.max(items).max(grouped);
    }
    Ok(counts)
}

struct DocCounts {
    ops: u64,
    inflated: u64,
}

/// Reads a saved document's layout (actors, heads, change columns, operation columns)
/// and measures every column, inflating deflated ones through the capped reader.
fn document_counts(body: &[u8], limits: &ChangeLimits) -> Result<DocCounts, DocError> {
    let mut r = Reader { b: body, pos: 0 };
    let actors = r.uleb()?;
    for _ in 0..actors {
        let n = r.uleb()?;
        r.take(n)?;
    }
    let heads = r.uleb()?;
    r.take(heads.checked_mul(32).ok_or_else(|| bad("heads"))?)?;
    let change_specs = column_specs(&mut r)?;
    let op_specs = column_specs(&mut r)?;
    let mut counts = DocCounts { ops: 0, inflated: 0 };
    let cap = limits.max_ops_per_change.max(limits.max_ops);
    for (is_ops, (spec, len)) in change_specs.iter().map(|s| (false, *s)).chain(op_specs.iter().map(|s| (true, *s))) {
        let data = r.take(len)?;
        let inflated;
        let data = if spec & DEFLATE_BIT != 0 {
            let room = limits.max_inflated_chunk.saturating_sub(usize::try_from(counts.inflated).unwrap_or(usize::MAX));
            inflated = inflate_capped(data, room)?;
            inflated.as_slice()
        } else {
            data
        };
        counts.inflated = counts.inflated.saturating_add(data.len() as u64);
        let (items, grouped) = column_length(spec & !DEFLATE_BIT, data)?;
        if items.max(grouped) > cap {
            return Err(DocError::TooLarge(format!("a saved document with a column of {} items", items.max(grouped))));
        }
        if is_ops && spec >> 4 == ACTION_ID && spec & 7 != TYPE_GROUP {
            counts.ops = items;
        }
    }
    Ok(counts)
}

fn column_specs(r: &mut Reader<'_>) -> Result<Vec<(u64, u64)>, DocError> {
    let columns = r.uleb()?;
    let mut specs = Vec::new();
    for _ in 0..columns {
        specs.push((r.uleb()?, r.uleb()?));
    }
    Ok(specs)
}

/// How many items a column holds, and for a group column how many items its groups
/// list, from its encoding alone (runs are summed, never expanded).
fn column_length(spec: u64, data: &[u8]) -> Result<(u64, u64), DocError> {
    let mut r = Reader { b: data, pos: 0 };
    let mut items: u64 = 0;
    let mut grouped: u64 = 0;
    match spec & 7 {
        TYPE_VALUE_RAW => return Ok((0, 0)),
        TYPE_BOOLEAN => {
            // Alternating run lengths of false and true.
            while !r.done() {
                items = items.saturating_add(r.uleb()?);
            }
        }
        kind => {
            // Run-length encoding: n > 0 repeats one value n times, n < 0 lists -n
            // values, 0 is followed by a count of nulls.
            let value = |r: &mut Reader<'_>| -> Result<u64, DocError> {
                if kind == TYPE_STRING {
                    let n = r.uleb()?;
                    r.take(n)?;
                    Ok(0)
                } else {
                    r.uleb()
                }
            };
            while !r.done() {
                let n = r.sleb()?;
                if n > 0 {
                    let v = value(&mut r)?;
                    items = items.saturating_add(n.unsigned_abs());
                    if kind == TYPE_GROUP {
                        grouped = grouped.saturating_add(n.unsigned_abs().saturating_mul(v));
                    }
                } else if n < 0 {
                    // A literal run: each value is written out, so the loop is bounded
                    // by the bytes.
                    for _ in 0..n.unsigned_abs() {
                        let v = value(&mut r)?;
                        items = items.saturating_add(1);
                        if kind == TYPE_GROUP {
                            grouped = grouped.saturating_add(v);
                        }
                    }
                } else {
                    items = items.saturating_add(r.uleb()?);
                }
            }
        }
    }
    Ok((items, grouped))
}

fn bad(what: &str) -> DocError {
    DocError::Corrupt(format!("not an Automerge change: bad {what}"))
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn byte(&mut self) -> Result<u8, DocError> {
        let b = *self.b.get(self.pos).ok_or_else(|| bad("length"))?;
        self.pos += 1;
        Ok(b)
    }

    fn uleb(&mut self) -> Result<u64, DocError> {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 63 {
                return Err(bad("number"));
            }
            v |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
    }

    fn sleb(&mut self) -> Result<i64, DocError> {
        let mut v: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 63 {
                return Err(bad("number"));
            }
            v |= i64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    v |= -1i64 << shift;
                }
                return Ok(v);
            }
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], DocError> {
        let end = usize::try_from(n).ok().and_then(|n| self.pos.checked_add(n)).filter(|e| *e <= self.b.len());
        let end = end.ok_or_else(|| bad("length"))?;
        let out = &self.b[self.pos..end];
        self.pos = end;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use std::io::Write;

    fn change_with_text(n: usize) -> Vec<u8> {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "summary", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, &"x".repeat(n)).unwrap();
        doc.commit();
        doc.save_after(&[])
    }

    #[test]
    fn real_changes_are_counted_as_automerge_counts_them() {
        for n in [0, 10, 300, 5000] {
            let bytes = change_with_text(n);
            let stats = check_changes_with_limits(&bytes, &ChangeLimits::SERVER).unwrap();
            let change = automerge::Change::try_from(bytes.as_slice()).unwrap();
            assert_eq!(stats.ops, change.len() as u64, "{n} characters");
            assert_eq!(stats.changes, 1);
        }
    }

    #[test]
    fn operation_caps_hold_per_change_and_per_call() {
        let bytes = change_with_text(5000);
        let tight = ChangeLimits { max_ops_per_change: 1000, ..ChangeLimits::SERVER };
        assert!(matches!(check_changes_with_limits(&bytes, &tight), Err(DocError::TooLarge(_))));
        let twice = [bytes.clone(), change_with_text(5000)].concat();
        let per_call = ChangeLimits { max_ops: 6000, ..ChangeLimits::SERVER };
        assert!(check_changes_with_limits(&bytes, &per_call).is_ok());
        assert!(matches!(check_changes_with_limits(&twice, &per_call), Err(DocError::TooLarge(_))));
    }

    /// A compressed chunk whose body inflates to 17 MiB of zeros (a few KB sent).
    #[test]
    fn a_compressed_chunk_inflating_past_the_cap_is_refused() {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 17 * 1024 * 1024]).unwrap();
        let deflated = enc.finish().unwrap();
        assert!(deflated.len() < 64 * 1024);
        let mut chunk = super::super::MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, CHUNK_COMPRESSED_CHANGE]);
        let mut len = deflated.len() as u64;
        loop {
            let b = (len & 0x7f) as u8;
            len >>= 7;
            chunk.push(if len == 0 { b } else { b | 0x80 });
            if len == 0 {
                break;
            }
        }
        chunk.extend(&deflated);
        assert!(matches!(check_changes_with_limits(&chunk, &ChangeLimits::SERVER), Err(DocError::TooLarge(_))));
    }

    #[test]
    fn saved_documents_are_measured_like_changes() {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "summary", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, &"x".repeat(5000)).unwrap();
        doc.commit();
        let saved = doc.save();
        let stats = check_changes_with_limits(&saved, &ChangeLimits::SERVER).unwrap();
        assert_eq!(stats.ops, 5001);
        let tight = ChangeLimits { max_ops_per_change: 1000, max_ops: 1000, ..ChangeLimits::SERVER };
        assert!(matches!(check_changes_with_limits(&saved, &tight), Err(DocError::TooLarge(_))));
    }

    #[test]
    fn nesting_is_measured_without_recursion() {
        let mut doc = AutoCommit::new();
        let mut obj = ROOT;
        for _ in 0..10 {
            obj = doc.put_object(&obj, "a", ObjType::Map).unwrap();
        }
        assert!(!nesting_exceeds(&doc, 10));
        assert!(nesting_exceeds(&doc, 9));
    }

    /// Two devices put different objects at the same key (or list index) offline: the
    /// merged document shows one, but the other is kept, and a hostile member can hide
    /// its depth on the losing side. Whichever side wins, the walk counts both.
    #[test]
    fn nesting_counts_the_losing_side_of_a_conflict() {
        let chain = |doc: &mut AutoCommit, from: &ObjId, levels: usize| {
            let mut obj = from.clone();
            for _ in 0..levels {
                obj = doc.put_object(&obj, "a", ObjType::Map).unwrap();
            }
        };
        for (shallow_actor, deep_actor) in [(1u8, 2u8), (2, 1)] {
            // In a map.
            let mut base = AutoCommit::new();
            base.put(ROOT, "title", "x").unwrap();
            base.commit();
            let mut shallow = base.fork().with_actor(automerge::ActorId::from(vec![shallow_actor; 16]));
            let mut deep = base.fork().with_actor(automerge::ActorId::from(vec![deep_actor; 16]));
            let top = shallow.put_object(ROOT, "x", ObjType::Map).unwrap();
            chain(&mut shallow, &top, 1);
            let top = deep.put_object(ROOT, "x", ObjType::Map).unwrap();
            chain(&mut deep, &top, 11);
            shallow.merge(&mut deep).unwrap();
            assert_eq!(shallow.get_all(ROOT, "x").unwrap().len(), 2, "the two puts conflict");
            assert!(nesting_exceeds(&shallow, 11));
            assert!(!nesting_exceeds(&shallow, 12));

            // In a list.
            let mut base = AutoCommit::new();
            let list = base.put_object(ROOT, "items", ObjType::List).unwrap();
            base.insert(&list, 0, "first").unwrap();
            base.commit();
            let mut shallow = base.fork().with_actor(automerge::ActorId::from(vec![shallow_actor; 16]));
            let mut deep = base.fork().with_actor(automerge::ActorId::from(vec![deep_actor; 16]));
            shallow.put_object(&list, 0, ObjType::Map).unwrap();
            let top = deep.put_object(&list, 0, ObjType::Map).unwrap();
            chain(&mut deep, &top, 10);
            shallow.merge(&mut deep).unwrap();
            assert_eq!(shallow.get_all(&list, 0).unwrap().len(), 2, "the two puts conflict");
            assert!(nesting_exceeds(&shallow, 11));
            assert!(!nesting_exceeds(&shallow, 12));
        }
    }
}
