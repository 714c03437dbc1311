//! Borrowed views of the messages the policy reads.
//!
//! The policy owns nothing: it reads borrowed parts of the live request and response, and a
//! [`StoredExchange`] that a store's entry lends field by field. No header map is cloned to
//! ask a question; only a decision that hands back headers to send or store allocates.

use std::time::SystemTime;

use http::{HeaderMap, Method, StatusCode, Uri};

use super::CacheControl;

/// A request as the policy sees it: method, target URI and headers.
///
/// ```
/// use courier_cache::policy::RequestView;
///
/// let (parts, ()) = http::Request::get("https://example.com/a").body(())?.into_parts();
/// let request = RequestView::from(&parts);
/// assert_eq!(request.method, http::Method::GET);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The target URI, absolute when invalidation is to resolve `Location`.
    pub uri: &'a Uri,
    /// The request headers.
    pub headers: &'a HeaderMap,
}

impl<'a> From<&'a http::request::Parts> for RequestView<'a> {
    fn from(parts: &'a http::request::Parts) -> Self {
        Self {
            method: &parts.method,
            uri: &parts.uri,
            headers: &parts.headers,
        }
    }
}

/// A response as the policy sees it: status and headers.
///
/// ```
/// use courier_cache::policy::ResponseView;
///
/// let (parts, ()) = http::Response::builder().status(200).body(())?.into_parts();
/// let response = ResponseView::from(&parts);
/// assert_eq!(response.status, http::StatusCode::OK);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ResponseView<'a> {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: &'a HeaderMap,
}

impl<'a> From<&'a http::response::Parts> for ResponseView<'a> {
    fn from(parts: &'a http::response::Parts) -> Self {
        Self {
            status: parts.status,
            headers: &parts.headers,
        }
    }
}

/// A stored request/response pair, lent by a store's entry.
///
/// `response_headers` are the headers the [`Storability::Store`](super::Storability::Store)
/// decision said to store; `request_headers` the Vary-selected request headers it returned;
/// `cache_control` the parsed response `Cache-Control` it returned, kept so a hit does not
/// parse again.
///
/// ```
/// use std::time::SystemTime;
/// use http::{HeaderMap, Method, StatusCode};
/// use courier_cache::policy::{CacheControl, StoredExchange};
///
/// let response_headers = HeaderMap::new();
/// let request_headers = HeaderMap::new();
/// let cache_control = CacheControl::from_headers(&response_headers);
/// let stored = StoredExchange {
///     method: &Method::GET,
///     status: StatusCode::OK,
///     response_headers: &response_headers,
///     request_headers: &request_headers,
///     cache_control: &cache_control,
///     request_time: SystemTime::UNIX_EPOCH,
///     response_time: SystemTime::UNIX_EPOCH,
/// };
/// assert_eq!(stored.status, 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StoredExchange<'a> {
    /// The method of the request that produced the stored response.
    pub method: &'a Method,
    /// The stored status.
    pub status: StatusCode,
    /// The stored response headers.
    pub response_headers: &'a HeaderMap,
    /// The stored request's values of the header fields named by `Vary`.
    pub request_headers: &'a HeaderMap,
    /// The parsed `Cache-Control` of `response_headers`.
    pub cache_control: &'a CacheControl,
    /// When the request that produced the stored response was sent (RFC 9111 §4.2.3
    /// `request_time`).
    pub request_time: SystemTime,
    /// When the stored response was received (`response_time`).
    pub response_time: SystemTime,
}
