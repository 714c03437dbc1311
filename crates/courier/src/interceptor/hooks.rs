//! Dio-style hooks (`onRequest`, `onResponse`, `onError`) as closures.
//!
//! Each hook is a small [`Interceptor`] built from an async closure, for the cases where a
//! whole interceptor type would be ceremony.

use std::fmt;
use std::future::Future;

use super::{Interceptor, Next};
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::Response;

/// What an [`on_request`] hook decided.
///
/// ```
/// use courier::{RequestFlow, Response};
/// let answered = RequestFlow::Resolve(Response::new(http::StatusCode::OK, "cached"));
/// assert!(matches!(answered, RequestFlow::Resolve(_)));
/// ```
#[derive(Debug)]
// A request is one pointer (its parts are boxed) and a response is not; boxing the
// response here would change the public variant for a value that lives one hook long.
#[allow(clippy::large_enum_variant)]
pub enum RequestFlow {
    /// Continue with this request (Dio's `handler.next(options)`).
    Next(Request),
    /// Answer with this response without sending the request (Dio's `handler.resolve`).
    Resolve(Response),
}

impl From<Request> for RequestFlow {
    fn from(request: Request) -> Self {
        Self::Next(request)
    }
}

impl From<Response> for RequestFlow {
    fn from(response: Response) -> Self {
        Self::Resolve(response)
    }
}

/// An interceptor that runs a closure on each request; see [`on_request`].
#[derive(Clone)]
pub struct OnRequest<F>(F);

/// An interceptor that runs a closure on each successful response; see [`on_response`].
#[derive(Clone)]
pub struct OnResponse<F>(F);

/// An interceptor that runs a closure on each error; see [`on_error`].
#[derive(Clone)]
pub struct OnError<F>(F);

/// A hook on the way in (Dio's `onRequest`): change the request and continue, answer
/// without the network, or fail by returning `Err` (Dio's `handler.reject`).
///
/// ```
/// use courier::{RequestFlow, on_request};
///
/// let add_locale = on_request(|mut request: courier::Request| async move {
///     request.headers_mut().insert("accept-language", http::HeaderValue::from_static("de"));
///     Ok(RequestFlow::Next(request))
/// });
/// let client = courier::Client::builder().interceptor(add_locale).build()?;
/// # Ok::<(), courier::Error>(())
/// ```
pub fn on_request<F, Fut>(hook: F) -> OnRequest<F>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<RequestFlow>> + Send,
{
    OnRequest(hook)
}

/// A hook on successful responses (Dio's `onResponse`): return the response (or another
/// one) to continue, or `Err` to turn it into a failure. A response marked with
/// [`Response::skip_outer_hooks`] passes by without the hook running.
///
/// ```
/// use courier::on_response;
///
/// let count_hits = on_response(|response: courier::Response| async move {
///     println!("{} from {}", response.status(), response.url());
///     Ok(response)
/// });
/// let client = courier::Client::builder().interceptor(count_hits).build()?;
/// # Ok::<(), courier::Error>(())
/// ```
pub fn on_response<F, Fut>(hook: F) -> OnResponse<F>
where
    F: Fn(Response) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response>> + Send,
{
    OnResponse(hook)
}

/// A hook on failures (Dio's `onError`), bad statuses included: return `Err` (the same or
/// another error) to pass it on, or `Ok(response)` to recover (Dio's `handler.resolve`). An
/// error marked with [`Error::skip_outer_hooks`] passes by without the hook running.
///
/// ```
/// use courier::{ErrorKind, Response, on_error};
///
/// let offline_fallback = on_error(|error: courier::Error| async move {
///     if error.kind() == ErrorKind::Connection {
///         return Ok(Response::new(http::StatusCode::OK, "[]"));
///     }
///     Err(error)
/// });
/// let client = courier::Client::builder().interceptor(offline_fallback).build()?;
/// # Ok::<(), courier::Error>(())
/// ```
pub fn on_error<F, Fut>(hook: F) -> OnError<F>
where
    F: Fn(Error) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response>> + Send,
{
    OnError(hook)
}

impl<F, Fut> Interceptor for OnRequest<F>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<RequestFlow>> + Send,
{
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        match (self.0)(request).await? {
            RequestFlow::Next(request) => next.run(request).await,
            RequestFlow::Resolve(response) => Ok(response),
        }
    }
}

impl<F, Fut> Interceptor for OnResponse<F>
where
    F: Fn(Response) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response>> + Send,
{
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        let response = next.run(request).await?;
        if response.skips_outer_hooks() {
            return Ok(response);
        }
        (self.0)(response).await
    }
}

impl<F, Fut> Interceptor for OnError<F>
where
    F: Fn(Error) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response>> + Send,
{
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        match next.run(request).await {
            Ok(response) => Ok(response),
            Err(error) if error.skips_outer_hooks() => Err(error),
            Err(error) => (self.0)(error).await,
        }
    }
}

impl<F> fmt::Debug for OnRequest<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnRequest")
    }
}

impl<F> fmt::Debug for OnResponse<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnResponse")
    }
}

impl<F> fmt::Debug for OnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnError")
    }
}
