//! The Tauri shell of CCS Terrain: each command is one call into [`ccs_core::app::App`],
//! run on a blocking thread so the window never freezes while the store works or a sync
//! waits on the network. What else lives here is what only a window has: events to the
//! front end, the window's title and icon, and the background thread that locks an idle
//! store and starts a sync when the server becomes reachable.
//!
//! No SQL, no Automerge and no business rule here: they belong to `ccs-core`.

use ccs_hotspot::app::{HotspotView, RelayExchange};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccs_core::app::courier::{
    courier_fetch_shared, courier_forward_shared, Collected, CourierView, FetchSummary, ForwardSummary,
};
use ccs_core::app::*;
use ccs_core::model::{Decision, DeviceId, RecordId, RecordKind, Role};
use ccs_core::store::{InboxFilter, InboxPage, KdfParams, ListFilter, Page};
use ccs_core::sync::client::SyncProgress;
use chrono::Utc;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

pub mod mobile;

/// The app's state, shared by commands and the background thread.
#[derive(Clone)]
pub struct Shared(pub Arc<Mutex<App>>);

impl Shared {
    pub fn new(app: App) -> Shared {
        Shared(Arc::new(Mutex::new(app)))
    }

    /// Runs `f` with the app on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut App) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let app = self.0.clone();
        tauri::async_runtime::spawn_blocking(move || {
            // A panic while holding the lock must not brick the app: the state is
            // settings and an open store, both consistent between calls.
            let mut guard = app.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| AppError::internal(ccs_core::error_code::ErrorCode::AppTask, e.to_string()))?
    }
}

type Reply<T> = Result<T, AppError>;

/// The eight indicators over a filter (the « Indicateurs » screen).
#[tauri::command]
async fn indicators(
    state: State<'_, Shared>,
    filter: ccs_core::report::IndicatorFilter,
) -> Reply<ccs_core::report::Indicators> {
    state.run(move |a| a.indicators(&filter, Utc::now())).await
}

#[tauri::command]
async fn app_status(state: State<'_, Shared>) -> Reply<AppStatus> {
    state.run(|a| Ok(a.status())).await
}

#[tauri::command]
async fn check_passphrase(state: State<'_, Shared>, passphrase: Secret) -> Reply<PassphraseCheck> {
    state.run(move |a| Ok(a.check_passphrase(&passphrase))).await
}

#[tauri::command]
async fn create_demo(state: State<'_, Shared>, passphrase: Secret, role: Role) -> Reply<AppStatus> {
    state.run(move |a| a.create_demo(&passphrase, role, Utc::now())).await
}

#[tauri::command]
async fn enroll(
    state: State<'_, Shared>,
    passphrase: Secret,
    server_url: String,
    code: String,
    label: Option<String>,
) -> Reply<AppStatus> {
    state.run(move |a| a.enroll(&passphrase, &server_url, &code, label.as_deref(), Utc::now())).await
}

#[tauri::command]
async fn unlock(state: State<'_, Shared>, passphrase: Secret) -> Reply<AppStatus> {
    state.run(move |a| a.unlock(&passphrase, Utc::now())).await
}

#[tauri::command]
async fn lock(state: State<'_, Shared>) -> Reply<AppStatus> {
    state.run(|a| Ok(a.lock())).await
}

#[tauri::command]
async fn wipe_device(state: State<'_, Shared>) -> Reply<AppStatus> {
    state.run(|a| a.wipe()).await
}

#[tauri::command]
async fn update_settings<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, Shared>,
    patch: SettingsPatch,
) -> Reply<Settings> {
    let settings = state.run(move |a| a.update_settings(patch, Utc::now())).await?;
    apply_window_chrome(&handle, &settings);
    Ok(settings)
}

/// The duress section of the settings: whether a second PIN is set and what it does.
#[tauri::command]
async fn duress_state(state: State<'_, Shared>) -> Reply<DuressState> {
    state.run(|a| a.duress_state(Utc::now())).await
}

/// Sets the second PIN (the passphrase confirms; it must differ from it).
#[tauri::command]
async fn set_duress(
    state: State<'_, Shared>,
    current: Secret,
    pin: Secret,
    action: ccs_core::store::SecondUse,
) -> Reply<DuressState> {
    state.run(move |a| a.set_duress(&current, &pin, action, Utc::now())).await
}

#[tauri::command]
async fn clear_duress(state: State<'_, Shared>, current: Secret) -> Reply<DuressState> {
    state.run(move |a| a.clear_duress(&current, Utc::now())).await
}

#[tauri::command]
async fn change_passphrase(state: State<'_, Shared>, current: Secret, next: Secret) -> Reply<()> {
    state.run(move |a| a.change_passphrase(&current, &next, Utc::now())).await
}

#[tauri::command]
async fn home(state: State<'_, Shared>) -> Reply<Home> {
    state.run(|a| a.home(Utc::now())).await
}

#[tauri::command]
async fn vocabulary(state: State<'_, Shared>) -> Reply<Vocabulary> {
    state.run(|a| a.vocabulary(Utc::now())).await
}

#[tauri::command]
async fn list_records(state: State<'_, Shared>, filter: ListFilter) -> Reply<Page> {
    state.run(move |a| a.list(&filter, Utc::now())).await
}

#[tauri::command]
async fn review_queue(state: State<'_, Shared>) -> Reply<Page> {
    state.run(|a| a.review_queue(Utc::now())).await
}

#[tauri::command]
async fn inbox(state: State<'_, Shared>, filter: InboxFilter) -> Reply<InboxPage> {
    state.run(move |a| a.inbox(&filter, Utc::now())).await
}

#[tauri::command]
async fn open_record(state: State<'_, Shared>, id: RecordId) -> Reply<RecordView> {
    state.run(move |a| a.open_record(id, Utc::now())).await
}

#[tauri::command]
async fn new_record(state: State<'_, Shared>, kind: RecordKind) -> Reply<DraftView> {
    state.run(move |a| a.new_record(kind, Utc::now())).await
}

#[tauri::command]
async fn save_draft(state: State<'_, Shared>, draft: DraftInput) -> Reply<DraftOutcome> {
    state.run(move |a| a.save_draft(draft, Utc::now())).await
}

#[tauri::command]
async fn open_draft(state: State<'_, Shared>, draft_id: String) -> Reply<DraftView> {
    state.run(move |a| a.open_draft(&draft_id, Utc::now())).await
}

#[tauri::command]
async fn touch(state: State<'_, Shared>) -> Reply<()> {
    state.run(|a| a.touch(Utc::now())).await
}

/// A file chooser opens over the window (`open`) or closed: while open, the focus it
/// takes is not the background ([`App::choosing_file`]).
#[tauri::command]
async fn choosing_file(state: State<'_, Shared>, open: bool) -> Reply<()> {
    state
        .run(move |a| {
            a.choosing_file(open, Utc::now());
            Ok(())
        })
        .await
}

#[tauri::command]
async fn discard_draft(state: State<'_, Shared>, draft_id: String) -> Reply<()> {
    state.run(move |a| a.discard_draft(&draft_id, Utc::now())).await
}

#[tauri::command]
async fn decide(
    state: State<'_, Shared>,
    id: RecordId,
    decision: Decision,
    comment: Option<String>,
) -> Reply<RecordView> {
    state.run(move |a| a.decide(id, decision, comment, Utc::now())).await
}

#[tauri::command]
async fn resolve_conflict(state: State<'_, Shared>, id: RecordId, path: String, choice: usize) -> Reply<RecordView> {
    state.run(move |a| a.resolve_conflict(id, &path, choice, Utc::now())).await
}

#[tauri::command]
async fn purge_record(state: State<'_, Shared>, id: RecordId) -> Reply<RecordView> {
    state.run(move |a| a.purge(id, Utc::now())).await
}

#[tauri::command]
async fn sync_now<R: Runtime>(handle: AppHandle<R>, state: State<'_, Shared>) -> Reply<SyncSummary> {
    sync(&handle, &state, true).await
}

#[tauri::command]
async fn sync_state(state: State<'_, Shared>) -> Reply<SyncState> {
    state.run(|a| a.sync_state(Utc::now())).await
}

#[tauri::command]
async fn text_warnings(state: State<'_, Shared>, text: String) -> Reply<Vec<ccs_core::model::privacy::TextWarning>> {
    state.run(move |a| Ok(a.text_warnings(&text))).await
}

// ------------------------------------------------------------------ the relay (issue 15)

#[tauri::command]
async fn enroll_offline(
    state: State<'_, Shared>,
    passphrase: Secret,
    slip: String,
    label: Option<String>,
) -> Reply<AppStatus> {
    state.run(move |a| a.enroll_offline(&passphrase, &slip, label.as_deref(), Utc::now())).await
}

#[tauri::command]
async fn relay_status(state: State<'_, Shared>) -> Reply<RelayStatus> {
    state.run(|a| a.relay_status(Utc::now())).await
}

/// Where bundle files go unless she chose elsewhere: a neutral folder under Documents
/// (a stick or a card is chosen in the field), else under the app's data folder.
#[tauri::command]
fn relay_default_folder<R: Runtime>(handle: AppHandle<R>) -> String {
    let base = handle.path().document_dir().unwrap_or_else(|_| data_dir(&handle));
    base.join("Paquets").display().to_string()
}

#[tauri::command]
async fn relay_export_to(state: State<'_, Shared>, folder: String) -> Reply<RelayExportSummary> {
    state.run(move |a| a.relay_export_to(std::path::Path::new(&folder), Utc::now())).await
}

/// « Rapport trimestriel »: the quarterly report typeset as a PDF (by the
/// `ccs-report-pdf` helper) and written to `path` (the file the user picked). `basis`
/// defaults to approved records only.
#[tauri::command]
async fn report_pdf(
    state: State<'_, Shared>,
    quarter: String,
    path: String,
    region: Option<String>,
    basis: Option<ccs_core::report::Basis>,
) -> Reply<ReportWritten> {
    let request = QuarterlyRequest { quarter, region, basis: basis.unwrap_or(ccs_core::report::Basis::Approved) };
    state
        .run(move |a| {
            // Typst is not in the app: the helper installed beside it typesets the report.
            let helper =
                std::env::current_exe().ok().and_then(|exe| ccs_report_pdf::helper::locate(&exe)).ok_or_else(|| {
                    ccs_report_pdf::PdfError::Helper(format!(
                        "{} is not beside the app",
                        ccs_report_pdf::helper::HELPER_NAME
                    ))
                })?;
            ccs_report_pdf::write_quarterly(a, &request, &helper, std::path::Path::new(&path), Utc::now())
        })
        .await
}

/// « Exporter »: the records of the filter at `path` (CSV: one file per sheet beside it),
/// logged; see `ccs_core::export`.
#[tauri::command]
async fn export_records(
    state: State<'_, Shared>,
    request: ccs_core::export::ExportRequest,
    path: String,
) -> Reply<ccs_core::export::ExportSummary> {
    state.run(move |a| a.export(&request, std::path::Path::new(&path), Utc::now())).await
}

#[tauri::command]
async fn export_log(state: State<'_, Shared>) -> Reply<Vec<ccs_core::export::ExportLogEntry>> {
    state.run(|a| a.export_log(Utc::now())).await
}

/// The folder suggested for exports: the user's documents, else the data folder.
#[tauri::command]
fn export_default_folder<R: Runtime>(handle: AppHandle<R>) -> String {
    handle.path().document_dir().unwrap_or_else(|_| data_dir(&handle)).display().to_string()
}

#[tauri::command]
async fn relay_import(state: State<'_, Shared>, bytes: Vec<u8>) -> Reply<RelayImportReport> {
    state.run(move |a| a.relay_import(&bytes, Utc::now())).await
}

#[tauri::command]
async fn courier_view(state: State<'_, Shared>) -> Reply<CourierView> {
    state.run(|a| a.courier_view(Utc::now())).await
}

#[tauri::command]
async fn courier_collect(state: State<'_, Shared>, bytes: Vec<u8>) -> Reply<Collected> {
    state.run(move |a| a.courier_collect(&bytes, Utc::now())).await
}

/// Forwarding waits on the network: the app is not held across it (as for a sync).
#[tauri::command]
async fn courier_forward(state: State<'_, Shared>) -> Reply<ForwardSummary> {
    let app = state.0.clone();
    tauri::async_runtime::spawn_blocking(move || courier_forward_shared(&app, Utc::now()))
        .await
        .map_err(|e| AppError::internal(ccs_core::error_code::ErrorCode::AppTask, e.to_string()))?
}

#[tauri::command]
async fn courier_fetch(state: State<'_, Shared>) -> Reply<FetchSummary> {
    let app = state.0.clone();
    tauri::async_runtime::spawn_blocking(move || courier_fetch_shared(&app, &[], Utc::now()))
        .await
        .map_err(|e| AppError::internal(ccs_core::error_code::ErrorCode::AppTask, e.to_string()))?
}

#[tauri::command]
async fn courier_distribute(state: State<'_, Shared>, device: DeviceId, folder: String) -> Reply<Distributed> {
    state.run(move |a| a.courier_distribute_to(device, std::path::Path::new(&folder), Utc::now())).await
}

/// The facilitator's hotspot while it serves (one at a time).
#[derive(Default)]
pub struct Serving(Mutex<Option<ccs_hotspot::courier::Hotspot>>);

fn task_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(ccs_core::error_code::ErrorCode::AppTask, e.to_string())
}

/// « Servir sur le réseau local »: serves the custody over HTTPS; a running hotspot is
/// stopped first (its token is used up once a member has exchanged).
#[tauri::command]
async fn hotspot_start(state: State<'_, Shared>, serving: State<'_, Serving>) -> Reply<HotspotView> {
    let previous = serving.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    let app = state.0.clone();
    let (hotspot, view) = tauri::async_runtime::spawn_blocking(move || {
        if let Some(h) = previous {
            h.stop();
        }
        ccs_hotspot::app::serve(app)
    })
    .await
    .map_err(task_error)??;
    *serving.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(hotspot);
    Ok(view)
}

#[tauri::command]
async fn hotspot_stop(serving: State<'_, Serving>) -> Reply<()> {
    let running = serving.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(h) = running {
        tauri::async_runtime::spawn_blocking(move || h.stop()).await.map_err(task_error)?;
    }
    Ok(())
}

/// « Échanger avec le facilitateur »: the member's side, without holding the app across
/// the network.
#[tauri::command]
async fn relay_exchange(state: State<'_, Shared>, pairing: String) -> Reply<RelayExchange> {
    let app = state.0.clone();
    tauri::async_runtime::spawn_blocking(move || ccs_hotspot::app::exchange(&app, &pairing, Utc::now()))
        .await
        .map_err(task_error)?
}

/// A sync, with progress and the resulting state sent to the window as events. It
/// does not hold the app across the network ([`sync_shared`]): lock, wipe, reading and
/// autosave go on while it runs.
async fn sync<R: Runtime>(handle: &AppHandle<R>, state: &Shared, user: bool) -> Reply<SyncSummary> {
    let h = handle.clone();
    let app = state.0.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        sync_shared(&app, Utc::now(), user, &mut |p: &SyncProgress| {
            let _ = h.emit("sync-progress", p);
        })
    })
    .await
    .map_err(|e| AppError::internal(ccs_core::error_code::ErrorCode::AppTask, e.to_string()))
    .and_then(|r| r);
    if let Ok(s) = state.run(|a| a.sync_state(Utc::now())).await {
        let _ = handle.emit("sync-state", s);
    }
    result
}

/// The window's title and icon follow the settings (a neutral name on a phone that may
/// be searched).
fn apply_window_chrome<R: Runtime>(handle: &AppHandle<R>, settings: &Settings) {
    if let Some(w) = handle.get_webview_window("main") {
        let _ = w.set_title(&settings.window_name);
        let png: &[u8] = match settings.icon {
            AppIcon::Standard => include_bytes!("../icons/icon.png"),
            AppIcon::Neutral => include_bytes!("../icons/neutral.png"),
        };
        if let Ok(icon) = tauri::image::Image::from_bytes(png) {
            let _ = w.set_icon(icon);
        }
    }
}

/// Every few seconds: lock an idle store (and tell the window), probe the server, and
/// start a sync when [`auto_sync_due`] says so.
fn background<R: Runtime>(handle: AppHandle<R>, state: Shared, every: Duration) {
    std::thread::spawn(move || loop {
        std::thread::sleep(every);
        let (locked, target) = {
            let mut app = state.0.lock().unwrap_or_else(|p| p.into_inner());
            (app.lock_if_idle(Utc::now()), app.probe_target())
        };
        if locked {
            let _ = handle.emit("locked", ());
        }
        let Some(url) = target else { continue };
        // The probe runs without the lock: it may wait on the network.
        let online = probe(&url);
        let (due, state_now) = {
            let mut app = state.0.lock().unwrap_or_else(|p| p.into_inner());
            let due = app.set_online(online, Utc::now());
            (due, app.sync_state(Utc::now()).ok())
        };
        if let Some(s) = state_now {
            let _ = handle.emit("sync-state", s);
        }
        if due {
            let _ = tauri::async_runtime::block_on(sync(&handle, &state, false));
        }
    });
}

/// Where the app keeps its store and settings: `CCS_APP_DATA_DIR`, else the platform's
/// app data folder, or the folder with the neutral name it moved to
/// ([`presence::settle_data_dir`]: the move happens at start, nothing open yet).
fn data_dir<R: Runtime>(handle: &AppHandle<R>) -> PathBuf {
    match std::env::var_os("CCS_APP_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let default = handle.path().app_data_dir().unwrap_or_else(|_| PathBuf::from("ccs-terrain-data"));
            presence::settle_data_dir(&state_dir(handle), &default)
        }
    }
}

/// Where the app keeps what must not live in its data folder (the second copy of the
/// wrong-attempt counter, the pointer to a renamed data folder): `CCS_APP_STATE_DIR`,
/// beside `CCS_APP_DATA_DIR` when only that is given (`<data>-state`: tests and
/// portable installs keep both together), else the platform's config folder for the app.
fn state_dir<R: Runtime>(handle: &AppHandle<R>) -> PathBuf {
    if let Some(d) = std::env::var_os("CCS_APP_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("CCS_APP_DATA_DIR") {
        let mut s = d;
        s.push("-state");
        return PathBuf::from(s);
    }
    handle.path().app_config_dir().unwrap_or_else(|_| PathBuf::from("ccs-terrain-state"))
}

/// The window left the front (lost focus, minimised; on Android the activity paused):
/// the store locks once it stayed away longer than the settings' grace. The one call
/// every platform's shell makes (`mobile.rs` calls it on Android's lifecycle events).
pub fn on_background<R: Runtime>(handle: &AppHandle<R>) {
    let Some(state) = handle.try_state::<Shared>() else { return };
    let grace = {
        let mut app = state.0.lock().unwrap_or_else(|p| p.into_inner());
        app.went_to_background(Utc::now());
        app.settings().background_lock_seconds
    };
    // Checked once the grace is over (the background thread checks too, every 10 s).
    let (h, shared) = (handle.clone(), state.inner().clone());
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(u64::from(grace) * 1000 + 250));
        let locked = shared.0.lock().unwrap_or_else(|p| p.into_inner()).lock_if_idle(Utc::now());
        if locked {
            let _ = h.emit("locked", ());
        }
    });
}

/// The screen was locked: the store locks at once, whatever the grace.
pub fn on_screen_locked<R: Runtime>(handle: &AppHandle<R>) {
    let Some(state) = handle.try_state::<Shared>() else { return };
    let locked = state.0.lock().unwrap_or_else(|p| p.into_inner()).screen_locked();
    if locked {
        let _ = handle.emit("locked", ());
    }
}

/// Linux: the session's screen saver announces the screen lock on the session bus
/// (`ActiveChanged(true)` of `org.freedesktop.ScreenSaver`, or GNOME's own); the store
/// locks then. Without a session bus nothing is heard, and the focus lost when the
/// screen locks still locks after the grace. The callbacks run on GTK's main loop.
#[cfg(target_os = "linux")]
fn watch_screen_lock<R: Runtime>(handle: &AppHandle<R>) {
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else { return };
    for interface in ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"] {
        let h = handle.clone();
        bus.signal_subscribe(
            None,
            Some(interface),
            Some("ActiveChanged"),
            None,
            None,
            gio::DBusSignalFlags::NONE,
            move |_, _, _, _, _, params| {
                if params.get::<(bool,)>().is_some_and(|(active,)| active) {
                    on_screen_locked(&h);
                }
            },
        );
    }
    keep_for_the_process(bus);
}

/// Linux: logind announces a lock of the session on the system bus (`Lock` of
/// `org.freedesktop.login1.Session`: `loginctl lock-session`, a lid closed or a lock
/// key handled by the system), whatever the desktop and even with no screen saver; the
/// store locks then. Only this process's session when logind names it; otherwise any
/// session's lock, since locking when it need not is the safe side. Without a system
/// bus nothing is heard.
#[cfg(target_os = "linux")]
pub fn watch_session_lock<R: Runtime>(handle: &AppHandle<R>) {
    use gio::prelude::ToVariant;
    let Ok(bus) = gio::bus_get_sync(gio::BusType::System, gio::Cancellable::NONE) else { return };
    let session: Option<String> = bus
        .call_sync(
            Some("org.freedesktop.login1"),
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "GetSessionByPID",
            Some(&(std::process::id(),).to_variant()),
            None,
            gio::DBusCallFlags::NONE,
            1000,
            gio::Cancellable::NONE,
        )
        .ok()
        .and_then(|reply| reply.child_value(0).str().map(str::to_string));
    let h = handle.clone();
    bus.signal_subscribe(
        None,
        Some("org.freedesktop.login1.Session"),
        Some("Lock"),
        session.as_deref(),
        None,
        gio::DBusSignalFlags::NONE,
        move |_, _, _, _, _, _| on_screen_locked(&h),
    );
    keep_for_the_process(bus);
}

/// GIO keeps only a weak reference to the shared bus connection: once the last strong
/// one is dropped the connection closes, and the signal subscriptions with it. Nothing
/// else in the app holds the system bus (the session bus is held by GTK, which is why
/// the screen saver's subscription was heard without this), so the watchers keep theirs
/// for the life of the process, on purpose.
#[cfg(target_os = "linux")]
fn keep_for_the_process(bus: gio::DBusConnection) {
    std::mem::forget(bus);
}

#[cfg(not(target_os = "linux"))]
fn watch_screen_lock<R: Runtime>(_handle: &AppHandle<R>) {}

#[cfg(not(target_os = "linux"))]
pub fn watch_session_lock<R: Runtime>(_handle: &AppHandle<R>) {}

/// The window is in front again: locks at once if it was away past the grace.
pub fn on_foreground<R: Runtime>(handle: &AppHandle<R>) {
    let Some(state) = handle.try_state::<Shared>() else { return };
    let locked = state.0.lock().unwrap_or_else(|p| p.into_inner()).came_to_foreground(Utc::now());
    if locked {
        let _ = handle.emit("locked", ());
    }
}

/// The builder with every command registered: used by `run` and by the command tests
/// (with Tauri's mock runtime).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        app_status,
        check_passphrase,
        create_demo,
        enroll,
        unlock,
        lock,
        wipe_device,
        update_settings,
        change_passphrase,
        duress_state,
        set_duress,
        clear_duress,
        home,
        vocabulary,
        list_records,
        review_queue,
        inbox,
        open_record,
        new_record,
        save_draft,
        open_draft,
        touch,
        choosing_file,
        discard_draft,
        decide,
        resolve_conflict,
        purge_record,
        sync_now,
        sync_state,
        text_warnings,
        enroll_offline,
        relay_status,
        relay_default_folder,
        relay_export_to,
        report_pdf,
        relay_import,
        courier_view,
        courier_collect,
        courier_forward,
        courier_fetch,
        courier_distribute,
        hotspot_start,
        hotspot_stop,
        relay_exchange,
        indicators,
        export_records,
        export_log,
        export_default_folder,
    ])
}

/// Starts the app (the desktop binary's `main`, or Tauri's activity on a phone).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = builder(tauri::Builder::default())
        .on_window_event(mobile::on_window_event)
        .setup(|app| {
            let handle = app.handle().clone();
            let dir = data_dir(&handle);
            let mut core = App::new(dir, std::env::var("CCS_SERVER_URL").ok(), KdfParams::default(), Utc::now());
            core.set_state_dir(state_dir(&handle));
            let state = Shared::new(core);
            let settings = state.0.lock().unwrap_or_else(|p| p.into_inner()).settings().clone();
            apply_window_chrome(&handle, &settings);
            background(handle.clone(), state.clone(), Duration::from_secs(10));
            app.manage(state);
            watch_screen_lock(&handle);
            watch_session_lock(&handle);
            app.manage(Serving::default());
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Focused(focused) = event {
                if *focused {
                    on_foreground(window.app_handle());
                } else {
                    on_background(window.app_handle());
                }
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("CCS Terrain could not start: {e}");
        std::process::exit(1);
    }
}
