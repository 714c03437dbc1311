//! Invalidation after unsafe methods (RFC 9111 §4.4).
//!
//! A successful `POST`, `PUT`, `DELETE` or `PATCH` probably changed the resource, so the cache
//! must drop what it stored for the target URI, and may drop what it stored under the
//! `Location` and `Content-Location` the response names. Those two are honoured only when they
//! share the target's origin (scheme, host, port): otherwise one site could evict another's
//! entries. Only non-error responses (2xx, 3xx) invalidate: a failed request changed nothing.

use http::header::{CONTENT_LOCATION, HeaderMap, LOCATION};
use http::{Method, StatusCode, Uri};
use url::Url;

/// Whether a method is safe (RFC 9110 §9.2.1). Unknown methods are unsafe.
///
/// ```
/// use http::Method;
/// use courier_cache::policy::invalidation::is_safe_method;
///
/// assert!(is_safe_method(&Method::GET));
/// assert!(!is_safe_method(&Method::from_bytes(b"PURGE")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn is_safe_method(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE].contains(method)
}

/// The URIs to invalidate after a response to `method` on `target`: empty for safe methods
/// and error statuses; otherwise the target, then same-origin `Location` and
/// `Content-Location` (resolved against the target), without duplicates or fragments.
/// A target that is not an absolute URI yields nothing.
///
/// ```
/// use http::{HeaderMap, Method, StatusCode, Uri};
/// use courier_cache::policy::invalidation::invalidated_uris;
///
/// let target: Uri = "https://example.com/items".parse()?;
/// let mut headers = HeaderMap::new();
/// headers.insert("location", "/items/7".parse()?);
/// headers.insert("content-location", "https://evil.example/items".parse()?);
/// let uris = invalidated_uris(&Method::POST, &target, StatusCode::CREATED, &headers);
/// let uris: Vec<&str> = uris.iter().map(|u| u.as_str()).collect();
/// assert_eq!(uris, ["https://example.com/items", "https://example.com/items/7"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn invalidated_uris(
    method: &Method,
    target: &Uri,
    status: StatusCode,
    response_headers: &HeaderMap,
) -> Vec<Url> {
    if is_safe_method(method) || !(status.is_success() || status.is_redirection()) {
        return Vec::new();
    }
    let Ok(mut target) = Url::parse(&target.to_string()) else {
        return Vec::new();
    };
    target.set_fragment(None);
    let mut out = vec![target.clone()];
    for name in [LOCATION, CONTENT_LOCATION] {
        let Some(value) = response_headers.get(&name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        let Ok(mut uri) = target.join(value.trim()) else {
            continue;
        };
        uri.set_fragment(None);
        if uri.origin() == target.origin() && !out.contains(&uri) {
            out.push(uri);
        }
    }
    out
}
