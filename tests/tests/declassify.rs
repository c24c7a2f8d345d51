//! "An Automerge document never forgets": a record made less sensitive, or purged, is
//! replaced by a copy without history, and nothing of the old history reaches those who
//! receive the copy. Real stores, a real server on loopback, real HTTP.

use automerge::AutoCommit;
use ccs_core::app::{App, DraftInput};
use ccs_core::doc::RecordDoc;
use ccs_core::model::privacy::Acknowledgement;
use ccs_core::model::*;
use ccs_core::store::{KdfParams, ListFilter, StoreError};
use ccs_tests::fixtures;
use ccs_tests::*;

/// The allegation: what must never reach the committee's phones.
const ALLEGATION: &str = "Le lieutenant Keita aurait frappé deux bergers au puits de Hondo";
const NAME: &str = "Traoré";

fn device(w: &World, name: &str, role: Role, committee: Option<CommitteeId>, region: Option<&str>) -> Device {
    let mut d = Device::enrolled(name, &w.server.url(), w.server.data_dir(), grant(role, committee, region));
    d.sync().unwrap();
    d
}

/// An assessment holding a threat against the security forces (with the allegation)
/// and a cattle-theft threat: confidential by its content.
fn fds_assessment(committee: CommitteeId) -> ccs_core::model::input::RecordInput {
    let mut input = fixtures::assessment(committee, "tombouctou/goundam/goundam", ThreatCategory::CattleTheft);
    if let RecordBody::Assessment(a) = &mut input.body {
        let mut fds = a.threats[0].clone();
        fds.id = ItemId::new();
        fds.category = ThreatCategory::FdsTensions;
        fds.suspected_actor = SuspectedActor::Unknown;
        fds.existing_capacities = ALLEGATION.into();
        a.threats.push(fds);
        a.notes = format!("Signalé en séance : {ALLEGATION}.");
    }
    input
}

/// Reads the record at every state of its history (each change's heads): what a reader
/// of the document could ever reconstruct from it.
fn every_state(bytes: &[u8]) -> Vec<Record> {
    let mut doc = AutoCommit::load(bytes).unwrap();
    let hashes: Vec<_> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
    hashes
        .into_iter()
        .filter_map(|h| {
            let mut at = doc.fork_at(&[h]).ok()?;
            RecordDoc::load(&at.save()).ok()?.read().ok()
        })
        .collect()
}

fn has_fds_threat(r: &Record) -> bool {
    matches!(&r.body, RecordBody::Assessment(a) if a.threats.iter().any(|t| t.category == ThreatCategory::FdsTensions))
}

/// Checks that a copy of a record, as `d` holds it, shows nothing of `secret` whatever
/// state of it one reads, and was made in one change.
fn assert_copy_is_clean(d: &Device, copy: RecordId, secret: &str, forbidden_code: Option<&str>) {
    let bytes = d.store.document_bytes(copy).unwrap();
    let states = every_state(&bytes);
    assert_eq!(states.len(), 1, "{}: the copy has one change", d.name);
    for state in &states {
        assert!(!has_fds_threat(state), "{}: a state of the copy holds the threat", d.name);
        assert!(!serde_json::to_string(state).unwrap().contains(secret), "{}: a state shows the secret", d.name);
    }
    let written = every_string_written(&bytes);
    assert!(!written.contains(secret), "{}: the copy's changes hold the secret", d.name);
    if let Some(code) = forbidden_code {
        assert!(!written.contains(code), "{}: the copy's changes hold `{code}`", d.name);
    }
}

fn listed(d: &Device) -> Vec<RecordId> {
    d.store.list(&ListFilter { limit: 500, ..Default::default() }).unwrap().items.iter().map(|i| i.id).collect()
}

/// Removes the threat against the security forces and the allegation from the notes.
fn without_the_allegation(d: &Device, id: RecordId) -> ccs_core::model::input::RecordInput {
    let current = d.store.record(id).unwrap();
    let RecordBody::Assessment(mut a) = current.body else { panic!("not an assessment") };
    a.threats.retain(|t| t.category != ThreatCategory::FdsTensions);
    a.notes = "Vols de bétail en hausse près des points d'eau.".into();
    ccs_core::model::input::RecordInput {
        body: RecordBody::Assessment(a),
        committee_id: None,
        sensitivity: None,
        status: None,
    }
}

#[test]
fn lowering_sensitivity_sends_no_history() {
    let mut w = world();
    let mut a = device(&w, "member-a", Role::Member, Some(w.goundam), None);
    let mut b = device(&w, "member-b", Role::Member, Some(w.goundam), None);
    let mut facilitator = device(&w, "facilitator", Role::Facilitator, None, Some("tombouctou"));

    let secret = a.store.create_record(fds_assessment(w.goundam), now()).unwrap();
    assert_eq!(a.store.summary(secret).unwrap().sensitivity, Sensitivity::Confidential);
    a.sync().unwrap();
    b.sync().unwrap();
    facilitator.sync().unwrap();
    assert!(matches!(b.store.record(secret), Err(StoreError::RecordNotFound(_))));
    assert!(matches!(facilitator.store.record(secret), Err(StoreError::RecordNotFound(_))));

    // The author removes the threat: the assessment falls to restricted.
    let edit = without_the_allegation(&a, secret);
    let copy = a.store.edit_record(secret, edit, now()).unwrap();
    assert_ne!(copy.id, secret, "the edit made a new document");
    assert_eq!(copy.copied_from, Some(secret));
    assert_eq!(copy.effective_sensitivity(), Sensitivity::Restricted);
    // The old document is as it was: the threat is still in it, and it stays confidential.
    assert!(has_fds_threat(&a.store.record(secret).unwrap()));
    assert_eq!(a.store.summary(secret).unwrap().sensitivity, Sensitivity::Confidential);
    assert_eq!(a.store.summary(secret).unwrap().superseded_by, Some(copy.id));
    // The trail says what happened, and the status is what it was.
    let last = copy.review.last().unwrap();
    assert_eq!(last.decision, Decision::Declassified);
    assert_eq!(copy.review_status(), ReviewStatus::Draft);
    // What the device will send: one change, none of the old strings.
    let push = a.store.push_of(copy.id).unwrap();
    let sent = every_string_written(&push.changes);
    assert!(!sent.contains(ALLEGATION) && !sent.contains("tensions_fds_population"));
    assert!(sent.contains("Vols de bétail"));
    assert_eq!(every_string_written(&a.store.document_bytes(copy.id).unwrap()), sent);
    // The member's lists show the copy only.
    assert!(listed(&a).contains(&copy.id) && !listed(&a).contains(&secret));

    let report = a.sync().unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    b.sync().unwrap();
    facilitator.sync().unwrap();
    w.reviewer.sync().unwrap();

    for reader in [&b, &facilitator] {
        assert!(listed(reader).contains(&copy.id), "{} has the copy", reader.name);
        assert!(
            matches!(reader.store.record(secret), Err(StoreError::RecordNotFound(_))),
            "{} never receives the old document",
            reader.name
        );
        assert_eq!(reader.store.record(copy.id).unwrap(), copy);
        assert_copy_is_clean(reader, copy.id, ALLEGATION, Some("tensions_fds_population"));
        assert_eq!(reader.store.follow(secret).unwrap(), copy.id);
    }
    // The reviewer holds both: the old one, complete, marked as replaced by the copy.
    assert!(has_fds_threat(&w.reviewer.store.record(secret).unwrap()));
    let old = w.reviewer.store.summary(secret).unwrap();
    assert_eq!(old.superseded_by, Some(copy.id));
    assert_eq!(old.sensitivity, Sensitivity::Confidential);
    assert!(listed(&w.reviewer).contains(&secret) && listed(&w.reviewer).contains(&copy.id));

    // A colleague enrolled later gets the copy only.
    let late = device(&w, "member-late", Role::Member, Some(w.goundam), None);
    assert!(listed(&late).contains(&copy.id));
    assert!(matches!(late.store.record(secret), Err(StoreError::RecordNotFound(_))));
    assert_copy_is_clean(&late, copy.id, ALLEGATION, Some("tensions_fds_population"));
    let _ = w.ansongo;
}

#[test]
fn purging_a_record_leaves_no_history() {
    let mut w = world();
    let mut a = device(&w, "member-a", Role::Member, Some(w.goundam), None);
    let mut facilitator = device(&w, "facilitator", Role::Facilitator, None, Some("tombouctou"));

    // A name typed in a summary, removed afterwards: it stays in the history.
    let session = a
        .store
        .create_record(fixtures::session(w.goundam, 12, &format!("M. {NAME} a signalé des vols de bétail.")), now())
        .unwrap();
    let mut patch = serde_json::Map::new();
    patch.insert("summary".into(), "Un habitant a signalé des vols de bétail.".into());
    a.store.patch_record(session, patch, now()).unwrap();
    assert!(every_string_written(&a.store.document_bytes(session).unwrap()).contains(NAME));
    a.store.review(session, Decision::Submitted, None, now()).unwrap();
    a.sync().unwrap();

    facilitator.sync().unwrap();
    facilitator.store.review(session, Decision::Validated, None, now()).unwrap();
    let copy = facilitator.store.purge(session, now()).unwrap();
    assert_ne!(copy.id, session);
    assert_eq!(copy.copied_from, Some(session));
    assert_eq!(copy.review.last().map(|e| e.decision), Some(Decision::Purged));
    // The copy keeps the status its original had, with the trail that gave it.
    assert_eq!(copy.review_status(), ReviewStatus::Validated);
    // The old document, which was restricted, is now confidential.
    assert_eq!(facilitator.store.summary(session).unwrap().sensitivity, Sensitivity::Confidential);
    assert!(!every_string_written(&facilitator.store.push_of(copy.id).unwrap().changes).contains(NAME));
    let report = facilitator.sync().unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    // A member enrolled after the purge receives the copy and nothing of the old one.
    let late = device(&w, "member-late", Role::Member, Some(w.goundam), None);
    assert_eq!(late.store.record(copy.id).unwrap(), copy);
    assert!(matches!(late.store.record(session), Err(StoreError::RecordNotFound(_))));
    assert_copy_is_clean(&late, copy.id, NAME, None);
    assert_eq!(late.store.summary(copy.id).unwrap().status, ReviewStatus::Validated);

    // The author, who had the old one, now lists the copy in its place.
    a.sync().unwrap();
    assert!(listed(&a).contains(&copy.id) && !listed(&a).contains(&session));
    assert_eq!(a.store.follow(session).unwrap(), copy.id);
    // A reviewer sees both, the old one marked.
    w.reviewer.sync().unwrap();
    assert_eq!(w.reviewer.store.summary(session).unwrap().superseded_by, Some(copy.id));
    // Purging the replaced record again is refused: the copy is what to purge.
    assert!(matches!(facilitator.store.purge(session, now()), Err(StoreError::Forbidden(_))));
}

#[test]
fn links_follow_the_declassified_copy() {
    let w = world();
    let mut a = device(&w, "member-a", Role::Member, Some(w.goundam), None);
    let secret = a.store.create_record(fds_assessment(w.goundam), now()).unwrap();
    let mut rec = ccs_core::samples::recommendation_body();
    rec.origin = Some(secret);
    let recommendation = a
        .store
        .create_record(
            ccs_core::model::input::RecordInput {
                body: RecordBody::Recommendation(rec),
                committee_id: Some(w.goundam),
                sensitivity: None,
                status: None,
            },
            now(),
        )
        .unwrap();
    a.sync().unwrap();

    // Colleague B uses the app: the recommendation arrives, its origin does not.
    let dir = tempfile::tempdir().unwrap();
    let mut b = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    let code = issue_code(w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    b.enroll(PASS, &w.server.url(), &code, Some("member-b"), now()).unwrap();
    b.sync_now(now(), true, &mut |_| {}).unwrap();
    let view = b.open_record(recommendation, now()).unwrap();
    assert!(view.links.is_empty());

    let copy = a.store.edit_record(secret, without_the_allegation(&a, secret), now()).unwrap();
    a.sync().unwrap();
    b.sync_now(now(), true, &mut |_| {}).unwrap();

    // The recommendation itself is unchanged, and its origin now leads to the copy.
    let view = b.open_record(recommendation, now()).unwrap();
    let held = view.record.as_ref().map(|r| match &r.body {
        RecordBody::Recommendation(r) => r.origin,
        _ => None,
    });
    assert_eq!(held, Some(Some(secret)));
    assert_eq!(view.links.len(), 1);
    assert_eq!(view.links[0].id, secret);
    assert_eq!(view.links[0].target.id, copy.id);
    assert!(view.links[0].target.title.as_deref().is_some_and(|t| t.starts_with("Évaluation sécuritaire")));
    // The copy says what it replaced; the author's device still holds the original.
    let copy_view = b.open_record(copy.id, now()).unwrap();
    assert_eq!(copy_view.copy_of.as_ref().map(|c| c.id), Some(secret));
    assert_eq!(copy_view.copy_of.as_ref().and_then(|c| c.title.clone()), None);
    assert!(copy_view.trail.iter().any(|e| e.decision == Decision::Declassified));
    assert!(!copy_view.may_purge, "a member may not purge");
    assert!(a.store.heads(recommendation).unwrap().0 == a.store.heads(recommendation).unwrap().1);
}

#[test]
fn saving_a_form_that_lowers_sensitivity_opens_the_copy() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    let code = issue_code(w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    app.enroll(PASS, &w.server.url(), &code, Some("member-a"), now()).unwrap();
    app.sync_now(now(), true, &mut |_| {}).unwrap();

    let form = app.new_record(RecordKind::Assessment, now()).unwrap();
    let RecordBody::Assessment(body) = fds_assessment(w.goundam).body else { unreachable!() };
    let mut fields = serde_json::to_value(&body).unwrap().as_object().unwrap().clone();
    fields.insert("committee_id".into(), w.goundam.to_string().into());
    let saved = app
        .save_draft(
            DraftInput {
                draft_id: form.draft_id.clone(),
                kind: RecordKind::Assessment,
                record_id: None,
                fields,
                base_heads: vec![],
                acknowledged: vec![],
            },
            now(),
        )
        .unwrap();
    // The allegation names no one, but the name check flags a passage of it: the member
    // says « ce n'est pas un nom » and the record is written.
    let acknowledged: Vec<_> = saved
        .warnings
        .iter()
        .filter(|w| w.held)
        .map(|w| Acknowledgement { path: w.path.clone(), excerpt: w.warning.excerpt.clone() })
        .collect();
    let saved = if saved.saved {
        saved
    } else {
        let RecordBody::Assessment(body) = fds_assessment(w.goundam).body else { unreachable!() };
        let mut fields = serde_json::to_value(&body).unwrap().as_object().unwrap().clone();
        fields.insert("committee_id".into(), w.goundam.to_string().into());
        app.save_draft(
            DraftInput {
                draft_id: form.draft_id.clone(),
                kind: RecordKind::Assessment,
                record_id: None,
                fields,
                base_heads: vec![],
                acknowledged: acknowledged.clone(),
            },
            now(),
        )
        .unwrap()
    };
    assert!(saved.saved, "{:?} {:?}", saved.errors, saved.warnings);
    let secret = saved.record_id.unwrap();
    assert_eq!(app.open_record(secret, now()).unwrap().summary.sensitivity, Sensitivity::Confidential);

    // The form, opened on the record, drops the threat against the security forces.
    let view = app.open_record(secret, now()).unwrap();
    let mut fields = view.fields.clone();
    let threats: Vec<serde_json::Value> = fields["threats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["category"] != "tensions_fds_population")
        .cloned()
        .collect();
    fields.insert("threats".into(), threats.into());
    fields.insert("notes".into(), "Vols de bétail en hausse.".into());
    let draft_id = uuid_like();
    let input = DraftInput {
        draft_id,
        kind: RecordKind::Assessment,
        record_id: Some(secret),
        fields,
        base_heads: view.heads.clone(),
        acknowledged,
    };
    let outcome = app.save_draft(input.clone(), now()).unwrap();
    assert!(outcome.saved, "{:?}", outcome.errors);
    let copy = outcome.record_id.unwrap();
    assert_ne!(copy, secret, "the app answers with the copy, which the form then opens");
    let view = app.open_record(copy, now()).unwrap();
    assert_eq!(view.copy_of.map(|c| c.id), Some(secret));
    assert_eq!(view.summary.sensitivity, Sensitivity::Restricted);
    let old = app.open_record(secret, now()).unwrap();
    assert_eq!(old.replaced_by.map(|c| c.id), Some(copy));
    assert!(!old.editable, "edits go to the copy");
    // A form still open on the old record saves into the copy, not into the old one.
    let again = app.save_draft(input, now()).unwrap();
    assert_eq!(again.record_id, Some(copy));
    let listed: Vec<RecordId> = app.list(&ListFilter::default(), now()).unwrap().items.iter().map(|i| i.id).collect();
    assert!(listed.contains(&copy) && !listed.contains(&secret));
    let summary = app.sync_now(now(), true, &mut |_| {}).unwrap();
    assert!(summary.refused.is_empty(), "{:?}", summary.refused);
}

fn uuid_like() -> String {
    RecordId::new().to_string()
}

#[test]
fn member_cannot_purge() {
    let w = world();
    let mut a = device(&w, "member-a", Role::Member, Some(w.goundam), None);
    let session = a.store.create_record(fixtures::session(w.goundam, 3, "Séance ordinaire."), now()).unwrap();
    let err = a.store.purge(session, now()).unwrap_err();
    assert_eq!(err.code(), "review.role_not_allowed");
    assert!(a.store.superseded_by(session).unwrap().is_none());

    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(dir.path().to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now());
    let code = issue_code(w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    app.enroll(PASS, &w.server.url(), &code, Some("member-b"), now()).unwrap();
    a.sync().unwrap();
    app.sync_now(now(), true, &mut |_| {}).unwrap();
    assert!(!app.open_record(session, now()).unwrap().may_purge);
    let err = app.purge(session, now()).unwrap_err();
    assert_eq!(err.code, "record.purge_not_allowed");
    assert!(err.message.fr.contains("facilitateurs"));

    // A hostile member writes the purge by hand: the server refuses it.
    let original = a.store.record(session).unwrap();
    let mut forged = Record { id: RecordId::new(), copied_from: Some(session), ..original };
    forged.review.push(ReviewEvent {
        id: ItemId::new(),
        at: now(),
        by_device: a.store.identity().device_id,
        role: Role::Member,
        decision: Decision::Purged,
        comment: None,
        heads: vec![],
    });
    a.store.insert_new(&forged, now()).unwrap();
    let report = a.sync().unwrap();
    assert_eq!(report.rejected, vec![(forged.id, "review.role_not_allowed".to_string())]);
}

#[test]
fn a_copy_cannot_replace_a_record_outside_its_scope() {
    let w = world();
    let mut goundam_member = device(&w, "member-goundam", Role::Member, Some(w.goundam), None);
    let mut ansongo_member = device(&w, "member-ansongo", Role::Member, Some(w.ansongo), None);
    let target = goundam_member.store.create_record(fixtures::session(w.goundam, 5, "Séance."), now()).unwrap();
    goundam_member.sync().unwrap();

    // A copy in Ansongo claiming to replace a Goundam record would hide it from lists.
    let mut claim = Record::new(
        RecordBody::Session(ccs_core::samples::session_body()),
        w.ansongo,
        ansongo_member.store.identity().device_id,
        now(),
    );
    claim.copied_from = Some(target);
    if let RecordBody::Session(s) = &mut claim.body {
        s.date = "2026-10-05".parse().unwrap();
    }
    ansongo_member.store.insert_new(&claim, now()).unwrap();
    let report = ansongo_member.sync().unwrap();
    assert_eq!(report.rejected, vec![(claim.id, "lineage.forged".to_string())]);

    // Nor can an existing record later claim to be a copy of another.
    let own = goundam_member.store.create_record(fixtures::session(w.goundam, 6, "Séance."), now()).unwrap();
    goundam_member.sync().unwrap();
    let other = goundam_member.store.create_record(fixtures::session(w.goundam, 7, "Autre."), now()).unwrap();
    goundam_member.sync().unwrap();
    let header = goundam_member.store.get(own, now()).unwrap().header;
    let mut doc = RecordDoc::load(&goundam_member.store.document_bytes(own).unwrap()).unwrap();
    doc.set_device(goundam_member.store.identity().device_id);
    let mut r = doc.read().unwrap();
    r.copied_from = Some(other);
    doc.update(&r, "edit").unwrap();
    goundam_member.store.apply_changes(&header, &doc.save(), now()).unwrap();
    let report = goundam_member.sync().unwrap();
    assert_eq!(report.rejected, vec![(own, "lineage.forged".to_string())]);
    // The reviewer still lists the record that was claimed.
    let mut reviewer = w.reviewer;
    reviewer.sync().unwrap();
    assert!(reviewer.store.superseded_by(other).unwrap().is_none());
    assert!(reviewer.store.superseded_by(target).unwrap().is_none());
}
