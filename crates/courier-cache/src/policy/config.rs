//! The knobs of the policy, each one a choice RFC 9111 leaves to the cache.

use std::time::Duration;

/// Configuration of a [`Policy`](super::Policy).
///
/// Fields are public so the interceptor's options can fill them in; the struct is
/// `#[non_exhaustive]`, so start from [`PolicyConfig::default`].
///
/// ```
/// use std::time::Duration;
/// use courier_cache::policy::PolicyConfig;
///
/// let mut config = PolicyConfig::default();
/// config.shared = true;
/// config.max_stale = Some(Duration::from_secs(7 * 24 * 3600));
/// assert_eq!(config.heuristic_fraction, 0.1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PolicyConfig {
    /// A shared cache (a proxy, or one store serving several users) rather than a private one.
    ///
    /// Shared: `private` responses and requests with `Authorization` are not stored unless
    /// RFC 9111 §3.5 allows, `s-maxage` and `proxy-revalidate` apply, and `Set-Cookie` is
    /// never stored. Default: `false` (a client's own cache, like a browser's).
    pub shared: bool,
    /// The fraction of `Date - Last-Modified` used as a heuristic freshness lifetime
    /// (RFC 9111 §4.2.2). Default: `0.1`, the value the RFC mentions. Negative or NaN values
    /// are treated as `0`.
    pub heuristic_fraction: f64,
    /// The longest heuristic freshness lifetime. The RFC sets no bound; without one, a file
    /// untouched for ten years would be fresh for a year. Default: 1 day.
    pub heuristic_cap: Duration,
    /// How long past expiry a stored response may be served when the origin cannot be reached
    /// and the application asked for it (dio_cache_interceptor's `maxStale`, with
    /// `hit_cache_on_network_failure` or `hit_cache_on_error_codes`). RFC 9111 §4.2.4 allows a
    /// disconnected cache to serve stale responses, except where `must-revalidate`,
    /// `proxy-revalidate` (shared), `no-cache` or `s-maxage` (shared) forbid it.
    /// `None`: no limit. Default: `None`.
    pub max_stale: Option<Duration>,
    /// Store and serve responses to `POST` like those to `GET`. Only correct when the caller
    /// keys entries by the request body too (dio's `allowPostMethod`). Default: `false`.
    pub allow_post: bool,
    /// Ignore the request's `no-cache` directive and `Pragma: no-cache`. RFC 9111 §5.2.1.4
    /// words `no-cache` as the client's preference, which a cache may override (an app whose
    /// HTTP library adds `no-cache` to every request, say). `no-store` and `only-if-cached` are
    /// always honoured. Default: `false`.
    pub ignore_request_no_cache: bool,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            shared: false,
            heuristic_fraction: 0.1,
            heuristic_cap: Duration::from_secs(24 * 3600),
            max_stale: None,
            allow_post: false,
            ignore_request_no_cache: false,
        }
    }
}
