//! Shared helpers for the policy tests (messages from header lists, entries on a virtual clock)
//! and, in [`server`], the loopback origin of the end-to-end tests.
#![allow(dead_code, reason = "each test file uses a subset of the helpers")]

pub(crate) mod server;

use std::time::{Duration, SystemTime};

use courier_cache::policy::dates::http_date_value;
use courier_cache::policy::{
    CacheControl, Lookup, Policy, PolicyConfig, Storability, StoredExchange,
};
use courier_cache::{Clock, MockClock};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, request, response};

/// The target URI of every helper request.
pub(crate) const URL: &str = "https://example.com/resource";

pub(crate) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A header map from `(name, value)` pairs, appended in order (so names may repeat).
pub(crate) fn headers(list: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in list {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("test header name"),
            HeaderValue::from_str(value).expect("test header value"),
        );
    }
    map
}

pub(crate) fn req_to(method: &str, uri: &str, list: &[(&str, &str)]) -> request::Parts {
    let (mut parts, ()) = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(())
        .expect("test request")
        .into_parts();
    parts.headers = headers(list);
    parts
}

pub(crate) fn req(method: &str, list: &[(&str, &str)]) -> request::Parts {
    req_to(method, URL, list)
}

pub(crate) fn get(list: &[(&str, &str)]) -> request::Parts {
    req("GET", list)
}

pub(crate) fn res(status: u16, list: &[(&str, &str)]) -> response::Parts {
    let (mut parts, ()) = http::Response::builder()
        .status(status)
        .body(())
        .expect("test response")
        .into_parts();
    parts.headers = headers(list);
    parts
}

/// An HTTP-date for `at`.
pub(crate) fn date(at: SystemTime) -> String {
    http_date_value(at).to_str().expect("ascii date").to_owned()
}

pub(crate) fn private() -> Policy {
    Policy::default()
}

pub(crate) fn shared() -> Policy {
    let mut config = PolicyConfig::default();
    config.shared = true;
    Policy::new(config)
}

pub(crate) fn with_config(edit: impl FnOnce(&mut PolicyConfig)) -> Policy {
    let mut config = PolicyConfig::default();
    edit(&mut config);
    Policy::new(config)
}

/// What a store would keep: the pieces of a `Storability::Store` plus the exchange's facts.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) method: Method,
    pub(crate) status: StatusCode,
    pub(crate) response_headers: HeaderMap,
    pub(crate) request_headers: HeaderMap,
    pub(crate) cache_control: CacheControl,
    pub(crate) request_time: SystemTime,
    pub(crate) response_time: SystemTime,
}

impl Entry {
    pub(crate) fn view(&self) -> StoredExchange<'_> {
        StoredExchange {
            method: &self.method,
            status: self.status,
            response_headers: &self.response_headers,
            request_headers: &self.request_headers,
            cache_control: &self.cache_control,
            request_time: self.request_time,
            response_time: self.response_time,
        }
    }
}

/// Stores `res` for `req`, or panics with the reason it is not storable.
pub(crate) fn store(
    policy: &Policy,
    req: &request::Parts,
    res: &response::Parts,
    request_time: SystemTime,
    response_time: SystemTime,
) -> Entry {
    match policy.storability(&req.into(), &res.into(), request_time, response_time) {
        Storability::Store {
            response_headers,
            request_headers,
            cache_control,
            ..
        } => Entry {
            method: req.method.clone(),
            status: res.status,
            response_headers,
            request_headers,
            cache_control,
            request_time,
            response_time,
        },
        Storability::DoNotStore(reason) => panic!("not storable: {reason:?}"),
    }
}

/// A 200 to `GET URL` with these headers (plus `Date: now` unless given), received at the
/// clock's now with no delay.
pub(crate) fn cached(policy: &Policy, clock: &MockClock, list: &[(&str, &str)]) -> Entry {
    cached_for(policy, clock, &get(&[]), list)
}

/// As [`cached`], for a given request.
pub(crate) fn cached_for(
    policy: &Policy,
    clock: &MockClock,
    request: &request::Parts,
    list: &[(&str, &str)],
) -> Entry {
    let now = clock.now();
    let mut response = res(200, list);
    if !response.headers.contains_key("date") {
        response
            .headers
            .insert("date", HeaderValue::from_str(&date(now)).expect("date"));
    }
    store(policy, request, &response, now, now)
}

pub(crate) fn lookup(
    policy: &Policy,
    entry: &Entry,
    request: &request::Parts,
    now: SystemTime,
) -> Lookup {
    policy.lookup(&request.into(), &entry.view(), now)
}

/// A short name for the variant, for assertions with readable failures.
pub(crate) fn kind(lookup: &Lookup) -> &'static str {
    match lookup {
        Lookup::Fresh { .. } => "fresh",
        Lookup::NotModified { .. } => "not-modified",
        Lookup::Stale { .. } => "stale",
        Lookup::StaleWhileRevalidate { .. } => "stale-while-revalidate",
        Lookup::Revalidate(_) => "revalidate",
        Lookup::Forward(_) => "forward",
        Lookup::GatewayTimeout => "gateway-timeout",
    }
}
