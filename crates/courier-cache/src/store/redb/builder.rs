//! [`RedbStoreBuilder`]: limits, and opening the file.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use redb::Database;

use super::failure::Failure;
use super::store::{Inner, RedbStore};
use super::tables::Tables;
use crate::store::blocking::{BlockingStore, on_pool};
use crate::store::{StoreError, StoreErrorKind};

/// Default total size cap: 512 MiB.
const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Default entry size cap: 10 MiB.
const DEFAULT_MAX_ENTRY_BYTES: u64 = 10 * 1024 * 1024;
/// Default memory for redb's page cache: 64 MiB (redb's own default is 1 GiB).
const DEFAULT_PAGE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Builds a [`RedbStore`]; from [`RedbStore::builder`].
///
/// # Example
///
/// ```
/// use courier_cache::store::RedbStore;
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = RedbStore::builder(dir.path().join("cache.redb"))
///     .max_bytes(1024 * 1024 * 1024) // 1 GiB of entries
///     .max_entry_bytes(32 * 1024 * 1024) // 32 MiB per entry
///     .page_cache_bytes(16 * 1024 * 1024) // 16 MiB of redb page cache
///     .build()
///     .await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct RedbStoreBuilder {
    path: PathBuf,
    max_bytes: u64,
    max_entry_bytes: u64,
    page_cache_bytes: usize,
}

impl fmt::Debug for RedbStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStoreBuilder")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .field("page_cache_bytes", &self.page_cache_bytes)
            .finish()
    }
}

impl RedbStoreBuilder {
    pub(super) fn new(path: PathBuf) -> Self {
        RedbStoreBuilder {
            path,
            max_bytes: DEFAULT_MAX_BYTES,
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
            page_cache_bytes: DEFAULT_PAGE_CACHE_BYTES,
        }
    }

    /// The total size of the entries (keys, metadata and bodies), in bytes, above which
    /// least recently used entries are deleted. Default: 512 MiB. The file is somewhat
    /// larger, by redb's page overhead.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::RedbStore;
    ///
    /// let builder = RedbStore::builder("cache.redb").max_bytes(2 * 1024 * 1024 * 1024); // 2 GiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The size of an entry (key, metadata and body), in bytes, above which it is not
    /// stored. Default: 10 MiB. The effective limit is at most
    /// [`max_bytes`](Self::max_bytes).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::RedbStore;
    ///
    /// let builder = RedbStore::builder("cache.redb").max_entry_bytes(100 * 1024 * 1024); // 100 MiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_entry_bytes(mut self, bytes: u64) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// The memory redb may use to cache the file's pages, in bytes. Default: 64 MiB. Hits
    /// on entries in the page cache read no file.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::RedbStore;
    ///
    /// let builder = RedbStore::builder("cache.redb").page_cache_bytes(256 * 1024 * 1024); // 256 MiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn page_cache_bytes(mut self, bytes: usize) -> Self {
        self.page_cache_bytes = bytes;
        self
    }

    /// Opens the file (creating it, and its directory, if needed), checks it, and evicts
    /// down to [`max_bytes`](Self::max_bytes) if it holds more. Runs on tokio's blocking
    /// pool.
    ///
    /// # Errors
    ///
    /// - [`StoreErrorKind::Unavailable`] while another store, in this process or another,
    ///   has the file open. The call fails at once; it does not wait for the lock.
    /// - [`StoreErrorKind::Corrupt`] for a file that is not a redb database, whose header is
    ///   damaged or truncated, or that was written by a store of another table layout.
    /// - [`StoreErrorKind::Io`] when the file or its directory cannot be created or read.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{RedbStore, StoreErrorKind};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("not-a-database");
    /// std::fs::write(&path, "hello")?;
    /// let err = RedbStore::builder(&path).build().await.unwrap_err();
    /// assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn build(self) -> Result<RedbStore, StoreError> {
        let RedbStoreBuilder {
            path,
            max_bytes,
            max_entry_bytes,
            page_cache_bytes,
        } = self;
        let opening = path.clone();
        let opened = on_pool(Inner::TASK_FAILED, move || {
            open_database(&opening, page_cache_bytes, max_bytes).map_err(Failure::into_store_error)
        })
        .await;
        let (database, last_tick, total_bytes) = opened.map_err(|err| {
            StoreError::with_source(
                err.kind(),
                format!("cannot open the redb cache at {}", path.display()),
                err,
            )
        })?;
        Ok(RedbStore::from_parts(
            path,
            max_bytes,
            max_entry_bytes.min(max_bytes),
            database,
            last_tick,
            total_bytes,
        ))
    }
}

/// Opens and readies the database; returns it with the latest use tick and the running
/// total.
fn open_database(
    path: &Path,
    page_cache_bytes: usize,
    max_bytes: u64,
) -> Result<(Database, u64, u64), Failure> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|err| {
            StoreError::with_source(
                StoreErrorKind::Io,
                format!("creating the directory {}", dir.display()),
                err,
            )
        })?;
    }
    // redb 2 asserts, rather than reports, on some truncated files: a panic here means the
    // file is damaged, and must not take the caller down.
    let created = panic::catch_unwind(AssertUnwindSafe(|| {
        Database::builder()
            .set_cache_size(page_cache_bytes)
            .create(path)
    }));
    let database = match created {
        Ok(result) => result?,
        Err(_) => {
            return Err(StoreError::new(
                StoreErrorKind::Corrupt,
                "redb failed reading the file (it panicked): the file is truncated or damaged",
            )
            .into());
        }
    };
    let txn = database.begin_write()?;
    let (last_tick, total_bytes) = {
        let (tables, last_tick) = Tables::prepare(&txn, max_bytes)?;
        (last_tick, tables.finish()?)
    };
    txn.commit()?;
    Ok((database, last_tick, total_bytes))
}
