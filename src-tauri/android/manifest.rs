//! The Android project's settings that the app's data depends on, written into the
//! project `tauri android init` generates (`gen/android`) by the app's build script on
//! every Android build (Tauri's CLI sets `TAURI_ANDROID_PROJECT_PATH` for it), so a
//! project generated again gets them back:
//!
//! - no backup of the app's data: `android:allowBackup="false"` and
//!   `android:fullBackupContent="false"` (Android up to 11), and data-extraction rules
//!   that exclude every domain from the cloud backup and from the device-to-device
//!   transfer (Android 12 and later, where `allowBackup="false"` no longer stops a
//!   transfer to a new phone). A copy of the store made by the phone's backup is a copy a
//!   seizure can reach without the phone;
//! - the camera permission (enrollment and relay QR codes are read with the camera), the
//!   camera itself not required so that a phone without one still installs the app.
//!
//! Pure text functions, tested in `tests/android_manifest.rs`; the build script calls
//! [`apply`].

use std::path::Path;

/// The data-extraction rules' resource name (`res/xml/<name>.xml`).
pub const RULES_NAME: &str = "ccs_data_extraction_rules";

/// Attributes of `<application>`, set (replacing any other value) by [`patch_manifest`].
pub const APPLICATION_ATTRIBUTES: [(&str, &str); 3] = [
    ("android:allowBackup", "false"),
    ("android:fullBackupContent", "false"),
    ("android:dataExtractionRules", "@xml/ccs_data_extraction_rules"),
];

/// Elements added as children of `<manifest>` when missing.
pub const MANIFEST_CHILDREN: [&str; 2] = [
    r#"<uses-permission android:name="android.permission.CAMERA" />"#,
    r#"<uses-feature android:name="android.hardware.camera" android:required="false" />"#,
];

/// Every domain, excluded from both the cloud backup and the device-to-device transfer.
pub fn data_extraction_rules() -> String {
    let domains = [
        "root",
        "file",
        "database",
        "sharedpref",
        "external",
        "device_root",
        "device_file",
        "device_database",
        "device_sharedpref",
    ];
    let excludes: String = domains.iter().map(|d| format!("        <exclude domain=\"{d}\" path=\".\" />\n")).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Written by CCS Terrain's build (src-tauri/android/manifest.rs): the app's data \
         is never copied off the phone, neither to a cloud backup nor to a new phone. -->\n\
         <data-extraction-rules>\n    <cloud-backup>\n{excludes}    </cloud-backup>\n    \
         <device-transfer>\n{excludes}    </device-transfer>\n</data-extraction-rules>\n"
    )
}

/// The manifest with [`APPLICATION_ATTRIBUTES`] on its `<application>` element and
/// [`MANIFEST_CHILDREN`] in `<manifest>`; unchanged if it already has them. None when the
/// text has no `<application` or no `</manifest>` (not a manifest Tauri generated).
pub fn patch_manifest(xml: &str) -> Option<String> {
    let start = find_tag(xml, "<application")?;
    let end = start + xml[start..].find('>')?;
    let mut tag = xml[start..end].to_string();
    for (name, value) in APPLICATION_ATTRIBUTES {
        tag = set_attribute(&tag, name, value);
    }
    let mut out = format!("{}{}{}", &xml[..start], tag, &xml[end..]);
    for child in MANIFEST_CHILDREN {
        // The element's identity is its `android:name`.
        let name = child.split('"').nth(1).unwrap_or(child);
        if !out.contains(&format!("\"{name}\"")) {
            let close = out.rfind("</manifest>")?;
            out.insert_str(close, &format!("    {child}\n"));
        }
    }
    out.contains("</manifest>").then_some(out)
}

/// The position of `<name` followed by whitespace or `>` (so `<application` does not match
/// `<applicationFoo`).
fn find_tag(xml: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = xml[from..].find(name) {
        let at = from + i;
        match xml[at + name.len()..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => return Some(at),
            _ => from = at + name.len(),
        }
    }
    None
}

/// The opening tag `tag` (without its `>`) with `name="value"`, replacing another value.
fn set_attribute(tag: &str, name: &str, value: &str) -> String {
    let key = format!("{name}=\"");
    if let Some(i) = tag.find(&key) {
        let from = i + key.len();
        if let Some(len) = tag[from..].find('"') {
            return format!("{}{}{}", &tag[..from], value, &tag[from + len..]);
        }
    }
    // A self-closing `<application ... /` keeps its slash last.
    let (body, slash) = match tag.strip_suffix('/') {
        Some(b) => (b.trim_end(), "/"),
        None => (tag.trim_end(), ""),
    };
    format!("{body}\n        {name}=\"{value}\"{slash}")
}

/// Writes the settings into the Android project at `project` (`gen/android`): the
/// manifest patched, the rules file beside the app's resources. Files are written only
/// when they change, so a build does not touch an up-to-date project. Returns the
/// manifest's path (the build script watches it: a regenerated project is patched again).
pub fn apply(project: &Path) -> Result<Option<std::path::PathBuf>, String> {
    let main = project.join("app/src/main");
    let manifest = main.join("AndroidManifest.xml");
    if !manifest.is_file() {
        // `tauri android init` has not run: nothing to patch yet.
        return Ok(None);
    }
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let patched = patch_manifest(&text).ok_or_else(|| format!("{}: not an Android manifest", manifest.display()))?;
    write_if_changed(&manifest, &patched)?;
    let xml_dir = main.join("res/xml");
    std::fs::create_dir_all(&xml_dir).map_err(|e| format!("{}: {e}", xml_dir.display()))?;
    write_if_changed(&xml_dir.join(format!("{RULES_NAME}.xml")), &data_extraction_rules())?;
    Ok(Some(manifest))
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
