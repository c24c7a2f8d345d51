//! The app's side of the `ccs-report-pdf` helper: the desktop app does not carry Typst
//! (two thirds of its binary); when a report is made it runs the helper, gives it the
//! [`TypesetJob`] on its standard input and reads the PDF on its standard output.
//!
//! The data goes through a pipe, never a file: a report of confidential figures leaves
//! no copy behind but the PDF the user asked for. The helper reads nothing else, writes
//! nothing else, and exits: [`EXIT_RENDER`] when Typst refused the job, another code
//! when it could not run. Its error text is on its standard error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{PdfError, TypesetJob};

/// The helper's file name, installed beside the app.
pub const HELPER_NAME: &str = "ccs-report-pdf";

/// The helper's exit code when Typst refused the job (a bug of ours, as for
/// [`PdfError::Render`]).
pub const EXIT_RENDER: i32 = 3;

/// Largest PDF read back: a national report is a few hundred kilobytes.
const MAX_PDF_BYTES: u64 = 64 * 1024 * 1024;

/// Where the helper of the program at `exe` is: beside it (the packages install both in
/// one folder, and cargo builds both in one), else one folder up (cargo runs tests from
/// `target/debug/deps`, beside nothing).
pub fn locate(exe: &Path) -> Option<PathBuf> {
    let dir = exe.parent()?;
    [dir.join(HELPER_NAME), dir.parent()?.join(HELPER_NAME)].into_iter().find(|p| p.is_file())
}

/// The PDF of `job`, typeset by the `helper` binary.
pub fn typeset(helper: &Path, job: &TypesetJob) -> Result<Vec<u8>, PdfError> {
    use std::io::Read;
    let broke = |what: &str, e: std::io::Error| PdfError::Helper(format!("{what} {}: {e}", helper.display()));
    let mut child = Command::new(helper)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| broke("could not run", e))?;
    // Written from another thread: a helper that answers before it has read everything
    // (an error) must not leave both sides waiting on full pipes.
    let mut stdin = child.stdin.take().ok_or_else(|| PdfError::Helper("no input pipe".into()))?;
    let input = job.to_bytes();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    // Its error text is read on a third thread: a long one must not block the helper
    // while the PDF is read here.
    let errors = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = e.by_ref().take(16 * 1024).read_to_string(&mut text);
            let _ = std::io::copy(&mut e, &mut std::io::sink());
            text
        })
    });
    let mut pdf = Vec::new();
    let mut stdout = child.stdout.take().ok_or_else(|| PdfError::Helper("no output pipe".into()))?;
    let read = stdout.by_ref().take(MAX_PDF_BYTES + 1).read_to_end(&mut pdf);
    if read.is_err() || pdf.len() as u64 > MAX_PDF_BYTES {
        let _ = child.kill();
    }
    drop(stdout);
    let status = child.wait().map_err(|e| broke("lost", e))?;
    // A write error is the helper's having stopped reading: its status says why.
    let _ = writer.join();
    let stderr = errors.and_then(|t| t.join().ok()).unwrap_or_default().trim().to_string();
    read.map_err(|e| broke("unreadable output of", e))?;
    match status.code() {
        Some(0) if pdf.starts_with(b"%PDF-") && pdf.len() as u64 <= MAX_PDF_BYTES => Ok(pdf),
        Some(0) => Err(PdfError::Helper(format!("{} answered something else than a PDF", helper.display()))),
        Some(EXIT_RENDER) => Err(PdfError::Render(stderr)),
        _ => Err(PdfError::Helper(format!("{} failed ({status}): {stderr}", helper.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_is_found_beside_the_program_or_one_folder_up() {
        let dir = tempfile::tempdir().unwrap();
        let deps = dir.path().join("deps");
        std::fs::create_dir(&deps).unwrap();
        let app = deps.join("ccs-app");
        assert_eq!(locate(&app), None);
        std::fs::write(dir.path().join(HELPER_NAME), b"").unwrap();
        assert_eq!(locate(&app), Some(dir.path().join(HELPER_NAME)));
        std::fs::write(deps.join(HELPER_NAME), b"").unwrap();
        assert_eq!(locate(&app), Some(deps.join(HELPER_NAME)), "beside comes first");
    }
}
