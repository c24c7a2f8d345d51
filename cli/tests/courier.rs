//! `ccs relay` on the courier's side and the member's hotspot exchange, through the real
//! binary: a facilitator's `ccs relay serve --once` on 127.0.0.1 and a member's
//! `ccs relay exchange` reaching it over HTTPS with the printed pairing text.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;

#[test]
fn collect_refuses_every_bundle_until_a_roster_is_there_and_keeps_none() {
    let s = TestStore::init(&["--role", "facilitator", "--region", "tombouctou"]);
    let file = s.write("paquet-0001.ccsb", "CCSB not really a bundle");
    let out = s.run(&["relay", "collect", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stdout(&out).contains("relay.no_roster"), "{}", stdout(&out));
    assert!(!s.dir.path().join("courrier").exists(), "nothing kept");
}

#[test]
fn a_member_exchanges_with_a_facilitator_serving_once_over_https() {
    let facilitator = TestStore::init(&["--role", "facilitator", "--region", "tombouctou"]);
    let member = TestStore::init(&[]);
    let mut serving = facilitator
        .command(&["relay", "serve", "--bind", "127.0.0.1:0", "--address", "127.0.0.1", "--once"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(serving.stdout.take().expect("stdout")).lines();
    let pairing = loop {
        let line = lines.next().expect("a pairing line").expect("read");
        if line.starts_with("ccs-relais:1?") {
            break line;
        }
    };
    assert!(pairing.contains("a=https://127.0.0.1:"), "{pairing}");

    // A wrong fingerprint: refused before anything is sent.
    let forged = {
        let at = pairing.find("&f=").unwrap() + 3;
        let mut p = pairing.clone();
        p.replace_range(at..at + 2, if &pairing[at..at + 2] == "00" { "11" } else { "00" });
        p
    };
    let down = member.dir.path().join("retour");
    let refused = member.run(&["relay", "exchange", &forged, "--down-dir", down.to_str().unwrap()]);
    assert_one_line_error(&refused, 1, "relay.fingerprint");

    let done = member.run(&["relay", "exchange", &pairing, "--down-dir", down.to_str().unwrap()]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(stdout(&done).contains("0 paquet(s) remis"), "{}", stdout(&done));
    // The token is used up: the same code again is refused.
    let again = member.run(&["relay", "exchange", &pairing, "--down-dir", down.to_str().unwrap()]);
    assert!(!again.status.success());

    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = serving.wait().expect("serve ends after one exchange");
    assert!(status.success());
    assert!(rest.iter().any(|l| l.starts_with("échange terminé avec")), "{rest:?}");
}
