//! Files of a device's data that others on the machine must not read: the data folder is
//! 0700, the database, the key file and the settings 0600, whatever the umask. The
//! database is encrypted, but its size, its timestamps and the key file's salt are still
//! nobody else's business, and a salt left readable undoes "delete the key file first".

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) and makes it private to this user.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    restrict(dir, 0o700)
}

/// Creates (or truncates) a file readable and writable by this user only.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // `mode` applies only when the file is created: an older file keeps its mode.
    restrict(path, 0o600)?;
    Ok(file)
}

/// Sets a path's permission bits (Unix only; elsewhere the platform's own rules apply).
pub fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Overwrites a small file with zeros, synced, before it is deleted: the key file's salt
/// should not survive in the freed blocks of a simple file system. (Flash storage may
/// keep old copies anyway; deleting it first is what counts.)
pub fn shred(path: &Path) -> io::Result<()> {
    use std::io::Write;
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.write_all(&vec![0u8; usize::try_from(len).unwrap_or(0).min(1 << 20)])?;
    f.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_files_and_folders_are_closed_to_other_users_whatever_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&data).unwrap();
        assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
        let f = data.join("settings.json");
        std::fs::write(&f, b"{}").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        create_private(&f).unwrap();
        assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn shredding_overwrites_before_delete() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ccs.db.kdf");
        std::fs::write(&f, b"{\"salt\":\"00112233\"}").unwrap();
        shred(&f).unwrap();
        assert!(std::fs::read(&f).unwrap().iter().all(|b| *b == 0));
        shred(&dir.path().join("missing")).unwrap();
    }
}
