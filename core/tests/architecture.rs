//! The invariants of docs/architecture.md that a scan of the sources can check: no SQL
//! outside `store`, no Automerge operation outside `doc`, `model` free of storage and
//! network. A new module that breaks one fails here, not in a review.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without its comment lines: a doc comment may name another module.
fn code_only(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Source files of `core/src` outside `allowed` (relative folder names) that contain
/// any of `needles`, with the first offending line.
fn offenders(allowed: &[&str], needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        if allowed.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let text = code_only(&std::fs::read_to_string(&file).unwrap());
        if let Some(line) = text.lines().find(|l| needles.iter().any(|n| l.contains(n))) {
            out.push(format!("{rel}: {}", line.trim()));
        }
    }
    out
}

#[test]
fn no_sql_outside_store() {
    let found = offenders(&["store/"], &["rusqlite", "Connection", "execute(", "prepare("]);
    assert!(found.is_empty(), "SQL outside core/src/store: {found:#?}");
}

#[test]
fn no_automerge_operation_outside_doc() {
    // Value types (ChangeHash, ActorId) may be named anywhere; documents and the sync
    // protocol may not.
    let found = offenders(&["doc/"], &["AutoCommit", "automerge::sync", "automerge::Automerge", "SyncDoc", "ReadDoc"]);
    assert!(found.is_empty(), "Automerge operations outside core/src/doc: {found:#?}");
}

#[test]
fn model_knows_nothing_of_storage_or_network() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let mut files = Vec::new();
    sources(&root, &mut files);
    for file in files {
        let text = code_only(&std::fs::read_to_string(&file).unwrap());
        // `crate::doc::codec` is allowed: the record types name their field encodings
        // (autosurgeon attributes), which is layout, not storage.
        for needle in ["crate::store", "crate::sync", "crate::app", "rusqlite", "ureq"] {
            assert!(!text.contains(needle), "{} uses {needle}", file.display());
        }
    }
}
