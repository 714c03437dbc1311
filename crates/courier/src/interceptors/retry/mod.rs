//! [`RetryInterceptor`]: sends a failed request again when that is safe and likely to help
//! (dio_smart_retry for courier, with a retry budget).
//!
//! Networks drop connections and servers shed load for a moment; the same request a second
//! later usually succeeds. Retrying hides those blips from the user, but a naive retry loop
//! does harm in three ways, and this interceptor is built against each:
//!
//! - **It repeats what must not be repeated.** A POST that timed out may have charged the
//!   card. Only methods that RFC 9110 calls idempotent are retried, and a POST or PATCH only
//!   when it carries an `Idempotency-Key` header or the caller vouches for it
//!   ([`RetryOptions::idempotent`]).
//! - **It retries in lock-step.** A thousand clients that failed together and wait the same
//!   1 s, 2 s, 4 s hit the recovering server together. Delays grow exponentially and are drawn
//!   at random below that ceiling ("full jitter", see [`Jitter`]), and a server's own
//!   `Retry-After` is honoured.
//! - **It multiplies load during an outage.** With four attempts per call, a server that fails
//!   everything receives four times its load exactly when it can least take it, and every
//!   layer that retries multiplies again. A maximum of attempts does not prevent that; a
//!   [`RetryBudget`] does: retries may add only a fraction (20 %) of the recent calls, plus a
//!   small floor, so one failure among many successes is retried at once while a wall of
//!   failures is passed through. The budget is shared by every clone of the interceptor.
//!
//! # Defaults
//!
//! | setting | default | change with |
//! |---|---|---|
//! | attempts | 4 (the first + 3 retries) | [`max_attempts`](RetryInterceptorBuilder::max_attempts), per request [`RetryOptions::max_attempts`] |
//! | back-off | exponential from 1 s, factor 2 (ceilings 1 s, 2 s, 4 s), full jitter | [`backoff`](RetryInterceptorBuilder::backoff): [`Backoff::exponential`], [`Backoff::delays`] |
//! | longest wait | 30 s, for the back-off and for `Retry-After` | [`max_delay`](RetryInterceptorBuilder::max_delay) |
//! | errors retried | [`Connection`](crate::ErrorKind::Connection), [`ConnectTimeout`](crate::ErrorKind::ConnectTimeout), [`SendTimeout`](crate::ErrorKind::SendTimeout), [`ReceiveTimeout`](crate::ErrorKind::ReceiveTimeout) | [`retry_if`](RetryInterceptorBuilder::retry_if) |
//! | statuses retried | 408, 429, 500, 502, 503, 504 | [`retry_if`](RetryInterceptorBuilder::retry_if) |
//! | never retried | [`Cancelled`](crate::ErrorKind::Cancelled), [`Decode`](crate::ErrorKind::Decode), [`InvalidRequest`](crate::ErrorKind::InvalidRequest), whatever the predicate says | — |
//! | methods retried | GET, HEAD, OPTIONS, TRACE, PUT, DELETE; others with `Idempotency-Key` | per request [`RetryOptions::idempotent`] |
//! | `Retry-After` | honoured (seconds or HTTP-date) in place of the back-off; longer than the longest wait: not retried | [`max_delay`](RetryInterceptorBuilder::max_delay) |
//! | budget | 10 s window, 10 retries/s floor + 20 % of calls, shared by clones | [`budget`](RetryInterceptorBuilder::budget), [`without_budget`](RetryInterceptorBuilder::without_budget) |
//! | per request | inherits the above | [`RetryOptions`] in the request's extensions |
//!
//! # Decisions worth knowing
//!
//! - **The total timeout is not retried.** [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)
//!   bounds the whole call, retries and back-offs included: once it fires the call is over.
//!   A retry is also not started when its wait would end at or past that deadline; the
//!   last failure is returned at once instead of a timeout later.
//! - **`Retry-After` replaces the back-off**, unjittered: the server knows when it will be
//!   ready. One longer than [`max_delay`](RetryInterceptorBuilder::max_delay) is not retried
//!   and the response, `Retry-After` included, is returned at once: waiting only the cap would
//!   send the request before the server asked and meet the same refusal, and waiting longer
//!   than the cap is what the cap forbids. The caller can read the header and schedule it.
//! - **A status counts whether it came back as `Ok` or as an error.** By default a 503 fails
//!   [`validate_status`](crate::ClientBuilder::validate_status) and arrives as a
//!   [`BadResponse`](crate::ErrorKind::BadResponse) error whose body is already read; with a
//!   `validate_status` that accepts it, it arrives as `Ok` and its body is read (up to 64 KiB,
//!   for at most 250 ms, else dropped) before the next attempt, so the connection returns to
//!   the pool.
//! - **Bodies are sent again**: bytes, JSON, forms, files and [multipart](crate::multipart)
//!   forms are re-created for each attempt ([`Request::try_clone`](crate::Request::try_clone)).
//!   A one-shot stream ([`Body::wrap_stream`](crate::Body::wrap_stream)) cannot be; its
//!   failure is returned with a note saying why it was not retried.
//! - **Cancellation ends a back-off at once**: the wait races the request's
//!   [`CancelToken`](crate::CancelToken), and the call fails as
//!   [`Cancelled`](crate::ErrorKind::Cancelled).
//! - **The budget counts calls, not attempts**, and its exhaustion returns the failure as it
//!   is. A call whose retries are disabled or impossible still deposits: it is load too.
//!
//! # Logs
//!
//! On target `courier::retry`: each retry at INFO (`retrying request`, with `method`, the
//! redacted `url`, `attempt` (the one that failed), `max_attempts`, `delay_ms`,
//! `retry_after` (whether the server set the delay) and `reason`: `status 503` or the error
//! kind); an exhausted budget at WARN; the other reasons for not retrying at DEBUG. Headers
//! and bodies are never logged.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use courier::interceptors::retry::{Backoff, Jitter, RetryInterceptor, RetryOptions};
//! use courier::mock::matchers::{method, path};
//! use courier::{Client, Mock, MockTransport, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockTransport::new();
//! // Overloaded twice (once asking for 3 s), then fine.
//! Mock::given(path("/report"))
//!     .respond_with_sequence([
//!         ResponseTemplate::new(503),
//!         ResponseTemplate::new(429).insert_header("retry-after", "3"),
//!     ])
//!     .mount(&mock);
//! Mock::given(path("/report")).respond_with(ResponseTemplate::new(200).body("done")).mount(&mock);
//!
//! let retry = RetryInterceptor::builder()
//!     .backoff(Backoff::exponential(Duration::from_millis(500)).jitter(Jitter::none()))
//!     .build()?;
//! let client = Client::builder()
//!     .base_url("https://api.example")
//!     .interceptor(retry)
//!     .transport(mock.clone())
//!     .build()?;
//!
//! let started = tokio::time::Instant::now();
//! assert_eq!(client.get("/report").send().await?.text().await?, "done");
//! // 500 ms of back-off, then the 3 s the server asked for.
//! assert_eq!(started.elapsed(), Duration::from_millis(3500));
//!
//! // A POST is not retried unless it may be repeated.
//! Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&mock);
//! assert!(client.post("/orders").send().await.is_err());
//! assert!(client.post("/orders").header("idempotency-key", "order-7").send().await.is_err());
//! assert!(client.post("/orders").extension(RetryOptions::new().idempotent(true)).send().await.is_err());
//! let posts = mock.received_requests().into_iter().filter(|r| r.method() == "POST").count();
//! assert_eq!(posts, 1 + 4 + 4);
//! # Ok(())
//! # }
//! ```

mod backoff;
mod budget;
mod builder;
mod drain;
mod idempotency;
mod interceptor;
mod jitter;
mod options;
mod outcome;
mod policy;

pub use backoff::Backoff;
pub use budget::RetryBudget;
pub use builder::RetryInterceptorBuilder;
pub use interceptor::RetryInterceptor;
pub use jitter::Jitter;
pub use options::RetryOptions;
pub use outcome::AttemptOutcome;
