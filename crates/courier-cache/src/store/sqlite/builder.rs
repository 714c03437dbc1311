//! [`SqliteStoreBuilder`]: the knobs of a [`SqliteStore`], checked once by `build`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::SqliteStore;
use crate::cipher::CacheCipher;
use crate::store::StoreError;

/// Default total size cap: 512 MiB.
pub(super) const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Default entry size cap: 10 MiB.
pub(super) const DEFAULT_MAX_ENTRY_BYTES: u64 = 10 * 1024 * 1024;
/// Default wait for another process's lock: 5 s.
pub(super) const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Default number of read connections.
pub(super) const DEFAULT_READ_CONNECTIONS: usize = 4;

/// Builds a [`SqliteStore`]; from [`SqliteStore::builder`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use courier_cache::store::SqliteStore;
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = SqliteStore::builder(dir.path().join("http-cache.sqlite"))
///     .max_bytes(1024 * 1024 * 1024) // 1 GiB of entries in total
///     .max_entry_bytes(32 * 1024 * 1024) // 32 MiB per entry
///     .busy_timeout(Duration::from_secs(10)) // wait up to 10 s for another process
///     .build()
///     .await?;
/// # let _ = store;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct SqliteStoreBuilder {
    pub(super) path: PathBuf,
    pub(super) max_bytes: u64,
    pub(super) max_entry_bytes: u64,
    pub(super) busy_timeout: Duration,
    pub(super) read_connections: usize,
    pub(super) cipher: Option<Arc<dyn CacheCipher>>,
}

impl SqliteStoreBuilder {
    pub(super) fn new(path: PathBuf) -> Self {
        SqliteStoreBuilder {
            path,
            max_bytes: DEFAULT_MAX_BYTES,
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            read_connections: DEFAULT_READ_CONNECTIONS,
            cipher: None,
        }
    }

    /// The total size of the entries (metadata and bodies as stored), in bytes, above
    /// which least recently used entries are deleted. Default: 512 MiB.
    ///
    /// The database file is somewhat larger (pages are not full, and indexes take room).
    /// Several processes sharing a file should use the same cap: each enforces its own when
    /// it writes.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::SqliteStore;
    ///
    /// let builder = SqliteStore::builder("cache.sqlite").max_bytes(2 * 1024 * 1024 * 1024); // 2 GiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The size of an entry (metadata and body as stored), in bytes, above which it is not
    /// stored; storing one removes the entry previously stored under its key. Default:
    /// 10 MiB. The effective limit is at most [`max_bytes`](Self::max_bytes).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::SqliteStore;
    ///
    /// let builder = SqliteStore::builder("cache.sqlite").max_entry_bytes(100 * 1024 * 1024); // 100 MiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_entry_bytes(mut self, bytes: u64) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// How long an operation waits for another process (or another store on the same
    /// file) that holds the database lock, before it fails with a
    /// [`Backend`](crate::store::StoreErrorKind::Backend) error. Default: 5 s.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::store::SqliteStore;
    ///
    /// let builder = SqliteStore::builder("cache.sqlite").busy_timeout(Duration::from_millis(500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How many connections serve reads in parallel, besides the one that writes.
    /// Default: 4. With `0`, reads share the writer's connection (and wait for writes).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::SqliteStore;
    ///
    /// let builder = SqliteStore::builder("cache.sqlite").read_connections(8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_connections(mut self, connections: usize) -> Self {
        self.read_connections = connections;
        self
    }

    /// Encrypts every entry's metadata and body with `cipher`. Default: no encryption.
    ///
    /// The URL, priority, deadline and size of each entry stay readable in their own
    /// columns (the store filters and evicts by them); the key is readable too. Entries
    /// written without a cipher (or under a key the cipher no longer holds) are misses and
    /// are deleted.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    /// use courier_cache::store::SqliteStore;
    ///
    /// let key = XChaCha20Poly1305Cipher::generate_key()?;
    /// let builder = SqliteStore::builder("cache.sqlite").cipher(XChaCha20Poly1305Cipher::new(key));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cipher(mut self, cipher: impl CacheCipher + 'static) -> Self {
        self.cipher = Some(Arc::new(cipher));
        self
    }

    /// Opens the database (creating it, and its directory, if needed) and checks that it
    /// is a courier cache of a schema this build reads.
    ///
    /// Needs a tokio runtime: the file is opened on the blocking pool.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] of kind [`Corrupt`](crate::store::StoreErrorKind::Corrupt) when the
    /// file is not a SQLite database, is another application's database, or was written by
    /// a newer courier-cache; [`Io`](crate::store::StoreErrorKind::Io) when it cannot be
    /// opened or created.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{SqliteStore, StoreErrorKind};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("not-a-database");
    /// std::fs::write(&path, "just some text, long enough to be read as a header....")?;
    /// let err = SqliteStore::builder(&path).build().await.unwrap_err();
    /// assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn build(self) -> Result<SqliteStore, StoreError> {
        SqliteStore::from_builder(self).await
    }
}

impl fmt::Debug for SqliteStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStoreBuilder")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .field("busy_timeout", &self.busy_timeout)
            .field("read_connections", &self.read_connections)
            .field("cipher", &self.cipher)
            .finish()
    }
}
