//! Retries, offline: starts its own origin on 127.0.0.1 whose endpoints fail on purpose, and
//! shows `RetryInterceptor` at work — transient failures retried with back-off, `Retry-After`
//! honoured, a POST left alone unless it carries an `Idempotency-Key`, a retry budget that
//! keeps an outage from multiplying the load, and a cancel that ends a back-off at once.
//!
//! Run it with `cargo run --example retry` (no network, no set-up; about 2 s). It prints one
//! line per step; set `RUST_LOG=courier::retry=info` to also see each retry logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{any, get};
use courier::interceptors::retry::{Backoff, RetryBudget, RetryInterceptor};
use courier::{CancelToken, Client, ErrorKind};

/// How many requests the origin received, per path.
#[derive(Clone, Default)]
struct Hits(Arc<Mutex<HashMap<String, usize>>>);

impl Hits {
    /// Counts a request to `path` and returns its number (1 for the first).
    fn count(&self, path: &str) -> usize {
        let mut hits = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        let seen = hits.entry(path.to_owned()).or_default();
        *seen += 1;
        *seen
    }

    fn of(&self, path: &str) -> usize {
        let hits = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        hits.get(path).copied().unwrap_or(0)
    }
}

/// `/flaky/{name}`: 503 twice, then 200.
async fn flaky(State(hits): State<Hits>, Path(name): Path<String>) -> (StatusCode, String) {
    match hits.count(&format!("flaky/{name}")) {
        1 | 2 => (StatusCode::SERVICE_UNAVAILABLE, "busy".to_owned()),
        _ => (StatusCode::OK, format!("hello, {name}")),
    }
}

/// `/throttled`: 429 with `Retry-After: 1` once, then 200.
async fn throttled(State(hits): State<Hits>) -> (StatusCode, HeaderMap, &'static str) {
    let mut headers = HeaderMap::new();
    if hits.count("throttled") == 1 {
        headers.insert("retry-after", HeaderValue::from_static("1"));
        return (StatusCode::TOO_MANY_REQUESTS, headers, "slow down");
    }
    (StatusCode::OK, headers, "served")
}

/// `/down/{name}`: always 503 (an outage).
async fn down(State(hits): State<Hits>, Path(name): Path<String>) -> StatusCode {
    hits.count(&format!("down/{name}"));
    StatusCode::SERVICE_UNAVAILABLE
}

async fn start_origin(hits: Hits) -> std::io::Result<String> {
    let router = Router::new()
        .route("/flaky/{name}", get(flaky))
        .route("/throttled", get(throttled))
        .route("/down/{name}", any(down))
        .with_state(hits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{address}/"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .init();

    let hits = Hits::default();
    let origin = start_origin(hits.clone()).await?;

    // Short delays so the example runs in a moment: 100 ms, 200 ms, … with full jitter.
    let retry = RetryInterceptor::builder()
        .backoff(Backoff::exponential(Duration::from_millis(100)))
        .max_delay(Duration::from_secs(2))
        .build()?;
    let client = Client::builder()
        .base_url(&origin)
        .no_proxy()
        .interceptor(retry)
        .build()?;

    // 1. Transient failures are retried.
    let started = Instant::now();
    let text = client.get("flaky/ada").send().await?.text().await?;
    println!(
        "1. GET /flaky/ada -> {text:?} after {} attempts in {} ms",
        hits.of("flaky/ada"),
        started.elapsed().as_millis()
    );

    // 2. The server's Retry-After replaces the back-off.
    let started = Instant::now();
    let text = client.get("throttled").send().await?.text().await?;
    println!(
        "2. GET /throttled -> {text:?} after {} attempts; waited {:.1} s as Retry-After asked",
        hits.of("throttled"),
        started.elapsed().as_secs_f64()
    );

    // 3. A POST is sent once, unless it carries an Idempotency-Key.
    let plain = client.post("down/payment").body("{}").send().await;
    let status = plain.err().and_then(|error| error.status());
    println!(
        "3. POST /down/payment -> {status:?} after {} attempt (not idempotent: not retried)",
        hits.of("down/payment")
    );
    let keyed = client
        .post("down/keyed")
        .header("idempotency-key", "order-42")
        .body("{}")
        .send()
        .await;
    let status = keyed.err().and_then(|error| error.status());
    println!(
        "   POST /down/keyed with Idempotency-Key -> {status:?} after {} attempts",
        hits.of("down/keyed")
    );

    // 4. During an outage the budget stops retries from multiplying the load: no floor, one
    //    retry per ten calls.
    let outage = Client::builder()
        .base_url(&origin)
        .no_proxy()
        .interceptor(
            RetryInterceptor::builder()
                .backoff(Backoff::delays([Duration::ZERO]))
                .budget(RetryBudget::new(Duration::from_secs(10), 0, 0.1))
                .build()?,
        )
        .build()?;
    let calls = 50;
    for _ in 0..calls {
        let _ = outage.get("down/outage").send().await;
    }
    println!(
        "4. {calls} calls during an outage -> the origin saw {} requests (without a budget: {})",
        hits.of("down/outage"),
        calls * 4
    );

    // 5. Cancelling during a back-off ends the call at once.
    let patient = Client::builder()
        .base_url(&origin)
        .no_proxy()
        .interceptor(
            RetryInterceptor::builder()
                .backoff(Backoff::delays([Duration::from_secs(30)]))
                .max_delay(Duration::from_secs(30))
                .build()?,
        )
        .build()?;
    let token = CancelToken::new();
    let call = tokio::spawn({
        let token = token.clone();
        let patient = patient.clone();
        async move {
            patient
                .get("down/patient")
                .cancel_token(&token)
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cancelled_at = Instant::now();
    token.cancel_with("user closed the screen");
    let error = call.await?.err();
    println!(
        "5. cancelled during a 30 s back-off -> {:?} in {} ms after the cancel",
        error.as_ref().map(courier::Error::kind),
        cancelled_at.elapsed().as_millis()
    );
    assert_eq!(error.map(|e| e.kind()), Some(ErrorKind::Cancelled));
    Ok(())
}
