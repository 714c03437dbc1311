//! The bottom of the chain: one transport call under the attempt's timeouts, the body put
//! under watch, and the status validated.

use std::fmt;
use std::sync::Arc;

use super::watchdog::{AttemptLimits, Upload, watch_attempt};
use crate::error::{Error, Result};
use crate::interceptor::BoxFuture;
use crate::request::Request;
use crate::response::{BodyWatch, Response};
use crate::transport::{DynTransport, Transport};

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
    let url = request.url().clone();
    let upload = Upload::monitor(&mut request);

    // The transport's future is created in each branch (not once before them) so that it
    // is held once in this future's state, not twice.
    let result = if limits.is_unlimited() {
        transport.send(request).await
    } else {
        // Pinned here, so the watch holds a pointer and not a second copy of the future.
        let send = std::pin::pin!(transport.send(request));
        watch_attempt(send, upload, limits, &url).await
    };
    let mut response = result.map_err(|error| error.or_url(&url))?;
    response.or_url(&url);
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

impl fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dispatch")
    }
}
