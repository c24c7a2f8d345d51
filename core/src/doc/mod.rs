//! One Automerge document per record: the layout, reading and writing it, conflicts,
//! history and schema versions.
//!
//! Layout of a document (schema version 1):
//!
//! ```text
//! { schema_version, id, kind, committee_id, created_at, created_by, sensitivity,
//!   updated_at, updated_by, review: [ReviewEvent], copied_from?, body: { kind-specific fields } }
//! ```
//!
//! `copied_from` (added within schema 1: older readers ignore it, older documents lack
//! it and read as `None`) names the record a history-free copy was made from.
//!
//! Every change is made with the writing device's id as the Automerge actor, so the
//! author of any value (and of any conflicting value) is known. Nothing here touches
//! SQLite or the network.

pub mod approval;
mod authors;
mod careful;
pub mod codec;
mod conflicts;
pub mod limits;
mod sync_message;

pub use approval::ApprovalDiff;
pub use authors::changes_by;
pub use sync_message::SyncAnswer;

pub use conflicts::{Conflict, ConflictValue};

use automerge::{transaction::CommitOptions, AutoCommit, ChangeHash, ROOT};
use autosurgeon::{hydrate_prop, reconcile_prop, Hydrate, Reconcile};
use chrono::{DateTime, Utc};

use crate::error_code::ErrorCode;
use crate::model::*;

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("not an Automerge document: {0}")]
    Corrupt(String),
    #[error("document does not hold a record: {0}")]
    Malformed(String),
    #[error("record was written by a newer version of the app (schema {0}); it is read-only")]
    NewerSchema(u64),
    #[error("no conflict at `{0}`")]
    NoConflict(String),
    #[error("unknown field path `{0}`")]
    BadPath(String),
    #[error("the form started from a state this document does not hold: {0}")]
    UnknownHeads(String),
    #[error("internal document error: {0}")]
    Internal(String),
    /// Input past one of the caps of [`limits`] (inflated size, operations, document size).
    #[error("document too large: {0}")]
    TooLarge(String),
    /// A document nested deeper than [`limits::MAX_NESTING`].
    #[error("document nested deeper than {0} levels")]
    TooDeep(usize),
}

impl DocError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DocError::Corrupt(_) => ErrorCode::DocCorrupt,
            DocError::Malformed(_) => ErrorCode::DocMalformed,
            DocError::NewerSchema(_) => ErrorCode::RecordReadOnly,
            DocError::NoConflict(_) => ErrorCode::ConflictNotFound,
            DocError::BadPath(_) => ErrorCode::ConflictBadPath,
            DocError::UnknownHeads(_) => ErrorCode::DraftUnknownBase,
            DocError::Internal(_) => ErrorCode::DocInternal,
            DocError::TooLarge(_) => ErrorCode::DocTooLarge,
            DocError::TooDeep(_) => ErrorCode::DocTooDeep,
        }
    }
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Internal(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for DocError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        DocError::Internal(e.to_string())
    }
}

/// The envelope every record document carries at its root.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
struct Envelope {
    schema_version: u64,
    id: RecordId,
    kind: RecordKind,
    committee_id: CommitteeId,
    #[autosurgeon(with = "codec::string")]
    created_at: DateTime<Utc>,
    created_by: DeviceId,
    sensitivity: Sensitivity,
    #[autosurgeon(with = "codec::string")]
    updated_at: DateTime<Utc>,
    updated_by: DeviceId,
    review: Vec<ReviewEvent>,
    #[autosurgeon(with = "codec::added_opt_string")]
    copied_from: Option<RecordId>,
}

/// What identifies a document, readable even when the rest is not (newer schema,
/// invalid body): enough to file, route and list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocHeader {
    pub id: RecordId,
    pub kind: RecordKind,
    pub committee_id: CommitteeId,
    pub schema_version: u64,
}

/// One entry of a document's history: who changed it and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    pub hash: String,
    pub device: Option<DeviceId>,
    pub at: Option<DateTime<Utc>>,
    pub message: Option<String>,
}

/// A record's Automerge document.
pub struct RecordDoc {
    doc: AutoCommit,
}

fn seconds(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

impl RecordDoc {
    /// A new document holding `record`, written by `device`.
    pub fn create(record: &Record, device: DeviceId) -> Result<RecordDoc, DocError> {
        let mut doc = AutoCommit::new().with_actor(device.actor());
        write(&mut doc, record)?;
        doc.commit_with(CommitOptions::default().with_message("create").with_time(seconds(record.updated_at)));
        Ok(RecordDoc { doc })
    }

    /// A document holding `record` and nothing else: one change by `device`, with no
    /// history of any other document, so whoever receives it can read the current
    /// state only. This is how a record is declassified or purged (a document never
    /// forgets, so what must go cannot be removed from the old one): `record` carries a
    /// new id and `copied_from` names the old one.
    pub fn history_free_copy(record: &Record, device: DeviceId) -> Result<RecordDoc, DocError> {
        let Some(original) = record.copied_from else {
            return Err(DocError::Malformed("a copy names the record it copies".into()));
        };
        if original == record.id {
            return Err(DocError::Malformed("a copy has an id of its own".into()));
        }
        let mut doc = AutoCommit::new().with_actor(device.actor());
        write(&mut doc, record)?;
        doc.commit_with(CommitOptions::default().with_message("copy").with_time(seconds(record.updated_at)));
        Ok(RecordDoc { doc })
    }

    /// The record this document is a copy of, read from its envelope alone (cheap,
    /// and readable whatever the body holds).
    pub fn copied_from(&self) -> Option<RecordId> {
        codec::added_opt_string::hydrate(&self.doc, &ROOT, "copied_from".into()).ok().flatten()
    }

    /// Loads saved bytes (a full save, or concatenated changes).
    pub fn load(bytes: &[u8]) -> Result<RecordDoc, DocError> {
        AutoCommit::load(bytes).map(|doc| RecordDoc { doc }).map_err(|e| DocError::Corrupt(e.to_string()))
    }

    /// Loads bytes this device stored itself (a base and its increments): the store's
    /// pages are authenticated by SQLCipher, so Automerge's re-hashing of every change
    /// to check the heads is skipped. Bytes from elsewhere go through [`RecordDoc::load`]
    /// or [`RecordDoc::apply`].
    pub fn load_stored(bytes: &[u8]) -> Result<RecordDoc, DocError> {
        let options = automerge::LoadOptions::new().verification_mode(automerge::VerificationMode::DontCheck);
        AutoCommit::load_with_options(bytes, options)
            .map(|doc| RecordDoc { doc })
            .map_err(|e| DocError::Corrupt(e.to_string()))
    }

    /// Whether every one of `heads` is a change of this document.
    pub fn knows(&mut self, heads: &[ChangeHash]) -> bool {
        heads.iter().all(|h| self.doc.get_change_by_hash(h).is_some())
    }

    /// Whether the history up to `later` holds every one of `earlier`: moving an
    /// acknowledgement from `earlier` to `later` goes forward, never back (a relay
    /// receipt older than a later acknowledgement must not undo it). Heads this document
    /// does not hold: false.
    pub fn history_holds(&mut self, later: &[ChangeHash], earlier: &[ChangeHash]) -> bool {
        if !self.knows(later) || !self.knows(earlier) {
            return false;
        }
        let after: std::collections::HashSet<ChangeHash> =
            self.doc.get_changes(later).iter().map(|c| c.hash()).collect();
        earlier.iter().all(|h| !after.contains(h))
    }

    /// An empty document, to receive changes for a record not seen before.
    pub fn empty() -> RecordDoc {
        RecordDoc { doc: AutoCommit::new() }
    }

    pub fn set_device(&mut self, device: DeviceId) {
        self.doc.set_actor(device.actor());
    }

    pub fn header(&self) -> Result<DocHeader, DocError> {
        let get = |key: &str| -> Result<String, DocError> {
            hydrate_prop::<_, String, _, _>(&self.doc, ROOT, key)
                .map_err(|e| DocError::Malformed(format!("{key}: {e}")))
        };
        let schema_version: u64 = hydrate_prop(&self.doc, ROOT, "schema_version")
            .map_err(|e| DocError::Malformed(format!("schema_version: {e}")))?;
        let id = get("id")?.parse().map_err(|_| DocError::Malformed("id".into()))?;
        let kind = get("kind")?.parse().map_err(|e: UnknownCode| DocError::Malformed(e.to_string()))?;
        let committee_id = get("committee_id")?.parse().map_err(|_| DocError::Malformed("committee_id".into()))?;
        Ok(DocHeader { id, kind, committee_id, schema_version })
    }

    /// The record the document holds. A newer schema is reported as
    /// [`DocError::NewerSchema`]: the caller keeps the bytes and shows the header.
    pub fn read(&self) -> Result<Record, DocError> {
        let header = self.header()?;
        if header.schema_version > SCHEMA_VERSION {
            return Err(DocError::NewerSchema(header.schema_version));
        }
        let env: Envelope = autosurgeon::hydrate(&self.doc).map_err(|e| DocError::Malformed(e.to_string()))?;
        let bad = |e: autosurgeon::HydrateError| DocError::Malformed(format!("body: {e}"));
        let body = match env.kind {
            RecordKind::Session => RecordBody::Session(hydrate_prop(&self.doc, ROOT, "body").map_err(bad)?),
            RecordKind::Assessment => RecordBody::Assessment(hydrate_prop(&self.doc, ROOT, "body").map_err(bad)?),
            RecordKind::Workshop => RecordBody::Workshop(hydrate_prop(&self.doc, ROOT, "body").map_err(bad)?),
            RecordKind::Recommendation => {
                RecordBody::Recommendation(hydrate_prop(&self.doc, ROOT, "body").map_err(bad)?)
            }
            RecordKind::Committee => RecordBody::Committee(hydrate_prop(&self.doc, ROOT, "body").map_err(bad)?),
        };
        Ok(Record {
            id: env.id,
            committee_id: env.committee_id,
            // Read as the current version: an older document is upgraded on its next write.
            schema_version: SCHEMA_VERSION.max(env.schema_version),
            created_at: env.created_at,
            created_by: env.created_by,
            updated_at: env.updated_at,
            updated_by: env.updated_by,
            sensitivity: env.sensitivity,
            review: env.review,
            copied_from: env.copied_from,
            body,
        })
    }

    /// Writes `record` over the document as one change by the current device. Only the
    /// differences become operations (autosurgeon reconciles field by field, text by
    /// characters, lists by item id). Returns false when nothing changed.
    pub fn update(&mut self, record: &Record, message: &str) -> Result<bool, DocError> {
        let header = self.header()?;
        if header.schema_version > SCHEMA_VERSION {
            return Err(DocError::NewerSchema(header.schema_version));
        }
        write(&mut self.doc, record)?;
        let hash =
            self.doc.commit_with(CommitOptions::default().with_message(message).with_time(seconds(record.updated_at)));
        Ok(hash.is_some())
    }

    /// The document as it was at `base` (the heads a form started from), to write an
    /// edit that the form made without seeing what was merged since. Writing into the
    /// fork and [`RecordDoc::merge`]-ing it back makes the edit concurrent with those
    /// merges: a field only the form changed takes the form's value, a field only a
    /// colleague changed keeps the colleague's, and a field both changed keeps both
    /// values as a conflict (`get_all`), never a silent overwrite.
    ///
    /// The fork also holds this device's own latest change (and what it depends on): an
    /// Automerge actor's changes form one line with increasing sequence and operation
    /// numbers, so the device's next change must come after all of its earlier ones. A
    /// form's own saves advance its base, so this only matters when the device wrote
    /// something else on the record after the form opened.
    pub fn fork_at(&mut self, base: &[ChangeHash]) -> Result<RecordDoc, DocError> {
        let mut heads = base.to_vec();
        if let Some(own) = self.doc.get_last_local_change() {
            heads.push(own.hash());
        }
        let unknown: Vec<String> =
            heads.iter().filter(|h| self.doc.get_change_by_hash(h).is_none()).map(|h| h.to_string()).collect();
        if !unknown.is_empty() {
            return Err(DocError::UnknownHeads(unknown.join(", ")));
        }
        heads.sort();
        heads.dedup();
        let mut fork = if heads == self.heads() { self.doc.fork() } else { self.doc.fork_at(&heads)? };
        fork.set_actor(self.doc.get_actor().clone());
        Ok(RecordDoc { doc: fork })
    }

    /// The record exactly as it was at `heads`, nothing added (what a form saw).
    pub fn read_at(&mut self, heads: &[ChangeHash]) -> Result<Record, DocError> {
        let unknown: Vec<String> =
            heads.iter().filter(|h| self.doc.get_change_by_hash(h).is_none()).map(|h| h.to_string()).collect();
        if !unknown.is_empty() {
            return Err(DocError::UnknownHeads(unknown.join(", ")));
        }
        RecordDoc { doc: self.doc.fork_at(heads)? }.read()
    }

    /// Brings the changes of `other` (a fork of this document) into it.
    pub fn merge(&mut self, other: &mut RecordDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        let mut h = self.doc.get_heads();
        h.sort();
        h
    }

    /// The compacted document.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made after `heads`, ready to send.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// A document this device did not hold, from changes (or a whole saved document)
    /// received from elsewhere: the same checks as [`RecordDoc::apply`] on an empty
    /// document, with the bytes parsed once. A first sync is mostly new documents, and
    /// parsing each twice (the checks, then the load) was a fifth of its time.
    pub fn from_received(bytes: &[u8]) -> Result<RecordDoc, DocError> {
        limits::check_bounds_with_limits(bytes, &limits::ChangeLimits::DEVICE)?;
        let chunks = split_chunks(bytes)?;
        if chunks.iter().all(|(kind, _)| *kind != CHUNK_DOCUMENT) {
            // Changes (what a server's log and a relay bundle hold): each parsed, then
            // applied onto an empty document, which costs a third less than Automerge's
            // load of the same bytes. Strict: one chunk that does not parse fails the
            // whole document. Changes whose dependencies are missing wait in Automerge's
            // queue, as with [`RecordDoc::apply`], and the caller sets them aside.
            let changes = chunks.into_iter().map(|(_, chunk)| parse_change(chunk)).collect::<Result<Vec<_>, _>>()?;
            let mut doc = RecordDoc::empty();
            doc.apply_parsed(changes)?;
            return Ok(doc);
        }
        // Strict: a chunk that does not parse fails the whole load, where applying onto
        // an empty document would keep the chunks before it.
        match AutoCommit::load(bytes) {
            Ok(doc) => Ok(RecordDoc { doc }),
            // Changes whose dependencies are missing also fail a strict load: the
            // ordinary way tells them from damage (they wait in Automerge's queue, and
            // the caller sets them aside as such).
            Err(_) => {
                let mut d = RecordDoc::empty();
                d.apply(bytes)?;
                Ok(d)
            }
        }
    }

    /// Applies changes (or a whole saved document) received from elsewhere. Idempotent:
    /// changes already present are ignored.
    pub fn apply(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        check_changes(bytes)?;
        self.apply_checked(bytes)
    }

    /// [`RecordDoc::apply`] for bytes that already passed [`check_changes`] or a stricter
    /// check ([`limits::check_changes_with_limits`]): the sync server checks every push
    /// once, with its own caps, before anything else, and checking again cost a parse
    /// of every change of every push.
    pub fn apply_checked(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        self.doc.load_incremental(bytes).map(|_| ()).map_err(|e| DocError::Corrupt(e.to_string()))
    }

    /// [`RecordDoc::apply_checked`] for changes the caller already parsed with
    /// [`parse_change`] (which checks their checksums) from bytes within the caps: the
    /// sync server parses each pushed change once, and applying parsed changes skips a
    /// second parse of each. Changes whose dependencies are missing wait in Automerge's
    /// queue, as with [`RecordDoc::apply`].
    pub fn apply_parsed(&mut self, changes: Vec<automerge::Change>) -> Result<(), DocError> {
        self.doc.apply_changes(changes).map_err(|e| DocError::Corrupt(e.to_string()))
    }

    /// Who changed the document and when, in causal order (a change after those it saw).
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        let out: Vec<HistoryEntry> = self
            .doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|m| HistoryEntry {
                hash: m.hash.to_string(),
                device: DeviceId::from_actor(&m.actor),
                at: DateTime::from_timestamp(m.timestamp, 0),
                message: m.message.map(|s| s.to_string()),
            })
            .collect();
        // Automerge lists changes in causal order: keep it (timestamps are seconds and
        // device clocks drift, so sorting by time could put an edit before its creation).
        out
    }

    /// Every field with more than one concurrent value.
    pub fn conflicts(&mut self) -> Vec<Conflict> {
        // Two values of one field need two changes neither of which saw the other: a
        // history that is one chain has none, and telling so reads only the change
        // graph. Most records are one chain (made and edited on one device, then
        // reviewed), so the walk over every field is kept for the others.
        if self.history_is_chain() {
            return Vec::new();
        }
        conflicts::find(&self.doc)
    }

    /// Whether the changes form one chain, each after all the others before it: no
    /// change has two dependencies, one change has none, and no change is the
    /// dependency of two. Uncommitted operations (none in a stored document) say no:
    /// reading the change graph would commit them.
    ///
    /// One crafted change could still set a field twice, the second not superseding the
    /// first; the walk would list that as a conflict and this does not. What it hides is
    /// its own author's doing, who could as well have written the value outright.
    fn history_is_chain(&mut self) -> bool {
        if automerge::transaction::Transactable::pending_ops(&self.doc) > 0 {
            return false;
        }
        let metas = self.doc.get_changes_meta(&[]);
        let mut roots = 0;
        let mut seen = std::collections::HashSet::with_capacity(metas.len());
        for m in &metas {
            match m.deps.as_slice() {
                [] => roots += 1,
                [dep] if seen.insert(*dep) => {}
                _ => return false,
            }
        }
        roots == 1
    }

    /// Resolves the conflict at `path` by writing the chosen value anew, which
    /// supersedes every concurrent value.
    pub fn resolve(&mut self, path: &str, choice: usize, now: DateTime<Utc>) -> Result<(), DocError> {
        conflicts::resolve(&mut self.doc, path, choice)?;
        self.doc.commit_with(CommitOptions::default().with_message(format!("resolve {path}")).with_time(seconds(now)));
        Ok(())
    }

    pub fn inner(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }
}

fn write(doc: &mut AutoCommit, record: &Record) -> Result<(), DocError> {
    let env = Envelope {
        schema_version: SCHEMA_VERSION.max(record.schema_version),
        id: record.id,
        kind: record.kind(),
        committee_id: record.committee_id,
        created_at: record.created_at,
        created_by: record.created_by,
        sensitivity: record.sensitivity,
        updated_at: record.updated_at,
        updated_by: record.updated_by,
        review: record.review.clone(),
        copied_from: record.copied_from,
    };
    // Only what differs from what the document shows is written (see `careful`).
    let doc = &mut careful::Careful(doc);
    autosurgeon::reconcile(doc, &env)?;
    match &record.body {
        RecordBody::Session(b) => reconcile_prop(doc, ROOT, "body", b)?,
        RecordBody::Assessment(b) => reconcile_prop(doc, ROOT, "body", b)?,
        RecordBody::Workshop(b) => reconcile_prop(doc, ROOT, "body", b)?,
        RecordBody::Recommendation(b) => reconcile_prop(doc, ROOT, "body", b)?,
        RecordBody::Committee(b) => reconcile_prop(doc, ROOT, "body", b)?,
    }
    Ok(())
}

/// The chunk types of Automerge's binary format.
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED_CHANGE: u8 = 2;
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// One change chunk (plain or compressed) parsed as Automerge's own load parses it,
/// its checksum checked too: `Change::try_from` alone accepts a change whose bytes were
/// damaged (it is then another change, with another hash), where a load refuses it.
pub fn parse_change(chunk: &[u8]) -> Result<automerge::Change, DocError> {
    let change = automerge::Change::try_from(chunk).map_err(|e| DocError::Corrupt(e.to_string()))?;
    // The checksum (bytes 4 to 8 of a chunk) is the first 4 bytes of the change's hash,
    // for a compressed chunk as for a plain one.
    if chunk.get(4..8) != Some(&change.hash().0[..4]) {
        return Err(DocError::Corrupt("a change whose checksum does not match its bytes".into()));
    }
    Ok(change)
}

/// Splits bytes into Automerge chunks (header: magic, checksum, type, LEB128 length)
/// without interpreting them. Fails on anything that is not a sequence of whole chunks.
pub fn split_chunks(bytes: &[u8]) -> Result<Vec<(u8, &[u8])>, DocError> {
    let bad = |why: &str| DocError::Corrupt(format!("not Automerge changes: {why}"));
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        if bytes.len() < pos + 9 || bytes[pos..pos + 4] != MAGIC {
            return Err(bad("bad chunk header"));
        }
        let kind = bytes[pos + 8];
        pos += 9;
        let mut len: u64 = 0;
        let mut shift = 0;
        loop {
            let b = *bytes.get(pos).ok_or_else(|| bad("truncated length"))?;
            pos += 1;
            if shift > 56 {
                return Err(bad("length too long"));
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(len).ok().and_then(|l| pos.checked_add(l)).filter(|e| *e <= bytes.len());
        let end = end.ok_or_else(|| bad("truncated chunk"))?;
        out.push((kind, &bytes[start..end]));
        pos = end;
    }
    Ok(out)
}

/// Checks that `bytes` parse entirely as Automerge changes or saved documents, each
/// with a valid checksum, within the caps a device applies ([`limits::ChangeLimits::DEVICE`]:
/// inflated size, operation counts). Automerge's own incremental load keeps what parses
/// and drops the rest silently; input from another device must be refused whole instead.
/// The server uses [`limits::check_changes_with_limits`] with its own caps.
pub fn check_changes(bytes: &[u8]) -> Result<(), DocError> {
    limits::check_changes_with_limits(bytes, &limits::ChangeLimits::DEVICE).map(|_| ())
}

/// Heads as stored: sorted 32-byte hashes, concatenated.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, DocError> {
    if !bytes.len().is_multiple_of(32) {
        return Err(DocError::Corrupt("heads".into()));
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut a = [0u8; 32];
            a.copy_from_slice(c);
            ChangeHash(a)
        })
        .collect())
}

/// Heads as the app's screens carry them: hex strings.
pub fn heads_to_hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(|h| h.to_string()).collect()
}

/// Heads from hex strings (what a form sends back), refused when not change hashes.
pub fn heads_from_hex(hex: &[String]) -> Result<Vec<ChangeHash>, DocError> {
    hex.iter()
        .map(|h| h.parse::<ChangeHash>().map_err(|_| DocError::UnknownHeads(h.chars().take(80).collect())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conflict search skips documents whose history is one chain: a conflict made
    /// by two devices must still be found after later edits on top of the merge leave
    /// one head and one device again, and a history-free chain has none.
    #[test]
    fn a_conflict_is_found_under_later_edits_and_a_chain_has_none() {
        let mut record = sample();
        let mut a = RecordDoc::create(&record, record.created_by).unwrap();
        a.update(&record, "edit").unwrap();
        assert!(a.history_is_chain());
        assert!(a.conflicts().is_empty());

        let mut b = RecordDoc::load(&a.save()).unwrap();
        b.set_device(DeviceId::new());
        let mut theirs = record.clone();
        if let RecordBody::Recommendation(r) = &mut theirs.body {
            r.priority = Priority::High;
        }
        b.update(&theirs, "edit").unwrap();
        if let RecordBody::Recommendation(r) = &mut record.body {
            r.priority = Priority::Low;
        }
        a.update(&record, "edit").unwrap();
        a.merge(&mut b).unwrap();
        // One more edit of another field on top, from the merged record as shown (the
        // value that wins the conflict): one head again.
        let mut shown = a.read().unwrap();
        if let RecordBody::Recommendation(r) = &mut shown.body {
            r.evidence = "Procès-verbal".into();
        }
        a.update(&shown, "edit").unwrap();
        assert_eq!(a.heads().len(), 1);
        assert!(!a.history_is_chain());
        let conflicts = a.conflicts();
        assert_eq!(conflicts.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(), vec!["priority"]);
        // Loaded again from its bytes, as the store does.
        assert_eq!(RecordDoc::load_stored(&a.save()).unwrap().conflicts(), conflicts);
    }

    fn sample() -> Record {
        let body = RecordBody::Recommendation(Recommendation {
            origin: None,
            made_on: "2026-11-01".parse().unwrap(),
            text: "Éclairer le marché".into(),
            addressee: Addressee::MayorCouncil,
            fds_corps: None,
            domain: RecommendationDomain::Infrastructure,
            priority: Priority::Medium,
            responsible: "Maire".into(),
            due_date: None,
            status_history: vec![],
            evidence: String::new(),
        });
        Record::new(body, CommitteeId::new(), DeviceId::new(), Utc::now())
    }

    #[test]
    fn incremental_changes_pass_the_strict_check() {
        let record = sample();
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        let heads = d.heads();
        let mut edited = record.clone();
        if let RecordBody::Recommendation(r) = &mut edited.body {
            r.text = "Éclairer le marché et la gare routière".into();
        }
        assert!(d.update(&edited, "edit").unwrap());
        let changes = d.save_after(&heads);
        check_changes(&changes).unwrap();
        check_changes(&d.save()).unwrap();
        assert!(check_changes(b"\x85\x6f\x4a\x83garbage").is_err());
        let mut truncated = changes.clone();
        truncated.truncate(changes.len() / 2);
        assert!(check_changes(&truncated).is_err());
    }

    #[test]
    fn unchanged_record_makes_no_change() {
        let record = sample();
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        let again = d.read().unwrap();
        assert_eq!(again, record);
        assert!(!d.update(&again, "noop").unwrap());
    }

    /// Every string any change of `bytes` ever wrote, deleted or overwritten ones
    /// included, in change order (text is written character by character).
    fn every_string_written(bytes: &[u8]) -> String {
        let mut doc = AutoCommit::load(bytes).unwrap();
        let mut out = String::new();
        for change in doc.get_changes(&[]) {
            for op in change.decode().operations {
                if let automerge::legacy::OpType::Put(automerge::ScalarValue::Str(s)) = op.action {
                    out.push_str(&s);
                }
            }
        }
        out
    }

    #[test]
    fn a_history_free_copy_holds_one_change_and_none_of_the_old_text() {
        let record = sample();
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        let mut edited = record.clone();
        if let RecordBody::Recommendation(r) = &mut edited.body {
            r.text = "Le capitaine Diallo a frappé un berger".into();
        }
        d.update(&edited, "edit").unwrap();
        if let RecordBody::Recommendation(r) = &mut edited.body {
            r.text = "Éclairer le marché".into();
        }
        d.update(&edited, "edit").unwrap();
        // The old document keeps the allegation for good, though no longer shown.
        let hashes: Vec<ChangeHash> = d.inner().get_changes(&[]).iter().map(|c| c.hash()).collect();
        let mut past = d.inner().fork_at(&[hashes[1]]).unwrap();
        let past = RecordDoc::load(&past.save()).unwrap().read().unwrap();
        assert!(matches!(&past.body, RecordBody::Recommendation(r) if r.text.contains("Diallo")));

        let device = DeviceId::new();
        let copy = Record { id: RecordId::new(), copied_from: Some(record.id), ..d.read().unwrap() };
        let mut c = RecordDoc::history_free_copy(&copy, device).unwrap();
        let history = c.history();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].device, Some(device));
        assert_eq!(c.read().unwrap(), copy);
        assert_eq!(c.copied_from(), Some(record.id));
        for bytes in [c.save(), c.save_after(&[])] {
            let written = every_string_written(&bytes);
            assert!(written.contains("Éclairer"));
            assert!(!written.contains("Diallo"));
        }
        assert!(RecordDoc::history_free_copy(&Record { copied_from: None, ..copy.clone() }, device).is_err());
    }

    /// What a device receives for a record it lacks: changes (a server's log), a saved
    /// document, changes missing their base, or damage. Changes are applied as parsed
    /// (the first sync's fast way); every case must end as Automerge's own load does.
    #[test]
    fn a_received_document_is_the_one_its_bytes_make_whatever_their_form() {
        let record = sample();
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        let base = d.heads();
        let mut edited = record.clone();
        if let RecordBody::Recommendation(r) = &mut edited.body {
            r.text = "Éclairer le marché et la route de Tonka".into();
        }
        assert!(d.update(&edited, "edit").unwrap());
        for bytes in [d.save_after(&[]), d.save()] {
            let mut got = RecordDoc::from_received(&bytes).unwrap();
            assert_eq!(got.heads(), d.heads());
            assert_eq!(got.read().unwrap(), d.read().unwrap());
        }
        // The edit alone, without its base: nothing of it applies, as with Automerge's
        // own way of applying received bytes.
        let mut orphan = RecordDoc::from_received(&d.save_after(&base)).unwrap();
        let mut ordinary = RecordDoc::empty();
        ordinary.apply(&d.save_after(&base)).unwrap();
        assert!(orphan.heads().is_empty() && ordinary.heads().is_empty());
        assert!(orphan.read().is_err());
        // One damaged byte in the second change fails the whole document, not only it.
        let first = d.save_after(&[]).len() - d.save_after(&base).len();
        let mut damaged = d.save_after(&[]);
        let at = first + (damaged.len() - first) / 2;
        damaged[at] ^= 0x55;
        assert!(RecordDoc::from_received(&damaged).is_err());
        assert!(AutoCommit::load(&damaged).is_err(), "Automerge's load refuses it too");
        // A long text makes a compressed change chunk: its checksum is checked as well.
        if let RecordBody::Recommendation(r) = &mut edited.body {
            r.text = (0..3000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
        }
        let before = d.heads();
        assert!(d.update(&edited, "long").unwrap());
        let mut long = parse_change(&d.save_after(&before)).unwrap();
        let long = long.bytes().to_vec();
        assert_eq!(split_chunks(&long).unwrap()[0].0, CHUNK_COMPRESSED_CHANGE);
        let all = [d.save_after(&[])[..d.save_after(&[]).len() - d.save_after(&before).len()].to_vec(), long].concat();
        assert_eq!(RecordDoc::from_received(&all).unwrap().read().unwrap(), d.read().unwrap());
        let mut damaged = all.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 0x55;
        assert!(RecordDoc::from_received(&damaged).is_err());
    }

    #[test]
    fn a_document_without_lineage_reads_as_no_copy() {
        use automerge::transaction::Transactable;
        let record = sample();
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        d.inner().delete(ROOT, "copied_from").unwrap();
        assert_eq!(d.read().unwrap().copied_from, None);
        assert_eq!(d.copied_from(), None);
    }

    #[test]
    fn heads_round_trip_through_bytes() {
        let record = sample();
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        let heads = d.heads();
        assert_eq!(decode_heads(&encode_heads(&heads)).unwrap(), heads);
        assert!(decode_heads(&[1, 2, 3]).is_err());
    }
}
