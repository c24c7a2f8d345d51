// The Android project's settings (no backup, the camera) are written into the project
// `tauri android init` generated, on every Android build: see android/manifest.rs.
#[path = "android/manifest.rs"]
mod android_manifest;

fn main() {
    println!("cargo:rerun-if-env-changed=TAURI_ANDROID_PROJECT_PATH");
    if let Some(project) = std::env::var_os("TAURI_ANDROID_PROJECT_PATH") {
        match android_manifest::apply(std::path::Path::new(&project)) {
            Ok(Some(manifest)) => println!("cargo:rerun-if-changed={}", manifest.display()),
            Ok(None) => {}
            Err(e) => panic!("the Android project's settings could not be written: {e}"),
        }
    }
    tauri_build::build()
}
