//! The sync wire format: versioned binary frames, deflate-compressed, used for
//! `POST /v1/sync` bodies and responses and, later, for sync bundle files.
//!
//! A frame is `b"CCS1"` (magic), a format version byte, a flags byte (bit 0: payload is
//! deflated), then the payload: a message encoded with postcard (varints, no field
//! names), so that an empty sync costs a few dozen bytes. Decoding never trusts a
//! length from the wire: the inflated payload is capped at [`MAX_FRAME_BYTES`].
//!
//! Change bytes stay opaque here (Automerge changes as produced by `save_after`), so
//! they can later be encrypted end to end without changing the frame.

use std::io::Read;

use crate::error_code::ErrorCode;
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 4] = b"CCS1";
/// The frame format of every message but the sync round's (format 1). The sync round
/// (`SyncRequest`, `SyncResponse`) is also read and written in format 2, which leaves
/// out what the other side knows (see [`super::compact`]).
pub const FORMAT_VERSION: u8 = 1;
const FLAG_DEFLATE: u8 = 1;
/// Largest payload accepted after inflating, in bytes.
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;
/// Payloads smaller than this are sent as is: deflate would add more than it saves.
const COMPRESS_ABOVE: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("not a CCS sync frame")]
    BadMagic,
    #[error("frame format {0} is not supported by this build")]
    UnsupportedVersion(u8),
    #[error("unknown frame flags {0:#04x}")]
    BadFlags(u8),
    #[error("frame larger than {MAX_FRAME_BYTES} bytes once inflated")]
    TooLarge,
    #[error("damaged frame: {0}")]
    Malformed(String),
    /// A request named a document by a number this server's log never gave (format 3).
    #[error("no document has number {0} on this server")]
    UnknownNumber(u64),
}

impl WireError {
    pub fn code(&self) -> ErrorCode {
        match self {
            WireError::BadMagic => ErrorCode::WireBadMagic,
            WireError::UnsupportedVersion(_) => ErrorCode::WireUnsupportedVersion,
            WireError::BadFlags(_) => ErrorCode::WireBadFlags,
            WireError::TooLarge => ErrorCode::WireTooLarge,
            WireError::Malformed(_) => ErrorCode::WireMalformed,
            WireError::UnknownNumber(_) => ErrorCode::WireUnknownNumber,
        }
    }
}

/// Routing metadata of a document: what the server needs to file and filter it
/// without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMeta {
    pub id: [u8; 16],
    /// `RecordKind` code.
    pub kind: String,
    pub committee_id: [u8; 16],
    /// `Sensitivity` code, effective (as computed on the device).
    pub sensitivity: String,
    /// For committee records: the committee's region code, so the server can route
    /// a new committee before its registry knows it.
    pub region: Option<String>,
}

/// One dirty document in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocPush {
    pub meta: DocMeta,
    /// Heads the server acknowledged before (the base of `changes`).
    pub acked_heads: Vec<[u8; 32]>,
    /// Heads after `changes`: what the server holds once it accepts them.
    pub heads: Vec<[u8; 32]>,
    /// Automerge changes after `acked_heads` (`save_after`).
    pub changes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The server log epoch the cursor belongs to; `None` on a first sync.
    pub epoch: Option<[u8; 16]>,
    /// Last log sequence number the device applied.
    pub cursor: u64,
    pub push: Vec<DocPush>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub id: [u8; 16],
    /// `None` when accepted; otherwise a stable reason code.
    pub rejected: Option<String>,
}

/// One entry of the server's change log, as sent to a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub meta: DocMeta,
    pub changes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// The epoch of the server's log. A device whose request named another epoch (a
    /// new or restored server) gets `repair_needed` and no entries.
    pub epoch: [u8; 16],
    pub repair_needed: bool,
    pub results: Vec<PushResult>,
    /// Entries with `seq > cursor` in the device's scope, oldest first, excluding the
    /// device's own pushes.
    pub entries: Vec<LogEntry>,
    /// The cursor to send next time (the last entry examined, even if filtered out).
    pub cursor: u64,
    /// More entries are waiting: ask again.
    pub more: bool,
}

/// Request of the repair path: Automerge sync messages per document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairRequest {
    /// Every document the device holds, with its current heads; on the first round
    /// `messages` is empty and the server answers with the documents that differ.
    pub docs: Vec<(DocMeta, Vec<[u8; 32]>)>,
    /// `(document id, encoded automerge sync message)`.
    pub messages: Vec<([u8; 16], Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairResponse {
    pub epoch: [u8; 16],
    /// The cursor to adopt once repair ends (the log's end when repair began).
    pub cursor: u64,
    /// Documents the server holds in the device's scope that the device did not list.
    pub missing: Vec<DocMeta>,
    /// `(document id, encoded automerge sync message)` replies.
    pub messages: Vec<([u8; 16], Vec<u8>)>,
    pub results: Vec<PushResult>,
}

/// Error body of the server, as JSON `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// Encodes a message as a frame of format 1 (every message but the sync round's, which
/// may go in format 2: see [`encode_sync_request`]).
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    // postcard only fails on types it cannot represent; ours are plain data.
    let payload = postcard::to_stdvec(message).unwrap_or_default();
    frame(FORMAT_VERSION, &payload)
}

/// A frame of `version` around `payload`, deflated when that saves bytes.
pub(crate) fn frame(version: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() / 2 + 6);
    out.extend_from_slice(MAGIC);
    out.push(version);
    if payload.len() > COMPRESS_ABOVE {
        out.push(FLAG_DEFLATE);
        crate::deflate::append(out, payload, crate::deflate::Level::Default)
    } else {
        out.push(0);
        out.extend_from_slice(payload);
        out
    }
}

/// The format version and the (inflated) payload of a frame, for the versions in
/// `accepted`; nothing of the payload is trusted yet.
pub(crate) fn open<'a>(frame: &'a [u8], accepted: &[u8]) -> Result<(u8, std::borrow::Cow<'a, [u8]>), WireError> {
    if frame.len() < 6 || &frame[..4] != MAGIC {
        return Err(WireError::BadMagic);
    }
    let version = frame[4];
    if !accepted.contains(&version) {
        return Err(WireError::UnsupportedVersion(version));
    }
    let body = &frame[6..];
    let payload: std::borrow::Cow<'a, [u8]> = match frame[5] {
        0 => body.into(),
        FLAG_DEFLATE => {
            let mut out = Vec::new();
            let mut dec = flate2::read::DeflateDecoder::new(body).take(MAX_FRAME_BYTES as u64 + 1);
            dec.read_to_end(&mut out).map_err(|e| WireError::Malformed(e.to_string()))?;
            if out.len() > MAX_FRAME_BYTES {
                return Err(WireError::TooLarge);
            }
            out.into()
        }
        other => return Err(WireError::BadFlags(other)),
    };
    if payload.len() > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge);
    }
    Ok((version, payload))
}

/// Reads a postcard message that must fill `payload` exactly.
pub(crate) fn read_payload<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, WireError> {
    let (message, rest) = postcard::take_from_bytes::<T>(payload).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::Malformed(format!("{} trailing bytes", rest.len())));
    }
    Ok(message)
}

/// Decodes a frame of format 1, refusing anything malformed, unknown or oversized.
pub fn decode<T: serde::de::DeserializeOwned>(frame: &[u8]) -> Result<T, WireError> {
    let (_, payload) = open(frame, &[FORMAT_VERSION])?;
    read_payload(&payload)
}

pub use super::compact::{
    decode_sync_request, decode_sync_response, decode_sync_response_numbered, encode_sync_request,
    encode_sync_request_numbered, encode_sync_response, encode_sync_response_numbered, DecodedRequest, DocNumbers,
    FORMAT_V2, FORMAT_V3, SYNC_VERSIONS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn request() -> SyncRequest {
        SyncRequest {
            epoch: Some([7; 16]),
            cursor: 42,
            push: vec![DocPush {
                meta: DocMeta {
                    id: [1; 16],
                    kind: "session".into(),
                    committee_id: [2; 16],
                    sensitivity: "restricted".into(),
                    region: None,
                },
                acked_heads: vec![[3; 32]],
                heads: vec![[4; 32]],
                changes: vec![9; 300],
            }],
        }
    }

    #[test]
    fn frames_round_trip() {
        let r = request();
        assert_eq!(decode::<SyncRequest>(&encode(&r)).unwrap(), r);
        let empty = SyncRequest { epoch: None, cursor: 0, push: vec![] };
        let frame = encode(&empty);
        assert!(frame.len() < 16, "an empty request is {} bytes", frame.len());
        assert_eq!(decode::<SyncRequest>(&frame).unwrap(), empty);
    }

    /// The format is persisted (bundle files) and shared by two builds: a change to it
    /// must be deliberate, with a new FORMAT_VERSION.
    #[test]
    fn golden_frame_of_an_empty_request() {
        let frame = encode(&SyncRequest { epoch: Some([0xab; 16]), cursor: 300, push: vec![] });
        let mut expected = b"CCS1\x01\x00\x01".to_vec();
        expected.extend([0xab; 16]);
        expected.extend([0xac, 0x02, 0x00]);
        assert_eq!(frame, expected);
    }

    #[test]
    fn bad_frames_are_refused_with_codes() {
        let good = encode(&request());
        assert_eq!(decode::<SyncRequest>(b"HTTP/1.1").unwrap_err().code(), "wire.bad_magic");
        let mut v = good.clone();
        v[4] = 9;
        assert_eq!(decode::<SyncRequest>(&v).unwrap_err().code(), "wire.unsupported_version");
        let mut v = good.clone();
        v[5] = 0x80;
        assert_eq!(decode::<SyncRequest>(&v).unwrap_err().code(), "wire.bad_flags");
        let truncated = &good[..good.len() - 5];
        assert_eq!(decode::<SyncRequest>(truncated).unwrap_err().code(), "wire.malformed");
        let mut trailing = encode(&SyncRequest { epoch: None, cursor: 0, push: vec![] });
        trailing.push(0);
        assert_eq!(decode::<SyncRequest>(&trailing).unwrap_err().code(), "wire.malformed");
    }

    /// Frames deflated one after another on several threads (with deflate states
    /// kept between them, [`crate::deflate`]) each open alone.
    #[test]
    fn frames_made_on_several_threads_each_open_alone() {
        let threads: Vec<_> = (1..=4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    for round in 0..10u64 {
                        let mut r = request();
                        r.cursor = t * 1000 + round;
                        r.push[0].changes = (0..2000u64).flat_map(|i| (i * t + round).to_le_bytes()).collect();
                        assert_eq!(decode::<SyncRequest>(&encode(&r)).unwrap(), r);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }

    #[test]
    fn deflate_bomb_is_refused() {
        let mut frame = b"CCS1\x01\x01".to_vec();
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; MAX_FRAME_BYTES + 10]).unwrap();
        frame.extend(enc.finish().unwrap());
        assert!(frame.len() < 100_000);
        assert_eq!(decode::<SyncRequest>(&frame).unwrap_err().code(), "wire.too_large");
    }
}
