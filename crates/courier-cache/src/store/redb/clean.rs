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
        &mut self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> Result<Vec<String>, Failure> {
        if !filter.only_expired {
            let mut selected = Vec::new();
            for row in self.records()?.iter()? {
                let (key, record) = row?;
                if selects_priority(filter, Record::from_row(record.value())) {
                    selected.push(key.value().to_owned());
                }
            }
            return Ok(selected);
        }
        // Deadlines up to and including `now`: the exclusive bound `(now + 1 ns, "")` sorts
        // after every key of a deadline at `now`.
        let now = tables::nanos_since_epoch(now);
        let mut expired = Vec::new();
        let by_deadline = self.by_deadline()?;
        let rows = match now.checked_add(1) {
            Some(after) => by_deadline.range::<(i128, &str)>(..(after, ""))?,
            None => by_deadline.range::<(i128, &str)>(..)?,
        };
        for row in rows {
            let (order, _) = row?;
            expired.push(order.value().1.to_owned());
        }
        if filter.priority_at_most.is_none() {
            return Ok(expired);
        }
        let records = self.records()?;
        let mut selected = Vec::with_capacity(expired.len());
        for key in expired {
            let record = records.get(key.as_str())?.map(|row| row.value());
            if selects_priority(filter, record.and_then(Record::from_row)) {
                selected.push(key);
            }
        }
        Ok(selected)
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
