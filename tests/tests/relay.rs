//! The relay as the people of DOMAIN.md live it, with real encrypted stores, a real
//! server on loopback and the facilitator's laptop in between (issue 15): a member in
//! Goundam who never sees a network enrolls from a printed slip, records, hands a file to
//! the facilitator; the CRSS sends the record back « à corriger »; the answer comes back
//! through the facilitator; the member fixes it; the fix reaches the reviewer. Then the
//! adversaries: a courier who reads, a replay through two couriers, old returns after
//! new ones, lost bundles, a revoked member.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ccs_core::app::App;
use ccs_core::model::input::RecordInput;
use ccs_core::model::*;
use ccs_core::store::KdfParams;
use ccs_core::sync::client::{SyncError, Transport};
use ccs_sync_server::admin;
use ccs_tests::*;

/// A member's phone in Goundam: every attempt to reach a network fails, and is counted.
#[derive(Default)]
struct NoNetwork {
    attempts: AtomicUsize,
}

impl Transport for NoNetwork {
    fn post(&self, _: &str, path: &str, _: Option<&str>, _: &str, _: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        Err(SyncError::Network(format!("no network in Goundam ({path})")))
    }
}

const CANARY: &str = "CANARYmenaceFDSBer";

fn app_in(dir: &Path) -> App {
    App::new(dir.to_path_buf(), None, KdfParams::insecure_fast_for_tests(), now())
}

/// A member enrolled from a printed slip, with no network at all.
fn offline_member(w: &World, dir: &Path) -> (App, Arc<NoNetwork>) {
    let (_, slip) = admin::create_slip(
        w.server.data_dir(),
        &grant(Role::Member, Some(w.goundam), None),
        &w.server.url(),
        chrono::Duration::days(90),
        now(),
    )
    .unwrap();
    let net = Arc::new(NoNetwork::default());
    let mut app = app_in(dir);
    app.set_transport(net.clone());
    app.enroll_offline(PASS, &slip.to_text(), Some("Téléphone du secrétaire"), now()).unwrap();
    (app, net)
}

/// The region's facilitator, enrolled directly (it goes to town).
fn facilitator(w: &World, dir: &Path) -> App {
    facilitator_at(w, dir, now())
}

/// The facilitator at time `t`: the hotspot reads the clock, so a facilitator serving
/// one lives in real time (the app locks itself when idle).
fn facilitator_at(w: &World, dir: &Path, t: chrono::DateTime<chrono::Utc>) -> App {
    let mut app = App::new(dir.to_path_buf(), None, KdfParams::insecure_fast_for_tests(), t);
    let code = issue_code(w.server.data_dir(), grant(Role::Facilitator, None, Some("tombouctou")));
    app.enroll(PASS, &w.server.url(), &code, Some("Facilitateur Tombouctou"), t).unwrap();
    app.sync_now(t, true, &mut |_| {}).unwrap();
    app
}

/// Writes a new record through the form, as the app does.
fn create(app: &mut App, input: RecordInput) -> RecordId {
    let kind = input.body.kind();
    let form = app.new_record(kind, now()).unwrap();
    let mut fields = record_fields(&input.body);
    if let Some(c) = input.committee_id {
        fields.insert("committee_id".into(), c.to_string().into());
    }
    save(app, form.draft_id, kind, None, fields, vec![])
}

fn record_fields(body: &RecordBody) -> serde_json::Map<String, serde_json::Value> {
    let value = match body {
        RecordBody::Session(b) => serde_json::to_value(b),
        RecordBody::Assessment(b) => serde_json::to_value(b),
        RecordBody::Workshop(b) => serde_json::to_value(b),
        RecordBody::Recommendation(b) => serde_json::to_value(b),
        RecordBody::Committee(b) => serde_json::to_value(b),
    };
    value.unwrap().as_object().unwrap().clone()
}

fn save(
    app: &mut App,
    draft_id: String,
    kind: RecordKind,
    record_id: Option<RecordId>,
    fields: serde_json::Map<String, serde_json::Value>,
    base_heads: Vec<String>,
) -> RecordId {
    let input = |acknowledged| ccs_core::app::DraftInput {
        draft_id: draft_id.clone(),
        kind,
        record_id,
        fields: fields.clone(),
        base_heads: base_heads.clone(),
        acknowledged,
    };
    let mut outcome = app.save_draft(input(vec![]), now()).unwrap();
    if !outcome.saved {
        let ack = outcome
            .warnings
            .iter()
            .filter(|w| w.held)
            .map(|w| ccs_core::model::privacy::Acknowledgement {
                path: w.path.clone(),
                excerpt: w.warning.excerpt.clone(),
            })
            .collect();
        outcome = app.save_draft(input(ack), now()).unwrap();
    }
    assert!(outcome.saved, "not saved: {:?}", outcome.errors);
    outcome.record_id.unwrap()
}

/// Writes each bundle into `dir` (a USB stick), named as the exporter named it.
fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ccsb"))
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Every byte of every file under `dir`.
fn all_bytes_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        out.extend(std::fs::read(entry).unwrap_or_default());
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn device_of(app: &App) -> DeviceId {
    app.status().identity.unwrap().device_id
}

/// The facilitator's visit to the member: collects what the member exported onto the
/// stick, and hands over the return bundles it carries for that device.
fn visit(fac: &mut App, member: &mut App, stick: &Path) -> Vec<ccs_core::app::RelayImportReport> {
    for bytes in files_in(stick) {
        fac.courier_collect(&bytes, now()).unwrap();
    }
    for f in walk(stick) {
        std::fs::remove_file(f).unwrap();
    }
    let id = device_of(member);
    let mut reports = Vec::new();
    let mut applied = Vec::new();
    for hand in fac.courier_bundles_for(id, now()).unwrap() {
        reports.push(member.relay_import(&hand.bytes, now()).unwrap());
        applied.push(hand.id);
    }
    fac.courier_delivered(id, &applied, now()).unwrap();
    reports
}

/// The facilitator back in town: forwards, syncs, fetches for the devices it visits.
fn in_town(fac: &mut App) {
    in_town_at(fac, now());
}

fn in_town_at(fac: &mut App, t: chrono::DateTime<chrono::Utc>) {
    let forwarded = fac.courier_forward(t).unwrap();
    assert!(forwarded.refused.is_empty() && forwarded.error.is_none(), "{forwarded:?}");
    fac.sync_now(t, true, &mut |_| {}).unwrap();
    fac.courier_fetch(&[], t).unwrap();
}

#[test]
fn a_record_made_in_goundam_goes_through_the_facilitator_is_sent_back_and_its_fix_reaches_the_crss() {
    let mut w = world();
    let (mdir, fdir, stick) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut member, net) = offline_member(&w, mdir.path());
    let mut fac = facilitator(&w, fdir.path());
    assert!(member.relay_status(now()).unwrap().enrollment_pending);

    // The secretary records a session and a confidential assessment, and submits the session.
    let session = create(&mut member, fixtures::session(w.goundam, 12, "Réunion ordinaire du CCS de Goundam"));
    member.decide(session, Decision::Submitted, None, now()).unwrap();
    let mut secret = fixtures::assessment(w.goundam, "tombouctou/goundam/goundam", ThreatCategory::FdsTensions);
    if let RecordBody::Assessment(a) = &mut secret.body {
        a.threats[0].existing_capacities = format!("Allégation {CANARY} contre un poste");
    }
    let secret = create(&mut member, secret);

    // « Envoyer par le facilitateur »: the files go on a stick.
    let sent = member.relay_export_to(stick.path(), now()).unwrap();
    assert!(sent.enrollment && sent.records >= 2, "{sent:?}");
    assert!(contains(&all_bytes_under(stick.path()), "CCSB"));
    assert!(!contains(&all_bytes_under(stick.path()), CANARY));

    // The facilitator collects, goes to town, forwards before its own sync.
    visit(&mut fac, &mut member, stick.path());
    in_town(&mut fac);

    // The CRSS reviewer receives the session and sends it back with a comment.
    w.reviewer.sync().unwrap();
    assert!(w.reviewer.ids().contains(&session) && w.reviewer.ids().contains(&secret));
    w.reviewer
        .store
        .review(session, Decision::NeedsCorrection, Some("Préciser le lieu de la réunion".into()), now())
        .unwrap();
    w.reviewer.sync().unwrap();

    // The facilitator fetches the return bundles and visits Goundam again.
    in_town(&mut fac);
    let reports = visit(&mut fac, &mut member, stick.path());
    assert!(reports.iter().any(|r| r.enrollment_completed), "{reports:?}");
    assert!(reports.iter().map(|r| r.acknowledged).sum::<u32>() >= 2, "{reports:?}");
    assert!(!member.relay_status(now()).unwrap().enrollment_pending);
    let view = member.open_record(session, now()).unwrap();
    assert_eq!(view.status, ReviewStatus::NeedsCorrection);
    assert_eq!(view.correction_comment.as_deref(), Some("Préciser le lieu de la réunion"));

    // She fixes it and sends it again the same way.
    let mut fields = serde_json::Map::new();
    fields.insert("summary".into(), "Réunion ordinaire, tenue à la mairie de Goundam".into());
    let draft = member.open_record(session, now()).unwrap();
    let draft_id = draft.draft.map(|d| d.draft_id).unwrap_or_else(|| format!("edit-{session}"));
    save(&mut member, draft_id, RecordKind::Session, Some(session), fields, draft.heads);
    member.decide(session, Decision::Submitted, None, now()).unwrap();
    member.relay_export_to(stick.path(), now()).unwrap();
    visit(&mut fac, &mut member, stick.path());
    in_town(&mut fac);
    w.reviewer.sync().unwrap();
    let fixed = w.reviewer.store.record(session).unwrap();
    match fixed.body {
        RecordBody::Session(s) => assert_eq!(s.summary, "Réunion ordinaire, tenue à la mairie de Goundam"),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.reviewer.store.summary(session).unwrap().status, ReviewStatus::Submitted);

    // The member never reached a network; the facilitator never held the allegation.
    assert_eq!(net.attempts.load(Ordering::SeqCst), 0);
    // Its store is encrypted, so its bytes prove little: what it holds, opened, is the
    // proof. A facilitator does not read a confidential record it carried.
    assert!(fac.open_record(secret, now()).is_err(), "the facilitator holds the confidential assessment");
    let found =
        fac.list(&ccs_core::store::ListFilter { text: Some(CANARY.into()), ..Default::default() }, now()).unwrap();
    assert!(found.items.is_empty());
    assert!(!contains(&all_bytes_under(fdir.path()), CANARY), "the courier's folder holds the canary");
    assert!(!contains(&all_bytes_under(stick.path()), CANARY));
}

#[test]
fn replays_through_two_couriers_lost_bundles_and_old_returns_do_nothing_twice_and_never_move_back() {
    let mut w = world();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let member_code = issue_code(w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    let mut member = app_in(dirs[0].path());
    member.enroll(PASS, &w.server.url(), &member_code, Some("Téléphone du secrétaire"), now()).unwrap();
    member.sync_now(now(), true, &mut |_| {}).unwrap();
    let mut one = facilitator(&w, dirs[1].path());
    let mut two = facilitator(&w, dirs[2].path());
    let stick = dirs[3].path();

    // Bundle A goes with both couriers (the member gave the same file to each).
    let r1 = create(&mut member, fixtures::session(w.goundam, 3, "Session de mars"));
    member.relay_export_to(stick, now()).unwrap();
    let a = files_in(stick);
    for bytes in &a {
        assert!(one.courier_collect(bytes, now()).unwrap().new);
        assert!(two.courier_collect(bytes, now()).unwrap().new);
        assert!(!one.courier_collect(bytes, now()).unwrap().new, "a duplicate is nothing new");
    }
    for f in walk(stick) {
        std::fs::remove_file(f).unwrap();
    }
    in_town(&mut one);
    in_town(&mut two);
    w.reviewer.sync().unwrap();
    assert_eq!(w.reviewer.store.history(r1).unwrap().len(), 1, "the session was filed once");

    // Courier one fetched a return for A; then B is made and lost, C is made and carried.
    let old_return = one.courier_bundles_for(device_of(&member), now()).unwrap();
    assert!(!old_return.is_empty());
    let r2 = create(&mut member, fixtures::session(w.goundam, 4, "Session d’avril"));
    member.relay_export_to(stick, now()).unwrap();
    for f in walk(stick) {
        std::fs::remove_file(f).unwrap(); // B: the stick was lost
    }
    let r3 = create(&mut member, fixtures::session(w.goundam, 5, "Session de mai"));
    member.relay_export_to(stick, now()).unwrap();
    for bytes in files_in(stick) {
        two.courier_collect(&bytes, now()).unwrap();
    }
    in_town(&mut two);
    w.reviewer.sync().unwrap();
    for id in [r1, r2, r3] {
        assert!(w.reviewer.ids().contains(&id), "{id} reached the CRSS");
        assert_eq!(w.reviewer.store.history(id).unwrap().len(), 1);
    }

    // The newer return is applied first, then the older one: it moves nothing back.
    let new_return = two.courier_bundles_for(device_of(&member), now()).unwrap();
    for hand in &new_return {
        member.relay_import(&hand.bytes, now()).unwrap();
    }
    let acked_after_new: Vec<_> =
        [r1, r2, r3].iter().map(|id| member.open_record(*id, now()).unwrap().delivery).collect();
    for hand in &old_return {
        let report = member.relay_import(&hand.bytes, now()).unwrap();
        assert_eq!(report.received, 0, "{report:?}");
    }
    for hand in &new_return {
        let again = member.relay_import(&hand.bytes, now()).unwrap();
        assert!(again.nothing_new, "{again:?}");
    }
    let acked_after_old: Vec<_> =
        [r1, r2, r3].iter().map(|id| member.open_record(*id, now()).unwrap().delivery).collect();
    assert_eq!(acked_after_new, acked_after_old);
    assert!(member.relay_status(now()).unwrap().waiting == 0, "every record acknowledged");

    // Direct sync and the relay agree: a direct sync now has nothing to send or receive.
    let report = member.sync_now(now(), true, &mut |_| {}).unwrap();
    assert_eq!((report.sent, report.received), (0, 0), "{report:?}");
}

#[test]
fn a_revoked_members_bundle_is_quarantined_and_a_bundle_for_one_device_does_not_open_on_another() {
    let mut w = world();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut member, _) = offline_member(&w, dirs[0].path());
    let mut colleague = app_in(dirs[1].path());
    let code = issue_code(w.server.data_dir(), grant(Role::Member, Some(w.goundam), None));
    colleague.enroll(PASS, &w.server.url(), &code, Some("Téléphone de la présidente"), now()).unwrap();
    let mut fac = facilitator(&w, dirs[2].path());
    let stick = dirs[3].path();

    // A return bundle for the member, handed to the colleague's phone by mistake.
    create(&mut member, fixtures::session(w.goundam, 6, "Session de juin"));
    member.relay_export_to(stick, now()).unwrap();
    visit(&mut fac, &mut member, stick);
    in_town(&mut fac);
    let returns = fac.courier_bundles_for(device_of(&member), now()).unwrap();
    assert!(!returns.is_empty());
    let before = colleague.relay_status(now()).unwrap();
    let err = colleague.relay_import(&returns[0].bytes, now()).unwrap_err();
    assert_eq!(err.code.to_string(), "bundle.not_for_this_device");
    assert_eq!(colleague.relay_status(now()).unwrap(), before);

    // The member's phone is taken; the administrator revokes it. A bundle it made before
    // (or someone made with its keys after) reaches the server through a courier whose
    // roster is older than the revocation.
    create(&mut member, fixtures::session(w.goundam, 7, "Session de juillet"));
    member.relay_export_to(stick, now()).unwrap();
    for bytes in files_in(stick) {
        fac.courier_collect(&bytes, now()).unwrap();
    }
    admin::revoke_device(w.server.data_dir(), &device_of(&member).to_string(), now()).unwrap();
    let forwarded = fac.courier_forward(now()).unwrap();
    assert_eq!(forwarded.refused.len(), 1, "{forwarded:?}");
    assert_eq!(forwarded.refused[0].code, "bundle.revoked_signer");
    let quarantine = admin::relay_quarantine(w.server.data_dir()).unwrap();
    assert!(quarantine.iter().any(|q| q.code == "bundle.revoked_signer"), "{quarantine:?}");
    w.reviewer.sync().unwrap();
    assert!(!w.reviewer.store.list(&Default::default()).unwrap().items.iter().any(|i| i.title.contains("juillet")));
    // Once its roster knows, the courier refuses to carry it at all.
    fac.courier_refresh_roster(now()).unwrap();
    member.relay_export_to(stick, now()).unwrap();
    let bytes = files_in(stick).pop().unwrap();
    assert_eq!(fac.courier_collect(&bytes, now()).unwrap_err().code.to_string(), "bundle.revoked_signer");
}

/// One visit over the facilitator's hotspot, through the functions the app's commands
/// call (`hotspot_start`, `relay_exchange`): the member's app hands over everything not
/// acknowledged and applies each return bundle as it arrives.
fn hotspot_visit(
    member: &Arc<std::sync::Mutex<App>>,
    fac: &Arc<std::sync::Mutex<App>>,
) -> ccs_hotspot::app::RelayExchange {
    let (hotspot, view) = ccs_hotspot::app::serve(fac.clone()).unwrap();
    assert!(view.pairing.starts_with("ccs-relais:1?") && view.address.starts_with("https://"));
    // The member is on the same machine here: the advertised address is the LAN's.
    let pairing = ccs_hotspot::Pairing::parse(&view.pairing).unwrap();
    let local = ccs_hotspot::Pairing {
        address: std::net::SocketAddr::from(([127, 0, 0, 1], pairing.address.port())),
        ..pairing
    };
    // The member lives in the scenarios' fixed time; the facilitator's hotspot in real time.
    let done = ccs_hotspot::app::exchange(member, &local.to_text(), now()).unwrap();
    hotspot.stop();
    done
}

#[test]
fn the_same_story_over_the_facilitators_hotspot() {
    let mut w = world();
    let (mdir, fdir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (member, net) = offline_member(&w, mdir.path());
    let member = Arc::new(std::sync::Mutex::new(member));
    let real = chrono::Utc::now;
    let fac = Arc::new(std::sync::Mutex::new(facilitator_at(&w, fdir.path(), real())));
    let session = {
        let mut m = member.lock().unwrap();
        let session = create(&mut m, fixtures::session(w.goundam, 14, "Session tenue sous l’arbre à palabres"));
        m.decide(session, Decision::Submitted, None, now()).unwrap();
        session
    };

    let first = hotspot_visit(&member, &fac);
    assert!(first.sent.records >= 1 && first.sent.enrollment, "{first:?}");
    in_town_at(&mut fac.lock().unwrap(), real());
    w.reviewer.sync().unwrap();
    w.reviewer
        .store
        .review(session, Decision::NeedsCorrection, Some("Joindre la liste de présence".into()), now())
        .unwrap();
    w.reviewer.sync().unwrap();
    in_town_at(&mut fac.lock().unwrap(), real());

    let second = hotspot_visit(&member, &fac);
    assert!(second.received.iter().any(|r| r.enrollment_completed), "{second:?}");
    let mut member = member.lock().unwrap();
    let view = member.open_record(session, now()).unwrap();
    assert_eq!(view.status, ReviewStatus::NeedsCorrection);
    assert_eq!(view.correction_comment.as_deref(), Some("Joindre la liste de présence"));
    assert!(!member.relay_status(now()).unwrap().enrollment_pending);
    assert!(fac.lock().unwrap().courier_view(real()).unwrap().to_members.is_empty(), "what was applied left custody");
    assert_eq!(net.attempts.load(Ordering::SeqCst), 0);
}

#[test]
fn a_backlog_bigger_than_one_bundle_goes_as_parts_and_every_part_is_acknowledged() {
    let mut w = world();
    let (mdir, fdir, stick) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut member, _) = offline_member(&w, mdir.path());
    let mut fac = facilitator(&w, fdir.path());
    let n = ccs_core::sync::plan::PUSH_DOCS_PER_REQUEST + 30;
    for i in 0..n {
        create(&mut member, fixtures::session(w.goundam, 1 + (i % 28) as u32, &format!("Séance numéro {i}")));
    }
    let sent = member.relay_export_to(stick.path(), now()).unwrap();
    assert!(sent.parts >= 2 && sent.records as usize == n, "{sent:?}");
    // The parts travel separately: the second one first, then the first.
    let mut parts = files_in(stick.path());
    parts.reverse();
    for bytes in &parts {
        fac.courier_collect(bytes, now()).unwrap();
    }
    in_town(&mut fac);
    w.reviewer.sync().unwrap();
    let held = w
        .reviewer
        .store
        .list(&ccs_core::store::ListFilter { kind: Some(RecordKind::Session), limit: 1000, ..Default::default() })
        .unwrap();
    assert_eq!(held.items.len(), n);
    let reports = visit(&mut fac, &mut member, stick.path());
    assert_eq!(reports.iter().map(|r| r.acknowledged as usize).sum::<usize>(), n, "{reports:?}");
    assert_eq!(member.relay_status(now()).unwrap().waiting, 0);
}
