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

/// The two sizes of the documentation: a laptop and a phone held upright.
pub const SIZES: [(&str, u32, u32); 2] = [("laptop", 1280, 800), ("phone", 360, 740)];

/// Saves `<dir>/<name>-laptop.png` and `<dir>/<name>-phone.png`: the window resized to
/// each size, the element matching `show` (if any) scrolled to the middle, left to settle
/// (no spinner), captured from the X screen and cropped to the window (WebDriver's own
/// screenshot if `import` fails). Leaves the window at laptop size.
pub async fn window_at_sizes(
    app: &crate::app::App,
    dir: &Path,
    name: &str,
    show: Option<&str>,
) -> Vec<std::path::PathBuf> {
    let mut saved = Vec::new();
    for (size, w, h) in SIZES {
        app.set_size(w, h).await;
        settle(app).await;
        // The screen from its top, or the part that matters.
        let js = match show {
            Some(_) => "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); return true;",
            None => "window.scrollTo(0, 0); return true;",
        };
        if let Some(css) = show {
            app.wait_css(css).await;
        }
        app.js(js, vec![serde_json::json!(show.unwrap_or(""))]).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let rect = app.client().get_window_rect().await.ok();
        let path = dir.join(format!("{name}-{size}.png"));
        if capture(&path, rect).is_err() && !app.screenshot(&path).await {
            app.fail(&format!("could not capture {}", path.display())).await;
        }
        saved.push(path);
    }
    let (_, w, h) = SIZES[0];
    app.set_size(w, h).await;
    saved
}

/// Waits until nothing is loading (no spinner shown), then a little more for layout.
pub async fn settle(app: &crate::app::App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.visible(".spinner").await.is_some() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
}
