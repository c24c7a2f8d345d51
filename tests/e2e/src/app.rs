//! One WebDriver session on the desktop app: the app starts when the session opens and
//! closes when it ends. Every wait and action names its target by `data-testid` (or a
//! CSS selector for `data-field` inputs and rows) and polls until a deadline.
//!
//! A failure panics with what the screen showed: the visible test ids, the window's text
//! and the path of a screenshot under `target/e2e-failures/`. A panic anywhere else in a
//! test (a plain `assert!`) still leaves an X screenshot behind: [`App`]'s `Drop` takes
//! one and ends the session so the app does not outlive the test.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::driver::Driver;
use crate::{screen, target_dir, test_name, timeout, workspace_binary};

/// `[data-testid="…"]`.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// `[data-field="…"]`: the input of a record form's field.
pub fn field(path: &str) -> String {
    format!("[data-field=\"{path}\"]")
}

/// A running app under WebDriver.
pub struct App {
    client: Option<Client>,
    session_url: String,
    log: PathBuf,
    timeout: Duration,
    failures: Cell<u32>,
}

const SET_VALUE_JS: &str = r#"
const el = document.querySelector(arguments[0]);
if (!el) return false;
const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype
  : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, arguments[1]);
el.dispatchEvent(new Event('input', { bubbles: true }));
el.dispatchEvent(new Event('change', { bubbles: true }));
return true;
"#;

const VISIBLE_IDS_JS: &str = r#"
return [...document.querySelectorAll('[data-testid]')]
  .filter(e => e.offsetParent !== null || e.getClientRects().length > 0)
  .map(e => e.dataset.testid + (e.dataset.id ? '[' + e.dataset.id + ']' : ''));
"#;

impl App {
    /// Opens a session: tauri-driver starts the app (the debug build next to the test).
    pub async fn launch(driver: &Driver) -> App {
        let app = workspace_binary("ccs-app");
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": app }));
        let mut last = None;
        // WebKitWebDriver occasionally refuses the very first session while it settles.
        for _ in 0..3 {
            match ClientBuilder::new(HttpConnector::new()).capabilities(caps.clone()).connect(&driver.url()).await {
                Ok(client) => {
                    let id = client.session_id().await.ok().flatten().unwrap_or_default();
                    let session_url = format!("{}/session/{id}", driver.url());
                    return App {
                        client: Some(client),
                        session_url,
                        log: driver.log.clone(),
                        timeout: timeout(),
                        failures: Cell::new(0),
                    };
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        panic!("no WebDriver session on the app ({}): {last:?}; log: {}", app.display(), driver.log.display());
    }

    /// Ends the session, which closes the app (as a person closing the window would,
    /// from the app's point of view: no chance to save anything more).
    pub async fn quit(mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.close().await;
        }
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// How long waits last (the default is [`crate::timeout`]).
    pub fn set_timeout(&mut self, t: Duration) {
        self.timeout = t;
    }

    // ------------------------------------------------------------------ finding

    /// The first displayed element matching `css`, if any.
    pub async fn visible(&self, css: &str) -> Option<Element> {
        let all = self.client().find_all(Locator::Css(css)).await.ok()?;
        for e in all {
            if e.is_displayed().await.unwrap_or(false) {
                return Some(e);
            }
        }
        None
    }

    /// Every displayed element matching `css`.
    pub async fn all_visible(&self, css: &str) -> Vec<Element> {
        let mut out = Vec::new();
        for e in self.client().find_all(Locator::Css(css)).await.unwrap_or_default() {
            if e.is_displayed().await.unwrap_or(false) {
                out.push(e);
            }
        }
        out
    }

    /// Waits until an element matching `css` is displayed.
    pub async fn wait_css(&self, css: &str) -> Element {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(e) = self.visible(css).await {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {:?} for `{css}` to be displayed", self.timeout)).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element with this test id is displayed.
    pub async fn wait(&self, id: &str) -> Element {
        self.wait_css(&tid(id)).await
    }

    /// Waits until one of these test ids is displayed; returns which.
    pub async fn wait_any(&self, ids: &[&str]) -> String {
        let deadline = Instant::now() + self.timeout;
        loop {
            for id in ids {
                if self.visible(&tid(id)).await.is_some() {
                    return (*id).to_string();
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {:?} for one of {ids:?} to be displayed", self.timeout)).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing matching `css` is displayed.
    pub async fn wait_gone_css(&self, css: &str) {
        let deadline = Instant::now() + self.timeout;
        while self.visible(css).await.is_some() {
            if Instant::now() > deadline {
                self.fail(&format!("waited {:?} for `{css}` to disappear", self.timeout)).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_gone(&self, id: &str) {
        self.wait_gone_css(&tid(id)).await
    }

    /// Waits until an element matching `css` is displayed and its text contains `needle`
    /// (case-sensitive); returns the text.
    pub async fn wait_text_css(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + self.timeout;
        let mut seen = String::new();
        loop {
            for e in self.all_visible(css).await {
                seen = e.text().await.unwrap_or_default();
                // French text on screen has non-breaking spaces before « : » and the
                // like; the tests write ordinary ones.
                if seen.replace('\u{a0}', " ").contains(&needle.replace('\u{a0}', " ")) {
                    return seen;
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {:?} for `{css}` to show {needle:?}; it showed {seen:?}", self.timeout))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn wait_text(&self, id: &str, needle: &str) -> String {
        self.wait_text_css(&tid(id), needle).await
    }

    /// The text of the displayed element with this test id (waits for it).
    pub async fn text(&self, id: &str) -> String {
        self.wait(id).await.text().await.unwrap_or_default()
    }

    /// The current value of an input, select or text area.
    pub async fn value_css(&self, css: &str) -> String {
        let e = self.wait_css(css).await;
        e.prop("value").await.ok().flatten().unwrap_or_default()
    }

    // ------------------------------------------------------------------ acting

    /// Clicks the element matching `css`, retrying while it is covered or not yet
    /// interactable (transitions, an overlay closing).
    pub async fn click_css(&self, css: &str) {
        let deadline = Instant::now() + self.timeout;
        loop {
            let e = self.wait_css(css).await;
            let enabled = e.is_enabled().await.unwrap_or(false);
            let err = if enabled {
                match e.click().await {
                    Ok(()) => return,
                    Err(err) => {
                        // WebKit's driver refuses a click on a button below the fold of a
                        // long form (the sticky save state covers where it scrolls it to):
                        // bring it to the middle of the window, as a person scrolls, and
                        // try again.
                        if let Ok(arg) = serde_json::to_value(&e) {
                            let _ = self
                                .client()
                                .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
                                .await;
                        }
                        format!("{err}")
                    }
                }
            } else {
                "disabled".to_string()
            };
            if Instant::now() > deadline {
                self.fail(&format!("could not click `{css}` within {:?}: {err}", self.timeout)).await;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn click(&self, id: &str) {
        self.click_css(&tid(id)).await
    }

    /// Replaces the text of the input matching `css` by typing `text`, as a person
    /// would (key events, so the UI's input handlers run). Falls back to setting the value
    /// for inputs WebKit does not type into (dates on some versions).
    pub async fn fill_css(&self, css: &str, text: &str) {
        let e = self.wait_css(css).await;
        let _ = e.clear().await;
        if let Err(err) = e.send_keys(text).await {
            eprintln!("typing into `{css}` failed ({err}); setting its value instead");
        }
        let got = e.prop("value").await.ok().flatten().unwrap_or_default();
        if got != text {
            self.set_value_css(css, text).await;
        }
    }

    pub async fn fill(&self, id: &str, text: &str) {
        self.fill_css(&tid(id), text).await
    }

    /// Types into a record form's field (`data-field`).
    pub async fn fill_field(&self, path: &str, text: &str) {
        self.fill_css(&field(path), text).await
    }

    /// Sets the value of an input or select and sends `input` and `change`, as the
    /// browser does after a person picks a value.
    pub async fn set_value_css(&self, css: &str, value: &str) {
        self.wait_css(css).await;
        let done = self.client().execute(SET_VALUE_JS, vec![json!(css), json!(value)]).await;
        if !matches!(done, Ok(Value::Bool(true))) {
            self.fail(&format!("could not set `{css}` to {value:?}: {done:?}")).await;
        }
    }

    /// Picks an option of a select field by its value (a code).
    pub async fn select_field(&self, path: &str, code: &str) {
        self.set_value_css(&field(path), code).await
    }

    /// Resizes the window (the inner size follows on a window manager-less Xvfb).
    pub async fn set_size(&self, width: u32, height: u32) {
        if let Err(e) = self.client().set_window_rect(0, 0, width, height).await {
            if let Err(e2) = self.client().set_window_size(width, height).await {
                self.fail(&format!("could not resize the window to {width}×{height}: {e}; {e2}")).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    /// Runs a script in the window and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client().execute(script, args).await {
            Ok(v) => v,
            Err(e) => self.fail(&format!("script failed: {e}\n{script}")).await,
        }
    }

    // ------------------------------------------------------------------ failing

    /// The test ids displayed now (rows with their `data-id`).
    pub async fn visible_ids(&self) -> Vec<String> {
        match self.client().execute(VISIBLE_IDS_JS, vec![]).await {
            Ok(Value::Array(a)) => a.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => vec![],
        }
    }

    /// The window's visible text.
    pub async fn body_text(&self) -> String {
        match self.client().execute("return document.body ? document.body.innerText : ''", vec![]).await {
            Ok(Value::String(s)) => s,
            other => format!("(no text: {other:?})"),
        }
    }

    /// Saves a WebDriver screenshot of the window (PNG).
    pub async fn screenshot(&self, path: &Path) -> bool {
        match self.client().screenshot().await {
            Ok(png) => std::fs::write(path, png).is_ok(),
            Err(_) => false,
        }
    }

    /// Panics with what the screen shows, after saving a screenshot.
    pub async fn fail(&self, what: &str) -> ! {
        let n = self.failures.get() + 1;
        self.failures.set(n);
        let dir = target_dir().join("e2e-failures");
        let _ = std::fs::create_dir_all(&dir);
        let shot = dir.join(format!("{}-{n}.png", test_name()));
        let saved = self.screenshot(&shot).await || screen::capture(&shot, None).is_ok();
        let ids = self.visible_ids().await;
        let mut text = self.body_text().await;
        if text.chars().count() > 2000 {
            text = text.chars().take(2000).collect::<String>() + "…";
        }
        panic!(
            "{what}\n  visible test ids: {ids:?}\n  window text:\n{}\n  screenshot: {}\n  driver and app log: {}",
            indent(&text),
            if saved { shot.display().to_string() } else { "(none could be taken)".into() },
            self.log.display()
        );
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    | {l}")).collect::<Vec<_>>().join("\n")
}

impl Drop for App {
    fn drop(&mut self) {
        if self.client.is_none() {
            return;
        }
        if std::thread::panicking() {
            let dir = target_dir().join("e2e-failures");
            let _ = std::fs::create_dir_all(&dir);
            let shot = dir.join(format!("{}-panic.png", test_name()));
            if screen::capture(&shot, None).is_ok() {
                eprintln!("screen at the failure: {}", shot.display());
            }
        }
        // The async client cannot run here (its runtime may be gone): end the session
        // with a plain request so WebKitWebDriver closes the app.
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).build().into();
        let _ = agent.delete(&self.session_url).call();
    }
}
