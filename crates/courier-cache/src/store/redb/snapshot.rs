//! Read snapshots shared by reads until the next write.
//!
//! # Why
//!
//! A redb read transaction is a snapshot; beginning one and opening its tables costs more
//! than the lookups a hit then does (two table opens are most of a 1 KiB hit's work in the
//! engine). This store is the only writer of its file (redb locks the file), so a snapshot
//! is current until this store's next commit: reads share one, and every write invalidates
//! it after it commits (and before it begins, so the snapshot never keeps the write from
//! reusing pages).
//!
//! A read that starts after a write returned sees that write: the write bumps the
//! generation before it returns, and a snapshot is only reused under the generation it was
//! taken at (a snapshot taken while a write commits may be labelled older than its data,
//! which only makes it retire sooner). A read concurrent with a write may see the state
//! before or after it, as without sharing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use redb::{Database, ReadOnlyTable};

use super::failure::Failure;
use super::tables::{BODIES, METADATA, RECORDS, RecordRow};

/// The tables reads use, open in one read transaction.
pub(super) struct ReadTables {
    pub(super) metadata: ReadOnlyTable<&'static str, &'static [u8]>,
    pub(super) bodies: ReadOnlyTable<&'static str, &'static [u8]>,
    pub(super) records: ReadOnlyTable<&'static str, RecordRow>,
}

#[derive(Default)]
pub(super) struct Snapshots {
    /// Bumped by every commit.
    generation: AtomicU64,
    shared: Mutex<Shared>,
}

#[derive(Default)]
struct Shared {
    /// The snapshot and the generation it was taken at.
    current: Option<(u64, Arc<ReadTables>)>,
    /// Once closed, no snapshot is kept: a kept one would keep the file open.
    closed: bool,
}

impl Snapshots {
    fn shared(&self) -> MutexGuard<'_, Shared> {
        // Holds an `Option` swapped whole: a poisoned lock is still consistent.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A snapshot at least as new as the last write that returned.
    pub(super) fn current(&self, db: &Database) -> Result<Arc<ReadTables>, Failure> {
        let generation = self.generation.load(Ordering::Acquire);
        if let Some((taken_at, tables)) = &self.shared().current
            && *taken_at == generation
        {
            return Ok(Arc::clone(tables));
        }
        let txn = db.begin_read()?;
        let tables = Arc::new(ReadTables {
            metadata: txn.open_table(METADATA)?,
            bodies: txn.open_table(BODIES)?,
            records: txn.open_table(RECORDS)?,
        });
        let mut shared = self.shared();
        if !shared.closed && self.generation.load(Ordering::Acquire) == generation {
            // The one replaced, if any, drops after the lock is released.
            let _replaced = shared.current.replace((generation, Arc::clone(&tables)));
            drop(shared);
        }
        Ok(tables)
    }

    /// Retires the shared snapshot: called before a write begins and after it commits.
    pub(super) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let retired = self.shared().current.take();
        drop(retired);
    }

    /// Retires the shared snapshot for good.
    pub(super) fn close(&self) {
        let retired = {
            let mut shared = self.shared();
            shared.closed = true;
            shared.current.take()
        };
        drop(retired);
    }
}
