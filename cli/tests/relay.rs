//! `ccs enroll --slip` and `ccs relay export|import|status`, through the real binary: a
//! member enrolled from a printed slip exports its bundles to a folder and applies the
//! return bundle that brings the server's grant.

mod common;

use ccs_core::relay::{self, bundle, DeviceKeys, DownPayload, EnrollmentGrant, SignerKey, Slip};
use ccs_core::store::Store;
use ccs_core::sync::wire::SyncResponse;
use common::*;

const EPOCH: [u8; 16] = [42; 16];

fn slip(server: &DeviceKeys, committee: &str, days: i64) -> Slip {
    Slip {
        server: "https://crss.example.ml".into(),
        code: "ABCD-EFGH-JKLM".into(),
        server_keys: server.public(),
        epoch: EPOCH,
        valid_until: chrono::Utc::now().date_naive() + chrono::Duration::days(days),
        role: "member".into(),
        committee_id: Some(committee.into()),
        region: None,
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_member_enrolled_from_a_slip_exports_bundles_and_applies_the_grant() {
    let server = DeviceKeys::generate(1);
    let s = TestStore::with_demo("member");
    let committee = s.committee("CCS de Goundam");
    // The slip given as a file, as a scanned or copied slip would be.
    let file = s.write("fiche.txt", &format!("{}\n", slip(&server, &committee, 90).to_text()));
    let out = s.ok(&["enroll", "--slip", file.to_str().unwrap(), "--label", "Téléphone du secrétaire"]);
    assert!(out.contains("inscription en attente"), "{out}");

    let status = s.json(&["relay", "status", "--json"]);
    assert_eq!(status["enrollment_pending"], true);
    let waiting = status["waiting"].as_u64().unwrap();
    assert!(waiting > 0);

    let dir = s.dir.path().join("pour-le-facilitateur");
    let out = s.ok(&["relay", "export", "--out", dir.to_str().unwrap()]);
    assert!(out.contains("la demande d’inscription part avec ces paquets"), "{out}");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("paquet-") && name.ends_with(".ccsb"), "{name}");
    let bytes = std::fs::read(&files[0]).unwrap();
    let (_, up) = relay::open_up(&bytes, |_| SignerKey::Unknown, &server).unwrap();
    assert_eq!(up.enrollment.as_ref().map(|e| e.code.as_str()), Some("ABCD-EFGH-JKLM"));
    assert_eq!(up.request.push.len() as u64, waiting);
    let status = s.json(&["relay", "status", "--json"]);
    assert_eq!(status["last_export"]["records"].as_u64(), Some(waiting));
    assert_eq!(status["unacknowledged"], 1);

    // The server's answer, brought back by the facilitator.
    let store = Store::open(&s.db, PASSPHRASE).unwrap();
    let device = *store.identity().device_id.0.as_bytes();
    let keys = store.relay_keys().public();
    drop(store);
    let payload = DownPayload {
        bundle: bundle::new_id(),
        device,
        receipts: vec![],
        enrollment: Some(EnrollmentGrant {
            token: "jeton".into(),
            role: "member".into(),
            committee_id: Some(committee.clone()),
            region: None,
        }),
        from: 0,
        response: SyncResponse {
            epoch: EPOCH,
            repair_needed: false,
            results: vec![],
            entries: vec![],
            cursor: 4,
            more: false,
        },
    };
    let back = relay::seal_down(&payload, &server, &keys, EPOCH, 1, 1).unwrap();
    let path = s.dir.path().join(bundle::file_name(&payload.bundle));
    std::fs::write(&path, &back).unwrap();
    let out = s.ok(&["relay", "import", path.to_str().unwrap()]);
    assert!(out.contains("inscription confirmée"), "{out}");
    let out = s.ok(&["relay", "status"]);
    assert!(!out.contains("Inscription en attente"), "{out}");
    assert!(out.contains("Dernier paquet reçu"), "{out}");
    // Again: nothing twice.
    let out = s.ok(&["relay", "import", path.to_str().unwrap()]);
    assert!(out.contains("rien de nouveau"), "{out}");

    // Two parts given in the wrong order: the second waits for the first, then applies.
    let part = |from: u64, cursor: u64| {
        let p = DownPayload {
            bundle: bundle::new_id(),
            device,
            receipts: vec![],
            enrollment: None,
            from,
            response: SyncResponse {
                epoch: EPOCH,
                repair_needed: false,
                results: vec![],
                entries: vec![],
                cursor,
                more: false,
            },
        };
        let path = s.dir.path().join(bundle::file_name(&p.bundle));
        std::fs::write(&path, relay::seal_down(&p, &server, &keys, EPOCH, 1, 1).unwrap()).unwrap();
        path
    };
    let (first, second) = (part(4, 8), part(8, 12));
    s.ok(&["relay", "import", second.to_str().unwrap(), first.to_str().unwrap()]);
    let store = Store::open(&s.db, PASSPHRASE).unwrap();
    assert_eq!(store.sync_position("https://crss.example.ml").unwrap(), (Some(EPOCH), 12));
    drop(store);
    // Alone, a part that follows a missing one is kept for later, with its code.
    let lone = part(20, 24);
    let out = s.run(&["relay", "import", lone.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[relay.out_of_order]"), "{}", stderr(&out));

    // A damaged file is refused with its code, the store untouched.
    let mut damaged = back.clone();
    damaged.truncate(back.len() - 10);
    let cut = s.write("coupe.ccsb", "");
    std::fs::write(&cut, &damaged).unwrap();
    let out = s.run(&["relay", "import", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[bundle.truncated]"), "{}", stderr(&out));
}

#[test]
fn an_expired_slip_or_an_export_before_any_enrollment_is_refused_clearly() {
    let server = DeviceKeys::generate(1);
    let s = TestStore::init(&["--role", "member"]);
    let out = s.run(&["relay", "export", "--out", s.dir.path().join("x").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[relay.not_enrolled]"), "{}", stderr(&out));
    let text = slip(&server, "0190b3c2-0000-7000-8000-000000000001", -1).to_text();
    let out = s.run(&["enroll", "--slip", &text]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("expiré") && stderr(&out).contains("[slip.expired]"), "{}", stderr(&out));
    let status = s.json(&["relay", "status", "--json"]);
    assert_eq!(status["ready"], false);
}
