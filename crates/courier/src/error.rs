//! The one error type of courier, and its classification.
//!
//! courier has a single [`Error`] rather than one type per operation: a request goes through
//! interceptors, a transport, a body stream and a decoder, and callers want to ask one value
//! "was this a timeout?", "may I show the server's message?" without matching on nested
//! enums. Finer types did not compose across interceptors. The classification lives in
//! [`ErrorKind`] (Dio's `DioExceptionType`, extended), the cause in [`std::error::Error::source`].
//!
//! The error is one pointer wide: everything lives in a boxed inner record, so `Result<Response>`
//! stays small on the happy path.

use std::fmt;

use url::Url;

use crate::cancel::CancelReason;
use crate::redact::redact_url;
use crate::response::Response;

/// A type-erased error that can cross threads, used as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with courier's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller (or a UI) can act on.
///
/// This is the counterpart of Dio's `DioExceptionType`, with the total timeout, decoding,
/// redirect and local I/O failures told apart.
///
/// ```
/// use courier::ErrorKind;
/// assert!(ErrorKind::ReceiveTimeout.is_timeout());
/// assert!(!ErrorKind::BadResponse.is_timeout());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Opening the connection (TCP, and TLS when used) took longer than `connect_timeout`.
    ConnectTimeout,
    /// Writing the request body stalled for longer than `send_timeout`.
    SendTimeout,
    /// The server was silent for longer than `receive_timeout`: before the response head, or
    /// between two chunks of the body.
    ReceiveTimeout,
    /// The whole call took longer than the total `timeout`.
    Timeout,
    /// The server's TLS certificate was rejected (untrusted, expired, wrong host, pin mismatch).
    BadCertificate,
    /// The server answered with a status that `validate_status` rejects. The response, with its
    /// body read, is kept: see [`Error::response`].
    BadResponse,
    /// The request was cancelled through a [`CancelToken`](crate::CancelToken); see
    /// [`Error::cancel_reason`].
    Cancelled,
    /// The connection could not be opened or broke (refused, reset, DNS failure, closed
    /// mid-body).
    Connection,
    /// The response could not be decoded: invalid JSON, bad compression, invalid text.
    Decode,
    /// The request could not be built: a bad URL, header or body that failed to serialise.
    InvalidRequest,
    /// A redirect could not be followed: too many redirects, or an invalid `Location`.
    Redirect,
    /// Reading or writing a local file failed (a multipart file, a download target).
    Io,
    /// The request needs credentials the client no longer has: the token refresh was
    /// rejected (the session ended and the tokens were cleared) or the user signed out while
    /// the request waited. Show the sign-in screen; sending again will not help. See
    /// [`AuthInterceptor`](crate::AuthInterceptor).
    Unauthorized,
}

impl ErrorKind {
    /// Whether this kind is one of the four timeouts.
    ///
    /// ```
    /// assert!(courier::ErrorKind::Timeout.is_timeout());
    /// ```
    pub fn is_timeout(self) -> bool {
        matches!(
            self,
            Self::ConnectTimeout | Self::SendTimeout | Self::ReceiveTimeout | Self::Timeout
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Self::ConnectTimeout => "connect timeout",
            Self::SendTimeout => "send timeout",
            Self::ReceiveTimeout => "receive timeout",
            Self::Timeout => "request timed out",
            Self::BadCertificate => "bad certificate",
            Self::BadResponse => "bad response",
            Self::Cancelled => "request cancelled",
            Self::Connection => "connection error",
            Self::Decode => "error decoding response",
            Self::InvalidRequest => "invalid request",
            Self::Redirect => "redirect error",
            Self::Io => "local I/O error",
            Self::Unauthorized => "unauthorized",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The error of every courier operation.
///
/// ```
/// use courier::{Client, ErrorKind, MockTransport, Mock, ResponseTemplate};
/// use courier::mock::matchers::path;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockTransport::new();
/// Mock::given(path("/missing")).respond_with(ResponseTemplate::new(404).body("nope")).mount(&mock);
/// let client = Client::builder().base_url("https://api.example").transport(mock).build()?;
///
/// let error = client.get("/missing").send().await.unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::BadResponse);
/// assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
/// assert_eq!(error.response().and_then(|r| r.buffered_body()).map(|b| &b[..]), Some(&b"nope"[..]));
/// # Ok(())
/// # }
/// ```
pub struct Error {
    // Boxed so that `Result<T, Error>` is one pointer wide on the happy path.
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Option<String>,
    url: Option<Url>,
    source: Option<BoxError>,
    response: Option<Response>,
    cancel_reason: Option<CancelReason>,
    /// Set by [`Error::skip_outer_hooks`].
    skip_outer_hooks: bool,
}

impl Error {
    /// Creates an error of `kind` with no cause; used by interceptors and transports that
    /// detect a failure themselves.
    ///
    /// ```
    /// let error = courier::Error::new(courier::ErrorKind::Connection);
    /// assert_eq!(error.kind(), courier::ErrorKind::Connection);
    /// ```
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: None,
                url: None,
                source: None,
                response: None,
                cancel_reason: None,
                skip_outer_hooks: false,
            }),
        }
    }

    /// Creates an error of `kind` caused by `source`.
    ///
    /// ```
    /// let io = std::io::Error::other("disk full");
    /// let error = courier::Error::with_source(courier::ErrorKind::Io, io);
    /// assert!(std::error::Error::source(&error).is_some());
    /// ```
    pub fn with_source(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        let mut error = Self::new(kind);
        error.inner.source = Some(source.into());
        error
    }

    /// A [`ErrorKind::BadResponse`] error that keeps `response` (whose body should already be
    /// buffered, so it can be read from the error).
    ///
    /// ```
    /// use courier::{Error, Response};
    /// let error = Error::bad_response(Response::new(http::StatusCode::CONFLICT, "taken"));
    /// assert_eq!(error.status(), Some(http::StatusCode::CONFLICT));
    /// ```
    pub fn bad_response(response: Response) -> Self {
        let mut error = Self::new(ErrorKind::BadResponse);
        error.inner.url = response.url_if_known().map(redact_url);
        error.inner.response = Some(response);
        error
    }

    /// A [`ErrorKind::Cancelled`] error carrying the token's reason, if one was given.
    ///
    /// ```
    /// let token = courier::CancelToken::new();
    /// token.cancel_with("user left the screen");
    /// let error = courier::Error::cancelled(token.reason());
    /// assert_eq!(error.cancel_reason().map(|r| r.as_str()), Some("user left the screen"));
    /// ```
    pub fn cancelled(reason: Option<CancelReason>) -> Self {
        let mut error = Self::new(ErrorKind::Cancelled);
        error.inner.cancel_reason = reason;
        error
    }

    /// Adds a human-readable detail shown by `Display`.
    ///
    /// ```
    /// let error = courier::Error::new(courier::ErrorKind::InvalidRequest).with_message("empty path");
    /// assert!(error.to_string().contains("empty path"));
    /// ```
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// Records the URL the error is about. Secrets in it (passwords, tokens in the query) are
    /// redacted before it is stored, so the error can be logged safely.
    ///
    /// ```
    /// let url = url::Url::parse("https://api.example/x?access_token=abc")?;
    /// let error = courier::Error::new(courier::ErrorKind::Connection).with_url(&url);
    /// assert!(!error.url().unwrap().as_str().contains("abc"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_url(mut self, url: &Url) -> Self {
        self.inner.url = Some(redact_url(url));
        self
    }

    /// Adds `note` after the message already there (or as the message), keeping everything
    /// else: kind, cause, response, URL. For context added by a layer that passes an error on.
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        let message = match self.inner.message.take() {
            Some(message) => format!("{message}; {note}"),
            None => note.to_owned(),
        };
        self.inner.message = Some(message);
        self
    }

    /// Records the URL only if none is recorded yet.
    pub(crate) fn or_url(self, url: &Url) -> Self {
        if self.inner.url.is_some() {
            self
        } else {
            self.with_url(url)
        }
    }

    /// What went wrong.
    ///
    /// ```
    /// let error = courier::Error::new(courier::ErrorKind::Decode);
    /// assert_eq!(error.kind(), courier::ErrorKind::Decode);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Whether this is one of the timeouts.
    ///
    /// ```
    /// assert!(courier::Error::new(courier::ErrorKind::SendTimeout).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.inner.kind.is_timeout()
    }

    /// Whether the request was cancelled.
    ///
    /// ```
    /// assert!(courier::Error::cancelled(None).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.inner.kind == ErrorKind::Cancelled
    }

    /// The status of a bad response.
    ///
    /// ```
    /// assert_eq!(courier::Error::new(courier::ErrorKind::Connection).status(), None);
    /// ```
    pub fn status(&self) -> Option<http::StatusCode> {
        self.inner.response.as_ref().map(Response::status)
    }

    /// The bad response, with its body read into memory
    /// ([`Response::buffered_body`]).
    ///
    /// ```
    /// assert!(courier::Error::new(courier::ErrorKind::Connection).response().is_none());
    /// ```
    pub fn response(&self) -> Option<&Response> {
        self.inner.response.as_ref()
    }

    /// Takes the bad response out of the error.
    ///
    /// ```
    /// let error = courier::Error::bad_response(courier::Response::new(http::StatusCode::GONE, ""));
    /// let response = error.into_response().unwrap();
    /// assert_eq!(response.status(), http::StatusCode::GONE);
    /// ```
    pub fn into_response(self) -> Option<Response> {
        self.inner.response
    }

    /// Marks this error so that the [`on_error`](crate::on_error) hooks outside the
    /// interceptor that raised it let it pass without running: Dio's `handler.reject(error)`
    /// with its default `callFollowingErrorInterceptor: false`. Unmarked, an error is seen by
    /// every hook outside the interceptor that raised it (Dio's `true`). Interceptors of your
    /// own can honour the mark with [`skips_outer_hooks`](Error::skips_outer_hooks).
    ///
    /// ```
    /// use courier::{Error, ErrorKind, RequestFlow, on_request};
    ///
    /// // Refuses requests without a session; no error hook further out turns this around.
    /// let require_session = on_request(|request: courier::Request| async move {
    ///     if !request.headers().contains_key("x-session") {
    ///         return Err(Error::new(ErrorKind::InvalidRequest).skip_outer_hooks());
    ///     }
    ///     Ok(RequestFlow::Next(request))
    /// });
    /// # let _ = require_session;
    /// ```
    #[must_use]
    pub fn skip_outer_hooks(mut self) -> Self {
        self.inner.skip_outer_hooks = true;
        self
    }

    /// Whether [`skip_outer_hooks`](Error::skip_outer_hooks) marked this error.
    ///
    /// ```
    /// let error = courier::Error::new(courier::ErrorKind::Connection);
    /// assert!(!error.skips_outer_hooks());
    /// assert!(error.skip_outer_hooks().skips_outer_hooks());
    /// ```
    pub fn skips_outer_hooks(&self) -> bool {
        self.inner.skip_outer_hooks
    }

    /// The reason given when the request was cancelled.
    ///
    /// ```
    /// assert!(courier::Error::cancelled(None).cancel_reason().is_none());
    /// ```
    pub fn cancel_reason(&self) -> Option<&CancelReason> {
        self.inner.cancel_reason.as_ref()
    }

    /// The URL the error is about, with secrets redacted.
    ///
    /// ```
    /// assert!(courier::Error::new(courier::ErrorKind::Io).url().is_none());
    /// ```
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// Removes the URL, for errors that are shown to people who should not see it.
    ///
    /// ```
    /// let url = url::Url::parse("https://api.example/")?;
    /// let error = courier::Error::new(courier::ErrorKind::Io).with_url(&url).without_url();
    /// assert!(error.url().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn without_url(mut self) -> Self {
        self.inner.url = None;
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("courier::Error");
        debug.field("kind", &self.inner.kind);
        if let Some(message) = &self.inner.message {
            debug.field("message", message);
        }
        if let Some(url) = &self.inner.url {
            debug.field("url", &url.as_str());
        }
        if let Some(response) = &self.inner.response {
            debug.field("status", &response.status());
        }
        if let Some(reason) = &self.inner.cancel_reason {
            debug.field("cancel_reason", &reason.as_str());
        }
        if let Some(source) = &self.inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.inner.kind.describe())?;
        if let Some(response) = &self.inner.response {
            write!(f, " ({})", response.status())?;
        }
        if let Some(reason) = &self.inner.cancel_reason {
            write!(f, ": {}", reason.as_str())?;
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        }
        if let Some(url) = &self.inner.url {
            write!(f, " for {url}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|source| &**source as &(dyn std::error::Error + 'static))
    }
}

/// Invalid request parts met in interceptors convert with `?`.
macro_rules! invalid_request_from {
    ($($source:ty),* $(,)?) => {$(
        impl From<$source> for Error {
            /// An [`ErrorKind::InvalidRequest`] caused by this error.
            fn from(source: $source) -> Self {
                Error::with_source(ErrorKind::InvalidRequest, source)
            }
        }
    )*};
}

invalid_request_from!(
    http::Error,
    http::header::InvalidHeaderValue,
    http::header::InvalidHeaderName,
    http::method::InvalidMethod,
    url::ParseError,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_one_pointer_wide() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn invalid_header_values_convert_to_invalid_request() {
        fn parse() -> Result<http::HeaderValue> {
            Ok("bad\nvalue".parse::<http::HeaderValue>()?)
        }
        assert_eq!(parse().unwrap_err().kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn display_names_kind_message_and_redacted_url() {
        let url = Url::parse("https://user:pw@api.example/a?token=secret&page=2").unwrap();
        let error = Error::new(ErrorKind::ReceiveTimeout)
            .with_message("no byte for 5s")
            .with_url(&url);
        let shown = error.to_string();
        assert!(shown.starts_with("receive timeout: no byte for 5s for https://"));
        assert!(!shown.contains("secret"));
        assert!(!shown.contains("pw"));
        assert!(shown.contains("page=2"));
    }
}
