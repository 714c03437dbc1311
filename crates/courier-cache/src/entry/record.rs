//! A stored response: metadata and body, plus the parsed `Cache-Control` an in-memory store
//! keeps with it so a hit does not parse the headers again.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;
use http::header::CACHE_CONTROL;

use super::EntryMetadata;
use crate::policy::CacheControl;

/// A stored response: its [`EntryMetadata`] and its body.
///
/// The body is a [`Bytes`], so cloning an entry (as a memory hit does) copies no body bytes.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use bytes::Bytes;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let entry = CacheEntry::new(meta, Bytes::from_static(b"hello"));
/// assert_eq!(entry.metadata.body_len, 5);
/// let hit = entry.clone();
/// assert_eq!(hit.body.as_ptr(), entry.body.as_ptr()); // shared, not copied
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CacheEntry {
    /// Everything but the body.
    pub metadata: EntryMetadata,
    /// The response body.
    pub body: Bytes,
    /// The parsed `Cache-Control` of `metadata.headers`, when a store kept it (see
    /// [`CacheEntry::keep_cache_control`]).
    kept: KeptCacheControl,
}

/// A parsed `Cache-Control` with the field values it was parsed from, so a change to the
/// headers after it was kept is noticed (and the headers parsed again) rather than served.
#[derive(Clone, Default)]
struct KeptCacheControl(Option<Arc<(Vec<HeaderValue>, Arc<CacheControl>)>>);

impl PartialEq for KeptCacheControl {
    /// Always equal: it is derived from the headers, which the entries' equality compares.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for KeptCacheControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Kept" } else { "None" })
    }
}

impl CacheEntry {
    /// An entry of `metadata` and `body`; sets `metadata.body_len` to the body's length.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::{CacheEntry, EntryMetadata};
    ///
    /// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
    /// let entry = CacheEntry::new(meta, "body");
    /// assert_eq!(entry.key(), "k");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(mut metadata: EntryMetadata, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        metadata.body_len = body.len() as u64;
        CacheEntry {
            metadata,
            body,
            kept: KeptCacheControl::default(),
        }
    }

    /// Parses the headers' `Cache-Control` now and keeps it with the entry (and its clones),
    /// so [`cache_control`](Self::cache_control) need not parse on every hit. For stores
    /// that hand out clones of entries they hold in memory.
    pub(crate) fn keep_cache_control(&mut self) {
        // Freshened metadata usually carries the `Cache-Control` already kept: keep it.
        if let Some(kept) = &self.kept.0
            && kept
                .0
                .iter()
                .eq(self.metadata.headers.get_all(CACHE_CONTROL).iter())
        {
            return;
        }
        let values: Vec<HeaderValue> = self
            .metadata
            .headers
            .get_all(CACHE_CONTROL)
            .iter()
            .cloned()
            .collect();
        let parsed = Arc::new(CacheControl::from_values(&values));
        self.kept = KeptCacheControl(Some(Arc::new((values, parsed))));
    }

    /// The parsed `Cache-Control` of the stored headers: the kept one while the headers
    /// still carry the values it was parsed from, else parsed now.
    pub(crate) fn cache_control(&self) -> Arc<CacheControl> {
        if let Some(kept) = &self.kept.0
            && kept
                .0
                .iter()
                .eq(self.metadata.headers.get_all(CACHE_CONTROL).iter())
        {
            return kept.1.clone();
        }
        Arc::new(CacheControl::from_headers(&self.metadata.headers))
    }

    /// The store key.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::{CacheEntry, EntryMetadata};
    ///
    /// let meta = EntryMetadata::new("GET /x", http::Method::GET, "https://example.com/x", 200, SystemTime::now());
    /// assert_eq!(CacheEntry::new(meta, "").key(), "GET /x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self) -> &str {
        &self.metadata.key
    }

    /// An estimate, in bytes, of the memory the entry takes: the body plus
    /// [`EntryMetadata::approximate_size`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::{CacheEntry, EntryMetadata};
    ///
    /// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
    /// let entry = CacheEntry::new(meta, vec![0u8; 1000]);
    /// assert!(entry.approximate_size() > 1000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn approximate_size(&self) -> usize {
        self.body.len() + self.metadata.approximate_size()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use http::HeaderValue;
    use http::header::CACHE_CONTROL;

    use super::*;

    fn entry(cache_control: &'static str) -> CacheEntry {
        let mut metadata = EntryMetadata::new(
            "k",
            http::Method::GET,
            "https://example.com/",
            200,
            SystemTime::UNIX_EPOCH,
        );
        metadata
            .headers
            .insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
        CacheEntry::new(metadata, "")
    }

    #[test]
    fn a_kept_cache_control_is_shared_by_clones() {
        let mut kept = entry("max-age=60");
        kept.keep_cache_control();
        let hit = kept.clone();
        assert!(Arc::ptr_eq(&kept.cache_control(), &hit.cache_control()));
        assert_eq!(hit.cache_control().max_age(), Some(Duration::from_secs(60)));
        assert_eq!(hit, entry("max-age=60"));
    }

    #[test]
    fn a_kept_cache_control_is_not_used_once_the_headers_change() {
        let mut changed = entry("max-age=60");
        changed.keep_cache_control();
        changed
            .metadata
            .headers
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        assert!(changed.cache_control().no_store());
        changed
            .metadata
            .headers
            .append(CACHE_CONTROL, HeaderValue::from_static("max-age=5"));
        assert_eq!(
            changed.cache_control().max_age(),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            entry("max-age=60").cache_control().max_age(),
            Some(Duration::from_secs(60))
        );
    }
}
