//! [`LogInterceptor`]: every call on [`tracing`], with secrets redacted (what
//! `pretty_dio_logger` is to Dio).
//!
//! Logs go through `tracing` rather than to stdout so that an application keeps one place
//! that decides where logs go, how they look and what is filtered: a `tracing_subscriber`
//! for a terminal, JSON lines for a log service, or nothing at all. When no subscriber
//! listens at the interceptor's level, it does no work: nothing is formatted or read.
//!
//! # What is logged
//!
//! One event per call, when the call ends, on target `courier::log`. Its message is
//! `request completed`, `request failed` or `request abandoned …`, and its fields are:
//!
//! | field | value |
//! |---|---|
//! | `method` | `GET`, `POST`, … |
//! | `url` | the URL, redacted (below) |
//! | `status` | `200`; absent when no response came back |
//! | `elapsed_ms` | milliseconds from sending to the response (to its body, when the body is logged) |
//! | `request_bytes`, `response_bytes` | from the body in memory or `Content-Length`, else `unknown` |
//! | `error_kind`, `error` | on failure: the [`ErrorKind`](crate::ErrorKind) (`BadResponse`, `Connection`, …) and the error with its causes |
//! | `request_headers`, `response_headers` | when enabled: one `name: value` line per header |
//! | `request_body`, `response_body` | when enabled: the body, at most [`max_body_bytes`](LogInterceptor::max_body_bytes) of it |
//!
//! A completed call is logged at [`level`](LogInterceptor::level) (INFO by default); a
//! failure, a rejected status (`BadResponse`, with the rejected response's status, headers
//! and body) included, at WARN. A call stopped from outside (cancelled, over the total
//! timeout, or its future dropped) is logged at WARN as abandoned, with no status: it never
//! got one.
//!
//! Bodies: JSON (`application/json`, `…+json`, or untyped text that parses as JSON) is
//! pretty-printed, keys sorted; other UTF-8 is shown as text; anything else as `<N bytes binary>`, and
//! multipart as `<N bytes multipart>`. A request body is shown only when it is in memory; a
//! streamed one shows as `<stream>`, since reading it would send nothing. A response body is
//! read into memory to be shown, which has a cost: see
//! [`response_body`](LogInterceptor::response_body).
//!
//! # What is never logged
//!
//! Secrets are redacted before anything is formatted, with the definitions of
//! [`crate::redact`], plus the names given to
//! [`redact_header`](LogInterceptor::redact_header) and
//! [`redact_query_parameter`](LogInterceptor::redact_query_parameter):
//!
//! - the values of `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and API-key
//!   or token headers (`X-Api-Key`, `X-Auth-Token`, …): the header's name is shown, its value
//!   is `REDACTED`;
//! - the password of a URL, and the values of secret query parameters (`token`,
//!   `access_token`, `refresh_token`, `api_key`, `key`, `password`, `secret`, `code`,
//!   `signature`, …), in the URL, in URL-bearing headers (`Location`, `Referer`, …) and in
//!   error messages;
//! - secret fields of form bodies (`refresh_token=…`, `password=…`) and of JSON bodies, at
//!   any depth (`"access_token": …`, `"refreshToken": …`): see
//!   [`is_secret_field`](crate::redact::is_secret_field);
//! - the content of multipart bodies.
//!
//! Redaction works on names. A secret under an innocent name (a token in a `text/plain`
//! body, or in a header you did not list) is shown: list such names, or leave that body or
//! those headers off.
//!
//! # Example
//!
//! Usually a subscriber is installed once, e.g.
//! `tracing_subscriber::fmt().with_env_filter("courier::log=info").init()`. Here the log goes
//! to a buffer so the example can show what it holds:
//!
//! ```
//! use std::io::Write;
//! use std::sync::{Arc, Mutex};
//!
//! use courier::{Client, LogInterceptor, Request, Response, Result, Transport};
//!
//! /// Answers like an OAuth token endpoint (a transport for the example).
//! struct TokenEndpoint;
//!
//! impl Transport for TokenEndpoint {
//!     async fn send(&self, _request: Request) -> Result<Response> {
//!         let body = r#"{"access_token":"eyJ-new-token","token_type":"Bearer","expires_in":3600}"#;
//!         let mut response = Response::new(http::StatusCode::OK, body);
//!         response.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
//!         Ok(response)
//!     }
//! }
//!
//! /// A log destination that can be read back.
//! #[derive(Clone, Default)]
//! struct Buffer(Arc<Mutex<Vec<u8>>>);
//!
//! impl Write for Buffer {
//!     fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
//!         self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
//!         Ok(bytes.len())
//!     }
//!     fn flush(&mut self) -> std::io::Result<()> {
//!         Ok(())
//!     }
//! }
//!
//! let buffer = Buffer::default();
//! let writer = buffer.clone();
//! let subscriber = tracing_subscriber::fmt()
//!     .with_env_filter("courier::log=info")
//!     .with_writer(move || writer.clone())
//!     .with_ansi(false)
//!     .finish();
//! let _subscriber = tracing::subscriber::set_default(subscriber);
//!
//! let client = Client::builder()
//!     .transport(TokenEndpoint)
//!     .interceptor(
//!         LogInterceptor::new()
//!             .request_headers(true)
//!             .request_body(true)
//!             .response_body(true),
//!     )
//!     .build()?;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let token: serde_json::Value = runtime.block_on(async {
//!     client
//!         .post("https://auth.example/token?client=app")
//!         .header("authorization", "Basic YXBwOnMzY3JldA==")
//!         .form(&[("grant_type", "refresh_token"), ("refresh_token", "r-old-token")])
//!         .send()
//!         .await?
//!         .json()
//!         .await
//! })?;
//! // The caller still gets the body the log read.
//! assert_eq!(token["access_token"], "eyJ-new-token");
//!
//! let log = String::from_utf8(buffer.0.lock().map(|b| b.clone()).unwrap_or_default())?;
//! // INFO courier::log: request completed method=POST url=https://auth.example/token?client=app
//! //   status=200 elapsed_ms=0 request_bytes=52 response_bytes=72 request_headers=...
//! assert!(log.contains("INFO courier::log: request completed method=POST"));
//! assert!(log.contains("url=https://auth.example/token?client=app status=200"));
//! assert!(log.contains("authorization: REDACTED"));
//! assert!(log.contains("grant_type=refresh_token&refresh_token=REDACTED"));
//! assert!(log.contains("\"access_token\": \"REDACTED\",\n  \"expires_in\": 3600"));
//! for secret in ["YXBwOnMzY3JldA", "r-old-token", "eyJ-new-token"] {
//!     assert!(!log.contains(secret), "{secret} leaked into {log}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod event;
mod format;
mod interceptor;
mod scrub;

pub use interceptor::LogInterceptor;
