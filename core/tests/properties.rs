//! Property tests: any record survives record → document → record unchanged; and
//! replicas that edit the same records at random and exchange changes in random orders
//! end with identical documents and identical projections, with no edit lost.

mod common;

use std::collections::BTreeSet;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
use ccs_core::store::{DocHeaderView, ListFilter, Store, StoreError};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::*;
use proptest::prelude::*;
use proptest::sample::select;

fn day() -> impl Strategy<Value = NaiveDate> {
    (0i64..3000).prop_map(|d| NaiveDate::from_ymd_opt(2018, 1, 1).unwrap() + Duration::days(d))
}
fn time() -> impl Strategy<Value = TimeOfDay> {
    (0u32..24, 0u32..60).prop_map(|(h, m)| TimeOfDay(chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap()))
}
fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}
fn count() -> impl Strategy<Value = i64> {
    -5i64..200
}

fn session() -> impl Strategy<Value = Session> {
    (
        (
            select(SessionType::ALL),
            day(),
            proptest::option::of(time()),
            proptest::option::of(time()),
            select(VenueType::ALL),
            proptest::option::of(text()),
            select(ChairRole::ALL),
        ),
        (
            prop::collection::vec((select(AgendaTheme::ALL), text()), 0..4),
            count(),
            count(),
            prop::collection::vec((select(College::ALL), count(), count()), 0..4),
            text(),
            select(MinutesStatus::ALL),
        ),
    )
        .prop_map(
            |(
                (session_type, date, start_time, end_time, venue_type, venue_other, chaired_by),
                (agenda, invited, present, attendance, summary, minutes_status),
            )| Session {
                session_type,
                date,
                start_time,
                end_time,
                venue_type,
                venue_other,
                chaired_by,
                agenda: agenda
                    .into_iter()
                    .map(|(theme, notes)| AgendaItem { id: ItemId::new(), theme, notes })
                    .collect(),
                invited,
                present,
                attendance: attendance
                    .into_iter()
                    .map(|(college, women, men)| AttendanceRow { college, women, men })
                    .collect(),
                summary,
                minutes_status,
                linked_records: vec![RecordId::new()],
            },
        )
}

fn threat() -> impl Strategy<Value = Threat> {
    (
        (
            select(ThreatCategory::ALL),
            select(PlaceType::ALL),
            select(SuspectedActor::ALL),
            select(Trend::ALL),
            0i64..7,
            0i64..7,
        ),
        (
            prop::collection::vec(select(VulnerableGroup::ALL), 0..3),
            text(),
            select(InformationSource::ALL),
            select(Reliability::ALL),
        ),
    )
        .prop_map(
            |(
                (category, place_type, suspected_actor, trend, likelihood, impact),
                (vulnerable_groups, existing_capacities, source, reliability),
            )| Threat {
                id: ItemId::new(),
                category,
                place_type,
                suspected_actor,
                trend,
                likelihood,
                impact,
                vulnerable_groups,
                existing_capacities,
                source,
                reliability,
            },
        )
}

fn assessment() -> impl Strategy<Value = Assessment> {
    (day(), day(), day(), text(), proptest::option::of(text()), prop::collection::vec(threat(), 0..4), text()).prop_map(
        |(date, period_start, period_end, commune, locality, threats, notes)| Assessment {
            date,
            period_start,
            period_end,
            zone: Zone { commune, locality, road: None },
            threats,
            notes,
        },
    )
}

fn workshop() -> impl Strategy<Value = Workshop> {
    (
        (
            select(WorkshopType::ALL),
            text(),
            prop::collection::vec(select(WorkshopTheme::ALL), 0..3),
            proptest::option::of(select(Partner::ALL)),
            day(),
            day(),
        ),
        (
            prop::collection::vec((select(ParticipantCategory::ALL), count(), count(), count(), count()), 0..4),
            prop::collection::vec((text(), select(ParticipantCategory::ALL), select(Sex::ALL), any::<bool>()), 0..3),
        ),
    )
        .prop_map(|((workshop_type, title, themes, partner, start_date, end_date), (participation, attendees))| {
            Workshop {
                workshop_type,
                title,
                themes,
                organizer: "CRSS".into(),
                partner,
                partner_other: None,
                start_date,
                end_date,
                commune: "gao/ansongo/ansongo".into(),
                place: String::new(),
                participation: participation
                    .into_iter()
                    .map(|(category, women, men, young_women, young_men)| ParticipationRow {
                        category,
                        women,
                        men,
                        young_women,
                        young_men,
                    })
                    .collect(),
                attendees: attendees
                    .into_iter()
                    .map(|(pseudonym, category, sex, youth)| Attendee {
                        id: ItemId::new(),
                        pseudonym,
                        category,
                        sex,
                        youth,
                    })
                    .collect(),
                notes: String::new(),
            }
        })
}

fn recommendation() -> impl Strategy<Value = Recommendation> {
    (
        (
            day(),
            text(),
            select(Addressee::ALL),
            proptest::option::of(select(FdsCorps::ALL)),
            select(RecommendationDomain::ALL),
            select(Priority::ALL),
        ),
        (
            proptest::option::of(day()),
            prop::collection::vec((0i64..1_000_000, select(RecommendationStatus::ALL)), 0..4),
            text(),
        ),
    )
        .prop_map(|((made_on, text, addressee, fds_corps, domain, priority), (due_date, history, evidence))| {
            Recommendation {
                origin: Some(RecordId::new()),
                made_on,
                text,
                addressee,
                fds_corps,
                domain,
                priority,
                responsible: "Maire".into(),
                due_date,
                status_history: history
                    .into_iter()
                    .map(|(secs, status)| StatusChange {
                        id: ItemId::new(),
                        at: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
                        by_device: DeviceId::new(),
                        status,
                    })
                    .collect(),
                evidence,
            }
        })
}

fn committee() -> impl Strategy<Value = Committee> {
    (
        select(CommitteeLevel::ALL),
        text(),
        proptest::option::of(day()),
        prop::collection::vec((select(College::ALL), count(), count()), 0..4),
    )
        .prop_map(|(level, name, installed_on, membership)| Committee {
            level,
            name,
            region: "gao".into(),
            cercle: Some("gao/ansongo".into()),
            commune: None,
            installed_on,
            membership: membership
                .into_iter()
                .map(|(college, women, men)| AttendanceRow { college, women, men })
                .collect(),
        })
}

fn body() -> impl Strategy<Value = RecordBody> {
    prop_oneof![
        session().prop_map(RecordBody::Session),
        assessment().prop_map(RecordBody::Assessment),
        workshop().prop_map(RecordBody::Workshop),
        recommendation().prop_map(RecordBody::Recommendation),
        committee().prop_map(RecordBody::Committee),
    ]
}

fn review_events() -> impl Strategy<Value = Vec<ReviewEvent>> {
    prop::collection::vec((0i64..100_000, select(Role::ALL), select(Decision::ALL), proptest::option::of(text())), 0..4)
        .prop_map(|v| {
            v.into_iter()
                .map(|(secs, role, decision, comment)| ReviewEvent {
                    id: ItemId::new(),
                    at: Utc.timestamp_opt(1_700_000_000 + secs, 123_000_000).unwrap(),
                    by_device: DeviceId::new(),
                    role,
                    decision,
                    comment,
                    heads: vec![],
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn record_document_round_trip(body in body(), review in review_events(), sensitivity in select(Sensitivity::ALL)) {
        let mut record = Record::new(body, CommitteeId::new(), DeviceId::new(), now());
        record.review = review;
        record.sensitivity = sensitivity;
        let mut d = RecordDoc::create(&record, record.created_by).unwrap();
        prop_assert_eq!(&d.read().unwrap(), &record);
        // Through saved bytes too, as a store or a peer would load it.
        let loaded = RecordDoc::load(&d.save()).unwrap();
        prop_assert_eq!(loaded.read().unwrap(), record);
    }
}

// ------------------------------------------------------------------ convergence

/// One step of the random scenario.
#[derive(Debug, Clone)]
enum Op {
    /// Replica `r` sets the number invited in the session.
    SetInvited { r: usize, value: i64 },
    /// Replica `r` inserts a marker into the session summary at a relative position.
    InsertText { r: usize, at: f64 },
    /// Replica `r` adds an agenda item to the session.
    AddAgenda { r: usize },
    /// Replica `r` adds a threat to the assessment.
    AddThreat { r: usize, likelihood: i64 },
    /// Replica `r` changes the recommendation's follow-up status.
    SetStatus { r: usize, status: RecommendationStatus },
    /// Replica `r` records a review decision on one of the records.
    Review { r: usize, record: usize, decision: Decision },
    /// Replica `from` sends everything it has to replica `to`.
    Sync { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0usize..3;
    prop_oneof![
        (r.clone(), 20i64..40).prop_map(|(r, value)| Op::SetInvited { r, value }),
        (r.clone(), 0.0f64..1.0).prop_map(|(r, at)| Op::InsertText { r, at }),
        r.clone().prop_map(|r| Op::AddAgenda { r }),
        (r.clone(), 1i64..6).prop_map(|(r, likelihood)| Op::AddThreat { r, likelihood }),
        (r.clone(), select(RecommendationStatus::ALL)).prop_map(|(r, status)| Op::SetStatus { r, status }),
        (r.clone(), 0usize..3, select(Decision::ALL)).prop_map(|(r, record, decision)| Op::Review {
            r,
            record,
            decision
        }),
        (r.clone(), 0usize..3).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

fn exchange(stores: &mut [TestStore], from: usize, to: usize) {
    if from == to {
        return;
    }
    let docs: Vec<(DocHeaderView, Vec<u8>)> = stores[from]
        .store
        .document_ids()
        .unwrap()
        .into_iter()
        .map(|id| {
            let bytes = stores[from].store.document_bytes(id).unwrap();
            (DocHeaderView::from(RecordDoc::load(&bytes).unwrap().header().unwrap()), bytes)
        })
        .collect();
    stores[to].store.apply_batch(&docs, now()).unwrap();
}

fn patch(store: &mut Store, id: RecordId, key: &str, value: serde_json::Value) -> bool {
    let mut p = serde_json::Map::new();
    p.insert(key.into(), value);
    store.patch_record(id, p, now()).is_ok()
}

fn current(store: &Store, id: RecordId) -> serde_json::Value {
    input::to_json(&store.get(id, now()).unwrap().record.unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_with_no_edit_lost(ops in prop::collection::vec(op(), 1..40)) {
        let mut stores: Vec<TestStore> = (0..3).map(|_| store_with(Role::Admin)).collect();
        let committee = goundam_committee();
        stores[0].store.insert_new(&committee, now()).unwrap();
        let ids = [
            stores[0].store.create_record(input(RecordBody::Session(session_body()), committee.committee_id), now()).unwrap(),
            stores[0].store.create_record(input(RecordBody::Assessment(assessment_body()), committee.committee_id), now()).unwrap(),
            stores[0].store.create_record(input(RecordBody::Recommendation(recommendation_body()), committee.committee_id), now()).unwrap(),
        ];
        exchange(&mut stores, 0, 1);
        exchange(&mut stores, 0, 2);

        let mut markers: BTreeSet<String> = BTreeSet::new();
        let mut agenda_notes: BTreeSet<String> = BTreeSet::new();
        let mut threat_caps: BTreeSet<String> = BTreeSet::new();
        let mut review_comments: BTreeSet<String> = BTreeSet::new();
        for (n, op) in ops.iter().enumerate() {
            match op.clone() {
                Op::SetInvited { r, value } => {
                    patch(&mut stores[r].store, ids[0], "invited", serde_json::json!(value));
                }
                Op::InsertText { r, at } => {
                    let v = current(&stores[r].store, ids[0]);
                    let summary = v["summary"].as_str().unwrap().to_string();
                    let chars: Vec<char> = summary.chars().collect();
                    // Insert at a word boundary, so a marker is never split by a later
                    // insert (which would hide it from the check without losing it).
                    let boundaries: Vec<usize> = (0..=chars.len()).filter(|&p| p == 0 || chars[p - 1] == ' ').collect();
                    let pos = boundaries[((boundaries.len() as f64) * at) as usize % boundaries.len()];
                    let marker = format!("⟨{r}-{n}⟩ ");
                    let new: String = chars[..pos].iter().chain(marker.chars().collect::<Vec<_>>().iter()).chain(chars[pos..].iter()).collect();
                    if patch(&mut stores[r].store, ids[0], "summary", serde_json::json!(new)) {
                        markers.insert(marker);
                    }
                }
                Op::AddAgenda { r } => {
                    let v = current(&stores[r].store, ids[0]);
                    let mut agenda = v["agenda"].as_array().unwrap().clone();
                    let note = format!("point {r}-{n}");
                    agenda.push(serde_json::json!({"theme": "autre", "notes": note}));
                    if patch(&mut stores[r].store, ids[0], "agenda", serde_json::Value::Array(agenda)) {
                        agenda_notes.insert(note);
                    }
                }
                Op::AddThreat { r, likelihood } => {
                    let v = current(&stores[r].store, ids[1]);
                    let mut threats = v["threats"].as_array().unwrap().clone();
                    let caps = format!("capacité {r}-{n}");
                    threats.push(serde_json::json!({
                        "category": "banditisme", "place_type": "axe_routier", "suspected_actor": "criminels",
                        "trend": "stable", "likelihood": likelihood, "impact": 3, "existing_capacities": caps,
                        "source": "fds", "reliability": "confirmee"
                    }));
                    if patch(&mut stores[r].store, ids[1], "threats", serde_json::Value::Array(threats)) {
                        threat_caps.insert(caps);
                    }
                }
                Op::SetStatus { r, status } => {
                    patch(&mut stores[r].store, ids[2], "status", serde_json::json!(status));
                }
                Op::Review { r, record, decision } => {
                    let comment = format!("examen {r}-{n}");
                    if stores[r].store.review(ids[record], decision, Some(comment.clone()), now() + Duration::seconds(n as i64)).is_ok() {
                        review_comments.insert(comment);
                    }
                }
                Op::Sync { from, to } => exchange(&mut stores, from, to),
            }
        }
        // Everyone talks to everyone until nothing new moves.
        for _ in 0..2 {
            for from in 0..3 {
                for to in 0..3 {
                    exchange(&mut stores, from, to);
                }
            }
        }

        // The projection, less `dirty`: what a replica has still to send is its own.
        let projection = |s: &Store| {
            let mut page = s.list(&ListFilter { limit: 500, ..Default::default() }).unwrap();
            page.items.iter_mut().for_each(|i| i.dirty = false);
            page
        };
        let projection0 = projection(&stores[0].store);
        for s in &stores[1..] {
            prop_assert_eq!(&projection(&s.store), &projection0, "projections differ");
        }
        for id in ids {
            let first = stores[0].store.get(id, now()).unwrap();
            for s in &stores[1..] {
                let other = s.store.get(id, now()).unwrap();
                prop_assert_eq!(&other.record, &first.record);
                prop_assert_eq!(other.conflicts, first.conflicts.clone());
                prop_assert_eq!(s.store.heads(id).unwrap().0, stores[0].store.heads(id).unwrap().0);
            }
        }

        let s0 = current(&stores[0].store, ids[0]);
        let summary = s0["summary"].as_str().unwrap();
        for m in &markers {
            prop_assert!(summary.contains(m.trim()), "marker {} lost from {:?}", m, summary);
        }
        let notes: BTreeSet<String> = s0["agenda"].as_array().unwrap().iter().map(|a| a["notes"].as_str().unwrap().to_string()).collect();
        prop_assert!(agenda_notes.is_subset(&notes), "agenda items lost");
        let a0 = current(&stores[0].store, ids[1]);
        let caps: BTreeSet<String> = a0["threats"].as_array().unwrap().iter().map(|t| t["existing_capacities"].as_str().unwrap().to_string()).collect();
        prop_assert!(threat_caps.is_subset(&caps), "threats lost");
        let comments: BTreeSet<String> = ids
            .iter()
            .flat_map(|id| stores[0].store.get(*id, now()).unwrap().record.unwrap().review)
            .filter_map(|e| e.comment)
            .collect();
        prop_assert!(review_comments.is_subset(&comments), "review events lost");
    }
}

// ------------------------------------------------------------------ forms from stale states

/// One step of a scenario where each device keeps a form open on the same session and
/// saves it from whatever state it opened, while devices merge in random orders.
#[derive(Debug, Clone)]
enum FormOp {
    /// Device `r` reopens its form on what it holds now.
    Open { r: usize },
    /// Device `r`'s form changes the number invited and saves.
    SetInvited { r: usize },
    /// Device `r`'s form appends a marker to the summary and saves.
    AppendSummary { r: usize },
    /// Device `r`'s form adds an agenda item and saves.
    AddAgenda { r: usize },
    /// Device `r` changes the record outside the form (the CLI): the form's base is
    /// now behind the device's own history.
    OwnChange { r: usize },
    /// Replica `from` sends everything it has to replica `to`.
    Sync { from: usize, to: usize },
}

fn form_op() -> impl Strategy<Value = FormOp> {
    let r = 0usize..3;
    prop_oneof![
        r.clone().prop_map(|r| FormOp::Open { r }),
        r.clone().prop_map(|r| FormOp::SetInvited { r }),
        r.clone().prop_map(|r| FormOp::AppendSummary { r }),
        r.clone().prop_map(|r| FormOp::AddAgenda { r }),
        r.clone().prop_map(|r| FormOp::OwnChange { r }),
        (r.clone(), 0usize..3).prop_map(|(from, to)| FormOp::Sync { from, to }),
        (r, 0usize..3).prop_map(|(from, to)| FormOp::Sync { from, to }),
    ]
}

/// A device's open form: the heads its state was read at and that state.
struct Form {
    base: Vec<automerge::ChangeHash>,
    fields: serde_json::Value,
}

fn open_form(store: &Store, id: RecordId) -> Form {
    Form { base: store.heads(id).unwrap().0, fields: current(store, id) }
}

/// Saves one changed field from the form against its base; the form then stands on
/// its own edit, as the app's form does. Returns the edit's change, or `None` when the
/// save was refused because the field changed meanwhile in the device's own history (the
/// user is told, by name of field; the form is then reopened).
fn save_form(
    store: &mut Store,
    id: RecordId,
    form: &mut Form,
    key: &str,
    value: serde_json::Value,
) -> Option<automerge::ChangeHash> {
    let mut p = serde_json::Map::new();
    p.insert(key.into(), value.clone());
    match store.edit_at(id, &form.base, p, now()) {
        Ok(edit) => {
            let heads = edit.expect("the form changed something").heads;
            form.base = heads.clone();
            form.fields[key] = value;
            Some(heads[0])
        }
        Err(StoreError::Invalid(errors)) if errors.iter().all(|e| e.code == "record.changed_meanwhile") => {
            *form = open_form(store, id);
            None
        }
        Err(e) => panic!("form save failed: {e:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn forms_saved_from_stale_states_lose_no_edit(ops in prop::collection::vec(form_op(), 1..40)) {
        let mut stores: Vec<TestStore> = (0..3).map(|_| store_with(Role::Admin)).collect();
        let committee = goundam_committee();
        stores[0].store.insert_new(&committee, now()).unwrap();
        let id = stores[0]
            .store
            .create_record(input(RecordBody::Session(session_body()), committee.committee_id), now())
            .unwrap();
        exchange(&mut stores, 0, 1);
        exchange(&mut stores, 0, 2);
        let mut forms: Vec<Form> = stores.iter().map(|s| open_form(&s.store, id)).collect();

        let mut invited: Vec<(i64, automerge::ChangeHash)> = Vec::new();
        let mut markers: Vec<String> = Vec::new();
        let mut notes: BTreeSet<String> = BTreeSet::new();
        for (n, op) in ops.iter().enumerate() {
            match op.clone() {
                FormOp::Open { r } => forms[r] = open_form(&stores[r].store, id),
                FormOp::SetInvited { r } => {
                    let value = 30 + n as i64;
                    if let Some(change) = save_form(&mut stores[r].store, id, &mut forms[r], "invited", serde_json::json!(value)) {
                        invited.push((value, change));
                    }
                }
                FormOp::AppendSummary { r } => {
                    let marker = format!("⟨{r}-{n}⟩");
                    let text = format!("{} {marker}", forms[r].fields["summary"].as_str().unwrap());
                    if save_form(&mut stores[r].store, id, &mut forms[r], "summary", serde_json::json!(text)).is_some() {
                        markers.push(marker);
                    }
                }
                FormOp::AddAgenda { r } => {
                    let note = format!("point {r}-{n}");
                    let mut agenda = forms[r].fields["agenda"].as_array().unwrap().clone();
                    agenda.push(serde_json::json!({"id": ItemId::new(), "theme": "autre", "notes": note}));
                    if save_form(&mut stores[r].store, id, &mut forms[r], "agenda", serde_json::Value::Array(agenda)).is_some() {
                        notes.insert(note);
                    }
                }
                FormOp::OwnChange { r } => {
                    let status = if n % 2 == 0 { "adopte" } else { "brouillon" };
                    patch(&mut stores[r].store, id, "minutes_status", serde_json::json!(status));
                }
                FormOp::Sync { from, to } => exchange(&mut stores, from, to),
            }
        }
        for _ in 0..2 {
            for from in 0..3 {
                for to in 0..3 {
                    exchange(&mut stores, from, to);
                }
            }
        }
        for s in &stores[1..] {
            prop_assert_eq!(s.store.heads(id).unwrap().0, stores[0].store.heads(id).unwrap().0);
        }

        let got = stores[0].store.get(id, now()).unwrap();
        let record = input::to_json(got.record.as_ref().unwrap());
        // Text and lists merge: every marker and every item is there.
        let summary = record["summary"].as_str().unwrap();
        for m in &markers {
            prop_assert!(summary.contains(m.as_str()), "marker {} lost from {:?}", m, summary);
        }
        let have: BTreeSet<String> =
            record["agenda"].as_array().unwrap().iter().map(|a| a["notes"].as_str().unwrap().to_string()).collect();
        prop_assert!(notes.is_subset(&have), "agenda items lost: {:?} not in {:?}", notes, have);
        // A number is shown, or in conflict, or was changed by a form that had seen it.
        let shown: BTreeSet<i64> = got
            .conflicts
            .iter()
            .filter(|c| c.path == "invited")
            .flat_map(|c| c.values.iter().filter_map(|v| v.value.as_i64()))
            .chain(record["invited"].as_i64())
            .collect();
        let mut doc = RecordDoc::load(&stores[0].store.document_bytes(id).unwrap()).unwrap();
        for (value, change) in &invited {
            let seen_later = invited.iter().any(|(_, later)| {
                later != change && doc.inner().fork_at(&[*later]).unwrap().get_change_by_hash(change).is_some()
            });
            prop_assert!(shown.contains(value) || seen_later, "invited = {} silently lost (shown {:?})", value, shown);
        }
    }
}
