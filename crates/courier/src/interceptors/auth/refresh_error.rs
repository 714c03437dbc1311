//! [`RefreshError`]: why a refresh failed, and whether the session is over.

use std::fmt;

use crate::error::{BoxError, Error, ErrorKind};

/// A failed token refresh, as a [`Refresher`](super::Refresher) reports it.
///
/// The one decision it carries is whether the session is over:
///
/// - **revoked** ([`RefreshError::revoked`]): the server rejected the refresh token (OAuth's
///   `invalid_grant`). The interceptor clears the tokens from the store, reports
///   [`AuthState::Unauthenticated`](super::AuthState::Unauthenticated), and every request
///   waiting for the refresh fails with [`ErrorKind::Unauthorized`].
/// - **transient** ([`RefreshError::transient`]): the token endpoint could not be reached,
///   timed out or failed. The tokens are kept (a network blip must not sign the user out);
///   the waiting requests fail with this error's kind (a `Connection` error, a timeout, …),
///   and the next request that meets a `401` tries again.
///
/// A [`courier::Error`](crate::Error) converts with `?`: a rejected status of `400` or `401`
/// (what RFC 6749 §5.2 prescribes for a bad refresh token) or an
/// [`Unauthorized`](ErrorKind::Unauthorized) error is revoked, anything else transient.
///
/// ```
/// use courier::interceptors::auth::RefreshError;
/// use courier::{Error, ErrorKind, Response};
///
/// let rejected = Error::bad_response(Response::new(http::StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#));
/// assert!(RefreshError::from(rejected).is_revoked());
///
/// let offline = Error::new(ErrorKind::Connection);
/// assert!(!RefreshError::from(offline).is_revoked());
///
/// let no_refresh_token = RefreshError::revoked("no refresh token stored");
/// assert_eq!(no_refresh_token.error().kind(), ErrorKind::Unauthorized);
/// ```
pub struct RefreshError {
    revoked: bool,
    error: Error,
}

impl RefreshError {
    /// The session is over: the tokens are cleared and the user must sign in again. The
    /// error is of kind [`Unauthorized`](ErrorKind::Unauthorized), caused by `reason`.
    ///
    /// ```
    /// let error = courier::interceptors::auth::RefreshError::revoked("refresh token expired");
    /// assert!(error.is_revoked());
    /// ```
    pub fn revoked(reason: impl Into<BoxError>) -> Self {
        Self {
            revoked: true,
            error: Error::with_source(ErrorKind::Unauthorized, reason)
                .with_message("the token refresh was rejected"),
        }
    }

    /// The refresh failed but may work later: the tokens are kept.
    ///
    /// ```
    /// let error = courier::interceptors::auth::RefreshError::transient(
    ///     courier::Error::new(courier::ErrorKind::ConnectTimeout),
    /// );
    /// assert!(!error.is_revoked());
    /// ```
    pub fn transient(error: Error) -> Self {
        Self {
            revoked: false,
            error,
        }
    }

    /// Whether the session is over.
    ///
    /// ```
    /// assert!(courier::interceptors::auth::RefreshError::revoked("bye").is_revoked());
    /// ```
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// The error: of kind [`Unauthorized`](ErrorKind::Unauthorized) when revoked.
    ///
    /// ```
    /// use courier::{Error, ErrorKind, interceptors::auth::RefreshError};
    /// let error = RefreshError::transient(Error::new(ErrorKind::Connection));
    /// assert_eq!(error.error().kind(), ErrorKind::Connection);
    /// ```
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The error, taken out.
    ///
    /// ```
    /// let error = courier::interceptors::auth::RefreshError::revoked("bye").into_error();
    /// assert_eq!(error.kind(), courier::ErrorKind::Unauthorized);
    /// ```
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl From<Error> for RefreshError {
    fn from(error: Error) -> Self {
        let rejected = match error.kind() {
            ErrorKind::Unauthorized => true,
            ErrorKind::BadResponse => error
                .status()
                .is_some_and(|status| status.as_u16() == 400 || status.as_u16() == 401),
            _ => false,
        };
        Self {
            revoked: rejected,
            error,
        }
    }
}

impl fmt::Debug for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshError")
            .field("revoked", &self.revoked)
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.revoked {
            write!(f, "token refresh rejected: {}", self.error)
        } else {
            write!(f, "token refresh failed: {}", self.error)
        }
    }
}

impl std::error::Error for RefreshError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Response;

    fn rejected(status: u16) -> Error {
        let status = http::StatusCode::from_u16(status).unwrap();
        Error::bad_response(Response::new(status, ""))
    }

    #[test]
    fn statuses_of_a_rejected_grant_revoke_others_do_not() {
        assert!(RefreshError::from(rejected(400)).is_revoked());
        assert!(RefreshError::from(rejected(401)).is_revoked());
        assert!(!RefreshError::from(rejected(403)).is_revoked());
        assert!(!RefreshError::from(rejected(500)).is_revoked());
        assert!(!RefreshError::from(rejected(503)).is_revoked());
        assert!(RefreshError::from(Error::new(ErrorKind::Unauthorized)).is_revoked());
        assert!(!RefreshError::from(Error::new(ErrorKind::Timeout)).is_revoked());
        assert!(!RefreshError::from(Error::new(ErrorKind::Decode)).is_revoked());
    }
}
