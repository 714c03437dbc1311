//! Transports send one request and return its response: the bottom of the chain.
//!
//! [`ReqwestTransport`] (the default) talks to the network through reqwest and rustls;
//! [`MockTransport`](crate::MockTransport) answers in-process for tests. Timeouts, cancellation,
//! progress and status validation are applied by the client around any transport, so a
//! transport only sends.

pub(crate) mod reqwest;

pub use self::reqwest::ReqwestTransport;

use std::future::Future;

use crate::error::Result;
use crate::interceptor::BoxFuture;
use crate::request::Request;
use crate::response::Response;

/// Sends one request.
///
/// ```
/// use courier::{Request, Response, Result, Transport};
///
/// /// Answers every request with 204 (a transport for a test).
/// struct NoContent;
///
/// impl Transport for NoContent {
///     async fn send(&self, _request: Request) -> Result<Response> {
///         Ok(Response::new(http::StatusCode::NO_CONTENT, ()))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<()> {
/// let client = courier::Client::builder().transport(NoContent).build()?;
/// assert_eq!(client.get("http://any.example/").send().await?.status(), 204);
/// # Ok(())
/// # }
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Sends `request`. The response's body may still be streaming.
    fn send(&self, request: Request) -> impl Future<Output = Result<Response>> + Send;
}

/// The object-safe form of [`Transport`].
pub(crate) trait DynTransport: Send + Sync + 'static {
    /// One attempt: the transport call and the client's work around it (timeouts, body
    /// watch, status validation), in one boxed future, so a request through a transport
    /// behind `dyn` costs one allocation and not two.
    fn dispatch_boxed(&self, request: Request) -> BoxFuture<'_, Result<Response>>;
}

impl<T: Transport> DynTransport for T {
    fn dispatch_boxed(&self, request: Request) -> BoxFuture<'_, Result<Response>> {
        Box::pin(crate::client::dispatch(self, request))
    }
}
