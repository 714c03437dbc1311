//! [`AttemptOutcome`]: what one attempt ended with, as the retry predicate sees it.

use http::{Method, StatusCode};

use crate::error::{ErrorKind, Result};
use crate::response::Response;

/// The statuses retried by default: the request timed out at the server (408), too many
/// requests (429), and the server-side failures that are usually transient (500, 502, 503,
/// 504).
pub(super) const TRANSIENT_STATUSES: [StatusCode; 6] = [
    StatusCode::REQUEST_TIMEOUT,
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

/// One attempt's result, handed to the predicate given to
/// [`retry_if`](super::RetryInterceptorBuilder::retry_if).
///
/// The status is the same whether the response came back as `Ok` (its status passed
/// `validate_status`) or as a [`BadResponse`](ErrorKind::BadResponse) error.
///
/// ```
/// use courier::interceptors::retry::RetryInterceptor;
///
/// // The defaults, plus 409 Conflict on the first two attempts.
/// let retry = RetryInterceptor::builder()
///     .retry_if(|outcome| {
///         outcome.is_transient()
///             || (outcome.status() == Some(http::StatusCode::CONFLICT) && outcome.attempt() < 3)
///     })
///     .build()?;
/// # Ok::<(), courier::Error>(())
/// ```
#[derive(Debug)]
pub struct AttemptOutcome<'a> {
    result: &'a Result<Response>,
    attempt: u32,
    method: &'a Method,
}

impl<'a> AttemptOutcome<'a> {
    pub(super) fn new(result: &'a Result<Response>, attempt: u32, method: &'a Method) -> Self {
        Self {
            result,
            attempt,
            method,
        }
    }

    /// What the attempt returned.
    ///
    /// ```
    /// # use courier::interceptors::retry::RetryInterceptor;
    /// let retry = RetryInterceptor::builder().retry_if(|outcome| outcome.result().is_err()).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn result(&self) -> &'a Result<Response> {
        self.result
    }

    /// Which attempt this was: 1 for the first.
    ///
    /// ```
    /// # use courier::interceptors::retry::RetryInterceptor;
    /// let retry = RetryInterceptor::builder()
    ///     .retry_if(|outcome| outcome.attempt() == 1 && outcome.is_transient())
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The request's method.
    ///
    /// ```
    /// # use courier::interceptors::retry::RetryInterceptor;
    /// let retry = RetryInterceptor::builder()
    ///     .retry_if(|outcome| outcome.method() == http::Method::GET && outcome.is_transient())
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The response's status: of the `Ok` response, or of the response a
    /// [`BadResponse`](ErrorKind::BadResponse) error keeps. `None` when no response came back.
    ///
    /// ```
    /// # use courier::interceptors::retry::RetryInterceptor;
    /// let retry = RetryInterceptor::builder()
    ///     .retry_if(|outcome| outcome.status().is_some_and(|s| s.is_server_error()))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self.result {
            Ok(response) => Some(response.status()),
            Err(error) => error.status(),
        }
    }

    /// The error's kind, or `None` when the attempt returned `Ok`.
    ///
    /// ```
    /// # use courier::interceptors::retry::RetryInterceptor;
    /// let retry = RetryInterceptor::builder()
    ///     .retry_if(|outcome| outcome.error_kind() == Some(courier::ErrorKind::Connection))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn error_kind(&self) -> Option<ErrorKind> {
        self.result.as_ref().err().map(crate::Error::kind)
    }

    /// The default rule: a connection error, a connect, send or receive timeout, or a status
    /// of 408, 429, 500, 502, 503 or 504. Not the total timeout
    /// ([`ErrorKind::Timeout`]): it bounds the whole call, back-offs included, so once it
    /// fires the call is over.
    ///
    /// ```
    /// # use courier::interceptors::retry::RetryInterceptor;
    /// let retry = RetryInterceptor::builder().retry_if(|outcome| outcome.is_transient()).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn is_transient(&self) -> bool {
        if let Some(status) = self.status() {
            return TRANSIENT_STATUSES.contains(&status);
        }
        matches!(
            self.error_kind(),
            Some(
                ErrorKind::Connection
                    | ErrorKind::ConnectTimeout
                    | ErrorKind::SendTimeout
                    | ErrorKind::ReceiveTimeout
            )
        )
    }

    /// Whether no predicate may ask for a retry: a cancelled request (the caller gave up), a
    /// response that could not be decoded (sending again gets the same bytes) and a request
    /// that could not be built (it would fail the same way).
    pub(super) fn is_never_retried(&self) -> bool {
        matches!(
            self.error_kind(),
            Some(ErrorKind::Cancelled | ErrorKind::Decode | ErrorKind::InvalidRequest)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn transient(result: Result<Response>) -> bool {
        AttemptOutcome::new(&result, 1, &Method::GET).is_transient()
    }

    #[test]
    fn the_default_statuses_are_transient_whether_ok_or_rejected() {
        for code in [408, 429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(transient(Ok(Response::new(status, ""))), "{code}");
            let rejected = Error::bad_response(Response::new(status, ""));
            assert!(transient(Err(rejected)), "{code}");
        }
        for code in [200, 304, 400, 401, 404, 409, 501, 505] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(!transient(Ok(Response::new(status, ""))), "{code}");
        }
    }

    #[test]
    fn network_failures_are_transient_but_not_the_total_timeout() {
        for kind in [
            ErrorKind::Connection,
            ErrorKind::ConnectTimeout,
            ErrorKind::SendTimeout,
            ErrorKind::ReceiveTimeout,
        ] {
            assert!(transient(Err(Error::new(kind))), "{kind}");
        }
        for kind in [
            ErrorKind::Timeout,
            ErrorKind::BadCertificate,
            ErrorKind::Cancelled,
            ErrorKind::Decode,
            ErrorKind::InvalidRequest,
            ErrorKind::Redirect,
            ErrorKind::Io,
        ] {
            assert!(!transient(Err(Error::new(kind))), "{kind}");
        }
    }

    #[test]
    fn cancelled_decode_and_invalid_requests_are_never_retried() {
        for kind in [
            ErrorKind::Cancelled,
            ErrorKind::Decode,
            ErrorKind::InvalidRequest,
        ] {
            let result = Err(Error::new(kind));
            assert!(AttemptOutcome::new(&result, 1, &Method::GET).is_never_retried());
        }
        let result = Err(Error::new(ErrorKind::Connection));
        assert!(!AttemptOutcome::new(&result, 1, &Method::GET).is_never_retried());
    }
}
