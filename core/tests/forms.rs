//! The app's forms against real stores: an open form sends what the user changed with
//! the heads it started from, so a colleague's edit merged meanwhile survives and a true
//! concurrent change of the same field shows as a conflict; free text with a name or a
//! phone number stays in the local draft until resolved, so it never enters a history.
//!
//! The "background sync" here is a second connection to the app's store file applying a
//! colleague's changes, as the sync does between two keystrokes of an open form.

mod common;

use automerge::ChangeHash;
use ccs_core::app::{App, DraftInput, DraftOutcome, QuorumState, RecordView};
use ccs_core::doc::RecordDoc;
use ccs_core::model::privacy::Acknowledgement;
use ccs_core::model::*;
use ccs_core::store::{DocHeaderView, Identity, KdfParams, ListFilter, Store};
use common::*;
use serde_json::{json, Map, Value};
use tempfile::TempDir;

/// A member's app with its store unlocked, holding the Goundam committee.
struct Device {
    _dir: TempDir,
    app: App,
}

impl Device {
    fn new(committee: &Record) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
        let mut identity = Identity::new(Role::Member);
        identity.committee_id = Some(committee.committee_id);
        let mut store = Store::create(&app.store_path(), PASS, identity, KdfParams::insecure_fast_for_tests()).unwrap();
        store.insert_new(committee, now()).unwrap();
        drop(store);
        app.unlock(PASS, now()).unwrap();
        Device { _dir: dir, app }
    }

    /// Another connection to the app's store: what the background sync writes through.
    fn side(&self) -> Store {
        Store::open(&self.app.store_path(), PASS).unwrap()
    }

    /// A new record made through the form, valid at the first save.
    fn create(&mut self, kind: RecordKind, fields: Map<String, Value>) -> RecordId {
        let form = self.app.new_record(kind, now()).unwrap();
        let out = self
            .app
            .save_draft(
                DraftInput {
                    draft_id: form.draft_id,
                    kind,
                    record_id: None,
                    fields,
                    base_heads: vec![],
                    acknowledged: vec![],
                },
                now(),
            )
            .unwrap();
        assert!(out.saved, "{:?}", out.errors);
        out.record_id.unwrap()
    }

    /// A form's autosave over an existing record.
    fn save(&mut self, id: RecordId, kind: RecordKind, fields: Map<String, Value>, base: &[String]) -> DraftOutcome {
        self.save_acknowledged(id, kind, fields, base, vec![])
    }

    fn save_acknowledged(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        fields: Map<String, Value>,
        base: &[String],
        acknowledged: Vec<Acknowledgement>,
    ) -> DraftOutcome {
        let draft_id = format!("form-{id}");
        let input = DraftInput { draft_id, kind, record_id: Some(id), fields, base_heads: base.to_vec(), acknowledged };
        self.app.save_draft(input, now()).unwrap()
    }

    fn open(&mut self, id: RecordId) -> RecordView {
        self.app.open_record(id, now()).unwrap()
    }
}

fn fields_of(body: RecordBody) -> Map<String, Value> {
    match serde_json::to_value(body).unwrap() {
        Value::Object(mut m) => match m.remove("fields") {
            Some(Value::Object(f)) => f,
            _ => panic!("no fields"),
        },
        _ => panic!("not an object"),
    }
}

fn one(key: &str, value: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(key.into(), value);
    m
}

/// A colleague's device that received the record and edits it with `patch`; its
/// changes are then merged into `into` (the app's store) as a sync would.
fn colleague_edits(committee: &Record, into: &Device, id: RecordId, patch: Map<String, Value>) -> Store {
    let other = store_with(Role::Member);
    let mut colleague = other.store;
    let side = into.side();
    let hint =
        |s: &Store| DocHeaderView::from(RecordDoc::load(&s.document_bytes(id).unwrap()).unwrap().header().unwrap());
    let committee_doc = side.document_bytes(RecordId(committee.committee_id.0)).unwrap();
    let committee_hint = DocHeaderView {
        id: RecordId(committee.committee_id.0),
        kind: RecordKind::Committee,
        committee_id: committee.committee_id,
        schema_version: 1,
    };
    colleague.apply_changes(&committee_hint, &committee_doc, now()).unwrap();
    colleague.apply_changes(&hint(&side), &side.document_bytes(id).unwrap(), now()).unwrap();
    colleague.patch_record(id, patch, now()).unwrap();
    let mut side = side;
    side.apply_changes(&hint(&colleague), &colleague.document_bytes(id).unwrap(), now()).unwrap();
    // The colleague's store lives in a temporary directory kept with it.
    std::mem::forget(other.dir);
    colleague
}

#[test]
fn open_form_keeps_a_colleagues_merged_threat() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Assessment, fields_of(RecordBody::Assessment(assessment_body())));
    // F0: the form opens.
    let f0 = me.open(id);
    // A colleague adds a threat; the background sync merges it while the form is open.
    let mut threats = f0.fields["threats"].as_array().unwrap().clone();
    threats.push(json!({
        "category": "banditisme", "place_type": "axe_routier", "suspected_actor": "criminels",
        "trend": "stable", "likelihood": 3, "impact": 4, "existing_capacities": "Patrouilles conjointes",
        "source": "fds", "reliability": "confirmee"
    }));
    colleague_edits(&committee, &me, id, one("threats", Value::Array(threats)));

    // The next keystroke: the form sends its change to the notes, against F0's heads.
    let out = me.save(id, RecordKind::Assessment, one("notes", json!("Relecture faite en séance.")), &f0.heads);
    assert!(out.saved, "{:?}", out.errors);
    let after = me.open(id);
    let caps: Vec<&str> = after.fields["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["existing_capacities"].as_str().unwrap())
        .collect();
    assert_eq!(caps, ["Comité de veille", "Patrouilles conjointes"]);
    assert_eq!(after.fields["notes"], "Relecture faite en séance.");
    assert_eq!(after.derived.threats.len(), 2, "risk levels come with the record");

    // Even a form that sends its whole stale state (F0 plus a change) loses nothing: core
    // writes, against the form's base, only what differs from that base.
    let mut whole = f0.fields.clone();
    whole.insert("notes".into(), json!("Relecture faite, suite en décembre."));
    let out = me.save(id, RecordKind::Assessment, whole, &out.base_heads);
    assert!(out.saved, "{:?}", out.errors);
    let after = me.open(id);
    assert_eq!(after.fields["threats"].as_array().unwrap().len(), 2);
    assert_eq!(after.fields["notes"], "Relecture faite, suite en décembre.");
    assert!(after.conflicts.is_empty(), "{:?}", after.conflicts);
}

#[test]
fn open_form_keeps_a_colleagues_summary_fix() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let f0 = me.open(id);
    let fixed = "Situation calme en ville, inquiétudes sur l'axe Goundam-Tonka (route du fleuve).";
    let mut patch = one("summary", json!(fixed));
    patch.insert("minutes_status".into(), json!("adopte"));
    colleague_edits(&committee, &me, id, patch);

    let out = me.save(id, RecordKind::Session, one("invited", json!(24)), &f0.heads);
    assert!(out.saved, "{:?}", out.errors);
    assert_eq!(out.derived.quorum, Some(QuorumState::Reached));
    let after = me.open(id);
    assert_eq!(after.fields["summary"], fixed);
    assert_eq!(after.fields["minutes_status"], "adopte");
    assert_eq!(after.fields["invited"], 24);
}

#[test]
fn the_same_field_changed_on_two_devices_shows_as_a_conflict() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let f0 = me.open(id);
    colleague_edits(&committee, &me, id, one("invited", json!(30)));

    let out = me.save(id, RecordKind::Session, one("invited", json!(25)), &f0.heads);
    assert!(out.saved, "{:?}", out.errors);
    let after = me.open(id);
    let conflict = after.conflicts.iter().find(|c| c.conflict.path == "invited").expect("a conflict on invited");
    let mut values: Vec<i64> = conflict.conflict.values.iter().map(|v| v.value.as_i64().unwrap()).collect();
    values.sort();
    assert_eq!(values, [25, 30]);
    assert!(conflict.authors.contains(&"this_device".to_string()));
}

#[test]
fn a_stale_form_from_another_screen_does_not_break_the_devices_own_history() {
    // The device writes on the record after the form opened (a review decision): the
    // form's next save must still make a valid change, and keep the decision.
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let f0 = me.open(id);
    me.side().review(id, Decision::Submitted, None, now()).unwrap();
    let out = me.save(id, RecordKind::Session, one("minutes_status", json!("adopte")), &f0.heads);
    assert!(out.saved, "{:?}", out.errors);
    let after = me.open(id);
    assert_eq!(after.status, ReviewStatus::Submitted);
    assert_eq!(after.fields["minutes_status"], "adopte");
    // The document still loads whole from its bytes, as the server and peers read it.
    let bytes = me.side().document_bytes(id).unwrap();
    RecordDoc::load(&bytes).unwrap().read().unwrap();
}

/// Every state the record's history went through, as a reader of the document could
/// rebuild it: what must hold no name.
fn every_version(bytes: &[u8]) -> Vec<String> {
    let mut d = RecordDoc::load(bytes).unwrap();
    let hashes: Vec<ChangeHash> = d.inner().get_changes(&[]).iter().map(|c| c.hash()).collect();
    hashes
        .iter()
        .map(|h| {
            let fork = d.inner().fork_at(&[*h]).unwrap();
            serde_json::to_string(&automerge::AutoSerde::from(&fork)).unwrap()
        })
        .collect()
}

#[test]
fn a_name_typed_in_a_summary_never_reaches_the_history() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let f0 = me.open(id);

    let named = "Situation calme. M. Traoré signale des hommes armés vers Tonka.";
    let out = me.save(id, RecordKind::Session, one("summary", json!(named)), &f0.heads);
    assert!(!out.saved, "held, not saved");
    assert_eq!(out.held_fields, ["summary"]);
    assert!(out.warnings.iter().any(|w| w.held && w.warning.excerpt == "M. Traoré"));
    assert_eq!(out.base_heads, f0.heads, "nothing written: the base stays");
    // Nothing to send, nothing in the document: the text waits in the local draft.
    let pushed = me.side().push_of(id).unwrap().changes;
    assert!(every_version(&pushed).iter().all(|v| !v.contains("Traoré")));
    let view = me.open(id);
    assert_eq!(view.draft.as_ref().unwrap().fields["summary"], named, "the draft keeps what was typed");

    // The user removes the name: now the summary is written, without it ever having been.
    let plain = "Situation calme. Un habitant signale des hommes armés vers Tonka.";
    let out = me.save(id, RecordKind::Session, one("summary", json!(plain)), &f0.heads);
    assert!(out.saved, "{:?}", out.errors);
    let pushed = me.side().push_of(id).unwrap().changes;
    let versions = every_version(&pushed);
    assert!(versions.iter().all(|v| !v.contains("Traoré")), "no version holds the name");
    assert!(versions.last().unwrap().contains("Un habitant"));
    assert!(me.open(id).draft.is_none());
}

#[test]
fn an_acknowledged_passage_is_written() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let f0 = me.open(id);
    // "Diarra" is also a place here: the user says it is not a name.
    let text = "Réunion tenue au quartier Diarra, situation calme.";
    let out = me.save(id, RecordKind::Session, one("summary", json!(text)), &f0.heads);
    assert!(!out.saved);
    let w = out.warnings.iter().find(|w| w.held).unwrap();
    let ack = Acknowledgement { path: w.path.clone(), excerpt: w.warning.excerpt.clone() };
    let out = me.save_acknowledged(id, RecordKind::Session, one("summary", json!(text)), &f0.heads, vec![ack]);
    assert!(out.saved, "{:?}", out.errors);
    assert!(out.warnings.is_empty(), "an acknowledged passage no longer warns");
    assert_eq!(me.open(id).fields["summary"], text);
}

#[test]
fn a_new_record_with_a_name_is_not_created_until_resolved() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let form = me.app.new_record(RecordKind::Session, now()).unwrap();
    let mut fields = fields_of(RecordBody::Session(session_body()));
    fields.insert("summary".into(), json!("Appeler le 76 12 34 56 pour les détails."));
    let input = |fields: Map<String, Value>| DraftInput {
        draft_id: form.draft_id.clone(),
        kind: RecordKind::Session,
        record_id: None,
        fields,
        base_heads: vec![],
        acknowledged: vec![],
    };
    let out = me.app.save_draft(input(fields.clone()), now()).unwrap();
    assert!(!out.saved);
    assert_eq!(out.record_id, None);
    assert_eq!(out.held_fields, ["summary"]);
    assert!(out.errors.is_empty(), "valid otherwise: {:?}", out.errors);
    let sessions =
        |s: &Store| s.list(&ListFilter { kind: Some(RecordKind::Session), ..Default::default() }).unwrap().total;
    assert_eq!(sessions(&me.side()), 0, "nothing created");
    assert_eq!(me.app.open_draft(&form.draft_id, now()).unwrap().fields["summary"], fields["summary"]);

    fields.insert("summary".into(), json!("Détails auprès du secrétariat du comité."));
    let out = me.app.save_draft(input(fields), now()).unwrap();
    assert!(out.saved, "{:?}", out.errors);
    assert_eq!(sessions(&me.side()), 1);
    let pushed = me.side().push_of(out.record_id.unwrap()).unwrap().changes;
    assert!(every_version(&pushed).iter().all(|v| !v.contains("76 12")));
}

#[test]
fn the_outcome_carries_the_rules_the_form_shows() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let id = me.create(RecordKind::Assessment, fields_of(RecordBody::Assessment(assessment_body())));
    let f0 = me.open(id);
    assert_eq!(f0.derived.effective_sensitivity, Some(Sensitivity::Restricted));
    assert!(f0.derived.decisions.contains(&Decision::Submitted));
    let mut threats = f0.fields["threats"].as_array().unwrap().clone();
    threats[0]["category"] = json!("tensions_fds_population");
    threats[0]["likelihood"] = json!(5);
    threats[0]["impact"] = json!(4);
    let out = me.save(id, RecordKind::Assessment, one("threats", Value::Array(threats)), &f0.heads);
    assert!(out.saved, "{:?}", out.errors);
    assert_eq!(out.derived.effective_sensitivity, Some(Sensitivity::Confidential));
    assert!(out.derived.forced_confidential);
    assert_eq!(out.derived.threats[0].score, Some(20));
    assert_eq!(out.derived.threats[0].level, Some(RiskLevel::VeryHigh));

    let sid = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let s0 = me.open(sid);
    // More present than invited: the counts are in error, the quorum cannot be told.
    let out = me.save(sid, RecordKind::Session, one("present", json!(40)), &s0.heads);
    assert!(!out.saved);
    assert_eq!(out.derived.quorum, Some(QuorumState::Unknown));
}

#[test]
fn the_forms_quorum_is_not_computable_while_its_counts_are_in_error() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    let sid = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let s0 = me.open(sid);
    assert_eq!(s0.derived.quorum, Some(QuorumState::Reached), "19 present of 23 invited");
    // Each way the counts can be wrong while « invited » and « present » alone look
    // fine or not: the quorum never says « atteint » under a red error.
    let cases: [(&str, Value); 4] = [
        ("invited", json!(-5)),
        ("invited", json!(0)),
        ("invited", json!("douze")),
        // 19 present but the colleges add up to 20: the per-college counts are in error.
        (
            "attendance",
            json!([{"college": "fds", "women": 0, "men": 5}, {"college": "femmes", "women": 2, "men": 0},
                   {"college": "elus", "women": 0, "men": 13}]),
        ),
    ];
    for (key, value) in cases {
        let out = me.save(sid, RecordKind::Session, one(key, value.clone()), &s0.heads);
        assert!(!out.saved, "{key} = {value}");
        assert!(!out.errors.is_empty(), "{key} = {value}");
        assert_eq!(out.derived.quorum, Some(QuorumState::Unknown), "{key} = {value}: {:?}", out.errors);
    }
    // A new form typed wrong from the start says the same.
    let form = me.app.new_record(RecordKind::Session, now()).unwrap();
    let mut fields = fields_of(RecordBody::Session(session_body()));
    fields.insert("present".into(), json!(15));
    fields.insert("invited".into(), json!(12));
    let out = me
        .app
        .save_draft(
            DraftInput {
                draft_id: form.draft_id,
                kind: RecordKind::Session,
                record_id: None,
                fields,
                base_heads: vec![],
                acknowledged: vec![],
            },
            now(),
        )
        .unwrap();
    assert!(!out.saved);
    assert_eq!(out.derived.quorum, Some(QuorumState::Unknown), "{:?}", out.errors);
}

/// Whether a form became a record before the wrong count was typed depends on how fast
/// she typed; either way home lists her unfinished work, and its link opens the record
/// (whose form resumes the draft) when the record exists.
#[test]
fn home_lists_an_unfinished_edit_of_an_existing_record_as_well_as_an_unfinished_new_one() {
    let committee = goundam_committee();
    let mut me = Device::new(&committee);
    // Valid at the first pause: a record. Then the wrong count: kept in a draft.
    let sid = me.create(RecordKind::Session, fields_of(RecordBody::Session(session_body())));
    let s0 = me.open(sid);
    let out = me.save(sid, RecordKind::Session, one("present", json!(80)), &s0.heads);
    assert!(!out.saved);
    // Wrong from the start: never a record.
    let form = me.app.new_record(RecordKind::Session, now()).unwrap();
    let mut fields = fields_of(RecordBody::Session(session_body()));
    fields.insert("present".into(), json!(15));
    fields.insert("invited".into(), json!(12));
    let input = DraftInput {
        draft_id: form.draft_id.clone(),
        kind: RecordKind::Session,
        record_id: None,
        fields,
        base_heads: vec![],
        acknowledged: vec![],
    };
    assert!(!me.app.save_draft(input, now()).unwrap().saved);

    let home = me.app.home(now()).unwrap();
    let mut listed: Vec<(Option<RecordId>, String)> = home.drafts.iter().map(|d| (d.record_id, d.id.clone())).collect();
    listed.sort();
    assert_eq!(listed, vec![(None, form.draft_id), (Some(sid), format!("form-{sid}"))]);
}
