//! Frame format 2 of the sync round: the same [`SyncRequest`] and [`SyncResponse`],
//! without what the other side already knows or can do without.
//!
//! Format 1 sends each document with its routing written out (a 16-byte committee id,
//! the kind and sensitivity as words) and, in a push, the acknowledged and new heads
//! (two 32-byte hashes): about 84 bytes a document that deflate cannot shrink, as much
//! as a small edit's changes. Format 2:
//! - names each committee once per frame in a table and refers to it by index, and
//!   kinds, sensitivities, regions and refusal codes likewise in a table of words;
//! - leaves the heads of a push on the device: the server never reads them (it computes
//!   a document's heads from the changes it files), and the device keeps its request
//!   to read the answer, so a request decoded from format 2 has empty heads;
//! - answers the push results in the request's order, without repeating the ids, when
//!   they come one per push in that order (as the server gives them), with the ids
//!   otherwise;
//! - gives each entry's sequence number as the step from the previous one;
//! - lets the device ask for a page size (the server caps it), so a good link takes
//!   few large pages.
//!
//! Versions: a device writes format 2 and the server answers in the format it was asked
//! in, so an old device (format 1) is answered in format 1; an old server refuses
//! format 2 with `wire.unsupported_version`, and the device asks again in format 1 for
//! the rest of the sync ([`crate::sync::session::Session::fall_back`]). Everything read
//! from the wire is checked: an index past its table, a count that does not fit, a
//! trailing byte are `wire.malformed`; sizes stay bounded by the frame's
//! ([`super::wire::MAX_FRAME_BYTES`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::wire::{
    frame, open, read_payload, DocMeta, DocPush, LogEntry, PushResult, SyncRequest, SyncResponse, WireError,
    FORMAT_VERSION,
};

/// The compact format of the sync round.
pub const FORMAT_V2: u8 = 2;
/// The formats of the sync round this build reads, oldest first.
pub const SYNC_VERSIONS: &[u8] = &[FORMAT_VERSION, FORMAT_V2];

/// A sync request as the server reads it, with what came beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedRequest {
    pub request: SyncRequest,
    /// The format it came in: the answer goes back in the same one.
    pub version: u8,
    /// The page size the device asks for (format 2), before the server's cap.
    pub page_bytes: Option<u32>,
}

/// Words and committees named once per frame, referred to by index.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Tables {
    words: Vec<String>,
    committees: Vec<[u8; 16]>,
}

#[derive(Default)]
struct Interner {
    tables: Tables,
    words: HashMap<String, u32>,
    committees: HashMap<[u8; 16], u32>,
}

impl Interner {
    fn word(&mut self, w: &str) -> u32 {
        if let Some(i) = self.words.get(w) {
            return *i;
        }
        let i = self.tables.words.len() as u32;
        self.tables.words.push(w.to_string());
        self.words.insert(w.to_string(), i);
        i
    }

    fn committee(&mut self, c: &[u8; 16]) -> u32 {
        if let Some(i) = self.committees.get(c) {
            return *i;
        }
        let i = self.tables.committees.len() as u32;
        self.tables.committees.push(*c);
        self.committees.insert(*c, i);
        i
    }

    fn meta(&mut self, metas: &mut Metas, m: &DocMeta) {
        metas.ids.push(m.id);
        let kind = self.word(&m.kind);
        metas.kinds.push(kind);
        let committee = self.committee(&m.committee_id);
        metas.committees.push(committee);
        let sensitivity = self.word(&m.sensitivity);
        metas.sensitivities.push(sensitivity);
        let region = m.region.as_deref().map(|r| self.word(r));
        metas.regions.push(region);
    }
}

impl Tables {
    fn word(&self, i: u32) -> Result<String, WireError> {
        self.words.get(i as usize).cloned().ok_or_else(|| malformed(format!("word {i} past the table")))
    }

    /// The `n` documents of `m`, every column checked against `n` and every index
    /// against its table.
    fn metas(&self, m: Metas, n: usize) -> Result<Vec<DocMeta>, WireError> {
        let lengths = [m.ids.len(), m.kinds.len(), m.committees.len(), m.sensitivities.len(), m.regions.len()];
        if lengths.iter().any(|l| *l != n) {
            return Err(malformed(format!("routing columns of {lengths:?} for {n} documents")));
        }
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let committee = m.committees[i];
            let committee_id = *self
                .committees
                .get(committee as usize)
                .ok_or_else(|| malformed(format!("committee {committee} past the table")))?;
            out.push(DocMeta {
                id: m.ids[i],
                kind: self.word(m.kinds[i])?,
                committee_id,
                sensitivity: self.word(m.sensitivities[i])?,
                region: m.regions[i].map(|r| self.word(r)).transpose()?,
            });
        }
        Ok(out)
    }
}

fn malformed(why: String) -> WireError {
    WireError::Malformed(why)
}

/// The routing of a frame's documents, column by column (ids together, kinds together,
/// ...): deflate then finds the repeated indexes and the similar changes side by side
/// instead of between random ids. Every column has one value per document.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Metas {
    ids: Vec<[u8; 16]>,
    kinds: Vec<u32>,
    committees: Vec<u32>,
    sensitivities: Vec<u32>,
    regions: Vec<Option<u32>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    epoch: Option<[u8; 16]>,
    cursor: u64,
    page_bytes: Option<u32>,
    tables: Tables,
    metas: Metas,
    /// One per document of `metas`, in order.
    changes: Vec<Vec<u8>>,
}

/// The push results: one per push in the request's order (the refusal's word, if
/// any), or listed with their ids.
#[derive(Debug, Serialize, Deserialize)]
enum Results {
    InOrder(Vec<Option<u32>>),
    Listed(Vec<([u8; 16], Option<u32>)>),
}

#[derive(Debug, Serialize, Deserialize)]
struct Response {
    epoch: [u8; 16],
    repair_needed: bool,
    tables: Tables,
    results: Results,
    /// Per entry, the step from the previous entry's sequence number (from 0 for the
    /// first); then the entries' routing and changes, column by column.
    seq_steps: Vec<u64>,
    metas: Metas,
    changes: Vec<Vec<u8>>,
    cursor: u64,
    more: bool,
}

/// A sync request as a frame of `version` (1 or 2; format 1 cannot carry `page_bytes`).
pub fn encode_sync_request(request: &SyncRequest, version: u8, page_bytes: Option<u32>) -> Vec<u8> {
    if version != FORMAT_V2 {
        return super::wire::encode(request);
    }
    let mut interner = Interner::default();
    let mut metas = Metas::default();
    for p in &request.push {
        interner.meta(&mut metas, &p.meta);
    }
    let changes = request.push.iter().map(|p| p.changes.clone()).collect();
    let compact =
        Request { epoch: request.epoch, cursor: request.cursor, page_bytes, tables: interner.tables, metas, changes };
    frame(FORMAT_V2, &postcard::to_stdvec(&compact).unwrap_or_default())
}

/// A sync request in either format. From format 2, pushes have no heads (see the
/// module's comment).
pub fn decode_sync_request(bytes: &[u8]) -> Result<DecodedRequest, WireError> {
    let (version, payload) = open(bytes, SYNC_VERSIONS)?;
    if version == FORMAT_VERSION {
        return Ok(DecodedRequest { request: read_payload(&payload)?, version, page_bytes: None });
    }
    let compact: Request = read_payload(&payload)?;
    let metas = compact.tables.metas(compact.metas, compact.changes.len())?;
    let push = metas
        .into_iter()
        .zip(compact.changes)
        .map(|(meta, changes)| DocPush { meta, acked_heads: vec![], heads: vec![], changes })
        .collect();
    Ok(DecodedRequest {
        request: SyncRequest { epoch: compact.epoch, cursor: compact.cursor, push },
        version,
        page_bytes: compact.page_bytes,
    })
}

/// A sync answer as a frame of `version`, the format `request` came in; `request` lets
/// format 2 leave out the ids of the push results.
pub fn encode_sync_response(response: &SyncResponse, version: u8, request: &SyncRequest) -> Vec<u8> {
    if version != FORMAT_V2 {
        return super::wire::encode(response);
    }
    let mut interner = Interner::default();
    let in_order = response.results.len() == request.push.len()
        && response.results.iter().zip(&request.push).all(|(r, p)| r.id == p.meta.id);
    let results = if in_order {
        Results::InOrder(response.results.iter().map(|r| r.rejected.as_deref().map(|w| interner.word(w))).collect())
    } else {
        Results::Listed(
            response.results.iter().map(|r| (r.id, r.rejected.as_deref().map(|w| interner.word(w)))).collect(),
        )
    };
    let mut previous = 0u64;
    let mut seq_steps = Vec::with_capacity(response.entries.len());
    let mut metas = Metas::default();
    for e in &response.entries {
        // Wrapping: any sequence of numbers goes through unchanged (they rise).
        seq_steps.push(e.seq.wrapping_sub(previous));
        previous = e.seq;
        interner.meta(&mut metas, &e.meta);
    }
    let changes = response.entries.iter().map(|e| e.changes.clone()).collect();
    let compact = Response {
        epoch: response.epoch,
        repair_needed: response.repair_needed,
        tables: interner.tables,
        results,
        seq_steps,
        metas,
        changes,
        cursor: response.cursor,
        more: response.more,
    };
    frame(FORMAT_V2, &postcard::to_stdvec(&compact).unwrap_or_default())
}

/// A sync answer in either format, to `request` (the one this device sent: format 2
/// gives the push results in its order).
pub fn decode_sync_response(bytes: &[u8], request: &SyncRequest) -> Result<SyncResponse, WireError> {
    let (version, payload) = open(bytes, SYNC_VERSIONS)?;
    if version == FORMAT_VERSION {
        return read_payload(&payload);
    }
    let compact: Response = read_payload(&payload)?;
    let tables = compact.tables;
    let refusal = |w: Option<u32>| w.map(|w| tables.word(w)).transpose();
    let results = match compact.results {
        Results::InOrder(list) => {
            if list.len() != request.push.len() {
                return Err(malformed(format!("{} results for {} pushes", list.len(), request.push.len())));
            }
            list.into_iter()
                .zip(&request.push)
                .map(|(w, p)| Ok(PushResult { id: p.meta.id, rejected: refusal(w)? }))
                .collect::<Result<Vec<_>, WireError>>()?
        }
        Results::Listed(list) => list
            .into_iter()
            .map(|(id, w)| Ok(PushResult { id, rejected: refusal(w)? }))
            .collect::<Result<Vec<_>, WireError>>()?,
    };
    let n = compact.changes.len();
    if compact.seq_steps.len() != n {
        return Err(malformed(format!("{} sequence numbers for {n} entries", compact.seq_steps.len())));
    }
    let metas = tables.metas(compact.metas, n)?;
    let mut seq = 0u64;
    let entries = compact
        .seq_steps
        .into_iter()
        .zip(metas)
        .zip(compact.changes)
        .map(|((step, meta), changes)| {
            seq = seq.wrapping_add(step);
            LogEntry { seq, meta, changes }
        })
        .collect();
    Ok(SyncResponse {
        epoch: compact.epoch,
        repair_needed: compact.repair_needed,
        results,
        entries,
        cursor: compact.cursor,
        more: compact.more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::wire::{decode, encode, FORMAT_VERSION};
    use proptest::prelude::*;

    fn meta(id: u8, committee: u8, kind: &str, region: Option<&str>) -> DocMeta {
        DocMeta {
            id: [id; 16],
            kind: kind.into(),
            committee_id: [committee; 16],
            sensitivity: "restricted".into(),
            region: region.map(str::to_string),
        }
    }

    fn request() -> SyncRequest {
        SyncRequest {
            epoch: Some([7; 16]),
            cursor: 42,
            push: (0..4u8)
                .map(|i| DocPush {
                    meta: meta(
                        i,
                        i % 2,
                        if i == 3 { "committee" } else { "session" },
                        (i == 3).then_some("tombouctou"),
                    ),
                    acked_heads: vec![[3; 32]],
                    heads: vec![[4 + i; 32]],
                    changes: vec![9; 40 + usize::from(i)],
                })
                .collect(),
        }
    }

    fn response(request: &SyncRequest) -> SyncResponse {
        SyncResponse {
            epoch: [7; 16],
            repair_needed: false,
            results: request
                .push
                .iter()
                .enumerate()
                .map(|(i, p)| PushResult { id: p.meta.id, rejected: (i == 1).then(|| "scope.committee".into()) })
                .collect(),
            entries: (0..3u8)
                .map(|i| LogEntry {
                    seq: 100 + u64::from(i) * 7,
                    meta: meta(50 + i, 1, "session", None),
                    changes: vec![i; 30],
                })
                .collect(),
            cursor: 120,
            more: true,
        }
    }

    /// What format 2 leaves out of a request: the heads (the server never reads them).
    fn without_heads(r: &SyncRequest) -> SyncRequest {
        let push = r.push.iter().map(|p| DocPush { acked_heads: vec![], heads: vec![], ..p.clone() }).collect();
        SyncRequest { push, ..r.clone() }
    }

    #[test]
    fn both_formats_round_trip() {
        let r = request();
        let v1 = decode_sync_request(&encode_sync_request(&r, FORMAT_VERSION, Some(1 << 20))).unwrap();
        assert_eq!(v1, DecodedRequest { request: r.clone(), version: 1, page_bytes: None });
        // Format 1 is what every older build reads.
        assert_eq!(decode::<SyncRequest>(&encode_sync_request(&r, FORMAT_VERSION, None)).unwrap(), r);
        let v2 = decode_sync_request(&encode_sync_request(&r, FORMAT_V2, Some(1 << 20))).unwrap();
        assert_eq!(v2, DecodedRequest { request: without_heads(&r), version: 2, page_bytes: Some(1 << 20) });

        let a = response(&r);
        for version in [FORMAT_VERSION, FORMAT_V2] {
            assert_eq!(decode_sync_response(&encode_sync_response(&a, version, &r), &r).unwrap(), a, "v{version}");
        }
        assert_eq!(decode::<SyncResponse>(&encode_sync_response(&a, FORMAT_VERSION, &r)).unwrap(), a);
        // Results out of the request's order travel with their ids.
        let mut shuffled = a.clone();
        shuffled.results.reverse();
        let frame = encode_sync_response(&shuffled, FORMAT_V2, &r);
        assert_eq!(decode_sync_response(&frame, &r).unwrap(), shuffled);
    }

    /// Positional results read against another request than theirs are refused, not
    /// given to the wrong documents.
    #[test]
    fn positional_results_must_match_the_request() {
        let r = request();
        let frame = encode_sync_response(&response(&r), FORMAT_V2, &r);
        let shorter = SyncRequest { push: r.push[..2].to_vec(), ..r.clone() };
        assert_eq!(decode_sync_response(&frame, &shorter).unwrap_err().code(), "wire.malformed");
    }

    /// An older build refuses format 2 with the code the device falls back on.
    #[test]
    fn format_1_readers_refuse_format_2_with_its_code() {
        let frame = encode_sync_request(&request(), FORMAT_V2, None);
        assert_eq!(decode::<SyncRequest>(&frame).unwrap_err().code(), "wire.unsupported_version");
        let mut v3 = frame.clone();
        v3[4] = 3;
        assert_eq!(decode_sync_request(&v3).unwrap_err().code(), "wire.unsupported_version");
    }

    /// Format 2 is shared by two builds: a change to it must be deliberate (a new
    /// version).
    #[test]
    fn golden_frames_of_format_2() {
        let empty = SyncRequest { epoch: Some([0xab; 16]), cursor: 300, push: vec![] };
        let mut expected = b"CCS1\x02\x00\x01".to_vec();
        expected.extend([0xab; 16]);
        // cursor 300, page_bytes Some(65536), tables (0 words, 0 committees), five
        // empty routing columns, no changes.
        expected.extend([0xac, 0x02, 0x01, 0x80, 0x80, 0x04]);
        expected.extend([0x00; 8]);
        assert_eq!(encode_sync_request(&empty, FORMAT_V2, Some(65536)), expected);

        let one = SyncRequest {
            epoch: None,
            cursor: 5,
            push: vec![DocPush {
                meta: meta(1, 2, "session", None),
                acked_heads: vec![[3; 32]],
                heads: vec![[4; 32]],
                changes: vec![0xee, 0xff],
            }],
        };
        let mut expected = b"CCS1\x02\x00\x00\x05\x00".to_vec();
        // tables: words "session", "restricted"; committees [2; 16].
        expected.extend([0x02, 0x07]);
        expected.extend(b"session");
        expected.push(0x0a);
        expected.extend(b"restricted");
        expected.push(0x01);
        expected.extend([2; 16]);
        // one push, column by column: ids, kinds [0], committees [0], sensitivities [1],
        // regions [none]; then its 2 change bytes.
        expected.push(0x01);
        expected.extend([1; 16]);
        expected.extend([0x01, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x00]);
        expected.extend([0x01, 0x02, 0xee, 0xff]);
        assert_eq!(encode_sync_request(&one, FORMAT_V2, None), expected);

        let answer = SyncResponse {
            epoch: [0xcd; 16],
            repair_needed: false,
            results: vec![PushResult { id: [1; 16], rejected: None }],
            entries: vec![],
            cursor: 9,
            more: false,
        };
        let mut expected = b"CCS1\x02\x00".to_vec();
        expected.extend([0xcd; 16]);
        // not repair, empty tables, results in order [None], no entries (no sequence
        // steps, five empty routing columns, no changes), cursor 9, no more.
        expected.extend([0x00, 0x00, 0x00, 0x00, 0x01, 0x00]);
        expected.extend([0x00; 7]);
        expected.extend([0x09, 0x00]);
        assert_eq!(encode_sync_response(&answer, FORMAT_V2, &one), expected);
    }

    /// Indexes past their tables are malformed, not a panic.
    #[test]
    fn indexes_past_their_tables_are_malformed() {
        let one = |kind: u32, sensitivity: u32, committees: usize| Request {
            epoch: None,
            cursor: 0,
            page_bytes: None,
            tables: Tables { words: vec!["session".into()], committees: vec![[0; 16]; committees] },
            metas: Metas {
                ids: vec![[1; 16]],
                kinds: vec![kind],
                committees: vec![0],
                sensitivities: vec![sensitivity],
                regions: vec![None],
            },
            changes: vec![vec![]],
        };
        let read = |r: &Request| decode_sync_request(&frame(FORMAT_V2, &postcard::to_stdvec(r).unwrap()));
        assert!(read(&one(0, 0, 1)).is_ok());
        for hostile in [one(0, 0, 0), one(0, 7, 1), one(3, 0, 1)] {
            assert_eq!(read(&hostile).unwrap_err().code(), "wire.malformed");
        }
        // Columns of another length than the documents.
        let mut short = one(0, 0, 1);
        short.metas.kinds.clear();
        assert_eq!(read(&short).unwrap_err().code(), "wire.malformed");
        let mut extra = one(0, 0, 1);
        extra.changes.push(vec![]);
        assert_eq!(read(&extra).unwrap_err().code(), "wire.malformed");
    }

    /// A huge count in a tiny frame is refused without allocating for the count.
    #[test]
    fn a_huge_count_is_refused_without_allocating_it() {
        // epoch None, cursor 0, page None, then a count of words near u32::MAX, and nothing.
        let payload = [0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f];
        let bytes = frame(FORMAT_V2, &payload);
        assert_eq!(decode_sync_request(&bytes).unwrap_err().code(), "wire.malformed");
    }

    fn random_hash() -> [u8; 32] {
        let mut h = [0; 32];
        h[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        h[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        h
    }

    /// The bench's edit in small: 100 pushes over a few committees. Format 2 spends a
    /// fraction of format 1 on what is not changes.
    #[test]
    fn format_2_spends_far_less_beside_the_changes() {
        let pushes: Vec<DocPush> = (0..100u8)
            .map(|i| DocPush {
                meta: DocMeta {
                    id: *uuid::Uuid::new_v4().as_bytes(),
                    kind: "session".into(),
                    committee_id: [i % 5; 16],
                    sensitivity: "restricted".into(),
                    region: None,
                },
                acked_heads: vec![random_hash()],
                heads: vec![random_hash()],
                changes: vec![],
            })
            .collect();
        let r = SyncRequest { epoch: Some([1; 16]), cursor: 9, push: pushes };
        let v1 = encode(&r).len();
        let v2 = encode_sync_request(&r, FORMAT_V2, None).len();
        assert!(v2 * 3 < v1, "format 2: {v2} bytes, format 1: {v1}");
        assert!(v2 < 100 * 24, "format 2: {v2} bytes for 100 documents");
    }

    fn arb_meta() -> impl Strategy<Value = DocMeta> {
        (any::<[u8; 16]>(), "[a-z]{1,12}", any::<[u8; 16]>(), "[a-z]{1,12}", proptest::option::of("[a-z]{0,8}"))
            .prop_map(|(id, kind, committee_id, sensitivity, region)| DocMeta {
                id,
                kind,
                committee_id,
                sensitivity,
                region,
            })
    }

    fn arb_request() -> impl Strategy<Value = SyncRequest> {
        let push = (arb_meta(), proptest::collection::vec(any::<u8>(), 0..80)).prop_map(|(meta, changes)| DocPush {
            meta,
            acked_heads: vec![],
            heads: vec![],
            changes,
        });
        (proptest::option::of(any::<[u8; 16]>()), any::<u64>(), proptest::collection::vec(push, 0..6))
            .prop_map(|(epoch, cursor, push)| SyncRequest { epoch, cursor, push })
    }

    fn arb_response() -> impl Strategy<Value = SyncResponse> {
        let entry = (any::<u64>(), arb_meta(), proptest::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(seq, meta, changes)| LogEntry { seq, meta, changes });
        let result = (any::<[u8; 16]>(), proptest::option::of("[a-z.]{1,20}"))
            .prop_map(|(id, rejected)| PushResult { id, rejected });
        (
            any::<[u8; 16]>(),
            any::<bool>(),
            proptest::collection::vec(result, 0..5),
            proptest::collection::vec(entry, 0..6),
            any::<u64>(),
            any::<bool>(),
        )
            .prop_map(|(epoch, repair_needed, results, entries, cursor, more)| SyncResponse {
                epoch,
                repair_needed,
                results,
                entries,
                cursor,
                more,
            })
    }

    proptest! {
        #[test]
        fn any_request_round_trips_in_both_formats(r in arb_request(), page in proptest::option::of(any::<u32>())) {
            let v2 = decode_sync_request(&encode_sync_request(&r, FORMAT_V2, page)).unwrap();
            prop_assert_eq!(v2, DecodedRequest { request: r.clone(), version: 2, page_bytes: page });
            let v1 = decode_sync_request(&encode_sync_request(&r, FORMAT_VERSION, page)).unwrap();
            prop_assert_eq!(v1.request, r);
        }

        #[test]
        fn any_response_round_trips_in_both_formats(a in arb_response(), r in arb_request()) {
            for version in [FORMAT_VERSION, FORMAT_V2] {
                let back = decode_sync_response(&encode_sync_response(&a, version, &r), &r).unwrap();
                prop_assert_eq!(&back, &a);
            }
        }

        /// Cut or damaged frames of format 2 are refused with a code, never a panic.
        #[test]
        fn damaged_format_2_frames_never_panic(
            r in arb_request(),
            a in arb_response(),
            cut in any::<prop::sample::Index>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            for whole in [encode_sync_request(&r, FORMAT_V2, Some(7)), encode_sync_response(&a, FORMAT_V2, &r)] {
                let mut damaged = whole.clone();
                for (at, byte) in &flips {
                    let i = at.index(damaged.len());
                    damaged[i] ^= byte | 1;
                }
                // Refused with a wire code, or read as some well-formed message.
                for bytes in [&whole[..cut.index(whole.len())], &damaged[..]] {
                    if let Err(e) = decode_sync_request(bytes) {
                        prop_assert!(e.code().to_string().starts_with("wire."), "{}", e);
                    }
                    if let Err(e) = decode_sync_response(bytes, &r) {
                        prop_assert!(e.code().to_string().starts_with("wire."), "{}", e);
                    }
                }
            }
        }
    }
}
