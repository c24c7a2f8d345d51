//! Test harness: a real server on `127.0.0.1:0` in a background runtime, a blocking HTTP
//! client on the test thread, enrolled test devices, and real records as Automerge
//! documents (fixture builders copied from core's tests).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use ccs_core::doc::RecordDoc;
use ccs_core::model::*;
pub use ccs_core::samples::{assessment_body, recommendation_body, session_body};
use ccs_core::sync::wire::{self, DocMeta, DocPush, ErrorBody, LogEntry, SyncRequest, SyncResponse};
use ccs_sync_server::enrollment::{EnrollResponse, Grant};
use ccs_sync_server::store::Location;
use ccs_sync_server::{admin, Config, Limits};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use tempfile::TempDir;

pub const GOUNDAM: &str = "0190f5a2-0000-7000-8000-00000000000a";
pub const ANSONGO: &str = "0190f5a2-0000-7000-8000-00000000000b";

pub fn goundam() -> CommitteeId {
    GOUNDAM.parse().unwrap()
}

pub fn ansongo() -> CommitteeId {
    ANSONGO.parse().unwrap()
}

/// Which database a test's servers run on: every test runs once on each
/// (`#[values(Backend::Sqlite, Backend::Postgres)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

thread_local! {
    /// The PostgreSQL database of the test running on this thread, if any: every
    /// server the test starts (and restarts) serves it.
    static DATABASE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// Databases restored from a dump during the test, dropped with its own.
    static RESTORED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A test's own PostgreSQL database, dropped at the end of the test.
pub struct TestDatabase {
    admin: Option<String>,
    name: String,
}

impl Backend {
    /// Prepares the backend for the test on this thread; `None`: skip the test (no
    /// PostgreSQL configured; said once on stderr).
    pub fn enter(self) -> Option<TestDatabase> {
        match self {
            Backend::Sqlite => {
                DATABASE.with(|d| *d.borrow_mut() = None);
                Some(TestDatabase { admin: None, name: String::new() })
            }
            Backend::Postgres => {
                let Ok(admin) = std::env::var("CCS_TEST_POSTGRES") else {
                    static SAID: std::sync::Once = std::sync::Once::new();
                    // Straight to stderr: the test harness captures `eprintln!` of passing
                    // tests, and this must be seen.
                    SAID.call_once(|| {
                        use std::io::Write as _;
                        let _ = writeln!(
                            std::io::stderr(),
                            "PostgreSQL tests skipped: CCS_TEST_POSTGRES is not set \
                             (scripts/test.sh starts a private cluster and sets it)"
                        );
                    });
                    return None;
                };
                let name = format!("ccs_t_{}", uuid::Uuid::new_v4().simple());
                ccs_sync_server::db::postgres::admin_statement(&admin, &format!("CREATE DATABASE {name}")).unwrap();
                let url = ccs_sync_server::db::postgres::with_dbname(&admin, &name);
                DATABASE.with(|d| *d.borrow_mut() = Some(url));
                Some(TestDatabase { admin: Some(admin), name })
            }
        }
    }
}

impl TestDatabase {
    /// The connection string of this test's database (PostgreSQL only).
    pub fn url(&self) -> Option<String> {
        self.admin.as_ref().map(|a| ccs_sync_server::db::postgres::with_dbname(a, &self.name))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        DATABASE.with(|d| *d.borrow_mut() = None);
        let restored = RESTORED.with(|r| std::mem::take(&mut *r.borrow_mut()));
        if let Some(admin) = &self.admin {
            for name in std::iter::once(self.name.clone()).chain(restored) {
                let _ = ccs_sync_server::db::postgres::admin_statement(
                    admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                );
            }
        }
    }
}

/// The database the current test's servers use.
pub fn current_database() -> Option<String> {
    DATABASE.with(|d| d.borrow().clone())
}

fn pg_tool(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path().join("bin"))).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.pop().map(|d| d.join(name)).unwrap_or_else(|| PathBuf::from(name))
}

/// Restores a backup made by [`TestServer::backup_to`] into a new data directory (and
/// on PostgreSQL a new database, the way `backup` tells an administrator: pg_restore,
/// then `new-epoch`); the next server the test starts serves it.
pub fn restore(file: &std::path::Path) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    match current_database() {
        None => {
            std::fs::copy(file, dir.path().join(ccs_sync_server::store::DB_FILE)).unwrap();
        }
        Some(_) => {
            let admin = std::env::var("CCS_TEST_POSTGRES").unwrap();
            let name = format!("ccs_t_{}", uuid::Uuid::new_v4().simple());
            ccs_sync_server::db::postgres::admin_statement(&admin, &format!("CREATE DATABASE {name}")).unwrap();
            RESTORED.with(|r| r.borrow_mut().push(name.clone()));
            let url = ccs_sync_server::db::postgres::with_dbname(&admin, &name);
            let out = std::process::Command::new(pg_tool("pg_restore"))
                .args(["--no-owner", "--dbname", &url])
                .arg(file)
                .output()
                .unwrap();
            assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
            DATABASE.with(|d| *d.borrow_mut() = Some(url.clone()));
            admin::new_epoch(Location { data_dir: dir.path().to_path_buf(), database: Some(url) }).unwrap();
        }
    }
    dir
}

/// A running server over a temporary data directory; stopped on drop.
pub struct TestServer {
    pub url: String,
    pub data: TempDir,
    server: Option<ccs_sync_server::background::Background>,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> TestServer {
        let data = tempfile::tempdir().unwrap();
        TestServer::on(data, limits)
    }

    /// Serves an existing data directory (e.g. a restored backup).
    pub fn on(data: TempDir, limits: Limits) -> TestServer {
        let config = Config { data_dir: data.path().to_path_buf(), database: current_database(), limits };
        let server = ccs_sync_server::background::Background::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
        TestServer { url: format!("http://{}", server.addr), data, server: Some(server) }
    }

    pub fn dir(&self) -> PathBuf {
        self.data.path().to_path_buf()
    }

    /// Where the server keeps its data, for the admin commands.
    pub fn at(&self) -> Location {
        Location { data_dir: self.dir(), database: current_database() }
    }

    /// A consistent copy of the server's database while it serves: `admin::backup` on
    /// SQLite, on PostgreSQL `pg_dump` as `backup` tells the administrator.
    pub fn backup_to(&self, file: &std::path::Path) {
        match current_database() {
            None => admin::backup(self.at(), file).unwrap(),
            Some(url) => {
                let err = admin::backup(self.at(), file).unwrap_err();
                assert!(err.to_string().contains("pg_dump"), "{err}");
                let out = std::process::Command::new(pg_tool("pg_dump"))
                    .args(["--format=custom", "--file"])
                    .arg(file)
                    .arg(&url)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }

    /// `--database URL` for the binary when the test runs on PostgreSQL.
    pub fn database_args(&self) -> Vec<String> {
        current_database().map(|url| vec!["--database".to_string(), url]).unwrap_or_default()
    }

    pub fn backend(&self) -> Backend {
        if current_database().is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Stops the server and hands back its data directory.
    pub fn stop(mut self) -> TempDir {
        self.shutdown();
        let placeholder = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.data, placeholder)
    }

    fn shutdown(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().unwrap();
        }
    }

    /// Registers the two test committees (Goundam in Tombouctou, Ansongo in Gao).
    pub fn import_committees(&self) {
        let file = self.data.path().join("committees.json");
        std::fs::write(
            &file,
            serde_json::json!([
                {"id": GOUNDAM, "name": "CCS de Goundam", "level": "communal", "region": "tombouctou",
                 "cercle": "tombouctou/goundam", "commune": "tombouctou/goundam/goundam"},
                {"id": ANSONGO, "name": "CCS d'Ansongo", "level": "communal", "region": "gao",
                 "cercle": "gao/ansongo", "commune": null}
            ])
            .to_string(),
        )
        .unwrap();
        assert_eq!(admin::import_committees(self.at(), &file, Utc::now()).unwrap(), 2);
    }

    pub fn code(&self, role: Role, committee: Option<CommitteeId>, region: Option<&str>) -> String {
        let grant = Grant { role, committee_id: committee, region: region.map(str::to_string), label: None };
        admin::create_enrollment_code(self.at(), &grant, chrono::Duration::hours(1), Utc::now()).unwrap().code
    }

    /// Enrolls a new device over HTTP.
    pub fn enroll(&self, role: Role, committee: Option<CommitteeId>, region: Option<&str>) -> TestDevice {
        let code = self.code(role, committee, region);
        let id = DeviceId::new();
        let body = serde_json::json!({"code": code, "device_id": id.to_string(), "label": "test"}).to_string();
        let (status, bytes) = post(&self.url, "/v1/enroll", None, "application/json", body.as_bytes());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        let r: EnrollResponse = serde_json::from_slice(&bytes).unwrap();
        TestDevice { id, token: r.token, role, epoch: None, cursor: 0, url: self.url.clone() }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// POSTs a body; returns the status and the response body.
pub fn post(url: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut req = agent().post(format!("{url}{path}")).content_type(content_type);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.send(body).unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
    (status, bytes)
}

pub fn get(url: &str, path: &str) -> (u16, String) {
    let mut resp = agent().get(format!("{url}{path}")).call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

pub fn error_body(bytes: &[u8]) -> ErrorBody {
    serde_json::from_slice(bytes).unwrap_or_else(|_| panic!("not an error body: {}", String::from_utf8_lossy(bytes)))
}

/// An enrolled device, with its sync cursor.
pub struct TestDevice {
    pub id: DeviceId,
    pub token: String,
    pub role: Role,
    pub epoch: Option<[u8; 16]>,
    pub cursor: u64,
    pub url: String,
}

impl TestDevice {
    /// Sends a raw body to `/v1/sync`.
    pub fn sync_raw(&self, body: &[u8]) -> (u16, Vec<u8>) {
        post(&self.url, "/v1/sync", Some(&self.token), "application/x-ccs-frame", body)
    }

    /// One sync round with the device's cursor; adopts the answer's cursor.
    pub fn sync(&mut self, push: Vec<DocPush>) -> SyncResponse {
        let request = SyncRequest { epoch: self.epoch, cursor: self.cursor, push };
        let (status, body) = self.sync_raw(&wire::encode(&request));
        assert_eq!(status, 200, "{:?}", String::from_utf8_lossy(&body));
        let response: SyncResponse = wire::decode(&body).unwrap();
        if !response.repair_needed {
            assert!(response.cursor >= self.cursor, "cursor went back");
            self.epoch = Some(response.epoch);
            self.cursor = response.cursor;
        }
        response
    }

    /// Pushes documents and checks every one was accepted.
    pub fn push_ok(&mut self, push: Vec<DocPush>) -> SyncResponse {
        let n = push.len();
        let r = self.sync(push);
        assert_eq!(r.results.len(), n);
        for res in &r.results {
            assert_eq!(res.rejected, None, "document {:?} refused", uuid::Uuid::from_bytes(res.id));
        }
        r
    }

    /// Pulls until nothing more is waiting; returns every entry.
    pub fn pull_all(&mut self) -> Vec<LogEntry> {
        let mut out = Vec::new();
        loop {
            let r = self.sync(vec![]);
            assert!(!r.repair_needed);
            out.extend(r.entries);
            if !r.more {
                return out;
            }
        }
    }

    /// Ids of the documents of every entry pulled now.
    pub fn pulled_docs(&mut self) -> Vec<RecordId> {
        self.pull_all().into_iter().map(|e| RecordId(uuid::Uuid::from_bytes(e.meta.id))).collect()
    }
}

/// A record and its document as a device holds them.
pub struct LocalDoc {
    pub record: Record,
    pub doc: RecordDoc,
    pub acked: Vec<automerge::ChangeHash>,
}

impl LocalDoc {
    pub fn new(record: Record, device: DeviceId) -> LocalDoc {
        let doc = RecordDoc::create(&record, device).unwrap();
        LocalDoc { record, doc, acked: vec![] }
    }

    pub fn id(&self) -> RecordId {
        self.record.id
    }

    pub fn meta(&self) -> DocMeta {
        DocMeta {
            id: *self.record.id.as_uuid().as_bytes(),
            kind: self.record.kind().code().to_string(),
            committee_id: *self.record.committee_id.as_uuid().as_bytes(),
            sensitivity: self.record.effective_sensitivity().code().to_string(),
            region: match &self.record.body {
                RecordBody::Committee(c) => Some(c.region.clone()),
                _ => None,
            },
        }
    }

    /// The push of everything after the acknowledged heads.
    pub fn push(&mut self) -> DocPush {
        let acked = self.acked.clone();
        DocPush {
            meta: self.meta(),
            acked_heads: acked.iter().map(|h| h.0).collect(),
            heads: self.doc.heads().iter().map(|h| h.0).collect(),
            changes: self.doc.save_after(&acked),
        }
    }

    /// Marks the current heads as acknowledged by the server.
    pub fn acked(&mut self) {
        self.acked = self.doc.heads();
    }

    /// Edits the record on `device` and writes the change into the document.
    pub fn edit(&mut self, device: DeviceId, f: impl FnOnce(&mut Record)) {
        f(&mut self.record);
        self.record.updated_by = device;
        self.doc.set_device(device);
        assert!(self.doc.update(&self.record, "edit").unwrap());
    }
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn session(committee: CommitteeId, device: DeviceId) -> Record {
    Record::new(RecordBody::Session(session_body()), committee, device, now())
}

/// A threat assessment reporting tensions between the security forces and the
/// population: confidential whatever its author chose.
pub fn fds_assessment(committee: CommitteeId, device: DeviceId) -> Record {
    let mut body = assessment_body();
    body.threats[0].category = ThreatCategory::FdsTensions;
    let r = Record::new(RecordBody::Assessment(body), committee, device, now());
    assert_eq!(r.effective_sensitivity(), Sensitivity::Confidential);
    r
}

pub fn recommendation(committee: CommitteeId, device: DeviceId) -> Record {
    Record::new(RecordBody::Recommendation(recommendation_body()), committee, device, now())
}

pub fn committee_record(device: DeviceId) -> Record {
    Record::new(
        RecordBody::Committee(Committee {
            level: CommitteeLevel::Communal,
            name: "CCS de Diré".into(),
            region: "tombouctou".into(),
            cercle: Some("tombouctou/dire".into()),
            commune: Some("tombouctou/dire/dire".into()),
            installed_on: Some(date("2021-06-15")),
            membership: vec![AttendanceRow { college: College::Fds, women: 0, men: 4 }],
        }),
        CommitteeId::new(),
        device,
        now(),
    )
}

/// The entries' document ids, as a map id → number of entries.
pub fn count_by_doc(entries: &[LogEntry]) -> HashMap<[u8; 16], usize> {
    let mut m = HashMap::new();
    for e in entries {
        *m.entry(e.meta.id).or_insert(0) += 1;
    }
    m
}

/// A review event made by `device` in `role`.
pub fn review_event(device: DeviceId, role: Role, decision: Decision) -> ReviewEvent {
    ReviewEvent { id: ItemId::new(), at: now(), by_device: device, role, decision, comment: None, heads: vec![] }
}
