//! # courier
//!
//! A production HTTP client layer for Rust, on reqwest: one client, configured once, with an
//! interceptor chain (the onion model), timeouts that say which phase failed, cancellation
//! that reaches every await, uploads and downloads with progress, an in-process
//! [`MockTransport`] for tests, and one [`Error`] whose [`ErrorKind`] a UI can act on.
//! It is to Rust what Dio is to Flutter.
//!
//! ```no_run
//! use std::time::Duration;
//! use courier::{Client, LogInterceptor};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), courier::Error> {
//! let client = Client::builder()
//!     .base_url("https://api.example/v1/")
//!     .connect_timeout(Duration::from_secs(5))
//!     .receive_timeout(Duration::from_secs(15))
//!     .default_header("accept", "application/json")
//!     .interceptor(LogInterceptor::new())
//!     .build()?;
//!
//! #[derive(serde::Deserialize)]
//! struct User { name: String }
//! let user: User = client.get("users/7").send().await?.json().await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Map of the crate
//!
//! - [`Client`], [`ClientBuilder`]: the client and its defaults (Dio's `BaseOptions`).
//! - [`RequestBuilder`], [`Request`], [`RequestOptions`], [`Body`], [`multipart`]: requests.
//! - [`Response`], [`ResponseBody`]: responses, read as bytes, text, JSON or a stream.
//! - [`Interceptor`], [`Next`], [`on_request`], [`on_response`], [`on_error`]: the chain.
//! - [`Transport`], [`ReqwestTransport`], [`MockTransport`]: what sends.
//! - [`Error`], [`ErrorKind`]: failures; [`CancelToken`]: cancellation.
//! - [`interceptors`]: the interceptors courier ships ([`LogInterceptor`], [`AuthInterceptor`],
//!   the retry interceptor).
//! - [`api`]: typed API clients generated from an annotated trait (Retrofit's typed APIs).
#![deny(missing_docs)]
// Library code never unwraps: input from the network, a store or a user gets an `Error`.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(hidden)]
pub mod __private;
mod api_error;
mod body;
mod cancel;
mod client;
mod content_length;
mod download;
mod error;
mod interceptor;
pub mod interceptors;
pub mod mock;
pub mod multipart;
mod pagination;
mod progress;
mod public_key_pin;
pub mod redact;
mod request;
mod response;
mod retry_after;
mod transport;

pub use api_error::{ApiError, FieldErrors, ProblemDetails};
pub use body::{Body, BodyStream};
pub use cancel::{CancelReason, CancelToken};
pub use client::{Client, ClientBuilder};
pub use courier_macros::api;
pub use download::{DownloadBuilder, DownloadReport};
pub use error::{BoxError, Error, ErrorKind, Result};
pub use interceptor::{
    DetachedNext, Interceptor, Next, OnError, OnRequest, OnResponse, RequestFlow, on_error,
    on_request, on_response,
};
pub use interceptors::auth::AuthInterceptor;
pub use interceptors::log::LogInterceptor;
pub use interceptors::retry::RetryInterceptor;
pub use mock::{Mock, MockTransport, ResponseTemplate};
pub use pagination::{CursorPage, ItemStream, Page, PageStream, Paginator};
pub use progress::{Progress, ProgressCallback};
pub use public_key_pin::PublicKeyPin;
pub use request::{RedirectPolicy, Request, RequestBuilder, RequestOptions, ValidateStatus};
pub use response::{Response, ResponseBody, ResponseStream};
pub use transport::{ReqwestTransport, Transport};

/// Re-exported so users name the same `http` types courier uses.
pub use http;
/// Re-exported so users name the same `url` types courier uses.
pub use url;
