//! The sync session without a network: tables of cases (first sync, paging, refused
//! documents, repair after a restored server, an epoch change mid-sync, a lost answer, a
//! replayed answer) run against the real server's round functions in this process, and
//! a deterministic simulated network that steps several devices and a server with a
//! seed, checking scopes after every step and convergence at the end.

use ccs_core::model::*;
use ccs_core::store::{Identity, ListFilter};
use ccs_core::sync::client::SyncError;
use ccs_core::sync::session::{Next, Session, SyncProgress};
use ccs_sync_server::Limits;
use ccs_tests::sim::{self, Link, Peer, SimServer, SIM_URL};
use ccs_tests::{fixtures, grant, now, Device};
use rstest::rstest;

/// The reviewer who registered Goundam and Ansongo, a member of Goundam, the server.
struct Table {
    server: SimServer,
    reviewer: Peer,
    member: Peer,
    goundam: CommitteeId,
    ansongo: CommitteeId,
}

fn table(limits: Limits) -> Table {
    let server = SimServer::new(limits);
    let mut reviewer = Peer::new(sim::enroll(&server, "reviewer", grant(Role::Reviewer, None, None)));
    let goundam = reviewer.device.store.create_record(fixtures::goundam(), now()).unwrap().into();
    let ansongo = reviewer.device.store.create_record(fixtures::ansongo(), now()).unwrap().into();
    reviewer.sync(&server);
    let member = Peer::new(sim::enroll(&server, "member", grant(Role::Member, Some(goundam), None)));
    Table { server, reviewer, member, goundam, ansongo }
}

fn sessions(d: &Device) -> Vec<RecordId> {
    let filter = ListFilter { limit: 500, kind: Some(RecordKind::Session), ..Default::default() };
    let mut ids: Vec<RecordId> = d.store.list(&filter).unwrap().items.iter().map(|i| i.id).collect();
    ids.sort();
    ids
}

fn waiting(d: &Device) -> usize {
    d.store.to_push(now()).unwrap().len()
}

/// What a case does to the member's sync, exchange by exchange: the link's fate of
/// each exchange (then every later exchange is delivered), and whether the server is
/// restored from a backup taken at the start, before the given exchange.
struct Script {
    links: &'static [Link],
    restore_before: Option<usize>,
    /// At exchange `.0`, give the answer of exchange `.1` instead (a replaying relay).
    replay_at: Option<(usize, usize)>,
}

/// Runs the member's sync under `script`; returns the outcome of the first session
/// (which may end in a refusal), the progress it reported, and the number of
/// exchanges.
fn run(t: &mut Table, script: &Script, backup: Option<&std::path::Path>) -> (Result<usize, String>, Vec<SyncProgress>) {
    let mut session = Session::new(SIM_URL);
    let token = t.member.device.store.server_link().unwrap().unwrap().token;
    let mut progress = Vec::new();
    let mut answers: Vec<Vec<u8>> = Vec::new();
    for n in 0..500 {
        if script.restore_before == Some(n) {
            t.server.restore(backup.unwrap());
        }
        let request = match session.next(&mut t.member.device.store, now()) {
            Ok(Next::Done(report)) => return (Ok(report.round_trips), progress),
            Ok(Next::Send(r)) => r,
            Err(e) => return (Err(e.code().to_string()), progress),
        };
        let link = script.links.get(n).copied().unwrap_or(Link::Deliver);
        let answer = match link {
            Link::LoseRequest => None,
            Link::LoseAnswer => {
                t.server.answer(request.path, Some(&token), &request.body).unwrap();
                None
            }
            _ => Some(t.server.answer(request.path, Some(&token), &request.body).unwrap()),
        };
        let replay = script.replay_at.filter(|(at, _)| *at == n).map(|(_, from)| answers[from].clone());
        let answer = match (replay, answer) {
            (Some(old), Some(_)) => old,
            (None, Some(a)) => a,
            (_, None) => {
                session.lost();
                continue;
            }
        };
        if let Err(e) = session.receive(request.id, &answer, &mut t.member.device.store, now()) {
            return (Err(e.code().to_string()), progress);
        }
        progress.extend(session.progress());
        answers.push(answer);
    }
    panic!("the sync never ended");
}

#[derive(Debug, Clone, Copy)]
enum Setup {
    /// The member holds three sessions never sent.
    ThreeNew,
    /// The reviewer filed 30 sessions of Goundam; pages are small.
    ThirtyToReceive,
    /// The member's store claims Ansongo (a misconfigured or hostile phone) and wrote one
    /// of its sessions.
    ForeignSession,
    /// The member synced two sessions after the backup was taken, then wrote a third.
    SyncedSinceBackup,
}

#[rstest]
#[case::first_sync(Setup::ThreeNew, Script { links: &[], restore_before: None, replay_at: None }, Ok(1), false)]
#[case::paging(Setup::ThirtyToReceive, Script { links: &[], restore_before: None, replay_at: None }, Ok(0), false)]
#[case::refused_document(Setup::ForeignSession, Script { links: &[], restore_before: None, replay_at: None }, Ok(1), false)]
#[case::repair_after_a_restored_server(
    Setup::SyncedSinceBackup,
    Script { links: &[], restore_before: Some(0), replay_at: None },
    Ok(0),
    true
)]
#[case::epoch_change_mid_sync(
    Setup::ThirtyToReceive,
    Script { links: &[], restore_before: Some(2), replay_at: None },
    Ok(0),
    true
)]
#[case::lost_answer(Setup::ThreeNew, Script { links: &[Link::LoseAnswer], restore_before: None, replay_at: None }, Ok(2), false)]
#[case::lost_request(Setup::ThreeNew, Script { links: &[Link::LoseRequest], restore_before: None, replay_at: None }, Ok(2), false)]
#[case::the_last_answer_replayed(
    Setup::ThirtyToReceive,
    Script { links: &[], restore_before: None, replay_at: Some((1, 0)) },
    Ok(0),
    false
)]
#[case::an_older_answer_replayed(
    Setup::ThirtyToReceive,
    Script { links: &[], restore_before: None, replay_at: Some((2, 0)) },
    Err("sync.bad_response"),
    false
)]
fn the_session_as_a_table(
    #[case] setup: Setup,
    #[case] script: Script,
    // Round trips of the first session when it matters (0: more than one, not fixed).
    #[case] expected: Result<usize, &str>,
    #[case] repaired: bool,
) {
    let small_pages = matches!(setup, Setup::ThirtyToReceive);
    let limits = if small_pages { Limits { page_bytes: 6 * 1024, ..Limits::default() } } else { Limits::default() };
    let mut t = table(limits);
    t.member.sync(&t.server);
    let backup = t.server.backup();
    let epoch_before = t.server.epoch();
    let mut written = Vec::new();
    match setup {
        Setup::ThreeNew => {
            for day in 1..=3 {
                let input = fixtures::session(t.goundam, day, "séance ordinaire");
                written.push(t.member.device.store.create_record(input, now()).unwrap());
            }
        }
        Setup::ThirtyToReceive => {
            for day in 0..30 {
                let input = fixtures::session(t.goundam, 1 + day % 28, &format!("séance {day} du comité"));
                written.push(t.reviewer.device.store.create_record(input, now()).unwrap());
            }
            t.reviewer.sync(&t.server);
        }
        Setup::ForeignSession => {
            let mut identity: Identity = t.member.device.store.identity().clone();
            identity.committee_id = Some(t.ansongo);
            t.member.device.store.set_identity(identity).unwrap();
            // Ansongo's registry entry, copied from another phone.
            let bytes = t.reviewer.device.store.document_bytes(t.ansongo.into()).unwrap();
            let header = ccs_core::doc::RecordDoc::load(&bytes).unwrap().header().unwrap();
            t.member.device.store.apply_changes(&header.into(), &bytes, now()).unwrap();
            let heads = t.member.device.store.heads(t.ansongo.into()).unwrap().0;
            t.member.device.store.mark_acked(t.ansongo.into(), &heads).unwrap();
            let foreign = fixtures::session(t.ansongo, 4, "séance d'Ansongo");
            t.member.device.store.create_record(foreign, now()).unwrap();
        }
        Setup::SyncedSinceBackup => {
            for day in 1..=2 {
                let input = fixtures::session(t.goundam, day, "avant la restauration");
                written.push(t.member.device.store.create_record(input, now()).unwrap());
            }
            t.member.sync(&t.server);
            let input = fixtures::session(t.goundam, 9, "après la sauvegarde");
            written.push(t.member.device.store.create_record(input, now()).unwrap());
        }
    }

    let (outcome, progress) = run(&mut t, &script, Some(&backup));
    match (expected, &outcome) {
        (Ok(0), Ok(rounds)) => assert!(*rounds > 1, "several round trips: {outcome:?}"),
        (Ok(n), Ok(rounds)) => assert_eq!(*rounds, n, "round trips"),
        (Err(code), Err(got)) => assert_eq!(got, code),
        _ => panic!("expected {expected:?}, got {outcome:?}"),
    }
    if outcome.is_ok() {
        // Progress after each sync round, `more` until the last one.
        let last = progress.last().expect("progress reported");
        assert!(!last.more, "{progress:?}");
        assert!(progress.iter().rev().skip(1).all(|p| p.more), "{progress:?}");
    }
    assert_eq!(t.server.epoch() != epoch_before, repaired, "the server was restored exactly when repair is expected");

    // Whatever the first session met, the next syncs over a good link settle everything:
    // the member holds what the reviewer holds of Goundam, nothing of Ansongo, and
    // nothing the server accepted is sent again.
    t.member.sync(&t.server);
    t.reviewer.sync(&t.server);
    let second = t.member.sync(&t.server);
    assert_eq!(second.pushed, 0, "nothing is sent twice: {second:?}");
    if matches!(setup, Setup::ForeignSession) {
        assert_eq!(waiting(&t.member.device), 0, "the refused session is held back, not resent");
        assert_eq!(second.held_back, 1);
        assert!(sessions(&t.reviewer.device).is_empty(), "the foreign session never reached the server");
        return;
    }
    assert_eq!(waiting(&t.member.device), 0);
    for id in &written {
        assert_eq!(
            t.member.device.store.heads(*id).unwrap().0,
            t.reviewer.device.store.heads(*id).unwrap().0,
            "{id} converged"
        );
    }
    assert_eq!(sessions(&t.member.device), sessions(&t.reviewer.device));
}

/// An answer handed to the session for a request it no longer waits for (late, or
/// replayed after the next request was built) is refused and changes nothing.
#[test]
fn an_answer_to_an_earlier_request_is_refused_and_changes_nothing() {
    let mut t = table(Limits { page_bytes: 6 * 1024, ..Limits::default() });
    for day in 0..20 {
        let input = fixtures::session(t.goundam, 1 + day % 28, &format!("séance {day}"));
        t.reviewer.device.store.create_record(input, now()).unwrap();
    }
    t.reviewer.sync(&t.server);
    let token = t.member.device.store.server_link().unwrap().unwrap().token;
    let mut session = Session::new(SIM_URL);
    let Next::Send(first) = session.next(&mut t.member.device.store, now()).unwrap() else { panic!() };
    let answer = t.server.answer(first.path, Some(&token), &first.body).unwrap();
    session.receive(first.id, &answer, &mut t.member.device.store, now()).unwrap();
    let held = sessions(&t.member.device);
    let Next::Send(second) = session.next(&mut t.member.device.store, now()).unwrap() else { panic!() };
    let err = session.receive(first.id, &answer, &mut t.member.device.store, now()).unwrap_err();
    assert!(matches!(err, SyncError::BadResponse(_)), "{err:?}");
    assert_eq!(sessions(&t.member.device), held, "nothing applied");
    // Building a request while one waits is refused too: one exchange at a time.
    assert!(session.next(&mut t.member.device.store, now()).is_err());
    // The awaited answer is still taken.
    let answer = t.server.answer(second.path, Some(&token), &second.body).unwrap();
    session.receive(second.id, &answer, &mut t.member.device.store, now()).unwrap();
}

/// Who holds which changes of `id`, and what each device holds back: for a failure.
fn describe(peers: &[Peer], id: RecordId) -> String {
    let mut out = String::new();
    for p in peers {
        let changes: Vec<String> = p
            .device
            .store
            .history(id)
            .map(|h| {
                h.iter()
                    .map(|e| {
                        format!(
                            "{}by{}",
                            &e.hash[..6],
                            e.device.map(|d| d.to_string()[30..].to_string()).unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let held: Vec<String> =
            p.device.store.held_back(now()).unwrap().iter().filter(|r| r.id == id).map(|r| r.code.clone()).collect();
        out.push_str(&format!(
            "{} ({}): {changes:?} held {held:?} errors {:?} acked {:?} waiting {}\n",
            p.device.name,
            &p.device.store.identity().device_id.to_string()[30..],
            p.errors,
            p.device.store.heads(id).map(|h| h.1.iter().map(|c| c.to_string()[..6].to_string()).collect::<Vec<_>>()),
            waiting(&p.device)
        ));
    }
    out
}

/// Scopes: what each device may hold, checked after every step of a simulation.
fn check_scopes(peers: &[Peer], goundam: CommitteeId, ansongo: CommitteeId, step: usize, log: &[String]) {
    for p in peers {
        let identity = p.device.store.identity().clone();
        for id in p.device.store.document_ids().unwrap() {
            let Ok(record) = p.device.store.record(id) else { continue };
            if record.kind() == RecordKind::Committee {
                continue;
            }
            let foreign = match identity.role {
                Role::Member => Some(record.committee_id) != identity.committee_id,
                // Goundam is in Tombouctou; Ansongo is in Gao.
                Role::Facilitator => record.committee_id == ansongo,
                _ => false,
            };
            let confidential_of_others = identity.role != Role::Reviewer
                && record.effective_sensitivity() == Sensitivity::Confidential
                && record.created_by != identity.device_id;
            assert!(
                !foreign && !confidential_of_others,
                "step {step}: {} holds {id} ({:?}, committee {}, goundam {goundam}) it may not see\n{}",
                p.device.name,
                record.kind(),
                record.committee_id,
                log.join("\n")
            );
        }
    }
}

/// Several devices and a server, stepped by a seeded scheduler: each step one device
/// writes, or takes one exchange of its sync over a link that delivers, loses the
/// request or loses the answer. Scopes hold after every step;
/// once the link is good again, everyone converges.
///
/// Members edit each other's sessions. In half the runs the server is restored from a
/// backup mid-run: colleagues then hold each other's changes that the server lost, and
/// each brings back its own (a device may only send its own changes, so that no member
/// can forge a colleague's).
#[rstest]
fn a_simulated_network_converges_and_keeps_scopes(
    #[values(1, 2, 3, 4, 5, 6, 7, 8)] seed: u64,
    #[values(false, true)] restore: bool,
) {
    let mut rng = sim::rng(seed);
    let mut server = SimServer::new(Limits { page_bytes: 8 * 1024, ..Limits::default() });
    let mut reviewer = Peer::new(sim::enroll(&server, "reviewer", grant(Role::Reviewer, None, None)));
    let goundam: CommitteeId = reviewer.device.store.create_record(fixtures::goundam(), now()).unwrap().into();
    let ansongo: CommitteeId = reviewer.device.store.create_record(fixtures::ansongo(), now()).unwrap().into();
    reviewer.sync(&server);
    let mut peers = vec![
        reviewer,
        Peer::new(sim::enroll(&server, "awa", grant(Role::Member, Some(goundam), None))),
        Peer::new(sim::enroll(&server, "moussa", grant(Role::Member, Some(goundam), None))),
        Peer::new(sim::enroll(&server, "fatouma", grant(Role::Member, Some(ansongo), None))),
        Peer::new(sim::enroll(&server, "facilitateur", grant(Role::Facilitator, None, Some("tombouctou")))),
    ];
    let backup_at = if restore { rng.gen_range(20..60) } else { usize::MAX };
    let restore_at = if restore { rng.gen_range(80..140) } else { usize::MAX };
    let mut backup = None;
    let mut log: Vec<String> = Vec::new();
    for step in 0..160 {
        if step == backup_at {
            backup = Some(server.backup());
            log.push(format!("{step}: backup"));
        }
        if step == restore_at {
            server.restore(backup.as_ref().unwrap());
            log.push(format!("{step}: server restored"));
        }
        let who = rng.gen_range(0..peers.len());
        let peer = &mut peers[who];
        let line = if peer.session.is_none() && rng.gen_bool(0.35) {
            match peer.device.store.identity().role {
                Role::Member if peer.device.store.identity().committee_id == Some(ansongo) => {
                    sim::write_something(peer, ansongo, "gao/ansongo/ansongo", &mut rng, step)
                }
                Role::Reviewer | Role::Member => {
                    sim::write_something(peer, goundam, "tombouctou/goundam/goundam", &mut rng, step)
                }
                _ => format!("{} reads", peer.device.name),
            }
        } else {
            let link = sim::pick_link(&mut rng);
            peer.step(&server, link)
        };
        log.push(format!("{step}: {line}"));
        check_scopes(&peers, goundam, ansongo, step, &log);
    }

    // The link is good again: sessions in flight end, then everyone syncs twice over.
    for p in &mut peers {
        while p.session.is_some() {
            p.step(&server, Link::Deliver);
        }
    }
    for _ in 0..2 {
        for p in &mut peers {
            p.sync(&server);
        }
    }
    check_scopes(&peers, goundam, ansongo, usize::MAX, &log);
    let (reviewer, others) = peers.split_first().unwrap();
    for p in others {
        let dirty = p.device.store.to_push(now()).unwrap();
        assert!(
            dirty.is_empty(),
            "{}: everything it wrote was taken\n{}\n{}",
            p.device.name,
            log.join("\n"),
            dirty.iter().map(|id| format!("{id}:\n{}", describe(&peers, *id))).collect::<String>()
        );
        for id in p.device.store.document_ids().unwrap() {
            assert_eq!(
                p.device.store.heads(id).unwrap().0,
                reviewer.device.store.heads(id).unwrap().0,
                "{}: {id} converged with the reviewer\n{}\n{}",
                p.device.name,
                log.join("\n"),
                describe(&peers, id)
            );
        }
    }
    // Members of one committee hold the same records.
    assert_eq!(sessions(&others[0].device), sessions(&others[1].device));
    // Something happened: records were written and links failed.
    assert!(log.iter().any(|l| l.contains("created")), "{}", log.join("\n"));
    assert!(log.iter().any(|l| l.contains("lost")), "{}", log.join("\n"));
}

use rand::Rng;

/// A session created by Moussa, edited by Awa, edited again by Moussa, all after the
/// last backup; the server is restored and has none of it. Neither can send the whole
/// history (each may only send its own changes), yet turn by turn they bring it back:
/// the server files what stands on what it holds and asks for the rest later.
#[test]
fn interleaved_edits_lost_in_a_restore_come_back_from_their_authors() {
    let mut t = table(Limits::default());
    let mut awa = Peer::new(sim::enroll(&t.server, "awa", grant(Role::Member, Some(t.goundam), None)));
    let moussa = &mut t.member;
    moussa.sync(&t.server);
    awa.sync(&t.server);
    let backup = t.server.backup();

    let id = moussa.device.store.create_record(fixtures::session(t.goundam, 3, "créée par Moussa"), now()).unwrap();
    moussa.sync(&t.server);
    awa.sync(&t.server);
    awa.device.store.edit_record(id, fixtures::session(t.goundam, 3, "reprise par Awa"), now()).unwrap();
    awa.sync(&t.server);
    moussa.sync(&t.server);
    moussa.device.store.edit_record(id, fixtures::session(t.goundam, 4, "corrigée par Moussa"), now()).unwrap();
    moussa.sync(&t.server);
    let history = moussa.device.store.history(id).unwrap();
    assert_eq!(history.len(), 3);

    t.server.restore(&backup);
    for _ in 0..3 {
        awa.sync(&t.server);
        moussa.sync(&t.server);
    }
    t.reviewer.sync(&t.server);
    assert_eq!(t.reviewer.device.store.history(id).unwrap().len(), 3, "every change is back on the server");
    assert_eq!(t.reviewer.device.store.heads(id).unwrap().0, moussa.device.store.heads(id).unwrap().0);
    assert_eq!(awa.device.store.heads(id).unwrap().0, moussa.device.store.heads(id).unwrap().0);
    assert!(awa.device.store.to_push(now()).unwrap().is_empty());
    assert!(moussa.device.store.to_push(now()).unwrap().is_empty());
}
