//! Which entries [`clean`](crate::store::CacheStore::clean) removes, found from the index.
//!
//! `only_expired` ranges over `by_deadline` up to `now`, so cleaning expired entries reads
//! only those. A priority condition alone scans the fixed-size `records` rows (never the
//! frames): with three priorities, an index on them would save at most part of a rare scan
//! and cost every write one more table.

use std::time::SystemTime;

use redb::ReadableTable;

use super::failure::Failure;
use super::tables::{self, Record, Tables};
use crate::store::CleanFilter;

impl Tables<'_> {
    /// The keys of the entries `filter` selects at `now`.
    pub(super) fn select(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> Result<Vec<String>, Failure> {
        let mut selected = Vec::new();
        if filter.only_expired {
            // Deadlines up to and including `now`: every key sorts after `(now + 1 ns, "")`'s
            // predecessors, so the exclusive bound `(now + 1 ns, "")` ends the range.
            let now = tables::nanos_since_epoch(now);
            let rows = match now.checked_add(1) {
                Some(after) => self.by_deadline.range::<(i128, &str)>(..(after, ""))?,
                None => self.by_deadline.range::<(i128, &str)>(..)?,
            };
            for row in rows {
                let (order, _) = row?;
                let (_, key) = order.value();
                if self.priority_selected(key, filter)? {
                    selected.push(key.to_owned());
                }
            }
        } else {
            for row in self.records.iter()? {
                let (key, record) = row?;
                if selects_priority(filter, Record::from_row(record.value())) {
                    selected.push(key.value().to_owned());
                }
            }
        }
        Ok(selected)
    }

    fn priority_selected(&self, key: &str, filter: CleanFilter) -> Result<bool, Failure> {
        if filter.priority_at_most.is_none() {
            return Ok(true);
        }
        let record = self.records.get(key)?.map(|row| row.value());
        Ok(selects_priority(filter, record.and_then(Record::from_row)))
    }
}

/// Whether `filter`'s priority condition holds; a record that does not read (an unknown
/// priority byte) is selected, since it is damaged anyway.
fn selects_priority(filter: CleanFilter, record: Option<Record>) -> bool {
    match (filter.priority_at_most, record) {
        (None, _) | (_, None) => true,
        (Some(max), Some(record)) => record.priority <= max,
    }
}
