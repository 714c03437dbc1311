use std::time::SystemTime;

use crate::entry::{EntryMetadata, Priority};

/// Which entries [`CacheStore::clean`](super::CacheStore::clean) removes.
///
/// Both conditions must hold: the entry's priority is at most `priority_at_most` (any
/// priority when `None`), and, when `only_expired`, its deletion deadline has passed. The
/// default filter removes everything.
///
/// # Example
///
/// ```
/// use courier_cache::entry::Priority;
/// use courier_cache::store::CleanFilter;
///
/// // Make room: drop expired entries, then everything but high-priority ones.
/// let expired = CleanFilter::expired();
/// let low_and_normal = CleanFilter { priority_at_most: Some(Priority::Normal), only_expired: false };
/// assert_eq!(CleanFilter::all(), CleanFilter::default());
/// # let _ = (expired, low_and_normal);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CleanFilter {
    /// Remove only entries whose priority is at most this one; `None` for any priority.
    pub priority_at_most: Option<Priority>,
    /// Remove only entries whose deletion deadline has passed.
    pub only_expired: bool,
}

impl CleanFilter {
    /// Selects every entry.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::CleanFilter;
    ///
    /// assert!(!CleanFilter::all().only_expired);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn all() -> Self {
        CleanFilter::default()
    }

    /// Selects entries whose deletion deadline has passed, of any priority.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::CleanFilter;
    ///
    /// assert!(CleanFilter::expired().only_expired);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expired() -> Self {
        CleanFilter {
            priority_at_most: None,
            only_expired: true,
        }
    }

    /// Whether the filter selects the entry described by `metadata` at `now`.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::{EntryMetadata, Priority};
    /// use courier_cache::store::CleanFilter;
    ///
    /// let now = SystemTime::now();
    /// let mut meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
    /// meta.priority = Priority::High;
    /// let filter = CleanFilter { priority_at_most: Some(Priority::Normal), only_expired: false };
    /// assert!(!filter.selects(&meta, now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn selects(&self, metadata: &EntryMetadata, now: SystemTime) -> bool {
        self.selects_parts(metadata.priority, metadata.expires_at, now)
    }

    pub(crate) fn selects_parts(
        &self,
        priority: Priority,
        expires_at: Option<SystemTime>,
        now: SystemTime,
    ) -> bool {
        let priority_ok = self.priority_at_most.is_none_or(|max| priority <= max);
        let expiry_ok = !self.only_expired || expires_at.is_some_and(|deadline| deadline <= now);
        priority_ok && expiry_ok
    }
}

/// Selects entries by their URL, for
/// [`get_matching`](super::CacheStore::get_matching) and
/// [`delete_matching`](super::CacheStore::delete_matching).
///
/// A URL matches when its path matches the path pattern (if any) and its query has every
/// required parameter. The path is compared as it appears in the URL (percent-encoded);
/// query parameters are compared decoded. [`MatchFilter::new`] matches every entry.
///
/// # Example
///
/// ```
/// use courier_cache::store::MatchFilter;
///
/// let filter = MatchFilter::new().path_glob("/users/*/posts").query("page", "2");
/// assert!(filter.matches("https://api.test/users/7/posts?page=2&sort=new"));
/// assert!(!filter.matches("https://api.test/users/7/posts?page=3"));
/// assert!(!filter.matches("https://api.test/users/7/comments?page=2"));
///
/// let prefix = MatchFilter::new().path_prefix("/users/").query_key("sort");
/// assert!(prefix.matches("https://api.test/users/7?sort=old"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchFilter {
    path: Option<PathPattern>,
    query: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathPattern {
    Glob(String),
    Prefix(String),
}

impl MatchFilter {
    /// A filter that matches every entry.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MatchFilter;
    ///
    /// assert!(MatchFilter::new().matches("https://example.com/anything?at=all"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        MatchFilter::default()
    }

    /// Requires the whole path to match `pattern`, where `*` stands for any run of
    /// characters (`/` included) and every other character stands for itself. Replaces an
    /// earlier path condition.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MatchFilter;
    ///
    /// let filter = MatchFilter::new().path_glob("/img/*.png");
    /// assert!(filter.matches("https://cdn.test/img/a/b.png"));
    /// assert!(!filter.matches("https://cdn.test/img/a.png.gz"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn path_glob(mut self, pattern: impl Into<String>) -> Self {
        self.path = Some(PathPattern::Glob(pattern.into()));
        self
    }

    /// Requires the path to start with `prefix`. Replaces an earlier path condition.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MatchFilter;
    ///
    /// assert!(MatchFilter::new().path_prefix("/api/").matches("https://x.test/api/v1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path = Some(PathPattern::Prefix(prefix.into()));
        self
    }

    /// Requires the query parameter `key` with the value `value` (any occurrence of `key`
    /// may carry it).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MatchFilter;
    ///
    /// let filter = MatchFilter::new().query("tag", "a b");
    /// assert!(filter.matches("https://x.test/?tag=z&tag=a%20b"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), Some(value.into())));
        self
    }

    /// Requires the query parameter `key`, with any value.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MatchFilter;
    ///
    /// let filter = MatchFilter::new().query_key("debug");
    /// assert!(filter.matches("https://x.test/?debug"));
    /// assert!(!filter.matches("https://x.test/"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn query_key(mut self, key: impl Into<String>) -> Self {
        self.query.push((key.into(), None));
        self
    }

    /// Whether `url` matches. A URL that does not parse matches only a filter without
    /// conditions.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MatchFilter;
    ///
    /// assert!(MatchFilter::new().matches("not a url"));
    /// assert!(!MatchFilter::new().path_prefix("/").matches("not a url"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches(&self, url: &str) -> bool {
        if self.path.is_none() && self.query.is_empty() {
            return true;
        }
        let Ok(url) = url::Url::parse(url) else {
            return false;
        };
        let path_ok = match &self.path {
            None => true,
            Some(PathPattern::Prefix(prefix)) => url.path().starts_with(prefix.as_str()),
            Some(PathPattern::Glob(pattern)) => {
                glob_matches(pattern.as_bytes(), url.path().as_bytes())
            }
        };
        path_ok
            && self.query.iter().all(|(key, value)| {
                url.query_pairs().any(|(k, v)| {
                    k == key.as_str() && value.as_deref().is_none_or(|value| v == value)
                })
            })
    }
}

/// `*`-only glob matching over the whole text, in O(pattern × text) worst case.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, text index it took up to).
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                resume = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match resume {
                Some((after_star, taken)) => {
                    p = after_star;
                    t = taken + 1;
                    resume = Some((after_star, taken + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn glob() {
        assert!(glob_matches(b"", b""));
        assert!(glob_matches(b"*", b""));
        assert!(glob_matches(b"*", b"/a/b"));
        assert!(glob_matches(b"/a/*/c", b"/a/x/y/c"));
        assert!(glob_matches(b"/a/*c", b"/a/cc"));
        assert!(glob_matches(b"**a", b"aaa"));
        assert!(!glob_matches(b"/a/*/c", b"/a/c"));
        assert!(!glob_matches(b"/a", b"/ab"));
        assert!(!glob_matches(b"a*b*c", b"abab"));
    }

    #[test]
    fn clean_filter_combines_conditions() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let past = Some(now - Duration::from_secs(1));
        let filter = CleanFilter {
            priority_at_most: Some(Priority::Normal),
            only_expired: true,
        };
        assert!(filter.selects_parts(Priority::Low, past, now));
        assert!(!filter.selects_parts(Priority::High, past, now));
        assert!(!filter.selects_parts(Priority::Low, None, now));
        assert!(!filter.selects_parts(Priority::Low, Some(now + Duration::from_secs(1)), now));
        assert!(CleanFilter::all().selects_parts(Priority::High, None, now));
    }

    #[test]
    fn query_values_compare_decoded() {
        let filter = MatchFilter::new().query("q", "é");
        assert!(filter.matches("https://x.test/?q=%C3%A9"));
    }
}
