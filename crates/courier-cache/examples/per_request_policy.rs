//! Per-request policy: one client whose cache follows HTTP's rules by default
//! ([`CachePolicy::Request`]), overridden for single requests with
//! `.extension(CachePolicy::…)`: `Refresh` (pull to refresh), `ForceCache` (whatever is
//! stored), `NoCache` (bypass and forget) and `OnlyIfCached` (never the network).
//!
//! Run it with `cargo run -p courier-cache --example per_request_policy`. It starts its own
//! origin on 127.0.0.1 (no network needed) and prints, for each request, the policy, the
//! response's [`CacheStatus`] and how many requests reached the origin, then exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use courier::Client;
use courier_cache::{CacheInterceptor, CacheOptions, CachePolicy, CacheStatus, MemoryStore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The origin: news that may be cached for a minute; each answer is numbered.
    let served = Arc::new(AtomicUsize::new(0));
    let origin = Router::new().route(
        "/news",
        get({
            let served = served.clone();
            move || async move {
                let n = served.fetch_add(1, Ordering::SeqCst) + 1;
                (
                    [(header::CACHE_CONTROL, "max-age=60")],
                    format!("news #{n}"),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}/", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, origin).await });

    // The default for every request: HTTP's rules.
    let options = CacheOptions::new(MemoryStore::new()).policy(CachePolicy::Request);
    let client = Client::builder()
        .base_url(&base_url)
        .no_proxy()
        .interceptor(CacheInterceptor::new(options))
        .build()?;

    let steps = [
        (None, "first request: nothing stored yet"),
        (None, "again, within max-age: served from the cache"),
        (
            Some(CachePolicy::Refresh),
            "pull to refresh: always the network",
        ),
        (
            Some(CachePolicy::ForceCache),
            "whatever is stored, fresh or not",
        ),
        (
            Some(CachePolicy::NoCache),
            "bypass the cache and delete the entry",
        ),
        (
            Some(CachePolicy::OnlyIfCached),
            "offline: nothing stored any more",
        ),
        (None, "default again: a miss, stored"),
        (
            Some(CachePolicy::OnlyIfCached),
            "offline: answered from the cache",
        ),
    ];
    for (policy, what) in steps {
        let mut request = client.get("news");
        if let Some(policy) = policy {
            request = request.extension(policy);
        }
        let label = match policy {
            Some(policy) => format!("{policy:?}"),
            None => "(default)".to_owned(),
        };
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response
                    .extensions()
                    .get::<CacheStatus>()
                    .copied()
                    .expect("the cache marks every response");
                let body = response.text().await?;
                format!("{status:?} -> {body:?}")
            }
            // `OnlyIfCached` without a usable entry fails as a 504, never reaching the origin.
            Err(error) => format!("error {:?} ({})", error.status(), error.kind()),
        };
        println!(
            "{label:<14} {outcome:<45} origin requests: {}  ({what})",
            served.load(Ordering::SeqCst)
        );
    }
    Ok(())
}
