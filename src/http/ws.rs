//! Subscriptions over WebSocket: async-graphql speaks the protocol (`graphql-transport-ws`,
//! and the legacy `graphql-ws`); this module guards the connection around it. It closes a
//! connection that sends no `connection_init` in time (4408, as the protocol says), refuses a
//! subscription beyond the per-connection cap with an `error` message for that id, closes a
//! socket whose message exceeds the body limit (1009), sends refused operations as the
//! protocol's `error` message, and counts open connections for the metrics. Every check on the
//! operations themselves is the schema's pipeline (`api::extensions`), shared with HTTP.
//!
//! A query planned before (`api::plan`, learned over either transport) is answered by the
//! guard from its plan, `next` then `complete`, as async-graphql would answer it; a plan
//! holding a graph question goes to async-graphql, which runs it on the CPU pool.
//!
//! The guard sits on both directions: client messages pass through a filter before they reach
//! async-graphql, and its replies pass through a channel to the socket, so the guard can also
//! write (its refusals and close frames) without owning the protocol.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use super::AppState;
use crate::api::plan::Asked;

/// `GET /graphql/ws`.
pub async fn handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The protocol async-graphql picks: the client's first known one. Only the current
    // `graphql-transport-ws` defines the close codes the guard enforces.
    let strict = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|p| ALL_WEBSOCKET_PROTOCOLS.contains(p))
        == Some("graphql-transport-ws");
    // Messages are capped like request bodies; a larger one closes the socket with 1009.
    let max = state.config.max_body_bytes;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(state, protocol, strict, socket))
}

/// What a `graphql-transport-ws` client message breaks, as the protocol's close code.
fn violation(
    strict: bool,
    initialised: bool,
    kind: Option<&str>,
    id_in_use: bool,
) -> Option<(u16, &'static str)> {
    if !strict {
        return None;
    }
    match kind {
        None => Some((4400, "Invalid message received")),
        Some("connection_init" | "ping" | "pong" | "complete") => None,
        Some("subscribe") if !initialised => Some((4401, "Unauthorized")),
        Some("subscribe") if id_in_use => Some((4409, "Subscriber for this id already exists")),
        Some("subscribe") => None,
        Some(_) => Some((4400, "Invalid message received")),
    }
}

/// What the guard sends to the socket besides async-graphql's replies.
enum Out {
    Text(String),
    Close(u16, &'static str),
}

async fn serve(state: AppState, protocol: GraphQLProtocol, strict: bool, socket: WebSocket) {
    state.metrics.ws_opened();
    let (mut sink, mut incoming) = socket.split();
    let cap = state.config.max_subscriptions_per_connection;
    // Counted from the socket's opening: no message, `ping` included, moves it.
    let init_deadline = tokio::time::Instant::now() + state.config.ws_init_timeout;
    let active: Arc<Mutex<HashSet<String>>> = Arc::default();
    // The documents of operations sent to async-graphql, by id, to plan a query it answers
    // without errors (dropped at the operation's first answer or end).
    let pending: Arc<Mutex<HashMap<String, Learn>>> = Arc::default();

    // async-graphql's replies, and the guard's own messages, both go through here.
    let (reply_tx, mut reply_rx) = mpsc::channel::<Message>(64);
    let (guard_tx, mut guard_rx) = mpsc::channel::<Out>(16);

    // Client → async-graphql, filtered.
    let (client_tx, client_rx) = mpsc::channel::<Result<Message, axum::Error>>(64);
    let filter = {
        let (active, pending, state) = (active.clone(), pending.clone(), state.clone());
        async move {
            let mut initialised = false;
            loop {
                let next = if initialised {
                    incoming.next().await
                } else {
                    match tokio::time::timeout_at(init_deadline, incoming.next()).await {
                        Ok(m) => m,
                        Err(_) => {
                            let _ = guard_tx
                                .send(Out::Close(4408, "Connection initialisation timeout"))
                                .await;
                            break;
                        }
                    }
                };
                let Some(msg) = next else { break };
                if msg.is_err() {
                    // Most often a message over the cap (tungstenite refuses it unread).
                    let _ = guard_tx.send(Out::Close(1009, "Message too big")).await;
                    break;
                }
                if let Ok(Message::Binary(_)) = &msg
                    && strict
                {
                    let _ = guard_tx
                        .send(Out::Close(4400, "Invalid message received"))
                        .await;
                    break;
                }
                if let Ok(Message::Text(text)) = &msg {
                    let parsed: Option<serde_json::Value> =
                        serde_json::from_str(text.as_str()).ok();
                    let kind = parsed.as_ref().and_then(|v| v["type"].as_str());
                    let id = parsed
                        .as_ref()
                        .and_then(|v| v["id"].as_str())
                        .unwrap_or("")
                        .to_string();
                    let in_use = active
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .contains(&id);
                    if let Some((code, reason)) = violation(strict, initialised, kind, in_use) {
                        let _ = guard_tx.send(Out::Close(code, reason)).await;
                        break;
                    }
                    match kind.unwrap_or("") {
                        "connection_init" => initialised = true,
                        "subscribe" | "start" => {
                            let refused = {
                                let mut set = active.lock().unwrap_or_else(|p| p.into_inner());
                                if set.len() >= cap && !set.contains(&id) {
                                    true
                                } else {
                                    set.insert(id.clone());
                                    false
                                }
                            };
                            if refused {
                                let err = serde_json::json!({
                                    "id": id,
                                    "type": "error",
                                    "payload": [{
                                        "message": format!("this connection already has {cap} subscriptions"),
                                        "extensions": { "code": "TOO_MANY_SUBSCRIPTIONS" }
                                    }]
                                });
                                let _ = guard_tx.send(Out::Text(err.to_string())).await;
                                continue;
                            }
                            let payload = parsed.as_ref().map(|v| &v["payload"]);
                            if let Some(query) = payload.and_then(|p| p["query"].as_str()) {
                                let p = payload.unwrap_or(&serde_json::Value::Null);
                                let learn = Learn {
                                    query: query.to_string(),
                                    operation: p["operationName"].as_str().map(str::to_string),
                                    extensions: p["extensions"].as_object().cloned(),
                                };
                                if let Some(body) = planned(&state, &learn, &p["variables"]) {
                                    // The id as a JSON string, escaped as the client sent it.
                                    let quoted = serde_json::Value::String(id.clone());
                                    let next = if strict { "next" } else { "data" };
                                    for msg in [
                                        format!(
                                            "{{\"type\":\"{next}\",\"id\":{quoted},\"payload\":{body}}}"
                                        ),
                                        format!("{{\"type\":\"complete\",\"id\":{quoted}}}"),
                                    ] {
                                        let _ = guard_tx.send(Out::Text(msg)).await;
                                    }
                                    active.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                                    continue;
                                }
                                pending
                                    .lock()
                                    .unwrap_or_else(|p| p.into_inner())
                                    .insert(id.clone(), learn);
                            }
                        }
                        "complete" | "stop" => {
                            active.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                            pending
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .remove(&id);
                        }
                        _ => {}
                    }
                }
                if client_tx.send(msg).await.is_err() {
                    break;
                }
            }
        }
    };

    let protocol_task = {
        let reply_sink = PollSender::new(reply_tx).sink_map_err(axum::Error::new);
        let stream = tokio_stream::wrappers::ReceiverStream::new(client_rx);
        GraphQLWebSocket::new_with_pair(reply_sink, stream, state.schema.clone(), protocol)
            .keepalive_timeout(Some(Duration::from_secs(60)))
            .serve()
    };

    // async-graphql's replies and the guard's messages → the socket.
    let writer = {
        let (active, state) = (active.clone(), state.clone());
        async move {
            // Operations answered with `error`: async-graphql's `complete` after it is dropped.
            let mut errored: HashSet<String> = HashSet::new();
            loop {
                tokio::select! {
                    reply = reply_rx.recv() => {
                        let Some(reply) = reply else {
                            // async-graphql is done; a close the guard queued still goes out.
                            if let Ok(Out::Close(code, reason)) = guard_rx.try_recv() {
                                let frame = CloseFrame { code, reason: reason.into() };
                                let _ = sink.send(Message::Close(Some(frame))).await;
                            }
                            break;
                        };
                        let mut reply = reply;
                        if let Message::Text(t) = &reply
                            && let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str())
                            && let Some(id) = v["id"].as_str()
                        {
                            let id = id.to_string();
                            let kind = v["type"].as_str().unwrap_or("");
                            let learn = pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                            if let Some(l) = learn
                                && matches!(kind, "next" | "data")
                                && v["payload"].get("errors").is_none()
                            {
                                state.fast.learn(&l.query, l.operation.as_deref(), l.extensions.as_ref());
                            }
                            if kind == "complete" && errored.remove(&id) {
                                continue;
                            }
                            if strict && kind == "next" && let Some(errors) = request_errors(&v["payload"]) {
                                // A refused operation (or an event over the limits, which ends
                                // its subscription): the protocol's `error`, as for validation.
                                errored.insert(id.clone());
                                let msg = serde_json::json!({ "id": id, "type": "error", "payload": errors });
                                reply = Message::Text(msg.to_string().into());
                                active.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                            }
                            // A subscription the server finished frees its place.
                            if kind == "complete" || kind == "error" {
                                active.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                            }
                        }
                        let closing = matches!(reply, Message::Close(_));
                        if sink.send(reply).await.is_err() || closing {
                            break;
                        }
                    }
                    out = guard_rx.recv() => {
                        let msg = match out {
                            Some(Out::Text(t)) => Message::Text(t.into()),
                            Some(Out::Close(code, reason)) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
                            None => continue,
                        };
                        let closing = matches!(msg, Message::Close(_));
                        if sink.send(msg).await.is_err() || closing {
                            break;
                        }
                    }
                }
            }
            let _ = sink.close().await;
        }
    };

    // Whichever side finishes first, the other gets a moment to finish too (so a queued close
    // frame is written), but no more: a client that never reads cannot hold the task.
    let work = async { tokio::join!(filter, protocol_task) };
    tokio::pin!(work);
    tokio::pin!(writer);
    let grace = Duration::from_secs(5);
    tokio::select! {
        _ = &mut writer => { let _ = tokio::time::timeout(grace, &mut work).await; }
        _ = &mut work => { let _ = tokio::time::timeout(grace, &mut writer).await; }
    }
    state.metrics.ws_closed();
}

/// An operation's document, as the plan cache knows it.
struct Learn {
    query: String,
    operation: Option<String>,
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The answer from the operation's plan (a `{"data":...}` body), if it has one that needs no
/// wait for the CPU pool.
fn planned(state: &AppState, op: &Learn, variables: &serde_json::Value) -> Option<String> {
    let asked = Asked {
        query: &op.query,
        operation: op.operation.as_deref(),
        variables: variables.as_object(),
        extensions: op.extensions.as_ref(),
    };
    let answer = state.fast.answer_now(&state.store.graph(), asked)?;
    let body = String::from_utf8(answer.body.ok()?).ok()?;
    state.metrics.observe_planned();
    Some(body)
}

/// The errors of a `next` payload that is a request error (errors, none with a path, and no
/// data), which `graphql-transport-ws` sends as an `error` message.
fn request_errors(payload: &serde_json::Value) -> Option<serde_json::Value> {
    let errors = payload.get("errors")?.as_array()?;
    let no_data = payload.get("data").is_none_or(|d| d.is_null());
    let no_paths = errors.iter().all(|e| e.get("path").is_none());
    (no_data && !errors.is_empty() && no_paths).then(|| serde_json::Value::Array(errors.clone()))
}
