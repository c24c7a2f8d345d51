//! The baseline: per-document Automerge sync (`automerge::sync::SyncDoc`), the protocol
//! automerge-repo and samod run for every document they share with a peer.
//!
//! A tiny HTTP endpoint in this process holds the server's copy of every document in
//! memory and a sync state per (peer, document). A peer's sync is a session, as a
//! reconnection is for automerge-repo: both sides start from the sync states persisted
//! at the end of the previous session (Automerge persists only the shared heads), and
//! exchange rounds until neither side has anything to say.
//!
//! How it is counted, as generously to the baseline as the protocol allows:
//! - one round = one HTTP exchange carrying every document's message of that round in
//!   one body (automerge-repo sends them over one WebSocket, not one request each);
//! - bytes = request and response bodies: each message with its 16-byte document id and
//!   a length varint, nothing else (automerge-repo adds CBOR envelopes with peer and
//!   document ids as text, so real traffic is larger);
//! - bodies are not compressed (automerge-repo does not compress its messages); the
//!   deflated size of the same bodies is reported beside, for comparison;
//! - the peer knows every document id up front (automerge-repo would need them from
//!   somewhere: a directory document, links).

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::Context;
use automerge::sync::{Message, State, SyncDoc};
use automerge::AutoCommit;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

type DocId = [u8; 16];

#[derive(Debug, Serialize, Deserialize)]
struct Batch {
    /// The first request of a session: the server starts from persisted sync states.
    new_session: bool,
    messages: Vec<(DocId, Vec<u8>)>,
}

#[derive(Default)]
struct Side {
    docs: HashMap<DocId, AutoCommit>,
    /// Sync states persisted between sessions, per (peer, document).
    persisted: HashMap<(String, DocId), Vec<u8>>,
    live: HashMap<(String, DocId), State>,
}

type Shared = Arc<Mutex<Side>>;

/// The baseline server on 127.0.0.1, on a thread with its own runtime.
pub struct PerDocServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl PerDocServer {
    pub fn start(docs: HashMap<DocId, AutoCommit>) -> anyhow::Result<PerDocServer> {
        let shared: Shared = Arc::new(Mutex::new(Side { docs, ..Default::default() }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound_tx, bound_rx) = std::sync::mpsc::channel::<anyhow::Result<SocketAddr>>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = bound_tx.send(Err(e.into()));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = bound_tx.send(Err(e.into()));
                        return;
                    }
                };
                let _ = bound_tx.send(listener.local_addr().map_err(Into::into));
                let app = Router::new()
                    .route("/sync/{peer}", post(handle))
                    .layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024))
                    .with_state(shared);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        let addr = bound_rx.recv().context("baseline server thread ended")??;
        Ok(PerDocServer { addr, stop: Some(stop), thread: Some(thread) })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for PerDocServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn handle(AxumState(shared): AxumState<Shared>, Path(peer): Path<String>, body: Bytes) -> Vec<u8> {
    let Ok(batch) = postcard::from_bytes::<Batch>(&body) else { return Vec::new() };
    let mut guard = shared.lock().unwrap_or_else(|p| p.into_inner());
    let side = &mut *guard;
    if batch.new_session {
        let keys: Vec<(String, DocId)> = side.live.keys().filter(|(p, _)| *p == peer).cloned().collect();
        for k in keys {
            if let Some(state) = side.live.remove(&k) {
                side.persisted.insert(k, state.encode());
            }
        }
    }
    let mut replies: Vec<(DocId, Vec<u8>)> = Vec::new();
    for (id, bytes) in batch.messages {
        let key = (peer.clone(), id);
        let state = side
            .live
            .entry(key.clone())
            .or_insert_with(|| side.persisted.get(&key).and_then(|b| State::decode(b).ok()).unwrap_or_default());
        let doc = side.docs.entry(id).or_default();
        let Ok(message) = Message::decode(&bytes) else { continue };
        if doc.sync().receive_sync_message(state, message).is_err() {
            continue;
        }
        if let Some(reply) = doc.sync().generate_sync_message(state) {
            replies.push((id, reply.encode()));
        }
    }
    postcard::to_stdvec(&replies).unwrap_or_default()
}

/// What one per-document sync session cost.
#[derive(Debug, Clone, Default)]
pub struct PerDocReport {
    pub round_trips: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub deflated_up: usize,
    pub deflated_down: usize,
    pub messages_up: usize,
    pub messages_down: usize,
    pub elapsed_ms: f64,
}

impl PerDocReport {
    pub fn bytes(&self) -> usize {
        self.bytes_up + self.bytes_down
    }
}

pub fn deflated_len(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = enc.write_all(bytes);
    enc.finish().map(|v| v.len()).unwrap_or(bytes.len())
}

/// A device of the baseline: its documents and its persisted sync states.
pub struct PerDocPeer {
    pub name: String,
    pub docs: HashMap<DocId, AutoCommit>,
    persisted: HashMap<DocId, Vec<u8>>,
}

impl PerDocPeer {
    pub fn new(name: &str, docs: HashMap<DocId, AutoCommit>) -> PerDocPeer {
        PerDocPeer { name: name.into(), docs, persisted: HashMap::new() }
    }

    /// Applies changes made elsewhere (the same edits the CCS devices made).
    pub fn apply(&mut self, id: DocId, changes: &[u8]) -> anyhow::Result<()> {
        self.docs.entry(id).or_default().load_incremental(changes)?;
        Ok(())
    }

    /// One session: rounds until neither side has anything to send.
    pub fn sync(&mut self, agent: &ureq::Agent, server: &PerDocServer) -> anyhow::Result<PerDocReport> {
        let started = Instant::now();
        let mut report = PerDocReport::default();
        let mut states: HashMap<DocId, State> = HashMap::with_capacity(self.docs.len());
        for id in self.docs.keys() {
            let s = self.persisted.get(id).and_then(|b| State::decode(b).ok()).unwrap_or_default();
            states.insert(*id, s);
        }
        let mut ids: Vec<DocId> = self.docs.keys().copied().collect();
        ids.sort_unstable();
        let url = format!("{}/sync/{}", server.url(), self.name);
        let mut first = true;
        for _ in 0..50 {
            let mut messages = Vec::new();
            for id in &ids {
                let (Some(doc), Some(state)) = (self.docs.get_mut(id), states.get_mut(id)) else { continue };
                if let Some(m) = doc.sync().generate_sync_message(state) {
                    messages.push((*id, m.encode()));
                }
            }
            if messages.is_empty() && !first {
                break;
            }
            report.messages_up += messages.len();
            let body = postcard::to_stdvec(&Batch { new_session: first, messages })?;
            first = false;
            report.round_trips += 1;
            report.bytes_up += body.len();
            report.deflated_up += deflated_len(&body);
            let mut resp = agent.post(&url).header("Content-Type", "application/octet-stream").send(&body[..])?;
            let bytes = resp.body_mut().with_config().limit(512 * 1024 * 1024).read_to_vec()?;
            report.bytes_down += bytes.len();
            report.deflated_down += deflated_len(&bytes);
            let replies: Vec<(DocId, Vec<u8>)> = postcard::from_bytes(&bytes)?;
            report.messages_down += replies.len();
            for (id, m) in replies {
                let (Some(doc), Some(state)) = (self.docs.get_mut(&id), states.get_mut(&id)) else { continue };
                doc.sync().receive_sync_message(state, Message::decode(&m)?)?;
            }
        }
        for (id, s) in states {
            self.persisted.insert(id, s.encode());
        }
        report.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(report)
    }
}
