//! The store's connections: one writer and a few readers, each behind a std mutex.
//!
//! # Why one writer and several readers
//!
//! SQLite lets one connection write at a time, and in WAL mode readers never wait for it.
//! One writer behind a mutex queues this process's writes in the mutex, where waiting
//! costs nothing; several writer connections would queue them in SQLite's busy handler,
//! which sleeps and retries (it stays the arbiter between processes). Readers are a small
//! pool so that concurrent `get`s run in parallel on the blocking pool instead of waiting
//! for one connection (measured in `benches/store_sqlite.rs`). With no readers configured,
//! reads share the writer.
//!
//! After [`ConnectionPool::close`] every slot is empty, and taking one fails with
//! [`StoreErrorKind::Closed`](crate::store::StoreErrorKind::Closed).

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::error::SqliteContext;
use super::schema;
use super::url_match::UrlFilter;
use crate::store::{StoreError, StoreErrorKind};

/// Prepared statements kept per connection: every statement the store runs, with room.
const STATEMENT_CACHE: usize = 32;
/// The size the write-ahead log is truncated to after a checkpoint: a burst of large writes
/// does not leave a large `-wal` file behind.
const JOURNAL_SIZE_LIMIT: i64 = 32 * 1024 * 1024;

/// Bytes of the file each connection reads through a memory map instead of `read` calls:
/// a body spanning many pages is then copied once instead of once per page through the
/// kernel (measured: a 100 KiB read in about half the time). Address space only; 32-bit
/// targets, which have little of it, read as usual.
const MMAP_SIZE: i64 = if cfg!(target_pointer_width = "64") {
    256 * 1024 * 1024
} else {
    0
};

/// One open connection and the slot its URL filter function reads.
pub(super) struct Handle {
    conn: Connection,
    url_filter: UrlFilter,
}

impl Handle {
    pub(super) fn url_filter(&self) -> &UrlFilter {
        &self.url_filter
    }

    /// The connection, to start a transaction on, and the filter slot beside it.
    pub(super) fn split(&mut self) -> (&mut Connection, &UrlFilter) {
        (&mut self.conn, &self.url_filter)
    }
}

impl Deref for Handle {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for Handle {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

type Slot = Mutex<Option<Handle>>;

/// A locked connection; derefs to the [`Handle`].
pub(super) struct Lease<'a>(MutexGuard<'a, Option<Handle>>);

impl Deref for Lease<'_> {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        // A lease is only made of a filled slot (see `lease`).
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("lease of an empty slot"))
    }
}

impl DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Handle {
        self.0
            .as_mut()
            .unwrap_or_else(|| unreachable!("lease of an empty slot"))
    }
}

fn lease(guard: MutexGuard<'_, Option<Handle>>) -> Result<Lease<'_>, StoreError> {
    if guard.is_some() {
        Ok(Lease(guard))
    } else {
        Err(StoreError::closed())
    }
}

fn lock(slot: &Slot) -> MutexGuard<'_, Option<Handle>> {
    // A panic while a connection was leased unwound its transaction (rusqlite rolls back on
    // drop), so the connection is still usable.
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The writer and the readers of one database file.
pub(super) struct ConnectionPool {
    writer: Slot,
    readers: Vec<Slot>,
    next_reader: AtomicUsize,
}

/// How connections are opened.
pub(super) struct ConnectionOptions {
    pub(super) busy_timeout: Duration,
    pub(super) readers: usize,
}

impl ConnectionPool {
    /// Opens `path` (creating it and its directory if needed), checks or creates the
    /// schema, and opens the readers.
    pub(super) fn open(path: &Path, options: &ConnectionOptions) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                StoreError::with_source(
                    StoreErrorKind::Io,
                    format!("creating the directory of {}", path.display()),
                    err,
                )
            })?;
        }
        let mut writer = connect(path, options).map_err(|err| schema::not_a_database(path, err))?;
        // Nothing is written before the file is known to be ours (or empty).
        if schema::check(&writer, path)? {
            // Lets `clean` give freed pages back to the file system; only settable before
            // the first table exists.
            writer
                .pragma_update(None, "auto_vacuum", "INCREMENTAL")
                .doing("setting up a new database")?;
        }
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .doing("switching to WAL mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::new(
                StoreErrorKind::Backend,
                format!(
                    "{} cannot use write-ahead logging (journal mode {mode})",
                    path.display()
                ),
            ));
        }
        schema::migrate(&mut writer, path)?;
        let readers = (0..options.readers)
            .map(|_| {
                let reader = connect(path, options)?;
                reader
                    .pragma_update(None, "query_only", true)
                    .doing("opening a reader")?;
                Ok(Mutex::new(Some(reader)))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(ConnectionPool {
            writer: Mutex::new(Some(writer)),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The writer, once the other users of it in this process are done.
    pub(super) fn writer(&self) -> Result<Lease<'_>, StoreError> {
        lease(lock(&self.writer))
    }

    /// The writer if nobody in this process holds it; `Ok(None)` if somebody does.
    pub(super) fn try_writer(&self) -> Result<Option<Lease<'_>>, StoreError> {
        match self.writer.try_lock() {
            Ok(guard) => lease(guard).map(Some),
            Err(TryLockError::Poisoned(poisoned)) => lease(poisoned.into_inner()).map(Some),
            Err(TryLockError::WouldBlock) => Ok(None),
        }
    }

    /// A reader: the first free one from a rotating start, or the writer when there are
    /// no readers.
    pub(super) fn reader(&self) -> Result<Lease<'_>, StoreError> {
        let count = self.readers.len();
        if count == 0 {
            return self.writer();
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed) % count;
        for offset in 0..count {
            match self.readers[(start + offset) % count].try_lock() {
                Ok(guard) => return lease(guard),
                Err(TryLockError::Poisoned(poisoned)) => return lease(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        lease(lock(&self.readers[start]))
    }

    /// Closes every connection, waiting for the ones in use.
    pub(super) fn close(&self) {
        for reader in &self.readers {
            lock(reader).take();
        }
        lock(&self.writer).take();
    }
}

/// One connection to `path` with the store's settings and functions.
fn connect(path: &Path, options: &ConnectionOptions) -> Result<Handle, StoreError> {
    let doing = "opening the database";
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).doing(doing)?;
    conn.busy_timeout(options.busy_timeout).doing(doing)?;
    // A commit is durable once the log is synced at a checkpoint, not at every commit: a
    // power loss may drop the latest writes (a cache can lose them) but never corrupts.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .doing(doing)?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)
        .doing(doing)?;
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)
        .doing(doing)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let url_filter = UrlFilter::default();
    url_filter.register(&conn).doing(doing)?;
    Ok(Handle { conn, url_filter })
}
