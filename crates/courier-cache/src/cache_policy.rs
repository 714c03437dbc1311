//! [`CachePolicy`]: dio_cache_interceptor's policies, with exactly its meanings, plus
//! `OnlyIfCached`.

/// How one request uses the cache. Set it on the interceptor's options and override it per
/// request.
///
/// ```
/// use courier_cache::CachePolicy;
/// assert_eq!(CachePolicy::default(), CachePolicy::Request);
/// assert!(CachePolicy::Refresh.reads_network_first());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CachePolicy {
    /// Follow HTTP: serve fresh entries, revalidate stale ones, store what the directives
    /// allow. The default.
    #[default]
    Request,
    /// Serve any stored entry within `max_stale`, fresh or not, without asking the origin;
    /// on a miss, fetch and store every successful response even without directives.
    ForceCache,
    /// Always go to the network; store the response if the directives allow it.
    Refresh,
    /// Always go to the network; store every successful response.
    RefreshForceCache,
    /// Never read, never store; delete the stored entry after a successful response.
    NoCache,
    /// Offline: answer from the cache (fresh or within `max_stale`) or fail with a
    /// 504-kind error, never contacting the origin.
    OnlyIfCached,
}

impl CachePolicy {
    /// Whether the request goes to the network before the cache is read.
    ///
    /// ```
    /// assert!(!courier_cache::CachePolicy::ForceCache.reads_network_first());
    /// ```
    pub fn reads_network_first(self) -> bool {
        matches!(
            self,
            Self::Refresh | Self::RefreshForceCache | Self::NoCache
        )
    }

    /// Whether successful responses are stored even without caching directives.
    ///
    /// ```
    /// assert!(courier_cache::CachePolicy::RefreshForceCache.stores_without_directives());
    /// ```
    pub fn stores_without_directives(self) -> bool {
        matches!(self, Self::ForceCache | Self::RefreshForceCache)
    }
}
