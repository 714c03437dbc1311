//! The bottom of the chain: one transport call under the attempt's timeouts, the body put
//! under watch, and the status validated.

use std::fmt;
use std::sync::Arc;

use super::watchdog::{AttemptLimits, Upload, watch_attempt};
use crate::error::{Error, Result};
use crate::interceptor::BoxFuture;
use crate::request::Request;
use crate::response::{BodyWatch, Response};
use crate::transport::{DynTransport, ReqwestTransport, Transport};

/// What [`Next`](crate::Next) calls after the last interceptor.
pub(crate) struct Dispatch {
    transport: Arc<dyn DynTransport>,
}

impl Dispatch {
    pub(crate) fn new(transport: Arc<dyn DynTransport>) -> Self {
        Self { transport }
    }

    /// Sends one attempt (see [`dispatch`]).
    pub(crate) fn send(&self, request: Request) -> BoxFuture<'_, Result<Response>> {
        self.transport.dispatch_boxed(request)
    }
}

/// Sends one attempt through `transport`. A status that the request's `validate_status`
/// rejects becomes a [`BadResponse`](crate::ErrorKind::BadResponse) error here, below the
/// interceptors, as in Dio: interceptors see it as an `Err` that keeps the response and its
/// body.
///
/// Generic over the transport so that the transport's future sits inline in this one, which
/// [`DynTransport::dispatch_boxed`] boxes once.
pub(crate) async fn dispatch<T: Transport + ?Sized>(
    transport: &T,
    mut request: Request,
) -> Result<Response> {
    let options = request.options();
    let limits = AttemptLimits {
        send_timeout: options.send_timeout(),
        receive_timeout: options.receive_timeout(),
    };
    let watch = BodyWatch::from_options(options);
    let validate = options.validate_status().clone();
    // The request's URL, for a response or an error that the transport did not tie to a URL
    // and for the attempt's timeout errors. reqwest ties every response and error to its
    // URL, so for the reqwest transport without attempt timeouts no copy is needed.
    let url = (!limits.is_unlimited() || !records_urls::<T>()).then(|| request.url().clone());
    let upload = Upload::monitor(&mut request);

    let result = match &url {
        Some(url) if !limits.is_unlimited() => {
            // Boxed: the watch's timers would otherwise enlarge every request's future
            // (which is itself moved into a box), timed or not.
            Box::pin(watch_attempt(transport.send(request), upload, limits, url)).await
        }
        _ => transport.send(request).await,
    };
    let mut response = match (result, &url) {
        (Ok(response), _) => response,
        (Err(error), Some(url)) => return Err(error.or_url(url)),
        (Err(error), None) => return Err(error),
    };
    if let Some(url) = &url {
        response.or_url(url);
    }
    if let Some(watch) = watch {
        watch.apply(&mut response);
    }
    if !validate.is_valid(response.status()) {
        // Boxed: a rare path whose future would otherwise enlarge every request's.
        Box::pin(response.buffer()).await?;
        return Err(Error::bad_response(response));
    }
    Ok(response)
}

/// Whether every response and error of `T` already carries its URL: true of the reqwest
/// transport (reqwest records the URL on its responses and errors), which then needs no
/// copy of the request's URL. Decided at compile time.
fn records_urls<T: ?Sized + 'static>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<ReqwestTransport>()
}

impl fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dispatch")
    }
}
