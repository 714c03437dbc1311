//! Failures a mock injects in place of (or in the middle of) a response.

use url::Url;

use crate::error::{Error, ErrorKind};

/// A network failure for a [`ResponseTemplate`](super::ResponseTemplate) to inject, so tests
/// can exercise retries, timeouts and error screens without a flaky network.
///
/// Each fault surfaces as the [`ErrorKind`] the reqwest transport reports for the real
/// failure. A [`set_delay`](super::ResponseTemplate::set_delay) on the template still applies
/// first.
///
/// ```
/// use courier::mock::{Fault, matchers::any};
/// use courier::{Client, ErrorKind, Mock, MockTransport, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockTransport::new();
/// Mock::given(any()).respond_with(ResponseTemplate::fault(Fault::ConnectionRefused)).mount(&mock);
/// let client = Client::builder().transport(mock).build()?;
///
/// let error = client.get("https://api.example/").send().await.unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::Connection);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The connection is refused: the call fails with [`ErrorKind::Connection`] (its source
    /// is an `io::Error` of kind `ConnectionRefused`).
    ConnectionRefused,
    /// Opening the connection times out: the call fails with [`ErrorKind::ConnectTimeout`],
    /// at once (the mock does not wait for the client's `connect_timeout`).
    ConnectTimeout,
    /// The server never answers. Only the client's `receive_timeout`
    /// ([`ErrorKind::ReceiveTimeout`]), total `timeout` ([`ErrorKind::Timeout`]) or a cancel
    /// token ends the call; without one, the call waits forever.
    Hang,
    /// The head and the first `after` bytes of the body arrive, then the connection is
    /// reset: reading the body fails with [`ErrorKind::Connection`] (source: an `io::Error`
    /// of kind `ConnectionReset`). `Content-Length` still announces the whole body. When
    /// `after` is not less than the body's length, the whole body arrives before the reset.
    ResetMidBody {
        /// How many body bytes arrive before the reset.
        after: usize,
    },
}

impl Fault {
    /// The error of a fault that fails the call before any response head.
    pub(super) fn head_error(self, url: &Url) -> Option<Error> {
        let error = match self {
            Fault::ConnectionRefused => Error::with_source(
                ErrorKind::Connection,
                std::io::Error::new(
                    std::io::ErrorKind::ConnectionRefused,
                    "connection refused (injected by MockTransport)",
                ),
            ),
            Fault::ConnectTimeout => Error::new(ErrorKind::ConnectTimeout)
                .with_message("connect timeout injected by MockTransport"),
            Fault::Hang | Fault::ResetMidBody { .. } => return None,
        };
        Some(error.with_url(url))
    }
}

/// The error a body stream ends with after [`Fault::ResetMidBody`].
pub(super) fn reset_error(url: &Url) -> Error {
    Error::with_source(
        ErrorKind::Connection,
        std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset mid-body (injected by MockTransport)",
        ),
    )
    .with_url(url)
}
