//! Frame formats across versions, over a real server on loopback: a device speaking
//! format 3 to a server that reads only format 1 or 2 (an older server) falls back one
//! format at a time and syncs; an older device (format 1) is answered in format 1; a
//! hostile format 2 frame is refused with a code; on a good link pages grow, so a first
//! sync takes fewer round trips than with the server's page size; a device names the
//! records the server gave numbers by number, and sends ids again when the server does
//! not know a number it kept.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ccs_core::model::*;
use ccs_core::store::ListFilter;
use ccs_core::sync::client::{self, HttpTransport, SyncError, Transport};
use ccs_core::sync::session::SYNC_PATH;
use ccs_core::sync::wire::{self, SyncRequest, SyncResponse};
use ccs_tests::fixtures;
use ccs_tests::*;

/// A server that reads sync frames as an older build did (format 1 only, or formats 1
/// and 2): a newer format is refused with `wire.unsupported_version`, as that build's
/// decoder refused it; the rest goes to the real server.
struct OldServer {
    inner: HttpTransport,
    /// The newest format it reads.
    reads: u8,
    refused: AtomicUsize,
    versions_seen: std::sync::Mutex<Vec<u8>>,
}

impl OldServer {
    fn new() -> OldServer {
        OldServer::reading(1)
    }

    fn reading(reads: u8) -> OldServer {
        OldServer {
            inner: HttpTransport::new(Duration::from_secs(20)),
            reads,
            refused: AtomicUsize::new(0),
            versions_seen: Default::default(),
        }
    }
}

impl Transport for OldServer {
    fn post(
        &self,
        server: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError> {
        let version = body[4];
        if path == SYNC_PATH {
            self.versions_seen.lock().unwrap().push(version);
            let read = if self.reads == 1 {
                wire::decode::<SyncRequest>(&body).map(|_| ())
            } else if version > self.reads {
                Err(wire::WireError::UnsupportedVersion(version))
            } else {
                wire::decode_sync_request(&body).map(|_| ())
            };
            if let Err(e) = read {
                self.refused.fetch_add(1, Ordering::SeqCst);
                return Err(SyncError::Refused {
                    status: 400,
                    code: ccs_core::error_code::ReceivedCode::parse(&e.code().to_string()),
                    message: e.to_string(),
                });
            }
        }
        let answer = self.inner.post(server, path, token, content_type, body)?;
        if path == SYNC_PATH {
            // An older server answers in the format asked in: so does this one.
            assert_eq!(answer[4], version);
        }
        Ok(answer)
    }
}

fn sessions(d: &Device) -> u64 {
    d.store.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap().total
}

#[test]
fn a_device_falls_back_one_format_at_a_time_to_what_an_older_server_reads() {
    let w = world();
    let mut m =
        Device::enrolled("goundam", &w.server.url(), w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    for i in 0..5 {
        m.store.create_record(fixtures::session(w.goundam, 1 + i, &format!("séance {i}")), now()).unwrap();
    }
    let old = OldServer::new();
    let report = client::sync(&mut m.store, &old, now()).unwrap();
    assert_eq!(report.accepted, 5, "{report:?}");
    // Format 3 refused, then format 2, then format 1 for the rest of the sync.
    assert_eq!(old.refused.load(Ordering::SeqCst), 2);
    let seen = old.versions_seen.lock().unwrap().clone();
    assert_eq!(seen[..2], [3, 2]);
    assert!(seen[2..].iter().all(|v| *v == 1), "{seen:?}");

    // A server of format 2: one refusal, then format 2 for the rest.
    for i in 0..3 {
        m.store.create_record(fixtures::session(w.goundam, 10 + i, &format!("séance {i} bis")), now()).unwrap();
    }
    let v2 = OldServer::reading(2);
    let report = client::sync(&mut m.store, &v2, now()).unwrap();
    assert_eq!(report.accepted, 3, "{report:?}");
    assert_eq!(v2.refused.load(Ordering::SeqCst), 1);
    let seen = v2.versions_seen.lock().unwrap().clone();
    assert_eq!(seen[0], 3);
    assert!(seen[1..].iter().all(|v| *v == 2), "{seen:?}");

    // A reviewer speaking format 3 to the new server sees them.
    let mut reviewer = Device::enrolled("r2", &w.server.url(), w.server.data_dir(), grant(Role::Reviewer, None, None));
    reviewer.sync().unwrap();
    assert_eq!(sessions(&reviewer), 8);
}

/// Records a device's sync requests as the server read them.
struct Recording {
    inner: HttpTransport,
    requests: std::sync::Mutex<Vec<wire::DecodedRequest>>,
}

impl Transport for Recording {
    fn post(
        &self,
        server: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError> {
        if path == SYNC_PATH {
            self.requests.lock().unwrap().push(wire::decode_sync_request(&body).unwrap());
        }
        self.inner.post(server, path, token, content_type, body)
    }
}

fn recording() -> Recording {
    Recording { inner: HttpTransport::new(Duration::from_secs(20)), requests: Default::default() }
}

fn edit_all(d: &mut Device, committee: CommitteeId, ids: &[RecordId], summary: &str) {
    for (i, id) in ids.iter().enumerate() {
        d.store.edit_record(*id, fixtures::session(committee, 1 + i as u32, summary), now()).unwrap();
    }
}

/// A Goundam member whose `n` new sessions the server accepted (and numbered), with
/// their ids and the server's address.
fn member_with_sessions(w: &World, n: u32) -> (Device, Vec<RecordId>, String) {
    let mut m =
        Device::enrolled("goundam", &w.server.url(), w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    let ids: Vec<RecordId> = (0..n)
        .map(|i| m.store.create_record(fixtures::session(w.goundam, 1 + i, &format!("séance {i}")), now()).unwrap())
        .collect();
    m.sync().unwrap();
    let url = m.store.server_link().unwrap().unwrap().url;
    (m, ids, url)
}

fn summary(d: &Device, id: RecordId) -> String {
    match d.store.record(id).unwrap().body {
        RecordBody::Session(s) => s.summary,
        _ => unreachable!(),
    }
}

/// A member's records, once the server has given them numbers (in the answer to their
/// first push, or beside the entries a colleague pulls), are named by number in the
/// next pushes: the server files the edits on the right records, and the colleague's
/// device, which learnt the numbers from the entries, does the same.
#[test]
fn a_device_names_the_records_the_server_numbered_by_number() {
    let w = world();
    let (mut m, ids, url) = member_with_sessions(&w, 6);
    let epoch = m.store.cursor(&url).unwrap().epoch.unwrap();
    let numbers = m.store.doc_numbers(&url, epoch, &ids).unwrap();
    assert_eq!(numbers.len(), 6, "{numbers:?}");

    edit_all(&mut m, w.goundam, &ids, "situation suivie de près après la réunion");
    let rec = recording();
    let report = client::sync(&mut m.store, &rec, now()).unwrap();
    assert_eq!(report.accepted, 6, "{report:?}");
    let requests = rec.requests.lock().unwrap();
    assert_eq!(requests[0].version, wire::FORMAT_V3);
    let mut named: Vec<u64> = requests[0].by_number.iter().map(|(_, n)| *n).collect();
    named.sort_unstable();
    let mut expected: Vec<u64> = numbers.values().copied().collect();
    expected.sort_unstable();
    assert_eq!(named, expected, "every edit named by its number");
    drop(requests);

    // A colleague of the committee pulls them (learning their numbers), edits one and
    // names it by number too; the reviewer sees both edits on the right records.
    let mut colleague =
        Device::enrolled("goundam-2", &w.server.url(), w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    colleague.sync().unwrap();
    edit_all(&mut colleague, w.goundam, &ids[..1], "point de situation du collègue");
    let rec = recording();
    assert_eq!(client::sync(&mut colleague.store, &rec, now()).unwrap().accepted, 1);
    assert_eq!(rec.requests.lock().unwrap()[0].by_number, vec![(0, numbers[&ids[0]])]);
    let mut reviewer = w.reviewer;
    reviewer.sync().unwrap();
    assert_eq!(summary(&reviewer, ids[0]), "point de situation du collègue");
    assert_eq!(summary(&reviewer, ids[5]), "situation suivie de près après la réunion");
}

/// A number the server does not know (its log replaced under the same epoch, a bug):
/// refused with `wire.unknown_number`, the device forgets the numbers it kept for the
/// server, sends the same edits by id, and learns the right numbers again.
#[test]
fn a_device_sends_ids_again_when_the_server_does_not_know_a_number_it_kept() {
    let w = world();
    let (mut m, ids, url) = member_with_sessions(&w, 3);
    let cursor = m.store.cursor(&url).unwrap();
    let epoch = cursor.epoch.unwrap();
    let right = m.store.doc_numbers(&url, epoch, &ids).unwrap();
    // The device's kept number of the first record is one the server never gave.
    let wrong = ccs_core::sync::page::SyncPage {
        server: url.clone(),
        cursor,
        numbers: vec![(ids[0], 9_999_999)],
        ..Default::default()
    };
    m.store.apply_sync_page(&wrong, now()).unwrap();

    edit_all(&mut m, w.goundam, &ids, "modifié après une fausse numérotation");
    let rec = recording();
    let report = client::sync(&mut m.store, &rec, now()).unwrap();
    assert_eq!(report.accepted, 3, "{report:?}");
    let requests = rec.requests.lock().unwrap();
    assert_eq!(requests[0].by_number.len(), 3, "the first request named all three by number");
    assert!(requests[1].by_number.is_empty(), "the same request again, by id: {:?}", requests[1].by_number);
    assert_eq!(m.store.doc_numbers(&url, epoch, &ids).unwrap(), right, "the right numbers, learnt again");
    let mut reviewer = w.reviewer;
    reviewer.sync().unwrap();
    for id in &ids {
        assert_eq!(summary(&reviewer, *id), "modifié après une fausse numérotation");
    }
}

#[test]
fn an_older_device_is_answered_in_format_1_and_a_newer_one_in_format_2() {
    let mut w = world();
    let link = w.reviewer.store.server_link().unwrap().unwrap();
    let cursor = w.reviewer.store.cursor(&link.url).unwrap();
    let request = SyncRequest { epoch: cursor.epoch, cursor: 0, push: vec![] };
    let http = HttpTransport::new(Duration::from_secs(20));
    let frame = "application/x-ccs-frame";
    let v1 = http.post(&link.url, SYNC_PATH, Some(&link.token), frame, wire::encode(&request)).unwrap();
    assert_eq!(v1[4], 1);
    let old: SyncResponse = wire::decode(&v1).unwrap();
    let body = wire::encode_sync_request(&request, wire::FORMAT_V2, None);
    let v2 = http.post(&link.url, SYNC_PATH, Some(&link.token), frame, body).unwrap();
    assert_eq!(v2[4], 2);
    let new = wire::decode_sync_response(&v2, &request).unwrap();
    assert_eq!(old, new);
    w.reviewer.sync().unwrap();
}

#[test]
fn a_hostile_format_2_frame_is_refused_with_a_code() {
    let w = world();
    let link = w.reviewer.store.server_link().unwrap().unwrap();
    let http = HttpTransport::new(Duration::from_secs(20));
    // No epoch, cursor 0, no page size, empty tables, one push naming word 0 and
    // committee 0 of those empty tables.
    let mut body = b"CCS1\x02\x00\x00\x00\x00\x00\x00\x01".to_vec();
    body.extend([1; 16]);
    body.extend([0, 0, 0, 0, 0]);
    let err = http.post(&link.url, SYNC_PATH, Some(&link.token), "application/x-ccs-frame", body).unwrap_err();
    assert_eq!(err.code(), "wire.malformed", "{err:?}");
    // Cut short.
    let mut cut = b"CCS1\x02\x00\x00\x00\x00\x05".to_vec();
    cut.extend([0xff; 3]);
    let err = http.post(&link.url, SYNC_PATH, Some(&link.token), "application/x-ccs-frame", cut).unwrap_err();
    assert_eq!(err.code(), "wire.malformed", "{err:?}");
}

/// With small server pages, a device that grows its pages takes fewer round trips for
/// the same first sync than one held to format 1 (the server's page size).
#[test]
fn pages_grow_on_a_good_link() {
    let server = InProcessServer::with_limits(ccs_sync_server::Limits { page_bytes: 4096, ..Default::default() });
    let mut reviewer =
        Device::enrolled("reviewer", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let goundam: CommitteeId = reviewer.store.create_record(fixtures::goundam(), now()).unwrap().into();
    for i in 0..80 {
        let summary = format!("séance {i}: {}", "situation calme au marché ".repeat(8));
        reviewer.store.create_record(fixtures::session(goundam, 1 + i % 28, &summary), now()).unwrap();
    }
    reviewer.sync().unwrap();

    let mut fixed = Device::enrolled("fixed", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let old = OldServer::new();
    let held = client::sync(&mut fixed.store, &old, now()).unwrap();
    let mut growing = Device::enrolled("growing", &server.url(), server.data_dir(), grant(Role::Reviewer, None, None));
    let grown = growing.sync().unwrap();
    assert_eq!(sessions(&fixed), 80);
    assert_eq!(sessions(&growing), 80);
    assert!(held.round_trips >= 6, "format 1 took {} round trips", held.round_trips);
    assert!(
        grown.round_trips * 2 <= held.round_trips,
        "growing pages: {} round trips, fixed: {}",
        grown.round_trips,
        held.round_trips
    );
    assert!(grown.bytes_down < held.bytes_down, "{} against {}", grown.bytes_down, held.bytes_down);
}
