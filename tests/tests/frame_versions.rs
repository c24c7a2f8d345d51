//! Frame formats across versions, over a real server on loopback: a device speaking
//! format 2 to a server that reads only format 1 (an older server) falls back and
//! syncs; an older device (format 1) is answered in format 1; a hostile format 2 frame
//! is refused with a code; on a good link pages grow, so a first sync takes fewer
//! round trips than with the server's page size.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ccs_core::model::*;
use ccs_core::store::ListFilter;
use ccs_core::sync::client::{self, HttpTransport, SyncError, Transport};
use ccs_core::sync::session::SYNC_PATH;
use ccs_core::sync::wire::{self, SyncRequest, SyncResponse};
use ccs_tests::fixtures;
use ccs_tests::*;

/// A server that reads sync frames as a build before format 2 did: whatever its own
/// decoder (format 1 only) refuses is refused with that decoder's code; the rest goes
/// to the real server.
struct OldServer {
    inner: HttpTransport,
    refused: AtomicUsize,
    versions_seen: std::sync::Mutex<Vec<u8>>,
}

impl OldServer {
    fn new() -> OldServer {
        OldServer {
            inner: HttpTransport::new(Duration::from_secs(20)),
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
        if path == SYNC_PATH {
            self.versions_seen.lock().unwrap().push(body[4]);
            if let Err(e) = wire::decode::<SyncRequest>(&body) {
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
            // An older server answers in format 1: so does this one, when asked in it.
            wire::decode::<SyncResponse>(&answer).map_err(SyncError::Wire)?;
        }
        Ok(answer)
    }
}

fn sessions(d: &Device) -> u64 {
    d.store.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap().total
}

#[test]
fn a_device_falls_back_to_format_1_with_a_server_that_reads_only_format_1() {
    let w = world();
    let mut m =
        Device::enrolled("goundam", &w.server.url(), w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    for i in 0..5 {
        m.store.create_record(fixtures::session(w.goundam, 1 + i, &format!("séance {i}")), now()).unwrap();
    }
    let old = OldServer::new();
    let report = client::sync(&mut m.store, &old, now()).unwrap();
    assert_eq!(report.accepted, 5, "{report:?}");
    // One refusal of format 2, then format 1 for the rest of the sync.
    assert_eq!(old.refused.load(Ordering::SeqCst), 1);
    let seen = old.versions_seen.lock().unwrap().clone();
    assert_eq!(seen[0], 2);
    assert!(seen[1..].iter().all(|v| *v == 1), "{seen:?}");

    // A reviewer speaking format 2 to the new server sees them.
    let mut reviewer = Device::enrolled("r2", &w.server.url(), w.server.data_dir(), grant(Role::Reviewer, None, None));
    reviewer.sync().unwrap();
    assert_eq!(sessions(&reviewer), 5);
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
