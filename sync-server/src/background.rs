//! A server running on a thread of its own, with its own tokio runtime, for callers that
//! are not async: the cross-component tests, and later the desktop app's local demo
//! server. Stopping it (or dropping the handle) shuts it down gracefully and waits.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use crate::{serve, Config, ServerError};

/// A server serving on `addr` until stopped.
pub struct Background {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServerError>>>,
}

impl Background {
    /// Binds `addr` (port 0 picks a free one) and serves `config` there. Returns once the
    /// listener is bound, so the server accepts connections as soon as this returns.
    pub fn spawn(config: Config, addr: SocketAddr) -> Result<Background, ServerError> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound_tx, bound_rx) = std::sync::mpsc::channel::<Result<SocketAddr, ServerError>>();
        let thread = std::thread::spawn(move || -> Result<(), ServerError> {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(addr).await.and_then(|l| Ok((l.local_addr()?, l))) {
                    Ok((bound, listener)) => {
                        let _ = bound_tx.send(Ok(bound));
                        listener
                    }
                    Err(e) => {
                        let _ = bound_tx.send(Err(e.into()));
                        return Ok(());
                    }
                };
                serve(listener, config, async move {
                    let _ = stopped.await;
                })
                .await
            })
        });
        let addr = match bound_rx.recv() {
            Ok(Ok(addr)) => addr,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(match thread.join() {
                    Ok(Err(e)) => e,
                    _ => ServerError::Io(std::io::Error::other("server thread ended before binding")),
                })
            }
        };
        Ok(Background { addr, stop: Some(stop), thread: Some(thread) })
    }

    /// Stops the server and waits for requests in flight; returns how serving ended.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ServerError::Io(std::io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
