//! `RetryInterceptor`: how many attempts, after how long, and which requests, against
//! `MockTransport` (under paused tokio time, so every delay is exact) and against a real
//! loopback server that counts what it receives.
// Setup helpers outside `#[test]` functions (and `common`) panic on failure, as tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{ConnectInfo, Multipart, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use common::TestServer;
use courier::interceptors::retry::{Backoff, Jitter, RetryBudget, RetryInterceptor, RetryOptions};
use courier::mock::Fault;
use courier::mock::matchers::{any, path};
use courier::multipart::{Form, Part};
use courier::{
    Body, CancelToken, Client, ClientBuilder, Error, ErrorKind, Interceptor, Mock, MockTransport,
    Next, Request, ResponseTemplate, Result,
};
use tokio::time::Instant;

// ----- helpers -----

/// Records when each attempt leaves (placed after the retry interceptor: once per attempt).
#[derive(Clone, Default)]
struct Attempts(Arc<Mutex<Vec<Instant>>>);

impl Attempts {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The waits between consecutive attempts.
    fn gaps(&self) -> Vec<Duration> {
        let times = self.0.lock().unwrap();
        times.windows(2).map(|pair| pair[1] - pair[0]).collect()
    }
}

impl Interceptor for Attempts {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<courier::Response> {
        self.0.lock().unwrap().push(Instant::now());
        next.run(request).await
    }
}

/// Fails every attempt with `kind` without sending anything, counting the attempts.
struct FailWith {
    kind: ErrorKind,
    calls: Arc<AtomicUsize>,
}

impl Interceptor for FailWith {
    async fn intercept(&self, _request: Request, _next: Next<'_>) -> Result<courier::Response> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(Error::new(self.kind))
    }
}

/// 1 s, 2 s, 4 s, … exactly.
fn doubling() -> Backoff {
    Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::none())
}

/// A retry interceptor with exact delays and no budget (budget tests set their own).
fn retry() -> RetryInterceptor {
    RetryInterceptor::builder()
        .backoff(doubling())
        .without_budget()
        .build()
        .unwrap()
}

/// A client over `mock` with `retry`, and the attempts it sends.
fn mock_client(mock: &MockTransport, retry: RetryInterceptor) -> (Client, Attempts) {
    mock_client_with(mock, retry, |builder| builder)
}

fn mock_client_with(
    mock: &MockTransport,
    retry: RetryInterceptor,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (Client, Attempts) {
    let attempts = Attempts::default();
    let builder = Client::builder()
        .base_url("https://api.example")
        .interceptor(retry)
        .interceptor(attempts.clone())
        .transport(mock.clone());
    (configure(builder).build().unwrap(), attempts)
}

/// `GET /flaky` answers `failures` in turn, then 200 "ok" forever.
fn flaky(failures: impl IntoIterator<Item = ResponseTemplate>) -> MockTransport {
    let mock = MockTransport::new();
    Mock::given(path("/flaky"))
        .respond_with_sequence(failures)
        .mount(&mock);
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).body("ok"))
        .mount(&mock);
    mock
}

/// Every request gets `template`.
fn always(template: ResponseTemplate) -> MockTransport {
    let mock = MockTransport::new();
    Mock::given(any()).respond_with(template).mount(&mock);
    mock
}

fn status(code: u16) -> ResponseTemplate {
    ResponseTemplate::new(code)
}

// ----- what is retried -----

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_until_one_succeeds() {
    let mock = flaky([status(503), status(502)]);
    let (client, attempts) = mock_client(&mock, retry());
    let response = client.get("/flaky").send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_eq!(attempts.count(), 3);
    assert_eq!(
        attempts.gaps(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
}

#[tokio::test(start_paused = true)]
async fn each_default_status_is_retried_and_others_are_not() {
    for code in [408, 429, 500, 502, 503, 504] {
        let mock = flaky([status(code)]);
        let (client, attempts) = mock_client(&mock, retry());
        assert!(client.get("/flaky").send().await.is_ok(), "{code}");
        assert_eq!(attempts.count(), 2, "{code} is retried");
    }
    for code in [400, 401, 403, 404, 409, 422, 501, 505] {
        let mock = flaky([status(code)]);
        let (client, attempts) = mock_client(&mock, retry());
        let error = client.get("/flaky").send().await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(code));
        assert_eq!(attempts.count(), 1, "{code} is not retried");
    }
}

#[tokio::test(start_paused = true)]
async fn after_the_last_attempt_the_last_failure_is_returned() {
    let mock = always(status(503).body("down"));
    let (client, attempts) = mock_client(&mock, retry());
    let error = client.get("/flaky").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.response().unwrap().buffered_body().unwrap(), "down");
    assert_eq!(attempts.count(), 4);
    assert_eq!(
        attempts.gaps(),
        [1, 2, 4].map(Duration::from_secs).to_vec(),
        "the seed's 1 s, 2 s, 4 s"
    );
}

#[tokio::test(start_paused = true)]
async fn connection_errors_and_attempt_timeouts_are_retried() {
    for fault in [Fault::ConnectionRefused, Fault::ConnectTimeout, Fault::Hang] {
        let mock = flaky([ResponseTemplate::fault(fault)]);
        let (client, attempts) = mock_client_with(&mock, retry(), |builder| {
            builder.receive_timeout(Duration::from_secs(5))
        });
        let response = client.get("/flaky").send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "ok", "{fault:?}");
        assert_eq!(attempts.count(), 2, "{fault:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn cancelled_decode_and_invalid_request_errors_are_never_retried() {
    for kind in [
        ErrorKind::Cancelled,
        ErrorKind::Decode,
        ErrorKind::InvalidRequest,
    ] {
        let calls = Arc::new(AtomicUsize::new(0));
        // Even a predicate that wants everything retried.
        let retry = RetryInterceptor::builder()
            .retry_if(|_| true)
            .without_budget()
            .build()
            .unwrap();
        let client = Client::builder()
            .interceptor(retry)
            .interceptor(FailWith {
                kind,
                calls: calls.clone(),
            })
            .build()
            .unwrap();
        let error = client.get("https://api.example/").send().await.unwrap_err();
        assert_eq!(error.kind(), kind);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{kind:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_predicate_chooses_what_else_is_retried() {
    let mock = flaky([status(409), status(409)]);
    let retry = RetryInterceptor::builder()
        .backoff(doubling())
        .retry_if(|outcome| {
            outcome.is_transient() || outcome.status() == Some(StatusCode::CONFLICT)
        })
        .without_budget()
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&mock, retry);
    assert!(client.get("/flaky").send().await.is_ok());
    assert_eq!(attempts.count(), 3);

    // And what is not: here, no status at all.
    let mock = flaky([status(503)]);
    let retry = RetryInterceptor::builder()
        .retry_if(|outcome| outcome.error_kind() == Some(ErrorKind::Connection))
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&mock, retry);
    assert!(client.get("/flaky").send().await.is_err());
    assert_eq!(attempts.count(), 1);
}

// ----- back-off -----

#[tokio::test(start_paused = true)]
async fn full_jitter_draws_each_delay_below_its_ceiling() {
    let fractions = Arc::new(Mutex::new(vec![0.25, 0.5, 1.0]));
    let source = fractions.clone();
    let retry = RetryInterceptor::builder()
        .backoff(
            Backoff::exponential(Duration::from_secs(2))
                .jitter(Jitter::full_with(move || source.lock().unwrap().remove(0))),
        )
        .without_budget()
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&always(status(503)), retry);
    assert!(client.get("/flaky").send().await.is_err());
    // Ceilings 2 s, 4 s, 8 s, scaled by 0.25, 0.5 and 1.
    assert_eq!(
        attempts.gaps(),
        [500, 2000, 8000].map(Duration::from_millis).to_vec()
    );
}

#[tokio::test(start_paused = true)]
async fn max_delay_caps_the_back_off() {
    let retry = RetryInterceptor::builder()
        .max_attempts(5)
        .backoff(doubling())
        .max_delay(Duration::from_secs(3))
        .without_budget()
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&always(status(500)), retry);
    assert!(client.get("/flaky").send().await.is_err());
    assert_eq!(
        attempts.gaps(),
        [1, 2, 3, 3].map(Duration::from_secs).to_vec()
    );
}

#[tokio::test(start_paused = true)]
async fn an_explicit_list_of_delays_is_used_as_given() {
    let retry = RetryInterceptor::builder()
        .backoff(Backoff::delays(
            [200, 1000, 4000].map(Duration::from_millis),
        ))
        .without_budget()
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&always(status(502)), retry);
    assert!(client.get("/flaky").send().await.is_err());
    assert_eq!(
        attempts.gaps(),
        [200, 1000, 4000].map(Duration::from_millis).to_vec()
    );
}

// ----- Retry-After -----

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_replace_the_back_off() {
    let mock = flaky([status(429).insert_header("retry-after", "7")]);
    let (client, attempts) = mock_client(&mock, retry());
    assert!(client.get("/flaky").send().await.is_ok());
    assert_eq!(attempts.gaps(), [Duration::from_secs(7)]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_honoured() {
    // HTTP-dates have whole seconds: the wait is between 19 and 20 s from now.
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(20));
    let mock = flaky([status(503).insert_header("retry-after", at.as_str())]);
    let (client, attempts) = mock_client(&mock, retry());
    assert!(client.get("/flaky").send().await.is_ok());
    let gap = attempts.gaps()[0];
    assert!(
        gap > Duration::from_secs(18) && gap <= Duration::from_secs(20),
        "{gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_longer_than_max_delay_is_returned_at_once() {
    let mock = flaky([status(503).insert_header("retry-after", "3600")]);
    let (client, attempts) = mock_client(&mock, retry());
    let started = Instant::now();
    let error = client.get("/flaky").send().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(attempts.count(), 1);
    // The caller gets the server's answer, Retry-After included, to schedule it itself.
    let response = error.response().unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "3600");
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_retry_after_falls_back_to_the_back_off() {
    let mock = flaky([status(503).insert_header("retry-after", "soon")]);
    let (client, attempts) = mock_client(&mock, retry());
    assert!(client.get("/flaky").send().await.is_ok());
    assert_eq!(attempts.gaps(), [Duration::from_secs(1)]);
}

// ----- deadline and cancellation -----

#[tokio::test(start_paused = true)]
async fn a_retry_whose_wait_would_pass_the_total_timeout_is_not_started() {
    let (client, attempts) = mock_client_with(&always(status(503)), retry(), |builder| {
        builder.timeout(Duration::from_secs(5))
    });
    let started = Instant::now();
    let error = client.get("/flaky").send().await.unwrap_err();
    // Attempts at 0 s, 1 s and 3 s; the next wait (4 s) would end at 7 s, past 5 s: the last
    // failure is returned at 3 s rather than a timeout at 5 s.
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(attempts.count(), 3);
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn the_total_timeout_is_not_retried() {
    let mock = always(ResponseTemplate::fault(Fault::Hang));
    let (client, attempts) = mock_client_with(&mock, retry(), |builder| {
        builder.timeout(Duration::from_secs(5))
    });
    let started = Instant::now();
    let error = client.get("/flaky").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(attempts.count(), 1);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn cancelling_during_the_back_off_ends_the_call_at_once() {
    let mock = flaky([status(503).insert_header("retry-after", "20")]);
    let (client, attempts) = mock_client(&mock, retry());
    let token = CancelToken::new();
    let call = tokio::spawn({
        let token = token.clone();
        async move { client.get("/flaky").cancel_token(&token).send().await }
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(attempts.count(), 1, "waiting out the 20 s");
    let cancelled_at = Instant::now();
    token.cancel_with("user left");
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(cancelled_at.elapsed(), Duration::ZERO);
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(error.cancel_reason().unwrap().as_str(), "user left");
    assert_eq!(attempts.count(), 1);
}

// ----- idempotency -----

#[tokio::test(start_paused = true)]
async fn idempotent_methods_are_retried() {
    for verb in ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"] {
        let (client, attempts) = mock_client(&always(status(503)), retry());
        let method = http::Method::from_bytes(verb.as_bytes()).unwrap();
        assert!(client.request(method, "/x").send().await.is_err());
        assert_eq!(attempts.count(), 4, "{verb}");
    }
}

#[tokio::test(start_paused = true)]
async fn post_and_patch_are_not_retried_without_a_key_or_an_opt_in() {
    for verb in ["POST", "PATCH"] {
        let method = http::Method::from_bytes(verb.as_bytes()).unwrap();
        let mock = always(status(503));
        let (client, attempts) = mock_client(&mock, retry());

        assert!(client.request(method.clone(), "/pay").send().await.is_err());
        assert_eq!(attempts.count(), 1, "{verb} alone");

        assert!(
            client
                .request(method.clone(), "/pay")
                .header("Idempotency-Key", "3f2c")
                .send()
                .await
                .is_err()
        );
        assert_eq!(attempts.count(), 1 + 4, "{verb} with Idempotency-Key");

        assert!(
            client
                .request(method.clone(), "/pay")
                .extension(RetryOptions::new().idempotent(true))
                .send()
                .await
                .is_err()
        );
        assert_eq!(attempts.count(), 1 + 4 + 4, "{verb} opted in");

        // The key is sent on every attempt.
        let keyed = mock
            .received_requests()
            .into_iter()
            .filter(|request| request.headers().contains_key("idempotency-key"))
            .count();
        assert_eq!(keyed, 4);
    }
    // The rule is by method, not by guessing whether the server saw the request: not even a
    // refused connection retries a POST.
    let mock = always(ResponseTemplate::fault(Fault::ConnectionRefused));
    let (client, attempts) = mock_client(&mock, retry());
    assert!(client.post("/pay").send().await.is_err());
    assert_eq!(attempts.count(), 1);
}

// ----- per request -----

#[tokio::test(start_paused = true)]
async fn a_request_can_disable_retries_or_change_its_attempts() {
    let (client, attempts) = mock_client(&always(status(503)), retry());
    assert!(
        client
            .get("/x")
            .extension(RetryOptions::disabled())
            .send()
            .await
            .is_err()
    );
    assert_eq!(attempts.count(), 1);

    let (client, attempts) = mock_client(&always(status(503)), retry());
    let fewer = RetryOptions::new().max_attempts(2);
    assert!(client.get("/x").extension(fewer).send().await.is_err());
    assert_eq!(attempts.count(), 2);

    let (client, attempts) = mock_client(&always(status(503)), retry());
    let more = RetryOptions::new().max_attempts(6);
    assert!(client.get("/x").extension(more).send().await.is_err());
    assert_eq!(attempts.count(), 6);
}

// ----- bodies -----

#[tokio::test(start_paused = true)]
async fn in_memory_bodies_are_sent_again_whole() {
    let mock = flaky([status(503), status(503)]);
    let (client, _) = mock_client(&mock, retry());
    let body = serde_json::json!({"name": "Ada", "tags": vec!["x"; 100]});
    client.put("/flaky").json(&body).send().await.unwrap();
    let received = mock.received_requests();
    assert_eq!(received.len(), 3);
    for request in received {
        assert_eq!(request.body_json::<serde_json::Value>().unwrap(), body);
    }
}

#[tokio::test(start_paused = true)]
async fn a_one_shot_stream_is_not_retried_and_the_error_says_why() {
    let mock = always(ResponseTemplate::fault(Fault::ConnectionRefused));
    let (client, attempts) = mock_client(&mock, retry());
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("streamed")]);
    let error = client
        .put("/upload")
        .body(Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(attempts.count(), 1);
    let shown = error.to_string();
    assert!(shown.contains("not retried"), "{shown}");
    assert!(shown.contains("one-shot stream"), "{shown}");
    // The cause is still there.
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test(start_paused = true)]
async fn a_rejected_status_for_a_one_shot_stream_keeps_its_response() {
    let mock = always(status(503).body("busy"));
    let (client, attempts) = mock_client(&mock, retry());
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("streamed")]);
    let error = client
        .put("/upload")
        .body(Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap_err();
    assert_eq!(attempts.count(), 1);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.response().unwrap().buffered_body().unwrap(), "busy");
    assert!(error.to_string().contains("one-shot stream"));
}

// ----- budget -----

#[tokio::test(start_paused = true)]
async fn the_budget_limits_retries_during_an_outage() {
    // No floor, one retry per five calls.
    let budget = RetryBudget::new(Duration::from_secs(10), 0, 0.2);
    let retry = RetryInterceptor::builder()
        .backoff(Backoff::delays([Duration::ZERO]))
        .budget(budget.clone())
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&always(status(503)), retry);
    for _ in 0..20 {
        assert!(client.get("/x").send().await.is_err());
    }
    // Without a budget: 20 × 4 = 80 attempts. With it: 20 calls + 20 % of them.
    assert_eq!(attempts.count(), 24);
    assert_eq!(budget.available(), 0);
}

#[tokio::test(start_paused = true)]
async fn the_budget_limits_a_concurrent_burst_and_is_shared_by_clones() {
    let budget = RetryBudget::new(Duration::from_secs(10), 1, 0.0);
    let retry = RetryInterceptor::builder()
        .backoff(Backoff::delays([Duration::from_millis(10)]))
        .budget(budget)
        .build()
        .unwrap();
    let mock = always(status(503));
    // Two clients, each with a clone of the interceptor.
    let (first, first_attempts) = mock_client(&mock, retry.clone());
    let (second, second_attempts) = mock_client(&mock, retry);
    let calls: Vec<_> = (0..50)
        .map(|i| {
            let client = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move { client.get("/x").send().await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().is_err());
    }
    // A floor of 1 retry/s over 10 s: 10 retries in all, across both clients.
    assert_eq!(first_attempts.count() + second_attempts.count(), 50 + 10);
}

#[tokio::test(start_paused = true)]
async fn a_spent_budget_recovers_as_the_window_slides() {
    let budget = RetryBudget::new(Duration::from_secs(1), 1, 0.0);
    let retry = RetryInterceptor::builder()
        .backoff(Backoff::delays([Duration::ZERO]))
        .budget(budget)
        .build()
        .unwrap();
    let (client, attempts) = mock_client(&always(status(503)), retry);
    assert!(client.get("/x").send().await.is_err());
    assert_eq!(attempts.count(), 2, "the one retry of the floor");
    assert!(client.get("/x").send().await.is_err());
    assert_eq!(attempts.count(), 3, "spent");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(client.get("/x").send().await.is_err());
    assert_eq!(attempts.count(), 5, "back");
}

// ----- logs -----

/// Where the subscriber writes: a buffer the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `test` on a paused current-thread runtime and returns what it logged under `filter`.
fn logged<F, Fut>(filter: &str, test: F) -> String
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || runtime.block_on(test()));
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn each_retry_is_logged_with_attempt_delay_and_reason_but_no_secrets() {
    let log = logged("courier::retry=info", || async {
        let mock = flaky([
            status(503),
            ResponseTemplate::fault(Fault::ConnectionRefused),
        ]);
        let (client, _) = mock_client(&mock, retry());
        client
            .get("/flaky?access_token=s3cr3t&page=2")
            .bearer_auth("t0k3n")
            .send()
            .await
            .unwrap();
    });
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("INFO courier::retry: retrying request"),
        "{log}"
    );
    assert!(lines[0].contains("method=GET"), "{log}");
    assert!(
        lines[0].contains("attempt=1 max_attempts=4 delay_ms=1000"),
        "{log}"
    );
    assert!(lines[0].contains("reason=status 503"), "{log}");
    assert!(
        lines[1].contains("attempt=2 max_attempts=4 delay_ms=2000"),
        "{log}"
    );
    assert!(lines[1].contains("reason=connection error"), "{log}");
    assert!(log.contains("page=2"), "{log}");
    for secret in ["s3cr3t", "t0k3n"] {
        assert!(!log.contains(secret), "{secret} leaked into {log}");
    }
}

#[test]
fn an_exhausted_budget_is_logged_as_a_warning() {
    let log = logged("courier::retry=warn", || async {
        let retry = RetryInterceptor::builder()
            .budget(RetryBudget::new(Duration::from_secs(10), 0, 0.0))
            .build()
            .unwrap();
        let (client, attempts) = mock_client(&always(status(502)), retry);
        assert!(client.get("/x").send().await.is_err());
        assert_eq!(attempts.count(), 1);
    });
    assert!(
        log.contains("WARN courier::retry: retry budget exhausted"),
        "{log}"
    );
    assert!(log.contains("reason=status 502"), "{log}");
}

// ----- against a real server -----

/// What a loopback server saw: one entry per request.
#[derive(Clone, Default)]
struct Seen {
    requests: Arc<AtomicUsize>,
    /// The client's address of each request (its connection).
    peers: Arc<Mutex<Vec<SocketAddr>>>,
    /// The multipart fields of each request, as `name=size` strings.
    forms: Arc<Mutex<Vec<Vec<String>>>>,
}

/// Serves `router` with each request's peer address available, on `127.0.0.1:0`.
async fn serve_with_peers(router: Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    (addr, task)
}

fn real_retry() -> RetryInterceptor {
    RetryInterceptor::builder()
        .backoff(Backoff::delays([Duration::ZERO]))
        .without_budget()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_real_server_sees_each_attempt() {
    async fn flaky(State(seen): State<Seen>) -> (StatusCode, &'static str) {
        match seen.requests.fetch_add(1, Ordering::SeqCst) {
            0 => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            1 => (StatusCode::BAD_GATEWAY, "bad gateway"),
            _ => (StatusCode::OK, "ok"),
        }
    }
    let seen = Seen::default();
    let server = TestServer::start(
        Router::new()
            .route("/flaky", get(flaky))
            .with_state(seen.clone()),
    )
    .await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(real_retry())
        .build()
        .unwrap();
    let response = client.get("flaky").send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_real_connection_refused_is_retried_up_to_the_limit() {
    // A port that was just free: nothing listens there.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let attempts = Attempts::default();
    let client = Client::builder()
        .no_proxy()
        .interceptor(real_retry())
        .interceptor(attempts.clone())
        .build()
        .unwrap();
    let error = client
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(attempts.count(), 4);
}

#[tokio::test]
async fn a_retried_response_is_drained_so_its_connection_is_reused() {
    async fn flaky(
        State(seen): State<Seen>,
        ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ) -> (StatusCode, String) {
        seen.peers.lock().unwrap().push(peer);
        match seen.requests.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => (StatusCode::SERVICE_UNAVAILABLE, "x".repeat(60 * 1024)),
            _ => (StatusCode::OK, "ok".to_owned()),
        }
    }
    let seen = Seen::default();
    let router = Router::new()
        .route("/flaky", get(flaky))
        .with_state(seen.clone());
    let (addr, server) = serve_with_peers(router).await;
    // Every status is accepted: the 503s arrive as `Ok` with their bodies still unread.
    let client = Client::builder()
        .base_url(format!("http://{addr}/"))
        .no_proxy()
        .http1_only()
        .validate_status(|_| true)
        .interceptor(real_retry())
        .build()
        .unwrap();
    let response = client.get("flaky").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
    let peers = seen.peers.lock().unwrap().clone();
    assert_eq!(peers.len(), 3);
    assert!(
        peers.iter().all(|peer| *peer == peers[0]),
        "one connection for all attempts: {peers:?}"
    );
    server.abort();
}

#[tokio::test]
async fn a_multipart_form_is_sent_whole_on_every_attempt() {
    async fn upload(State(seen): State<Seen>, mut form: Multipart) -> StatusCode {
        let mut fields = Vec::new();
        while let Some(field) = form.next_field().await.unwrap() {
            let name = field.name().unwrap_or_default().to_owned();
            let size = field.bytes().await.unwrap().len();
            fields.push(format!("{name}={size}"));
        }
        seen.forms.lock().unwrap().push(fields);
        match seen.requests.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::CREATED,
        }
    }
    let seen = Seen::default();
    let server = TestServer::start(
        Router::new()
            .route("/upload", post(upload))
            .with_state(seen.clone()),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("photo.bin");
    std::fs::write(&file, vec![7u8; 100_000]).unwrap();
    let form = Form::new()
        .text("title", "holiday")
        .part("photo", Part::file(&file).await.unwrap())
        .part("thumb", Part::bytes(vec![1u8; 2048]).file_name("t.bin"));
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(real_retry())
        .build()
        .unwrap();
    let response = client
        .post("upload")
        .header("idempotency-key", "upload-1")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let expected = vec![
        "title=7".to_owned(),
        "photo=100000".to_owned(),
        "thumb=2048".to_owned(),
    ];
    assert_eq!(*seen.forms.lock().unwrap(), vec![expected; 3]);
}

#[tokio::test]
async fn a_post_to_a_real_server_is_sent_once() {
    async fn fail(State(seen): State<Seen>) -> StatusCode {
        seen.requests.fetch_add(1, Ordering::SeqCst);
        StatusCode::SERVICE_UNAVAILABLE
    }
    let seen = Seen::default();
    let server = TestServer::start(
        Router::new()
            .route("/orders", post(fail))
            .with_state(seen.clone()),
    )
    .await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(real_retry())
        .build()
        .unwrap();
    let error = client.post("orders").body("{}").send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}
