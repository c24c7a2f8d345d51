// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// `--version` and `--help` are answered before Tauri starts, so they work without a
/// display (an install check, an administrator over SSH); any other argument is Tauri's.
fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("--version" | "-V") => println!("ccs-app {}", env!("CARGO_PKG_VERSION")),
        Some("--help" | "-h") => print!("{HELP}"),
        _ => ccs_app::run(),
    }
}

const HELP: &str = "\
CCS Terrain, the desktop app of Mali's advisory security committees (CCS).

Usage: ccs-app [--version | --help]

Without an argument it opens the window « CCS Terrain ». Its store (encrypted) and its
settings are in the platform's data folder for the app, or in the folder named by
CCS_APP_DATA_DIR. CCS_SERVER_URL gives the sync server's address when none is set yet.

Options:
  -h, --help     Print this help
  -V, --version  Print the version
";
