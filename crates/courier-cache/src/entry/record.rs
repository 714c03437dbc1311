use bytes::Bytes;

use super::EntryMetadata;

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
        CacheEntry { metadata, body }
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
