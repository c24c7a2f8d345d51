//! The front end's TypeScript types are generated from Rust; this test fails when the
//! committed `ui/src/bindings/` no longer matches, so a changed Rust type cannot reach
//! the UI unnoticed. `UPDATE_BINDINGS=1` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.ts` file under `dir`, by path relative to it (ts-rs puts library types such as
/// `serde_json/JsonValue.ts` in sub-folders).
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else if path.extension().is_some_and(|x| x == "ts") {
                    let name = path.strip_prefix(root).unwrap().to_string_lossy().to_string();
                    out.insert(name, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn typescript_bindings_are_current() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    let fresh = tempfile::tempdir().unwrap();
    ccs_core::app::bindings::export(fresh.path()).unwrap();
    let generated = read_dir(fresh.path());
    assert!(generated.contains_key("AppStatus.ts") && generated.contains_key("Session.ts"));
    if std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        for (name, text) in &generated {
            let path = committed.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        return;
    }
    let current = read_dir(&committed);
    let stale: Vec<&String> = generated.keys().filter(|k| current.get(*k) != generated.get(*k)).collect();
    let extra: Vec<&String> = current.keys().filter(|k| !generated.contains_key(*k)).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "ui/src/bindings is out of date (stale: {stale:?}, extra: {extra:?}); \
         run UPDATE_BINDINGS=1 cargo test -p ccs-core --test bindings"
    );
}
