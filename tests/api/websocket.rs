//! The WebSocket transport's guards, spoken to with a plain WebSocket client: the protocol's
//! close code for a missing `connection_init`, and the per-connection subscription cap.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use newsgraph::http::{AppState, HttpConfig, Metrics};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn spawn_with(config: HttpConfig) -> std::net::SocketAddr {
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Arc::new(store), None, config, Metrics::new());
    tokio::spawn(newsgraph::http::serve(listener, state));
    addr
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: std::net::SocketAddr) -> Socket {
    let mut req = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("the upgrade succeeds");
    assert_eq!(
        resp.headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    ws
}

/// The next text message as JSON, or the close code; `None` on timeout.
async fn next(ws: &mut Socket) -> Option<Result<Value, u16>> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .ok()??;
        match msg.ok()? {
            Message::Text(t) => return Some(Ok(serde_json::from_str(t.as_str()).unwrap())),
            Message::Close(frame) => return Some(Err(frame.map_or(1005, |f| u16::from(f.code)))),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_client_that_never_initialises_is_closed_with_4408() {
    let config = HttpConfig {
        ws_init_timeout: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let mut ws = connect(spawn_with(config).await).await;
    assert_eq!(next(&mut ws).await, Some(Err(4408)));
}

#[tokio::test]
async fn an_initialised_client_is_acknowledged_and_can_subscribe() {
    let mut ws = connect(spawn_with(HttpConfig::default()).await).await;
    ws.send(Message::Text(
        json!({"type": "connection_init"}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap()["type"],
        "connection_ack"
    );
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { graphChanges { version } }"}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    // Nothing changes, so nothing arrives; the connection stays open.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), ws.next())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn subscriptions_beyond_the_cap_are_refused_one_by_one() {
    let config = HttpConfig {
        max_subscriptions_per_connection: 2,
        ..HttpConfig::default()
    };
    let mut ws = connect(spawn_with(config).await).await;
    ws.send(Message::Text(
        json!({"type": "connection_init"}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap()["type"],
        "connection_ack"
    );
    for id in ["a", "b", "c"] {
        let sub = json!({"id": id, "type": "subscribe", "payload": {"query": "subscription { graphChanges { version } }"}});
        ws.send(Message::Text(sub.to_string().into()))
            .await
            .unwrap();
    }
    let refusal = next(&mut ws).await.unwrap().unwrap();
    assert_eq!(refusal["type"], "error", "{refusal:#}");
    assert_eq!(refusal["id"], "c");
    assert_eq!(
        refusal["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    // Completing one frees its place for another.
    ws.send(Message::Text(
        json!({"id": "a", "type": "complete"}).to_string().into(),
    ))
    .await
    .unwrap();
    let sub = json!({"id": "d", "type": "subscribe", "payload": {"query": "subscription { graphChanges { version } }"}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    // The server may confirm a's end; then d runs without an error.
    loop {
        match tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
            Err(_) => break,
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                assert_eq!(
                    (v["type"].as_str(), v["id"].as_str()),
                    (Some("complete"), Some("a")),
                    "{v:#}"
                );
            }
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_second_connection_init_is_closed_with_4429() {
    let mut ws = connect(spawn_with(HttpConfig::default()).await).await;
    for _ in 0..2 {
        ws.send(Message::Text(
            json!({"type": "connection_init"}).to_string().into(),
        ))
        .await
        .unwrap();
    }
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap()["type"],
        "connection_ack"
    );
    assert_eq!(next(&mut ws).await, Some(Err(4429)));
}

#[tokio::test]
async fn protocol_violations_close_with_the_protocols_codes() {
    let addr = spawn_with(HttpConfig::default()).await;
    let sub = |id: &str| {
        json!({"id": id, "type": "subscribe", "payload": {"query": "subscription { graphChanges { version } }"}})
            .to_string()
    };
    // Not a message of the protocol.
    let mut ws = connect(addr).await;
    ws.send(Message::Text("{\"type\": \"hello\"}".into()))
        .await
        .unwrap();
    assert_eq!(next(&mut ws).await, Some(Err(4400)));
    let mut ws = connect(addr).await;
    ws.send(Message::Text("not json".into())).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(Err(4400)));
    // A subscription before connection_init.
    let mut ws = connect(addr).await;
    ws.send(Message::Text(sub("1").into())).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(Err(4401)));
    // Two subscriptions with one id.
    let mut ws = connect(addr).await;
    ws.send(Message::Text(
        json!({"type": "connection_init"}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap()["type"],
        "connection_ack"
    );
    ws.send(Message::Text(sub("same").into())).await.unwrap();
    ws.send(Message::Text(sub("same").into())).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(Err(4409)));
}
