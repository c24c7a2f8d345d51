//! Captures of the X screen with ImageMagick's `import -window root`: the whole Xvfb
//! screen, cropped to the app's window. Used for the documentation screenshots (what a
//! person sees, window size included) and as a last resort after a failure.

use std::path::Path;
use std::process::Command;

/// A rectangle on the screen: x, y, width, height.
pub type Rect = (u64, u64, u64, u64);

/// Saves the screen (or the `crop` part of it) as a PNG.
pub fn capture(path: &Path, crop: Option<Rect>) -> Result<(), String> {
    let mut cmd = Command::new("import");
    cmd.args(["-silent", "-window", "root"]);
    if let Some((x, y, w, h)) = crop {
        cmd.arg("-crop").arg(format!("{w}x{h}+{x}+{y}")).arg("+repage");
    }
    cmd.arg(path);
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("import failed: {}", String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Err(format!("import not found ({e}): install Debian's imagemagick")),
    }
}
