//! The front end the binary carries: the explorer at `/`, the GraphiQL page at `/graphiql`, and
//! their scripts, styles, fonts and workers at `/assets/NAME`, all bundled from npm by
//! `build.rs` (see `ui/`), so nothing is fetched from another host and both work offline.
//!
//! Asset names carry a hash of their content, so an asset never changes under its name: it is
//! cached by browsers for a year (`immutable`), while the page itself is revalidated on every
//! load (`no-cache`) and so always names the current assets. Each asset is compressed once at
//! build time; a request gets the brotli or gzip copy its `Accept-Encoding` allows, so serving
//! the 5 MB editor costs a copy, not a compression.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One bundled file and its precompressed copies.
pub struct Asset {
    pub name: &'static str,
    pub body: &'static [u8],
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));

/// The cache policy of hashed assets: a name always means the same bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /graphiql`: the page, which loads its assets from `/assets/`.
pub async fn graphiql() -> Response {
    page(GRAPHIQL_HTML)
}

/// `GET /`: the explorer, whatever the query string (the explorer reads its view from it).
pub async fn explorer() -> Response {
    page(EXPLORER_HTML)
}

/// A page: revalidated on every load, so it always names the current hashed assets.
fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// `GET /assets/{name}`: a bundled file, in the best encoding the client accepts; 404 for a
/// name the bundle does not have.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let accepts = |coding: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| accepts(v, coding))
    };
    let (body, encoding) = match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepts("br") => (br, Some("br")),
        (_, Some(gz)) if accepts("gzip") => (gz, Some("gzip")),
        _ => (asset.body, None),
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(asset.name)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        // Set, the compression layer leaves the body as it is.
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// Whether an `Accept-Encoding` value admits `coding`: listed (or `*`) without `q=0`.
fn accepts(value: &str, coding: &str) -> bool {
    value.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

/// The media type of a bundled file, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("ttf") => "font/ttf",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("gzip;q=0.5", "gzip"));
        assert!(accepts("*", "br"));
        assert!(!accepts("gzip", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(!accepts("identity", "gzip"));
    }

    #[test]
    fn the_pages_name_only_bundled_assets() {
        for html in [GRAPHIQL_HTML, EXPLORER_HTML] {
            let named: Vec<&str> = html
                .split("assets/")
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap())
                .collect();
            assert_eq!(named.len(), 2, "a script and a style sheet: {html}");
            for name in named {
                assert!(ASSETS.iter().any(|a| a.name == name), "{name} is bundled");
            }
            assert!(!html.contains("://"), "no other host: {html}");
        }
    }

    #[test]
    fn every_asset_has_a_known_type_and_large_ones_come_compressed() {
        for a in ASSETS {
            assert_ne!(
                content_type(a.name),
                "application/octet-stream",
                "{}",
                a.name
            );
            if a.body.len() > 64 * 1024 && !a.name.ends_with(".woff2") {
                let br = a.brotli.expect("a brotli copy");
                assert!(br.len() < a.body.len(), "{} compresses", a.name);
            }
        }
    }
}
