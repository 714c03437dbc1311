//! From a transport-level [`Error`] to what went wrong in terms an app can act on: the
//! counterpart of the `AppError` mapping every Dio app writes by hand, with RFC 9457 problem
//! details and per-field validation messages read from the body.

mod field_errors;
mod problem;

use std::fmt;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use http::header::CONTENT_TYPE;

pub use field_errors::FieldErrors;
pub use problem::ProblemDetails;

use crate::retry_after::retry_after;
use crate::{Error, ErrorKind, Response};

/// What went wrong with a request, classified for an app's UI.
///
/// Built from any [`Error`] with [`ApiError::from`]. Statuses are mapped as below; when the
/// error carries a bad response whose body is `application/problem+json` (RFC 9457), the
/// parsed [`ProblemDetails`] come along, and 400/422 bodies are searched for per-field
/// messages ([`FieldErrors`]) whatever their media type.
///
/// | Error | `ApiError` |
/// |---|---|
/// | connection refused, reset, DNS | [`Network`](ApiError::Network) |
/// | connect, send, receive or total timeout | [`Timeout`](ApiError::Timeout) |
/// | cancelled | [`Cancelled`](ApiError::Cancelled) |
/// | certificate rejected or pin mismatch | [`BadCertificate`](ApiError::BadCertificate) |
/// | 400, 422 | [`Validation`](ApiError::Validation) |
/// | 401, or [`ErrorKind::Unauthorized`] (the auth interceptor's refresh was rejected) | [`Unauthorized`](ApiError::Unauthorized) |
/// | 403 | [`Forbidden`](ApiError::Forbidden) |
/// | 404, 410 | [`NotFound`](ApiError::NotFound) |
/// | 409 | [`Conflict`](ApiError::Conflict) |
/// | 429 (with `Retry-After`) | [`RateLimited`](ApiError::RateLimited) |
/// | 5xx | [`Server`](ApiError::Server) |
/// | any other rejected status | [`Http`](ApiError::Http) |
/// | undecodable body | [`Decode`](ApiError::Decode) |
/// | bad URL, redirect loop, local I/O | [`Other`](ApiError::Other) |
///
/// ```
/// use courier::{ApiError, Mock, MockTransport, ResponseTemplate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let origin = MockTransport::new();
/// Mock::given(courier::mock::matchers::path("/users"))
///     .respond_with(
///         ResponseTemplate::new(422)
///             .insert_header("content-type", "application/problem+json")
///             .body(r##"{"title": "Invalid user", "errors": [{"pointer": "#/email", "detail": "is taken"}]}"##),
///     )
///     .mount(&origin);
/// let client = courier::Client::builder().base_url("https://api.example").transport(origin).build()?;
///
/// let error = client.post("users").send().await.unwrap_err();
/// match ApiError::from(&error) {
///     ApiError::Validation { fields, problem, .. } => {
///         assert_eq!(fields.first("email"), Some("is taken"));
///         assert_eq!(problem.and_then(|p| p.title).as_deref(), Some("Invalid user"));
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiError {
    /// The server could not be reached, or the connection broke: offline, refused, reset.
    Network,
    /// A timeout expired; `kind` says which (connect, send, receive or total).
    Timeout {
        /// Which timeout.
        kind: ErrorKind,
    },
    /// The app cancelled the request.
    Cancelled,
    /// The server's certificate was rejected (untrusted, expired, or not a pinned key).
    BadCertificate,
    /// 400 or 422: the request was invalid; `fields` says which inputs, when the body does.
    Validation {
        /// 400 or 422.
        status: StatusCode,
        /// Messages per field (empty when the body names none).
        fields: FieldErrors,
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// 401: the credentials are missing, wrong or expired (and could not be refreshed).
    Unauthorized {
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// 403: authenticated, but not allowed.
    Forbidden {
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// 404 or 410: no such resource (410: and there will not be again).
    NotFound {
        /// 404 or 410.
        status: StatusCode,
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// 409: the request conflicts with the resource's current state.
    Conflict {
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// 429: too many requests; `retry_after` is when the server says to try again.
    RateLimited {
        /// From `Retry-After` (seconds or an HTTP date), when present and valid.
        retry_after: Option<Duration>,
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// 5xx: the server failed.
    Server {
        /// The status.
        status: StatusCode,
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// Any other status the client's `validate_status` rejected.
    Http {
        /// The status.
        status: StatusCode,
        /// The RFC 9457 body, if any.
        problem: Option<ProblemDetails>,
    },
    /// The response arrived but could not be decoded (invalid JSON, bad compression).
    Decode {
        /// What failed, for logs.
        message: String,
    },
    /// A programming or local problem: an invalid request, a redirect loop, local I/O.
    Other {
        /// The error's kind.
        kind: ErrorKind,
        /// What failed, for logs.
        message: String,
    },
}

impl ApiError {
    /// The HTTP status behind this error, when it came from a response.
    ///
    /// ```
    /// use courier::ApiError;
    ///
    /// assert_eq!(ApiError::Network.status(), None);
    /// assert_eq!(ApiError::Forbidden { problem: None }.status(), Some(http::StatusCode::FORBIDDEN));
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Validation { status, .. }
            | ApiError::NotFound { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::Http { status, .. } => Some(*status),
            ApiError::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            ApiError::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            ApiError::Conflict { .. } => Some(StatusCode::CONFLICT),
            ApiError::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    /// The RFC 9457 problem details the server sent, if any.
    ///
    /// ```
    /// assert!(courier::ApiError::Network.problem().is_none());
    /// ```
    pub fn problem(&self) -> Option<&ProblemDetails> {
        match self {
            ApiError::Validation { problem, .. }
            | ApiError::Unauthorized { problem }
            | ApiError::Forbidden { problem }
            | ApiError::NotFound { problem, .. }
            | ApiError::Conflict { problem }
            | ApiError::RateLimited { problem, .. }
            | ApiError::Server { problem, .. }
            | ApiError::Http { problem, .. } => problem.as_ref(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed without changing the request: network
    /// failures, timeouts, 429 and 5xx.
    ///
    /// ```
    /// use courier::ApiError;
    ///
    /// assert!(ApiError::Network.is_transient());
    /// assert!(!ApiError::Forbidden { problem: None }.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Network
                | ApiError::Timeout { .. }
                | ApiError::RateLimited { .. }
                | ApiError::Server { .. }
        )
    }

    fn from_response(response: &Response) -> ApiError {
        let status = response.status();
        let json = response
            .buffered_body()
            .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok());
        let is_problem = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(ProblemDetails::is_media_type);
        let problem = match (&json, is_problem) {
            (Some(serde_json::Value::Object(members)), true) => {
                Some(ProblemDetails::from_members(members.clone()))
            }
            _ => None,
        };
        match status.as_u16() {
            400 | 422 => ApiError::Validation {
                status,
                fields: json
                    .as_ref()
                    .map(FieldErrors::from_json)
                    .unwrap_or_default(),
                problem,
            },
            401 => ApiError::Unauthorized { problem },
            403 => ApiError::Forbidden { problem },
            404 | 410 => ApiError::NotFound { status, problem },
            409 => ApiError::Conflict { problem },
            429 => ApiError::RateLimited {
                retry_after: retry_after(response.headers(), SystemTime::now()),
                problem,
            },
            500..=599 => ApiError::Server { status, problem },
            _ => ApiError::Http { status, problem },
        }
    }
}

impl From<&Error> for ApiError {
    fn from(error: &Error) -> ApiError {
        if let Some(response) = error.response() {
            return ApiError::from_response(response);
        }
        match error.kind() {
            ErrorKind::Connection => ApiError::Network,
            kind if kind.is_timeout() => ApiError::Timeout { kind },
            ErrorKind::Cancelled => ApiError::Cancelled,
            ErrorKind::BadCertificate => ApiError::BadCertificate,
            ErrorKind::Unauthorized => ApiError::Unauthorized { problem: None },
            ErrorKind::Decode => ApiError::Decode {
                message: error.to_string(),
            },
            kind => ApiError::Other {
                kind,
                message: error.to_string(),
            },
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        ApiError::from(&error)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => f.write_str("the server could not be reached")?,
            ApiError::Timeout { kind } => write!(f, "the request timed out ({kind:?})")?,
            ApiError::Cancelled => f.write_str("the request was cancelled")?,
            ApiError::BadCertificate => f.write_str("the server's certificate was rejected")?,
            ApiError::Decode { message } => {
                write!(f, "the response could not be decoded: {message}")?
            }
            ApiError::Other { message, .. } => f.write_str(message)?,
            ApiError::RateLimited {
                retry_after: Some(wait),
                ..
            } => write!(
                f,
                "429 Too Many Requests (retry after {} s)",
                wait.as_secs()
            )?,
            other => {
                if let Some(status) = other.status() {
                    write!(f, "{status}")?;
                }
            }
        }
        if let Some(summary) = self.problem().and_then(ProblemDetails::summary) {
            write!(f, ": {summary}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(
        status: u16,
        headers: &[(&'static str, &'static str)],
        body: &'static str,
    ) -> Error {
        let mut response = Response::new(StatusCode::from_u16(status).unwrap(), body);
        for (name, value) in headers {
            response
                .headers_mut()
                .insert(*name, http::HeaderValue::from_static(value));
        }
        Error::bad_response(response)
    }

    #[test]
    fn statuses_map_to_their_variants() {
        type Expected = fn(&ApiError) -> bool;
        let cases: [(u16, Expected); 10] = [
            (400, |e| matches!(e, ApiError::Validation { .. })),
            (401, |e| matches!(e, ApiError::Unauthorized { .. })),
            (403, |e| matches!(e, ApiError::Forbidden { .. })),
            (404, |e| matches!(e, ApiError::NotFound { .. })),
            (409, |e| matches!(e, ApiError::Conflict { .. })),
            (410, |e| matches!(e, ApiError::NotFound { .. })),
            (422, |e| matches!(e, ApiError::Validation { .. })),
            (429, |e| matches!(e, ApiError::RateLimited { .. })),
            (503, |e| matches!(e, ApiError::Server { .. })),
            (418, |e| matches!(e, ApiError::Http { .. })),
        ];
        for (status, expected) in cases {
            let mapped = ApiError::from(rejected(status, &[], ""));
            assert!(expected(&mapped), "{status}: {mapped:?}");
            // Every status survives the mapping, 410 (folded into `NotFound`) included.
            assert_eq!(mapped.status().map(|s| s.as_u16()), Some(status));
        }
    }

    #[test]
    fn error_kinds_without_a_response_map_by_kind() {
        assert_eq!(
            ApiError::from(Error::new(ErrorKind::Connection)),
            ApiError::Network
        );
        assert_eq!(
            ApiError::from(Error::new(ErrorKind::SendTimeout)),
            ApiError::Timeout {
                kind: ErrorKind::SendTimeout
            }
        );
        assert_eq!(ApiError::from(Error::cancelled(None)), ApiError::Cancelled);
        assert_eq!(
            ApiError::from(Error::new(ErrorKind::BadCertificate)),
            ApiError::BadCertificate
        );
        assert_eq!(
            ApiError::from(Error::new(ErrorKind::Unauthorized)),
            ApiError::Unauthorized { problem: None }
        );
        assert!(matches!(
            ApiError::from(Error::new(ErrorKind::Redirect)),
            ApiError::Other {
                kind: ErrorKind::Redirect,
                ..
            }
        ));
    }

    #[test]
    fn rfc9457_problem_bodies_are_parsed_only_with_their_media_type() {
        let body = r#"{"type": "https://example.com/probs/out-of-credit", "title": "You do not have enough credit.", "detail": "Your current balance is 30, but that costs 50.", "balance": 30}"#;
        let with = ApiError::from(rejected(
            403,
            &[("content-type", "application/problem+json")],
            body,
        ));
        let problem = with.problem().unwrap();
        assert_eq!(problem.extensions["balance"], 30);
        assert_eq!(
            with.to_string(),
            "403 Forbidden: Your current balance is 30, but that costs 50."
        );
        let without = ApiError::from(rejected(403, &[("content-type", "application/json")], body));
        assert!(without.problem().is_none());
    }

    #[test]
    fn validation_fields_are_read_from_plain_json_too() {
        let error = rejected(
            422,
            &[("content-type", "application/json")],
            r#"{"errors": {"email": ["is taken"]}}"#,
        );
        let ApiError::Validation { fields, .. } = ApiError::from(&error) else {
            panic!("not validation");
        };
        assert_eq!(fields.first("email"), Some("is taken"));
    }

    #[test]
    fn rfc9110_10_2_3_retry_after_is_read_for_429() {
        let seconds = ApiError::from(rejected(429, &[("retry-after", "120")], ""));
        assert!(matches!(
            seconds,
            ApiError::RateLimited {
                retry_after: Some(wait),
                ..
            } if wait == Duration::from_secs(120)
        ));
        let garbage = ApiError::from(rejected(429, &[("retry-after", "soon")], ""));
        assert!(matches!(
            garbage,
            ApiError::RateLimited {
                retry_after: None,
                ..
            }
        ));
    }
}
