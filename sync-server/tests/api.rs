//! The HTTP API at its edges: health, enrollment, authentication, and every kind of bad
//! request, each followed by proof that the server still serves.

mod common;

use ccs_core::model::*;
use ccs_core::sync::wire::{self, DocPush, SyncRequest};
use ccs_sync_server::enrollment::{EnrollResponse, Grant};
use ccs_sync_server::{admin, Limits};
use chrono::Utc;
use common::*;
use rstest::rstest;

fn enroll_with(server: &TestServer, code: &str, device: DeviceId) -> (u16, Vec<u8>) {
    let body = serde_json::json!({"code": code, "device_id": device.to_string()}).to_string();
    post(&server.url, "/v1/enroll", None, "application/json", body.as_bytes())
}

/// After a refusal: health is fine and an enrolled device still syncs.
fn still_serving(server: &TestServer, device: &mut TestDevice) {
    assert_eq!(get(&server.url, "/healthz"), (200, "ok".to_string()));
    let r = device.sync(vec![]);
    assert!(!r.repair_needed);
}

#[rstest]
fn healthz_answers_ok(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    assert_eq!(get(&server.url, "/healthz"), (200, "ok".to_string()));
    let (status, body) = get(&server.url, "/nowhere");
    assert_eq!(status, 404);
    assert_eq!(error_body(body.as_bytes()).code, "request.not_found");
}

#[rstest]
fn enrollment_code_is_exchanged_once_for_a_token(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let code = server.code(Role::Member, Some(goundam()), None);
    let device = DeviceId::new();
    // Typed by hand: lower case, no dashes, stray spaces.
    let typed = format!(" {} ", code.replace('-', "").to_lowercase());
    let (status, body) = enroll_with(&server, &typed, device);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let r: EnrollResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(r.device_id, device.to_string());
    assert_eq!(r.role, "member");
    assert_eq!(r.committee_id.as_deref(), Some(GOUNDAM));
    assert_eq!(r.region, None);
    assert_eq!(r.token.len(), 64);
    assert!(r.token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(r.epoch.len(), 32);

    // The token works.
    let mut member = TestDevice {
        id: device,
        token: r.token.clone(),
        role: Role::Member,
        epoch: None,
        cursor: 0,
        url: server.url.clone(),
    };
    still_serving(&server, &mut member);

    // The same code again, even for another device: used.
    let (status, body) = enroll_with(&server, &code, DeviceId::new());
    assert_eq!((status, error_body(&body).code.as_str()), (401, "enroll.used"));

    // A code never issued.
    let (status, body) = enroll_with(&server, "AAAA-BBBB-CCCC", DeviceId::new());
    assert_eq!((status, error_body(&body).code.as_str()), (401, "enroll.invalid_code"));

    // An expired code.
    let grant = Grant { role: Role::Reviewer, committee_id: None, region: None, label: None };
    let old = admin::create_enrollment_code(
        server.at(),
        &grant,
        chrono::Duration::hours(1),
        Utc::now() - chrono::Duration::hours(2),
    )
    .unwrap();
    let (status, body) = enroll_with(&server, &old.code, DeviceId::new());
    assert_eq!((status, error_body(&body).code.as_str()), (401, "enroll.expired"));

    // A device id already enrolled: refused, and the code stays usable.
    let fresh = server.code(Role::Reviewer, None, None);
    let (status, body) = enroll_with(&server, &fresh, device);
    assert_eq!((status, error_body(&body).code.as_str()), (409, "enroll.device_exists"));
    let (status, _) = enroll_with(&server, &fresh, DeviceId::new());
    assert_eq!(status, 200);

    // Not JSON, or not a UUID.
    let (status, body) = post(&server.url, "/v1/enroll", None, "application/json", b"{\"code\":");
    assert_eq!((status, error_body(&body).code.as_str()), (400, "request.malformed"));
    let body = serde_json::json!({"code": server.code(Role::Reviewer, None, None), "device_id": "phone-1"});
    let (status, body) = post(&server.url, "/v1/enroll", None, "application/json", body.to_string().as_bytes());
    assert_eq!((status, error_body(&body).code.as_str()), (400, "request.malformed"));
    still_serving(&server, &mut member);
}

#[rstest]
fn sync_needs_a_known_unrevoked_token_checked_on_every_request(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let empty = wire::encode(&SyncRequest { epoch: None, cursor: 0, push: vec![] });

    let (status, body) = post(&server.url, "/v1/sync", None, "application/x-ccs-frame", &empty);
    assert_eq!((status, error_body(&body).code.as_str()), (401, "auth.missing"));
    let (status, body) = post(&server.url, "/v1/sync", Some(&"ab".repeat(32)), "application/x-ccs-frame", &empty);
    assert_eq!((status, error_body(&body).code.as_str()), (401, "auth.unknown_token"));
    let mut req = agent().post(format!("{}/v1/sync", server.url)).header("Authorization", "Basic dXNlcjpwYXNz");
    req = req.content_type("application/x-ccs-frame");
    let mut resp = req.send(&empty[..]).unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(error_body(&resp.body_mut().read_to_vec().unwrap()).code, "auth.missing");

    // Works, then revoked: the very next request is refused.
    still_serving(&server, &mut member);
    let revoked = admin::revoke_device(server.at(), &member.id.to_string(), Utc::now()).unwrap();
    assert_eq!(revoked, ccs_sync_server::devices::Revocation::Revoked);
    let (status, body) = member.sync_raw(&empty);
    assert_eq!((status, error_body(&body).code.as_str()), (403, "auth.revoked"));
    let (status, body) = post(&server.url, "/v1/repair", Some(&member.token), "application/x-ccs-frame", &empty);
    assert_eq!((status, error_body(&body).code.as_str()), (403, "auth.revoked"));

    let mut other = server.enroll(Role::Reviewer, None, None);
    still_serving(&server, &mut other);
}

/// A phone is seized and revoked between two rounds of its sync. The server let its
/// token in a moment ago, so it reads the body of the next round without checking the
/// token first (`auth::RecentTokens`); the round itself checks it on the snapshot it
/// works on. The phone must get nothing (not its colleague's record, not an answer to
/// its push) and file nothing; its next request is refused before its body is read.
#[rstest]
fn a_device_revoked_between_two_rounds_gets_and_files_nothing_though_its_token_was_just_let_in(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut seized = server.enroll(Role::Member, Some(goundam()), None);
    let mut colleague = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    // The round that makes the server remember the token.
    seized.sync(vec![]);
    let mut theirs = LocalDoc::new(session(goundam(), colleague.id), colleague.id);
    colleague.push_ok(vec![theirs.push()]);

    let revoked = admin::revoke_device(server.at(), &seized.id.to_string(), Utc::now()).unwrap();
    assert_eq!(revoked, ccs_sync_server::devices::Revocation::Revoked);
    let mut planted = LocalDoc::new(session(goundam(), seized.id), seized.id);
    let request = wire::encode(&SyncRequest { epoch: seized.epoch, cursor: seized.cursor, push: vec![planted.push()] });
    let (status, body) = seized.sync_raw(&request);
    assert_eq!((status, error_body(&body).code.as_str()), (403, "auth.revoked"));
    assert!(wire::decode::<ccs_core::sync::wire::SyncResponse>(&body).is_err(), "no answer frame at all");
    // Refused again, now before the body is read: a body over the limit is not even
    // looked at (413 would mean it was read).
    // The server answers and closes without reading, so the client may not even get to
    // send it all.
    let huge = vec![0u8; Limits::default().max_body_bytes + 1];
    let sent = agent()
        .post(format!("{}/v1/sync", server.url))
        .content_type("application/x-ccs-frame")
        .header("Authorization", &format!("Bearer {}", seized.token))
        .send(&huge[..]);
    match sent {
        Ok(mut resp) => {
            let body = resp.body_mut().read_to_vec().unwrap();
            assert_eq!((resp.status().as_u16(), error_body(&body).code.as_str()), (403, "auth.revoked"));
        }
        Err(e) => assert!(matches!(e, ureq::Error::Io(_)), "the body cut short, not read: {e}"),
    }

    // Nothing of the planted record was filed; the colleague's is there.
    let held = reviewer.pulled_docs();
    assert!(held.contains(&theirs.id()));
    assert!(!held.contains(&planted.id()), "a revoked device's push was filed");
    still_serving(&server, &mut colleague);
}

#[rstest]
fn bad_frames_are_refused_with_wire_codes(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let good = wire::encode(&SyncRequest { epoch: None, cursor: 0, push: vec![] });

    let (status, body) = reviewer.sync_raw(b"GET / HTTP/1.1");
    assert_eq!((status, error_body(&body).code.as_str()), (400, "wire.bad_magic"));
    still_serving(&server, &mut reviewer);

    let mut newer = good.clone();
    newer[4] = 9;
    let (status, body) = reviewer.sync_raw(&newer);
    assert_eq!((status, error_body(&body).code.as_str()), (400, "wire.unsupported_version"));
    still_serving(&server, &mut reviewer);

    let mut truncated = wire::encode(&SyncRequest {
        epoch: None,
        cursor: 0,
        push: vec![LocalDoc::new(session(goundam(), reviewer.id), reviewer.id).push()],
    });
    truncated.truncate(truncated.len() - 7);
    let (status, body) = reviewer.sync_raw(&truncated);
    assert_eq!((status, error_body(&body).code.as_str()), (400, "wire.malformed"));
    still_serving(&server, &mut reviewer);

    // A repair request sent as a sync request does not decode either.
    let (status, body) = reviewer.sync_raw(&wire::encode(&"not a request"));
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    still_serving(&server, &mut reviewer);
}

#[rstest]
fn oversize_body_is_refused_413(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::with_limits(Limits { max_body_bytes: 64 * 1024, ..Limits::default() });
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let (status, body) = reviewer.sync_raw(&vec![7u8; 100 * 1024]);
    assert_eq!((status, error_body(&body).code.as_str()), (413, "request.too_large"));
    still_serving(&server, &mut reviewer);
}

#[rstest]
fn too_many_docs_in_one_request_is_refused_422(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::with_limits(Limits { max_docs_per_request: 3, ..Limits::default() });
    server.import_committees();
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let push: Vec<DocPush> =
        (0..4).map(|_| LocalDoc::new(session(goundam(), reviewer.id), reviewer.id).push()).collect();
    let (status, body) = reviewer.sync_raw(&wire::encode(&SyncRequest { epoch: None, cursor: 0, push }));
    assert_eq!((status, error_body(&body).code.as_str()), (422, "request.too_many_docs"));
    // Nothing of the refused request was stored.
    let mut other = server.enroll(Role::Reviewer, None, None);
    assert!(other.pull_all().is_empty());
    let push: Vec<DocPush> =
        (0..3).map(|_| LocalDoc::new(session(goundam(), reviewer.id), reviewer.id).push()).collect();
    reviewer.push_ok(push);
    assert_eq!(other.pull_all().len(), 3);
}

#[rstest]
fn chunks_that_are_not_changes_refuse_only_their_document(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut good = LocalDoc::new(session(goundam(), member.id), member.id);
    let mut bad = LocalDoc::new(recommendation(goundam(), member.id), member.id);
    let mut bad_push = bad.push();
    bad_push.changes = b"\x85\x6f\x4a\x83 this is not an Automerge change".to_vec();
    let mut junk = LocalDoc::new(recommendation(goundam(), member.id), member.id);
    let mut junk_push = junk.push();
    junk_push.changes = vec![0u8; 500];

    let r = member.sync(vec![good.push(), bad_push, junk_push]);
    let codes: Vec<Option<&str>> = r.results.iter().map(|x| x.rejected.as_deref()).collect();
    assert_eq!(codes, vec![None, Some("changes.malformed"), Some("changes.malformed")]);

    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    assert_eq!(reviewer.pulled_docs(), vec![good.id()]);
    // The refused document can still be pushed properly later.
    member.push_ok(vec![bad.push()]);
    assert_eq!(reviewer.pulled_docs(), vec![bad.id()]);
    still_serving(&server, &mut member);
}

#[rstest]
fn unknown_kind_or_changed_committee_is_a_meta_mismatch(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    server.import_committees();
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let mut doc = LocalDoc::new(session(goundam(), reviewer.id), reviewer.id);
    let mut p = doc.push();
    p.meta.kind = "diary".into();
    let r = reviewer.sync(vec![p]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("doc.meta_mismatch"));
    reviewer.push_ok(vec![doc.push()]);
    doc.acked();
    doc.edit(reviewer.id, |rec| rec.sensitivity = Sensitivity::Public);
    let mut moved = doc.push();
    moved.meta.committee_id = *ansongo().as_uuid().as_bytes();
    let r = reviewer.sync(vec![moved]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("doc.meta_mismatch"));
    // Metadata that contradicts the document's own header.
    let mut liar = LocalDoc::new(session(goundam(), reviewer.id), reviewer.id);
    let mut p = liar.push();
    p.meta.committee_id = *ansongo().as_uuid().as_bytes();
    let r = reviewer.sync(vec![p]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("doc.meta_mismatch"));
}

/// A thousand devices and more reconnecting at once while the server is busy: the
/// listener holds every connection until the server accepts it. With tokio's default
/// queue (1,024) the ones past it waited a second for their handshake again, or were
/// reset, as `ccs-bench` saw on a loaded machine.
#[test]
fn a_burst_of_connections_is_held_whole_until_the_server_accepts() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = ccs_sync_server::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        // Nobody accepts while the devices connect.
        let burst = 1_500;
        let mut devices = Vec::with_capacity(burst);
        for i in 0..burst {
            match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(500)) {
                Ok(stream) => devices.push(stream),
                Err(e) => panic!("connection {i} of {burst} not completed: {e}"),
            }
        }
        let mut accepted = 0;
        while let Ok(Ok(_)) = tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept()).await {
            accepted += 1;
        }
        assert_eq!(accepted, burst, "connections the listener held for the server");
    });
}
