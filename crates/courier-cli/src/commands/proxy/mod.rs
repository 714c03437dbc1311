//! `courier proxy --listen ADDR --origin URL`: a caching reverse proxy. Every request is
//! forwarded to the origin through courier's client and cache; bodies stream both ways;
//! hop-by-hop fields are dropped (RFC 9110 §7.6.1); responses say where they came from in
//! `Cache-Status` (RFC 9211) and carry `Via` (RFC 9110 §7.6.3).
//!
//! Put it in front of a flaky or rate-limited API while developing: responses the API lets
//! you cache are served locally, and with `--offline-fallback` stored responses keep
//! answering when the API is down.

mod hop_by_hop;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Body as AxumBody;
use axum::extract::{Request as AxumRequest, State};
use axum::response::{IntoResponse, Response as AxumResponse};
use courier::{Body, Client, ErrorKind};
use courier_cache::{CacheInterceptor, CacheMode, CacheOptions};
use http::header::{CONTENT_LENGTH, HOST, HeaderValue, VIA};
use http::{Method, StatusCode};
use url::Url;

pub(crate) use hop_by_hop::remove_hop_by_hop;

use crate::cli::ProxyArgs;
use crate::store_location;

/// What each request handler needs.
struct Proxy {
    client: Client,
    origin: Url,
}

pub(crate) async fn run(args: ProxyArgs) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    let store = store_location::open(&args.store).await?;
    let location = store.location().to_string();
    let router = router(&args.origin, store, args.shared, args.offline_fallback)?;
    eprintln!(
        "courier proxy: http://{} -> {} (cache: {location}{})",
        listener.local_addr()?,
        args.origin,
        if args.shared { ", shared" } else { "" }
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// The proxy as an axum router: every method and path forwarded to `origin`.
pub(crate) fn router(
    origin: &str,
    store: courier_cache::store::Store,
    shared: bool,
    offline_fallback: bool,
) -> anyhow::Result<axum::Router> {
    let origin = Url::parse(origin).with_context(|| format!("invalid --origin {origin:?}"))?;
    let mut cache = CacheOptions::new(store)
        .mode(if shared {
            CacheMode::Shared
        } else {
            CacheMode::Private
        })
        .cache_status_header(true);
    if offline_fallback {
        cache = cache
            .hit_cache_on_network_failure(true)
            .hit_cache_on_error_codes([500, 502, 503, 504])
            .max_stale(Duration::from_secs(7 * 24 * 3600));
    }
    let client = Client::builder()
        // Every status is the origin's answer to pass on, not an error.
        .validate_status(|_| true)
        // Redirects and encodings are the downstream client's business.
        .follow_redirects(false)
        .gzip(false)
        .brotli(false)
        .zstd(false)
        .deflate(false)
        .no_proxy()
        .interceptor(CacheInterceptor::new(cache))
        .build()?;
    let proxy = Arc::new(Proxy { client, origin });
    Ok(axum::Router::new().fallback(forward).with_state(proxy))
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: AxumRequest) -> AxumResponse {
    match forward_inner(&proxy, request).await {
        Ok(response) => response,
        Err(error) => {
            let status = match error.kind() {
                kind if kind.is_timeout() => StatusCode::GATEWAY_TIMEOUT,
                ErrorKind::BadResponse => error.status().unwrap_or(StatusCode::BAD_GATEWAY),
                _ => StatusCode::BAD_GATEWAY,
            };
            (status, format!("courier proxy: {error}\n")).into_response()
        }
    }
}

async fn forward_inner(proxy: &Proxy, request: AxumRequest) -> courier::Result<AxumResponse> {
    let (mut parts, body) = request.into_parts();
    let mut url = proxy.origin.clone();
    let base_path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base_path}{}", parts.uri.path()));
    url.set_query(parts.uri.query());

    remove_hop_by_hop(&mut parts.headers);
    // The origin's own name, not the proxy's.
    parts.headers.remove(HOST);
    let length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let bodiless_method = matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::DELETE
    );
    let body = match length {
        // Empty and replayable, so the cache can revalidate and retry it.
        Some(0) => Body::empty(),
        None if bodiless_method => Body::empty(),
        Some(length) => Body::wrap_stream_with_length(body.into_data_stream(), length),
        None => Body::wrap_stream(body.into_data_stream()),
    };

    let mut request = courier::Request::new(parts.method, url);
    *request.headers_mut() = parts.headers;
    *request.body_mut() = body;
    let response = proxy.client.execute(request).await?;

    let status = response.status();
    let mut headers = response.headers().clone();
    remove_hop_by_hop(&mut headers);
    headers.append(VIA, HeaderValue::from_static("1.1 courier"));
    let mut built = AxumResponse::new(AxumBody::from_stream(response.bytes_stream()));
    *built.status_mut() = status;
    *built.headers_mut() = headers;
    Ok(built)
}
