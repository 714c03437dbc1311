//! What `RetryInterceptor` costs, against an in-process transport that answers at once (no
//! sockets, and nothing recorded, so the interceptor's own work is what differs).
//!
//! - `retry/get_ok/{bare,noop_interceptor,with_retry}`: a GET answered 200 at once, through a
//!   client without interceptors, with one that only calls `next`, and with the retry
//!   interceptor: the happy-path overhead of retry's own work (a copy of the request kept for
//!   a retry, a budget deposit, the decision) is the difference between the last two.
//! - `retry/get_503_then_ok/zero_backoff`: a GET answered 503 then 200, retried with no delay:
//!   the cost of one retry (decision, budget withdrawal, a second attempt).
//! - `retry/budget/deposit_and_withdraw`: one deposit and one withdrawal on a shared budget.
//!
//! Run: `cargo bench -p courier --bench retry`. The body of every response is checked in the
//! loop.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use courier::interceptors::retry::{Backoff, RetryBudget, RetryInterceptor};
use courier::{Client, Interceptor, Next, Request, Response, Result, Transport};
use criterion::{Criterion, criterion_group, criterion_main};

/// Answers 200 "ok"; with `fail_every_other`, every odd request gets a 503 first.
#[derive(Default)]
struct Origin {
    fail_every_other: bool,
    requests: AtomicUsize,
}

impl Transport for Origin {
    async fn send(&self, _request: Request) -> Result<Response> {
        let number = self.requests.fetch_add(1, Ordering::Relaxed);
        if self.fail_every_other && number.is_multiple_of(2) {
            return Ok(Response::new(http::StatusCode::SERVICE_UNAVAILABLE, "busy"));
        }
        Ok(Response::new(http::StatusCode::OK, "ok"))
    }
}

/// Only calls `next`: the cost of one interceptor in the chain.
struct Noop;

impl Interceptor for Noop {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        next.run(request).await
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Which interceptor a bench's client has.
enum Chain {
    Bare,
    Noop,
    Retry(RetryInterceptor),
}

fn client(origin: Origin, chain: Chain) -> Client {
    let builder = Client::builder()
        .base_url("https://api.example")
        .transport(origin);
    let builder = match chain {
        Chain::Bare => builder,
        Chain::Noop => builder.interceptor(Noop),
        Chain::Retry(retry) => builder.interceptor(retry),
    };
    builder.build().expect("client")
}

fn zero_backoff() -> RetryInterceptor {
    RetryInterceptor::builder()
        .backoff(Backoff::delays([Duration::ZERO]))
        .without_budget()
        .build()
        .expect("retry")
}

/// One GET, its body read and checked.
async fn get(client: &Client) {
    let body = client
        .get("/x")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, "ok");
}

fn get_ok(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("retry/get_ok");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, chain) in [
        ("bare", Chain::Bare),
        ("noop_interceptor", Chain::Noop),
        ("with_retry", Chain::Retry(RetryInterceptor::new())),
    ] {
        let client = client(Origin::default(), chain);
        group.bench_function(name, |b| b.to_async(&runtime).iter(|| get(&client)));
    }
    group.finish();
}

fn get_503_then_ok(c: &mut Criterion) {
    let runtime = runtime();
    let origin = Origin {
        fail_every_other: true,
        ..Origin::default()
    };
    let client = client(origin, Chain::Retry(zero_backoff()));
    let mut group = c.benchmark_group("retry/get_503_then_ok");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("zero_backoff", |b| {
        b.to_async(&runtime).iter(|| get(&client));
    });
    group.finish();
}

fn budget(c: &mut Criterion) {
    let budget = RetryBudget::default();
    c.bench_function("retry/budget/deposit_and_withdraw", |b| {
        b.iter(|| {
            budget.deposit();
            std::hint::black_box(budget.try_withdraw());
        });
    });
}

criterion_group!(benches, get_ok, get_503_then_ok, budget);
criterion_main!(benches);
