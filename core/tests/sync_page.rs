//! A received sync page as a device applies it when some of it is hostile or damaged:
//! what cannot be applied is kept aside with its reason, the rest merges and the cursor
//! moves on; refused documents are remembered with their heads and not resent until
//! they change.

mod common;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::store::{DocHeaderView, ListFilter};
use ccs_core::sync::{Cursor, SyncPage};
use common::*;

const SERVER: &str = "http://127.0.0.1:9";

fn header_of(bytes: &[u8]) -> DocHeaderView {
    DocHeaderView::from(RecordDoc::load(bytes).unwrap().header().unwrap())
}

fn page(seq: u64, entries: Vec<(DocHeaderView, Vec<u8>)>) -> SyncPage {
    SyncPage { server: SERVER.into(), cursor: Cursor { epoch: Some([7; 16]), seq }, entries, ..Default::default() }
}

#[test]
fn a_bad_entry_is_set_aside_and_the_rest_of_its_page_merges() {
    // A colleague's device with two good records.
    let (mut colleague, committee) = store_with_committee(Role::Member);
    let good = colleague.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let other = colleague.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let good_bytes = colleague.store.document_bytes(good).unwrap();
    let other_bytes = colleague.store.document_bytes(other).unwrap();
    let committee_bytes = colleague.store.document_bytes(RecordId(committee.0)).unwrap();

    let mut device = store_with(Role::Member);
    let corrupt =
        DocHeaderView { id: RecordId::new(), kind: RecordKind::Session, committee_id: committee, schema_version: 1 };
    // A document sent under another record's id: its header contradicts the id.
    let mut lying = header_of(&other_bytes);
    lying.id = RecordId::new();
    let entries = vec![
        (corrupt.clone(), b"not automerge at all".to_vec()),
        (header_of(&committee_bytes), committee_bytes),
        (lying.clone(), other_bytes),
        (header_of(&good_bytes), good_bytes),
    ];
    let outcome = device.store.apply_sync_page(&page(42, entries), now()).unwrap();

    assert_eq!(outcome.merged.iter().map(|m| m.id).collect::<Vec<_>>(), vec![RecordId(committee.0), good]);
    assert_eq!(
        outcome.quarantined.iter().map(|q| (q.doc_id, q.code.as_str())).collect::<Vec<_>>(),
        vec![(corrupt.id, "doc.corrupt"), (lying.id, "doc.malformed")]
    );
    assert_eq!(device.store.cursor(SERVER).unwrap(), Cursor { epoch: Some([7; 16]), seq: 42 }, "the cursor moved on");
    assert!(device.store.get(good, now()).unwrap().record.is_some(), "the good entry merged");
    for bad in [corrupt.id, lying.id] {
        assert!(device.store.summary(bad).is_err(), "nothing of a bad entry was written");
    }
    // Kept aside for good, listed with the reason.
    let listed = device.store.quarantined().unwrap();
    assert_eq!(listed, outcome.quarantined);
    assert!(device.store.dirty().unwrap().is_empty(), "received documents are not sent back");

    // The next page applies as usual.
    let next = device.store.apply_sync_page(&page(43, vec![]), now()).unwrap();
    assert!(next.quarantined.is_empty());
    assert_eq!(device.store.cursor(SERVER).unwrap().seq, 43);
}

#[test]
fn an_entry_whose_earlier_changes_are_missing_is_set_aside_not_dropped_silently() {
    let (mut colleague, committee) = store_with_committee(Role::Member);
    let id = colleague.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let (first, _) = colleague.store.heads(id).unwrap();
    let mut patch = serde_json::Map::new();
    patch.insert("invited".into(), serde_json::json!(31));
    colleague.store.patch_record(id, patch, now()).unwrap();
    // Only the second change: its base is not on this device.
    let later = colleague.store.changes_since(id, &first).unwrap();
    let header = header_of(&colleague.store.document_bytes(id).unwrap());

    let mut device = store_with(Role::Member);
    let outcome = device.store.apply_sync_page(&page(5, vec![(header, later)]), now()).unwrap();
    assert!(outcome.merged.is_empty());
    assert_eq!(outcome.quarantined.iter().map(|q| q.code.as_str()).collect::<Vec<_>>(), vec!["changes.missing_deps"]);
    assert_eq!(device.store.cursor(SERVER).unwrap().seq, 5);
}

#[test]
fn a_refused_document_is_held_back_until_it_changes() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let id = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    let all = |t: &TestStore, at| t.store.to_push(at).unwrap();
    assert!(all(&t, now()).contains(&id));
    let (heads, _) = t.store.heads(id).unwrap();
    let refused = SyncPage { refused: vec![(id, heads, "scope.outside".into())], ..page(1, vec![]) };
    t.store.apply_sync_page(&refused, now()).unwrap();

    assert!(!all(&t, now()).contains(&id), "refused and unchanged: not sent");
    let held = t.store.held_back(now()).unwrap();
    assert_eq!(held.iter().map(|r| (r.id, r.code.as_str())).collect::<Vec<_>>(), vec![(id, "scope.outside")]);
    assert!(all(&t, now() + chrono::Duration::hours(25)).contains(&id), "tried again a day later");

    let mut patch = serde_json::Map::new();
    patch.insert("invited".into(), serde_json::json!(27));
    t.store.patch_record(id, patch, now()).unwrap();
    assert!(all(&t, now()).contains(&id), "edited since: sent again");
    assert!(t.store.held_back(now()).unwrap().is_empty());

    // Accepted later: the refusal is forgotten.
    let (heads, _) = t.store.heads(id).unwrap();
    t.store.apply_sync_page(&SyncPage { acked: vec![(id, heads)], ..page(2, vec![]) }, now()).unwrap();
    assert!(t.store.refused_docs().unwrap().is_empty());
}

#[test]
fn a_bad_entry_among_hundreds_is_set_aside_alone_and_its_neighbours_merge_once() {
    // Entries are merged in groups under one savepoint each (`merge_all_or_quarantine`):
    // a bad entry rolls its whole group back, which is then merged again entry by
    // entry. Every good entry must be there exactly once, with its search row, and the
    // bad ones nowhere.
    let (mut colleague, committee) = store_with_committee(Role::Member);
    let committee_bytes = colleague.store.document_bytes(RecordId(committee.0)).unwrap();
    let mut entries = vec![(header_of(&committee_bytes), committee_bytes)];
    let mut good = vec![RecordId(committee.0)];
    for i in 0..150 {
        let mut session = session_body();
        session.summary = format!("compte rendu numéro{i}");
        let id = colleague.store.create_record(input(RecordBody::Session(session), committee), now()).unwrap();
        let bytes = colleague.store.document_bytes(id).unwrap();
        entries.push((header_of(&bytes), bytes));
        good.push(id);
    }
    // One entry that cannot be read in the second group, one sent under another
    // record's id (it parses, then fails its check) in the third, and the last one
    // garbage: three groups that roll back, whole groups between them that do not.
    let garbage =
        DocHeaderView { id: RecordId::new(), kind: RecordKind::Session, committee_id: committee, schema_version: 1 };
    let mut lying = entries[5].0.clone();
    lying.id = RecordId::new();
    let lying_bytes = entries[5].1.clone();
    entries.insert(70, (garbage.clone(), b"not automerge at all".to_vec()));
    entries.insert(140, (lying.clone(), lying_bytes));
    let last = DocHeaderView { id: RecordId::new(), ..garbage.clone() };
    entries.push((last.clone(), vec![0x85, 0x6f, 0x4a, 0x83]));

    let mut device = store_with(Role::Member);
    let outcome = device.store.apply_sync_page(&page(9, entries), now()).unwrap();

    assert_eq!(outcome.merged.iter().map(|m| m.id).collect::<Vec<_>>(), good, "every good entry, in order, once");
    assert!(outcome.merged.iter().all(|m| m.created));
    assert_eq!(outcome.quarantined.iter().map(|q| q.doc_id).collect::<Vec<_>>(), vec![garbage.id, lying.id, last.id]);
    assert_eq!(device.store.quarantined().unwrap().len(), 3);
    for bad in [garbage.id, lying.id, last.id] {
        assert!(device.store.summary(bad).is_err(), "nothing of a bad entry was written");
    }
    let sessions = ListFilter { kind: Some(RecordKind::Session), limit: 500, ..Default::default() };
    assert_eq!(device.store.list(&sessions).unwrap().items.len(), 150, "no record twice, none lost");
    // The search rows were written once per record, rolled-back groups included.
    for i in [0, 69, 70, 139, 149] {
        let found = ListFilter { text: Some(format!("numéro{i}")), limit: 10, ..Default::default() };
        assert_eq!(device.store.list(&found).unwrap().items.len(), 1, "search finds record {i} once");
    }
    assert_eq!(device.store.cursor(SERVER).unwrap().seq, 9);
}
