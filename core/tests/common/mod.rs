//! Fixtures shared by the core integration tests: stores in temporary directories and
//! valid records of every kind.
#![allow(dead_code)]

use ccs_core::model::*;
pub use ccs_core::samples::*;
use ccs_core::store::{Identity, KdfParams, Store};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use tempfile::TempDir;

pub const PASS: &str = "goundam-2026";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub struct TestStore {
    pub dir: TempDir,
    pub store: Store,
}

impl TestStore {
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("store.db")
    }
}

pub fn store_with(role: Role) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::create(&dir.path().join("store.db"), PASS, Identity::new(role), KdfParams::insecure_fast_for_tests())
            .unwrap();
    TestStore { dir, store }
}

/// A committee record (Goundam) written by an admin device.
pub fn goundam_committee() -> Record {
    Record::new(RecordBody::Committee(goundam_committee_body()), CommitteeId::new(), DeviceId::new(), now())
}

/// A store holding the Goundam committee; returns the store and the committee id.
pub fn store_with_committee(role: Role) -> (TestStore, CommitteeId) {
    let mut t = store_with(role);
    let c = goundam_committee();
    t.store.insert_new(&c, now()).unwrap();
    (t, c.committee_id)
}

pub fn input(body: RecordBody, committee: CommitteeId) -> ccs_core::model::input::RecordInput {
    ccs_core::model::input::RecordInput { body, committee_id: Some(committee), sensitivity: None, status: None }
}
