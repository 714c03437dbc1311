//! [`MockTransport`]: answer requests in-process, from mocks mounted in a test.
//!
//! A test should exercise the real client (its base URL, default headers, interceptors,
//! timeouts, retries and error mapping) without a server, a port or the network. So courier
//! swaps the bottom of the chain: the client is built with `.transport(mock.clone())`, and
//! everything above the transport runs exactly as in production. This is Dio's
//! `http_mock_adapter`, with the sentence-like API of wiremock:
//!
//! ```text
//! Mock::given(method("POST")).and(path("/notes"))     which requests
//!     .respond_with(ResponseTemplate::new(201))      the answer
//!     .up_to_n_times(1)                              how many it may answer
//!     .expect(1)                                     how many it must answer
//!     .mount(&mock);                                 register, after earlier mocks
//! ```
//!
//! - **Matchers** ([`matchers`]) are free functions, and any
//!   `Fn(&RecordedRequest) -> bool` closure is one too. A mock answers a request only when
//!   all of its matchers accept it.
//! - **Order**: mocks are tried in mount order; the first that matches and has answers left
//!   answers. A mock that used up its [`up_to_n_times`](Mock::up_to_n_times), or the end of
//!   its [`respond_with_sequence`](MockBuilder::respond_with_sequence), steps aside for the
//!   next one: that is how "fail twice, then succeed" is written.
//! - **Unmatched requests** get a `404` whose `text/plain` body says that no mock matched,
//!   shows the request line and lists the mounted mocks; they are recorded too.
//! - **Templates** ([`ResponseTemplate`]) set the status, headers, a body (bytes, JSON or
//!   chunks with a gap between them), a delay before the head, and injected
//!   [`Fault`]s: a refused connection, a connect timeout, a server that never answers, a
//!   connection reset in the middle of the body. Waiting uses tokio's clock, so with
//!   `#[tokio::test(start_paused = true)]` timeout tests finish instantly.
//! - **Inspection**: [`MockTransport::received_requests`] returns every request with its
//!   body; [`MockTransport::verify`] (and dropping the last handle) checks the
//!   [`expect`](Mock::expect)ations and panics with a report naming each failing mock.
//!
//! ```
//! use std::time::Duration;
//! use courier::mock::matchers::{body_json, header, method, path};
//! use courier::mock::Fault;
//! use courier::{Client, ErrorKind, Mock, MockTransport, ResponseTemplate};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockTransport::new();
//! Mock::given(method("POST"))
//!     .and(path("/notes"))
//!     .and(header("authorization", "Bearer t0k3n"))
//!     .and(body_json(serde_json::json!({"text": "buy milk"})))
//!     .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": 1})))
//!     .named("create a note")
//!     .expect(1)
//!     .mount(&mock);
//! Mock::given(path("/slow"))
//!     .respond_with(ResponseTemplate::fault(Fault::Hang))
//!     .mount(&mock);
//!
//! let client = Client::builder()
//!     .base_url("https://api.example")
//!     .receive_timeout(Duration::from_millis(50))
//!     .transport(mock.clone())
//!     .build()?;
//!
//! let created: serde_json::Value = client
//!     .post("/notes")
//!     .bearer_auth("t0k3n")
//!     .json(&serde_json::json!({"text": "buy milk"}))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(created["id"], 1);
//!
//! let stalled = client.get("/slow").send().await.unwrap_err();
//! assert_eq!(stalled.kind(), ErrorKind::ReceiveTimeout);
//!
//! assert_eq!(mock.received_requests().len(), 2);
//! mock.verify(); // also checked when the last handle is dropped
//! # Ok(())
//! # }
//! ```

mod fault;
pub mod matchers;
mod recorded;
mod route;
mod template;
mod times;
mod transport;
mod verify;

pub use fault::Fault;
pub use matchers::Match;
pub use recorded::RecordedRequest;
pub use route::{Mock, MockBuilder};
pub use template::ResponseTemplate;
pub use times::Times;
pub use transport::MockTransport;
