//! Whether a response may be stored, and what of it (RFC 9111 §3).
//!
//! A cache must not store a response unless every condition of §3 holds: the method is
//! cacheable, the final status is understood, `no-store` is absent from request and response,
//! a shared cache honours `private` and `Authorization` (§3.5), and the response either has
//! explicit freshness, a `public`/`private` directive that permits it, or a heuristically
//! cacheable status. `206 Partial Content` is never stored (this cache does not combine
//! ranges), and `Vary: *` is not stored because it could never be selected.
//!
//! What is stored is also narrower than what arrived: hop-by-hop fields describe one
//! connection, and a shared cache must not hand one user's `Set-Cookie` to the next.

use std::time::SystemTime;

use http::header::{
    AUTHORIZATION, CONNECTION, DATE, HeaderMap, HeaderName, PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION, SET_COOKIE, TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
};
use http::{Method, StatusCode};

use super::age::AgeCalculation;
use super::dates::{self, http_date_value};
use super::decision::{NotStorable, Storability};
use super::freshness::{Freshness, is_heuristically_cacheable};
use super::{CacheControl, FieldScope, PolicyConfig, RequestDirectives, RequestView, ResponseView};

/// Final status codes whose semantics this cache understands (RFC 9110 §15, RFC 6585,
/// RFC 7725). 206 and 304 are understood but handled elsewhere: 206 is never stored and 304
/// only freshens.
const UNDERSTOOD: &[u16] = &[
    200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406,
    407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 428, 429, 431, 451, 500,
    501, 502, 503, 504, 505, 511,
];

/// Whether the cache understands `status` well enough to store it (RFC 9111 §3).
///
/// ```
/// use http::StatusCode;
/// use courier_cache::policy::storage::is_understood_status;
///
/// assert!(is_understood_status(StatusCode::OK));
/// assert!(!is_understood_status(StatusCode::PARTIAL_CONTENT));
/// assert!(!is_understood_status(StatusCode::from_u16(299)?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn is_understood_status(status: StatusCode) -> bool {
    UNDERSTOOD.contains(&status.as_u16())
}

/// Header fields that describe one connection and are never stored (RFC 9110 §7.6.1,
/// RFC 9111 §3.1).
const HOP_BY_HOP: &[HeaderName] = &[
    CONNECTION,
    TE,
    TRANSFER_ENCODING,
    UPGRADE,
    TRAILER,
    PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION,
];

/// The field names listed by `Connection` (hop-by-hop for this message).
pub(crate) fn connection_listed(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(CONNECTION)
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b','))
        .filter_map(|name| HeaderName::from_bytes(name.trim_ascii()).ok())
        .collect()
}

/// Whether `name` is hop-by-hop: a fixed hop-by-hop field, `Keep-Alive`, `Proxy-Connection`,
/// or one of `listed` (see [`connection_listed`]); the fields [`strip_hop_by_hop`] removes.
pub(crate) fn is_hop_by_hop(name: &HeaderName, listed: &[HeaderName]) -> bool {
    HOP_BY_HOP.contains(name)
        || name == "keep-alive"
        || name == "proxy-connection"
        || listed.contains(name)
}

/// Removes hop-by-hop fields, including those named by `Connection`.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let listed = connection_listed(headers);
    for name in listed.iter().chain(HOP_BY_HOP) {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}

pub(crate) fn storability(
    config: &PolicyConfig,
    request: &RequestView<'_>,
    response: &ResponseView<'_>,
    request_time: SystemTime,
    response_time: SystemTime,
) -> Storability {
    use Storability::DoNotStore;

    let cacheable_method = *request.method == Method::GET
        || *request.method == Method::HEAD
        || (config.allow_post && *request.method == Method::POST);
    if !cacheable_method {
        return DoNotStore(NotStorable::MethodNotCacheable);
    }
    if response.status == StatusCode::PARTIAL_CONTENT {
        return DoNotStore(NotStorable::PartialContent);
    }
    if !is_understood_status(response.status) {
        return DoNotStore(NotStorable::StatusNotUnderstood);
    }
    if RequestDirectives::from_headers(request.headers).no_store() {
        return DoNotStore(NotStorable::RequestNoStore);
    }
    let cc = CacheControl::from_headers(response.headers);
    // must-understand: a cache that understands the status may ignore no-store (§5.2.2.3).
    if cc.no_store() && !cc.must_understand() {
        return DoNotStore(NotStorable::ResponseNoStore);
    }
    if config.shared && cc.private() == Some(FieldScope::All) {
        return DoNotStore(NotStorable::Private);
    }
    if config.shared
        && request.headers.contains_key(AUTHORIZATION)
        && !(cc.public() || cc.must_revalidate() || cc.s_maxage().is_some())
    {
        return DoNotStore(NotStorable::Authorization);
    }
    let freshness = Freshness::of(
        config,
        response.status,
        response.headers,
        &cc,
        response_time,
    );
    let permitted = freshness.source.is_explicit()
        || cc.public()
        || (!config.shared && cc.private().is_some())
        || (config.shared && cc.s_maxage().is_some())
        || is_heuristically_cacheable(response.status);
    if !permitted {
        return DoNotStore(NotStorable::NoFreshnessInformation);
    }
    let Some(request_headers) =
        super::vary::select_request_headers(response.headers, request.headers)
    else {
        return DoNotStore(NotStorable::VaryAny);
    };

    let mut response_headers = response.headers.clone();
    strip_hop_by_hop(&mut response_headers);
    if config.shared {
        response_headers.remove(SET_COOKIE);
        if let Some(FieldScope::Fields(names)) = cc.private() {
            for name in names {
                response_headers.remove(name);
            }
        }
    }
    if dates::date(&response_headers).is_none() {
        response_headers.insert(DATE, http_date_value(response_time));
    }
    let initial_age =
        AgeCalculation::new(response.headers, request_time, response_time).corrected_initial_age();
    let fresh_until = response_time
        .checked_sub(initial_age)
        .and_then(|born| born.checked_add(freshness.lifetime))
        .unwrap_or(response_time);
    Storability::Store {
        response_headers,
        request_headers,
        cache_control: cc,
        freshness,
        fresh_until,
    }
}
