//! The sync server under test: the real `ccs-sync-server` binary as a child process (so
//! its memory can be read from `/proc`), or, when the binary is not built, the same
//! server on a thread of this process. Plus what a bench device does over raw HTTP:
//! enroll, send a sync frame, seed documents in batches.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ccs_core::model::{CommitteeId, DeviceId, Role};
use ccs_core::sync::wire::{self, DocPush, SyncRequest, SyncResponse};
use ccs_sync_server::background::Background;
use ccs_sync_server::enrollment::Grant;
use ccs_sync_server::{admin, Config, Limits};

/// `ccs-sync-server` next to this executable (both are built in `target/release`).
pub fn server_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.join("ccs-sync-server");
    p.is_file().then_some(p)
}

enum Running {
    Child(Child),
    InProcess(Background),
}

/// A server serving one data directory on loopback.
pub struct Server {
    pub addr: SocketAddr,
    pub data: PathBuf,
    /// The PostgreSQL database served instead of the data directory's SQLite file.
    pub database: Option<String>,
    running: Option<Running>,
}

impl Server {
    /// Starts the child process if the binary exists, else an in-process server.
    pub fn start(data: &Path) -> anyhow::Result<Server> {
        Server::start_on(data, None)
    }

    /// The same on a PostgreSQL database when `database` is given.
    pub fn start_on(data: &Path, database: Option<&str>) -> anyhow::Result<Server> {
        match server_binary() {
            Some(bin) => Server::start_child(&bin, data, database),
            None => Server::start_in_process(data, database),
        }
    }

    pub fn start_in_process(data: &Path, database: Option<&str>) -> anyhow::Result<Server> {
        let database = database.map(str::to_string);
        let config = Config { data_dir: data.to_path_buf(), database: database.clone(), limits: Limits::default() };
        let bg = Background::spawn(config, "127.0.0.1:0".parse()?)?;
        let s = Server { addr: bg.addr, data: data.to_path_buf(), database, running: Some(Running::InProcess(bg)) };
        s.wait_healthy()?;
        Ok(s)
    }

    pub fn start_child(bin: &Path, data: &Path, database: Option<&str>) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let mut command = Command::new(bin);
        command.arg("--data").arg(data);
        if let Some(url) = database {
            command.args(["--database", url]);
        }
        let child = command
            .args(["serve", "--listen", &addr.to_string()])
            // Request logs at info would measure the terminal, not the server.
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let s = Server {
            addr,
            data: data.to_path_buf(),
            database: database.map(str::to_string),
            running: Some(Running::Child(child)),
        };
        s.wait_healthy()?;
        Ok(s)
    }

    /// Where the server's database is, for reading it from the bench.
    pub fn location(&self) -> ccs_sync_server::store::Location {
        ccs_sync_server::store::Location { data_dir: self.data.clone(), database: self.database.clone() }
    }

    fn wait_healthy(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ccs_core::sync::client::reachable(&self.url(), Duration::from_millis(500)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("the server on {} did not answer within 30 s", self.addr)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's process id when it runs as a child process.
    pub fn pid(&self) -> Option<u32> {
        match &self.running {
            Some(Running::Child(c)) => Some(c.id()),
            _ => None,
        }
    }

    /// Stops the server (SIGTERM for the child: it finishes requests in flight).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        match self.running.take() {
            Some(Running::Child(mut c)) => {
                let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    if let Ok(Some(_)) = c.try_wait() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                let _ = c.kill();
                let _ = c.wait();
            }
            Some(Running::InProcess(bg)) => {
                let _ = bg.stop();
            }
            None => {}
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A `/proc/<pid>/status` field in kB (`VmHWM`, `VmRSS`).
pub fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// CPU time (user + system) a process has used so far, in seconds: `self` or a pid.
pub fn proc_cpu_s(pid: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields counted start after its ')'.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after ')'.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Clock ticks are 100 a second on every Linux the bench runs on (USER_HZ).
    Some(ticks as f64 / 100.0)
}

pub fn grant(role: Role, committee: Option<CommitteeId>) -> Grant {
    Grant { role, committee_id: committee, region: None, label: Some("bench".into()) }
}

pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into()
}

/// The agent of one simulated device in a load: its connection's buffers sized to a
/// sync's frames. ureq's default (128 kB each way, zeroed when the connection opens)
/// made 1,000 devices fault in 256 MB on the server's two cores, about a quarter of
/// the devices' CPU: a cost of the simulation that real devices do not put on the
/// server's machine.
pub fn device_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .input_buffer_size(16 * 1024)
        .output_buffer_size(16 * 1024)
        .build()
        .into()
}

/// A device enrolled over raw HTTP: its id and token.
#[derive(Debug, Clone)]
pub struct RawDevice {
    pub id: DeviceId,
    pub token: String,
}

/// Issues a code with the admin functions and redeems it over HTTP.
pub fn enroll_raw(agent: &ureq::Agent, server: &Server, grant: &Grant) -> anyhow::Result<RawDevice> {
    let code =
        admin::create_enrollment_code(server.location(), grant, chrono::Duration::hours(2), chrono::Utc::now())?.code;
    let id = DeviceId::new();
    let body = serde_json::json!({ "code": code, "device_id": id.to_string(), "label": "bench" });
    let mut resp = agent
        .post(format!("{}/v1/enroll", server.url()))
        .header("Content-Type", "application/json")
        .send(serde_json::to_vec(&body)?.as_slice())?;
    let text = resp.body_mut().read_to_string()?;
    if !resp.status().is_success() {
        bail!("enrollment refused: {text}");
    }
    let v: serde_json::Value = serde_json::from_str(&text)?;
    let token = v["token"].as_str().context("no token in the enrollment answer")?.to_string();
    Ok(RawDevice { id, token })
}

/// One `POST /v1/sync` of a frame: the answer's body.
fn post_sync(agent: &ureq::Agent, url: &str, token: &str, body: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut resp = agent
        .post(format!("{url}/v1/sync"))
        .header("Content-Type", "application/x-ccs-frame")
        .header("Authorization", &format!("Bearer {token}"))
        .send(body)?;
    let bytes = resp.body_mut().with_config().limit(64 * 1024 * 1024).read_to_vec()?;
    if !resp.status().is_success() {
        bail!("sync refused ({}): {}", resp.status(), String::from_utf8_lossy(&bytes));
    }
    Ok(bytes)
}

/// One `POST /v1/sync`: the response and the body sizes up and down.
pub fn sync_raw(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    request: &SyncRequest,
) -> anyhow::Result<(SyncResponse, usize, usize)> {
    let body = wire::encode(request);
    let bytes = post_sync(agent, url, token, &body)?;
    Ok((wire::decode(&bytes)?, body.len(), bytes.len()))
}

/// [`sync_raw`] in frame format 3: the answer with the documents' numbers the server
/// gave beside it.
pub fn sync_raw_numbered(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    request: &SyncRequest,
) -> anyhow::Result<(SyncResponse, wire::DocNumbers)> {
    let bytes = post_sync(agent, url, token, &wire::encode_sync_request(request, wire::FORMAT_V3, None))?;
    Ok(wire::decode_sync_response_numbered(&bytes, request)?)
}

/// A sync as the app makes it: frame format 3, each document the server already
/// numbered for this device named by its number (`numbers`, kept up to date from the
/// answer, as `Store::remember_numbers` does).
pub fn sync_as_app(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    request: &SyncRequest,
    numbers: &mut std::collections::HashMap<[u8; 16], u64>,
) -> anyhow::Result<SyncResponse> {
    let body = wire::encode_sync_request_numbered(request, wire::FORMAT_V3, None, numbers);
    let bytes = post_sync(agent, url, token, &body)?;
    let (resp, given) = wire::decode_sync_response_numbered(&bytes, request)?;
    let pushed = request.push.iter().map(|p| p.meta.id);
    for (id, n) in pushed.zip(&given.results).chain(resp.entries.iter().map(|e| e.meta.id).zip(&given.entries)) {
        if *n > 0 {
            numbers.insert(id, *n);
        }
    }
    Ok(resp)
}

/// Where a raw device stands in the server's log.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCursor {
    pub epoch: Option<[u8; 16]>,
    pub seq: u64,
}

/// Pushes documents in requests of at most 500 documents and 4 MB of changes (under
/// the server's limits), checking each was accepted. Returns the cursor after the
/// last request (the log's end: a device never receives its own pushes).
pub fn seed(
    agent: &ureq::Agent,
    url: &str,
    device: &RawDevice,
    cursor: RawCursor,
    pushes: impl IntoIterator<Item = DocPush>,
) -> anyhow::Result<RawCursor> {
    Ok(seed_numbered(agent, url, device, cursor, pushes)?.0)
}

/// A document's id and the number the server's log gave it.
pub type Numbered = ([u8; 16], u64);

/// [`seed`], with the numbers the server gave the documents (as a device that pushed
/// them keeps them).
pub fn seed_numbered(
    agent: &ureq::Agent,
    url: &str,
    device: &RawDevice,
    mut cursor: RawCursor,
    pushes: impl IntoIterator<Item = DocPush>,
) -> anyhow::Result<(RawCursor, Vec<Numbered>)> {
    let mut batch: Vec<DocPush> = Vec::new();
    let mut bytes = 0usize;
    let mut numbers = Vec::new();
    let mut send = |batch: &mut Vec<DocPush>, cursor: &mut RawCursor| -> anyhow::Result<()> {
        let request = SyncRequest { epoch: cursor.epoch, cursor: cursor.seq, push: std::mem::take(batch) };
        let (resp, given) = sync_raw_numbered(agent, url, &device.token, &request)?;
        if let Some(bad) = resp.results.iter().find(|r| r.rejected.is_some()) {
            bail!("seeding: a document was refused: {:?}", bad.rejected);
        }
        numbers.extend(resp.results.iter().map(|r| r.id).zip(given.results));
        *cursor = RawCursor { epoch: Some(resp.epoch), seq: resp.cursor };
        let mut more = resp.more;
        // Entries from others are waiting (a shared server): page through them.
        while more {
            let pull = SyncRequest { epoch: cursor.epoch, cursor: cursor.seq, push: Vec::new() };
            let (resp, _, _) = sync_raw(agent, url, &device.token, &pull)?;
            *cursor = RawCursor { epoch: Some(resp.epoch), seq: resp.cursor };
            more = resp.more;
        }
        Ok(())
    };
    for p in pushes {
        bytes += p.changes.len();
        batch.push(p);
        if batch.len() >= 500 || bytes >= 4 * 1024 * 1024 {
            send(&mut batch, &mut cursor)?;
            bytes = 0;
        }
    }
    if !batch.is_empty() || cursor.epoch.is_none() {
        send(&mut batch, &mut cursor)?;
    }
    Ok((cursor, numbers))
}

/// A private PostgreSQL cluster for the bench (`--postgres auto`), on a Unix socket in a
/// temporary folder, started by the test script's `scripts/postgres-test-cluster.sh` and
/// stopped when dropped.
pub struct PgCluster {
    pub conninfo: String,
    script: PathBuf,
    dir: Option<tempfile::TempDir>,
}

impl PgCluster {
    pub fn start(repo: &Path) -> anyhow::Result<PgCluster> {
        let script = repo.join("scripts/postgres-test-cluster.sh");
        let dir = tempfile::tempdir()?;
        let out = Command::new("bash").arg(&script).arg("start").arg(dir.path()).output()?;
        if !out.status.success() {
            bail!("starting PostgreSQL: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        let conninfo = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(PgCluster { conninfo, script, dir: Some(dir) })
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = Command::new("bash").arg(&self.script).arg("stop").arg(dir.path()).status();
        }
    }
}
