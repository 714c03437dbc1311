//! `courier demo`: starts its own origin on loopback and walks through the features,
//! printing what each step did. Needs no network and nothing set up.

mod origin;

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use courier::Client;
use courier::interceptors::auth::{
    AuthInterceptor, MemoryTokenStore, RefreshClient, RefreshError, Token, refresh_fn,
};
use courier::interceptors::retry::{Backoff, RetryInterceptor};
use courier_cache::store::Store;
use courier_cache::{CacheInterceptor, CacheOptions, CacheStatus};

use self::origin::Origin;

/// One line of the table.
struct Step {
    name: &'static str,
    outcome: String,
    origin_requests: usize,
    elapsed: Duration,
}

pub(crate) async fn run() -> anyhow::Result<ExitCode> {
    let steps = walk().await?;
    println!(
        "{:<44} {:<40} {:>6} {:>9}",
        "step", "outcome", "origin", "time"
    );
    for step in &steps {
        println!(
            "{:<44} {:<40} {:>6} {:>6} ms",
            step.name,
            step.outcome,
            step.origin_requests,
            step.elapsed.as_millis()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs every step; `origin` is the number of requests each one sent to the origin.
async fn walk() -> anyhow::Result<Vec<Step>> {
    let directory = tempfile_directory()?;
    let store = Store::open(&demo_store_location(&directory)).await?;
    let mut origin = Origin::start().await?;
    let cache = CacheOptions::new(store.clone())
        .hit_cache_on_network_failure(true)
        .max_stale(Duration::from_secs(24 * 3600));
    // Retries outside the cache: a retried request is looked up once and stored once.
    let retry = RetryInterceptor::builder()
        .backoff(Backoff::exponential(Duration::from_millis(50)))
        .build()?;
    let client = Client::builder()
        .base_url(origin.url())
        .no_proxy()
        .interceptor(retry)
        .interceptor(CacheInterceptor::new(cache))
        .build()?;

    let mut steps = Vec::new();
    for (name, path) in [
        ("GET /countries (first time): miss", "countries"),
        ("GET /countries again: hit", "countries"),
        ("GET /profile (no-cache, ETag)", "profile"),
        ("GET /profile again: revalidated (304)", "profile"),
        ("GET /news (stale at once)", "news"),
        ("GET /flaky: 503, retried, 200", "flaky"),
    ] {
        steps.push(cached_get(&client, &origin, name, path).await?);
    }
    steps.push(concurrent_refresh(&origin).await?);
    origin.stop().await;
    steps.push(
        cached_get(
            &client,
            &origin,
            "origin down: GET /news served stale",
            "news",
        )
        .await?,
    );
    store.close().await.ok();
    Ok(steps)
}

async fn cached_get(
    client: &Client,
    origin: &Origin,
    name: &'static str,
    path: &str,
) -> anyhow::Result<Step> {
    let before = origin.requests();
    let started = Instant::now();
    let response = client.get(path).send().await?;
    let status = response.extensions().get::<CacheStatus>().copied();
    let code = response.status();
    response.bytes().await?;
    Ok(Step {
        name,
        outcome: format!(
            "{} {}",
            code.as_u16(),
            status.map_or_else(
                || "-".to_owned(),
                |status| status.to_header_value("courier")
            )
        ),
        origin_requests: origin.requests() - before,
        elapsed: started.elapsed(),
    })
}

/// 50 requests at once with an access token the server has expired: one refresh, then all
/// 50 succeed with the new token.
async fn concurrent_refresh(origin: &Origin) -> anyhow::Result<Step> {
    let store = MemoryTokenStore::new();
    let refresh = refresh_fn(|current: Token, client: RefreshClient| async move {
        let response = client
            .post("auth/refresh")
            .json(&serde_json::json!({ "refresh_token": current.refresh_token() }))
            .send()
            .await?;
        Ok::<_, RefreshError>(Token::from_token_response(response.json().await?)?)
    });
    let auth = AuthInterceptor::builder(store, refresh).build()?;
    let client = Client::builder()
        .base_url(origin.url())
        .no_proxy()
        .interceptor(auth.clone())
        .build()?;
    auth.sign_in(Token::new("access-0").with_refresh_token("refresh-0"))
        .await?;
    let before = origin.requests();
    let refreshes_before = origin.counters.refreshes.load(Ordering::SeqCst);
    let started = Instant::now();
    let calls = (0..50).map(|_| async {
        client.get("me").send().await?.bytes().await?;
        Ok::<_, courier::Error>(())
    });
    let results = futures_util::future::join_all(calls).await;
    let succeeded = results.iter().filter(|result| result.is_ok()).count();
    let refreshes = origin.counters.refreshes.load(Ordering::SeqCst) - refreshes_before;
    Ok(Step {
        name: "50 concurrent GET /me, token expired",
        outcome: format!("{succeeded} x 200, {refreshes} token refresh"),
        origin_requests: origin.requests() - before,
        elapsed: started.elapsed(),
    })
}

/// Where the demo's cache lives: the embedded default store in a fresh temporary
/// directory, removed when the demo ends.
fn demo_store_location(directory: &tempfile::TempDir) -> String {
    format!(
        "sqlite:{}",
        directory.path().join("http-cache.sqlite").display()
    )
}

fn tempfile_directory() -> anyhow::Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new().prefix("courier-demo-").tempdir()?)
}
