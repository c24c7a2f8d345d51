//! The bundle file against a hostile courier and a damaged stick: every byte flipped and
//! every prefix cut is refused with the code of the step that catches it, a courier
//! cannot pass a member's ciphertext off as its own, and a bundle made for one device
//! does not open on another. Plus the golden file: a bundle written by this version must
//! open in every later one.
//!
//! `UPDATE_GOLDEN=1 cargo test --workspace --test relay_bundle` writes the golden bundle
//! once; it is never rewritten otherwise (a new format version gets a new file).

use std::collections::BTreeSet;

use ccs_core::error_code::ErrorCode;
use ccs_core::relay::bundle::{self, BundleError, Direction};
use ccs_core::relay::*;
use ccs_core::sync::wire::{DocMeta, DocPush, LogEntry, PushResult, SyncRequest, SyncResponse};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/relay-up-v1.ccsb");

fn fixed_keys(seed: u8, age: &str) -> DeviceKeys {
    DeviceKeys::from_parts([seed; 32], age, 1).unwrap()
}

fn member_keys() -> DeviceKeys {
    fixed_keys(0x11, "AGE-SECRET-KEY-1ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYGSUZRZYL")
}

fn server_keys() -> DeviceKeys {
    fixed_keys(0x22, "AGE-SECRET-KEY-1YG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3Q0KAHAN")
}

fn courier_keys() -> DeviceKeys {
    fixed_keys(0x33, "AGE-SECRET-KEY-1XVENXVENXVENXVENXVENXVENXVENXVENXVENXVENXVENXVENXVES5R36HA")
}

const MEMBER: [u8; 16] = [0xaa; 16];
const COURIER: [u8; 16] = [0xcc; 16];
const EPOCH: [u8; 16] = [0xe0; 16];
const CANARY: &str = "CANARY-menace-FDS-Ber";

fn up_payload(id: [u8; 16]) -> UpPayload {
    UpPayload {
        bundle: id,
        device: MEMBER,
        enrollment: None,
        applied: vec![[0x0d; 16]],
        request: SyncRequest {
            epoch: Some(EPOCH),
            cursor: 41,
            push: vec![DocPush {
                meta: DocMeta {
                    id: [1; 16],
                    kind: "assessment".into(),
                    committee_id: [2; 16],
                    sensitivity: "confidential".into(),
                    region: None,
                },
                acked_heads: vec![],
                heads: vec![[4; 32]],
                // Stands for Automerge change bytes: opaque to the bundle.
                changes: CANARY.repeat(20).into_bytes(),
            }],
        },
    }
}

/// The roster as the server and couriers see it: the member and the courier.
fn lookup(sender: &Sender) -> SignerKey {
    match sender {
        Sender::Device { id, key_epoch: 1 } if *id == MEMBER => SignerKey::Known(member_keys().public()),
        Sender::Device { id, key_epoch: 1 } if *id == COURIER => SignerKey::Known(courier_keys().public()),
        _ => SignerKey::Unknown,
    }
}

fn up_bundle() -> Vec<u8> {
    seal_up(&up_payload([0x1b; 16]), &member_keys(), &server_keys().public(), EPOCH, 1, 1).unwrap()
}

/// Where the signature starts: after the preamble (8 bytes) and the header.
fn signature_at(bytes: &[u8]) -> usize {
    8 + usize::from(u16::from_be_bytes([bytes[6], bytes[7]]))
}

fn code_of(bytes: &[u8]) -> Option<ErrorCode> {
    open_up(bytes, lookup, &server_keys()).err().map(|e| e.code())
}

#[test]
fn the_intact_bundle_opens_and_holds_what_was_sealed() {
    let bytes = up_bundle();
    let (header, payload) = open_up(&bytes, lookup, &server_keys()).unwrap();
    assert_eq!(payload, up_payload([0x1b; 16]));
    assert_eq!(header.sender, Sender::Device { id: MEMBER, key_epoch: 1 });
    assert_eq!((header.part, header.parts, header.epoch), (1, 1, EPOCH));
}

#[test]
fn every_byte_flipped_is_refused_with_the_code_of_its_place_and_the_intact_bundle_still_opens() {
    let bytes = up_bundle();
    let sig = signature_at(&bytes);
    let payload = sig + 64;
    let header_codes: BTreeSet<ErrorCode> = [
        ErrorCode::BundleBadMagic,
        ErrorCode::BundleUnsupportedVersion,
        ErrorCode::BundleHeaderMalformed,
        ErrorCode::BundleHeaderTooLarge,
        ErrorCode::BundleTruncated,
        ErrorCode::BundleTooLarge,
        ErrorCode::BundleBadSignature,
        ErrorCode::BundleUnknownSigner,
        ErrorCode::BundleWrongDirection,
    ]
    .into();
    let mut seen = BTreeSet::new();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut damaged = bytes.clone();
            damaged[i] ^= flip;
            let code = code_of(&damaged).unwrap_or_else(|| panic!("byte {i} flipped ({flip:#x}) still opened"));
            seen.insert(code);
            if i < 4 {
                assert_eq!(code, ErrorCode::BundleBadMagic, "byte {i}");
            } else if i < sig {
                assert!(header_codes.contains(&code), "byte {i} of the header: {code:?}");
            } else if i < payload {
                assert_eq!(code, ErrorCode::BundleBadSignature, "byte {i} of the signature");
            } else {
                assert_eq!(code, ErrorCode::BundleBadHash, "byte {i} of the payload");
            }
        }
    }
    assert!(seen.contains(&ErrorCode::BundleBadSignature) && seen.contains(&ErrorCode::BundleBadHash));
    assert!(open_up(&bytes, lookup, &server_keys()).is_ok());
}

#[test]
fn every_prefix_is_refused_as_truncated() {
    let bytes = up_bundle();
    for n in 0..bytes.len() {
        assert_eq!(code_of(&bytes[..n]), Some(ErrorCode::BundleTruncated), "prefix of {n} bytes");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(code_of(&longer), Some(ErrorCode::BundleBadLength));
}

#[test]
fn a_courier_re_signing_a_members_ciphertext_as_its_own_is_caught_by_the_binding() {
    let original = up_bundle();
    let read = bundle::read(&original).unwrap();
    let payload = &original[signature_at(&original) + 64..];
    // The courier writes a new header naming itself, with a new id, over the member's
    // ciphertext (which it cannot open or change), and signs it with its own key.
    for (id, sender) in [
        ([0x99; 16], Sender::Device { id: COURIER, key_epoch: 1 }),
        (read.header.id, Sender::Device { id: COURIER, key_epoch: 1 }),
        ([0x99; 16], Sender::Device { id: MEMBER, key_epoch: 1 }),
    ] {
        let mut header = read.header.clone();
        header.id = id;
        header.sender = sender.clone();
        let forged = sign_raw(Direction::Up, &header, payload, &courier_keys());
        let err = open_up(&forged, lookup, &server_keys()).unwrap_err();
        let expected =
            if sender.device() == Some(MEMBER) { BundleError::BadSignature } else { BundleError::BindingMismatch };
        assert_eq!(err, expected, "{sender:?} with id {id:?}");
    }
}

/// Writes a bundle by hand, as a hostile courier would.
fn sign_raw(direction: Direction, header: &Header, payload: &[u8], keys: &DeviceKeys) -> Vec<u8> {
    let header_bytes = postcard::to_stdvec(header).unwrap();
    let mut out = b"CCSB\x01".to_vec();
    out.push(direction as u8);
    out.extend((header_bytes.len() as u16).to_be_bytes());
    out.extend(&header_bytes);
    let mut message = bundle::SIGNATURE_DOMAIN.to_vec();
    message.extend(&out);
    out.extend(keys.sign(&message));
    out.extend(payload);
    out
}

#[test]
fn a_revoked_or_unknown_signer_is_refused_before_anything_is_opened() {
    let bytes = up_bundle();
    assert_eq!(open_up(&bytes, |_| SignerKey::Revoked, &server_keys()).unwrap_err(), BundleError::RevokedSigner);
    assert_eq!(open_up(&bytes, |_| SignerKey::Unknown, &server_keys()).unwrap_err(), BundleError::UnknownSigner);
    // Registered with other keys (a replaced key whose old epoch is forgotten).
    let other = DeviceKeys::generate(1).public();
    assert_eq!(
        open_up(&bytes, |_| SignerKey::Known(other.clone()), &server_keys()).unwrap_err(),
        BundleError::BadSignature
    );
}

#[test]
fn nobody_but_the_server_opens_an_up_bundle_and_the_courier_sees_no_content() {
    let bytes = up_bundle();
    // The courier checks the signature against its roster, and that is all it can do.
    let verified = verify_up(&bytes, lookup).unwrap();
    assert_eq!(verified.open::<UpPayload>(&courier_keys()).unwrap_err(), BundleError::NotForThisDevice);
    assert!(courier_keys().decrypt(&bytes[signature_at(&bytes) + 64..]).is_none());
    let hay = String::from_utf8_lossy(&bytes);
    assert!(!hay.contains(CANARY) && !hay.contains("assessment") && !hay.contains("confidential"));
}

fn down_payload(device: [u8; 16]) -> DownPayload {
    DownPayload {
        bundle: [0xdd; 16],
        device,
        receipts: vec![Receipt {
            bundle: [0x1b; 16],
            refused: None,
            results: vec![PushResult { id: [1; 16], rejected: None }],
        }],
        enrollment: None,
        from: 41,
        response: SyncResponse {
            epoch: EPOCH,
            repair_needed: false,
            results: vec![],
            entries: vec![LogEntry {
                seq: 42,
                meta: DocMeta {
                    id: [1; 16],
                    kind: "assessment".into(),
                    committee_id: [2; 16],
                    sensitivity: "confidential".into(),
                    region: None,
                },
                changes: vec![7; 40],
            }],
            cursor: 42,
            more: false,
        },
    }
}

#[test]
fn a_return_bundle_opens_only_on_its_device_and_only_from_the_pinned_server() {
    let member = member_keys();
    let down = seal_down(&down_payload(MEMBER), &server_keys(), &member.public(), EPOCH, 1, 1).unwrap();
    let (_, payload) = open_down(&down, &server_keys().public(), &[&member], MEMBER).unwrap();
    assert_eq!(payload, down_payload(MEMBER));
    // Another device (B) holding A's bundle.
    let b = DeviceKeys::generate(1);
    assert_eq!(
        open_down(&down, &server_keys().public(), &[&b], [0xbb; 16]).unwrap_err(),
        BundleError::NotForThisDevice
    );
    // Sealed to A's key but saying it is for B: A refuses it.
    let misdirected = seal_down(&down_payload([0xbb; 16]), &server_keys(), &member.public(), EPOCH, 1, 1).unwrap();
    assert_eq!(
        open_down(&misdirected, &server_keys().public(), &[&member], MEMBER).unwrap_err(),
        BundleError::NotForThisDevice
    );
    // A courier (or anyone) posing as the server.
    let fake = seal_down(&down_payload(MEMBER), &courier_keys(), &member.public(), EPOCH, 1, 1).unwrap();
    assert_eq!(open_down(&fake, &server_keys().public(), &[&member], MEMBER).unwrap_err(), BundleError::BadSignature);
    // An up-bundle handed to a member as if it were a return.
    assert_eq!(
        open_down(&up_bundle(), &server_keys().public(), &[&member], MEMBER).unwrap_err(),
        BundleError::WrongDirection
    );
}

#[test]
fn a_bundle_sealed_to_a_replaced_key_still_opens_with_the_old_key_kept() {
    let old = member_keys();
    let new = DeviceKeys::generate(2);
    let down = seal_down(&down_payload(MEMBER), &server_keys(), &old.public(), EPOCH, 1, 1).unwrap();
    assert!(open_down(&down, &server_keys().public(), &[&new, &old], MEMBER).is_ok());
    assert_eq!(open_down(&down, &server_keys().public(), &[&new], MEMBER).unwrap_err(), BundleError::NotForThisDevice);
}

#[test]
fn an_offline_enrollment_binds_the_key_in_the_header_to_the_key_in_the_payload() {
    let member = member_keys();
    let mut payload = up_payload([0x2b; 16]);
    payload.enrollment =
        Some(OfflineEnrollment { code: "ABCD-EFGH-JKLM".into(), label: None, keys: member.public(), demo: false });
    let bytes = seal_up(&payload, &member, &server_keys().public(), EPOCH, 1, 1).unwrap();
    let (header, opened) = open_up(&bytes, |_| SignerKey::Unknown, &server_keys()).unwrap();
    assert!(matches!(header.sender, Sender::Enrolling { .. }));
    assert_eq!(opened.enrollment.unwrap().code, "ABCD-EFGH-JKLM");
    // Someone else's key in the payload (a courier enrolling a stolen code under its key).
    let mut stolen = payload.clone();
    stolen.enrollment.as_mut().unwrap().keys = courier_keys().public();
    let bytes = seal_up(&stolen, &member, &server_keys().public(), EPOCH, 1, 1).unwrap();
    assert_eq!(open_up(&bytes, |_| SignerKey::Unknown, &server_keys()).unwrap_err(), BundleError::BindingMismatch);
}

#[test]
fn the_file_name_says_nothing_of_the_content() {
    let name = bundle::file_name(&[0x3f, 0x9a, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    assert_eq!(name, "paquet-3f9a0001.ccsb");
}

#[test]
fn the_golden_bundle_of_format_1_still_opens() {
    if std::env::var_os("UPDATE_GOLDEN").is_some() && !std::path::Path::new(GOLDEN).exists() {
        std::fs::write(GOLDEN, up_bundle()).unwrap();
    }
    let bytes = std::fs::read(GOLDEN).expect("golden bundle missing: UPDATE_GOLDEN=1 writes it once");
    assert_eq!(&bytes[..6], b"CCSB\x01\x01");
    let (header, payload) = open_up(&bytes, lookup, &server_keys()).unwrap();
    assert_eq!(payload, up_payload([0x1b; 16]));
    assert_eq!(header.id, [0x1b; 16]);
    assert_eq!(header.recipient, server_keys().public().encrypt);
    // The header is postcard: its layout is part of the format.
    let header_len = usize::from(u16::from_be_bytes([bytes[6], bytes[7]]));
    assert_eq!(postcard::to_stdvec(&header).unwrap(), bytes[8..8 + header_len]);
}
