//! The WebSocket transport's guards, spoken to with a plain WebSocket client: the protocol's
//! close codes (a missing `connection_init`, however the client pings), the per-connection
//! subscription cap, the message size cap, and the limits on each subscription event.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use newsgraph::http::{AppState, HttpConfig, Metrics};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub async fn spawn_with(config: HttpConfig) -> std::net::SocketAddr {
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Arc::new(store), None, config, Metrics::new());
    tokio::spawn(newsgraph::http::serve(listener, state));
    addr
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(addr: std::net::SocketAddr) -> Socket {
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
pub async fn next(ws: &mut Socket) -> Option<Result<Value, u16>> {
    next_within(ws, Duration::from_secs(5)).await
}

/// [`next`], waiting up to `limit` (for tests that load the server on purpose).
pub async fn next_within(ws: &mut Socket, limit: Duration) -> Option<Result<Value, u16>> {
    loop {
        let msg = tokio::time::timeout(limit, ws.next()).await.ok()??;
        match msg.ok()? {
            Message::Text(t) => return Some(Ok(serde_json::from_str(t.as_str()).unwrap())),
            Message::Close(frame) => return Some(Err(frame.map_or(1005, |f| u16::from(f.code)))),
            _ => continue,
        }
    }
}

/// Opens a socket and completes `connection_init`.
pub async fn connect_initialised(addr: std::net::SocketAddr) -> Socket {
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
    ws
}

/// Sends `payload` as operation `id` and returns the first message about it (`next` or
/// `error`).
pub async fn operation(ws: &mut Socket, id: &str, payload: Value) -> Value {
    operation_within(ws, id, payload, Duration::from_secs(5)).await
}

/// [`operation`], waiting up to `limit` for each message.
pub async fn operation_within(ws: &mut Socket, id: &str, payload: Value, limit: Duration) -> Value {
    let sub = json!({"id": id, "type": "subscribe", "payload": payload});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    loop {
        let msg = next_within(ws, limit)
            .await
            .expect("an answer in time")
            .expect("no close");
        if msg["id"] == id {
            return msg;
        }
    }
}

/// The code of the first error of a `next` or `error` message.
pub fn ws_code(msg: &Value) -> &str {
    let first = if msg["type"] == "error" {
        &msg["payload"][0]
    } else {
        &msg["payload"]["errors"][0]
    };
    first["extensions"]["code"].as_str().unwrap_or("<none>")
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

#[tokio::test]
async fn regression_pings_do_not_reset_the_init_timeout() {
    let config = HttpConfig {
        ws_init_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    };
    let mut ws = connect(spawn_with(config).await).await;
    let started = std::time::Instant::now();
    let code = loop {
        ws.send(Message::Text(json!({"type": "ping"}).to_string().into()))
            .await
            .ok();
        match tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(None | Some(Err(_))) => break None,
            _ => {}
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "a pinging client held an uninitialised socket"
        );
    };
    assert_eq!(code, Some(4408));
}

#[tokio::test]
async fn regression_a_4_mib_message_is_refused_with_1009() {
    let mut ws = connect_initialised(spawn_with(HttpConfig::default()).await).await;
    let pad = "x".repeat(4 * 1024 * 1024);
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "variables": {"pad": pad}}});
    let _ = ws.send(Message::Text(sub.to_string().into())).await;
    assert_eq!(next(&mut ws).await, Some(Err(1009)));
}

#[tokio::test]
async fn regression_every_error_over_the_socket_has_a_code_and_refusals_are_error_messages() {
    let mut ws = connect_initialised(spawn_with(HttpConfig::default()).await).await;
    for (i, (query, code)) in [
        ("{", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ __typename(x: 1) }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ entities(first: 1000) { totalCount } }", "BAD_USER_INPUT"),
        (
            "query A { __typename } query B { __typename }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let msg = operation(&mut ws, &i.to_string(), json!({ "query": query })).await;
        assert_eq!(
            (msg["type"].as_str(), ws_code(&msg)),
            (Some("error"), code),
            "{query}: {msg:#}"
        );
    }
    // An error while resolving has its code too, in a `next` with data.
    let msg = operation(
        &mut ws,
        "x",
        json!({ "query": "{ entity(id: \"state/nowhere\") { id } }" }),
    )
    .await;
    assert_eq!(
        (msg["type"].as_str(), ws_code(&msg)),
        (Some("next"), "NOT_FOUND"),
        "{msg:#}"
    );
}

#[tokio::test]
async fn regression_a_subscription_event_over_the_response_cap_is_an_error_not_a_push() {
    let config = HttpConfig {
        max_response_bytes: 150,
        ..HttpConfig::default()
    };
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = crate::helpers::TOKEN;
    let state = AppState::new(Arc::new(store), Some(token.into()), config, Metrics::new());
    tokio::spawn(newsgraph::http::serve(listener, state));
    let mut ws = connect_initialised(addr).await;
    let sub = json!({"id": "big", "type": "subscribe", "payload": {"query": "subscription { graphChanges { version entities { id name description aliases } } }"}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": "mutation { updateEntity(input: { id: \"state/estonia\", description: \"A Baltic state whose description is long enough to push the event over the cap, and then some more words\" }) { entity { id } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let msg = next(&mut ws).await.expect("an answer").expect("no close");
    assert_eq!(
        (msg["id"].as_str(), msg["type"].as_str()),
        (Some("big"), Some("error")),
        "{msg:#}"
    );
    assert_eq!(ws_code(&msg), "RESULT_TOO_LARGE", "{msg:#}");
}

#[tokio::test]
async fn regression_a_subscription_event_over_the_item_budget_is_an_error() {
    let mut config = HttpConfig::default();
    config.limits.max_items = 3;
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = crate::helpers::TOKEN;
    let state = AppState::new(Arc::new(store), Some(token.into()), config, Metrics::new());
    tokio::spawn(newsgraph::http::serve(listener, state));
    let mut ws = connect_initialised(addr).await;
    let sub = json!({"id": "heavy", "type": "subscribe", "payload": {"query": "subscription { graphChanges { version entities { relations(first: 50) { entities { id } } } } }"}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": "mutation { updateEntity(input: { id: \"state/estonia\", description: \"changed\" }) { entity { id } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let msg = next(&mut ws).await.expect("an answer").expect("no close");
    assert_eq!(
        (msg["id"].as_str(), msg["type"].as_str(), ws_code(&msg)),
        (Some("heavy"), Some("error"), "RESULT_TOO_LARGE"),
        "{msg:#}"
    );
}

/// The next message must end operation `id`.
async fn complete(ws: &mut Socket, id: &str) {
    let msg = next(ws).await.unwrap().unwrap();
    assert_eq!(msg, json!({ "type": "complete", "id": id }));
}

/// The queries answered from their plan.
async fn planned(addr: std::net::SocketAddr) -> u64 {
    crate::helpers::planned_total(&format!("http://{addr}")).await
}

#[tokio::test]
async fn a_query_answered_once_over_the_socket_is_answered_from_its_plan_the_next_time() {
    let addr = spawn_with(HttpConfig::default()).await;
    let mut ws = connect_initialised(addr).await;
    let query = "query Q($id: ID!) { entity(id: $id) { id name relations(first: 2) { totalCount edges { type entity { name } } } } }";
    let ask = |id: &str| json!({ "query": query, "variables": { "id": id } });
    let executed = operation(&mut ws, "1", ask("state/estonia")).await;
    complete(&mut ws, "1").await;
    let before = planned(addr).await;
    let from_plan = operation(&mut ws, "2", ask("state/estonia")).await;
    complete(&mut ws, "2").await;
    assert_eq!(
        planned(addr).await,
        before + 1,
        "the second came from the plan"
    );
    assert_eq!(from_plan["type"], "next");
    assert_eq!(from_plan["payload"], executed["payload"]);
    assert_eq!(
        executed["payload"]["data"]["entity"]["name"], "Estonia",
        "{executed}"
    );
    // What the plan cannot answer whole is still the executor's, with its error.
    let missing = operation(&mut ws, "3", ask("state/atlantis")).await;
    assert_eq!(ws_code(&missing), "NOT_FOUND", "{missing}");
    assert_eq!(planned(addr).await, before + 1);
}
