//! Interceptors: the one abstraction for cross-cutting behaviour (the onion model).
//!
//! An [`Interceptor`] receives the request and a [`Next`] that runs the rest of the chain
//! (the interceptors after it, then the transport). It may change the request and call
//! `next`, answer without calling it, fail, look at or replace what `next` returned, or call
//! `next` again: that is how retries and re-sends after a token refresh work.
//!
#![doc = include_str!("../../docs/interceptors.md")]

mod hooks;
mod next;

pub use hooks::{OnError, OnRequest, OnResponse, RequestFlow, on_error, on_request, on_response};
pub use next::{DetachedNext, Next};

use std::future::Future;
use std::pin::Pin;

use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

/// A future boxed for dynamic dispatch.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Cross-cutting behaviour around every request of a client.
///
/// Implement it with an `async fn`:
///
/// ```
/// use courier::{Interceptor, Next, Request, Response, Result};
///
/// /// Adds a request id to every request.
/// struct RequestId;
///
/// impl Interceptor for RequestId {
///     async fn intercept(&self, mut request: Request, next: Next<'_>) -> Result<Response> {
///         request.headers_mut().insert("x-request-id", http::HeaderValue::from_static("42"));
///         next.run(request).await
///     }
/// }
///
/// let client = courier::Client::builder().interceptor(RequestId).build()?;
/// # Ok::<(), courier::Error>(())
/// ```
///
/// Interceptors run in the order they were added, outermost first: the first one added sees
/// the request first and the response last.
pub trait Interceptor: Send + Sync + 'static {
    /// Handles `request`, usually by calling `next.run(request)`.
    fn intercept(
        &self,
        request: Request,
        next: Next<'_>,
    ) -> impl Future<Output = Result<Response>> + Send;
}

/// The object-safe form of [`Interceptor`], so a client can hold a list of them.
pub(crate) trait DynInterceptor: Send + Sync + 'static {
    fn intercept_boxed<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<Response>>;
}

impl<T: Interceptor> DynInterceptor for T {
    fn intercept_boxed<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<Response>> {
        Box::pin(self.intercept(request, next))
    }
}
