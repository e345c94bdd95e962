//! The accept loop. `axum::serve` sets no header-read or idle timeout and no cap on open
//! connections, so a slow or idle client holds a socket (and a file descriptor) forever; here
//! each connection is served by hyper's HTTP/1 builder with a timer, and:
//!
//! - at most `max_connections` are open at once (WebSockets included: the slot travels with
//!   the socket), and never more than the open-files limit leaves room for; beyond it the loop stops accepting, so new clients wait in the kernel's
//!   listen backlog instead of taking descriptors, and are accepted as slots free up;
//! - a client has `header_timeout` to send a request's headers, counted from the connection's
//!   opening or the end of the previous answer (so it also bounds an idle keep-alive);
//! - a connection with nothing read or written for `idle_timeout` is closed (gracefully: a
//!   request being answered is finished first, within one more `idle_timeout`);
//! - on shutdown the loop stops accepting and every connection finishes the request it is
//!   serving, then closes.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::HttpConfig;

/// Serves `app` on `listener` within `config`'s connection limits until `shutdown` resolves,
/// then finishes the requests in flight and returns.
pub async fn serve_until(
    listener: TcpListener,
    app: Router,
    config: &HttpConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(connection_cap(
        config.max_connections,
        open_files_limit(),
    )));
    let stop = CancellationToken::new();
    // Every connection task holds a sender; when all are dropped, all have finished.
    let (running, mut finished) = mpsc::channel::<()>(1);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    let idle = config.idle_timeout;
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
        };
        let tcp = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of descriptors, or a connection reset while queued: wait a moment
                    // rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let io = Watched::new(tcp, slot);
        tokio::spawn(connection(
            http.clone(),
            io,
            app.clone(),
            idle,
            stop.clone(),
            running.clone(),
        ));
    }
    drop(listener);
    stop.cancel();
    drop(running);
    let _ = finished.recv().await;
    Ok(())
}

/// Descriptors kept for everything but client connections: the listener, the journal, logs,
/// the seed files, a connection being refused.
const RESERVED_FDS: usize = 64;

/// The connection cap, kept under the process's limit on open files so that a full server
/// still has descriptors to work with (and to accept with once a slot frees).
fn connection_cap(configured: usize, open_files: Option<usize>) -> usize {
    match open_files {
        Some(n) if n < configured.saturating_add(RESERVED_FDS) => {
            let cap = n.saturating_sub(RESERVED_FDS).max(1);
            tracing::warn!(
                configured,
                open_files = n,
                cap,
                "the open-files limit (ulimit -n) is below --max-connections; capping connections"
            );
            cap
        }
        _ => configured,
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux; elsewhere unknown).
fn open_files_limit() -> Option<usize> {
    parse_open_files(&std::fs::read_to_string("/proc/self/limits").ok()?)
}

fn parse_open_files(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves one connection until it closes, the idle timeout passes or the server stops.
async fn connection(
    http: http1::Builder,
    io: Watched,
    app: Router,
    idle: Duration,
    stop: CancellationToken,
    _running: mpsc::Sender<()>,
) {
    let activity = io.activity.clone();
    let conn = http
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app))
        .with_upgrades();
    tokio::pin!(conn);
    let mut tick = tokio::time::interval((idle / 4).max(Duration::from_millis(50)));
    let mut closing_since: Option<Instant> = None;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            _ = stop.cancelled(), if closing_since.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing_since = Some(Instant::now());
            }
            _ = tick.tick() => match closing_since {
                None if activity.idle_for() >= idle => {
                    conn.as_mut().graceful_shutdown();
                    closing_since = Some(Instant::now());
                }
                // A client that does not read its answer cannot hold the connection either.
                Some(since) if since.elapsed() >= idle && activity.idle_for() >= idle => break,
                _ => {}
            },
        }
    }
}

/// When a connection last read or wrote anything.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        self.last_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.start.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// A TCP stream that notes its activity and holds its connection slot until it is dropped
/// (after an upgrade, that is when the WebSocket closes).
struct Watched {
    tcp: TcpStream,
    activity: Arc<Activity>,
    _slot: OwnedSemaphorePermit,
}

impl Watched {
    fn new(tcp: TcpStream, slot: OwnedSemaphorePermit) -> Self {
        Watched {
            tcp,
            activity: Arc::new(Activity {
                start: Instant::now(),
                last_ms: AtomicU64::new(0),
            }),
            _slot: slot,
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_stays_under_the_open_files_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 1048576              files\n";
        assert_eq!(parse_open_files(limits), Some(1024));
        assert_eq!(
            parse_open_files("Max open files unlimited unlimited files"),
            None
        );
        assert_eq!(connection_cap(10_000, Some(1024)), 1024 - RESERVED_FDS);
        assert_eq!(connection_cap(10_000, Some(1_048_576)), 10_000);
        assert_eq!(connection_cap(10_000, None), 10_000);
        assert_eq!(connection_cap(10, Some(20)), 1);
    }
}
