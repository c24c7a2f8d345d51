//! The French a secretary reads in messages from Rust: elisions with the apostrophe ’
//! (« l’application », not « l'application ») and « code secret », never « phrase de
//! passe ». Scans the non-test code of every crate that writes French messages, as a
//! reviewer would grep it, so a new message written with the typewriter apostrophe fails
//! here rather than on a phone.

use std::path::{Path, PathBuf};

/// Sources whose French strings are data, not messages: official place names
/// (« N'Tillit » as the reference list spells it).
const DATA: &[&str] = &["core/src/reference/mod.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of `code` before its test module, with their line numbers.
fn literals(code: &str) -> Vec<(usize, String)> {
    let code = code.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let Some(end) = end else { break };
            out.push((n + 1, after[..end].to_string()));
            rest = &after[end + 1..];
        }
    }
    out
}

/// A French elision written with the typewriter apostrophe: « l'heure », « qu'il ».
fn typewriter_elision(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '\'' || i == 0 || i + 1 >= chars.len() || !chars[i + 1].is_alphabetic() {
            continue;
        }
        let word: String =
            chars[..i].iter().rev().take_while(|c| c.is_alphabetic()).collect::<Vec<_>>().into_iter().rev().collect();
        let elided = ["l", "d", "n", "s", "j", "c", "m", "t", "qu", "jusqu", "lorsqu", "puisqu"];
        if elided.contains(&word.to_lowercase().as_str()) {
            return Some(chars[i.saturating_sub(word.len())..(i + 2).min(chars.len())].iter().collect());
        }
    }
    None
}

#[test]
fn french_messages_use_the_french_apostrophe_and_say_code_secret() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in ["core/src", "sync-server/src", "cli/src", "src-tauri/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "the sources were found");
    let mut found = Vec::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().to_string();
        if DATA.contains(&rel.as_str()) {
            continue;
        }
        for (line, s) in literals(&std::fs::read_to_string(&f).unwrap()) {
            if let Some(bad) = typewriter_elision(&s) {
                found.push(format!("{rel}:{line}: « {bad} » in {s:?}"));
            }
            let lower = s.to_lowercase();
            if lower.contains("phrase de passe") || lower.contains("phrase secrète") {
                found.push(format!("{rel}:{line}: say « code secret »: {s:?}"));
            }
        }
    }
    assert!(found.is_empty(), "{} French string(s) to fix:\n{}", found.len(), found.join("\n"));
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert_eq!(typewriter_elision("Saisissez le code d'enrôlement."), Some("d'e".into()));
    assert_eq!(typewriter_elision("jusqu'au bout"), Some("jusqu'a".into()));
    assert_eq!(typewriter_elision("the device's data"), None);
    assert_eq!(typewriter_elision("don't"), None);
    assert_eq!(typewriter_elision("l’application"), None);
    let lits = literals("let a = \"x \\\"y\\\" z\"; // \"no\"\n// \"comment\"\nlet b = \"c'est\";");
    assert_eq!(lits.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["x \\\"y\\\" z", "no", "c'est"]);
}
