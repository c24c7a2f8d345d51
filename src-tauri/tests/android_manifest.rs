//! The Android project's settings written by the app's build (`android/manifest.rs`): on
//! the manifest `tauri android init` generates, on one that says the opposite (backups
//! turned back on by hand or by a newer template), and on a project not generated yet.

#[path = "../android/manifest.rs"]
mod manifest;

use manifest::{apply, data_extraction_rules, patch_manifest, APPLICATION_ATTRIBUTES, MANIFEST_CHILDREN, RULES_NAME};

/// The shape of the manifest Tauri 2's `tauri android init` writes
/// (`gen/android/app/src/main/AndroidManifest.xml`).
const GENERATED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <uses-permission android:name="android.permission.INTERNET" />

    <!-- AndroidTV support -->
    <uses-feature android:name="android.software.leanback" android:required="false" />

    <application
        android:icon="@mipmap/ic_launcher"
        android:label="@string/app_name"
        android:theme="@style/Theme.ccs_app"
        android:usesCleartextTraffic="${usesCleartextTraffic}">
        <activity
            android:configChanges="orientation|keyboardHidden|keyboard|screenSize|locale|smallestScreenSize|screenLayout|uiMode"
            android:launchMode="singleTask"
            android:label="@string/main_activity_title"
            android:name=".MainActivity"
            android:exported="true">
            <intent-filter>
                <action android:name="android.intent.action.MAIN" />
                <category android:name="android.intent.category.LAUNCHER" />
            </intent-filter>
        </activity>
    </application>
</manifest>
"#;

/// The opening `<application …>` tag of `xml`.
fn application_tag(xml: &str) -> &str {
    let start = xml.find("<application\n").or_else(|| xml.find("<application ")).expect("an <application> element");
    let end = start + xml[start..].find('>').unwrap();
    &xml[start..=end]
}

fn assert_settings(xml: &str) {
    let tag = application_tag(xml);
    for (name, value) in APPLICATION_ATTRIBUTES {
        assert_eq!(tag.matches(&format!("{name}=")).count(), 1, "{name} once in {tag}");
        assert!(tag.contains(&format!("{name}=\"{value}\"")), "{name}=\"{value}\" in {tag}");
    }
    assert!(xml.contains(r#"<uses-permission android:name="android.permission.CAMERA" />"#));
    assert!(xml.contains(r#"<uses-feature android:name="android.hardware.camera" android:required="false" />"#));
    // The additions are children of <manifest>, outside <application>.
    let camera = xml.find("android.permission.CAMERA").unwrap();
    assert!(camera > xml.find("</application>").unwrap() && camera < xml.find("</manifest>").unwrap());
    assert_eq!(xml.matches("<application").count(), 1);
    assert_eq!(xml.matches("</manifest>").count(), 1);
}

#[test]
fn the_generated_manifest_gets_no_backup_and_the_camera() {
    let patched = patch_manifest(GENERATED).unwrap();
    assert_settings(&patched);
    // What Tauri generated is kept: the activity, the other attributes, the permission.
    for kept in [
        r#"android:usesCleartextTraffic="${usesCleartextTraffic}""#,
        r#"android:name=".MainActivity""#,
        r#"<uses-permission android:name="android.permission.INTERNET" />"#,
        r#"<category android:name="android.intent.category.LAUNCHER" />"#,
    ] {
        assert!(patched.contains(kept), "{kept} kept");
    }
    // A second build changes nothing (the file is not rewritten at every build).
    assert_eq!(patch_manifest(&patched).unwrap(), patched);
}

#[test]
fn backups_turned_back_on_are_turned_off_again() {
    let hostile = GENERATED
        .replace(
            "<application\n",
            "<application android:allowBackup=\"true\" android:fullBackupContent=\"@xml/backup_all\"\n",
        )
        .replace(
            "    <uses-permission android:name=\"android.permission.INTERNET\" />\n",
            "    <uses-permission android:name=\"android.permission.INTERNET\" />\n    \
             <uses-permission android:name=\"android.permission.CAMERA\" />\n",
        );
    let patched = patch_manifest(&hostile).unwrap();
    let tag = application_tag(&patched);
    for (name, value) in APPLICATION_ATTRIBUTES {
        assert_eq!(tag.matches(&format!("{name}=")).count(), 1, "{name} once in {tag}");
        assert!(tag.contains(&format!("{name}=\"{value}\"")), "{name}=\"{value}\" in {tag}");
    }
    assert!(!patched.contains("allowBackup=\"true\""));
    assert!(!patched.contains("@xml/backup_all"));
    // The camera permission already there is not added twice.
    assert_eq!(patched.matches("android.permission.CAMERA").count(), 1);
}

#[test]
fn a_file_that_is_not_a_manifest_is_refused() {
    assert!(patch_manifest("<resources><string name=\"app_name\">CCS</string></resources>").is_none());
    // `<applicationFoo` is not `<application`.
    assert!(patch_manifest("<manifest><applicationFoo a=\"b\"></applicationFoo></manifest>").is_none());
}

#[test]
fn the_rules_exclude_every_domain_from_backup_and_transfer() {
    let rules = data_extraction_rules();
    for section in ["cloud-backup", "device-transfer"] {
        let start = rules.find(&format!("<{section}>")).unwrap();
        let end = rules.find(&format!("</{section}>")).unwrap();
        let body = &rules[start..end];
        for domain in ["root", "file", "database", "sharedpref", "external", "device_root", "device_database"] {
            assert!(body.contains(&format!("<exclude domain=\"{domain}\" path=\".\" />")), "{domain} in {section}");
        }
        assert!(!body.contains("<include"), "nothing included in {section}");
    }
}

#[test]
fn the_project_is_written_once_generated_and_left_alone_before() {
    let dir = tempfile::tempdir().unwrap();
    // Not generated yet (`tauri android init` not run): nothing is created.
    assert_eq!(apply(dir.path()).unwrap(), None);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());

    let main = dir.path().join("app/src/main");
    std::fs::create_dir_all(&main).unwrap();
    std::fs::write(main.join("AndroidManifest.xml"), GENERATED).unwrap();
    let manifest = apply(dir.path()).unwrap().unwrap();
    assert_settings(&std::fs::read_to_string(&manifest).unwrap());
    let rules = main.join(format!("res/xml/{RULES_NAME}.xml"));
    assert_eq!(std::fs::read_to_string(&rules).unwrap(), data_extraction_rules());
    assert!(MANIFEST_CHILDREN.iter().all(|c| std::fs::read_to_string(&manifest).unwrap().contains(c)));

    // A manifest that is not one: an error, the file left as it was.
    std::fs::write(&manifest, "not xml").unwrap();
    assert!(apply(dir.path()).is_err());
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), "not xml");
}
