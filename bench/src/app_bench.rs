//! Part 4: the desktop app (release build) under Xvfb.
//!
//! - size of `target/release/ccs-app`;
//! - time to first screen: the app started on a fresh data folder (its first-start
//!   screen), with the X root window captured in a loop (`import -window root`) until
//!   the picture holds more than a handful of colours (text drawn, not a blank or
//!   plain window); the figure is the end of the first such capture, so it is an upper
//!   bound within one capture's duration;
//! - memory after start: resident memory of the app and of the WebKit processes it
//!   started (its process tree), a few seconds after the first screen;
//! - memory after opening 10,000 records: the app on a store of that size, driven
//!   through `tauri-driver` (WebDriver): unlock with the passphrase, then the list of
//!   sessions; resident memory of the tree once the list shows.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::server::proc_status_kb;

#[derive(Debug, Clone, Default)]
pub struct AppFigures {
    pub binary_mb: Option<f64>,
    pub first_screen_ms: Option<f64>,
    pub capture_ms: Option<f64>,
    pub rss_start_app_mb: Option<f64>,
    pub rss_start_total_mb: Option<f64>,
    pub records: usize,
    pub unlock_to_list_ms: Option<f64>,
    pub rss_records_app_mb: Option<f64>,
    pub rss_records_total_mb: Option<f64>,
    pub notes: Vec<String>,
}

pub fn app_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join("ccs-app"))
}

fn in_path(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// An Xvfb server of our own, stopped on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> anyhow::Result<Xvfb> {
        let bin = in_path("Xvfb").context("Xvfb is not installed")?;
        let mut child = Command::new(bin)
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let out = child.stdout.take().context("Xvfb stdout")?;
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line)?;
        let n: u32 = line.trim().parse().with_context(|| format!("Xvfb said {line:?}"))?;
        Ok(Xvfb { child, display: format!(":{n}") })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

fn terminate(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Distinct colours of the root window (counted up to 1,000), or None if the capture
/// failed. The capture is raw RGB, so no image encoding slows the loop.
fn root_colours(display: &str, file: &Path) -> Option<usize> {
    let ok = Command::new("import")
        .args(["-display", display, "-window", "root", "-depth", "8"])
        .arg(format!("rgb:{}", file.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let raw = std::fs::read(file).ok()?;
    let mut seen = std::collections::HashSet::new();
    for px in raw.chunks_exact(3) {
        seen.insert((px[0], px[1], px[2]));
        if seen.len() >= 1000 {
            break;
        }
    }
    Some(seen.len())
}

/// Parent of every process, from `/proc/*/stat`.
fn parents() -> HashMap<u32, u32> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
            out.insert(pid, ppid);
        }
    }
    out
}

/// Resident memory of `pid` and of the whole tree under it, in MB.
fn tree_rss_mb(pid: u32) -> (f64, f64) {
    let parents = parents();
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    let rss = |p: u32| proc_status_kb(p, "VmRSS").unwrap_or(0) as f64 / 1024.0;
    (rss(pid), tree.iter().map(|p| rss(*p)).sum())
}

/// Processes running `exe`.
fn pids_of(exe: &Path) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe) {
            out.push(pid);
        }
    }
    out
}

fn first_screen(app: &Path, display: &str, figures: &mut AppFigures) -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let shot = data.path().join("root.rgb");
    let blank = root_colours(display, &shot).context("cannot capture the X screen with `import`")?;
    let started = Instant::now();
    let mut child = Command::new(app)
        .env("DISPLAY", display)
        .env("CCS_APP_DATA_DIR", data.path().join("app"))
        .env_remove("CCS_SERVER_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let result = (|| -> anyhow::Result<()> {
        let mut captures = Vec::new();
        loop {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("no screen within 60 s");
            }
            if let Ok(Some(status)) = child.try_wait() {
                bail!("the app exited at start ({status})");
            }
            let t = Instant::now();
            let colours = root_colours(display, &shot);
            captures.push(t.elapsed().as_secs_f64() * 1000.0);
            if colours.is_some_and(|c| c > blank.max(1) + 16) {
                figures.first_screen_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
                break;
            }
        }
        captures.sort_by(|a, b| a.total_cmp(b));
        figures.capture_ms = captures.get(captures.len() / 2).copied();
        std::thread::sleep(Duration::from_secs(3));
        let (app_mb, total_mb) = tree_rss_mb(child.id());
        figures.rss_start_app_mb = Some(app_mb);
        figures.rss_start_total_mb = Some(total_mb);
        Ok(())
    })();
    terminate(&mut child);
    result
}

/// A minimal WebDriver client (W3C JSON over HTTP).
struct WebDriver {
    agent: ureq::Agent,
    base: String,
    session: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl WebDriver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut resp = match (method, body) {
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(serde_json::to_vec(&b)?.as_slice())?,
            ("DELETE", _) => self.agent.delete(&url).call()?,
            (_, _) => self.agent.get(&url).call()?,
        };
        let v: Value = serde_json::from_slice(&resp.body_mut().read_to_vec()?).unwrap_or(Value::Null);
        if !resp.status().is_success() {
            bail!("webdriver {path}: {}", v["value"]["message"].as_str().unwrap_or("error"));
        }
        Ok(v["value"].clone())
    }

    fn find(&self, css: &str) -> Option<String> {
        let v = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css}))).ok()?;
        v[ELEMENT].as_str().map(str::to_string)
    }

    fn wait(&self, css: &str, timeout: Duration) -> anyhow::Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.find(css) {
                return Ok(e);
            }
            if Instant::now() > deadline {
                let script = "return [...document.querySelectorAll('[data-testid]')].map(e => e.dataset.testid) \
                              .join(' ') + ' | ' + (document.body ? document.body.innerText.slice(0, 400) : '')";
                let shown = self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})));
                bail!("`{css}` did not show within {timeout:?}; test ids shown: {shown:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn records_memory(
    app: &Path,
    display: &str,
    store: &Path,
    records: usize,
    figures: &mut AppFigures,
) -> anyhow::Result<()> {
    let driver = in_path("tauri-driver").context("tauri-driver is not installed")?;
    let native = PathBuf::from("/usr/bin/WebKitWebDriver");
    if !native.is_file() {
        bail!("WebKitWebDriver is not installed");
    }
    let data = tempfile::tempdir()?;
    // The app's store file and its key file, as the app names them.
    let db = data.path().join(ccs_core::app::STORE_FILE);
    std::fs::copy(store, &db)?;
    let mut kdf = store.as_os_str().to_owned();
    kdf.push(".kdf");
    let mut kdf_to = db.as_os_str().to_owned();
    kdf_to.push(".kdf");
    std::fs::copy(&kdf, &kdf_to)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let native_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = Command::new(driver)
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string(), "--native-driver"])
        .arg(&native)
        .env("DISPLAY", display)
        .env("CCS_APP_DATA_DIR", data.path())
        .env_remove("CCS_SERVER_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let result = (|| -> anyhow::Result<()> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not answer");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}});
        let mut resp = agent
            .post(format!("{base}/session"))
            .header("Content-Type", "application/json")
            .send(serde_json::to_vec(&caps)?.as_slice())?;
        let v: Value = serde_json::from_slice(&resp.body_mut().read_to_vec()?)?;
        let session = v["value"]["sessionId"].as_str().context("no WebDriver session")?.to_string();
        let wd = WebDriver { agent, base, session };
        let inner = (|| -> anyhow::Result<()> {
            let field = wd.wait("[data-testid=\"unlock-passphrase\"]", Duration::from_secs(60))?;
            wd.call("POST", &format!("/element/{field}/value"), Some(json!({"text": crate::sync_bench::PASS})))?;
            let submit = wd.wait("[data-testid=\"unlock-submit\"]", Duration::from_secs(10))?;
            let t = Instant::now();
            wd.call("POST", &format!("/element/{submit}/click"), Some(json!({})))?;
            wd.wait("[data-testid=\"nav-home\"]", Duration::from_secs(60))?;
            wd.call(
                "POST",
                "/execute/sync",
                Some(json!({"script": "window.location.hash = '#/records/session'; return true;", "args": []})),
            )?;
            wd.wait("[data-testid=\"record-row\"]", Duration::from_secs(60))?;
            figures.unlock_to_list_ms = Some(t.elapsed().as_secs_f64() * 1000.0);
            std::thread::sleep(Duration::from_secs(2));
            let pid = pids_of(app).into_iter().max().context("the app's process was not found")?;
            let (app_mb, total_mb) = tree_rss_mb(pid);
            figures.rss_records_app_mb = Some(app_mb);
            figures.rss_records_total_mb = Some(total_mb);
            figures.records = records;
            Ok(())
        })();
        let _ = wd.call("DELETE", "", None);
        inner
    })();
    terminate(&mut child);
    result
}

/// Runs what can run; every part that cannot says why in `notes`.
pub fn run(store_for_app: Option<(&Path, usize)>) -> AppFigures {
    let mut f = AppFigures::default();
    let Some(app) = app_binary().filter(|p| p.is_file()).and_then(|p| p.canonicalize().ok()) else {
        f.notes.push("skipped: target/release/ccs-app is missing (cargo build --release -p ccs-app)".into());
        return f;
    };
    f.binary_mb = std::fs::metadata(&app).ok().map(|m| m.len() as f64 / 1e6);
    let xvfb = match Xvfb::start() {
        Ok(x) => x,
        Err(e) => {
            f.notes.push(format!("skipped (screen and memory): {e}"));
            return f;
        }
    };
    if let Err(e) = first_screen(&app, &xvfb.display, &mut f) {
        f.notes.push(format!("first screen not measured: {e:#}"));
    }
    match store_for_app {
        Some((store, n)) => {
            if let Err(e) = records_memory(&app, &xvfb.display, store, n, &mut f) {
                f.notes.push(format!("memory with records not measured: {e:#}"));
            }
        }
        None => f.notes.push("memory with records not measured: no store (part 3 skipped)".into()),
    }
    f
}

/// One build of the app (a cargo profile) measured beside the others.
#[derive(Debug, Clone, Default)]
pub struct BuildFigures {
    /// The cargo profile: `release` (scripts/run.sh) or `release-app` (the installers).
    pub profile: String,
    pub binary_mb: Option<f64>,
    /// The report helper beside it (`ccs-report-pdf`: Typst, run only to make a PDF).
    pub helper_mb: Option<f64>,
    /// Start to first screen, one figure per start, in the order measured.
    pub first_screen_ms: Vec<f64>,
    /// Memory of the app's process tree after each start.
    pub rss_start_total_mb: Vec<f64>,
    pub notes: Vec<String>,
}

impl BuildFigures {
    pub fn first_screen_median(&self) -> Option<f64> {
        median(&self.first_screen_ms)
    }
    pub fn rss_median(&self) -> Option<f64> {
        median(&self.rss_start_total_mb)
    }
}

pub fn median(v: &[f64]) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The app's builds found in the target folder beside the bench's own
/// (`target/<profile>/ccs-app`), for the profiles that ship it.
pub fn app_builds() -> Vec<(String, PathBuf)> {
    let Some(target) = std::env::current_exe().ok().and_then(|e| Some(e.parent()?.parent()?.to_path_buf())) else {
        return Vec::new();
    };
    ["release", "release-app"]
        .into_iter()
        .map(|p| (p.to_string(), target.join(p).join("ccs-app")))
        .filter(|(_, path)| path.is_file())
        .collect()
}

/// Size and start of each build side by side, in one run under one Xvfb: the starts
/// alternate between the builds (`rounds` each) so that a busy moment of the machine
/// falls on both rather than on one.
pub fn compare(builds: &[(String, PathBuf)], rounds: usize) -> Vec<BuildFigures> {
    let mut out: Vec<BuildFigures> = builds
        .iter()
        .map(|(profile, path)| BuildFigures {
            profile: profile.clone(),
            binary_mb: std::fs::metadata(path).ok().map(|m| m.len() as f64 / 1e6),
            helper_mb: std::fs::metadata(path.with_file_name("ccs-report-pdf")).ok().map(|m| m.len() as f64 / 1e6),
            ..Default::default()
        })
        .collect();
    let xvfb = match Xvfb::start() {
        Ok(x) => x,
        Err(e) => {
            for b in &mut out {
                b.notes.push(format!("start not measured: {e}"));
            }
            return out;
        }
    };
    for _ in 0..rounds {
        for (b, (_, path)) in out.iter_mut().zip(builds) {
            let Ok(path) = path.canonicalize() else { continue };
            let mut f = AppFigures::default();
            match first_screen(&path, &xvfb.display, &mut f) {
                Ok(()) => {
                    b.first_screen_ms.extend(f.first_screen_ms);
                    b.rss_start_total_mb.extend(f.rss_start_total_mb);
                }
                Err(e) => b.notes.push(format!("a start failed: {e:#}")),
            }
        }
    }
    out
}
