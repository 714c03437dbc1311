//! How long a stored response stays fresh (RFC 9111 §4.2.1, §4.2.2).
//!
//! The freshness lifetime comes from the first of these that applies:
//! 1. `s-maxage`, in a shared cache;
//! 2. `max-age` (a malformed one is zero: stale at once);
//! 3. `Expires - Date` (an invalid `Expires` is already expired; a missing `Date` is the
//!    response time);
//! 4. a heuristic: [`PolicyConfig::heuristic_fraction`] (10 %) of `Date - Last-Modified`,
//!    capped at [`PolicyConfig::heuristic_cap`] (1 day), only for a heuristically cacheable
//!    status (RFC 9110 §15.1) or a `public` response;
//! 5. otherwise zero.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use super::age::span;
use super::dates::{self, Expires};
use super::{CacheControl, PolicyConfig};

/// Status codes that are heuristically cacheable (RFC 9110 §15.1), so may be stored and given
/// a heuristic lifetime without explicit freshness.
const HEURISTICALLY_CACHEABLE: &[u16] =
    &[200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];

/// Whether `status` is heuristically cacheable (RFC 9110 §15.1).
///
/// ```
/// use http::StatusCode;
/// use courier_cache::policy::freshness::is_heuristically_cacheable;
///
/// assert!(is_heuristically_cacheable(StatusCode::NOT_FOUND));
/// assert!(!is_heuristically_cacheable(StatusCode::FOUND));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn is_heuristically_cacheable(status: StatusCode) -> bool {
    HEURISTICALLY_CACHEABLE.contains(&status.as_u16())
}

/// Where a freshness lifetime came from.
///
/// ```
/// use courier_cache::policy::freshness::FreshnessSource;
///
/// assert!(FreshnessSource::MaxAge.is_explicit());
/// assert!(!FreshnessSource::Heuristic.is_explicit());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreshnessSource {
    /// `s-maxage` (shared caches only).
    SMaxAge,
    /// `max-age`.
    MaxAge,
    /// `Expires` minus `Date`.
    Expires,
    /// A fraction of the time since `Last-Modified`.
    Heuristic,
    /// No information: the lifetime is zero.
    None,
}

impl FreshnessSource {
    /// Whether the origin gave the lifetime explicitly (RFC 9111 §4.2.1).
    ///
    /// ```
    /// use courier_cache::policy::freshness::FreshnessSource;
    ///
    /// assert!(FreshnessSource::Expires.is_explicit());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_explicit(self) -> bool {
        matches!(self, Self::SMaxAge | Self::MaxAge | Self::Expires)
    }
}

/// A freshness lifetime and its source.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use http::{HeaderMap, StatusCode};
/// use courier_cache::policy::{CacheControl, PolicyConfig};
/// use courier_cache::policy::freshness::{Freshness, FreshnessSource};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("cache-control", "max-age=60".parse()?);
/// let cc = CacheControl::from_headers(&headers);
/// let f = Freshness::of(&PolicyConfig::default(), StatusCode::OK, &headers, &cc, SystemTime::now());
/// assert_eq!((f.lifetime, f.source), (Duration::from_secs(60), FreshnessSource::MaxAge));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The freshness lifetime.
    pub lifetime: Duration,
    /// Where it came from.
    pub source: FreshnessSource,
}

impl Freshness {
    /// The freshness lifetime of a response (RFC 9111 §4.2.1), given its parsed
    /// `Cache-Control` and the time it was received (the stand-in for a missing `Date`).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use http::{HeaderMap, StatusCode};
    /// use courier_cache::policy::{CacheControl, PolicyConfig};
    /// use courier_cache::policy::freshness::{Freshness, FreshnessSource};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("date", "Sun, 06 Nov 1994 08:49:37 GMT".parse()?);
    /// headers.insert("last-modified", "Thu, 27 Oct 1994 08:49:37 GMT".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// let f = Freshness::of(&PolicyConfig::default(), StatusCode::OK, &headers, &cc, SystemTime::now());
    /// // 10 % of ten days, capped at one day.
    /// assert_eq!((f.lifetime, f.source), (Duration::from_secs(86_400), FreshnessSource::Heuristic));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn of(
        config: &PolicyConfig,
        status: StatusCode,
        headers: &HeaderMap,
        cc: &CacheControl,
        response_time: SystemTime,
    ) -> Self {
        let explicit = |lifetime, source| Freshness { lifetime, source };
        if config.shared
            && let Some(s_maxage) = cc.s_maxage()
        {
            return explicit(s_maxage, FreshnessSource::SMaxAge);
        }
        if let Some(max_age) = cc.max_age() {
            return explicit(max_age, FreshnessSource::MaxAge);
        }
        match dates::expires(headers) {
            Some(Expires::At(at)) => {
                let date = dates::date_or(headers, response_time);
                return explicit(span(date, at), FreshnessSource::Expires);
            }
            Some(Expires::AlreadyExpired) => {
                return explicit(Duration::ZERO, FreshnessSource::Expires);
            }
            None => {}
        }
        if (is_heuristically_cacheable(status) || cc.public())
            && let Some(last_modified) = dates::last_modified(headers)
        {
            let date = dates::date_or(headers, response_time);
            return explicit(
                heuristic(config, span(last_modified, date)),
                FreshnessSource::Heuristic,
            );
        }
        explicit(Duration::ZERO, FreshnessSource::None)
    }
}

fn heuristic(config: &PolicyConfig, since_modified: Duration) -> Duration {
    let fraction = if config.heuristic_fraction.is_finite() && config.heuristic_fraction > 0.0 {
        config.heuristic_fraction
    } else {
        0.0
    };
    let secs = since_modified.as_secs_f64() * fraction;
    let cap = config.heuristic_cap.as_secs_f64();
    // `min` on finite values keeps from_secs_f64 away from its overflow panic.
    Duration::try_from_secs_f64(secs.min(cap)).unwrap_or(config.heuristic_cap)
}
