//! The indicators' table kept up to date write by write equals the one computed from
//! scratch over every record: random sequences of creations, date changes (records
//! moving between months), review decisions, deletions, purges (a copy replacing its
//! record) and registry edits (a committee changing region or installation date).

mod common;

use std::collections::BTreeMap;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::report::*;
use ccs_core::store::{DocHeaderView, EntryOutcome, Store};
use ccs_core::sync::{Cursor, SyncPage};
use chrono::{Duration, NaiveDate};
use common::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Create { kind: u8, committee: usize, day: i64, follow_up: u8 },
    MoveDate { target: usize, day: i64 },
    Decide { target: usize, decision: u8 },
    Purge { target: usize },
    EditCommittee { committee: usize, region: usize, installed_day: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, 0usize..3, 0i64..170, 0u8..3).prop_map(|(kind, committee, day, follow_up)| Op::Create { kind, committee, day, follow_up }),
        2 => (any::<usize>(), 0i64..170).prop_map(|(target, day)| Op::MoveDate { target, day }),
        3 => (any::<usize>(), 0u8..4).prop_map(|(target, decision)| Op::Decide { target, decision }),
        1 => any::<usize>().prop_map(|target| Op::Purge { target }),
        1 => (0usize..3, 0usize..3, 0i64..170).prop_map(|(committee, region, installed_day)| Op::EditCommittee { committee, region, installed_day }),
    ]
}

const REGIONS: [&str; 3] = ["gao", "tombouctou", "menaka"];

fn day(n: i64) -> NaiveDate {
    date("2026-06-01") + Duration::days(n)
}

fn body(kind: u8, on: NaiveDate, follow_up: u8) -> RecordBody {
    match kind {
        0 => RecordBody::Session(Session { date: on, ..session_body() }),
        1 => {
            let mut a = assessment_body();
            a.date = on;
            a.period_start = on - Duration::days(30);
            a.period_end = on;
            RecordBody::Assessment(a)
        }
        2 => RecordBody::Workshop(Workshop { start_date: on, end_date: on, ..workshop_body() }),
        _ => {
            let mut r = recommendation_body();
            r.made_on = on;
            r.due_date = None;
            let at = |days: i64| (on + Duration::days(days)).and_hms_opt(9, 0, 0).unwrap().and_utc().min(now());
            let change = |days: i64, status| StatusChange {
                id: ItemId::new(),
                at: at(days),
                by_device: DeviceId::new(),
                status,
            };
            r.status_history = match follow_up {
                0 => vec![],
                1 => vec![change(2, RecommendationStatus::Transmitted)],
                _ => vec![change(2, RecommendationStatus::Transmitted), change(40, RecommendationStatus::Done)],
            };
            RecordBody::Recommendation(r)
        }
    }
}

/// A regional committee installed on `installed`.
fn regional(name: &str, region: &str, installed: NaiveDate) -> Committee {
    Committee {
        level: CommitteeLevel::Regional,
        name: name.to_string(),
        region: region.to_string(),
        cercle: None,
        commune: None,
        installed_on: Some(installed),
        membership: vec![],
    }
}

fn patch(store: &mut Store, id: RecordId, fields: serde_json::Value) {
    let _ = store.patch_record(id, fields.as_object().unwrap().clone(), now());
}

/// Tallies by basis, committee and month.
type Tallies = BTreeMap<(Basis, CommitteeId, YearMonth), Tally>;

/// The tallies and registry computed from every record, without the table.
fn from_scratch(store: &Store) -> (Tallies, Vec<CommitteeEntry>) {
    let mut tallies = Tallies::new();
    let mut registry = Vec::new();
    for id in store.document_ids().unwrap() {
        let Ok(record) = store.record(id) else { continue };
        if store.superseded_by(id).unwrap().is_some() {
            continue;
        }
        // Every record here was made on this device: none travelled.
        let f = facts(&record, &FactsContext::default());
        if !f.counted {
            continue;
        }
        if let Some(r) = f.registry {
            registry.push(CommitteeEntry { committee_id: f.committee_id, registry: Some(r) });
        }
        if let Some(month) = f.month {
            tallies.entry((Basis::All, f.committee_id, month)).or_default().add(&f.tally);
            if f.approved {
                tallies.entry((Basis::Approved, f.committee_id, month)).or_default().add(&f.tally);
            }
        }
    }
    for t in tallies.values_mut() {
        t.normalize();
    }
    tallies.retain(|_, t| !t.is_empty());
    registry.sort_by_key(|c| c.committee_id);
    (tallies, registry)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn incremental_tallies_equal_tallies_from_scratch(ops in prop::collection::vec(op(), 1..30)) {
        let mut t = store_with(Role::Admin);
        let store = &mut t.store;
        let mut committees = Vec::new();
        for (n, region) in REGIONS.iter().enumerate() {
            let c = regional(&format!("CCS régional {n}"), region, day(n as i64 * 40));
            let id = store.create_record(input(RecordBody::Committee(c), CommitteeId::new()), now()).unwrap();
            committees.push(CommitteeId::from(id));
        }
        let mut records: Vec<RecordId> = Vec::new();
        for op in ops {
            match op {
                Op::Create { kind, committee, day: n, follow_up } => {
                    let id = store.create_record(input(body(kind, day(n), follow_up), committees[committee]), now()).unwrap();
                    records.push(id);
                }
                Op::MoveDate { target, day: n } if !records.is_empty() => {
                    let id = records[target % records.len()];
                    let on = day(n).to_string();
                    let fields = match store.record(id).map(|r| r.kind()) {
                        Ok(RecordKind::Session) => serde_json::json!({ "date": on }),
                        Ok(RecordKind::Assessment) => serde_json::json!({ "date": on, "period_start": (day(n) - Duration::days(30)).to_string(), "period_end": on }),
                        Ok(RecordKind::Workshop) => serde_json::json!({ "start_date": on, "end_date": on }),
                        _ => serde_json::json!({ "made_on": on }),
                    };
                    patch(store, id, fields);
                }
                Op::Decide { target, decision } if !records.is_empty() => {
                    let id = records[target % records.len()];
                    let decision = [Decision::Submitted, Decision::Approved, Decision::Reopened, Decision::Deleted][decision as usize];
                    let _ = store.review(id, decision, None, now());
                }
                Op::Purge { target } if !records.is_empty() => {
                    let i = target % records.len();
                    if let Ok(copy) = store.purge(records[i], now()) {
                        records[i] = copy.id;
                    }
                }
                Op::EditCommittee { committee, region, installed_day } => {
                    let fields = serde_json::json!({ "region": REGIONS[region], "installed_on": day(installed_day).to_string() });
                    patch(store, RecordId::from(committees[committee]), fields);
                }
                _ => {}
            }
        }
        let (expected, registry) = from_scratch(store);
        let stored: Tallies = store
            .indicator_tallies()
            .unwrap()
            .into_iter()
            .map(|(basis, m)| ((basis, m.committee_id, m.month), m.tally))
            .collect();
        prop_assert_eq!(&stored, &expected);
        let mut stored_registry = store.indicator_registry().unwrap();
        stored_registry.sort_by_key(|c| c.committee_id);
        prop_assert_eq!(&stored_registry, &registry);

        // And so the indicators: from the store, and from scratch through the same
        // pure function.
        let params = IndicatorParams::new(now());
        for filter in [
            IndicatorFilter::new(Period::Year { year: 2026 }, Basis::All),
            IndicatorFilter::new(Period::Year { year: 2026 }, Basis::Approved),
            IndicatorFilter { region: Some("gao".into()), ..IndicatorFilter::new(Period::Quarter { year: 2026, quarter: 3 }, Basis::All) },
            IndicatorFilter::new(Period::Month { year: 2026, month: 9 }, Basis::All),
        ] {
            let rows: Vec<MonthTally> = expected
                .iter()
                .filter(|((basis, _, _), _)| *basis == filter.basis)
                .map(|((_, committee_id, month), tally)| MonthTally { committee_id: *committee_id, month: *month, tally: tally.clone() })
                .collect();
            let scratch = compute(&registry, &rows, &filter, &params, |code| store.reference().region(code).map(|u| u.name.clone()));
            prop_assert_eq!(store.indicators(&filter, &params).unwrap(), scratch);
        }
    }
}

/// One regional committee per region of [`REGIONS`], installed on day 0.
fn regional_committees(store: &mut Store) -> Vec<CommitteeId> {
    REGIONS
        .iter()
        .enumerate()
        .map(|(n, region)| {
            let c = regional(&format!("CCS régional {n}"), region, day(0));
            CommitteeId::from(store.create_record(input(RecordBody::Committee(c), CommitteeId::new()), now()).unwrap())
        })
        .collect()
}

/// The stored sums, by basis, committee and month.
fn stored_tallies(store: &Store) -> Tallies {
    store
        .indicator_tallies()
        .unwrap()
        .into_iter()
        .map(|(basis, m)| ((basis, m.committee_id, m.month), m.tally))
        .collect()
}

/// A sync page recomputes each committee and month once, at its commit, instead of
/// after every record. The sums must still equal those of the same records filed one
/// by one: with a hostile entry rolled back in the middle of the page, and after a page
/// abandoned before its commit (a cut link), after which a plain local write must sum
/// at once again rather than wait for a commit that never comes.
#[test]
fn a_page_sums_once_at_its_commit_and_equals_records_filed_one_by_one() {
    let mut author = store_with(Role::Admin);
    let committees = regional_committees(&mut author.store);
    for n in 0..36 {
        let committee = committees[n % committees.len()];
        let id =
            author.store.create_record(input(body((n % 4) as u8, day(n as i64 * 4), 2), committee), now()).unwrap();
        if n % 3 == 0 {
            let _ = author.store.review(id, Decision::Approved, None, now());
        }
    }
    let entries: Vec<(DocHeaderView, Vec<u8>)> = author
        .store
        .document_ids()
        .unwrap()
        .into_iter()
        .map(|id| {
            let bytes = author.store.document_bytes(id).unwrap();
            let header = DocHeaderView::from(RecordDoc::load(&bytes).unwrap().header().unwrap());
            (header, bytes)
        })
        .collect();
    // Committees first, as the server sends them.
    let mut entries = entries;
    entries.sort_by_key(|(h, _)| h.kind != RecordKind::Committee);

    // One by one: every write sums its committee and month at once.
    let mut single = store_with(Role::Admin);
    for (hint, bytes) in &entries {
        single.store.apply_changes(hint, bytes, now()).unwrap();
    }
    let expected = stored_tallies(&single.store);
    assert!(expected.len() > 10, "the records spread over many committees and months: {}", expected.len());

    // A page abandoned half way (the link cut before its commit) leaves nothing behind.
    let mut paged = store_with(Role::Admin);
    {
        let page = paged.store.begin_page().unwrap();
        for (hint, bytes) in &entries[..entries.len() / 2] {
            page.merge_or_quarantine("https://ccs.example", hint, bytes, now()).unwrap();
        }
    }
    assert!(stored_tallies(&paged.store).is_empty());
    // And no batch is left open: a local record is summed at once.
    let c = regional("CCS local", "gao", day(0));
    let own = paged.store.create_record(input(RecordBody::Committee(c), CommitteeId::new()), now()).unwrap();
    let local = paged.store.create_record(input(body(0, day(10), 0), CommitteeId::from(own)), now()).unwrap();
    assert!(!stored_tallies(&paged.store).is_empty(), "the local session counts at once");
    paged.store.review(local, Decision::Deleted, None, now()).unwrap();
    paged.store.review(own, Decision::Deleted, None, now()).unwrap();
    assert!(stored_tallies(&paged.store).is_empty(), "a deleted record counts for nothing");

    // The whole page, with a hostile entry in the middle rolled back to its savepoint.
    let page = paged.store.begin_page().unwrap();
    for (n, (hint, bytes)) in entries.iter().enumerate() {
        if n == entries.len() / 2 {
            let hostile = DocHeaderView { id: RecordId::new(), ..hint.clone() };
            let outcome = page.merge_or_quarantine("https://ccs.example", &hostile, b"not a document", now()).unwrap();
            assert!(matches!(outcome, EntryOutcome::Quarantined(_)), "{outcome:?}");
        }
        let outcome = page.merge_or_quarantine("https://ccs.example", hint, bytes, now()).unwrap();
        assert!(matches!(outcome, EntryOutcome::Merged { .. }), "{outcome:?}");
    }
    page.commit().unwrap();
    assert_eq!(stored_tallies(&paged.store), expected);

    // After the commit, writes sum at once again.
    let (hint, _) = entries.iter().find(|(h, _)| h.kind == RecordKind::Session).unwrap();
    paged.store.review(hint.id, Decision::Deleted, None, now()).unwrap();
    single.store.review(hint.id, Decision::Deleted, None, now()).unwrap();
    assert_eq!(stored_tallies(&paged.store), stored_tallies(&single.store));
    assert_ne!(stored_tallies(&paged.store), expected, "the deletion changed a sum");
}

/// A record new to the device is added to its month's stored sum at the page's commit
/// rather than the month summed again. The sums must still be those of the records
/// filed one by one when the months already hold records from an earlier page, when a
/// page brings a later version of a record it filed before (it moved month, it was
/// approved), when one record comes twice in the same page, and when a hostile entry
/// rolls back the group of new records around it.
#[test]
fn new_records_add_to_sums_already_stored_and_changed_ones_are_summed_again() {
    let mut author = store_with(Role::Admin);
    let committees = regional_committees(&mut author.store);
    let mut records = Vec::new();
    for n in 0..150 {
        let committee = committees[n % committees.len()];
        // Few months, so every month gets records from both pages.
        let on = day((n % 5) as i64 * 31);
        let id = author.store.create_record(input(body((n % 4) as u8, on, 2), committee), now()).unwrap();
        records.push(id);
    }
    let snapshot = |store: &Store, ids: &[RecordId]| -> Vec<(DocHeaderView, Vec<u8>)> {
        ids.iter()
            .map(|id| {
                let bytes = store.document_bytes(*id).unwrap();
                (DocHeaderView::from(RecordDoc::load(&bytes).unwrap().header().unwrap()), bytes)
            })
            .collect()
    };
    let committee_ids: Vec<RecordId> = committees.iter().map(|c| RecordId::from(*c)).collect();
    let first: Vec<RecordId> = committee_ids.iter().copied().chain(records[..90].iter().copied()).collect();
    let first_page = snapshot(&author.store, &first);
    // A record of the second page as first seen, before it moves month.
    let twice = records[120];
    let twice_before = snapshot(&author.store, &[twice]);
    // Then the author moves sessions of each page to other months, approves one record
    // of each page and deletes one.
    for (k, id) in [records[4], records[40], twice, records[128]].into_iter().enumerate() {
        patch(&mut author.store, id, serde_json::json!({ "date": day(200 + k as i64).to_string() }));
    }
    for id in [records[7], records[131]] {
        author.store.review(id, Decision::Submitted, None, now()).unwrap();
        author.store.review(id, Decision::Approved, Some("Facilitateur absent".into()), now()).unwrap();
    }
    author.store.review(records[11], Decision::Deleted, None, now()).unwrap();
    let mut second_page = twice_before;
    second_page.extend(snapshot(&author.store, &records[90..]));
    second_page.extend(snapshot(&author.store, &[records[4], records[7], records[11], records[40]]));
    // A hostile entry among the new records: its group of 64 is rolled back and merged
    // again one by one.
    let hostile = DocHeaderView { id: RecordId::new(), ..second_page[10].0.clone() };
    second_page.insert(20, (hostile.clone(), b"not a document".to_vec()));

    let pages = [first_page, second_page];
    let mut paged = store_with(Role::Admin);
    for (seq, entries) in pages.iter().enumerate() {
        let page = SyncPage {
            server: "https://ccs.example".into(),
            cursor: Cursor { epoch: Some([7; 16]), seq: seq as u64 + 1 },
            entries: entries.clone(),
            ..Default::default()
        };
        let outcome = paged.store.apply_sync_page(&page, now()).unwrap();
        assert_eq!(outcome.quarantined.len(), usize::from(seq == 1), "only the hostile entry is set aside");
    }
    // One by one, every write summing its month at once.
    let mut single = store_with(Role::Admin);
    for (hint, bytes) in pages.iter().flatten().filter(|(h, _)| h.id != hostile.id) {
        single.store.apply_changes(hint, bytes, now()).unwrap();
    }
    let expected = stored_tallies(&single.store);
    assert!(stored_tallies(&paged.store) == expected, "the paged sums differ from those filed one by one");
    assert!(expected.len() >= 15, "many months, on both bases: {}", expected.len());
}
