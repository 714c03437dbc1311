//! What the request asks of the cache (RFC 9111 §5.2.1, §5.4).
//!
//! A request's `Cache-Control` narrows what the cache may serve: `max-age` (no older than),
//! `min-fresh` (fresh for at least this much longer), `max-stale` (stale is acceptable up to
//! this), `no-cache` (revalidate first), `no-store` (store nothing) and `only-if-cached`
//! (never contact the origin). `Pragma: no-cache` counts as `Cache-Control: no-cache` only when
//! the request has no `Cache-Control` field at all (§5.4), so a modern client's own directives
//! always win over the HTTP/1.0 one.

use std::time::Duration;

use http::HeaderMap;
use http::header::{CACHE_CONTROL, PRAGMA};

use super::{CacheControl, MaxStale};

/// The request's cache directives, with `Pragma: no-cache` folded in.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::RequestDirectives;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("pragma", "no-cache".parse()?);
/// assert!(RequestDirectives::from_headers(&headers).no_cache());
/// headers.insert("cache-control", "max-stale".parse()?);
/// assert!(!RequestDirectives::from_headers(&headers).no_cache());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestDirectives {
    cc: CacheControl,
}

impl RequestDirectives {
    /// Reads `Cache-Control` and, when it is absent, `Pragma`.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "only-if-cached".parse()?);
    /// assert!(RequestDirectives::from_headers(&headers).only_if_cached());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut cc = CacheControl::from_headers(headers);
        if !headers.contains_key(CACHE_CONTROL) && pragma_no_cache(headers) {
            cc.set_no_cache();
        }
        Self { cc }
    }

    /// The parsed request `Cache-Control` (without the `Pragma` fold).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// assert!(RequestDirectives::from_headers(&HeaderMap::new()).cache_control().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn cache_control(&self) -> &CacheControl {
        &self.cc
    }

    /// `max-age`: the oldest response the client accepts without revalidation.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "max-age=0".parse()?);
    /// assert_eq!(RequestDirectives::from_headers(&headers).max_age(), Some(std::time::Duration::ZERO));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_age(&self) -> Option<Duration> {
        self.cc.max_age()
    }

    /// `max-stale`: how stale a response the client accepts.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::{MaxStale, RequestDirectives};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "max-stale".parse()?);
    /// assert_eq!(RequestDirectives::from_headers(&headers).max_stale(), Some(MaxStale::Any));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_stale(&self) -> Option<MaxStale> {
        self.cc.max_stale()
    }

    /// `min-fresh`: how much longer the response must stay fresh.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "min-fresh=5".parse()?);
    /// assert_eq!(RequestDirectives::from_headers(&headers).min_fresh(), Some(std::time::Duration::from_secs(5)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn min_fresh(&self) -> Option<Duration> {
        self.cc.min_fresh()
    }

    /// `no-cache` (or `Pragma: no-cache` without `Cache-Control`): revalidate before use.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "no-cache".parse()?);
    /// assert!(RequestDirectives::from_headers(&headers).no_cache());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn no_cache(&self) -> bool {
        self.cc.no_cache().is_some()
    }

    /// `no-store`: store no part of this request or its response.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "no-store".parse()?);
    /// assert!(RequestDirectives::from_headers(&headers).no_store());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn no_store(&self) -> bool {
        self.cc.no_store()
    }

    /// `only-if-cached`: answer from the cache or with 504, never from the origin.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// assert!(!RequestDirectives::from_headers(&HeaderMap::new()).only_if_cached());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn only_if_cached(&self) -> bool {
        self.cc.only_if_cached()
    }

    /// `stale-if-error` on the request (RFC 5861 §4): the client accepts a response this
    /// stale when the origin fails.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::RequestDirectives;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "stale-if-error=60".parse()?);
    /// assert!(RequestDirectives::from_headers(&headers).stale_if_error().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn stale_if_error(&self) -> Option<Duration> {
        self.cc.stale_if_error()
    }
}

fn pragma_no_cache(headers: &HeaderMap) -> bool {
    headers.get_all(PRAGMA).iter().any(|line| {
        line.as_bytes()
            .split(|&b| b == b',')
            .any(|member| member.trim_ascii().eq_ignore_ascii_case(b"no-cache"))
    })
}
