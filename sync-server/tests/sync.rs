//! Sync between devices of different scopes through a real server: who receives what,
//! what is refused, replays and paging.

mod common;

use ccs_core::model::*;
use ccs_sync_server::Limits;
use common::*;
use rstest::rstest;

struct Cast {
    server: TestServer,
    goundam_member: TestDevice,
    ansongo_member: TestDevice,
    tombouctou_facilitator: TestDevice,
    gao_facilitator: TestDevice,
    reviewer: TestDevice,
}

/// Two members of two committees (Goundam in Tombouctou, Ansongo in Gao), the
/// facilitators of both regions and a CRSS reviewer.
fn cast(limits: Limits) -> Cast {
    let server = TestServer::with_limits(limits);
    server.import_committees();
    Cast {
        goundam_member: server.enroll(Role::Member, Some(goundam()), None),
        ansongo_member: server.enroll(Role::Member, Some(ansongo()), None),
        tombouctou_facilitator: server.enroll(Role::Facilitator, None, Some("tombouctou")),
        gao_facilitator: server.enroll(Role::Facilitator, None, Some("gao")),
        reviewer: server.enroll(Role::Reviewer, None, None),
        server,
    }
}

#[rstest]
fn member_push_reaches_reviewer_and_regional_facilitator_only(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    let r = c.goundam_member.push_ok(vec![s.push()]);
    assert!(r.entries.is_empty(), "the pusher got its own entry back");

    assert_eq!(c.reviewer.pulled_docs(), vec![s.id()]);
    assert_eq!(c.tombouctou_facilitator.pulled_docs(), vec![s.id()]);
    assert!(c.gao_facilitator.pulled_docs().is_empty());
    assert!(c.ansongo_member.pulled_docs().is_empty());

    // The entry received is the document: a reviewer rebuilds the record from it.
    let mut again = c.server.enroll(Role::Reviewer, None, None);
    let entries = again.pull_all();
    let mut doc = ccs_core::doc::RecordDoc::empty();
    doc.apply(&entries[0].changes).unwrap();
    assert_eq!(doc.read().unwrap(), s.record);
    assert_eq!(entries[0].meta, s.meta());

    // An edit goes the same way, as one more entry.
    s.acked();
    s.edit(me, |r| {
        if let RecordBody::Session(b) = &mut r.body {
            b.present = 21;
        }
    });
    c.goundam_member.push_ok(vec![s.push()]);
    assert_eq!(c.reviewer.pulled_docs(), vec![s.id()]);
    assert!(c.ansongo_member.pulled_docs().is_empty());
    assert!(c.goundam_member.pulled_docs().is_empty(), "own edits are never echoed");
}

#[rstest]
fn push_into_another_committee_is_refused_outside_scope(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut mine = LocalDoc::new(session(goundam(), me), me);
    let mut theirs = LocalDoc::new(session(ansongo(), me), me);
    let r = c.goundam_member.sync(vec![mine.push(), theirs.push()]);
    assert_eq!(r.results[0].rejected, None);
    assert_eq!(r.results[1].rejected.as_deref(), Some("scope.outside"));
    assert!(c.ansongo_member.pulled_docs().is_empty());
    assert_eq!(c.reviewer.pulled_docs(), vec![mine.id()]);

    // A facilitator writes in its region only; the registry is read-only to both.
    let fac = c.tombouctou_facilitator.id;
    let mut in_region = LocalDoc::new(recommendation(goundam(), fac), fac);
    let mut out_of_region = LocalDoc::new(recommendation(ansongo(), fac), fac);
    let mut registry = LocalDoc::new(committee_record(fac), fac);
    let r = c.tombouctou_facilitator.sync(vec![in_region.push(), out_of_region.push(), registry.push()]);
    let codes: Vec<Option<&str>> = r.results.iter().map(|x| x.rejected.as_deref()).collect();
    assert_eq!(codes, vec![None, Some("scope.outside"), Some("scope.registry_read_only")]);
}

#[rstest]
fn confidential_record_reaches_only_reviewers_and_its_author(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut secret = LocalDoc::new(fds_assessment(goundam(), me), me);
    let mut plain = LocalDoc::new(session(goundam(), me), me);
    c.goundam_member.push_ok(vec![secret.push(), plain.push()]);

    let mut colleague = c.server.enroll(Role::Member, Some(goundam()), None);
    assert_eq!(colleague.pulled_docs(), vec![plain.id()]);
    assert_eq!(c.tombouctou_facilitator.pulled_docs(), vec![plain.id()]);
    let mut got = c.reviewer.pulled_docs();
    got.sort();
    let mut both = vec![secret.id(), plain.id()];
    both.sort();
    assert_eq!(got, both);

    // The author edits it again from its device: accepted; a colleague cannot write it.
    secret.acked();
    secret.edit(me, |r| {
        if let RecordBody::Assessment(a) = &mut r.body {
            a.notes = "Suivi".into();
        }
    });
    c.goundam_member.push_ok(vec![secret.push()]);
    let colleague_id = colleague.id;
    secret.edit(colleague_id, |r| {
        if let RecordBody::Assessment(a) = &mut r.body {
            a.notes = "Autre".into();
        }
    });
    let r = colleague.sync(vec![secret.push()]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("scope.outside"));
}

#[rstest]
fn sensitivity_forced_by_content_holds_even_if_the_device_claims_less(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut secret = LocalDoc::new(fds_assessment(goundam(), me), me);
    let mut p = secret.push();
    p.meta.sensitivity = "public".into();
    c.goundam_member.push_ok(vec![p]);
    let mut colleague = c.server.enroll(Role::Member, Some(goundam()), None);
    assert!(colleague.pulled_docs().is_empty());
    let entries = c.reviewer.pull_all();
    assert_eq!(entries[0].meta.sensitivity, "confidential");
}

#[rstest]
fn replaying_a_push_stores_nothing_twice(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    let push = s.push();
    c.goundam_member.push_ok(vec![push.clone()]);
    // The same request again (the answer was lost), twice.
    c.goundam_member.cursor = 0;
    c.goundam_member.push_ok(vec![push.clone()]);
    c.goundam_member.push_ok(vec![push.clone(), push]);
    let entries = c.reviewer.pull_all();
    assert_eq!(entries.len(), 1);

    // A push from before an edit plus the edit: only the edit is new.
    s.edit(me, |r| {
        if let RecordBody::Session(b) = &mut r.body {
            b.summary.push_str(" RAS.");
        }
    });
    c.goundam_member.push_ok(vec![s.push()]);
    let entries = c.reviewer.pull_all();
    assert_eq!(entries.len(), 1);
    let mut doc = ccs_core::doc::RecordDoc::empty();
    let before = c.server.enroll(Role::Reviewer, None, None).pull_all();
    for e in &before {
        doc.apply(&e.changes).unwrap();
    }
    assert_eq!(before.len(), 2);
    assert_eq!(doc.read().unwrap(), s.record);
}

#[rstest]
fn pages_cover_every_entry_once_with_increasing_cursors(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits { page_bytes: 3000, ..Limits::default() });
    let me = c.goundam_member.id;
    let mut docs: Vec<LocalDoc> = (0..30)
        .map(|i| {
            let mut r = session(goundam(), me);
            if let RecordBody::Session(b) = &mut r.body {
                b.summary = format!("Séance {i}: {}", "situation calme ".repeat(20));
            }
            LocalDoc::new(r, me)
        })
        .collect();
    // Pushed over several requests, interleaved with another committee's records that
    // the Goundam member's pages skip.
    for chunk in docs.chunks_mut(10) {
        c.goundam_member.push_ok(chunk.iter_mut().map(LocalDoc::push).collect());
        let other = c.ansongo_member.id;
        c.ansongo_member.push_ok(vec![LocalDoc::new(session(ansongo(), other), other).push()]);
    }

    for device in [&mut c.reviewer, &mut c.tombouctou_facilitator] {
        let mut all = Vec::new();
        let mut pages = 0;
        let mut last_cursor = 0;
        loop {
            let r = device.sync(vec![]);
            pages += 1;
            assert!(r.cursor > last_cursor || (!r.more && r.entries.is_empty()), "cursor did not advance");
            for e in &r.entries {
                assert!(e.seq > last_cursor && e.seq <= r.cursor);
            }
            assert!(!r.entries.is_empty() || !r.more);
            last_cursor = r.cursor;
            all.extend(r.entries);
            if !r.more {
                break;
            }
        }
        assert!(pages >= 4, "only {pages} pages");
        let counts = count_by_doc(&all);
        for d in &docs {
            assert_eq!(counts.get(d.record.id.as_uuid().as_bytes()), Some(&1));
        }
        let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    }
    // The other member sees its own committee's nothing-but-its-own: no entries.
    assert!(c.ansongo_member.pulled_docs().is_empty());
    // A member catching up page by page ends at the log's end.
    let mut late = c.server.enroll(Role::Member, Some(goundam()), None);
    assert_eq!(late.pull_all().len(), 30);
    let end = late.cursor;
    assert_eq!(c.reviewer.sync(vec![]).cursor, end);
}

#[rstest]
fn member_cannot_approve_its_own_record(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut s = LocalDoc::new(session(goundam(), me), me);
    s.record.review.push(review_event(me, Role::Member, Decision::Submitted));
    s.doc = ccs_core::doc::RecordDoc::create(&s.record, me).unwrap();
    c.goundam_member.push_ok(vec![s.push()]);
    s.acked();

    s.edit(me, |r| r.review.push(review_event(me, Role::Member, Decision::Approved)));
    let r = c.goundam_member.sync(vec![s.push()]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("review.role_not_allowed"));
    // Claiming to be the reviewer does not help.
    let reviewer_id = c.reviewer.id;
    let mut forged = LocalDoc::new(session(goundam(), me), me);
    forged.record.review.push(review_event(reviewer_id, Role::Reviewer, Decision::Approved));
    forged.doc = ccs_core::doc::RecordDoc::create(&forged.record, me).unwrap();
    let r = c.goundam_member.sync(vec![forged.push()]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("review.forged"));

    // The reviewer approves it for real, and the member sees it.
    let mut on_reviewer = LocalDoc { record: s.record.clone(), doc: ccs_core::doc::RecordDoc::empty(), acked: vec![] };
    for e in c.reviewer.pull_all() {
        on_reviewer.doc.apply(&e.changes).unwrap();
    }
    on_reviewer.record = on_reviewer.doc.read().unwrap();
    on_reviewer.acked();
    on_reviewer.edit(reviewer_id, |r| r.review.push(review_event(reviewer_id, Role::Reviewer, Decision::Approved)));
    c.reviewer.push_ok(vec![on_reviewer.push()]);
    let entries = c.goundam_member.pull_all();
    assert_eq!(entries.len(), 1);
}

#[rstest]
fn reviewer_pushes_a_committee_record_that_routes_its_region(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let rid = c.reviewer.id;
    let mut dire = LocalDoc::new(committee_record(rid), rid);
    let committee = dire.record.committee_id;
    c.reviewer.push_ok(vec![dire.push()]);
    // The registry now places Diré in Tombouctou: its facilitator gets its records.
    let mut dire_member = c.server.enroll(Role::Member, Some(committee), None);
    let mid = dire_member.id;
    let mut s = LocalDoc::new(session(committee, mid), mid);
    // Its first sync also brings it its committee's registry record.
    let r = dire_member.push_ok(vec![s.push()]);
    let received: Vec<[u8; 16]> = r.entries.iter().map(|e| e.meta.id).collect();
    assert_eq!(received, vec![*dire.id().as_uuid().as_bytes()]);
    let got = c.tombouctou_facilitator.pulled_docs();
    assert_eq!(got, vec![dire.id(), s.id()]);
    assert!(c.gao_facilitator.pulled_docs().is_empty());
}

/// C1: an Automerge document keeps every past state, so a confidential record made
/// less sensitive would hand its allegation to every committee phone. The server
/// refuses the decrease; the record is shared as a copy of its current state in a new
/// document, and no change any committee device receives, read at its own heads,
/// holds the security-forces threat.
#[rstest]
fn record_made_less_sensitive_is_refused_and_its_past_never_reaches_the_committee(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(_db) = backend.enter() else { return };
    let mut c = cast(Limits::default());
    let me = c.goundam_member.id;
    let mut secret = LocalDoc::new(fds_assessment(goundam(), me), me);
    c.goundam_member.push_ok(vec![secret.push()]);
    secret.acked();
    secret.edit(me, |r| {
        if let RecordBody::Assessment(a) = &mut r.body {
            a.notes = "Précisions".into();
        }
    });
    c.goundam_member.push_ok(vec![secret.push()]);
    secret.acked();
    let mut colleague = c.server.enroll(Role::Member, Some(goundam()), None);
    assert!(colleague.pulled_docs().is_empty());

    // The author finds the threat was not about the security forces after all.
    secret.edit(me, |r| {
        if let RecordBody::Assessment(a) = &mut r.body {
            a.threats[0].category = ThreatCategory::CattleTheft;
        }
        r.sensitivity = Sensitivity::Restricted;
    });
    assert_eq!(secret.record.effective_sensitivity(), Sensitivity::Restricted);
    let r = c.goundam_member.sync(vec![secret.push()]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("doc.sensitivity_lowered"));
    // Claiming "restricted" in the metadata changes nothing either.
    let mut claimed = secret.push();
    claimed.meta.sensitivity = "public".into();
    let r = c.goundam_member.sync(vec![claimed]);
    assert_eq!(r.results[0].rejected.as_deref(), Some("doc.sensitivity_lowered"));

    // Declassified the right way: its current state in a new document, no history.
    let mut copy_record = secret.record.clone();
    copy_record.id = RecordId::new();
    let mut copy = LocalDoc::new(copy_record, me);
    c.goundam_member.push_ok(vec![copy.push()]);

    for device in [&mut colleague, &mut c.tombouctou_facilitator] {
        let entries = device.pull_all();
        let ids: Vec<[u8; 16]> = entries.iter().map(|e| e.meta.id).collect();
        assert_eq!(ids, vec![*copy.id().as_uuid().as_bytes()]);
        let mut doc = ccs_core::doc::RecordDoc::empty();
        for e in &entries {
            doc.apply(&e.changes).unwrap();
        }
        let changes = doc.inner().get_changes(&[]);
        assert!(!changes.is_empty());
        // Every state the device can reach, from the first heads on.
        for change in changes {
            let mut at = doc.inner().fork_at(&[change.hash()]).unwrap();
            let state = ccs_core::doc::RecordDoc::load(&at.save()).unwrap().read().unwrap();
            let RecordBody::Assessment(a) = &state.body else { panic!("not an assessment") };
            assert!(a.threats.iter().all(|t| t.category != ThreatCategory::FdsTensions), "allegation received");
        }
    }
    // The reviewer keeps the original, still confidential, and the copy.
    let entries = c.reviewer.pull_all();
    let original: Vec<&str> = entries
        .iter()
        .filter(|e| e.meta.id == *secret.id().as_uuid().as_bytes())
        .map(|e| e.meta.sensitivity.as_str())
        .collect();
    assert_eq!(original, vec!["confidential", "confidential"]);
}

#[rstest]
fn concurrent_pushes_are_all_filed_in_order(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(_db) = backend.enter() else { return };
    let c = cast(Limits::default());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let mut device = c.server.enroll(Role::Member, Some(goundam()), None);
            std::thread::spawn(move || {
                let me = device.id;
                for _ in 0..5 {
                    let mut d = LocalDoc::new(session(goundam(), me), me);
                    device.push_ok(vec![d.push()]);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut reviewer = c.reviewer;
    let entries = reviewer.pull_all();
    assert_eq!(entries.len(), 20);
    assert_eq!(count_by_doc(&entries).len(), 20);
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<u64>>());
}
