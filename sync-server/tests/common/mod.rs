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
        let config = Config { data_dir: data.path().to_path_buf(), limits };
        let server = ccs_sync_server::background::Background::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
        TestServer { url: format!("http://{}", server.addr), data, server: Some(server) }
    }

    pub fn dir(&self) -> PathBuf {
        self.data.path().to_path_buf()
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
        assert_eq!(admin::import_committees(self.data.path(), &file, Utc::now()).unwrap(), 2);
    }

    pub fn code(&self, role: Role, committee: Option<CommitteeId>, region: Option<&str>) -> String {
        let grant = Grant { role, committee_id: committee, region: region.map(str::to_string), label: None };
        admin::create_enrollment_code(self.data.path(), &grant, chrono::Duration::hours(1), Utc::now()).unwrap().code
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
