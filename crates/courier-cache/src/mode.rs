//! Which cache rules apply: [`CacheMode`] (RFC 9111 calls caches of one user "private" and
//! caches of many users "shared").
//!
//! Dio's caches are a client's own, so courier defaults to private. A proxy, or a Redis
//! cache shared by many users, must be shared: then `private` responses and responses to
//! requests with `Authorization` are not stored unless RFC 9111 §3.5 allows it, `s-maxage`
//! applies, and `Set-Cookie` is never served to someone else.

/// Whether the cache serves one user or many.
///
/// ```
/// assert_eq!(courier_cache::CacheMode::default(), courier_cache::CacheMode::Private);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CacheMode {
    /// One user's cache (a browser's, an app's): the default.
    #[default]
    Private,
    /// A cache shared between users (a proxy, a shared Redis cache).
    Shared,
}

impl CacheMode {
    /// Whether this is [`CacheMode::Shared`].
    ///
    /// ```
    /// assert!(courier_cache::CacheMode::Shared.is_shared());
    /// ```
    pub fn is_shared(self) -> bool {
        self == Self::Shared
    }
}
