//! What the desktop and mobile app does, without knowing Tauri exists: first start,
//! locking, records with autosaved drafts, review, sync and settings. Each Tauri command
//! in `src-tauri` is one call to a method of [`App`]; tests drive the same methods with
//! a real store and a real server, no window needed.
//!
//! Not here: SQL and Automerge calls (they belong to `store` and `doc`), screens and
//! their texts (the front end's dictionaries), the clock (callers pass `now`).

pub mod bindings;
pub mod courier;
mod duress;
mod error;
mod export;
mod handover;
pub mod presence;
mod quarterly;
mod relay;
mod settings;
mod templates;
mod views;

pub use duress::DuressState;
pub use error::{input_fields, quarantine_message, refusal_message, AppError};
pub use handover::Distributed;
pub use quarterly::{QuarterlyRequest, ReportWritten};
pub use relay::{
    export_to as relay_export_to, import_report_of, relay_status_of, BundleRefusal, RelayExportSummary,
    RelayImportReport, RelayStatus,
};
pub use settings::{check_server_url, AppIcon, Settings, SettingsPatch};
pub use views::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::doc;
use crate::error_code::ErrorCode;
use crate::i18n::{Lang, Message};
use crate::model::input;
use crate::model::privacy::{text_warnings, Acknowledgement};
use crate::model::review;
use crate::model::*;
use crate::store::{
    check_strength, store_tag, Draft, Identity, InboxFilter, InboxPage, KdfParams, ListFilter, Opened, Page, SecondUse,
    Store, StoreError,
};
use crate::sync::client::{self, HttpTransport, StoreAccess, SyncError, SyncProgress, SyncReport, Transport};
use settings::SettingsFile;

/// A passphrase or PIN as it arrives from the window: zeroised when dropped, so the
/// copies the app makes of it do not linger in freed memory.
pub struct Secret(zeroize::Zeroizing<String>);

impl std::ops::Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(zeroize::Zeroizing::new(s)))
    }
}

/// The store's file name inside the app's data folder (the `ccs` CLI opens it too).
pub const STORE_FILE: &str = "ccs.db";

/// How long a sync or enrollment waits for the server.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(30);

/// The app's state: settings, and the store while unlocked.
pub struct App {
    dir: PathBuf,
    file: SettingsFile,
    store: Option<Store>,
    kdf: KdfParams,
    last_activity: DateTime<Utc>,
    online: Option<bool>,
    last_error: Option<AppError>,
    /// The running sync's cancel flag: lock and wipe set it and drop the job at once.
    sync_job: Option<Arc<AtomicBool>>,
    transport: Arc<dyn Transport>,
    /// The second copy of the attempt counter (and the data folder's pointer) lives
    /// here, outside the data folder ([`presence`]); `None` keeps the folder's only.
    state_dir: Option<PathBuf>,
    /// What the real store's seal says of the second PIN, while it is open.
    second: Option<SecondUse>,
    /// Set while the open store is the spare one (the second PIN chose it).
    decoy: Option<duress::Decoy>,
    /// Since when the window is in the background, while unlocked.
    background_since: Option<DateTime<Utc>>,
    /// Set while a file chooser the user opened is over the window: the focus it took
    /// is not the window going to the background ([`App::choosing_file`]).
    choosing_file: bool,
}

impl App {
    /// Opens the app's data folder (nothing is unlocked). `default_server` pre-fills the
    /// server address on a device that has none yet.
    pub fn new(dir: PathBuf, default_server: Option<String>, kdf: KdfParams, now: DateTime<Utc>) -> App {
        let mut file = settings::load(&dir);
        if file.settings.server_url.is_none() {
            file.settings.server_url = default_server.and_then(|u| check_server_url(&u).ok());
        }
        App {
            dir,
            file,
            store: None,
            kdf,
            last_activity: now,
            online: None,
            last_error: None,
            sync_job: None,
            transport: Arc::new(HttpTransport::new(NETWORK_TIMEOUT)),
            state_dir: None,
            second: None,
            decoy: None,
            background_since: None,
            choosing_file: false,
        }
    }

    /// Keeps the second copy of the wrong-attempt counter in `dir`, outside the data
    /// folder: a copy of the data folder put back does not reset it ([`presence`]).
    pub fn set_state_dir(&mut self, dir: PathBuf) {
        self.state_dir = Some(dir);
        self.file.failed_attempts = self.failed_attempts();
    }

    /// Wrong attempts so far: the larger of the data folder's count and the one kept
    /// outside it.
    fn failed_attempts(&self) -> u32 {
        let outside = match (&self.state_dir, store_tag(&self.store_path())) {
            (Some(dir), Some(tag)) => presence::counter(dir, &tag),
            _ => 0,
        };
        self.file.failed_attempts.max(outside)
    }

    /// Writes the attempt count in both places (always both, so a right and a wrong
    /// passphrase write the same files).
    fn record_attempts(&mut self, n: u32) -> Result<(), AppError> {
        self.file.failed_attempts = n;
        if let (Some(dir), Some(tag)) = (&self.state_dir, store_tag(&self.store_path())) {
            presence::set_counter(dir, &tag, n)?;
        }
        self.save_file()
    }

    /// Replaces how the app reaches the server (tests put a slow or failing link here).
    pub fn set_transport(&mut self, transport: Arc<dyn Transport>) {
        self.transport = transport;
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    pub fn settings(&self) -> &Settings {
        &self.file.settings
    }

    fn stage(&self) -> Stage {
        if self.store.is_some() {
            Stage::Unlocked
        } else if self.store_path().exists() {
            Stage::Locked
        } else {
            Stage::Setup
        }
    }

    pub fn status(&self) -> AppStatus {
        AppStatus {
            stage: self.stage(),
            settings: self.shown_settings(),
            identity: self.store.as_ref().map(|s| self.identity_view(s)),
            attempts_left: self.file.settings.max_attempts.saturating_sub(self.file.failed_attempts),
        }
    }

    fn identity_view(&self, store: &Store) -> IdentityView {
        let id = store.identity();
        let committee_name = id.committee_id.and_then(|c| store.summary(RecordId(c.0)).ok()).map(|s| s.title);
        let region_name = id.region.as_deref().and_then(|r| store.reference().region(r)).map(|u| u.name.clone());
        IdentityView {
            device_id: id.device_id,
            role: id.role,
            committee_id: id.committee_id,
            committee_name,
            region: id.region.clone(),
            region_name,
            server_url: store.server_link().ok().flatten().map(|l| l.url),
            enrollment_pending: store.pinned_server().ok().flatten().is_some_and(|p| p.pending.is_some()),
        }
    }

    fn save_file(&self) -> Result<(), AppError> {
        // Once a store exists, where this device syncs is in the store (encrypted): the
        // settings file, readable before unlocking, does not tell whoever copies the
        // folder which server the device talks to. It is filled again at unlock.
        if self.store_path().exists() {
            let mut file = self.file.clone();
            file.settings.server_url = None;
            return settings::save(&self.dir, &file);
        }
        settings::save(&self.dir, &self.file)
    }

    /// The open store, after the idle check: a store left idle longer than the lock
    /// delay is locked now, whoever asks. `touch` marks user activity.
    fn unlocked(&mut self, now: DateTime<Utc>, touch: bool) -> Result<&mut Store, AppError> {
        self.lock_if_idle(now);
        if touch {
            self.last_activity = now;
        }
        self.store.as_mut().ok_or_else(AppError::locked)
    }

    // ------------------------------------------------------------ first start, locking

    pub fn check_passphrase(&self, passphrase: &str) -> PassphraseCheck {
        match check_strength(passphrase) {
            Ok(()) => PassphraseCheck { ok: true, message: None },
            Err(e) => PassphraseCheck { ok: false, message: Some(AppError::from(e).message) },
        }
    }

    fn create_store(&mut self, passphrase: &str, identity: Identity) -> Result<Store, AppError> {
        if self.store_path().exists() {
            return Err(StoreError::AlreadyExists(self.store_path().display().to_string()).into());
        }
        check_strength(passphrase)?;
        crate::store::files::private_dir(&self.dir)
            .map_err(|e| AppError::internal(ErrorCode::StoreIo, e.to_string()))?;
        let store = Store::create(&self.store_path(), passphrase, identity, self.kdf)?;
        // Every store has its spare, keyed at random until a second PIN is set: its
        // presence says nothing.
        Store::ensure_spare(&self.store_path())?;
        Ok(store)
    }

    /// A store filled with demonstration data, not enrolled: to try the app. It holds what
    /// a device of `role` would hold (see [`crate::demo::fill_as`]): a `member` records
    /// for the Goundam committee and holds its records only; a facilitator covers the
    /// Tombouctou region; a reviewer or an administrator sees every committee.
    pub fn create_demo(&mut self, passphrase: &str, role: Role, now: DateTime<Utc>) -> Result<AppStatus, AppError> {
        let mut store = self.create_store(passphrase, Identity::new(Role::Admin))?;
        let filled = (|| -> Result<(), AppError> {
            crate::demo::fill_as(&mut store, role, now)?;
            let mut identity = store.identity().clone();
            identity.role = role;
            if role == Role::Member {
                let goundam = store.list(&ListFilter {
                    kind: Some(RecordKind::Committee),
                    text: Some("Goundam".into()),
                    ..Default::default()
                })?;
                identity.committee_id = goundam.items.first().map(|c| CommitteeId(c.id.0));
            }
            if role == Role::Facilitator {
                identity.region = Some(crate::demo::FACILITATOR_REGION.into());
            }
            store.set_identity(identity)?;
            Ok(())
        })();
        if let Err(e) = filled {
            drop(store);
            let _ = Store::wipe(&self.store_path());
            return Err(e);
        }
        self.store = Some(store);
        self.file.failed_attempts = 0;
        self.last_activity = now;
        self.save_file()?;
        Ok(self.status())
    }

    /// Creates the store and exchanges the enrollment code with the server; the server
    /// gives the role and scope. On any failure nothing is left behind, so the user can
    /// try again.
    pub fn enroll(
        &mut self,
        passphrase: &str,
        server_url: &str,
        code: &str,
        label: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<AppStatus, AppError> {
        let url = check_server_url(server_url)?;
        let code = code.trim();
        if code.is_empty() {
            return Err(AppError::of(ErrorCode::EnrollCodeRequired));
        }
        let mut store = self.create_store(passphrase, Identity::new(Role::Member))?;
        if let Err(e) = client::enroll(&mut store, self.transport.as_ref(), &url, code, label) {
            drop(store);
            let _ = Store::wipe(&self.store_path());
            return Err(e.into());
        }
        self.store = Some(store);
        self.file.settings.server_url = Some(url);
        self.file.failed_attempts = 0;
        self.last_activity = now;
        self.online = Some(true);
        self.save_file()?;
        Ok(self.status())
    }

    /// Opens the store. Wrong passphrases are counted across restarts, in the data
    /// folder and outside it (the larger counts); at the limit the store is wiped
    /// (`unlock.wiped`), as a phone taken at a checkpoint must not give its data to
    /// whoever tries long enough.
    ///
    /// The second PIN (duress) opens the spare store, or wipes the real one and opens
    /// the spare in its place, as chosen: same derivations, same answer, same screens
    /// as the real passphrase ([`duress`]).
    pub fn unlock(&mut self, passphrase: &str, now: DateTime<Utc>) -> Result<AppStatus, AppError> {
        if self.store.is_some() {
            return Ok(self.status());
        }
        let failed = self.failed_attempts();
        match Store::unlock(&self.store_path(), passphrase) {
            Ok(Opened::Real { mut store, second }) => {
                // A store made with the cheap test cost (`ccs init` under CCS_KDF_FAST=1)
                // is re-keyed at this app's cost before any use, not left cheap to guess.
                let mut second = second;
                if store.kdf_params().is_ok_and(|p| p.weaker_than(&self.kdf)) {
                    store.strengthen_key(passphrase, self.kdf)?;
                    second = None;
                }
                Store::ensure_spare(&self.store_path())?;
                if let Ok(Some(link)) = store.server_link() {
                    self.file.settings.server_url = Some(link.url);
                }
                self.opened(store, second, None, now)
            }
            Ok(Opened::Second(key)) => {
                let store = match key.use_() {
                    SecondUse::Decoy => Store::open_spare(&self.store_path(), &key)?,
                    SecondUse::Wipe => {
                        self.file.last_sync_at = None;
                        Store::take_over(&self.store_path(), &key)?
                    }
                };
                let decoy = (key.use_() == SecondUse::Decoy).then(duress::Decoy::default);
                self.opened(store, None, decoy, now)
            }
            Err(StoreError::WrongPassphrase) => {
                let failed = failed + 1;
                let left = self.file.settings.max_attempts.saturating_sub(failed);
                if left == 0 {
                    self.wipe_files()?;
                    return Err(AppError::of(ErrorCode::UnlockWiped));
                }
                self.record_attempts(failed)?;
                let wrong = ErrorCode::StoreWrongPassphrase;
                Err(AppError::new(
                    wrong,
                    Message::new(
                        format!("{} Essais restants avant effacement : {left}.", wrong.sentence(Lang::Fr)),
                        format!("{} Attempts left before wiping: {left}.", wrong.sentence(Lang::En)),
                    ),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The end of every unlock that opened something, real or spare: the same steps
    /// and the same writes.
    fn opened(
        &mut self,
        store: Store,
        second: Option<SecondUse>,
        decoy: Option<duress::Decoy>,
        now: DateTime<Utc>,
    ) -> Result<AppStatus, AppError> {
        self.store = Some(store);
        self.second = second;
        self.decoy = decoy;
        self.background_since = None;
        self.last_activity = now;
        self.record_attempts(0)?;
        Ok(self.status())
    }

    /// Closes the store: the connection and its key are dropped, now, even while a sync
    /// runs (the sync holds no store between its steps and stops at the next one).
    pub fn lock(&mut self) -> AppStatus {
        self.close_store();
        self.after_close();
        self.status()
    }

    /// After a lock: a store whose spare took the real one's place (second PIN, wipe)
    /// gets its new spare now, where the time it takes shows nowhere.
    fn after_close(&mut self) {
        if self.store_path().exists() {
            let _ = Store::ensure_spare(&self.store_path());
        }
    }

    /// Drops the open store (real or spare) and what is known of it.
    fn close_store(&mut self) {
        self.cancel_sync();
        self.store = None;
        self.second = None;
        self.decoy = None;
        self.background_since = None;
        self.choosing_file = false;
        // What the last probe and sync found belongs to the store just closed: the next
        // store opened (the spare one, say) must not show it.
        self.online = None;
        self.last_error = None;
    }

    /// Stops the running sync, if any: it finds the flag set at its next step and ends
    /// with `sync.cancelled`; what it already applied stays (each page is one
    /// transaction).
    fn cancel_sync(&mut self) {
        if let Some(cancel) = self.sync_job.take() {
            cancel.store(true, Ordering::SeqCst);
        }
    }

    /// Locks when the store has been idle longer than the lock delay, a sync running
    /// or not. Returns whether it locked now.
    pub fn lock_if_idle(&mut self, now: DateTime<Utc>) -> bool {
        let limit = chrono::Duration::minutes(i64::from(self.file.settings.lock_minutes));
        let grace = chrono::Duration::seconds(i64::from(self.file.settings.background_lock_seconds));
        let idle = now - self.last_activity >= limit;
        let away = self.background_since.is_some_and(|since| now - since >= grace);
        if self.store.is_some() && (idle || away) {
            self.close_store();
            self.after_close();
            return true;
        }
        false
    }

    fn wipe_files(&mut self) -> Result<(), AppError> {
        self.close_store();
        if let (Some(dir), Some(tag)) = (&self.state_dir, store_tag(&self.store_path())) {
            presence::set_counter(dir, &tag, 0)?;
        }
        Store::wipe(&self.store_path())?;
        // A settings file cut short by a crash holds the server address too.
        match std::fs::remove_file(settings::tmp_path(&self.dir)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(AppError::internal(ErrorCode::StoreIo, e.to_string()))
            }
            _ => {}
        }
        let lang = self.file.settings.lang;
        self.file = SettingsFile::default();
        self.file.settings.lang = lang;
        self.online = None;
        self.last_error = None;
        self.save_file()
    }

    /// Deletes everything this device holds (key file first). Back to first start.
    pub fn wipe(&mut self) -> Result<AppStatus, AppError> {
        self.wipe_files()?;
        Ok(self.status())
    }

    /// Changes settings. While a store exists but is locked only the language may change
    /// (the unlock screen offers it): whoever holds a locked phone must not be able to
    /// point it at another server, lengthen the lock delay or raise the attempt limit.
    pub fn update_settings(&mut self, patch: SettingsPatch, now: DateTime<Utc>) -> Result<Settings, AppError> {
        self.lock_if_idle(now);
        let language_only = patch == SettingsPatch { lang: patch.lang, ..Default::default() };
        if self.stage() == Stage::Locked && !language_only {
            return Err(AppError::locked());
        }
        self.last_activity = now;
        self.file.settings.apply(patch)?;
        self.save_file()?;
        Ok(self.file.settings.clone())
    }

    pub fn change_passphrase(&mut self, current: &str, next: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        let db = self.store_path();
        let decoy = self.decoy.is_some();
        let store = self.unlocked(now, true)?;
        if decoy {
            // The spare store's passphrase is the second PIN: changing it changes that.
            return Ok(store.change_second(&db, current, next)?);
        }
        store.change_passphrase(current, next)?;
        Ok(())
    }

    // ------------------------------------------------------------ reading

    pub fn home(&mut self, now: DateTime<Utc>) -> Result<Home, AppError> {
        let sync = self.sync_state(now)?;
        let store = self.unlocked(now, true)?;
        let mut counts = Vec::new();
        for (kind, status, count) in store.counts()? {
            counts.push(StatusCount { kind, status, count: count as u32 });
        }
        // Only what this device can correct and submit again: a reviewer's or another
        // committee's record sent back is not on this to-do list.
        let role = store.identity().role;
        let to_correct = store
            .list(&ListFilter { status: Some(ReviewStatus::NeedsCorrection), limit: 50, ..Default::default() })?
            .items
            .into_iter()
            .filter(|r| {
                review::role_may(role, Decision::Submitted)
                    && !r.read_only
                    && r.superseded_by.is_none()
                    && store.check_write_scope(r.kind, r.committee_id).is_ok()
            })
            .collect();
        let drafts = store
            .unfinished_drafts(None)?
            .into_iter()
            .map(|d| DraftSummary { id: d.id, kind: d.kind, record_id: d.record_id, updated_at: d.updated_at })
            .collect();
        // The same count as the inbox « À traiter » shows.
        let to_review = store.inbox(&InboxFilter { limit: 1, ..Default::default() }, now)?.total as u32;
        let store = self.store.as_ref().ok_or_else(AppError::locked)?;
        Ok(Home { identity: self.identity_view(store), counts, to_correct, drafts, to_review, sync })
    }

    pub fn vocabulary(&mut self, now: DateTime<Utc>) -> Result<Vocabulary, AppError> {
        let store = self.unlocked(now, true)?;
        let committees = store
            .list(&ListFilter {
                kind: Some(RecordKind::Committee),
                limit: crate::store::MAX_PAGE,
                ..Default::default()
            })?
            .items
            .into_iter()
            .map(|c| CommitteeOption { id: CommitteeId(c.id.0), name: c.title, region: c.region, commune: c.commune })
            .collect();
        Ok(Vocabulary {
            lists: templates::value_lists(),
            units: store.reference().all().cloned().collect(),
            committees,
            thresholds: LevelThresholds::default(),
        })
    }

    pub fn list(&mut self, filter: &ListFilter, now: DateTime<Utc>) -> Result<Page, AppError> {
        Ok(self.unlocked(now, true)?.list(filter)?)
    }

    /// What this device's role decides on next, oldest first in the list's order.
    /// The eight indicators over `filter` with the defaults of DOMAIN.md (90 days for
    /// "operational", the deployment's risk thresholds, one session a month, 30 %),
    /// from what this device holds.
    pub fn indicators(
        &mut self,
        filter: &crate::report::IndicatorFilter,
        now: DateTime<Utc>,
    ) -> Result<crate::report::Indicators, AppError> {
        let params = crate::report::IndicatorParams::new(now);
        Ok(self.unlocked(now, true)?.indicators(filter, &params)?)
    }

    pub fn review_queue(&mut self, now: DateTime<Utc>) -> Result<Page, AppError> {
        let store = self.unlocked(now, true)?;
        match review_filter(store.identity().role) {
            Some(f) => Ok(store.list(&f)?),
            None => Ok(Page { items: vec![], total: 0, offset: 0, limit: 0 }),
        }
    }

    /// The inbox « À traiter »: what waits for this device's role, filtered, oldest
    /// wait first, with the counts per region and kind for the filter chips
    /// ([`Store::inbox`]). A member's inbox is empty.
    pub fn inbox(&mut self, filter: &InboxFilter, now: DateTime<Utc>) -> Result<InboxPage, AppError> {
        Ok(self.unlocked(now, true)?.inbox(filter, now)?)
    }

    pub fn open_record(&mut self, id: RecordId, now: DateTime<Utc>) -> Result<RecordView, AppError> {
        let store = self.unlocked(now, true)?;
        record_view(store, id, now)
    }

    pub fn text_warnings(&self, text: &str) -> Vec<crate::model::privacy::TextWarning> {
        text_warnings(text)
    }

    // ------------------------------------------------------------ writing

    /// A new form with its defaults, kept at once as a draft.
    pub fn new_record(&mut self, kind: RecordKind, now: DateTime<Utc>) -> Result<DraftView, AppError> {
        let store = self.unlocked(now, true)?;
        store.check_write_scope(kind, store.identity().committee_id.unwrap_or_default())?;
        let fields = templates::new_fields(store, kind, now)?;
        let draft = Draft {
            id: uuid::Uuid::now_v7().to_string(),
            record_id: None,
            kind,
            body: fields,
            base_heads: vec![],
            acknowledged: vec![],
            updated_at: now,
        };
        store.save_draft(&draft)?;
        draft_view(store, draft)
    }

    /// Autosave: keeps the form's state as a draft, and when it validates, saves it as
    /// the record (creating it the first time) and drops the draft. An invalid state
    /// stays a draft with its field errors; nothing typed is ever thrown away.
    ///
    /// Over an existing record the form sends only what the user changed, with the heads
    /// it started from; the change is applied against those heads
    /// ([`Store::edit_at`]), so edits merged meanwhile survive.
    ///
    /// Free text with a new passage that looks like a name or a phone number is not
    /// written into the document (its history would keep it for good, on every device
    /// and the server): it waits in the draft, `held_fields` says which, until the user
    /// removed the passage or acknowledged it (`DraftInput::acknowledged`). A new record
    /// is not created at all meanwhile.
    pub fn save_draft(&mut self, input: DraftInput, now: DateTime<Utc>) -> Result<DraftOutcome, AppError> {
        if serde_json::to_vec(&input.fields).map(|b| b.len()).unwrap_or(usize::MAX) > input::MAX_INPUT_BYTES {
            return Err(input::InputError::TooLarge { max: input::MAX_INPUT_BYTES }.into());
        }
        let store = self.unlocked(now, true)?;
        let draft = Draft {
            id: input.draft_id.clone(),
            record_id: input.record_id,
            kind: input.kind,
            body: input.fields.clone(),
            base_heads: input.base_heads.clone(),
            acknowledged: input.acknowledged.clone(),
            updated_at: now,
        };
        store.save_draft(&draft)?;
        match input.record_id {
            None => save_new(store, &input, now),
            Some(id) => save_edit(store, id, &input, now),
        }
    }

    /// Reopens a form left unfinished (a new record that never validated, or changes to
    /// a record waiting in the draft).
    pub fn open_draft(&mut self, draft_id: &str, now: DateTime<Utc>) -> Result<DraftView, AppError> {
        let store = self.unlocked(now, true)?;
        let d = store.draft(draft_id)?.ok_or_else(|| AppError::of(ErrorCode::DraftNotFound))?;
        draft_view(store, d)
    }

    /// Marks user activity seen by the window (reading, scrolling) so the idle lock
    /// counts it; fails with `app.locked` when the store is already locked.
    pub fn touch(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        self.unlocked(now, true).map(|_| ())
    }

    pub fn discard_draft(&mut self, draft_id: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        Ok(self.unlocked(now, true)?.delete_draft(draft_id)?)
    }

    /// A review decision: submit, validate, approve, send back with a comment, reopen.
    pub fn decide(
        &mut self,
        id: RecordId,
        decision: Decision,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<RecordView, AppError> {
        let store = self.unlocked(now, true)?;
        if store.draft_for(id)?.is_some() && decision == Decision::Submitted {
            return Err(AppError::of(ErrorCode::RecordDraftPending));
        }
        store.review(id, decision, comment, now)?;
        record_view(store, id, now)
    }

    pub fn resolve_conflict(
        &mut self,
        id: RecordId,
        path: &str,
        choice: usize,
        now: DateTime<Utc>,
    ) -> Result<RecordView, AppError> {
        let store = self.unlocked(now, true)?;
        store.resolve_conflict(id, path, choice, now)?;
        record_view(store, id, now)
    }

    /// « Purger l'historique »: replaces the record by a copy holding its current state
    /// only, for a record that already carries something it must not (see
    /// `store::declassify`). Facilitators, reviewers and administrators only: a member
    /// is refused `record.purge_not_allowed`. Answers with the copy.
    pub fn purge(&mut self, id: RecordId, now: DateTime<Utc>) -> Result<RecordView, AppError> {
        let store = self.unlocked(now, true)?;
        if !review::role_may(store.identity().role, Decision::Purged) {
            return Err(AppError::of(ErrorCode::RecordPurgeNotAllowed));
        }
        let copy = store.purge(id, now)?;
        record_view(store, copy.id, now)
    }

    // ------------------------------------------------------------ sync

    pub fn sync_state(&mut self, now: DateTime<Utc>) -> Result<SyncState, AppError> {
        let running = self.sync_job.is_some();
        let store = self.unlocked(now, false)?;
        let link = store.server_link()?;
        let pending = store.to_push(now)?.len() as u32;
        let refused = store.held_back(now)?.into_iter().map(|r| refusal_view(store, r.id, &r.code)).collect();
        let quarantined = store.quarantined()?.into_iter().map(|q| quarantine_view(store, &q)).collect();
        Ok(SyncState {
            server_url: link.as_ref().map(|l| l.url.clone()).or_else(|| self.shown_settings().server_url),
            enrolled: link.is_some(),
            online: self.online,
            last_sync_at: if self.decoy.is_some() { None } else { self.file.last_sync_at },
            pending,
            refused,
            quarantined,
            running,
            last_error: self.last_error.clone(),
        })
    }

    /// The server address to probe, when there is an unlocked, enrolled store.
    pub fn probe_target(&self) -> Option<String> {
        self.store.as_ref().and_then(|s| s.server_link().ok().flatten()).map(|l| l.url)
    }

    /// Records what a probe found; returns whether a sync should start now (see
    /// [`auto_sync_due`]).
    pub fn set_online(&mut self, online: bool, now: DateTime<Utc>) -> bool {
        let was = self.online;
        self.online = Some(online);
        // Refused documents held back do not count: they would start a sync every
        // minute for nothing.
        let pending = self.store.as_ref().and_then(|s| s.to_push(now).ok()).map_or(0, |d| d.len());
        auto_sync_due(&AutoSync {
            unlocked: self.store.is_some(),
            running: self.sync_job.is_some(),
            was_online: was,
            online,
            pending,
            last_sync_at: self.file.last_sync_at,
            failed_recently: self.last_error.is_some(),
            now,
        })
    }

    /// One sync with the server, reporting progress after each round trip. `user`
    /// says whether a person asked (a background sync does not keep the app unlocked).
    /// Holds the app for the whole exchange: for a caller that owns the app alone (the
    /// CLI, tests); the window uses [`sync_shared`].
    pub fn sync_now(
        &mut self,
        now: DateTime<Utc>,
        user: bool,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<SyncSummary, AppError> {
        let job = self.begin_sync(now, user)?;
        let store = self.store.as_mut().ok_or_else(AppError::locked)?;
        // Custody first (RELAY.md): members' records reach the server before this
        // device's own push.
        let courier = App::is_courier(store).then(|| {
            let mut summary = courier::forward(store, job.transport.as_ref(), now);
            if summary.error.is_none() {
                summary.roster_renewed = courier::refresh_roster(store, job.transport.as_ref(), now).is_ok();
            }
            summary
        });
        let result = client::sync_with_progress(store, job.transport.as_ref(), now, progress);
        let mut summary = self.finish_sync(job, result, now)?;
        summary.courier = courier;
        Ok(summary)
    }

    /// Starts a sync: checks the store is open and no other sync runs, and hands out
    /// what the sync needs outside the app's lock.
    pub fn begin_sync(&mut self, now: DateTime<Utc>, user: bool) -> Result<SyncJob, AppError> {
        self.unlocked(now, user)?;
        if self.sync_job.is_some() {
            return Err(AppError::of(ErrorCode::SyncRunning));
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.sync_job = Some(cancel.clone());
        Ok(SyncJob { cancel, transport: self.transport.clone() })
    }

    /// Ends a sync started by [`App::begin_sync`] and says what it did. A sync that
    /// was cancelled (lock, wipe) changes nothing here: the app may already be wiped.
    pub fn finish_sync(
        &mut self,
        job: SyncJob,
        result: Result<SyncReport, SyncError>,
        now: DateTime<Utc>,
    ) -> Result<SyncSummary, AppError> {
        let current = self.sync_job.as_ref().is_some_and(|c| Arc::ptr_eq(c, &job.cancel));
        if !current || job.cancel.load(Ordering::SeqCst) {
            return Err(SyncError::Cancelled.into());
        }
        self.sync_job = None;
        match result {
            Ok(report) => {
                let store = self.store.as_ref().ok_or_else(AppError::locked)?;
                let refused = report.rejected.iter().map(|(id, code)| refusal_view(store, *id, code)).collect();
                let quarantined = report.quarantined.iter().map(|q| quarantine_view(store, q)).collect();
                self.online = Some(true);
                self.last_error = None;
                self.file.last_sync_at = Some(now);
                self.save_file()?;
                Ok(SyncSummary {
                    sent: report.pushed as u32,
                    accepted: report.accepted as u32,
                    received: report.received as u32,
                    refused,
                    held_back: report.held_back as u32,
                    quarantined,
                    flagged: report.flagged as u32,
                    round_trips: report.round_trips as u32,
                    bytes_up: report.bytes_up as u32,
                    bytes_down: report.bytes_down as u32,
                    elapsed_ms: report.elapsed_ms as u32,
                    at: now,
                    courier: None,
                })
            }
            Err(e) => {
                let network = matches!(e, client::SyncError::Network(_));
                let e = AppError::from(e);
                if network {
                    self.online = Some(false);
                }
                self.last_error = Some(e.clone());
                Err(e)
            }
        }
    }
}

/// A sync started by [`App::begin_sync`]: its cancel flag and its link to the server.
pub struct SyncJob {
    cancel: Arc<AtomicBool>,
    transport: Arc<dyn Transport>,
}

fn lock_app(app: &Mutex<App>) -> MutexGuard<'_, App> {
    // A panic while holding the lock must not brick the app: the state is settings and
    // an open store, both consistent between calls.
    app.lock().unwrap_or_else(|p| p.into_inner())
}

/// The app's store as a sync reaches it: `app` is locked for one step at a time (build
/// a request, apply an answer), never across the network, so reading, autosave, lock
/// and wipe go on during a sync. A step finds the sync cancelled when the app was
/// locked or wiped since it began.
struct SharedStore<'a> {
    app: &'a Mutex<App>,
    cancel: &'a AtomicBool,
}

impl StoreAccess for SharedStore<'_> {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T, SyncError>) -> Result<T, SyncError> {
        let mut app = lock_app(self.app);
        if self.cancel.load(Ordering::SeqCst) {
            return Err(SyncError::Cancelled);
        }
        match app.store.as_mut() {
            Some(store) => f(store),
            None => Err(SyncError::Cancelled),
        }
    }
}

/// A transport that gives up waiting as soon as the sync is cancelled: the exchange
/// runs on its own thread, which ends by itself at the network timeout; the sync
/// returns at once.
struct Cancellable {
    inner: Arc<dyn Transport>,
    cancel: Arc<AtomicBool>,
}

impl Cancellable {
    /// Runs one exchange on its own thread and waits for it unless the sync is cancelled.
    fn exchange(
        &self,
        f: impl FnOnce(&dyn Transport) -> Result<Vec<u8>, SyncError> + Send + 'static,
    ) -> Result<Vec<u8>, SyncError> {
        if self.cancel.load(Ordering::SeqCst) {
            return Err(SyncError::Cancelled);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let inner = self.inner.clone();
        std::thread::Builder::new()
            .name("ccs-sync-exchange".into())
            .spawn(move || {
                let _ = tx.send(f(inner.as_ref()));
            })
            .map_err(|e| SyncError::Network(e.to_string()))?;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(result) => return result,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) if self.cancel.load(Ordering::SeqCst) => {
                    return Err(SyncError::Cancelled)
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(SyncError::Network("the exchange thread ended without an answer".into()))
                }
            }
        }
    }
}

impl Transport for Cancellable {
    fn post(
        &self,
        server: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SyncError> {
        let (server, path, token, content_type) =
            (server.to_string(), path.to_string(), token.map(str::to_string), content_type.to_string());
        self.exchange(move |t| t.post(&server, &path, token.as_deref(), &content_type, body))
    }

    fn get(&self, server: &str, path: &str, token: Option<&str>) -> Result<Vec<u8>, SyncError> {
        let (server, path, token) = (server.to_string(), path.to_string(), token.map(str::to_string));
        self.exchange(move |t| t.get(&server, &path, token.as_deref()))
    }
}

/// One sync of the app shared with the window: the app is locked to start it, for each
/// step, and to end it, never across a network exchange. `progress` is called after
/// each round trip, without the lock.
pub fn sync_shared(
    app: &Mutex<App>,
    now: DateTime<Utc>,
    user: bool,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<SyncSummary, AppError> {
    let job = lock_app(app).begin_sync(now, user)?;
    let transport = Cancellable { inner: job.transport.clone(), cancel: job.cancel.clone() };
    // Custody first (RELAY.md): members' records reach the server before this device's
    // own push.
    let courier = courier::courier_before_sync(app, &job.cancel, &transport, now);
    let result = client::run(&mut SharedStore { app, cancel: &job.cancel }, &transport, now, progress);
    let mut summary = lock_app(app).finish_sync(job, result, now)?;
    summary.courier = courier;
    Ok(summary)
}

fn refusal_view(store: &Store, id: RecordId, code: &str) -> Refusal {
    Refusal {
        id,
        title: store.summary(id).ok().map(|s| s.title),
        code: code.to_string(),
        message: refusal_message(code, code),
    }
}

fn quarantine_view(store: &Store, q: &crate::store::QuarantinedEntry) -> QuarantineView {
    QuarantineView {
        id: q.doc_id,
        kind: q.kind,
        title: store.summary(q.doc_id).ok().map(|s| s.title),
        code: q.code.clone(),
        message: quarantine_message(&q.code),
        at: q.at,
    }
}

/// Whether a server at `url` answers now (a short health check, no lock held).
pub fn probe(url: &str) -> bool {
    client::reachable(url, Duration::from_secs(5))
}

/// What the background sync decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSync {
    pub unlocked: bool,
    pub running: bool,
    pub was_online: Option<bool>,
    pub online: bool,
    pub pending: usize,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub failed_recently: bool,
    pub now: DateTime<Utc>,
}

/// Sync starts by itself when the server becomes reachable, or while it is reachable
/// and changes wait or the last sync is old. Pure, so the policy is tested as a table.
pub fn auto_sync_due(s: &AutoSync) -> bool {
    if !s.unlocked || s.running || !s.online {
        return false;
    }
    let since = s.last_sync_at.map(|t| s.now - t);
    let came_online = s.was_online != Some(true);
    let stale = since.is_none_or(|d| d >= chrono::Duration::minutes(15));
    let pending_due = s.pending > 0 && since.is_none_or(|d| d >= chrono::Duration::minutes(1));
    came_online || stale || (pending_due && !s.failed_recently)
}

/// The list of what a role decides on: facilitators validate what was submitted;
/// reviewers and admins approve what was validated (or submitted directly).
fn review_filter(role: Role) -> Option<ListFilter> {
    let statuses = match role {
        Role::Member => return None,
        Role::Facilitator => vec![ReviewStatus::Submitted],
        Role::Reviewer | Role::Admin => vec![ReviewStatus::Submitted, ReviewStatus::Validated],
    };
    Some(ListFilter { statuses, limit: 200, ..Default::default() })
}

/// Name and phone warnings for every string in the form, with its path.
fn field_warnings(fields: &Map<String, Value>, prefix: &str) -> Vec<FieldWarning> {
    fn walk(v: &Value, path: String, out: &mut Vec<FieldWarning>) {
        match v {
            Value::String(s) => out.extend(text_warnings(s).into_iter().map(|warning| FieldWarning {
                path: path.clone(),
                warning,
                held: false,
            })),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{path}[{i}]"), out);
                }
            }
            Value::Object(m) => {
                for (k, item) in m {
                    // Codes and ids are not free text.
                    if k == "id" || k.ends_with("_id") {
                        continue;
                    }
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    walk(item, p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&Value::Object(fields.clone()), prefix.to_string(), &mut out);
    out
}

/// The warnings of what the form sends, as the user must see them: acknowledged
/// passages are dropped; a passage is `held` unless it is already in the record's
/// history (`known`: holding it back would protect nothing; a purge copy is the remedy).
fn screen_warnings(
    fields: &Map<String, Value>,
    acknowledged: &[Acknowledgement],
    known: &BTreeSet<String>,
) -> Vec<FieldWarning> {
    field_warnings(fields, "")
        .into_iter()
        .filter(|w| !acknowledged.iter().any(|a| a.path == w.path && a.excerpt == w.warning.excerpt))
        .map(|w| FieldWarning { held: !known.contains(&w.warning.excerpt), ..w })
        .collect()
}

fn held_fields(warnings: &[FieldWarning]) -> Vec<String> {
    let mut out: Vec<String> = warnings.iter().filter(|w| w.held).map(|w| w.path.clone()).collect();
    out.dedup();
    out
}

/// Decisions `store`'s role may take on `record` now (an approved record edited since
/// its approval may be approved again: `modified_after_approval`).
fn decisions_for(store: &Store, record: &Record) -> Vec<Decision> {
    let role = store.identity().role;
    let modified = store.approval(record.id).ok().flatten().is_some_and(|a| a.modified());
    Decision::ALL
        .iter()
        .copied()
        .filter(|d| review::check_on(&record.review, role, *d, Some("·"), modified).is_ok())
        // Submitting, withdrawing, deleting and reopening write the record (or lead to
        // editing it): offered only where this device may write.
        .filter(|d| {
            !matches!(d, Decision::Submitted | Decision::Withdrawn | Decision::Deleted | Decision::Reopened)
                || store.check_write_scope(record.kind(), record.committee_id).is_ok()
        })
        .collect()
}

/// What the form shows from core's rules: quorum, risk levels, effective sensitivity.
/// `decisions` are filled by the caller, who knows the stored record.
fn derived(record: &Record) -> Derived {
    let thresholds = LevelThresholds::default();
    let on_scale = |v: i64| (1..=5).contains(&v);
    // What the content alone demands, whatever sensitivity was chosen.
    let forced = Record { sensitivity: Sensitivity::Public, ..record.clone() }.effective_sensitivity();
    let mut d = Derived {
        effective_sensitivity: Some(record.effective_sensitivity()),
        forced_confidential: forced == Sensitivity::Confidential,
        ..Derived::default()
    };
    match &record.body {
        RecordBody::Session(s) => {
            d.present = s.present;
            d.invited = s.invited;
            d.quorum = Some(QuorumState::of(s, &[]));
        }
        RecordBody::Assessment(a) => {
            d.threats = a
                .threats
                .iter()
                .map(|t| {
                    let ok = on_scale(t.likelihood) && on_scale(t.impact);
                    ThreatRisk { id: t.id, score: ok.then(|| t.score()), level: ok.then(|| t.level(&thresholds)) }
                })
                .collect();
        }
        _ => {}
    }
    d
}

/// The answer to a save.
fn outcome(
    input: &DraftInput,
    record_id: Option<RecordId>,
    saved: bool,
    errors: Vec<FieldError>,
    warnings: Vec<FieldWarning>,
    base_heads: Vec<String>,
    derived: Derived,
) -> DraftOutcome {
    // The quorum agrees with the errors shown beside it.
    let derived = Derived { quorum: derived.quorum.map(|q| quorum_with(q, input, &errors)), ..derived };
    DraftOutcome {
        draft_id: input.draft_id.clone(),
        record_id,
        saved,
        errors,
        held_fields: if saved { vec![] } else { held_fields(&warnings) },
        warnings,
        base_heads,
        derived,
    }
}

/// `q` unless the counts it rests on are in error (see [`QuorumState::of`]): the form's
/// state holds the counts as typed, even when they did not parse into a record.
fn quorum_with(q: QuorumState, input: &DraftInput, errors: &[FieldError]) -> QuorumState {
    let typed = |k: &str| input.fields.get(k).map(|v| v.as_i64());
    let unparsed = matches!(typed("invited"), Some(None)) || matches!(typed("present"), Some(None));
    if unparsed || QuorumState::counts_in_error(errors) {
        QuorumState::Unknown
    } else {
        q
    }
}

/// A new record: created once it validates and no new passage is held.
fn save_new(store: &mut Store, input: &DraftInput, now: DateTime<Utc>) -> Result<DraftOutcome, AppError> {
    let warnings = screen_warnings(&input.fields, &input.acknowledged, &BTreeSet::new());
    let parsed = match input::parse_new(input.kind, input.fields.clone()) {
        Ok(p) => p,
        Err(e) => return Ok(outcome(input, None, false, input_fields(&e), warnings, vec![], Derived::default())),
    };
    // The record as it would be created, for its derived values and its errors.
    let device = store.identity().device_id;
    let committee = parsed.committee_id.or(store.identity().committee_id).unwrap_or_default();
    let mut body = parsed.body.clone();
    input::apply_status(&mut body, parsed.status, device, now);
    let mut candidate = Record::new(body, committee, device, now);
    if let Some(s) = parsed.sensitivity {
        candidate.sensitivity = s;
    }
    let shown = derived(&candidate);
    if warnings.iter().any(|w| w.held) {
        let ctx = ValidationContext { today: now.date_naive(), reference: store.reference() };
        let errors = validate(&candidate, &ctx);
        return Ok(outcome(input, None, false, errors, warnings, vec![], shown));
    }
    match store.create_record(parsed, now) {
        Ok(id) => {
            store.delete_draft(&input.draft_id)?;
            let mut shown = shown;
            let heads = match store.record(id) {
                Ok(r) => {
                    shown.decisions = decisions_for(store, &r);
                    doc::heads_to_hex(&store.heads(id)?.0)
                }
                Err(_) => vec![],
            };
            Ok(outcome(input, Some(id), true, vec![], warnings, heads, shown))
        }
        Err(StoreError::Invalid(errors)) => Ok(outcome(input, None, false, errors, warnings, vec![], shown)),
        Err(StoreError::Input(e)) => Ok(outcome(input, None, false, input_fields(&e), warnings, vec![], shown)),
        Err(e) => Err(e.into()),
    }
}

/// Changes to an existing record, applied against the heads the form started from.
fn save_edit(
    store: &mut Store,
    id: RecordId,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<DraftOutcome, AppError> {
    // A form still open on a record since replaced by its history-free copy saves into
    // the copy, over its current state (the base it started from is the old document's).
    let followed = store.follow(id)?;
    let (id, base_heads) = if followed == id { (id, input.base_heads.clone()) } else { (followed, vec![]) };
    // A caller that names no base (a draft kept before drafts had one) edits the
    // current state.
    let base = if base_heads.is_empty() {
        store.heads(id)?.0
    } else {
        doc::heads_from_hex(&base_heads).map_err(StoreError::from)?
    };
    let base_hex = doc::heads_to_hex(&base);
    let before = store.record_at(id, &base)?;
    let known: BTreeSet<String> =
        field_warnings(&templates::form_fields(&before), "").into_iter().map(|w| w.warning.excerpt).collect();
    let warnings = screen_warnings(&input.fields, &input.acknowledged, &known);
    let current = store.record(id)?;
    let decisions = decisions_for(store, &current);
    let candidate = match input::parse_patch(&before, input.fields.clone()) {
        Ok(parsed) => {
            let mut r = before.clone();
            r.body = parsed.body;
            if let Some(s) = parsed.sensitivity {
                r.sensitivity = s;
            }
            r
        }
        Err(e) => {
            let shown = Derived { decisions, ..derived(&before) };
            return Ok(outcome(input, Some(id), false, input_fields(&e), warnings, base_hex, shown));
        }
    };
    if warnings.iter().any(|w| w.held) {
        let ctx = ValidationContext { today: now.date_naive(), reference: store.reference() };
        let errors = validate(&candidate, &ctx);
        let shown = Derived { decisions, ..derived(&candidate) };
        return Ok(outcome(input, Some(id), false, errors, warnings, base_hex, shown));
    }
    match store.edit_at(id, &base, input.fields.clone(), now) {
        Ok(edit) => {
            store.delete_draft(&input.draft_id)?;
            // A save that lowered the sensitivity went into a copy: the form opens it.
            let (id, heads) = match edit {
                Some(e) => (e.id, doc::heads_to_hex(&e.heads)),
                None => (id, base_hex),
            };
            let merged = store.record(id)?;
            let shown = Derived { decisions: decisions_for(store, &merged), ..derived(&candidate) };
            Ok(outcome(input, Some(id), true, vec![], warnings, heads, shown))
        }
        Err(StoreError::Invalid(errors)) => {
            let shown = Derived { decisions, ..derived(&candidate) };
            Ok(outcome(input, Some(id), false, errors, warnings, base_hex, shown))
        }
        Err(StoreError::Input(e)) => {
            let shown = Derived { decisions, ..derived(&candidate) };
            Ok(outcome(input, Some(id), false, input_fields(&e), warnings, base_hex, shown))
        }
        Err(e) => Err(e.into()),
    }
}

/// A draft as the form takes it up: over an existing record, the fields at the draft's
/// base heads with the draft's changes on top.
fn draft_view(store: &Store, d: Draft) -> Result<DraftView, AppError> {
    let Some(id) = d.record_id else {
        return Ok(DraftView {
            draft_id: d.id,
            kind: d.kind,
            record_id: None,
            fields: d.body,
            base: Map::new(),
            base_heads: vec![],
            acknowledged: d.acknowledged,
        });
    };
    if d.base_heads.is_empty() {
        // Kept before drafts had a base: the body is the whole form, over the current state.
        let base = templates::form_fields(&store.record(id)?);
        let heads = doc::heads_to_hex(&store.heads(id)?.0);
        return Ok(DraftView {
            draft_id: d.id,
            kind: d.kind,
            record_id: Some(id),
            fields: d.body,
            base,
            base_heads: heads,
            acknowledged: d.acknowledged,
        });
    }
    let heads = doc::heads_from_hex(&d.base_heads).map_err(StoreError::from)?;
    let base = templates::form_fields(&store.record_at(id, &heads)?);
    let mut fields = base.clone();
    fields.extend(d.body);
    Ok(DraftView {
        draft_id: d.id,
        kind: d.kind,
        record_id: Some(id),
        fields,
        base,
        base_heads: d.base_heads,
        acknowledged: d.acknowledged,
    })
}

fn short_device(d: DeviceId) -> String {
    d.to_string().chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect()
}

fn record_view(store: &Store, id: RecordId, now: DateTime<Utc>) -> Result<RecordView, AppError> {
    let stored = store.get(id, now)?;
    let summary = store.summary(id)?;
    let me = store.identity().device_id;
    let author = |d: Option<DeviceId>| match d {
        Some(d) if d == me => "this_device".to_string(),
        Some(d) => short_device(d),
        None => "?".into(),
    };
    let history = store
        .history(id)?
        .into_iter()
        .map(|entry| HistoryView { by_this_device: entry.device == Some(me), device: author(entry.device), entry })
        .collect();
    let conflicts = stored
        .conflicts
        .iter()
        .map(|c| ConflictView { authors: c.values.iter().map(|v| author(v.device)).collect(), conflict: c.clone() })
        .collect();
    let draft = match store.draft_for(id)? {
        Some(d) => Some(draft_view(store, d)?),
        None => None,
    };
    let (fields, trail, status, correction_comment, decisions, editable) = match &stored.record {
        Some(r) => {
            let mut events = r.review.clone();
            events.sort_by_key(|e| (e.at, e.by_device, e.id));
            let trail = events
                .iter()
                .map(|e| TrailEntry {
                    at: e.at,
                    decision: e.decision,
                    role: e.role,
                    comment: e.comment.clone(),
                    by_this_device: e.by_device == me,
                    device: author(Some(e.by_device)),
                })
                .collect();
            let status = r.review_status();
            let correction_comment = match review::latest(&r.review) {
                Some(e) if e.decision == Decision::NeedsCorrection => e.comment.clone(),
                _ => None,
            };
            let decisions = decisions_for(store, r);
            let editable = review::editable(status)
                && store.check_write_scope(r.kind(), r.committee_id).is_ok()
                && summary.superseded_by.is_none();
            (templates::form_fields(r), trail, status, correction_comment, decisions, editable)
        }
        None => (Map::new(), vec![], summary.status, None, vec![], false),
    };
    let warnings = field_warnings(&fields, "");
    let shown = match &stored.record {
        Some(r) => {
            let mut d = Derived { decisions: decisions.clone(), ..derived(r) };
            if let RecordBody::Session(s) = &r.body {
                d.quorum = Some(QuorumState::of(s, &stored.errors));
            }
            d
        }
        None => Derived::default(),
    };
    let heads = doc::heads_to_hex(&store.heads(id)?.0);
    let lineage = lineage_view(store, stored.record.as_ref(), &summary)?;
    let approval = match &stored.record {
        Some(_) => store.approval(id)?,
        None => None,
    };
    Ok(RecordView {
        read_only: stored.read_only,
        record: stored.record,
        summary,
        fields,
        status,
        trail,
        correction_comment,
        history,
        conflicts,
        errors: stored.errors,
        warnings,
        heads,
        draft,
        derived: shown,
        editable,
        decisions,
        copy_of: lineage.copy_of,
        replaced_by: lineage.replaced_by,
        may_purge: lineage.may_purge,
        links: lineage.links,
        delivery: store.delivery(id)?,
        approval,
    })
}

/// What a record view says about history-free copies: what this record copies or was
/// replaced by, where its links lead now, and whether this device may purge it.
struct LineageView {
    copy_of: Option<LinkedRecord>,
    replaced_by: Option<LinkedRecord>,
    may_purge: bool,
    links: Vec<LinkTarget>,
}

fn linked(store: &Store, id: RecordId) -> LinkedRecord {
    let summary = store.summary(id).ok();
    LinkedRecord { id, title: summary.as_ref().map(|s| s.title.clone()), title_en: summary.map(|s| s.title_en) }
}

fn lineage_view(
    store: &Store,
    record: Option<&Record>,
    summary: &crate::store::RecordSummary,
) -> Result<LineageView, AppError> {
    let role = store.identity().role;
    let Some(r) = record else {
        return Ok(LineageView { copy_of: None, replaced_by: None, may_purge: false, links: vec![] });
    };
    let held: Vec<RecordId> = match &r.body {
        RecordBody::Session(s) => s.linked_records.clone(),
        RecordBody::Recommendation(rec) => rec.origin.into_iter().collect(),
        _ => vec![],
    };
    let mut links = Vec::new();
    for id in held {
        let target = store.follow(id)?;
        if target != id {
            links.push(LinkTarget { id, target: linked(store, target) });
        }
    }
    Ok(LineageView {
        copy_of: r.copied_from.map(|id| linked(store, id)),
        replaced_by: summary.superseded_by.map(|id| linked(store, id)),
        may_purge: review::role_may(role, Decision::Purged)
            && r.kind() != RecordKind::Committee
            && summary.superseded_by.is_none()
            && store.check_write_scope(r.kind(), r.committee_id).is_ok(),
        links,
    })
}

#[cfg(test)]
// rstest expands a table's columns into arguments.
#[allow(clippy::too_many_arguments)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    #[rstest]
    #[case::locked(false, false, Some(false), true, 3, None, false, false)]
    #[case::offline(true, false, Some(true), false, 3, None, false, false)]
    #[case::already_running(true, true, Some(false), true, 3, None, false, false)]
    #[case::came_online(true, false, Some(false), true, 0, Some(1), false, true)]
    #[case::first_probe(true, false, None, true, 0, Some(1), false, true)]
    #[case::pending_changes(true, false, Some(true), true, 2, Some(5), false, true)]
    #[case::pending_but_just_synced(true, false, Some(true), true, 2, Some(0), false, false)]
    #[case::pending_after_failure_waits_for_staleness(true, false, Some(true), true, 2, Some(5), true, false)]
    #[case::stale(true, false, Some(true), true, 0, Some(20), false, true)]
    #[case::never_synced(true, false, Some(true), true, 0, None, false, true)]
    #[case::fresh_and_nothing_waits(true, false, Some(true), true, 0, Some(3), false, false)]
    fn auto_sync_policy(
        #[case] unlocked: bool,
        #[case] running: bool,
        #[case] was_online: Option<bool>,
        #[case] online: bool,
        #[case] pending: usize,
        #[case] minutes_since_sync: Option<i64>,
        #[case] failed_recently: bool,
        #[case] expected: bool,
    ) {
        let now = at(30);
        let s = AutoSync {
            unlocked,
            running,
            was_online,
            online,
            pending,
            last_sync_at: minutes_since_sync.map(|m| now - chrono::Duration::minutes(m)),
            failed_recently,
            now,
        };
        assert_eq!(auto_sync_due(&s), expected);
    }

    #[test]
    fn warnings_name_the_field() {
        let mut m = Map::new();
        m.insert("summary".into(), Value::String("Appeler M. Traoré au 76 12 34 56".into()));
        m.insert("agenda".into(), serde_json::json!([{"id": "x", "theme": "autre", "notes": "Coulibaly était là"}]));
        let w = field_warnings(&m, "");
        let paths: Vec<&str> = w.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["agenda[0].notes", "summary", "summary"]);
    }
}
