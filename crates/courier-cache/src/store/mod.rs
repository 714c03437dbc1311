//! Where entries live: the [`CacheStore`] trait and its memory, file and backup stores, and
//! [`EncryptedStore`], which encrypts entries for any of them.
//!
//! # Why a trait this small
//!
//! A store does I/O and nothing else: it never parses a header and never decides
//! freshness. The policy decides, the interceptor asks the store to get, set, freshen
//! ([`update_metadata`](CacheStore::update_metadata)) or delete. That keeps every backend
//! (memory, files, SQLite, redb, Redis, a backup pair) small and lets one contract suite,
//! `contract` (feature `test-util`), check them all the same way.
//!
//! # The contract in brief
//!
//! - An entry whose deletion deadline has passed (`expires_at <= now`) is absent for
//!   [`get`](CacheStore::get), [`exists`](CacheStore::exists) and
//!   [`get_matching`](CacheStore::get_matching). Stores take `now` as an argument and never
//!   read a clock, so tests can travel in time.
//! - A stored entry that cannot be read back (corrupt, from another format version, failing
//!   to decrypt) is a miss and is deleted; it is never an error to the caller.
//! - [`update_metadata`](CacheStore::update_metadata) replaces the metadata and keeps the
//!   body, without rewriting it where the backend allows.
//! - After [`close`](CacheStore::close) every call fails with [`StoreErrorKind::Closed`].
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use courier_cache::entry::{CacheEntry, EntryMetadata};
//! use courier_cache::store::{CacheStore, MemoryStore};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let store = MemoryStore::new();
//! let now = SystemTime::now();
//! let mut meta = EntryMetadata::new("GET https://example.com/", http::Method::GET, "https://example.com/", 200, now);
//! meta.expires_at = Some(now + Duration::from_secs(60));
//! store.set(CacheEntry::new(meta, "hello")).await?;
//!
//! let hit = store.get("GET https://example.com/", now).await?.ok_or("miss")?;
//! assert_eq!(hit.body, "hello");
//! assert!(store.get("GET https://example.com/", now + Duration::from_secs(60)).await?.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::entry::{CacheEntry, EntryMetadata};

mod backup;
mod blocking;
#[cfg(any(test, feature = "test-util"))]
pub mod contract;
mod encrypted;
mod error;
mod file;
mod filter;
mod location;
mod lru;
mod memory;
mod open;
#[cfg(feature = "redb")]
mod redb;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "redis")]
pub use self::redis::{RedisStore, RedisStoreBuilder};
pub use backup::BackupStore;
pub use encrypted::EncryptedStore;
pub use error::{StoreError, StoreErrorKind};
pub use file::{FileStore, FileStoreBuilder};
pub use filter::{CleanFilter, MatchFilter};
pub use location::StoreLocation;
pub use memory::{MemoryStore, MemoryStoreBuilder};
pub use open::Store;
#[cfg(feature = "redb")]
pub use redb::{RedbStore, RedbStoreBuilder};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteStore, SqliteStoreBuilder};

/// A boxed, `Send` future: what [`CacheStore`] methods return, so the trait stays
/// object-safe (`Arc<dyn CacheStore>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Storage for cache entries. Object-safe; share it as `Arc<dyn CacheStore>`.
///
/// Every method is async and fallible with a [`StoreError`]. Time-dependent methods take
/// `now`: stores never read a clock. See the [module docs](self) for the contract, which
/// `contract::run_all` (feature `test-util`) checks.
///
/// # Example: a store behind a trait object
///
/// ```
/// use std::sync::Arc;
/// use std::time::SystemTime;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, MemoryStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store: Arc<dyn CacheStore> = Arc::new(MemoryStore::new());
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, "body")).await?;
/// assert!(store.exists("k", now).await?);
/// assert!(store.delete("k").await?);
/// assert!(!store.exists("k", now).await?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait CacheStore: Send + Sync {
    /// The entry stored under `key`, unless it is absent, expired at `now` or unreadable
    /// (an unreadable entry is deleted).
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<CacheEntry>, StoreError>>;

    /// Stores `entry` under its key, replacing any entry there.
    ///
    /// A store with a size limit may decline an entry larger than its per-entry limit; it
    /// then removes the entry previously stored under that key, so a later `get` never
    /// returns an older response than the last one offered.
    fn set(&self, entry: CacheEntry) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Replaces the metadata of the entry stored under `metadata.key`, keeping its body
    /// (freshening after a `304 Not Modified`, RFC 9111 §4.3.4). `metadata.body_len` is set to
    /// the stored body's length.
    ///
    /// Returns whether an entry was there to update; nothing is created otherwise. The entry
    /// is updated even past its deadline, since the new metadata carries a new one.
    fn update_metadata(&self, metadata: EntryMetadata) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Removes the entry under `key`; returns whether there was one.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Whether [`get`](CacheStore::get) would find an entry under `key` at `now` (a store may
    /// answer from an index without reading or verifying the entry).
    fn exists<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Removes the entries `filter` selects (see [`CleanFilter`]); returns how many.
    fn clean(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<usize, StoreError>>;

    /// The unexpired entries whose URL `filter` matches, in no particular order.
    fn get_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Vec<CacheEntry>, StoreError>>;

    /// Removes the entries whose URL `filter` matches, expired or not; returns how many.
    fn delete_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
    ) -> BoxFuture<'a, Result<usize, StoreError>>;

    /// Releases the store's resources; every later call fails with
    /// [`StoreErrorKind::Closed`]. Closing twice is not an error.
    fn close(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// Implements `CacheStore` for a handle by forwarding every call to the store that
/// `$store` names in terms of `$this`, the handle.
macro_rules! forward_store {
    ($(impl [$($generics:tt)*] for $ty:ty => |$this:ident| $store:expr;)*) => {$(
        impl<$($generics)*> $crate::store::CacheStore for $ty {
            fn get<'a>(&'a self, key: &'a str, now: ::std::time::SystemTime) -> $crate::store::BoxFuture<'a, Result<Option<$crate::entry::CacheEntry>, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::get(&$store, key, now)
            }
            fn set(&self, entry: $crate::entry::CacheEntry) -> $crate::store::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::set(&$store, entry)
            }
            fn update_metadata(&self, metadata: $crate::entry::EntryMetadata) -> $crate::store::BoxFuture<'_, Result<bool, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::update_metadata(&$store, metadata)
            }
            fn delete<'a>(&'a self, key: &'a str) -> $crate::store::BoxFuture<'a, Result<bool, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::delete(&$store, key)
            }
            fn exists<'a>(&'a self, key: &'a str, now: ::std::time::SystemTime) -> $crate::store::BoxFuture<'a, Result<bool, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::exists(&$store, key, now)
            }
            fn clean(&self, filter: $crate::store::CleanFilter, now: ::std::time::SystemTime) -> $crate::store::BoxFuture<'_, Result<usize, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::clean(&$store, filter, now)
            }
            fn get_matching<'a>(&'a self, filter: &'a $crate::store::MatchFilter, now: ::std::time::SystemTime) -> $crate::store::BoxFuture<'a, Result<Vec<$crate::entry::CacheEntry>, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::get_matching(&$store, filter, now)
            }
            fn delete_matching<'a>(&'a self, filter: &'a $crate::store::MatchFilter) -> $crate::store::BoxFuture<'a, Result<usize, $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::delete_matching(&$store, filter)
            }
            fn close(&self) -> $crate::store::BoxFuture<'_, Result<(), $crate::store::StoreError>> {
                let $this = self;
                $crate::store::CacheStore::close(&$store)
            }
        }
    )*};
}
// Used by the stores that wrap a `BlockingAdapter`.
pub(crate) use forward_store;

forward_store! {
    impl [S: CacheStore + ?Sized] for Arc<S> => |this| **this;
    impl [S: CacheStore + ?Sized] for Box<S> => |this| **this;
    impl [S: CacheStore + ?Sized] for &S => |this| **this;
    impl [] for Store => |this| **this;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_object_safe(_: &dyn CacheStore) {}

    #[test]
    fn trait_objects_and_wrappers_are_stores() {
        let store = MemoryStore::new();
        assert_object_safe(&store);
        let shared: Arc<dyn CacheStore> = Arc::new(MemoryStore::new());
        assert_object_safe(&shared);
        let boxed: Box<dyn CacheStore> = Box::new(MemoryStore::new());
        assert_object_safe(&boxed);
    }
}
