//! The hotspot exchange over real HTTPS on 127.0.0.1: a courier's server with a
//! certificate made for the session, a member's client pinning its fingerprint, real
//! bundles (`ccs_core::relay`) checked by the custody as the app's would.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccs_core::relay::api::{Roster, RosterDevice};
use ccs_core::relay::{self, bundle, DeviceKeys, DownPayload, PublicKeys, SignerKey, UpPayload};
use ccs_core::sync::wire::{DocMeta, DocPush, SyncRequest, SyncResponse};
use ccs_hotspot::courier::{Custody, Hotspot, Refusal};
use ccs_hotspot::member::{self, Link};
use ccs_hotspot::{HotspotError, Pairing};
use rand::RngCore;

const EPOCH: [u8; 16] = [3; 16];

type Down = ([u8; 16], [u8; 16], Vec<u8>);

/// A custody in memory that checks up-bundles against a roster, as the app's does.
struct MemoryCustody {
    roster: Roster,
    ups: Mutex<Vec<([u8; 16], Vec<u8>)>>,
    /// (device, id, bytes).
    downs: Mutex<Vec<Down>>,
    /// How many times a bundle was taken (new): never twice the same.
    taken: AtomicUsize,
}

impl Custody for MemoryCustody {
    fn accept(&self, bytes: &[u8]) -> Result<bool, Refusal> {
        let verified = relay::verify_up(bytes, |s| {
            let d = self.roster.devices.iter().find(|d| Some(d.device) == s.device());
            d.map_or(SignerKey::Unknown, |d| SignerKey::Known(d.keys[0].clone()))
        })
        .map_err(|e| Refusal { code: e.code().as_str().into(), message: e.to_string() })?;
        let mut ups = self.ups.lock().unwrap();
        if ups.iter().any(|(id, _)| *id == verified.header.id) {
            return Ok(false);
        }
        ups.push((verified.header.id, bytes.to_vec()));
        self.taken.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }

    fn holds(&self, id: [u8; 16]) -> bool {
        self.ups.lock().unwrap().iter().any(|(i, _)| *i == id)
    }

    fn bundles_for(&self, device: [u8; 16]) -> Result<ccs_hotspot::courier::Bundles, Refusal> {
        Ok(self
            .downs
            .lock()
            .unwrap()
            .iter()
            .filter(|(d, _, _)| *d == device)
            .map(|(_, id, b)| (*id, b.clone()))
            .collect())
    }

    fn delivered(&self, device: [u8; 16], applied: &[[u8; 16]]) -> Result<u32, Refusal> {
        let mut downs = self.downs.lock().unwrap();
        let before = downs.len();
        downs.retain(|(d, id, _)| !(*d == device && applied.contains(id)));
        Ok((before - downs.len()) as u32)
    }
}

struct Fixture {
    member: [u8; 16],
    member_keys: DeviceKeys,
    server: DeviceKeys,
    custody: Arc<MemoryCustody>,
    hotspot: Hotspot,
}

fn up_bundle(member: [u8; 16], keys: &DeviceKeys, server: &PublicKeys, size: usize) -> Vec<u8> {
    let mut changes = vec![0u8; size];
    rand::rngs::OsRng.fill_bytes(&mut changes);
    let payload = UpPayload {
        bundle: bundle::new_id(),
        device: member,
        enrollment: None,
        applied: vec![],
        request: SyncRequest {
            epoch: Some(EPOCH),
            cursor: 0,
            push: vec![DocPush {
                meta: DocMeta {
                    id: [5; 16],
                    kind: "session".into(),
                    committee_id: [1; 16],
                    sensitivity: "normal".into(),
                    region: None,
                },
                acked_heads: vec![],
                heads: vec![],
                changes,
            }],
        },
    };
    relay::seal_up(&payload, keys, server, EPOCH, 1, 1).unwrap()
}

fn down_bundle(member: [u8; 16], member_keys: &PublicKeys, server: &DeviceKeys) -> ([u8; 16], Vec<u8>) {
    let payload = DownPayload {
        bundle: bundle::new_id(),
        device: member,
        receipts: vec![],
        enrollment: None,
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
    (payload.bundle, relay::seal_down(&payload, server, member_keys, EPOCH, 1, 1).unwrap())
}

fn fixture(downs: usize) -> Fixture {
    let member = [9; 16];
    let member_keys = DeviceKeys::generate(1);
    let server = DeviceKeys::generate(1);
    let roster = Roster {
        server_keys: server.public(),
        epoch: EPOCH,
        issued_at: "2026-11-18T08:00:00Z".into(),
        devices: vec![RosterDevice {
            device: member,
            label: None,
            committee_id: None,
            region: None,
            keys: vec![member_keys.public()],
            revoked: false,
        }],
    };
    let downs = (0..downs)
        .map(|_| {
            let (id, b) = down_bundle(member, &member_keys.public(), &server);
            (member, id, b)
        })
        .collect();
    let custody = Arc::new(MemoryCustody {
        roster,
        ups: Mutex::new(vec![]),
        downs: Mutex::new(downs),
        taken: AtomicUsize::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hotspot = Hotspot::start(listener, IpAddr::from([127, 0, 0, 1]), custody.clone()).unwrap();
    Fixture { member, member_keys, server, custody, hotspot }
}

#[test]
fn a_member_and_the_courier_exchange_bundles_both_ways_over_https() {
    let f = fixture(2);
    let pairing = Pairing::parse(&f.hotspot.pairing().to_text()).unwrap();
    let ups: Vec<Vec<u8>> = (0..2).map(|_| up_bundle(f.member, &f.member_keys, &f.server.public(), 2_000)).collect();
    let mut opened = vec![];
    let mut steps = vec![];
    let done = member::exchange(
        &pairing,
        f.member,
        &ups,
        &mut |id, bytes| {
            // The member opens what it downloads: a real return bundle, for it.
            let (header, _) = relay::open_down(bytes, &f.server.public(), &[&f.member_keys], f.member).unwrap();
            assert_eq!(header.id, id);
            opened.push(id);
            true
        },
        &mut |s| steps.push(s),
    )
    .unwrap();
    assert_eq!((done.uploaded, done.already_held, done.downloaded, done.delivered), (2, 0, 2, 2));
    assert_eq!(done.applied, opened);
    assert_eq!(steps.len(), 4);
    assert_eq!(f.custody.ups.lock().unwrap().len(), 2);
    assert!(f.custody.downs.lock().unwrap().is_empty(), "applied bundles left custody");
    let finished = f.hotspot.finished(Duration::from_secs(5)).unwrap();
    assert_eq!((finished.device, finished.taken, finished.handed, finished.delivered), (f.member, 2, 2, 2));
}

#[test]
fn a_bundle_the_custody_refuses_comes_back_with_its_code() {
    let f = fixture(0);
    let pairing = f.hotspot.pairing();
    let link = Link::new(&pairing).unwrap();
    link.hello(f.member, &[]).unwrap();
    let stranger = DeviceKeys::generate(1);
    let err = link.upload(&up_bundle([4; 16], &stranger, &f.server.public(), 10)).unwrap_err();
    assert_eq!(err.code(), ccs_core::error_code::ErrorCode::BundleUnknownSigner);
    assert!(f.custody.ups.lock().unwrap().is_empty());
}

#[test]
fn a_wrong_fingerprint_is_refused_before_any_byte_of_a_bundle_is_sent() {
    let genuine = fixture(1);
    let impostor = fixture(1);
    // The scanned code names the genuine courier's certificate; the network leads to
    // another device (a look-alike access point).
    let mut pairing = genuine.hotspot.pairing();
    let other = impostor.hotspot.pairing();
    pairing.address = other.address;
    pairing.token = other.token.clone();
    let ups = vec![up_bundle(genuine.member, &genuine.member_keys, &genuine.server.public(), 100)];
    let err = member::exchange(&pairing, genuine.member, &ups, &mut |_, _| true, &mut |_| {}).unwrap_err();
    assert_eq!(err, HotspotError::Fingerprint);
    assert_eq!(err.code(), ccs_core::error_code::ErrorCode::RelayFingerprint);
    assert_eq!(impostor.custody.taken.load(Ordering::SeqCst), 0, "the impostor received no bundle");
    assert_eq!(impostor.custody.downs.lock().unwrap().len(), 1, "and handed nothing over");
    // The genuine one, reached, works.
    let good = genuine.hotspot.pairing();
    member::exchange(&good, genuine.member, &ups, &mut |_, _| true, &mut |_| {}).unwrap();
}

#[test]
fn a_wrong_foreign_or_used_token_is_refused() {
    let f = fixture(1);
    let pairing = f.hotspot.pairing();
    let mut wrong = pairing.clone();
    wrong.token = "0000".into();
    let ups = vec![up_bundle(f.member, &f.member_keys, &f.server.public(), 100)];
    let err = member::exchange(&wrong, f.member, &ups, &mut |_, _| true, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), ccs_core::error_code::ErrorCode::RelaySessionToken);
    // No hello: no upload, no download.
    let link = Link::new(&pairing).unwrap();
    assert_eq!(link.upload(&ups[0]).unwrap_err(), HotspotError::SessionToken);
    assert_eq!(link.download([0; 16]).unwrap_err(), HotspotError::SessionToken);

    member::exchange(&pairing, f.member, &ups, &mut |_, _| true, &mut |_| {}).unwrap();
    // Used up: the same code again is refused, whoever brings it.
    let again = member::exchange(&pairing, f.member, &ups, &mut |_, _| true, &mut |_| {}).unwrap_err();
    assert_eq!(again, HotspotError::SessionToken);
    // A token owned by one device is not another's.
    let fresh = f.hotspot.pairing();
    Link::new(&fresh).unwrap().hello(f.member, &[]).unwrap();
    assert_eq!(Link::new(&fresh).unwrap().hello([1; 16], &[]).unwrap_err(), HotspotError::SessionToken);
    assert_eq!(f.custody.taken.load(Ordering::SeqCst), 1);
}

/// A TCP relay in front of the hotspot that cuts every connection once `budget` bytes
/// went from the member to the courier, until healed.
struct Cutter {
    address: SocketAddr,
    budget: Arc<AtomicUsize>,
    broken: Arc<AtomicBool>,
}

fn cutter(target: SocketAddr, budget: usize) -> Cutter {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let budget = Arc::new(AtomicUsize::new(budget));
    let broken = Arc::new(AtomicBool::new(false));
    let (b, k) = (budget.clone(), broken.clone());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            if k.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(target) else { continue };
            let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_read, mut c_write) = (server, client);
            let (b, k) = (b.clone(), k.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    let n = match c_read.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let left = b.load(Ordering::SeqCst);
                    if n > left {
                        let _ = s_write.write_all(&buf[..left]);
                        b.store(0, Ordering::SeqCst);
                        k.store(true, Ordering::SeqCst);
                        let _ = s_write.shutdown(std::net::Shutdown::Both);
                        let _ = c_read.shutdown(std::net::Shutdown::Both);
                        break;
                    }
                    b.fetch_sub(n, Ordering::SeqCst);
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    Cutter { address, budget, broken }
}

#[test]
fn a_link_cut_mid_transfer_resumes_with_nothing_twice() {
    let f = fixture(2);
    let ups: Vec<Vec<u8>> = (0..3).map(|_| up_bundle(f.member, &f.member_keys, &f.server.public(), 150_000)).collect();
    let mut pairing = f.hotspot.pairing();
    // Enough for the hello and the first bundle, not the second.
    let cut = cutter(pairing.address, 230_000);
    pairing.address = cut.address;
    let mut applied = vec![];
    let err = member::exchange(
        &pairing,
        f.member,
        &ups,
        &mut |id, _| {
            applied.push(id);
            true
        },
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.code(), ccs_core::error_code::ErrorCode::SyncNetwork, "{err:?}");
    assert!(cut.broken.load(Ordering::SeqCst));
    let before = f.custody.taken.load(Ordering::SeqCst);
    assert!((1..3).contains(&before), "cut mid-way: {before} of 3 taken");

    // The link comes back: the same pairing resumes.
    cut.budget.store(usize::MAX, Ordering::SeqCst);
    cut.broken.store(false, Ordering::SeqCst);
    let done = member::exchange(
        &pairing,
        f.member,
        &ups,
        &mut |id, _| {
            applied.push(id);
            true
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(done.already_held as usize, before, "what the courier held was not sent again");
    assert_eq!(done.uploaded as usize, 3 - before);
    assert_eq!(f.custody.taken.load(Ordering::SeqCst), 3, "each bundle taken once");
    assert_eq!(f.custody.ups.lock().unwrap().len(), 3);
    assert_eq!(applied.len(), 2, "each return bundle applied once");
    assert!(f.custody.downs.lock().unwrap().is_empty());
}
