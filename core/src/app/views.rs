//! What the app's screens receive: plain data, serialisable, with TypeScript bindings
//! generated from these definitions (see `bindings`). No logic beyond building them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::settings::Settings;
use crate::doc::{Conflict, HistoryEntry};
use crate::i18n::Message;
use crate::model::privacy::{Acknowledgement, TextWarning};
use crate::model::*;
use crate::reference::AdminUnit;
use crate::store::RecordSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No store on this device: first start.
    Setup,
    Locked,
    Unlocked,
}

/// Who this device is, with names to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct IdentityView {
    pub device_id: DeviceId,
    pub role: Role,
    pub committee_id: Option<CommitteeId>,
    pub committee_name: Option<String>,
    pub region: Option<String>,
    pub region_name: Option<String>,
    pub server_url: Option<String>,
    /// Enrolled offline from a slip, the server's grant not back yet: « inscription en
    /// attente » (the device works fully meanwhile).
    pub enrollment_pending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AppStatus {
    pub stage: Stage,
    pub settings: Settings,
    /// Only while unlocked.
    pub identity: Option<IdentityView>,
    /// Wrong passphrases still allowed before the store is wiped.
    pub attempts_left: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PassphraseCheck {
    pub ok: bool,
    pub message: Option<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StatusCount {
    pub kind: RecordKind,
    pub status: ReviewStatus,
    pub count: u32,
}

/// The sync state shown on every screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncState {
    pub server_url: Option<String>,
    pub enrolled: bool,
    /// `None` until the server was probed.
    pub online: Option<bool>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Records with changes waiting to be sent (refused ones held back not counted).
    pub pending: u32,
    /// Records the server refused and that are not resent until they change.
    pub refused: Vec<Refusal>,
    /// Received changes this device could not apply, kept aside (sync went on).
    pub quarantined: Vec<QuarantineView>,
    pub running: bool,
    pub last_error: Option<AppError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Home {
    pub identity: IdentityView,
    pub counts: Vec<StatusCount>,
    /// Records sent back "à corriger", first thing a member sees.
    pub to_correct: Vec<RecordSummary>,
    /// Forms left unfinished (never valid yet).
    pub drafts: Vec<DraftSummary>,
    /// For facilitators and reviewers: records waiting for their decision.
    pub to_review: u32,
    pub sync: SyncState,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DraftSummary {
    pub id: String,
    pub kind: RecordKind,
    /// The record an edit waits for, or none for a record not created yet.
    pub record_id: Option<RecordId>,
    pub updated_at: DateTime<Utc>,
}

/// One value of a closed list, with both labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ValueLabel {
    pub code: String,
    pub fr: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ValueList {
    /// The Rust type's name: `SessionType`, `College`, …
    pub name: String,
    pub values: Vec<ValueLabel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CommitteeOption {
    pub id: CommitteeId,
    pub name: String,
    pub region: Option<String>,
    pub commune: Option<String>,
}

/// Everything a form picks from: value lists, administrative units, committees.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Vocabulary {
    pub lists: Vec<ValueList>,
    pub units: Vec<AdminUnit>,
    pub committees: Vec<CommitteeOption>,
    pub thresholds: LevelThresholds,
}

/// A conflict with the authors named.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConflictView {
    pub conflict: Conflict,
    /// For each value: "this device" or the author's short device id.
    pub authors: Vec<String>,
}

/// A review event as shown in the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TrailEntry {
    pub at: DateTime<Utc>,
    pub decision: Decision,
    pub role: Role,
    pub comment: Option<String>,
    pub by_this_device: bool,
    pub device: String,
}

/// A record opened for reading or editing.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RecordView {
    pub summary: RecordSummary,
    /// `None` when this version cannot read the document (it is kept, read-only).
    pub record: Option<Record>,
    /// The fields as the form edits them (record fields plus `sensitivity` and, for a
    /// recommendation, its current `status`).
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub status: ReviewStatus,
    pub trail: Vec<TrailEntry>,
    /// The comment of the latest "à corriger".
    pub correction_comment: Option<String>,
    pub history: Vec<HistoryView>,
    pub conflicts: Vec<ConflictView>,
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldWarning>,
    /// The document's heads (hex) `fields` were read at: an edit form sends them back
    /// with its changes, which core applies against them.
    pub heads: Vec<String>,
    /// An unfinished edit kept on this device, ready to take up.
    pub draft: Option<DraftView>,
    /// Quorum, risk levels, effective sensitivity, decisions: computed by core only.
    pub derived: Derived,
    pub editable: bool,
    /// Decisions this device's role may take now.
    pub decisions: Vec<Decision>,
    pub read_only: bool,
    /// When this record is a history-free copy: the record it replaced.
    pub copy_of: Option<LinkedRecord>,
    /// When this record was replaced by a history-free copy: the copy (`editable` is
    /// then false: edits go to the copy).
    pub replaced_by: Option<LinkedRecord>,
    /// Whether this device may purge the record's history (make a copy without it).
    pub may_purge: bool,
    /// Links this record holds to records since replaced by a copy, with the copy they
    /// now lead to (the record itself is not rewritten).
    pub links: Vec<LinkTarget>,
    /// Whether the server received the record as it is here, and when.
    pub delivery: crate::store::delivery::Delivery,
    /// When the record is approved: that approval and what changed since (« modifié
    /// après approbation » when `changes` is not empty).
    pub approval: Option<crate::doc::ApprovalDiff>,
}

/// Another record named on a screen, with its title when this device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LinkedRecord {
    pub id: RecordId,
    pub title: Option<String>,
    pub title_en: Option<String>,
}

/// A link held by a record and the record it leads to now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LinkTarget {
    /// The id the record holds.
    pub id: RecordId,
    /// The copy that replaced it.
    pub target: LinkedRecord,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct HistoryView {
    pub entry: HistoryEntry,
    pub by_this_device: bool,
    pub device: String,
}

/// A warning on one free-text field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FieldWarning {
    pub path: String,
    pub warning: TextWarning,
    /// The passage is new (not yet in the record's history) and not acknowledged: the
    /// field's text stays in the local draft until it is removed or the user says « ce
    /// n'est pas un nom ».
    pub held: bool,
}

/// What the form sends on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DraftInput {
    /// The draft's id, as given by `new_record` or `open_record`.
    pub draft_id: String,
    pub kind: RecordKind,
    /// Set once the record exists.
    pub record_id: Option<RecordId>,
    /// A new record: the whole form. An existing record: only the fields the user
    /// changed since `base_heads` (top-level keys; a list of items is sent whole, as the
    /// user left it).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// An existing record: the heads (hex) the form's state was read at
    /// (`RecordView.heads`, then `DraftOutcome.base_heads` after each save).
    #[serde(default)]
    pub base_heads: Vec<String>,
    /// Passages the user said are not a name or a phone number.
    #[serde(default)]
    pub acknowledged: Vec<Acknowledgement>,
}

/// The quorum of a session as the form shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum QuorumState {
    Reached,
    NotReached,
    /// Nobody invited, or more present than invited: the counts are in error and
    /// "reached" would mislead.
    Unknown,
}

impl QuorumState {
    /// The quorum of `session` as the form and the detail page show it. Pure, the one
    /// rule both use: « atteint » or « non atteint » only when the counts it rests on are
    /// sound; with nobody invited, a negative count, more present than invited, or any
    /// error on the invited, present or per-college counts (`errors`, the record's
    /// validation errors), it is not computable, so it never contradicts an error
    /// shown beside it.
    pub fn of(session: &Session, errors: &[FieldError]) -> QuorumState {
        if QuorumState::counts_in_error(errors)
            || session.invited <= 0
            || session.present < 0
            || session.present > session.invited
        {
            QuorumState::Unknown
        } else if session.quorum() {
            QuorumState::Reached
        } else {
            QuorumState::NotReached
        }
    }

    /// Whether one of `errors` is on a count the quorum rests on.
    pub fn counts_in_error(errors: &[FieldError]) -> bool {
        errors.iter().any(|e| {
            let p = e.path.as_str();
            p == "invited"
                || p == "present"
                || p == "attendance"
                || p.starts_with("attendance[")
                || p.starts_with("attendance.")
        })
    }
}

/// The risk of one threat, by the threat's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ThreatRisk {
    pub id: ItemId,
    /// Likelihood × impact; `None` while either is off the 1-5 scale.
    pub score: Option<i64>,
    pub level: Option<RiskLevel>,
}

/// What the form shows but does not decide: the rules stay in core.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ts_rs::TS)]
pub struct Derived {
    /// Sessions only.
    pub quorum: Option<QuorumState>,
    pub present: i64,
    pub invited: i64,
    /// Assessments: one per threat, in the list's order.
    pub threats: Vec<ThreatRisk>,
    /// The chosen sensitivity raised by the content (an FDS threat, named attendees).
    pub effective_sensitivity: Option<Sensitivity>,
    /// The content forces `confidential` whatever was chosen.
    pub forced_confidential: bool,
    /// Decisions this device's role may take on the record now.
    pub decisions: Vec<Decision>,
}

/// The answer to an autosave.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DraftOutcome {
    pub draft_id: String,
    /// The record, once it exists.
    pub record_id: Option<RecordId>,
    /// Whether the record itself now holds what was typed (valid and saved); otherwise
    /// only the draft does.
    pub saved: bool,
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldWarning>,
    /// Fields whose text waits in the draft for a name or phone number to be removed or
    /// acknowledged (see `FieldWarning::held`): why the record is not saved yet.
    pub held_fields: Vec<String>,
    /// The heads the form's next changes are relative to: the edit just written when
    /// `saved`, otherwise the base it sent.
    pub base_heads: Vec<String>,
    pub derived: Derived,
}

/// A form to fill: a fresh one, or a draft taken up.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DraftView {
    pub draft_id: String,
    pub kind: RecordKind,
    pub record_id: Option<RecordId>,
    /// The form's state.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Over an existing record: the fields at `base_heads`, what the form's changes are
    /// computed against, and those heads (hex). Empty for a new record.
    pub base: serde_json::Map<String, serde_json::Value>,
    pub base_heads: Vec<String>,
    pub acknowledged: Vec<Acknowledgement>,
}

/// A refused record in a sync result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Refusal {
    pub id: RecordId,
    pub title: Option<String>,
    pub code: String,
    pub message: Message,
}

/// A received change this device could not apply: kept aside with the reason, so the
/// sync goes on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct QuarantineView {
    pub id: RecordId,
    pub kind: RecordKind,
    /// The record's title when this device holds it.
    pub title: Option<String>,
    pub code: String,
    pub message: Message,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncSummary {
    pub sent: u32,
    pub accepted: u32,
    pub received: u32,
    pub refused: Vec<Refusal>,
    /// Records refused before and unchanged since: not sent this time.
    pub held_back: u32,
    /// Received changes set aside in this sync.
    pub quarantined: Vec<QuarantineView>,
    /// Received records that fail validation (kept and flagged).
    pub flagged: u32,
    pub round_trips: u32,
    pub bytes_up: u32,
    pub bytes_down: u32,
    pub elapsed_ms: u32,
    pub at: DateTime<Utc>,
    /// What this device forwarded for others first, when it carries bundles.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub courier: Option<super::courier::ForwardSummary>,
}
