//! Issue 11: the proof that a record was sent, from the store's sync bookkeeping: not
//! sent, received by the server (and when), or received with newer changes waiting.

mod common;

use ccs_core::model::*;
use ccs_core::store::delivery::Delivery;
use ccs_core::sync::page::{Cursor, SyncPage};
use common::*;

fn acknowledge(t: &mut TestStore, id: RecordId) {
    let (heads, _) = t.store.heads(id).unwrap();
    let page = SyncPage {
        server: "https://ccs.example".into(),
        cursor: Cursor { epoch: None, seq: 1 },
        acked: vec![(id, heads)],
        reset: vec![],
        entries: vec![],
        refused: vec![],
        numbers: vec![],
    };
    t.store.apply_sync_page(&page, now()).unwrap();
}

#[test]
fn a_record_page_says_when_the_server_received_the_record_and_what_waits() {
    let (mut t, committee) = store_with_committee(Role::Member);
    let id = t.store.create_record(input(RecordBody::Session(session_body()), committee), now()).unwrap();
    assert_eq!(t.store.delivery(id).unwrap(), Delivery::NotSent);

    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    acknowledge(&mut t, id);
    let Delivery::Received { at: Some(at) } = t.store.delivery(id).unwrap() else {
        panic!("received, with the time: {:?}", t.store.delivery(id));
    };
    assert!(at >= before && at <= chrono::Utc::now() + chrono::Duration::seconds(5), "{at}");

    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), serde_json::Value::String("Ajout après l’envoi".into()));
    t.store.patch_record(id, patch, now()).unwrap();
    assert_eq!(t.store.delivery(id).unwrap(), Delivery::ChangesWaiting { at: Some(at) });

    acknowledge(&mut t, id);
    assert!(matches!(t.store.delivery(id).unwrap(), Delivery::Received { at: Some(_) }));
}
