//! The benchmark corpus: the realistic generator of `ccs_core::demo::corpus` (moved
//! there so that the demonstration's year of records shares it), and the wire-level
//! form of each generated record the benchmarks push.
//!
//! Records become Automerge documents exactly as a device makes them
//! ([`RecordDoc::create`] by the committee's member device), so sizes on the wire and on
//! disk are the real ones.

pub use ccs_core::demo::corpus::{edit_body, records, CommitteeInfo, Generator};
use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::store::DocHeaderView;
use ccs_core::sync::wire::{DocMeta, DocPush};

/// One generated document: what a device holds and what it pushes.
#[derive(Debug, Clone)]
pub struct GenDoc {
    pub meta: DocMeta,
    pub header: DocHeaderView,
    pub heads: Vec<[u8; 32]>,
    /// The whole document (`save()`): what the first push of a new record carries.
    pub bytes: Vec<u8>,
}

impl GenDoc {
    pub fn from_record(record: &Record) -> anyhow::Result<GenDoc> {
        let mut doc = RecordDoc::create(record, record.created_by)?;
        let heads = doc.heads().iter().map(|h| h.0).collect();
        Ok(GenDoc {
            meta: meta_of(record),
            header: DocHeaderView {
                id: record.id,
                kind: record.kind(),
                committee_id: record.committee_id,
                schema_version: 0,
            },
            heads,
            bytes: doc.save(),
        })
    }

    /// The push of this new document (no acknowledged heads yet).
    pub fn push(&self) -> DocPush {
        DocPush {
            meta: self.meta.clone(),
            acked_heads: Vec::new(),
            heads: self.heads.clone(),
            changes: self.bytes.clone(),
        }
    }
}

/// The routing metadata a device sends with a record.
pub fn meta_of(record: &Record) -> DocMeta {
    let region = match &record.body {
        RecordBody::Committee(c) => Some(c.region.clone()),
        _ => None,
    };
    DocMeta {
        id: *record.id.as_uuid().as_bytes(),
        kind: record.kind().code().into(),
        committee_id: *record.committee_id.0.as_bytes(),
        sensitivity: record.effective_sensitivity().code().into(),
        region,
    }
}
