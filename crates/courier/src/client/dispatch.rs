//! The bottom of the chain: one transport call under the attempt's timeouts, the body put
//! under watch, and the status validated.

use std::fmt;
use std::sync::Arc;

use super::watchdog::{AttemptLimits, Upload, watch_attempt};
use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::{BodyWatch, Response};
use crate::transport::DynTransport;

/// What [`Next`](crate::Next) calls after the last interceptor.
pub(crate) struct Dispatch {
    transport: Arc<dyn DynTransport>,
}

impl Dispatch {
    pub(crate) fn new(transport: Arc<dyn DynTransport>) -> Self {
        Self { transport }
    }

    /// Sends one attempt. A status that the request's `validate_status` rejects becomes a
    /// [`BadResponse`](crate::ErrorKind::BadResponse) error here, below the interceptors, as in
    /// Dio: interceptors see it as an `Err` that keeps the response and its body.
    pub(crate) async fn send(&self, mut request: Request) -> Result<Response> {
        let options = request.options();
        let limits = AttemptLimits {
            send_timeout: options.send_timeout(),
            receive_timeout: options.receive_timeout(),
        };
        let watch = BodyWatch::from_options(options);
        let validate = options.validate_status().clone();
        let url = request.url().clone();
        let upload = Upload::monitor(&mut request);

        let send = self.transport.send_boxed(request);
        let result = if limits.is_unlimited() {
            send.await
        } else {
            watch_attempt(send, upload, limits, &url).await
        };
        let mut response = result.map_err(|error| error.or_url(&url))?;
        response.or_url(&url);
        if let Some(watch) = watch {
            watch.apply(&mut response);
        }
        if !validate.is_valid(response.status()) {
            response.buffer().await?;
            return Err(Error::bad_response(response));
        }
        Ok(response)
    }
}

impl fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dispatch")
    }
}
