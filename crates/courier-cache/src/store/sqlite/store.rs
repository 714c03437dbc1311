//! [`SqliteStore`]: the [`CacheStore`] over one SQLite database file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::access_log::{AccessLog, Flush};
use super::builder::SqliteStoreBuilder;
use super::connections::{ConnectionOptions, ConnectionPool, Lease};
use super::entries::{self, Read};
use super::error::SqliteContext;
use super::eviction;
use super::row::RowCodec;
use super::url_match::UrlFilter;
use crate::entry::{CacheEntry, EntryMetadata};
use crate::store::blocking::{BlockingAdapter, BlockingStore, on_pool};
// For the docs' links: the store is a `CacheStore` through its adapter.
#[cfg(doc)]
use crate::store::CacheStore;
use crate::store::{BoxFuture, CleanFilter, MatchFilter, StoreError};

/// A [`CacheStore`] in one SQLite database file: WAL mode, a total size cap with
/// least-recently-used eviction, safe to share between threads and processes.
///
/// # Layout and why
///
/// - **One file, many processes.** Every operation is a SQLite transaction, so several
///   processes (a CLI and a daemon, several workers) can open the same file at once. Each
///   read sees a whole entry or none; writers queue on the database lock, waiting up to
///   the [busy timeout](SqliteStoreBuilder::busy_timeout).
/// - **WAL, `synchronous = NORMAL`.** Readers never wait for writers, and a commit costs
///   a log append rather than an `fsync`. A power loss may drop the last writes, never
///   corrupt the file.
/// - **Metadata apart from the body.** An `entries` row holds the key, URL, priority,
///   deadline, size, last access and the metadata as a detached
///   [entry frame](crate::entry::encoding) naming its body's length and CRC-32; the body
///   is a row of its own. [`update_metadata`](CacheStore::update_metadata) and access
///   tracking rewrite the small row and never the body, and a body that does not match
///   its frame (flipped bits, a truncated blob) is detected on read.
/// - **Unreadable rows are misses.** A row whose frame or body fails its checksum, was
///   written in another entry format, or fails to decrypt is deleted when read, and the
///   read is a miss.
/// - **LRU to the minute, batched.** Eviction deletes the least recently used entries
///   when a write passes [`max_bytes`](SqliteStoreBuilder::max_bytes). A hit on an entry
///   last used over a minute ago notes the time in memory, written with the next write
///   transaction (or after 64 such hits or a minute), so a hit costs no write.
/// - **Encryption.** With a [`cipher`](SqliteStoreBuilder::cipher), metadata and bodies
///   are sealed with the key and the column as associated data, so sealed bytes cannot be
///   moved to another row or column.
///
/// All SQLite work runs on tokio's blocking pool, on one writer connection and a few
/// reader connections ([`read_connections`](SqliteStoreBuilder::read_connections)). Clone
/// the store freely: clones share the connections.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, SqliteStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = SqliteStore::open(dir.path().join("http-cache.sqlite")).await?;
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, "in SQLite")).await?;
/// assert_eq!(store.get("k", now).await?.ok_or("miss")?.body, "in SQLite");
///
/// // Another store (or another process) on the same file sees the entry.
/// let other = SqliteStore::open(store.path()).await?;
/// assert!(other.exists("k", now).await?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: BlockingAdapter<Inner>,
}

crate::store::forward_store! {
    impl [] for SqliteStore => |store| store.inner;
}

struct Inner {
    path: PathBuf,
    max_bytes: u64,
    max_entry_bytes: u64,
    codec: RowCodec,
    pool: ConnectionPool,
    accesses: AccessLog,
    closed: AtomicBool,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("max_bytes", &self.inner.max_bytes)
            .field("max_entry_bytes", &self.inner.max_entry_bytes)
            .field("cipher", &self.inner.codec.cipher())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the cache database at `path` with the default limits and no
    /// encryption. See [`SqliteStoreBuilder::build`] for what is checked.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the file cannot be opened or is not a courier cache (see
    /// [`SqliteStoreBuilder::build`]).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::SqliteStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = SqliteStore::open(dir.path().join("cache.sqlite")).await?;
    /// assert_eq!(store.total_bytes().await?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        SqliteStore::builder(path).build().await
    }

    /// A builder for a store in the database file at `path`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::SqliteStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = SqliteStore::builder(dir.path().join("cache.sqlite"))
    ///     .max_bytes(64 * 1024 * 1024) // 64 MiB
    ///     .build()
    ///     .await?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(path: impl Into<PathBuf>) -> SqliteStoreBuilder {
        SqliteStoreBuilder::new(path.into())
    }

    pub(super) async fn from_builder(builder: SqliteStoreBuilder) -> Result<Self, StoreError> {
        let SqliteStoreBuilder {
            path,
            max_bytes,
            max_entry_bytes,
            busy_timeout,
            read_connections,
            cipher,
        } = builder;
        let options = ConnectionOptions {
            busy_timeout,
            readers: read_connections,
        };
        on_pool(Inner::TASK_FAILED, move || {
            let pool = ConnectionPool::open(&path, &options)?;
            Ok(SqliteStore {
                inner: BlockingAdapter::new(Inner {
                    path,
                    max_bytes,
                    max_entry_bytes: max_entry_bytes.min(max_bytes),
                    codec: RowCodec::new(cipher),
                    pool,
                    accesses: AccessLog::default(),
                    closed: AtomicBool::new(false),
                }),
            })
        })
        .await
    }

    /// The database file.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::SqliteStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("cache.sqlite");
    /// assert_eq!(SqliteStore::open(&path).await?.path(), path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The total size of the entries (metadata and bodies as stored), in bytes: what
    /// [`max_bytes`](SqliteStoreBuilder::max_bytes) caps.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the database cannot be read or the store is closed.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::{CacheEntry, EntryMetadata};
    /// use courier_cache::store::{CacheStore, SqliteStore};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = SqliteStore::open(dir.path().join("cache.sqlite")).await?;
    /// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
    /// store.set(CacheEntry::new(meta, vec![0u8; 1000])).await?;
    /// assert!(store.total_bytes().await? > 1000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn total_bytes(&self) -> Result<u64, StoreError> {
        self.inner
            .run(|inner, _| inner.read(|conn, _| eviction::total_bytes(conn)))
            .await
    }
}

impl Inner {
    /// Runs `op` on a reader connection.
    fn read<T>(
        &self,
        op: impl FnOnce(&Connection, &UrlFilter) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let reader = self.pool.reader()?;
        op(&reader, reader.url_filter())
    }

    /// Runs `op` in a write transaction (holding the database's write lock from the
    /// start, so it never fails half-way on another process's lock), after writing the
    /// pending accesses.
    fn write<T>(
        &self,
        op: impl FnOnce(&Transaction<'_>, &UrlFilter) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut writer = self.pool.writer()?;
        self.write_on(&mut writer, op)
    }

    fn write_on<T>(
        &self,
        writer: &mut Lease<'_>,
        op: impl FnOnce(&Transaction<'_>, &UrlFilter) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (conn, url_filter) = writer.split();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .doing("starting a write transaction")?;
        self.accesses.flush(&tx)?;
        let out = op(&tx, url_filter)?;
        tx.commit().doing("committing a write transaction")?;
        Ok(out)
    }

    /// Notes a hit on `key` (last used at `last_access`), and writes the pending accesses
    /// when the log asks for it.
    fn note_access(&self, key: &str, last_access: i64) {
        let flushed = match self.accesses.record(key, last_access) {
            Flush::No => return,
            Flush::IfIdle => match self.pool.try_writer() {
                Ok(Some(mut writer)) => self.write_on(&mut writer, |_, _| Ok(())),
                Ok(None) => return,
                Err(err) => Err(err),
            },
            Flush::Now => self.write(|_, _| Ok(())),
        };
        if let Err(err) = flushed {
            // Recency is a hint: the entries are intact, eviction is a little less exact.
            tracing::debug!(error = %err, "SQLite cache store: recording access times failed");
        }
    }

    /// Declines an entry over the size limit: removes the one stored under its key, so a
    /// later `get` never returns an older response than the last one offered.
    fn decline(&self, key: &str) -> Result<(), StoreError> {
        self.write(|tx, _| entries::delete(tx, key).map(drop))
    }

    /// Writes the pending accesses and closes the connections.
    fn release(&self) {
        if let Ok(mut writer) = self.pool.writer()
            && let Err(err) = self.write_on(&mut writer, |_, _| Ok(()))
        {
            tracing::debug!(error = %err, "SQLite cache store: recording access times failed");
        }
        self.pool.close();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Not closed: keep the recency this process noted for the next one.
        self.release();
    }
}

impl BlockingStore for Inner {
    type Handle = ();
    type Error = StoreError;
    const TASK_FAILED: &'static str = "SQLite store task failed";

    async fn ready(self: &Arc<Self>) -> Result<(), StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::closed());
        }
        Ok(())
    }

    fn get(&self, _: &(), key: &str, now: SystemTime) -> Result<Option<CacheEntry>, StoreError> {
        match self.read(|conn, _| entries::read(conn, &self.codec, key, now))? {
            Read::Hit(entry, last_access) => {
                self.note_access(key, last_access);
                Ok(Some(entry))
            }
            Read::Absent => Ok(None),
            Read::Discard(version) => {
                self.write(|tx, _| entries::delete_version(tx, &version))?;
                Ok(None)
            }
        }
    }

    fn set(&self, _: &(), entry: CacheEntry) -> Result<(), StoreError> {
        if entry.body.len() as u64 > self.max_entry_bytes {
            return self.decline(&entry.metadata.key);
        }
        let row = self.codec.encode(entry)?;
        if u64::try_from(row.size).unwrap_or(u64::MAX) > self.max_entry_bytes {
            return self.decline(&row.key);
        }
        let last_access = self.accesses.stamp();
        self.write(|tx, _| {
            entries::insert(tx, &row, last_access)?;
            eviction::evict(tx, self.max_bytes, Some(&row.key))?;
            Ok(())
        })
    }

    fn update_metadata(&self, _: &(), metadata: EntryMetadata) -> Result<bool, StoreError> {
        let last_access = self.accesses.stamp();
        let key = metadata.key.clone();
        self.write(|tx, _| {
            let updated = entries::update_metadata(tx, &self.codec, metadata, last_access)?;
            if updated {
                eviction::evict(tx, self.max_bytes, Some(&key))?;
            }
            Ok(updated)
        })
    }

    fn delete(&self, _: &(), key: &str) -> Result<bool, StoreError> {
        self.write(|tx, _| entries::delete(tx, key))
    }

    fn exists(&self, _: &(), key: &str, now: SystemTime) -> Result<bool, StoreError> {
        self.read(|conn, _| entries::exists(conn, key, now))
    }

    fn clean(&self, _: &(), filter: CleanFilter, now: SystemTime) -> Result<usize, StoreError> {
        let removed = self.write(|tx, _| entries::clean(tx, filter, now))?;
        if removed > 0 {
            let writer = self.pool.writer()?;
            entries::release_free_pages(&writer)?;
        }
        Ok(removed)
    }

    fn get_matching(
        &self,
        _: &(),
        filter: &MatchFilter,
        now: SystemTime,
    ) -> Result<Vec<CacheEntry>, StoreError> {
        let (hits, discards) = self.read(|conn, url_filter| {
            entries::read_matching(conn, url_filter, &self.codec, filter, now)
        })?;
        if !discards.is_empty() {
            self.write(|tx, _| {
                discards
                    .iter()
                    .try_for_each(|version| entries::delete_version(tx, version))
            })?;
        }
        Ok(hits)
    }

    fn delete_matching(&self, _: &(), filter: &MatchFilter) -> Result<usize, StoreError> {
        self.write(|tx, url_filter| entries::delete_matching(tx, url_filter, filter))
    }

    fn close(self: &Arc<Self>) -> BoxFuture<'_, Result<(), StoreError>> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Box::pin(std::future::ready(Ok(())));
        }
        let inner = Arc::clone(self);
        Box::pin(on_pool(Self::TASK_FAILED, move || {
            inner.release();
            Ok(())
        }))
    }
}
