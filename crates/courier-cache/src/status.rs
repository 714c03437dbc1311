//! Where a response came from: [`CacheStatus`], put in the response's extensions and,
//! optionally, rendered as an RFC 9211 `Cache-Status` header.

use std::fmt;

/// Where a response came from, as the cache decided it.
///
/// The cache interceptor inserts one into every response's extensions:
///
/// ```
/// use courier_cache::CacheStatus;
/// let mut response = courier::Response::new(http::StatusCode::OK, "");
/// response.extensions_mut().insert(CacheStatus::Hit);
/// assert_eq!(response.extensions().get::<CacheStatus>(), Some(&CacheStatus::Hit));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheStatus {
    /// Served from the cache, fresh; the origin was not contacted.
    Hit,
    /// Not in the cache (or not usable); fetched from the origin. `stored` says whether the
    /// response is being stored.
    Miss {
        /// Whether the response is being stored. Decided with the headers: the body is copied
        /// into the store as the caller reads it, so the entry appears once the body has been
        /// read to the end, and is dropped if the body fails or (without a `Content-Length`)
        /// outgrows `max_entry_size`.
        stored: bool,
    },
    /// Served from the cache after the origin confirmed it with a 304.
    Revalidated,
    /// Served from the cache although stale: offline, an origin error the options allow,
    /// `stale-while-revalidate` (then a background revalidation runs), or `max-stale`.
    Stale,
    /// The cache was not consulted for this request (an uncacheable method, `NoCache`,
    /// `Refresh`), but may have stored the response: `stored` says.
    Bypass {
        /// Whether the response is being stored (as for [`CacheStatus::Miss`]).
        stored: bool,
    },
}

impl CacheStatus {
    /// Whether the body came from the cache (hit, revalidated or stale).
    ///
    /// ```
    /// assert!(courier_cache::CacheStatus::Revalidated.is_from_cache());
    /// assert!(!courier_cache::CacheStatus::Miss { stored: true }.is_from_cache());
    /// ```
    pub fn is_from_cache(self) -> bool {
        matches!(self, Self::Hit | Self::Revalidated | Self::Stale)
    }

    /// The RFC 9211 `Cache-Status` field value for a cache named `cache_name`.
    ///
    /// ```
    /// use courier_cache::CacheStatus;
    /// assert_eq!(CacheStatus::Hit.to_header_value("courier"), "courier; hit");
    /// assert_eq!(
    ///     CacheStatus::Miss { stored: true }.to_header_value("courier"),
    ///     "courier; fwd=miss; stored"
    /// );
    /// ```
    pub fn to_header_value(self, cache_name: &str) -> String {
        // RFC 9211 §2: `hit` for a response served without going forward; `fwd` says why
        // the request went forward; `stored` whether the forwarded response was stored.
        match self {
            Self::Hit => format!("{cache_name}; hit"),
            Self::Stale => format!("{cache_name}; hit; fwd=stale"),
            Self::Revalidated => format!("{cache_name}; fwd=stale; fwd-status=304"),
            Self::Miss { stored } => {
                format!(
                    "{cache_name}; fwd=miss{}",
                    if stored { "; stored" } else { "" }
                )
            }
            Self::Bypass { stored } => {
                format!(
                    "{cache_name}; fwd=bypass{}",
                    if stored { "; stored" } else { "" }
                )
            }
        }
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Hit => "hit",
            Self::Miss { .. } => "miss",
            Self::Revalidated => "revalidated",
            Self::Stale => "stale",
            Self::Bypass { .. } => "bypass",
        })
    }
}
