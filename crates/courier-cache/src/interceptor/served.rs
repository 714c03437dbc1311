//! From a stored entry to a response, and from a request to the policy's views.

use std::sync::Arc;
use std::time::SystemTime;

use courier::{Request, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};

use crate::entry::CacheEntry;
use crate::policy::{CacheControl, RequestView, StoredExchange};
use crate::status::CacheStatus;

/// The parts of a request the policy reads, with the URL as an `http::Uri`, and the URL
/// itself (a served entry usually carries the same one, so it need not be parsed again).
pub(super) struct RequestParts {
    pub(super) method: Method,
    pub(super) url: url::Url,
    pub(super) uri: Uri,
    pub(super) headers: HeaderMap,
}

impl RequestParts {
    pub(super) fn of(request: &Request) -> Self {
        Self {
            method: request.method().clone(),
            url: request.url().clone(),
            // A `url::Url` always parses as a `Uri`; the fallback only keeps this total.
            uri: request.url().as_str().parse().unwrap_or_default(),
            headers: request.headers().clone(),
        }
    }

    pub(super) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            uri: &self.uri,
            headers: &self.headers,
        }
    }
}

/// A stored entry with its parsed `Cache-Control` (kept by the store, or parsed once here),
/// lending the policy its view.
pub(super) struct Stored {
    pub(super) entry: CacheEntry,
    pub(super) cache_control: Arc<CacheControl>,
}

impl Stored {
    pub(super) fn new(entry: CacheEntry) -> Self {
        let cache_control = entry.cache_control();
        Self {
            entry,
            cache_control,
        }
    }

    pub(super) fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.entry.metadata.status).unwrap_or(StatusCode::OK)
    }

    pub(super) fn exchange(&self) -> StoredExchange<'_> {
        let metadata = &self.entry.metadata;
        StoredExchange {
            method: &metadata.method,
            status: self.status(),
            response_headers: &metadata.headers,
            request_headers: &metadata.vary_request_headers,
            cache_control: &self.cache_control,
            request_time: metadata.request_time,
            response_time: metadata.response_time,
        }
    }

    /// The response served from this entry with `headers` (the policy's, `Age` included).
    /// A HEAD request gets no body.
    pub(super) fn response(&self, request: &RequestParts, headers: HeaderMap) -> Response {
        let body = if request.method == Method::HEAD {
            bytes::Bytes::new()
        } else {
            self.entry.body.clone()
        };
        let mut response = Response::new(self.status(), body);
        *response.headers_mut() = headers;
        // The stored URL is a serialised `Url`, and parsing a serialised `Url` gives it back:
        // when it is the request's (no redirect), that `Url` is the answer, without a parse
        // (which would cost a fifth of a hit).
        let url = if self.entry.metadata.url == request.url.as_str() {
            Some(request.url.clone())
        } else {
            url::Url::parse(&self.entry.metadata.url).ok()
        };
        if let Some(url) = url {
            response.set_url(url);
        }
        response
    }
}

/// Records where the response came from, in its extensions and optionally as a header.
pub(super) fn mark(response: &mut Response, status: CacheStatus, header: bool) {
    response.extensions_mut().insert(status);
    if header && let Ok(value) = HeaderValue::try_from(status.to_header_value("courier")) {
        response.headers_mut().append("cache-status", value);
    }
}

/// `SystemTime` arithmetic that saturates instead of panicking.
pub(super) fn later(time: SystemTime, by: std::time::Duration) -> SystemTime {
    time.checked_add(by).unwrap_or(time)
}
