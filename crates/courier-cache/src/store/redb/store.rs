//! [`RedbStore`]: the store and its operations.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use redb::{Database, ReadableTable};

use super::builder::RedbStoreBuilder;
use super::failure::Failure;
use super::read::{self, Stored};
use super::snapshot::Snapshots;
use super::tables::{self, BODIES, METADATA, Record, Tables};
use super::uses::PendingUses;
use crate::entry::encoding::{self, BodyDigest};
use crate::entry::{CacheEntry, EntryMetadata};
use crate::store::blocking::{BlockingAdapter, BlockingStore, on_pool};
// For the docs' links: the store is a `CacheStore` through its adapter.
#[cfg(doc)]
use crate::store::CacheStore;
use crate::store::{BoxFuture, CleanFilter, MatchFilter, StoreError, StoreErrorKind};

/// A [`CacheStore`] in one [redb](https://docs.rs/redb) database file: ACID writes, a total
/// size cap with least-recently-used eviction, and metadata kept apart from bodies.
///
/// # Layout
///
/// One file holds six tables:
///
/// | table | key | value |
/// |---|---|---|
/// | `metadata` | `&str` entry key | `&[u8]`: the metadata as a detached [entry frame](crate::entry::encoding) (versioned, checksummed), naming its body by length and CRC-32 ([`BodyDigest`]) |
/// | `bodies` | `&str` entry key | `&[u8]`: the body |
/// | `records` | `&str` entry key | `(u64, Option<i128>, u8, u64)`: last use, deadline (ns since the epoch), priority, counted size |
/// | `by_last_use` | `(u64, &str)`: last use, key | `()` |
/// | `by_deadline` | `(i128, &str)`: deadline, key | `()` |
/// | `stats` | `&str` | `u64`: `total_bytes`, `layout` (1) |
///
/// - Metadata and bodies sit in two tables, so
///   [`update_metadata`](CacheStore::update_metadata) (a `304`) rewrites the small frame and
///   never the body.
/// - `records` is each entry's index row, and `by_last_use` and `by_deadline` the orders
///   eviction and [`clean`](CacheStore::clean) of expired entries range over, so neither
///   decodes a frame or scans the store (a clean by priority alone scans the small
///   records); `stats` keeps the running total, so eviction knows when to stop without
///   adding up.
/// - An entry's size is its key, frame and body as stored; redb's page overhead comes on
///   top, so the file is somewhat larger than [`max_bytes`](RedbStoreBuilder::max_bytes).
///
/// # Durability and concurrency
///
/// Every write ([`set`](CacheStore::set), [`delete`](CacheStore::delete), …) is one redb
/// transaction committed with redb's default durability (`fsync` before the call returns),
/// so an entry and its index rows appear together or not at all, also across a crash or a
/// power loss. Reads never wait for a writer and never write (see *Eviction*): they share
/// one read snapshot, which every write retires when it commits, so a read sees every write
/// that returned before it started. All redb work runs on tokio's blocking pool, so the
/// store needs a tokio runtime.
///
/// # Eviction
///
/// When a write takes the total past [`max_bytes`](RedbStoreBuilder::max_bytes), the least
/// recently used entries are deleted in the same transaction. A [`get`](CacheStore::get)
/// that hits counts as a use, but is noted in memory and written with the next write (or
/// with 256 others, or on close), so a hit costs no commit; a crash forgets only the order
/// of the reads since the last write. An entry larger than
/// [`max_entry_bytes`](RedbStoreBuilder::max_entry_bytes) is not stored, and the entry
/// previously under its key is deleted.
///
/// # One store per file
///
/// redb locks the file exclusively while it is open (`flock` on Unix, `LockFileEx` on
/// Windows). While a `RedbStore` has it open, opening the same file again, from another
/// process or as a second `RedbStore` in this one, fails at once with a [`StoreError`] of
/// kind [`StoreErrorKind::Unavailable`]: it neither waits for the lock nor touches the file.
/// Share one store by cloning it (clones are cheap handles). The lock is released by
/// [`close`](CacheStore::close), or when the last clone is dropped.
///
/// # Damage
///
/// - A stored entry that does not read back (a flipped bit or a truncated value in either
///   table, a frame of another format version or under another key, a body whose digest
///   differs) is a miss and is deleted, never an error.
/// - A file that is not a redb database, or whose header is damaged, fails
///   [`build`](RedbStoreBuilder::build) with [`StoreErrorKind::Corrupt`]. redb 2 panics
///   on some truncated files; the store catches that panic (the default hook still prints
///   it) and reports [`StoreErrorKind::Corrupt`] too. Nothing is deleted: move the file
///   away to start afresh.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, RedbStore, StoreErrorKind};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("http-cache.redb");
/// let store = RedbStore::builder(&path)
///     .max_bytes(256 * 1024 * 1024) // 256 MiB of entries in total
///     .max_entry_bytes(16 * 1024 * 1024) // 16 MiB per entry
///     .build()
///     .await?;
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, "in a redb file")).await?;
/// assert_eq!(store.get("k", now).await?.ok_or("miss")?.body, "in a redb file");
///
/// // The file is locked while the store is open.
/// let err = RedbStore::open(&path).await.unwrap_err();
/// assert_eq!(err.kind(), StoreErrorKind::Unavailable);
/// store.close().await?;
/// let reopened = RedbStore::open(&path).await?;
/// assert!(reopened.exists("k", now).await?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedbStore {
    inner: BlockingAdapter<Inner>,
}

crate::store::forward_store! {
    impl [] for RedbStore => |store| store.inner;
}

pub(super) struct Inner {
    path: PathBuf,
    max_bytes: u64,
    max_entry_bytes: u64,
    /// `None` once closed.
    database: Mutex<Option<Arc<Database>>>,
    /// Held for the whole of each write transaction (redb serialises them anyway), so the
    /// total below is read and replaced by one writer at a time.
    writer: Mutex<()>,
    /// The running total as of the last commit: this store is the file's only writer, so
    /// it is the total in the file.
    total_bytes: AtomicU64,
    snapshots: Snapshots,
    /// The use clock: ticks order writes and reads for eviction.
    clock: AtomicU64,
    uses: PendingUses,
}

impl fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.inner.path)
            .field("max_bytes", &self.inner.max_bytes)
            .field("max_entry_bytes", &self.inner.max_entry_bytes)
            .field("closed", &self.inner.database().is_none())
            .finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens (creating it if needed) the store in the redb file at `path`, with the default
    /// limits.
    ///
    /// # Errors
    ///
    /// As [`RedbStoreBuilder::build`]: [`StoreErrorKind::Unavailable`] while another store
    /// has the file open, [`StoreErrorKind::Corrupt`] for a file that is not a redb
    /// database, [`StoreErrorKind::Io`] when it cannot be read or created.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::RedbStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = RedbStore::open(dir.path().join("cache.redb")).await?;
    /// assert_eq!(store.total_bytes().await?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        RedbStore::builder(path).build().await
    }

    /// A builder for a store in the redb file at `path`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::RedbStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = RedbStore::builder(dir.path().join("cache.redb")).max_bytes(1 << 30).build().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(path: impl Into<PathBuf>) -> RedbStoreBuilder {
        RedbStoreBuilder::new(path.into())
    }

    pub(super) fn from_parts(
        path: PathBuf,
        max_bytes: u64,
        max_entry_bytes: u64,
        database: Database,
        last_tick: u64,
        total_bytes: u64,
    ) -> Self {
        RedbStore {
            inner: BlockingAdapter::new(Inner {
                path,
                max_bytes,
                max_entry_bytes,
                database: Mutex::new(Some(Arc::new(database))),
                writer: Mutex::new(()),
                total_bytes: AtomicU64::new(total_bytes),
                snapshots: Snapshots::default(),
                clock: AtomicU64::new(last_tick),
                uses: PendingUses::default(),
            }),
        }
    }

    /// The path of the database file.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::RedbStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("cache.redb");
    /// assert_eq!(RedbStore::open(&path).await?.path(), path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The total size of the stored entries, in bytes: keys, metadata frames and bodies
    /// (what [`max_bytes`](RedbStoreBuilder::max_bytes) caps), as of the last write. Kept
    /// in memory: reads no file.
    ///
    /// # Errors
    ///
    /// A [`StoreErrorKind::Closed`] error once the store is closed.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::entry::{CacheEntry, EntryMetadata};
    /// use courier_cache::store::{CacheStore, RedbStore};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = RedbStore::open(dir.path().join("cache.redb")).await?;
    /// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
    /// store.set(CacheEntry::new(meta, vec![0u8; 1000])).await?;
    /// assert!(store.total_bytes().await? > 1000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn total_bytes(&self) -> Result<u64, StoreError> {
        if self.inner.database().is_none() {
            return Err(StoreError::closed());
        }
        Ok(self.inner.total_bytes.load(Ordering::Acquire))
    }
}

impl Inner {
    fn database(&self) -> Option<Arc<Database>> {
        self.database_slot().clone()
    }

    fn database_slot(&self) -> MutexGuard<'_, Option<Arc<Database>>> {
        // Only ever cloned or taken under the lock: it cannot be left half-changed.
        self.database.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn writer(&self) -> MutexGuard<'_, ()> {
        // Guards no data: a panic mid-write leaves nothing half-changed.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn next_tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Runs `op` in a write transaction, after writing the pending uses, and commits.
    fn write<T>(
        &self,
        db: &Database,
        op: impl FnOnce(&mut Tables<'_>) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let _writer = self.writer();
        // No shared snapshot may keep this write from reusing the pages it frees.
        self.snapshots.invalidate();
        let txn = db.begin_write()?;
        let (value, total) = {
            let mut tables = Tables::new(&txn, self.total_bytes.load(Ordering::Acquire));
            for (key, tick) in self.uses.take() {
                tables.record_use(&key, tick)?;
            }
            let value = op(&mut tables)?;
            (value, tables.finish()?)
        };
        txn.commit()?;
        self.total_bytes.store(total, Ordering::Release);
        // Reads that start from now on must see this write.
        self.snapshots.invalidate();
        Ok(value)
    }

    /// Deletes the entries under `keys` that are still unreadable (a writer may have
    /// replaced one since it was read).
    fn discard_unreadable(&self, db: &Database, keys: &[String]) -> Result<(), Failure> {
        self.write(db, |tables| {
            for key in keys {
                let (metadata, bodies) = tables.metadata_and_bodies()?;
                let stored = read::read_entry(metadata, bodies, key, None)?;
                if matches!(stored, Stored::Unreadable) {
                    tables.remove(key)?;
                }
            }
            Ok(())
        })
    }

    fn flush_uses(&self, db: &Database) -> Result<(), Failure> {
        if self.uses.is_empty() {
            return Ok(());
        }
        self.write(db, |_| Ok(()))
    }
}

impl BlockingStore for Inner {
    /// Taken before the operation goes to the pool: an operation under way keeps the
    /// database (and the file's lock) until it ends, even if the store is closed meanwhile.
    type Handle = Arc<Database>;
    type Error = Failure;
    const TASK_FAILED: &'static str = "redb store task failed";

    async fn ready(self: &Arc<Self>) -> Result<Arc<Database>, StoreError> {
        self.database().ok_or_else(StoreError::closed)
    }

    fn get(
        &self,
        db: &Arc<Database>,
        key: &str,
        now: SystemTime,
    ) -> Result<Option<CacheEntry>, Failure> {
        let stored = {
            let snapshot = self.snapshots.current(db)?;
            read::read_entry(&snapshot.metadata, &snapshot.bodies, key, Some(now))?
        };
        match stored {
            Stored::Absent => Ok(None),
            Stored::Unreadable => {
                self.discard_unreadable(db, &[key.to_owned()])?;
                Ok(None)
            }
            Stored::Entry(entry) => {
                if self.uses.note(key, self.next_tick()) {
                    // The hit stands even if writing the uses fails; they are only an order.
                    if let Err(err) = self.write(db, |_| Ok(())) {
                        tracing::debug!(error = ?err, "writing the uses of redb cache entries failed");
                    }
                }
                Ok(Some(entry))
            }
        }
    }

    fn set(&self, db: &Arc<Database>, entry: CacheEntry) -> Result<(), Failure> {
        let CacheEntry { metadata, body, .. } = entry;
        let key = metadata.key.as_str();
        // Encoded and checksummed before the transaction, which serialises writers.
        let frame = encoding::encode_detached(&metadata, BodyDigest::of(&body)).map_err(|err| {
            StoreError::with_source(StoreErrorKind::Backend, "encoding entry metadata", err)
        })?;
        let size = tables::entry_size(key, frame.len(), body.len());
        let too_large = size > self.max_entry_bytes;
        let record = Record::new(
            self.next_tick(),
            metadata.expires_at,
            metadata.priority,
            size,
        );
        self.write(db, |tables| {
            if too_large {
                tables.remove(key)?;
            } else {
                tables.insert(key, &frame, &body, record)?;
                tables.evict(self.max_bytes, Some(key))?;
            }
            Ok(())
        })
    }

    fn update_metadata(
        &self,
        db: &Arc<Database>,
        mut metadata: EntryMetadata,
    ) -> Result<bool, Failure> {
        let tick = self.next_tick();
        self.write(db, |tables| {
            let key = metadata.key.as_str();
            let old = tables
                .metadata()?
                .get(key)?
                .map(|frame| read::decode_metadata(key, frame.value()));
            let digest = match old {
                None => return Ok(false),
                Some(None) => {
                    tables.remove(key)?;
                    return Ok(false);
                }
                Some(Some((_, digest))) => digest,
            };
            // The old frame's digest still names the body, which stays as it is.
            metadata.body_len = digest.len();
            let frame = encoding::encode_detached(&metadata, digest).map_err(|err| {
                StoreError::with_source(StoreErrorKind::Backend, "encoding entry metadata", err)
            })?;
            let size = tables::entry_size(key, frame.len(), body_len(digest));
            let record = Record::new(tick, metadata.expires_at, metadata.priority, size);
            tables.replace_metadata(key, &frame, record)?;
            tables.evict(self.max_bytes, Some(key))?;
            Ok(true)
        })
    }

    fn delete(&self, db: &Arc<Database>, key: &str) -> Result<bool, Failure> {
        self.write(db, |tables| tables.remove(key))
    }

    fn exists(&self, db: &Arc<Database>, key: &str, now: SystemTime) -> Result<bool, Failure> {
        let snapshot = self.snapshots.current(db)?;
        let row = snapshot.records.get(key)?.map(|row| row.value());
        Ok(row.is_some_and(|row| !tables::is_expired(row, now)))
    }

    fn clean(
        &self,
        db: &Arc<Database>,
        filter: CleanFilter,
        now: SystemTime,
    ) -> Result<usize, Failure> {
        self.write(db, |tables| {
            if filter == CleanFilter::all() {
                return tables.remove_all();
            }
            let selected = tables.select(filter, now)?;
            for key in &selected {
                tables.remove(key)?;
            }
            Ok(selected.len())
        })
    }

    fn get_matching(
        &self,
        db: &Arc<Database>,
        filter: &MatchFilter,
        now: SystemTime,
    ) -> Result<Vec<CacheEntry>, Failure> {
        let mut found = Vec::new();
        let mut unreadable = Vec::new();
        {
            let txn = db.begin_read()?;
            let metadata = txn.open_table(METADATA)?;
            let bodies = txn.open_table(BODIES)?;
            for row in metadata.iter()? {
                let (key, frame) = row?;
                let (key, frame) = (key.value(), frame.value());
                let Some((meta, digest)) = read::decode_metadata(key, frame) else {
                    unreadable.push(key.to_owned());
                    continue;
                };
                if meta.is_expired(now) || !filter.matches(&meta.url) {
                    continue;
                }
                match read::with_body(key, meta, digest, &bodies)? {
                    Stored::Entry(entry) => found.push(entry),
                    Stored::Unreadable => unreadable.push(key.to_owned()),
                    Stored::Absent => {}
                }
            }
        }
        if !unreadable.is_empty() {
            self.discard_unreadable(db, &unreadable)?;
        }
        Ok(found)
    }

    fn delete_matching(&self, db: &Arc<Database>, filter: &MatchFilter) -> Result<usize, Failure> {
        self.write(db, |tables| {
            let mut matching = Vec::new();
            let mut unreadable = Vec::new();
            for row in tables.metadata()?.iter()? {
                let (key, frame) = row?;
                let key = key.value();
                match read::decode_metadata(key, frame.value()) {
                    Some((meta, _)) if filter.matches(&meta.url) => matching.push(key.to_owned()),
                    Some(_) => {}
                    None => unreadable.push(key.to_owned()),
                }
            }
            // Unreadable entries are met here, so they go too (without counting as matches).
            for key in &unreadable {
                tables.remove(key)?;
            }
            for key in &matching {
                tables.remove(key)?;
            }
            Ok(matching.len())
        })
    }

    fn close(self: &Arc<Self>) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let Some(database) = self.database_slot().take() else {
                return Ok(());
            };
            self.snapshots.close();
            let inner = Arc::clone(self);
            // The file (and its lock) is released when `database` drops here, or when the
            // last operation still running on it ends.
            on_pool(Self::TASK_FAILED, move || {
                inner
                    .flush_uses(&database)
                    .map_err(Failure::into_store_error)
            })
            .await
        })
    }
}

/// The length of the body `digest` names, as the `usize` it was stored from.
fn body_len(digest: BodyDigest) -> usize {
    usize::try_from(digest.len()).unwrap_or(usize::MAX)
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone. A kept snapshot would keep the file open past the
        // database: retire it first. Then write the uses read since the last write (redb's
        // own drop syncs the file too).
        self.snapshots.close();
        let database = self.database_slot().take();
        if let Some(db) = database
            && let Err(err) = self.flush_uses(&db)
        {
            tracing::debug!(error = ?err, "writing the uses of redb cache entries failed");
        }
    }
}
