//! Reads of entries not yet written to the eviction order.
//!
//! # Why reads do not write
//!
//! Recording each use as it happens would turn every cache hit into a write transaction: a
//! commit (an `fsync`, hundreds of microseconds against a few for the read) that also waits
//! for, and blocks, every other writer. Instead a hit notes `key → tick` here, in memory; the
//! notes are written into the `records` and `by_last_use` tables by the next write
//! transaction of any kind (so eviction, which runs in one, always sees them), or in a batch
//! of their own once [`FLUSH_AT`] distinct keys wait, and on close and drop. A key read a
//! thousand times between two writes costs one index update. What a crash loses is the
//! order of the reads since the last write: eviction then picks a slightly wrong victim,
//! never a wrong entry.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How many distinct keys may wait before a read writes them itself.
pub(super) const FLUSH_AT: usize = 256;

/// Uses noted since the last write: key → tick of the latest use.
#[derive(Debug, Default)]
pub(super) struct PendingUses {
    keys: Mutex<HashMap<String, u64>>,
}

impl PendingUses {
    fn keys(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        // A map insert cannot leave the map half-changed; a poisoned lock is still usable.
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes a use of `key` at `tick`; returns whether enough wait that they should be
    /// written now.
    pub(super) fn note(&self, key: &str, tick: u64) -> bool {
        let mut keys = self.keys();
        match keys.get_mut(key) {
            Some(latest) => *latest = (*latest).max(tick),
            None => {
                keys.insert(key.to_owned(), tick);
            }
        }
        keys.len() >= FLUSH_AT
    }

    /// Takes every waiting use.
    pub(super) fn take(&self) -> HashMap<String, u64> {
        std::mem::take(&mut *self.keys())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_tick_per_key_and_asks_for_a_flush_when_full() {
        let uses = PendingUses::default();
        assert!(!uses.note("a", 5));
        assert!(!uses.note("a", 3));
        assert_eq!(uses.take(), HashMap::from([("a".to_owned(), 5)]));
        assert!(uses.is_empty());
        let full = (0..FLUSH_AT).map(|i| uses.note(&i.to_string(), 1)).last();
        assert_eq!(full, Some(true));
    }
}
