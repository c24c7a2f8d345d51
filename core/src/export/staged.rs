//! Files written beside their destination under a hidden temporary name and renamed
//! into place only when the whole export succeeded: an export that fails midway (a full
//! disk, a record that cannot be read, a removed USB stick) leaves no half file where
//! the user looks, and its temporary files are removed.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error_code::ErrorCode;
use crate::store::files;

use super::ExportError;

#[derive(Default)]
pub struct Staged {
    /// (temporary, final) paths, in the order they were opened.
    files: Vec<(PathBuf, PathBuf)>,
    done: bool,
}

impl Staged {
    /// Opens a private temporary file in `dest`'s folder for `dest`. Fails with
    /// `export.destination` when the folder does not exist or cannot be written.
    pub fn open(&mut self, dest: &Path) -> Result<File, ExportError> {
        let folder = folder_of(dest);
        let name = dest
            .file_name()
            .ok_or_else(|| ExportError::new(ErrorCode::ExportDestination, dest.display().to_string()))?;
        let tmp = folder.join(format!(".{}.{}.partiel", name.to_string_lossy(), std::process::id()));
        let file = files::create_private(&tmp)
            .map_err(|e| ExportError::new(ErrorCode::ExportDestination, format!("{}: {e}", folder.display())))?;
        self.files.push((tmp, dest.to_path_buf()));
        Ok(file)
    }

    /// Renames every file into place. A rename that fails removes those already moved:
    /// all of the export or none of it.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, ExportError> {
        let mut moved: Vec<PathBuf> = Vec::new();
        for (tmp, dest) in &self.files {
            if let Err(e) = std::fs::rename(tmp, dest) {
                for m in &moved {
                    let _ = std::fs::remove_file(m);
                }
                return Err(ExportError::new(ErrorCode::ExportFailed, format!("{}: {e}", dest.display())));
            }
            moved.push(dest.clone());
        }
        self.done = true;
        Ok(moved)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            for (tmp, _) in &self.files {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// The folder a destination file goes in (`.` for a bare file name).
pub fn folder_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
