use std::time::SystemTime;

use http::{HeaderMap, Method};

use super::Priority;

/// Everything stored about a response except its body.
///
/// Times are [`SystemTime`]s because they outlive the process (a file store reopened tomorrow
/// must still know when a response arrived). The response headers are kept exactly as
/// received, multi-valued fields included, so the policy can recompute freshness, `Age` and
/// validators on each hit. The struct is `#[non_exhaustive]`: build it with
/// [`EntryMetadata::new`] and set the public fields.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use courier_cache::entry::{EntryMetadata, Priority};
/// use http::{HeaderValue, Method, header};
///
/// let now = SystemTime::now();
/// let mut meta = EntryMetadata::new("GET https://example.com/a", Method::GET, "https://example.com/a", 200, now);
/// meta.headers.append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
/// meta.headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
/// meta.priority = Priority::High;
/// meta.expires_at = Some(now + Duration::from_secs(3600));
/// assert_eq!(meta.headers.get_all(header::SET_COOKIE).iter().count(), 2);
/// assert!(!meta.is_expired(now));
/// assert!(meta.is_expired(now + Duration::from_secs(3600)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EntryMetadata {
    /// The store key (primary cache key plus whatever the key builder added).
    ///
    /// Kept in the metadata so a store that names entries by a hash of the key can detect a
    /// collision.
    pub key: String,
    /// The request method that produced the response.
    pub method: Method,
    /// The effective request URL, as a string (used by [`MatchFilter`]).
    ///
    /// [`MatchFilter`]: crate::store::MatchFilter
    pub url: String,
    /// The response status code.
    pub status: u16,
    /// The response headers, exactly as received (repeated fields kept, in order).
    pub headers: HeaderMap,
    /// The request headers named by the response's `Vary`, as they were on the request that
    /// was stored (RFC 9111 §4.1 secondary key).
    pub vary_request_headers: HeaderMap,
    /// When the request was sent (`request_time` of RFC 9111 §4.2.3).
    pub request_time: SystemTime,
    /// When the response was received (`response_time` of RFC 9111 §4.2.3).
    pub response_time: SystemTime,
    /// How much the entry is worth keeping when cleaning.
    pub priority: Priority,
    /// The deletion deadline: from this instant on, stores treat the entry as absent and may
    /// drop it. `None` keeps it until it is evicted, cleaned or deleted.
    ///
    /// This is not HTTP freshness: an entry is usually kept past freshness (for `max_stale`,
    /// revalidation or offline use).
    pub expires_at: Option<SystemTime>,
    /// The body length in bytes. Stores keep it equal to the stored body's length.
    pub body_len: u64,
}

impl EntryMetadata {
    /// Metadata for a response to `method url` with `status`, requested and received at
    /// `now`, with no headers, [`Priority::Normal`] and no deletion deadline.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::EntryMetadata;
    ///
    /// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
    /// assert_eq!(meta.expires_at, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        key: impl Into<String>,
        method: Method,
        url: impl Into<String>,
        status: u16,
        now: SystemTime,
    ) -> Self {
        EntryMetadata {
            key: key.into(),
            method,
            url: url.into(),
            status,
            headers: HeaderMap::new(),
            vary_request_headers: HeaderMap::new(),
            request_time: now,
            response_time: now,
            priority: Priority::Normal,
            expires_at: None,
            body_len: 0,
        }
    }

    /// Whether the deletion deadline has passed at `now` (`expires_at <= now`).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use courier_cache::entry::EntryMetadata;
    ///
    /// let now = SystemTime::now();
    /// let mut meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
    /// assert!(!meta.is_expired(now));
    /// meta.expires_at = Some(now);
    /// assert!(meta.is_expired(now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|deadline| deadline <= now)
    }

    /// An estimate, in bytes, of the memory the metadata takes; stores add the body length
    /// to bound their size.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::EntryMetadata;
    ///
    /// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
    /// assert!(meta.approximate_size() >= "https://example.com/".len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn approximate_size(&self) -> usize {
        /// Fixed fields, map overheads and allocation headers, roughly.
        const OVERHEAD: usize = 128;
        /// Per header field: name pointer, value struct and map slot, roughly.
        const PER_FIELD: usize = 32;
        fn fields(map: &HeaderMap) -> usize {
            map.iter()
                .map(|(name, value)| name.as_str().len() + value.len() + PER_FIELD)
                .sum()
        }
        OVERHEAD
            + self.key.len()
            + self.url.len()
            + self.method.as_str().len()
            + fields(&self.headers)
            + fields(&self.vary_request_headers)
    }
}
