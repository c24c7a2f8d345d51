//! Frame format 3: documents named by their number on the server's log, on both
//! databases. The server gives each document a number when it files it and says it
//! beside results and entries; a device naming a document by number is answered as if
//! it had named it by id; a number it may not read is as unknown as one never given, so
//! counting up tells a member nothing of the records outside its scope.

mod common;

use std::collections::HashMap;

use ccs_core::model::*;
use ccs_core::sync::wire::{self, DocNumbers, DocPush, SyncRequest, SyncResponse};
use common::*;
use rstest::rstest;

/// One round in format 3 naming the documents of `numbers` by number; the answer and
/// its numbers, the device's cursor moved.
fn round(device: &mut TestDevice, push: Vec<DocPush>, numbers: &HashMap<[u8; 16], u64>) -> (SyncResponse, DocNumbers) {
    let request = SyncRequest { epoch: device.epoch, cursor: device.cursor, push };
    let body = wire::encode_sync_request_numbered(&request, wire::FORMAT_V3, None, numbers);
    let (status, answer) = device.sync_raw(&body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(answer[4], wire::FORMAT_V3, "answered in the format asked in");
    let (response, given) = wire::decode_sync_response_numbered(&answer, &request).unwrap();
    device.epoch = Some(response.epoch);
    device.cursor = response.cursor;
    (response, given)
}

/// The refusal of a round naming documents by number: status and error code.
fn refused(device: &TestDevice, push: Vec<DocPush>, numbers: &HashMap<[u8; 16], u64>) -> (u16, String) {
    let request = SyncRequest { epoch: device.epoch, cursor: device.cursor, push };
    let (status, body) = device.sync_raw(&wire::encode_sync_request_numbered(&request, wire::FORMAT_V3, None, numbers));
    (status, error_body(&body).code)
}

fn bytes(id: RecordId) -> [u8; 16] {
    *id.as_uuid().as_bytes()
}

#[rstest]
fn documents_named_by_number_are_filed_as_if_named_by_id(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    let mut member = server.enroll(Role::Member, Some(goundam()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let me = member.id;
    let mut a = LocalDoc::new(session(goundam(), me), me);
    let mut b = LocalDoc::new(session(goundam(), me), me);

    // Named by id, each gets its number in the answer, one number per document.
    let (r, given) = round(&mut member, vec![a.push(), b.push()], &HashMap::new());
    assert!(r.results.iter().all(|x| x.rejected.is_none()), "{r:?}");
    let (na, nb) = (given.results[0], given.results[1]);
    assert!(na > 0 && nb > 0 && na != nb, "{given:?}");

    // The reviewer receives the entries with the same numbers.
    let (pulled, numbers) = round(&mut reviewer, vec![], &HashMap::new());
    let seen: HashMap<[u8; 16], u64> = pulled.entries.iter().map(|e| e.meta.id).zip(numbers.entries).collect();
    assert_eq!(seen.get(&bytes(a.id())), Some(&na));
    assert_eq!(seen.get(&bytes(b.id())), Some(&nb));

    // An edit named by number: accepted, reported under the document's id, given no
    // number again (the device has it), and filed on the right document.
    a.acked();
    a.edit(me, |r| {
        if let RecordBody::Session(s) = &mut r.body {
            s.present = 33;
        }
    });
    let (r, given) = round(&mut member, vec![a.push()], &HashMap::from([(bytes(a.id()), na)]));
    assert_eq!(r.results.len(), 1);
    assert_eq!(r.results[0].id, bytes(a.id()));
    assert_eq!(r.results[0].rejected, None);
    assert_eq!(given.results, vec![0]);
    let entries = reviewer.pull_all();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].meta.id, bytes(a.id()));
    let mut doc = ccs_core::doc::RecordDoc::empty();
    for e in server.enroll(Role::Reviewer, None, None).pull_all().into_iter().filter(|e| e.meta.id == bytes(a.id())) {
        doc.apply(&e.changes).unwrap();
    }
    assert_eq!(doc.read().unwrap(), a.record);

    // A device that forgot its numbers names the documents by id again: an edit filed
    // (the writer's number) and a replay of it answered from the snapshot (nothing to
    // file) each get the document's own number back, not a new one.
    b.acked();
    b.edit(me, |r| {
        if let RecordBody::Session(s) = &mut r.body {
            s.present = 21;
        }
    });
    let (r, given) = round(&mut member, vec![b.push()], &HashMap::new());
    assert_eq!(r.results[0].rejected, None);
    assert_eq!(given.results, vec![nb], "an edit named by id");
    let (r, given) = round(&mut member, vec![b.push()], &HashMap::new());
    assert_eq!(r.results[0].rejected, None);
    assert_eq!(given.results, vec![nb], "a replay named by id");
    assert_eq!(reviewer.pull_all().len(), 1, "the replay filed nothing");

    // A number names its document for good: a new document does not take it.
    let mut c = LocalDoc::new(session(goundam(), me), me);
    let (_, given) = round(&mut member, vec![c.push()], &HashMap::new());
    assert!(![0, na, nb].contains(&given.results[0]), "{given:?}");
}

#[rstest]
fn a_number_outside_the_devices_scope_is_as_unknown_as_one_never_given(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let server = TestServer::start();
    let mut goundam_member = server.enroll(Role::Member, Some(goundam()), None);
    let mut ansongo_member = server.enroll(Role::Member, Some(ansongo()), None);
    let mut reviewer = server.enroll(Role::Reviewer, None, None);
    let g = goundam_member.id;
    let mut theirs = LocalDoc::new(session(goundam(), g), g);
    let (_, given) = round(&mut goundam_member, vec![theirs.push()], &HashMap::new());
    let theirs_number = given.results[0];
    round(&mut reviewer, vec![], &HashMap::new());

    // A member of Ansongo names the Goundam record's number for a document of its own,
    // then numbers past every document: the same refusal, status and code, each time.
    let a = ansongo_member.id;
    let mut mine = LocalDoc::new(session(ansongo(), a), a);
    let forged = HashMap::from([(bytes(mine.id()), theirs_number)]);
    assert_eq!(refused(&ansongo_member, vec![mine.push()], &forged), (400, "wire.unknown_number".to_string()));
    for number in [theirs_number + 1, theirs_number + 1_000, u64::MAX] {
        let guess = HashMap::from([(bytes(mine.id()), number)]);
        assert_eq!(refused(&ansongo_member, vec![mine.push()], &guess), (400, "wire.unknown_number".to_string()));
    }
    // Nothing was filed: the Goundam record is unchanged and the member's own record
    // was not filed under another document.
    assert!(reviewer.pull_all().is_empty(), "a refused request filed something");

    // Its own record named by id goes through, and the device is told its number.
    let (r, given) = round(&mut ansongo_member, vec![mine.push()], &HashMap::new());
    assert_eq!(r.results[0].rejected, None);
    assert!(given.results[0] > 0);
}
