//! Part 5: the relay. A member records `n` sessions offline; the same changes go once
//! as bundle files (through a courier) and once by a direct sync from a copy of the
//! same store, so the bytes compare like for like:
//! - bundle bytes (every part, signed and encrypted) ÷ the direct sync's request bytes
//!   (goal ≤ 1.1×);
//! - time to export the bundles, for the server to take them (`POST /v1/relay`), to
//!   make the return bundle (`POST /v1/relay/outbox`) and for the member to apply it.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use ccs_core::model::input::RecordInput;
use ccs_core::model::*;
use ccs_core::relay::api::{OutboxRequest, OutboxResponse, ReceiptStatus, RelayReceipt, OUTBOX_PATH, RELAY_PATH};
use ccs_core::store::{Identity, KdfParams, Store};
use ccs_core::sync::client::{self, HttpTransport};
use ccs_core::sync::wire;
use ccs_sync_server::admin;
use chrono::{NaiveDate, Utc};

use crate::server::{self, Server};
use crate::sync_bench::PASS;

#[derive(Debug, Clone, Default)]
pub struct RelayFigures {
    pub records: usize,
    pub parts: usize,
    pub bundle_bytes: usize,
    pub direct_bytes_up: usize,
    pub direct_round_trips: usize,
    pub export_ms: f64,
    pub server_ms: f64,
    pub outbox_ms: f64,
    pub return_bytes: usize,
    pub import_ms: f64,
    pub acknowledged: usize,
}

impl RelayFigures {
    pub fn ratio(&self) -> f64 {
        self.bundle_bytes as f64 / self.direct_bytes_up.max(1) as f64
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn enroll(
    store: &mut Store,
    server: &Server,
    grant: &ccs_sync_server::enrollment::Grant,
    name: &str,
) -> anyhow::Result<()> {
    let code = admin::create_enrollment_code(&server.data, grant, chrono::Duration::hours(1), Utc::now())?.code;
    client::enroll(store, &HttpTransport::default(), &server.url(), &code, Some(name))?;
    Ok(())
}

/// A summary that varies like real ones (deflate would flatter identical text).
fn summary(i: usize) -> String {
    const WORDS: &[&str] = &[
        "réunion",
        "comité",
        "sécurité",
        "marché",
        "route",
        "patrouille",
        "jeunes",
        "femmes",
        "conflit",
        "foncier",
        "bétail",
        "puits",
        "mairie",
        "chef",
        "village",
        "tension",
        "médiation",
        "atelier",
    ];
    let mut x = (i as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..40)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            WORDS[(x >> 33) as usize % WORDS.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(n: usize, log: &dyn Fn(&str)) -> anyhow::Result<RelayFigures> {
    let now = Utc::now();
    let data = tempfile::tempdir()?;
    let server = Server::start(data.path())?;
    let dir = tempfile::tempdir()?;
    let fast = KdfParams::insecure_fast_for_tests;

    // The committee, made by a reviewer.
    let mut reviewer = Store::create(&dir.path().join("reviewer.db"), PASS, Identity::new(Role::Reviewer), fast())?;
    enroll(&mut reviewer, &server, &server::grant(Role::Reviewer, None), "reviewer")?;
    let committee: CommitteeId = reviewer
        .create_record(
            RecordInput {
                body: RecordBody::Committee(Committee {
                    level: CommitteeLevel::Communal,
                    name: "CCS de Goundam".into(),
                    region: "tombouctou".into(),
                    cercle: Some("tombouctou/goundam".into()),
                    commune: Some("tombouctou/goundam/goundam".into()),
                    installed_on: NaiveDate::from_ymd_opt(2021, 6, 15),
                    membership: vec![AttendanceRow { college: College::Fds, women: 0, men: 4 }],
                }),
                committee_id: None,
                sensitivity: None,
                status: None,
            },
            now,
        )?
        .into();
    client::sync(&mut reviewer, &HttpTransport::default(), now)?;

    // The member records n sessions, then a copy of its store is made.
    let member_dir = dir.path().join("member");
    std::fs::create_dir_all(&member_dir)?;
    let path = member_dir.join("device.db");
    let mut member = Store::create(&path, PASS, Identity::new(Role::Member), fast())?;
    enroll(&mut member, &server, &server::grant(Role::Member, Some(committee)), "member")?;
    client::sync(&mut member, &HttpTransport::default(), now)?;
    log(&format!("relay: the member records {n} sessions"));
    for i in 0..n {
        let mut body = ccs_core::samples::session_body();
        body.date = NaiveDate::from_ymd_opt(2026, 1 + (i % 10) as u32, 1 + (i % 28) as u32).unwrap_or_default();
        body.summary = summary(i);
        member.create_record(
            RecordInput {
                body: RecordBody::Session(body),
                committee_id: Some(committee),
                sensitivity: None,
                status: None,
            },
            now,
        )?;
    }
    drop(member);
    let copy_dir = dir.path().join("copy");
    std::fs::create_dir_all(&copy_dir)?;
    for entry in std::fs::read_dir(&member_dir)? {
        let entry = entry?;
        std::fs::copy(entry.path(), copy_dir.join(entry.file_name()))?;
    }
    let mut member = Store::open(&path, PASS)?;
    let mut copy = Store::open(&copy_dir.join("device.db"), PASS)?;
    let mut f = RelayFigures { records: n, ..Default::default() };

    // The bundles.
    let t = Instant::now();
    let export = ccs_core::relay::member::export(&mut member, now)?;
    f.export_ms = ms(t.elapsed());
    f.parts = export.bundles.len();
    f.bundle_bytes = export.bundles.iter().map(|b| b.bytes.len()).sum();
    ensure!(export.records == n, "the export carries {} of {n} records", export.records);

    // The same changes by a direct sync of the copy (same device, same changes): only
    // the request bytes count, the answers being the same acknowledgements.
    let report = client::sync(&mut copy, &HttpTransport::default(), now)?;
    f.direct_bytes_up = report.bytes_up;
    f.direct_round_trips = report.round_trips;
    drop(copy);

    // A courier brings the bundles; the server takes them and answers.
    let mut courier = Store::create(&dir.path().join("courier.db"), PASS, Identity::new(Role::Facilitator), fast())?;
    let grant = ccs_sync_server::enrollment::Grant {
        role: Role::Facilitator,
        committee_id: None,
        region: Some("tombouctou".into()),
        label: None,
    };
    enroll(&mut courier, &server, &grant, "courier")?;
    let token = courier.server_link()?.context("the courier is enrolled")?.token;
    let agent = server::agent(Duration::from_secs(300));
    let url = server.url();
    let t = Instant::now();
    for b in &export.bundles {
        let mut res = agent
            .post(format!("{url}{RELAY_PATH}"))
            .header("authorization", format!("Bearer {token}"))
            .content_type("application/octet-stream")
            .send(&b.bytes[..])?;
        let receipt: RelayReceipt = serde_json::from_slice(&res.body_mut().read_to_vec()?)?;
        ensure!(receipt.status == ReceiptStatus::Accepted, "bundle refused: {receipt:?}");
    }
    f.server_ms = ms(t.elapsed());
    let t = Instant::now();
    let device = *member.identity().device_id.0.as_bytes();
    let mut res = agent
        .post(format!("{url}{OUTBOX_PATH}"))
        .header("authorization", format!("Bearer {token}"))
        .content_type(ccs_sync_server::http::FRAME_CONTENT_TYPE)
        .send(&wire::encode(&OutboxRequest { devices: vec![device] })[..])?;
    let outbox: OutboxResponse = wire::decode(&res.body_mut().with_config().limit(64 << 20).read_to_vec()?)?;
    f.outbox_ms = ms(t.elapsed());
    ensure!(!outbox.bundles.is_empty(), "no return bundle");
    f.return_bytes = outbox.bundles.iter().map(|b| b.bytes.len()).sum();

    // The member applies the return bundle(s).
    let t = Instant::now();
    for b in &outbox.bundles {
        let report = ccs_core::relay::member::import(&mut member, &b.bytes, now)?;
        f.acknowledged += report.acknowledged;
    }
    f.import_ms = ms(t.elapsed());
    ensure!(f.acknowledged == n, "{} of {n} records acknowledged", f.acknowledged);
    drop(member);
    server.stop();
    Ok(f)
}
