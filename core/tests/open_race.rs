//! Many stores created and opened at once from several threads, as the test suites and
//! a server-side tool do: SQLCipher's keying must not fail under concurrency.

mod common;

use ccs_core::model::Role;
use ccs_core::store::{Identity, KdfParams, Store};

#[test]
fn stores_open_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let base = dir.path().to_path_buf();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let path = base.join(format!("s{t}-{i}.db"));
                    let store = Store::create(
                        &path,
                        common::PASS,
                        Identity::new(Role::Member),
                        KdfParams::insecure_fast_for_tests(),
                    )
                    .unwrap_or_else(|e| panic!("create {t}/{i}: {e}"));
                    drop(store);
                    Store::open(&path, common::PASS).unwrap_or_else(|e| panic!("open {t}/{i}: {e}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
