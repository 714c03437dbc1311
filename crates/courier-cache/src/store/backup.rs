//! Two stores in tandem: a fast primary backed by a durable secondary.

use std::collections::HashSet;
use std::time::SystemTime;

use futures_util::future::join;

use super::{BoxFuture, CacheStore, CleanFilter, MatchFilter, StoreError};
use crate::entry::{CacheEntry, EntryMetadata};

/// A [`CacheStore`] over two stores: reads try the primary, then the secondary; writes and
/// deletes go to both.
///
/// The usual pair is a [`MemoryStore`](super::MemoryStore) in front of a
/// [`FileStore`](super::FileStore): hits are served from memory, and the cache survives a
/// restart. A secondary hit is copied back into the primary, so the next read of that key is
/// fast. This is dio_cache_interceptor's `BackupCacheStore`.
///
/// Errors: a read falls back to the secondary when the primary fails, and reports the
/// primary's error only if the secondary has nothing either; writes and deletes run on both
/// stores concurrently and report the first error. Counts ([`clean`](CacheStore::clean),
/// [`delete_matching`](CacheStore::delete_matching)) are the larger of the two stores'
/// counts, since an entry usually lives in both.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{BackupStore, CacheStore, FileStore, MemoryStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = BackupStore::new(MemoryStore::new(), FileStore::new(dir.path()));
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, "in both")).await?;
/// assert!(store.primary().exists("k", now).await?);
/// assert!(store.secondary().exists("k", now).await?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct BackupStore<P, S> {
    primary: P,
    secondary: S,
}

impl<P: CacheStore, S: CacheStore> BackupStore<P, S> {
    /// A store reading `primary` first and falling back to `secondary`.
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::Arc;
    /// use courier_cache::store::{BackupStore, CacheStore, MemoryStore};
    ///
    /// let a: Arc<dyn CacheStore> = Arc::new(MemoryStore::new());
    /// let store = BackupStore::new(a, MemoryStore::new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(primary: P, secondary: S) -> Self {
        BackupStore { primary, secondary }
    }

    /// The store read first.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{BackupStore, MemoryStore};
    ///
    /// let store = BackupStore::new(MemoryStore::new(), MemoryStore::new());
    /// assert!(store.primary().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn primary(&self) -> &P {
        &self.primary
    }

    /// The store read when the primary misses.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{BackupStore, MemoryStore};
    ///
    /// let store = BackupStore::new(MemoryStore::new(), MemoryStore::new());
    /// assert!(store.secondary().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn secondary(&self) -> &S {
        &self.secondary
    }

    /// Both stores, by value.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{BackupStore, MemoryStore};
    ///
    /// let (primary, secondary) = BackupStore::new(MemoryStore::new(), MemoryStore::new()).into_parts();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_parts(self) -> (P, S) {
        (self.primary, self.secondary)
    }
}

/// The first error of two results, or both values.
fn both<A, B>(a: Result<A, StoreError>, b: Result<B, StoreError>) -> Result<(A, B), StoreError> {
    Ok((a?, b?))
}

impl<P: CacheStore, S: CacheStore> CacheStore for BackupStore<P, S> {
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<CacheEntry>, StoreError>> {
        Box::pin(async move {
            let primary_error = match self.primary.get(key, now).await {
                Ok(Some(entry)) => return Ok(Some(entry)),
                Ok(None) => None,
                Err(err) => Some(err),
            };
            match self.secondary.get(key, now).await {
                Ok(Some(entry)) => {
                    // Copy back so the next read is served by the primary. Failing to copy
                    // costs speed, not correctness, but is worth knowing about.
                    if let Err(error) = self.primary.set(entry.clone()).await {
                        tracing::debug!(target: "courier::cache", %error, "could not copy an entry back to the primary store");
                    }
                    Ok(Some(entry))
                }
                Ok(None) => primary_error.map_or(Ok(None), Err),
                Err(err) => Err(primary_error.unwrap_or(err)),
            }
        })
    }

    fn set(&self, entry: CacheEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            // Both get the same `Bytes` body: a reference count, not a copy.
            let (a, b) = join(self.primary.set(entry.clone()), self.secondary.set(entry)).await;
            both(a, b).map(|_| ())
        })
    }

    fn update_metadata(&self, metadata: EntryMetadata) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let (a, b) = join(
                self.primary.update_metadata(metadata.clone()),
                self.secondary.update_metadata(metadata),
            )
            .await;
            both(a, b).map(|(a, b)| a || b)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let (a, b) = join(self.primary.delete(key), self.secondary.delete(key)).await;
            both(a, b).map(|(a, b)| a || b)
        })
    }

    fn exists<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            match self.primary.exists(key, now).await {
                Ok(true) => Ok(true),
                Ok(false) => self.secondary.exists(key, now).await,
                Err(err) => match self.secondary.exists(key, now).await {
                    Ok(true) => Ok(true),
                    _ => Err(err),
                },
            }
        })
    }

    fn clean(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<usize, StoreError>> {
        Box::pin(async move {
            let (a, b) = join(
                self.primary.clean(filter, now),
                self.secondary.clean(filter, now),
            )
            .await;
            both(a, b).map(|(a, b)| a.max(b))
        })
    }

    fn get_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Vec<CacheEntry>, StoreError>> {
        Box::pin(async move {
            let (a, b) = join(
                self.primary.get_matching(filter, now),
                self.secondary.get_matching(filter, now),
            )
            .await;
            let (mut found, secondary) = both(a, b)?;
            let seen: HashSet<String> = found
                .iter()
                .map(|entry| entry.metadata.key.clone())
                .collect();
            found.extend(
                secondary
                    .into_iter()
                    .filter(|entry| !seen.contains(&entry.metadata.key)),
            );
            Ok(found)
        })
    }

    fn delete_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        Box::pin(async move {
            let (a, b) = join(
                self.primary.delete_matching(filter),
                self.secondary.delete_matching(filter),
            )
            .await;
            both(a, b).map(|(a, b)| a.max(b))
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let (a, b) = join(self.primary.close(), self.secondary.close()).await;
            both(a, b).map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use std::time::Duration;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000)
    }

    fn entry(key: &str) -> CacheEntry {
        let meta = EntryMetadata::new(
            key,
            http::Method::GET,
            format!("https://b.test/{key}"),
            200,
            now(),
        );
        CacheEntry::new(meta, "body")
    }

    #[tokio::test]
    async fn secondary_hit_is_copied_back_to_primary() {
        let store = BackupStore::new(MemoryStore::new(), MemoryStore::new());
        store.secondary().set(entry("k")).await.unwrap();
        assert!(!store.primary().exists("k", now()).await.unwrap());
        assert!(store.get("k", now()).await.unwrap().is_some());
        assert!(store.primary().exists("k", now()).await.unwrap());
    }

    #[tokio::test]
    async fn primary_failure_falls_back_to_secondary() {
        let primary = MemoryStore::new();
        let store = BackupStore::new(primary.clone(), MemoryStore::new());
        store.set(entry("k")).await.unwrap();
        primary.close().await.unwrap();
        assert!(store.get("k", now()).await.unwrap().is_some());
        let err = store.get("missing", now()).await.unwrap_err();
        assert!(err.is_closed());
    }

    #[tokio::test]
    async fn delete_removes_from_both() {
        let store = BackupStore::new(MemoryStore::new(), MemoryStore::new());
        store.set(entry("k")).await.unwrap();
        assert!(store.delete("k").await.unwrap());
        assert!(store.primary().is_empty() && store.secondary().is_empty());
    }
}
