//! Offline first: the pattern dio_cache_interceptor users build with `HiveCacheStore`,
//! `CachePolicy.refresh`, `maxStale` and `hitCacheOnNetworkFailure`, with courier's
//! [`FileStore`] in a temporary directory standing in for Hive.
//!
//! Every request goes to the network (`Refresh`), so the app shows the newest data while
//! online, and each response is written to disk. When the origin cannot be reached, the same
//! request is answered from disk, marked [`CacheStatus::Stale`], for up to `max_stale`.
//!
//! Run it with `cargo run -p courier-cache --example offline_first`. It starts its own origin
//! on 127.0.0.1 (no network needed), fetches while online, stops the origin, fetches again,
//! prints what happened at each step and exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use courier::Client;
use courier_cache::{CacheInterceptor, CacheOptions, CachePolicy, CacheStatus, FileStore};
use tokio::sync::oneshot;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The origin: a feed that may be cached for a minute. It counts what reaches it.
    let served = Arc::new(AtomicUsize::new(0));
    let origin = Router::new().route(
        "/articles",
        get({
            let served = served.clone();
            move || async move {
                let n = served.fetch_add(1, Ordering::SeqCst) + 1;
                (
                    [(header::CACHE_CONTROL, "max-age=60")],
                    format!("[\"article {n}\"]"),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}/", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, origin)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });

    // The cache: entries on disk (an app would use its cache directory), kept a week past
    // expiry for offline use, served when the network fails or the origin answers a 5xx
    // (dio's `hitCacheOnErrorExcept: [401, 403]` reads as "serve the cache on errors except
    // auth ones"; courier lists the statuses that allow it instead).
    let dir = tempfile::tempdir()?;
    let store = FileStore::new(dir.path().join("http-cache"));
    let options = CacheOptions::new(store)
        .policy(CachePolicy::Refresh)
        .max_stale(Duration::from_secs(7 * 24 * 3600))
        .hit_cache_on_network_failure(true)
        .hit_cache_on_error_codes([500, 502, 503, 504]);
    let client = Client::builder()
        .base_url(&base_url)
        .no_proxy()
        .interceptor(CacheInterceptor::new(options))
        .build()?;

    println!("cache directory: {}", dir.path().display());
    println!("-- online");
    fetch(&client).await?;
    println!(
        "   the origin has served {} request(s)",
        served.load(Ordering::SeqCst)
    );

    println!("-- the origin goes away");
    let _ = stop.send(());
    server.await??;

    println!("-- offline");
    fetch(&client).await?;
    println!(
        "   the origin has served {} request(s)",
        served.load(Ordering::SeqCst)
    );
    Ok(())
}

/// Fetches the feed and prints where it came from.
async fn fetch(client: &Client) -> Result<(), courier::Error> {
    let response = client.get("articles").send().await?;
    let status = response
        .extensions()
        .get::<CacheStatus>()
        .copied()
        .expect("the cache marks every response");
    let age = response
        .headers()
        .get(header::AGE)
        .and_then(|age| age.to_str().ok())
        .map(|age| format!(", age {age} s"))
        .unwrap_or_default();
    let body = response.text().await?;
    let note = match status {
        CacheStatus::Bypass { stored: true } => "fetched from the network and stored on disk",
        CacheStatus::Stale => "served from disk, marked stale: the origin could not be reached",
        _ => "",
    };
    println!("   GET /articles -> {body} [{status:?}{age}] {note}");
    Ok(())
}
