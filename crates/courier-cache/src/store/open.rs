//! [`Store`]: any store, opened from its [`StoreLocation`] string.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use super::{CacheStore, FileStore, MemoryStore, StoreError, StoreErrorKind, StoreLocation};

/// A store chosen at run time by its location string: the one place where `memory`,
/// `file:DIR`, `sqlite:PATH`, `redb:PATH` and `redis://HOST:PORT/DB` turn into stores (the
/// command line's `--store` uses it).
///
/// A `Store` is a cheap handle (clones share the store) and is itself a [`CacheStore`], so
/// it goes straight into [`CacheOptions::new`](crate::CacheOptions::new). Stores open with
/// their defaults; build one with its own builder for other limits.
///
/// ```
/// use courier_cache::store::{CacheStore, Store};
/// use courier_cache::{CacheInterceptor, CacheOptions};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let store = Store::open(&format!("file:{}", dir.path().display())).await?;
/// assert_eq!(store.location().scheme(), "file");
/// let cache = CacheInterceptor::new(CacheOptions::new(store.clone()));
///
/// let missing = Store::open("sqlite-but-misspelt:/x").await;
/// assert!(missing.is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Store {
    location: StoreLocation,
    inner: Arc<dyn CacheStore>,
}

impl Store {
    /// Opens (or creates) the store at `location`; see [`StoreLocation`] for the forms.
    ///
    /// Fails with [`StoreErrorKind::Config`] for a malformed location or one whose cargo
    /// feature this build lacks, and with the store's own error when it cannot be opened
    /// (a file that is not a database, a server that does not answer).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = courier_cache::store::Store::open("memory").await?;
    /// assert_eq!(store.location().to_string(), "memory");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(location: &str) -> Result<Store, StoreError> {
        Store::open_location(location.parse()?).await
    }

    /// Opens the store at an already parsed `location`.
    ///
    /// ```
    /// use courier_cache::store::{Store, StoreLocation};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = Store::open_location(StoreLocation::Memory).await?;
    /// assert_eq!(store.location(), &StoreLocation::Memory);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open_location(location: StoreLocation) -> Result<Store, StoreError> {
        let inner: Arc<dyn CacheStore> = match &location {
            StoreLocation::Memory => Arc::new(MemoryStore::new()),
            StoreLocation::File(dir) => Arc::new(FileStore::new(dir.clone())),
            #[cfg(feature = "sqlite")]
            StoreLocation::Sqlite(path) => Arc::new(super::SqliteStore::open(path.clone()).await?),
            #[cfg(not(feature = "sqlite"))]
            StoreLocation::Sqlite(_) => return Err(feature_off(&location, "sqlite")),
            #[cfg(feature = "redb")]
            StoreLocation::Redb(path) => Arc::new(super::RedbStore::open(path.clone()).await?),
            #[cfg(not(feature = "redb"))]
            StoreLocation::Redb(_) => return Err(feature_off(&location, "redb")),
            #[cfg(feature = "redis")]
            StoreLocation::Redis(url) => Arc::new(super::RedisStore::connect(url.clone()).await?),
            #[cfg(not(feature = "redis"))]
            StoreLocation::Redis(_) => return Err(feature_off(&location, "redis")),
        };
        Ok(Store { location, inner })
    }

    /// Where this store lives.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = courier_cache::store::Store::open("memory").await?;
    /// assert_eq!(store.location().scheme(), "memory");
    /// # Ok(())
    /// # }
    /// ```
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The store itself, to share with code that takes an `Arc<dyn CacheStore>`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = courier_cache::store::Store::open("memory").await?;
    /// let options = courier_cache::CacheOptions::with_shared_store(store.shared());
    /// # Ok(())
    /// # }
    /// ```
    pub fn shared(&self) -> Arc<dyn CacheStore> {
        self.inner.clone()
    }
}

#[allow(dead_code)] // every arm is reachable only with some features off
fn feature_off(location: &StoreLocation, feature: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Config,
        format!(
            "{location} needs courier-cache's `{feature}` cargo feature, which this build lacks"
        ),
    )
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location.to_string())
            .finish_non_exhaustive()
    }
}

/// The store behind the handle; through it `Store` is a [`CacheStore`] (see `store/mod.rs`).
impl Deref for Store {
    type Target = dyn CacheStore;

    fn deref(&self) -> &(dyn CacheStore + 'static) {
        &*self.inner
    }
}
