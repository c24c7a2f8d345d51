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
//! Format 3 is format 2 plus the documents' numbers on the server's log:
//! - the server gives every document a number when it first files it, kept for the life
//!   of its log (its epoch), and says it beside each entry it sends and each result of a
//!   push that named the document by id;
//! - a device names a document it knows the number of by that number (one to three
//!   bytes) instead of its 16-byte id, which deflate cannot shrink, and without its
//!   routing (kind, committee, sensitivity), which the server holds: for a member's
//!   edits of records the server holds, these were the largest part of a push after the
//!   changes. A committee record still goes by id, its region in its routing. The server
//!   turns each number back into the id and the routing it filed before any check, so
//!   every rule sees the same request as in format 2; a number it does not know is
//!   `wire.unknown_number`, and the device forgets its numbers and sends ids.
//!
//! Versions: a device writes format 3 and the server answers in the format it was asked
//! in, so an old device (format 1 or 2) is answered in its format; an old server refuses
//! a newer format with `wire.unsupported_version`, and the device asks again one format
//! lower for the rest of the sync ([`crate::sync::session::Session::fall_back`]). Everything read
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
/// The compact format with the documents' numbers on the server's log.
pub const FORMAT_V3: u8 = 3;
/// The formats of the sync round this build reads, oldest first.
pub const SYNC_VERSIONS: &[u8] = &[FORMAT_VERSION, FORMAT_V2, FORMAT_V3];

/// A sync request as the server reads it, with what came beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedRequest {
    pub request: SyncRequest,
    /// The format it came in: the answer goes back in the same one.
    pub version: u8,
    /// The page size the device asks for (format 2 and 3), before the server's cap.
    pub page_bytes: Option<u32>,
    /// Pushes that named their document by its number on the server's log (format 3):
    /// `(index in request.push, number)`. Their `meta` is empty (id all zeros, no
    /// kind, committee or sensitivity) until the server puts there the routing of the
    /// document the number stands for.
    pub by_number: Vec<(usize, u64)>,
}

/// The documents' numbers on the server's log that travel beside a sync answer in
/// format 3: one per push result and one per entry, 0 where none is given (a push
/// that named its document by number, a refused one). A number is positive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocNumbers {
    pub results: Vec<u64>,
    pub entries: Vec<u64>,
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

/// A request of format 3: format 2's, then one number per document (0 when named by
/// id). `base.metas` holds the routing of the documents named by id only, in order:
/// the server knows the routing of a document it numbered.
#[derive(Debug, Serialize, Deserialize)]
struct RequestV3 {
    base: Request,
    numbers: Vec<u64>,
}

/// An answer of format 3: format 2's, then the numbers of [`DocNumbers`].
#[derive(Debug, Serialize, Deserialize)]
struct ResponseV3 {
    base: Response,
    result_numbers: Vec<u64>,
    entry_numbers: Vec<u64>,
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

/// A sync request as a frame of `version` (1, 2 or 3; format 1 cannot carry
/// `page_bytes`), every document named by its id.
pub fn encode_sync_request(request: &SyncRequest, version: u8, page_bytes: Option<u32>) -> Vec<u8> {
    encode_sync_request_numbered(request, version, page_bytes, &HashMap::new())
}

/// The same, in format 3 naming by number the documents `numbers` gives one for (the
/// numbers this server's log gave them: the caller keeps them per epoch).
pub fn encode_sync_request_numbered(
    request: &SyncRequest,
    version: u8,
    page_bytes: Option<u32>,
    numbers: &HashMap<[u8; 16], u64>,
) -> Vec<u8> {
    if version != FORMAT_V2 && version != FORMAT_V3 {
        return super::wire::encode(request);
    }
    let mut interner = Interner::default();
    let mut metas = Metas::default();
    let mut named = Vec::with_capacity(request.push.len());
    for p in &request.push {
        // A committee record goes by id: its region travels in its routing, which a
        // document named by number leaves out.
        let number = match numbers.get(&p.meta.id) {
            Some(n) if version == FORMAT_V3 && p.meta.region.is_none() => *n,
            _ => 0,
        };
        if number == 0 {
            interner.meta(&mut metas, &p.meta);
        }
        named.push(number);
    }
    let changes = request.push.iter().map(|p| p.changes.clone()).collect();
    let base =
        Request { epoch: request.epoch, cursor: request.cursor, page_bytes, tables: interner.tables, metas, changes };
    let payload = if version == FORMAT_V3 {
        postcard::to_stdvec(&RequestV3 { base, numbers: named })
    } else {
        postcard::to_stdvec(&base)
    };
    frame(version, &payload.unwrap_or_default())
}

/// A sync request in any format. From format 2, pushes have no heads (see the module's
/// comment); from format 3, the pushes in `by_number` have no id yet.
pub fn decode_sync_request(bytes: &[u8]) -> Result<DecodedRequest, WireError> {
    let (version, payload) = open(bytes, SYNC_VERSIONS)?;
    if version == FORMAT_VERSION {
        return Ok(DecodedRequest { request: read_payload(&payload)?, version, page_bytes: None, by_number: vec![] });
    }
    let (compact, numbers) = if version == FORMAT_V3 {
        let v3: RequestV3 = read_payload(&payload)?;
        (v3.base, Some(v3.numbers))
    } else {
        (read_payload::<Request>(&payload)?, None)
    };
    let n = compact.changes.len();
    let mut by_number = Vec::new();
    let metas = match numbers {
        None => compact.tables.metas(compact.metas, n)?,
        Some(numbers) => {
            if numbers.len() != n {
                return Err(malformed(format!("{} document numbers for {n} documents", numbers.len())));
            }
            // The routing columns hold the documents named by id only.
            let by_id = numbers.iter().filter(|x| **x == 0).count();
            let mut routed = compact.tables.metas(compact.metas, by_id)?.into_iter();
            let mut metas = Vec::with_capacity(n);
            for (i, number) in numbers.into_iter().enumerate() {
                if number == 0 {
                    metas.push(routed.next().ok_or_else(|| malformed("routing columns too short".into()))?);
                } else {
                    by_number.push((i, number));
                    metas.push(DocMeta {
                        id: [0; 16],
                        kind: String::new(),
                        committee_id: [0; 16],
                        sensitivity: String::new(),
                        region: None,
                    });
                }
            }
            metas
        }
    };
    let push = metas
        .into_iter()
        .zip(compact.changes)
        .map(|(meta, changes)| DocPush { meta, acked_heads: vec![], heads: vec![], changes })
        .collect();
    Ok(DecodedRequest {
        request: SyncRequest { epoch: compact.epoch, cursor: compact.cursor, push },
        version,
        page_bytes: compact.page_bytes,
        by_number,
    })
}

/// A sync answer as a frame of `version`, the format `request` came in; `request` lets
/// format 2 leave out the ids of the push results. No document number is given.
pub fn encode_sync_response(response: &SyncResponse, version: u8, request: &SyncRequest) -> Vec<u8> {
    let pushed: Vec<[u8; 16]> = request.push.iter().map(|p| p.meta.id).collect();
    encode_sync_response_numbered(response, version, &pushed, &DocNumbers::default())
}

/// The same with the documents' numbers in format 3 (ignored by the older formats);
/// `pushed` are the ids of the request's pushes in order. `numbers` shorter than the
/// results or entries gives none for the rest.
pub fn encode_sync_response_numbered(
    response: &SyncResponse,
    version: u8,
    pushed: &[[u8; 16]],
    numbers: &DocNumbers,
) -> Vec<u8> {
    if version != FORMAT_V2 && version != FORMAT_V3 {
        return super::wire::encode(response);
    }
    let mut interner = Interner::default();
    let in_order =
        response.results.len() == pushed.len() && response.results.iter().zip(pushed).all(|(r, id)| r.id == *id);
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
    let payload = if version == FORMAT_V3 {
        let column = |given: &[u64], n: usize| (0..n).map(|i| given.get(i).copied().unwrap_or(0)).collect();
        postcard::to_stdvec(&ResponseV3 {
            base: compact,
            result_numbers: column(&numbers.results, response.results.len()),
            entry_numbers: column(&numbers.entries, response.entries.len()),
        })
    } else {
        postcard::to_stdvec(&compact)
    };
    frame(version, &payload.unwrap_or_default())
}

/// A sync answer in any format, to `request` (the one this device sent: format 2 gives
/// the push results in its order).
pub fn decode_sync_response(bytes: &[u8], request: &SyncRequest) -> Result<SyncResponse, WireError> {
    Ok(decode_sync_response_numbered(bytes, request)?.0)
}

/// The same with the documents' numbers format 3 gives (none from the older formats).
pub fn decode_sync_response_numbered(
    bytes: &[u8],
    request: &SyncRequest,
) -> Result<(SyncResponse, DocNumbers), WireError> {
    let (version, payload) = open(bytes, SYNC_VERSIONS)?;
    if version == FORMAT_VERSION {
        return Ok((read_payload(&payload)?, DocNumbers::default()));
    }
    let (compact, numbers) = if version == FORMAT_V3 {
        let v3: ResponseV3 = read_payload(&payload)?;
        (v3.base, DocNumbers { results: v3.result_numbers, entries: v3.entry_numbers })
    } else {
        (read_payload::<Response>(&payload)?, DocNumbers::default())
    };
    let response = compact_response(compact, request)?;
    if version == FORMAT_V3
        && (numbers.results.len() != response.results.len() || numbers.entries.len() != response.entries.len())
    {
        return Err(malformed(format!(
            "{} and {} document numbers for {} results and {} entries",
            numbers.results.len(),
            numbers.entries.len(),
            response.results.len(),
            response.entries.len()
        )));
    }
    Ok((response, numbers))
}

/// A compact answer read against the request it answers.
fn compact_response(compact: Response, request: &SyncRequest) -> Result<SyncResponse, WireError> {
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
        assert_eq!(v1, DecodedRequest { request: r.clone(), version: 1, page_bytes: None, by_number: vec![] });
        // Format 1 is what every older build reads.
        assert_eq!(decode::<SyncRequest>(&encode_sync_request(&r, FORMAT_VERSION, None)).unwrap(), r);
        let v2 = decode_sync_request(&encode_sync_request(&r, FORMAT_V2, Some(1 << 20))).unwrap();
        assert_eq!(
            v2,
            DecodedRequest { request: without_heads(&r), version: 2, page_bytes: Some(1 << 20), by_number: vec![] }
        );

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

    /// Format 3 names by number the documents given one: the server reads the rest of
    /// the request as format 2's, with the numbered pushes' ids left for it to fill; the
    /// answer's numbers come back beside it, one per result and per entry.
    #[test]
    fn format_3_names_documents_by_number_and_answers_with_numbers() {
        // Random ids, as record ids are: deflate cannot shrink them.
        let mut r = request();
        for p in &mut r.push {
            p.meta.id = *uuid::Uuid::new_v4().as_bytes();
        }
        // Push 3 is a committee record: it goes by id whatever its number.
        let numbers = HashMap::from([(r.push[1].meta.id, 7), (r.push[2].meta.id, 70_000), (r.push[3].meta.id, 8)]);
        let numbered = encode_sync_request_numbered(&r, FORMAT_V3, Some(4096), &numbers);
        let by_id = encode_sync_request(&r, FORMAT_V2, Some(4096));
        assert!(numbered.len() + 24 < by_id.len(), "{} against {}", numbered.len(), by_id.len());
        let decoded = decode_sync_request(&numbered).unwrap();
        assert_eq!((decoded.version, decoded.page_bytes), (FORMAT_V3, Some(4096)));
        assert_eq!(decoded.by_number, vec![(1, 7), (2, 70_000)]);
        let mut expected = without_heads(&r);
        for i in [1, 2] {
            expected.push[i].meta = DocMeta {
                id: [0; 16],
                kind: String::new(),
                committee_id: [0; 16],
                sensitivity: String::new(),
                region: None,
            };
        }
        assert_eq!(decoded.request, expected);
        // No number: format 3 with every id, read as format 2's request.
        let plain = decode_sync_request(&encode_sync_request(&r, FORMAT_V3, None)).unwrap();
        assert_eq!((plain.request, plain.by_number), (without_heads(&r), vec![]));

        let a = response(&r);
        let given = DocNumbers { results: vec![5, 0, 9, 0], entries: vec![11, 12, 300_000] };
        let pushed: Vec<[u8; 16]> = r.push.iter().map(|p| p.meta.id).collect();
        let frame = encode_sync_response_numbered(&a, FORMAT_V3, &pushed, &given);
        assert_eq!(frame[4], FORMAT_V3);
        assert_eq!(decode_sync_response_numbered(&frame, &r).unwrap(), (a.clone(), given.clone()));
        assert_eq!(decode_sync_response(&frame, &r).unwrap(), a);
        // Fewer numbers than results and entries: none for the rest.
        let short = DocNumbers { results: vec![5], entries: vec![] };
        let (_, read) =
            decode_sync_response_numbered(&encode_sync_response_numbered(&a, FORMAT_V3, &pushed, &short), &r).unwrap();
        assert_eq!(read, DocNumbers { results: vec![5, 0, 0, 0], entries: vec![0, 0, 0] });
        // Format 2 carries none.
        let (_, none) =
            decode_sync_response_numbered(&encode_sync_response_numbered(&a, FORMAT_V2, &pushed, &given), &r).unwrap();
        assert_eq!(none, DocNumbers::default());
    }

    /// Format 3's columns must agree: as many numbers as documents, as many ids as
    /// documents named by id, as many numbers as results and entries.
    #[test]
    fn format_3_columns_that_disagree_are_malformed() {
        let payload = |request: &RequestV3| frame(FORMAT_V3, &postcard::to_stdvec(request).unwrap());
        let r = request();
        let numbers = HashMap::from([(r.push[0].meta.id, 3)]);
        let good = decode_sync_request(&encode_sync_request_numbered(&r, FORMAT_V3, None, &numbers)).unwrap();
        assert_eq!(good.by_number, vec![(0, 3)]);
        let encoded = encode_sync_request_numbered(&r, FORMAT_V3, None, &numbers);
        let (_, body) = open(&encoded, SYNC_VERSIONS).unwrap();
        let base: RequestV3 = read_payload(&body).unwrap();
        let mut fewer = RequestV3 { base: read_payload::<RequestV3>(&body).unwrap().base, numbers: vec![3, 0, 0] };
        assert_eq!(decode_sync_request(&payload(&fewer)).unwrap_err().code(), "wire.malformed");
        // Every document named by number while the routing columns still hold three.
        fewer.numbers = vec![3, 4, 5, 6];
        assert_eq!(decode_sync_request(&payload(&fewer)).unwrap_err().code(), "wire.malformed");
        assert_eq!(base.numbers, vec![3, 0, 0, 0]);

        let a = response(&r);
        let pushed: Vec<[u8; 16]> = r.push.iter().map(|p| p.meta.id).collect();
        let frame_of = |results: Vec<u64>, entries: Vec<u64>| {
            let good = encode_sync_response_numbered(&a, FORMAT_V3, &pushed, &DocNumbers::default());
            let (_, body) = open(&good, SYNC_VERSIONS).unwrap();
            let mut v3: ResponseV3 = read_payload(&body).unwrap();
            v3.result_numbers = results;
            v3.entry_numbers = entries;
            frame(FORMAT_V3, &postcard::to_stdvec(&v3).unwrap())
        };
        assert!(decode_sync_response_numbered(&frame_of(vec![0; 4], vec![0; 3]), &r).is_ok());
        for (results, entries) in [(vec![0; 3], vec![0; 3]), (vec![0; 4], vec![0; 4]), (vec![], vec![])] {
            let err = decode_sync_response_numbered(&frame_of(results, entries), &r).unwrap_err();
            assert_eq!(err.code(), "wire.malformed");
        }
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
        let mut v4 = frame.clone();
        v4[4] = 4;
        assert_eq!(decode_sync_request(&v4).unwrap_err().code(), "wire.unsupported_version");
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
            prop_assert_eq!(v2, DecodedRequest { request: r.clone(), version: 2, page_bytes: page, by_number: vec![] });
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

        /// Format 3 with any subset of the documents named by number: the server reads
        /// the same request once it puts the ids back, and the numbers of the answer come
        /// back as sent.
        #[test]
        fn any_numbered_exchange_round_trips_in_format_3(
            r in arb_request(),
            a in arb_response(),
            named in proptest::collection::vec(any::<bool>(), 0..8),
            given in proptest::collection::vec(1..u64::MAX, 0..80),
        ) {
            let numbers: HashMap<[u8; 16], u64> = r.push.iter().zip(&named).enumerate()
                .filter(|(_, (_, n))| **n)
                .map(|(i, (p, _))| (p.meta.id, i as u64 + 1))
                .collect();
            let decoded = decode_sync_request(&encode_sync_request_numbered(&r, FORMAT_V3, None, &numbers)).unwrap();
            let mut request = decoded.request;
            for (index, number) in &decoded.by_number {
                let id = numbers.iter().find(|(_, n)| *n == number).map(|(id, _)| *id).unwrap();
                prop_assert_eq!(request.push[*index].meta.id, [0; 16]);
                // The server puts back the routing it filed the document under.
                let original = r.push.iter().find(|p| p.meta.id == id).unwrap();
                prop_assert!(original.meta.region.is_none(), "a committee record went by number");
                request.push[*index].meta = original.meta.clone();
            }
            prop_assert_eq!(request.push.len(), r.push.len());
            for (p, q) in request.push.iter().zip(&r.push) {
                prop_assert_eq!((&p.meta, &p.changes), (&q.meta, &q.changes));
            }
            let numbers = DocNumbers {
                results: given.iter().copied().take(a.results.len()).collect(),
                entries: given.iter().copied().skip(a.results.len()).take(a.entries.len()).collect(),
            };
            let pushed: Vec<[u8; 16]> = r.push.iter().map(|p| p.meta.id).collect();
            let frame = encode_sync_response_numbered(&a, FORMAT_V3, &pushed, &numbers);
            let (back, read) = decode_sync_response_numbered(&frame, &r).unwrap();
            prop_assert_eq!(&back, &a);
            for (i, n) in read.results.iter().enumerate() {
                prop_assert_eq!(*n, numbers.results.get(i).copied().unwrap_or(0));
            }
            for (i, n) in read.entries.iter().enumerate() {
                prop_assert_eq!(*n, numbers.entries.get(i).copied().unwrap_or(0));
            }
        }

        /// Cut or damaged frames of formats 2 and 3 are refused with a code, never a panic.
        #[test]
        fn damaged_format_2_frames_never_panic(
            r in arb_request(),
            a in arb_response(),
            cut in any::<prop::sample::Index>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let numbered: HashMap<[u8; 16], u64> = r.push.iter().map(|p| (p.meta.id, 300)).take(2).collect();
            let pushed: Vec<[u8; 16]> = r.push.iter().map(|p| p.meta.id).collect();
            let given = DocNumbers { results: vec![5; a.results.len()], entries: vec![70_000; a.entries.len()] };
            for whole in [
                encode_sync_request(&r, FORMAT_V2, Some(7)),
                encode_sync_response(&a, FORMAT_V2, &r),
                encode_sync_request_numbered(&r, FORMAT_V3, Some(7), &numbered),
                encode_sync_response_numbered(&a, FORMAT_V3, &pushed, &given),
            ] {
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
                    if let Err(e) = decode_sync_response_numbered(bytes, &r) {
                        prop_assert!(e.code().to_string().starts_with("wire."), "{}", e);
                    }
                }
            }
        }
    }
}
