//! Golden documents: one Automerge document of each record kind at schema 1, committed
//! under `core/tests/golden/`, read back field by field. Documents never forget and
//! devices keep them for years: a field renamed or retyped in the model without a
//! mapping for the name stored would strand every document already written. This test
//! fails first.
//!
//! Two checks per kind:
//! - the committed document reads back as the record it was made from, every field
//!   holding its value (none left at a default: each value is distinctive);
//! - a document written today from the same record has the same layout as the
//!   committed one (same keys, same values), so new writes stay readable by older apps.
//!
//! The files were made once by `UPDATE_GOLDEN=1 cargo test --workspace --test golden`
//! and are never rewritten otherwise: a missing file fails the test. Regenerate them
//! only for a new schema version, next to the old ones, never over them.

use automerge::AutoSerde;
use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, h, 15, 0).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn device(n: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(0xdead_0000 + n))
}

fn item(n: u128) -> ItemId {
    ItemId(Uuid::from_u128(0x17e3_0000 + n))
}

fn time(s: &str) -> TimeOfDay {
    s.parse().unwrap()
}

const COMMITTEE: u128 = 0x0c0c_0001;

/// The record of each kind the golden documents hold: every field set, to a value that
/// is not its default.
fn golden(kind: RecordKind) -> Record {
    let (id, body) = match kind {
        RecordKind::Session => (
            0x5e55,
            RecordBody::Session(Session {
                session_type: SessionType::Extraordinary,
                date: day("2025-03-10"),
                start_time: Some(time("09:30")),
                end_time: Some(time("12:45")),
                venue_type: VenueType::Other,
                venue_other: Some("Case de la jeunesse".into()),
                chaired_by: ChairRole::DeputyMayor,
                agenda: vec![AgendaItem {
                    id: item(1),
                    theme: AgendaTheme::SocialCohesion,
                    notes: "Tensions autour du puits".into(),
                }],
                invited: 24,
                present: 17,
                attendance: vec![
                    AttendanceRow { college: College::Women, women: 6, men: 0 },
                    AttendanceRow { college: College::Fds, women: 1, men: 3 },
                ],
                summary: "Séance extraordinaire après l’incident du marché".into(),
                minutes_status: MinutesStatus::Signed,
                linked_records: vec![RecordId(Uuid::from_u128(0x2ec0))],
            }),
        ),
        RecordKind::Assessment => (
            0xa55e,
            RecordBody::Assessment(Assessment {
                date: day("2025-03-08"),
                period_start: day("2025-02-01"),
                period_end: day("2025-02-28"),
                zone: Zone {
                    commune: "ML-TB-GD-GOUNDAM".into(),
                    locality: Some("Fraction Kel Antessar".into()),
                    road: Some("Goundam–Tonka".into()),
                },
                threats: vec![Threat {
                    id: item(2),
                    category: ThreatCategory::CattleTheft,
                    place_type: PlaceType::Pasture,
                    suspected_actor: SuspectedActor::Criminals,
                    trend: Trend::Rising,
                    likelihood: 4,
                    impact: 3,
                    vulnerable_groups: vec![VulnerableGroup::Herders, VulnerableGroup::Youth],
                    existing_capacities: "Brigade de gendarmerie à 30 km".into(),
                    source: InformationSource::Community,
                    reliability: Reliability::Probable,
                }],
                notes: "Vols de bétail en hausse avant la transhumance".into(),
            }),
        ),
        RecordKind::Workshop => (
            0x3025,
            RecordBody::Workshop(Workshop {
                workshop_type: WorkshopType::Dialogue,
                title: "Dialogue FDS–population de Goundam".into(),
                themes: vec![WorkshopTheme::CoProduction, WorkshopTheme::Gender],
                organizer: "CCS communal".into(),
                partner: Some(Partner::Other),
                partner_other: Some("Association des femmes".into()),
                start_date: day("2025-03-11"),
                end_date: day("2025-03-12"),
                commune: "ML-TB-GD-GOUNDAM".into(),
                place: "Salle de la mairie".into(),
                participation: vec![ParticipationRow {
                    category: ParticipantCategory::WomenRepresentative,
                    women: 12,
                    men: 2,
                    young_women: 5,
                    young_men: 1,
                }],
                attendees: vec![Attendee {
                    id: item(3),
                    pseudonym: "P-017".into(),
                    category: ParticipantCategory::YouthRepresentative,
                    sex: Sex::Female,
                    youth: true,
                }],
                notes: "Indemnités versées sur la liste nominative".into(),
            }),
        ),
        RecordKind::Recommendation => (
            0x2ec0,
            RecordBody::Recommendation(Recommendation {
                origin: Some(RecordId(Uuid::from_u128(0x5e55))),
                made_on: day("2025-03-10"),
                text: "Organiser des patrouilles mixtes les jours de foire".into(),
                addressee: Addressee::Fds,
                fds_corps: Some(FdsCorps::Gendarmerie),
                domain: RecommendationDomain::Patrols,
                priority: Priority::High,
                responsible: "Commandant de brigade".into(),
                due_date: Some(day("2025-04-30")),
                status_history: vec![StatusChange {
                    id: item(4),
                    at: at(11),
                    by_device: device(2),
                    status: RecommendationStatus::Transmitted,
                }],
                evidence: "Courrier n° 12 au commandant".into(),
            }),
        ),
        RecordKind::Committee => (
            COMMITTEE,
            RecordBody::Committee(Committee {
                level: CommitteeLevel::Communal,
                name: "CCS de Goundam".into(),
                region: "ML-TB".into(),
                cercle: Some("ML-TB-GD".into()),
                commune: Some("ML-TB-GD-GOUNDAM".into()),
                installed_on: Some(day("2024-06-01")),
                membership: vec![AttendanceRow { college: College::TraditionalChiefs, women: 0, men: 4 }],
            }),
        ),
    };
    let id = RecordId(Uuid::from_u128(id));
    Record {
        id,
        committee_id: if kind == RecordKind::Committee {
            CommitteeId::from(id)
        } else {
            CommitteeId(Uuid::from_u128(COMMITTEE))
        },
        schema_version: 1,
        created_at: at(8),
        created_by: device(1),
        updated_at: at(9),
        updated_by: device(2),
        sensitivity: Sensitivity::Confidential,
        review: vec![ReviewEvent {
            id: item(9),
            at: at(10),
            by_device: device(1),
            role: Role::Facilitator,
            decision: Decision::Submitted,
            comment: Some("Prête pour validation".into()),
            heads: vec![],
        }],
        copied_from: Some(RecordId(Uuid::from_u128(0xc0_0001 + kind as u128))),
        body,
    }
}

fn path(kind: RecordKind) -> std::path::PathBuf {
    std::path::Path::new(DIR).join(format!("{}-schema1.automerge", kind.code()))
}

/// The document of `record` as this build writes it.
fn written_today(record: &Record) -> RecordDoc {
    RecordDoc::create(record, record.created_by).unwrap()
}

/// The document's own tree (keys and values as stored), independent of the model.
fn tree(d: &mut RecordDoc) -> serde_json::Value {
    serde_json::to_value(AutoSerde::from(&*d.inner())).unwrap()
}

/// Leaf paths where two JSON values differ, to name the field that broke.
fn differences(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value::*;
    match (a, b) {
        (Object(x), Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                differences(&format!("{path}.{k}"), x.get(k).unwrap_or(&Null), y.get(k).unwrap_or(&Null), out);
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} ≠ {b}")),
        _ => {}
    }
}

/// Keys added within schema 1 (issue 12: the heads a review decision was made on), each
/// with the value a record without them writes.
const ADDED_WITHIN_SCHEMA_1: &[(&str, &str)] = &[(".heads", "[]")];

/// Whether a difference is only `field` absent from the stored document and written
/// today with its empty value.
fn is_added(diff: &str, field: &str, empty: &str) -> bool {
    diff.contains(".review[") && diff.ends_with(&format!("{field}: null ≠ {empty}"))
}

static GENERATE: std::sync::Once = std::sync::Once::new();

/// The generator: writes the golden documents, only when asked (`UPDATE_GOLDEN=1`),
/// before any test reads them.
fn generate_if_asked() {
    GENERATE.call_once(|| {
        if std::env::var_os("UPDATE_GOLDEN").is_none() {
            return;
        }
        std::fs::create_dir_all(DIR).unwrap();
        for kind in RecordKind::ALL {
            std::fs::write(path(*kind), written_today(&golden(*kind)).save()).unwrap();
        }
    });
}

/// The committed document of `kind`.
fn golden_bytes(kind: RecordKind) -> Vec<u8> {
    generate_if_asked();
    let file = path(kind);
    std::fs::read(&file).unwrap_or_else(|e| {
        panic!("{}: {e}; made once by `UPDATE_GOLDEN=1 cargo test --workspace --test golden`", file.display())
    })
}

#[test]
fn every_kind_of_schema_1_document_reads_back_field_by_field() {
    for kind in RecordKind::ALL {
        let bytes = golden_bytes(*kind);
        let expected = golden(*kind);
        let d = RecordDoc::load(&bytes).unwrap();
        let header = d.header().unwrap();
        assert_eq!((header.id, header.kind, header.schema_version), (expected.id, *kind, 1), "{kind}");
        let read = d.read().unwrap_or_else(|e| panic!("{kind}: the schema 1 document no longer reads: {e}"));
        let mut diff = Vec::new();
        differences(
            kind.code(),
            &serde_json::to_value(&read).unwrap(),
            &serde_json::to_value(&expected).unwrap(),
            &mut diff,
        );
        assert!(diff.is_empty(), "fields of a schema 1 {kind} read differently:\n{}", diff.join("\n"));
        assert_eq!(read, expected, "{kind}");
    }
}

#[test]
fn documents_written_today_have_the_schema_1_layout() {
    for kind in RecordKind::ALL {
        let stored = tree(&mut RecordDoc::load(&golden_bytes(*kind)).unwrap());
        let today = tree(&mut written_today(&golden(*kind)));
        let mut diff = Vec::new();
        differences(kind.code(), &stored, &today, &mut diff);
        // Keys added within schema 1 after the golden files were made: older documents
        // lack them (and read them as their default), older apps ignore them.
        diff.retain(|d| !ADDED_WITHIN_SCHEMA_1.iter().any(|(field, empty)| is_added(d, field, empty)));
        assert!(diff.is_empty(), "a {kind} written today differs from schema 1:\n{}", diff.join("\n"));
    }
}

/// A review event written before events carried the heads they were decided on reads
/// with no heads; the same document takes a new decision with heads, and both read back
/// (the old one still without heads), so records reviewed by older apps go on working.
#[test]
fn review_events_from_before_heads_read_as_empty_and_sit_beside_new_ones() {
    let mut d = RecordDoc::load(&golden_bytes(RecordKind::Session)).unwrap();
    let old = d.read().unwrap();
    assert_eq!(old.review.len(), 1);
    assert!(old.review[0].heads.is_empty(), "a missing `heads` reads as empty");
    let heads = ccs_core::doc::heads_to_hex(&d.heads());
    let mut next = old.clone();
    next.review.push(ReviewEvent {
        id: item(10),
        at: at(11),
        by_device: device(3),
        role: Role::Reviewer,
        decision: Decision::Approved,
        comment: Some("Approuvée directement : facilitateur absent".into()),
        heads: heads.clone(),
    });
    d.set_device(device(3));
    assert!(d.update(&next, "review approved").unwrap());
    let again = RecordDoc::load(&d.save()).unwrap().read().unwrap();
    assert_eq!(again.review[0], old.review[0]);
    assert_eq!(again.review[1].heads, heads);
    assert_eq!(again, next);
}
