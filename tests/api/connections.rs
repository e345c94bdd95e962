//! Connection limits (regressions: `axum::serve` had none, and 1,030 idle sockets locked every
//! client out): the cap on open connections, the header-read, body and idle timeouts, and load
//! shedding. Raw TCP, so the tests control every byte and its timing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use newsgraph::http::{AppState, HttpConfig, Metrics};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn spawn_with(config: HttpConfig) -> std::net::SocketAddr {
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Arc::new(store), None, config, Metrics::new());
    tokio::spawn(newsgraph::http::serve(listener, state));
    addr
}

/// Reads until the peer closes (or `limit` passes): what it sent, and whether it closed.
async fn read_until_closed(tcp: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut out = vec![];
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&out).into(), false),
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn regression_idle_sockets_beyond_the_connection_cap_do_not_lock_out_a_new_client() {
    let config = HttpConfig {
        max_connections: 4,
        header_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    };
    let addr = spawn_with(config).await;
    // Twice the cap of sockets that never send a byte.
    let mut idle = vec![];
    for _ in 0..8 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let resp = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("a new client is served once the idle sockets time out");
    assert_eq!(resp.status().as_u16(), 200);
    // The idle ones were closed by the server.
    for mut tcp in idle.into_iter().take(4) {
        let (_, closed) = read_until_closed(&mut tcp, Duration::from_secs(10)).await;
        assert!(closed);
    }
}

#[tokio::test]
async fn regression_a_client_sending_headers_slowly_is_cut_off() {
    let config = HttpConfig {
        header_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    };
    let addr = spawn_with(config).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One header line every 200 ms, never the blank line that ends them.
    let cut_off = loop {
        if tcp.write_all(b"X-Slow: 1\r\n").await.is_err() {
            break true;
        }
        let mut b = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(200), tcp.read(&mut b)).await {
            Ok(Ok(_)) | Ok(Err(_)) => break true,
            Err(_) => {}
        }
        if started.elapsed() > Duration::from_secs(15) {
            break false;
        }
    };
    assert!(cut_off, "the slow client was never cut off");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn regression_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let config = HttpConfig {
        idle_timeout: Duration::from_secs(1),
        header_timeout: Duration::from_secs(60),
        ..HttpConfig::default()
    };
    let addr = spawn_with(config).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (text, closed) = read_until_closed(&mut tcp, Duration::from_secs(15)).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(closed, "the idle connection stayed open");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn regression_a_body_sent_too_slowly_gets_408() {
    let config = HttpConfig {
        body_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    };
    let addr = spawn_with(config).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":",
    )
    .await
    .unwrap();
    let (text, _) = read_until_closed(&mut tcp, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("TIMEOUT"), "{text}");
}

#[tokio::test]
async fn load_beyond_the_concurrency_bound_is_shed_with_503_and_retry_after() {
    let config = HttpConfig {
        max_concurrent_requests: 2,
        body_timeout: Duration::from_secs(10),
        ..HttpConfig::default()
    };
    let addr = spawn_with(config).await;
    // Two requests in flight, each waiting for the rest of its body.
    let mut held = vec![];
    for _ in 0..2 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
        held.push(tcp);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("http://{addr}/graphql"))
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "OVERLOADED",
        "{body:#}"
    );
    // Health checks are never shed; once the slow ones go, GraphQL is served again.
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let resp = client
        .post(format!("http://{addr}/graphql"))
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}
