//! `GET /export?format=...`: the graph, or a part of it, as a download in one of the
//! interchange formats (`src/interchange/`). The query string says which part, as
//! `newsgraph export`'s flags do: `asOf`, `around` with `depth` and `limit`, `from` with `to`.
//!
//! An export is heavy work: it runs on the CPU pool under the request's deadline, and stops
//! as soon as it passes `--max-response-bytes` (the whole of a large graph is
//! `newsgraph export`'s job, not a request's). Errors answer as the GraphQL endpoint's do:
//! `{"errors":[{"message", "extensions":{"code"}}]}` with a stable code.

use std::io::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;

use super::AppState;
use crate::api::{ApiError, code};
use crate::interchange::{self, Format, view};

/// What the query string asks for.
struct Asked {
    format: Format,
    view: view::View,
    base: String,
}

fn refused(status: StatusCode, code: &str, message: String) -> Response {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn bad(message: String) -> Response {
    refused(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
}

fn parse(query: &str, default_base: &str) -> Result<Asked, String> {
    let mut format = None;
    let mut view = view::View::default();
    let (mut around, mut depth, mut limit) = (None, 2usize, view::DEFAULT_LIMIT);
    let (mut from, mut to) = (None, None);
    let mut base = default_base.to_string();
    let number = |key: &str, v: &str| {
        v.parse::<usize>()
            .map_err(|_| format!("`{key}` must be a whole number, not `{v}`"))
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let v = value.as_ref();
        match key.as_ref() {
            "format" => {
                format = Some(Format::parse(v).ok_or_else(|| {
                    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                    format!("unknown format `{v}`: use one of {}", names.join(", "))
                })?)
            }
            "asOf" => {
                view.as_of = Some(
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map_err(|_| format!("`asOf` must be a date, YYYY-MM-DD, not `{v}`"))?,
                )
            }
            "around" => around = Some(v.to_string()),
            "depth" => depth = number("depth", v)?,
            "limit" => limit = number("limit", v)?,
            "from" => from = Some(v.to_string()),
            "to" => to = Some(v.to_string()),
            "base" => base = v.to_string(),
            other => {
                return Err(format!(
                    "unknown parameter `{other}`: use format, asOf, around, depth, limit, from, \
                     to or base"
                ));
            }
        }
    }
    let format = format.ok_or("give `format`")?;
    if depth > 6 {
        return Err(format!("`depth` is at most 6, not {depth}"));
    }
    view.around = around.map(|id| view::Around { id, depth, limit });
    view.path = match (from, to) {
        (Some(f), Some(t)) => Some((f, t)),
        (None, None) => None,
        _ => return Err("a path needs both `from` and `to`".into()),
    };
    Ok(Asked { format, view, base })
}

/// A writer that refuses to grow past `max` bytes, so a too-large export stops at once.
struct Capped {
    out: Vec<u8>,
    max: usize,
    exceeded: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.max {
            self.exceeded = true;
            return Err(std::io::Error::other("the export passed its size bound"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Failed {
    View(view::ViewError),
    TooLarge,
    Io(std::io::Error),
}

pub async fn export(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let asked = match parse(query.as_deref().unwrap_or(""), interchange::DEFAULT_BASE) {
        Ok(a) => a,
        Err(message) => return bad(message),
    };
    let g = state.store.graph();
    let max = state.config.max_response_bytes;
    // The item budget bounds what an export reads before a byte is written: the whole graph
    // (or a day's view of it) only while it is that small, a neighbourhood at most that many
    // nodes. Past it, a request would build every record of a big graph just to stop at the
    // response cap; `newsgraph export` is for that.
    let max_items = state.config.limits.max_items;
    let Asked {
        format,
        mut view,
        base,
    } = asked;
    let whole = view.around.is_none() && view.path.is_none();
    if whole && g.node_count() + g.relation_count() > max_items {
        return refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::RESULT_TOO_LARGE,
            format!(
                "the graph has more than {max_items} nodes and relations (--max-items): export \
                 a part (around, from/to), or the whole graph with `newsgraph export`"
            ),
        );
    }
    if let Some(around) = &mut view.around {
        around.limit = around.limit.min(max_items);
    }
    let graph = Arc::clone(&g);
    let work = move || -> Result<Vec<u8>, Failed> {
        let records = view::records(&graph, &view).map_err(Failed::View)?;
        let mut out = Capped {
            out: Vec::new(),
            max,
            exceeded: false,
        };
        match interchange::write(format, &records, &base, &mut out) {
            Ok(()) => Ok(out.out),
            Err(_) if out.exceeded => Err(Failed::TooLarge),
            Err(e) => Err(Failed::Io(e)),
        }
    };
    let done = state.fast.pool().run(&g, work).await;
    match done {
        Ok(Ok(bytes)) => {
            let mut res = Response::new(Body::from(bytes));
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            let disposition = format!("attachment; filename=\"{}\"", format.file_name());
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            if let Ok(v) = HeaderValue::from_str(&g.version().to_string()) {
                h.insert("x-graph-version", v);
            }
            res
        }
        Ok(Err(Failed::View(e @ view::ViewError::UnknownNode(_)))) => {
            refused(StatusCode::NOT_FOUND, code::NOT_FOUND, e.to_string())
        }
        Ok(Err(Failed::View(e))) => bad(e.to_string()),
        Ok(Err(Failed::TooLarge)) => refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::RESULT_TOO_LARGE,
            format!(
                "the export is larger than {max} bytes (--max-response-bytes): export a part \
                 (around, from/to, asOf), or the whole graph with `newsgraph export`"
            ),
        ),
        Ok(Err(Failed::Io(e))) => refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            format!("the export failed: {e}"),
        ),
        Err(ApiError::Timeout(m)) => refused(StatusCode::GATEWAY_TIMEOUT, code::TIMEOUT, m),
        Err(e) => {
            tracing::error!(error = ?e, "an export failed");
            refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                "internal error".into(),
            )
        }
    }
}
