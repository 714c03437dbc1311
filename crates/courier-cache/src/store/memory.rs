//! An in-process LRU store.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use super::lru::Lru;
use super::{BoxFuture, CacheStore, CleanFilter, MatchFilter, StoreError};
use crate::entry::{CacheEntry, EntryMetadata};

/// dio_cache_interceptor's `MemCacheStore` default total size: 7 MiB.
const DEFAULT_MAX_BYTES: usize = 7 * 1024 * 1024;
/// dio_cache_interceptor's `MemCacheStore` default entry size limit: 500 KiB.
const DEFAULT_MAX_ENTRY_BYTES: usize = 500 * 1024;

/// A [`CacheStore`] in memory: least-recently-used eviction bounded by total size and by
/// entry size.
///
/// Sizes are [`CacheEntry::approximate_size`] (body plus an estimate of the metadata). An
/// entry larger than the entry limit is not stored. A hit clones a [`bytes::Bytes`] body (a
/// reference count, no copy), so its cost does not grow with the body. The store is cheap to
/// clone: clones share the same entries. Its lock is a `std::sync::Mutex` held only for map
/// operations, never across an `.await`.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, MemoryStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store = MemoryStore::builder()
///     .max_bytes(64 * 1024 * 1024) // 64 MiB in total
///     .max_entry_bytes(4 * 1024 * 1024) // 4 MiB per entry
///     .build();
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, vec![0u8; 1024 * 1024])).await?;
/// assert_eq!(store.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    max_bytes: usize,
    max_entry_bytes: usize,
}

#[derive(Debug, Default)]
struct State {
    entries: Lru<Slot>,
    total_bytes: usize,
    closed: bool,
}

#[derive(Debug)]
struct Slot {
    entry: CacheEntry,
    size: usize,
}

/// Builds a [`MemoryStore`]; from [`MemoryStore::builder`].
///
/// # Example
///
/// ```
/// use courier_cache::store::MemoryStore;
///
/// let store = MemoryStore::builder().max_bytes(1 << 20).build();
/// assert!(store.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryStoreBuilder {
    max_bytes: usize,
    max_entry_bytes: usize,
}

impl MemoryStoreBuilder {
    /// The total size, in bytes, above which least recently used entries are evicted.
    /// Default: 7 MiB (dio_cache_interceptor's).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// let store = MemoryStore::builder().max_bytes(32 * 1024 * 1024).build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The size, in bytes, above which an entry is not stored. Default: 500 KiB
    /// (dio_cache_interceptor's). The effective limit is at most
    /// [`max_bytes`](Self::max_bytes).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// let store = MemoryStore::builder().max_entry_bytes(2 * 1024 * 1024).build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_entry_bytes(mut self, bytes: usize) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// The store.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// let store = MemoryStore::builder().build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> MemoryStore {
        MemoryStore {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                max_bytes: self.max_bytes,
                max_entry_bytes: self.max_entry_bytes.min(self.max_bytes),
            }),
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// A store with the default limits (7 MiB in total, 500 KiB per entry).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// let store = MemoryStore::new();
    /// assert_eq!(store.total_bytes(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        MemoryStore::builder().build()
    }

    /// A builder to set the limits.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// let store = MemoryStore::builder().max_bytes(1 << 30).max_entry_bytes(1 << 24).build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder {
            max_bytes: DEFAULT_MAX_BYTES,
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
        }
    }

    /// How many entries are held, expired ones included.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// assert_eq!(MemoryStore::new().len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// Whether no entry is held.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// assert!(MemoryStore::new().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total approximate size of the held entries, in bytes.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::MemoryStore;
    ///
    /// assert_eq!(MemoryStore::new().total_bytes(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total_bytes(&self) -> usize {
        self.state().total_bytes
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every mutation is a
        // single map call), so a poisoned lock is still usable.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn open_state(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        let state = self.state();
        if state.closed {
            Err(StoreError::closed())
        } else {
            Ok(state)
        }
    }

    fn get_now(&self, key: &str, now: SystemTime) -> Result<Option<CacheEntry>, StoreError> {
        let mut state = self.open_state()?;
        let expired = match state.entries.get(key) {
            None => return Ok(None),
            Some(slot) => slot.entry.metadata.is_expired(now),
        };
        if expired {
            state.remove(key);
            return Ok(None);
        }
        Ok(state.entries.touch(key).map(|slot| slot.entry.clone()))
    }

    fn set_now(&self, entry: CacheEntry) -> Result<(), StoreError> {
        let mut entry = entry;
        entry.metadata.body_len = entry.body.len() as u64;
        // Parsed once here rather than on every hit.
        entry.keep_cache_control();
        let size = entry.approximate_size();
        let mut state = self.open_state()?;
        if size > self.inner.max_entry_bytes {
            state.remove(entry.key());
            return Ok(());
        }
        let key = entry.metadata.key.clone();
        state.insert(key, Slot { entry, size });
        state.evict(self.inner.max_bytes);
        Ok(())
    }

    fn update_now(&self, metadata: EntryMetadata) -> Result<bool, StoreError> {
        let mut state = self.open_state()?;
        let Some(slot) = state.entries.touch(&metadata.key) else {
            return Ok(false);
        };
        let old_size = slot.size;
        slot.entry.metadata = metadata;
        slot.entry.metadata.body_len = slot.entry.body.len() as u64;
        slot.entry.keep_cache_control();
        slot.size = slot.entry.approximate_size();
        let new_size = slot.size;
        state.total_bytes = state.total_bytes - old_size + new_size;
        state.evict(self.inner.max_bytes);
        Ok(true)
    }

    fn remove_where(
        &self,
        mut select: impl FnMut(&CacheEntry) -> bool,
    ) -> Result<usize, StoreError> {
        let mut state = self.open_state()?;
        let doomed: Vec<String> = state
            .entries
            .iter()
            .filter(|(_, slot)| select(&slot.entry))
            .map(|(key, _)| key.to_owned())
            .collect();
        for key in &doomed {
            state.remove(key);
        }
        Ok(doomed.len())
    }
}

impl State {
    fn insert(&mut self, key: String, slot: Slot) {
        self.total_bytes += slot.size;
        if let Some(old) = self.entries.insert(key, slot) {
            self.total_bytes -= old.size;
        }
    }

    fn remove(&mut self, key: &str) -> bool {
        match self.entries.remove(key) {
            Some(old) => {
                self.total_bytes -= old.size;
                true
            }
            None => false,
        }
    }

    /// Evicts least recently used entries until the total fits `max_bytes`.
    fn evict(&mut self, max_bytes: usize) {
        while self.total_bytes > max_bytes {
            let Some(oldest) = self.entries.oldest_except(None).map(str::to_owned) else {
                break;
            };
            self.remove(&oldest);
        }
    }
}

impl CacheStore for MemoryStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<CacheEntry>, StoreError>> {
        Box::pin(std::future::ready(self.get_now(key, now)))
    }

    fn set(&self, entry: CacheEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.set_now(entry)))
    }

    fn update_metadata(&self, metadata: EntryMetadata) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.update_now(metadata)))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let result = self.open_state().map(|mut state| state.remove(key));
        Box::pin(std::future::ready(result))
    }

    fn exists<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let result = self.open_state().map(|state| {
            state
                .entries
                .get(key)
                .is_some_and(|slot| !slot.entry.metadata.is_expired(now))
        });
        Box::pin(std::future::ready(result))
    }

    fn clean(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<usize, StoreError>> {
        let result = self.remove_where(|entry| filter.selects(&entry.metadata, now));
        Box::pin(std::future::ready(result))
    }

    fn get_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Vec<CacheEntry>, StoreError>> {
        let result = self.open_state().map(|state| {
            state
                .entries
                .iter()
                .map(|(_, slot)| &slot.entry)
                .filter(|entry| {
                    !entry.metadata.is_expired(now) && filter.matches(&entry.metadata.url)
                })
                .cloned()
                .collect()
        });
        Box::pin(std::future::ready(result))
    }

    fn delete_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        let result = self.remove_where(|entry| filter.matches(&entry.metadata.url));
        Box::pin(std::future::ready(result))
    }

    fn close(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut state = self.state();
        state.closed = true;
        state.entries = Lru::default();
        state.total_bytes = 0;
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(key: &str, body_len: usize) -> CacheEntry {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let meta = EntryMetadata::new(
            key,
            http::Method::GET,
            format!("https://m.test/{key}"),
            200,
            now,
        );
        CacheEntry::new(meta, vec![b'x'; body_len])
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000)
    }

    #[tokio::test]
    async fn evicts_least_recently_used_when_over_total() {
        let one = entry("a", 1000).approximate_size();
        let store = MemoryStore::builder()
            .max_bytes(one * 3)
            .max_entry_bytes(one)
            .build();
        for key in ["a", "b", "c"] {
            store.set(entry(key, 1000)).await.unwrap();
        }
        // Use "a" so "b" becomes the least recently used.
        assert!(store.get("a", now()).await.unwrap().is_some());
        store.set(entry("d", 1000)).await.unwrap();
        assert_eq!(store.len(), 3);
        assert!(store.total_bytes() <= one * 3);
        assert!(store.get("b", now()).await.unwrap().is_none());
        for key in ["a", "c", "d"] {
            assert!(store.get(key, now()).await.unwrap().is_some(), "{key}");
        }
    }

    #[tokio::test]
    async fn oversize_entry_is_not_stored_and_drops_the_old_one() {
        let store = MemoryStore::new();
        store.set(entry("k", 10)).await.unwrap();
        store
            .set(entry("k", DEFAULT_MAX_ENTRY_BYTES + 1))
            .await
            .unwrap();
        assert!(store.get("k", now()).await.unwrap().is_none());
        assert_eq!(store.total_bytes(), 0);
    }

    #[tokio::test]
    async fn hit_shares_the_body() {
        let store = MemoryStore::new();
        let e = entry("k", 4096);
        let ptr = e.body.as_ptr();
        store.set(e).await.unwrap();
        let hit = store.get("k", now()).await.unwrap().unwrap();
        assert_eq!(hit.body.as_ptr(), ptr);
    }

    #[tokio::test]
    async fn update_metadata_keeps_accounting_exact() {
        let store = MemoryStore::new();
        store.set(entry("k", 100)).await.unwrap();
        let mut meta = entry("k", 0).metadata;
        meta.headers
            .append("etag", http::HeaderValue::from_static("\"v2\""));
        assert!(store.update_metadata(meta).await.unwrap());
        let hit = store.get("k", now()).await.unwrap().unwrap();
        assert_eq!(store.total_bytes(), hit.approximate_size());
        assert_eq!(hit.metadata.body_len, 100);
    }

    #[tokio::test]
    async fn clones_share_entries() {
        let store = MemoryStore::new();
        let clone = store.clone();
        store.set(entry("k", 1)).await.unwrap();
        assert!(clone.exists("k", now()).await.unwrap());
    }
}
