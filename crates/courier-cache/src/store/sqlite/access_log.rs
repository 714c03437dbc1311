//! Last-access times, throttled and recorded in batches.
//!
//! # Why throttled and batched
//!
//! Least-recently-used eviction needs each entry's last use, but writing it on every `get`
//! would turn every hit into a write transaction: a log append, a lock that other processes
//! wait for, and several times the cost of the read itself (measured: moving an entry in
//! the `last_access` index writes two or three pages). So:
//!
//! - **Throttled**: a hit on an entry whose recorded last use is less than
//!   [`RESOLUTION`] old records nothing. Such an entry is already among the most recently
//!   used; recency is kept to the minute, which is plenty for a cache whose entries live
//!   for hours. A hot entry costs one write a minute at most, however often it is read.
//!   Overwriting or freshening an entry follows the same rule (its `last_access` index
//!   entry then stays where it is, a write of two or three pages fewer).
//! - **Batched**: other hits only note the time in memory, and the notes are written:
//!
//! - at the start of every write transaction this store makes anyway (`set`, `delete`,
//!   ...), in the same transaction, so eviction in this process always sees every access
//!   made in this process: its LRU order is exact;
//! - when [`FLUSH_AFTER_ACCESSES`] distinct keys are pending or the oldest note is
//!   [`FLUSH_AFTER`] old, by the `get` that notices (only if the writer is free; a busy
//!   writer flushes them at its next transaction anyway);
//! - when the store is closed or dropped.
//!
//! Other processes sharing the file see this process's accesses at most a minute (or
//! [`FLUSH_AFTER_ACCESSES`] hits) late, so their evictions are approximately LRU. A crash
//! loses at most that much recency, never an entry.
//!
//! Times are wall-clock nanoseconds, made strictly increasing within the process, so that
//! entries written or read one after the other are ordered even on a coarse clock, and
//! processes agree on the order up to their clocks' skew. They are never compared with
//! the `now` the caller passes (which decides expiry and may be a test's virtual time).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::Transaction;

use super::error::SqliteContext;
use super::row::unix_nanos;
use crate::store::StoreError;

/// How stale a recorded last use must be for a hit (or a write) to record a new one.
pub(super) const RESOLUTION: Duration = Duration::from_secs(60);
/// [`RESOLUTION`] in nanoseconds, the unit of `last_access`.
pub(super) const RESOLUTION_NANOS: i64 = RESOLUTION.as_secs() as i64 * 1_000_000_000;

/// Whether a use at `stamp` should be recorded over the recorded `last_access`.
pub(super) fn is_news(last_access: i64, stamp: i64) -> bool {
    stamp.saturating_sub(last_access) >= RESOLUTION_NANOS
}
/// Pending distinct keys that make a `get` flush.
pub(super) const FLUSH_AFTER_ACCESSES: usize = 64;
/// The age of the oldest pending note that makes a `get` flush.
pub(super) const FLUSH_AFTER: Duration = Duration::from_secs(60);
/// Pending keys past which a `get` waits for a busy writer to flush (bounds the memory).
const FLUSH_BLOCKING_AFTER: usize = 16 * FLUSH_AFTER_ACCESSES;

/// The accesses not yet written, and the clock that stamps them.
#[derive(Default)]
pub(super) struct AccessLog {
    pending: Mutex<Pending>,
    last_stamp: AtomicI64,
}

#[derive(Default)]
struct Pending {
    stamps: HashMap<String, i64>,
    since: Option<Instant>,
}

/// Whether a `get` should write the pending accesses now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flush {
    /// Not yet.
    No,
    /// If the writer is free.
    IfIdle,
    /// Even if it means waiting for the writer.
    Now,
}

impl AccessLog {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        // Holders only insert into or swap the map.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A stamp for an access happening now: wall-clock nanoseconds, above every stamp this
    /// log has given.
    pub(super) fn stamp(&self) -> i64 {
        let wall = unix_nanos(SystemTime::now());
        let mut last = self.last_stamp.load(Ordering::Relaxed);
        loop {
            let next = wall.max(last.saturating_add(1));
            match self.last_stamp.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(current) => last = current,
            }
        }
    }

    /// Notes an access now to `key`, whose recorded last use is `last_access`, unless that
    /// is recent; says whether the caller should flush.
    pub(super) fn record(&self, key: &str, last_access: i64) -> Flush {
        if !is_news(last_access, unix_nanos(SystemTime::now())) {
            return Flush::No;
        }
        let stamp = self.stamp();
        let mut pending = self.pending();
        match pending.stamps.get_mut(key) {
            Some(existing) => *existing = stamp,
            None => {
                pending.stamps.insert(key.to_owned(), stamp);
            }
        }
        let since = *pending.since.get_or_insert_with(Instant::now);
        if pending.stamps.len() >= FLUSH_BLOCKING_AFTER {
            Flush::Now
        } else if pending.stamps.len() >= FLUSH_AFTER_ACCESSES || since.elapsed() >= FLUSH_AFTER {
            Flush::IfIdle
        } else {
            Flush::No
        }
    }

    /// Writes the pending accesses in `tx` (they are dropped if `tx` rolls back: recency
    /// is a hint).
    pub(super) fn flush(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let stamps = {
            let mut pending = self.pending();
            if pending.stamps.is_empty() {
                return Ok(());
            }
            pending.since = None;
            std::mem::take(&mut pending.stamps)
        };
        let doing = "recording last access times";
        let mut touch = tx
            .prepare_cached(
                "UPDATE entries SET last_access = ?2 WHERE key = ?1 AND last_access < ?2",
            )
            .doing(doing)?;
        for (key, stamp) in &stamps {
            touch.execute((key, stamp)).doing(doing)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_strictly_increase() {
        let log = AccessLog::default();
        let stamps: Vec<i64> = (0..1000).map(|_| log.stamp()).collect();
        assert!(stamps.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn asks_for_a_flush_after_enough_keys() {
        let log = AccessLog::default();
        for i in 0..FLUSH_AFTER_ACCESSES - 1 {
            assert_eq!(log.record(&format!("k{i}"), 0), Flush::No);
        }
        assert_eq!(
            log.record("k0", 0),
            Flush::No,
            "a repeated key adds nothing"
        );
        assert_eq!(log.record("last", 0), Flush::IfIdle);
        assert_eq!(log.pending().stamps.len(), FLUSH_AFTER_ACCESSES);
    }

    #[test]
    fn recent_uses_are_not_recorded() {
        let log = AccessLog::default();
        let recent = unix_nanos(SystemTime::now() - RESOLUTION / 2);
        let old = unix_nanos(SystemTime::now() - RESOLUTION * 2);
        log.record("recent", recent);
        log.record("old", old);
        let pending = log.pending();
        assert!(pending.stamps.contains_key("old"));
        assert!(!pending.stamps.contains_key("recent"));
    }
}
