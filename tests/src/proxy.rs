//! A loopback TCP proxy for tests: forwards connections to a server, counts the bytes in
//! both directions, and can cut a response after a given number of bytes, to play a
//! field link that drops in the middle of an answer, or hold what clients send for a
//! while before it reaches the server, to play a link that takes minutes to answer.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Shared counters and the cut setting.
#[derive(Debug, Default)]
pub struct Wire {
    /// Bytes sent by clients (requests, headers included).
    pub up: AtomicUsize,
    /// Bytes sent back by the server (responses, headers included).
    pub down: AtomicUsize,
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// Cut each response after this many bytes (`usize::MAX`: never).
    pub cut_after: AtomicUsize,
    /// Hold each new connection this many milliseconds before forwarding it (0: none).
    pub stall_ms: AtomicUsize,
    stop: AtomicBool,
}

impl Wire {
    pub fn reset_counts(&self) {
        self.up.store(0, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
        self.connections.store(0, Ordering::SeqCst);
    }

    pub fn total(&self) -> usize {
        self.up.load(Ordering::SeqCst) + self.down.load(Ordering::SeqCst)
    }
}

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    pub addr: SocketAddr,
    pub wire: Arc<Wire>,
}

impl Proxy {
    /// Starts a proxy on 127.0.0.1:0 in front of `upstream`.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let wire = Arc::new(Wire { cut_after: AtomicUsize::new(usize::MAX), ..Default::default() });
        let w = wire.clone();
        listener.set_nonblocking(true)?;
        thread::spawn(move || loop {
            if w.stop.load(Ordering::SeqCst) {
                break;
            }
            match listener.accept() {
                Ok((client, _)) => {
                    let _ = client.set_nonblocking(false);
                    w.connections.fetch_add(1, Ordering::SeqCst);
                    let w = w.clone();
                    thread::spawn(move || relay(client, upstream, w));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(2)),
                Err(_) => break,
            }
        });
        Ok(Proxy { addr, wire })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn cut_after(&self, bytes: usize) {
        self.wire.cut_after.store(bytes, Ordering::SeqCst);
    }

    /// From now on, what a client sends waits `ms` milliseconds before it reaches the
    /// server (0: forwarded at once).
    pub fn stall(&self, ms: usize) {
        self.wire.stall_ms.store(ms, Ordering::SeqCst);
    }

    pub fn never_cut(&self) {
        self.cut_after(usize::MAX);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.wire.stop.store(true, Ordering::SeqCst);
    }
}

fn stall(wire: &Wire) {
    let ms = wire.stall_ms.load(Ordering::SeqCst) as u64;
    let until = std::time::Instant::now() + Duration::from_millis(ms);
    while std::time::Instant::now() < until && !wire.stop.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(20));
    }
}

fn relay(client: TcpStream, upstream: SocketAddr, wire: Arc<Wire>) {
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(mut c_read), Ok(mut s_write)) = (client.try_clone(), server.try_clone()) else { return };
    let w_up = wire.clone();
    let up = thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = c_read.read(&mut buf) {
            // A slow link: what the client sends waits before it goes on (kept-alive
            // connections included, so a pooled HTTP client cannot slip past).
            stall(&w_up);
            if n == 0 || s_write.write_all(&buf[..n]).is_err() {
                break;
            }
            w_up.up.fetch_add(n, Ordering::SeqCst);
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let mut s_read = server;
    let mut c_write = client;
    let limit = wire.cut_after.load(Ordering::SeqCst);
    let mut sent = 0usize;
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = s_read.read(&mut buf) {
        if n == 0 {
            break;
        }
        let allowed = n.min(limit.saturating_sub(sent));
        if allowed > 0 && c_write.write_all(&buf[..allowed]).is_err() {
            break;
        }
        sent += allowed;
        wire.down.fetch_add(allowed, Ordering::SeqCst);
        if allowed < n {
            // The link drops here: both directions die.
            break;
        }
    }
    let _ = c_write.shutdown(Shutdown::Both);
    let _ = s_read.shutdown(Shutdown::Both);
    let _ = up.join();
}
