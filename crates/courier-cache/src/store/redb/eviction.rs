//! Least-recently-used eviction under the total size cap.
//!
//! The `by_last_use` table is ordered by `(last use tick, key)`, so the victim is its first
//! row: finding it is O(log n) and never scans, and the running total in `stats` says when to
//! stop. Eviction runs inside the write transaction that made the store too big, so the
//! entry written and the entries it displaced commit together.

use redb::ReadableTable;

use super::failure::Failure;
use super::tables::Tables;

impl Tables<'_> {
    /// Removes least recently used entries, never `keep`, until the total is at most
    /// `max_bytes`; returns how many it removed.
    pub(super) fn evict(&mut self, max_bytes: u64, keep: Option<&str>) -> Result<usize, Failure> {
        let mut evicted = 0;
        while self.total_bytes() > max_bytes {
            let Some((last_use, key)) = self.least_recently_used(keep)? else {
                break;
            };
            let current = self.records()?.get(key.as_str())?.map(|row| row.value().0);
            if current == Some(last_use) {
                self.remove(&key)?;
                evicted += 1;
            } else {
                // An order row that no record points at: nothing to free, just drop it.
                self.by_last_use()?.remove((last_use, key.as_str()))?;
            }
        }
        Ok(evicted)
    }

    fn least_recently_used(
        &mut self,
        keep: Option<&str>,
    ) -> Result<Option<(u64, String)>, Failure> {
        for row in self.by_last_use()?.iter()? {
            let (order, _) = row?;
            let (last_use, key) = order.value();
            if Some(key) != keep {
                return Ok(Some((last_use, key.to_owned())));
            }
        }
        Ok(None)
    }
}
