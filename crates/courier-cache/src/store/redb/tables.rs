//! The tables of a [`RedbStore`](super::RedbStore) file, and the writes that keep them
//! consistent with each other.
//!
//! | table | key | value |
//! |---|---|---|
//! | `metadata` | entry key | detached entry frame ([`encode_detached`]) naming its body by a [`BodyDigest`] |
//! | `bodies` | entry key | body bytes |
//! | `records` | entry key | `(last use tick, deadline in ns since the epoch, priority byte, size)` |
//! | `by_last_use` | `(last use tick, entry key)` | `()`: least recently used first |
//! | `by_deadline` | `(deadline in ns since the epoch, entry key)` | `()`: entries with a deadline, soonest first |
//! | `stats` | name | `u64`: `total_bytes`, `layout` |
//!
//! The frame is the authority on an entry (it is checksummed and checked on every read); a
//! record is its index row, so eviction, [`exists`](crate::store::CacheStore::exists) and
//! [`clean`](crate::store::CacheStore::clean) never decode frames. The record also keeps the
//! size the entry was counted with, so removing an entry whose values were damaged on disk
//! (a different length) still takes exactly that off the running total.
//!
//! [`encode_detached`]: crate::entry::encoding::encode_detached
//! [`BodyDigest`]: crate::entry::encoding::BodyDigest

use std::time::{SystemTime, UNIX_EPOCH};

use redb::{ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction};

use super::failure::Failure;
use crate::entry::Priority;
use crate::store::{StoreError, StoreErrorKind};

/// Entry key → detached metadata frame.
pub(super) const METADATA: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("metadata");
/// Entry key → body bytes.
pub(super) const BODIES: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("bodies");
/// Entry key → [`RecordRow`].
pub(super) const RECORDS: TableDefinition<'static, &str, RecordRow> =
    TableDefinition::new("records");
/// `(last use tick, key)`: the eviction order.
pub(super) const BY_LAST_USE: TableDefinition<'static, (u64, &str), ()> =
    TableDefinition::new("by_last_use");
/// `(deadline, key)` for entries with a deadline: what `clean(expired)` ranges over.
pub(super) const BY_DEADLINE: TableDefinition<'static, (i128, &str), ()> =
    TableDefinition::new("by_deadline");
/// Store-wide numbers.
pub(super) const STATS: TableDefinition<'static, &str, u64> = TableDefinition::new("stats");

/// `stats` row: the sum of [`entry_size`] over the stored entries.
const TOTAL_BYTES: &str = "total_bytes";
/// `stats` row: the table layout this file was written with.
const LAYOUT: &str = "layout";
/// The table layout this build writes and reads.
pub(super) const LAYOUT_VERSION: u64 = 1;

/// A record as stored: `(last use tick, deadline, priority byte, size)`.
pub(super) type RecordRow = (u64, Option<i128>, u8, u64);

/// An entry's index row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Record {
    /// When the entry was last written or read, on the store's use clock.
    pub(super) last_use: u64,
    /// The deletion deadline, in nanoseconds since the Unix epoch.
    pub(super) deadline: Option<i128>,
    pub(super) priority: Priority,
    /// What the entry counts towards the total ([`entry_size`]).
    pub(super) size: u64,
}

impl Record {
    pub(super) fn new(
        last_use: u64,
        expires_at: Option<SystemTime>,
        priority: Priority,
        size: u64,
    ) -> Self {
        Record {
            last_use,
            deadline: expires_at.map(nanos_since_epoch),
            priority,
            size,
        }
    }

    fn to_row(self) -> RecordRow {
        (
            self.last_use,
            self.deadline,
            self.priority.as_u8(),
            self.size,
        )
    }

    /// The record of `row`, unless its priority byte is not one.
    pub(super) fn from_row((last_use, deadline, priority, size): RecordRow) -> Option<Self> {
        Some(Record {
            last_use,
            deadline,
            priority: Priority::from_u8(priority)?,
            size,
        })
    }
}

/// Whether a row's deadline has passed at `now` (`deadline <= now`).
pub(super) fn is_expired((_, deadline, _, _): RecordRow, now: SystemTime) -> bool {
    deadline.is_some_and(|deadline| deadline <= nanos_since_epoch(now))
}

/// `time` as signed nanoseconds since the Unix epoch: exact for every time a deadline can
/// sensibly hold, and ordered like the times.
pub(super) fn nanos_since_epoch(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |n| -n),
    }
}

/// What an entry counts towards the size cap: its key, metadata frame and body, as stored
/// (redb's own page overhead is not counted).
pub(super) fn entry_size(key: &str, frame_len: usize, body_len: usize) -> u64 {
    (key.len() + frame_len + body_len) as u64
}

/// A table from entry keys to bytes (`metadata`, `bodies`) in a write transaction.
pub(super) type EntryTable<'txn> = Table<'txn, &'static str, &'static [u8]>;

/// The tables of one write transaction, each opened on first use (opening a table is a
/// lookup and, at commit, a root to write back: a write opens only what it touches), with
/// the running total.
pub(super) struct Tables<'txn> {
    txn: &'txn WriteTransaction,
    metadata: Option<EntryTable<'txn>>,
    bodies: Option<EntryTable<'txn>>,
    records: Option<Table<'txn, &'static str, RecordRow>>,
    by_last_use: Option<Table<'txn, (u64, &'static str), ()>>,
    by_deadline: Option<Table<'txn, (i128, &'static str), ()>>,
    total_bytes: u64,
    total_changed: bool,
}

/// The table in `slot`, opened in `txn` first if it is not yet.
fn opened<'s, 'txn, K: redb::Key + 'static, V: redb::Value + 'static>(
    slot: &'s mut Option<Table<'txn, K, V>>,
    txn: &'txn WriteTransaction,
    definition: TableDefinition<'_, K, V>,
) -> Result<&'s mut Table<'txn, K, V>, Failure> {
    Ok(match slot {
        Some(table) => table,
        None => slot.insert(txn.open_table(definition)?),
    })
}

impl<'txn> Tables<'txn> {
    /// The tables of `txn`, with `total_bytes` the running total as of the last commit.
    pub(super) fn new(txn: &'txn WriteTransaction, total_bytes: u64) -> Self {
        Tables {
            txn,
            metadata: None,
            bodies: None,
            records: None,
            by_last_use: None,
            by_deadline: None,
            total_bytes,
            total_changed: false,
        }
    }

    pub(super) fn metadata(&mut self) -> Result<&mut EntryTable<'txn>, Failure> {
        opened(&mut self.metadata, self.txn, METADATA)
    }

    pub(super) fn bodies(
        &mut self,
    ) -> Result<&mut Table<'txn, &'static str, &'static [u8]>, Failure> {
        opened(&mut self.bodies, self.txn, BODIES)
    }

    /// Both entry tables at once, for reading an entry back.
    pub(super) fn metadata_and_bodies(
        &mut self,
    ) -> Result<(&EntryTable<'txn>, &EntryTable<'txn>), Failure> {
        let metadata = opened(&mut self.metadata, self.txn, METADATA)?;
        let bodies = opened(&mut self.bodies, self.txn, BODIES)?;
        Ok((metadata, bodies))
    }

    pub(super) fn records(&mut self) -> Result<&mut Table<'txn, &'static str, RecordRow>, Failure> {
        opened(&mut self.records, self.txn, RECORDS)
    }

    pub(super) fn by_last_use(
        &mut self,
    ) -> Result<&mut Table<'txn, (u64, &'static str), ()>, Failure> {
        opened(&mut self.by_last_use, self.txn, BY_LAST_USE)
    }

    pub(super) fn by_deadline(
        &mut self,
    ) -> Result<&mut Table<'txn, (i128, &'static str), ()>, Failure> {
        opened(&mut self.by_deadline, self.txn, BY_DEADLINE)
    }

    /// Readies a file just opened: creates the tables of a new file, checks (or writes) the
    /// layout version, loads the running total and evicts down to `max_bytes` (the cap may
    /// have shrunk since the last run). Returns the tables and the latest use tick, where
    /// the use clock resumes.
    pub(super) fn prepare(
        txn: &'txn WriteTransaction,
        max_bytes: u64,
    ) -> Result<(Self, u64), Failure> {
        let total_bytes = {
            let mut stats = txn.open_table(STATS)?;
            let layout = stats.get(LAYOUT)?.map(|row| row.value());
            match layout {
                None => {
                    stats.insert(LAYOUT, LAYOUT_VERSION)?;
                }
                Some(LAYOUT_VERSION) => {}
                Some(other) => {
                    return Err(StoreError::new(
                        StoreErrorKind::Corrupt,
                        format!(
                            "the redb file has table layout {other}; this build reads layout {LAYOUT_VERSION}"
                        ),
                    )
                    .into());
                }
            }
            stats.get(TOTAL_BYTES)?.map_or(0, |row| row.value())
        };
        let mut tables = Tables::new(txn, total_bytes);
        // Creates every table, so read transactions find them all.
        tables.metadata()?;
        tables.bodies()?;
        tables.records()?;
        tables.by_deadline()?;
        tables.evict(max_bytes, None)?;
        let last = tables.by_last_use()?.last()?;
        let last_tick = last.map_or(0, |(order, _)| order.value().0);
        Ok((tables, last_tick))
    }

    /// The sum of [`entry_size`] over the stored entries.
    pub(super) fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Writes the running total back, if it changed; call before committing. Returns it.
    pub(super) fn finish(self) -> Result<u64, Failure> {
        if self.total_changed {
            self.txn
                .open_table(STATS)?
                .insert(TOTAL_BYTES, self.total_bytes)?;
        }
        Ok(self.total_bytes)
    }

    fn account(&mut self, added: u64, removed: u64) {
        if added != removed {
            self.total_bytes = self
                .total_bytes
                .saturating_add(added)
                .saturating_sub(removed);
            self.total_changed = true;
        }
    }

    /// Stores an entry under `key`, replacing whatever was there. `record.size` must be the
    /// [`entry_size`] of `frame` and `body`.
    pub(super) fn insert(
        &mut self,
        key: &str,
        frame: &[u8],
        body: &[u8],
        record: Record,
    ) -> Result<(), Failure> {
        self.write(key, frame, Some(body), record)
    }

    /// Replaces the metadata frame and record of `key`, leaving its body alone.
    /// `record.size` must count `frame` and the body as it was written.
    pub(super) fn replace_metadata(
        &mut self,
        key: &str,
        frame: &[u8],
        record: Record,
    ) -> Result<(), Failure> {
        self.write(key, frame, None, record)
    }

    /// Writes the frame, the body (when given) and the record of `key`, and moves its index
    /// rows and the byte count from what they replace.
    fn write(
        &mut self,
        key: &str,
        frame: &[u8],
        body: Option<&[u8]>,
        record: Record,
    ) -> Result<(), Failure> {
        let old_frame = self
            .metadata()?
            .insert(key, frame)?
            .map(|old| old.value().len());
        let old_body = match body {
            Some(body) => self
                .bodies()?
                .insert(key, body)?
                .map(|old| old.value().len()),
            None => None,
        };
        let old_record = self
            .records()?
            .insert(key, record.to_row())?
            .map(|old| old.value());
        self.reindex(key, old_record, Some(record))?;
        self.account(
            record.size,
            counted_size(key, old_record, old_frame, old_body),
        );
        Ok(())
    }

    /// Removes every row of `key`; returns whether there was any.
    pub(super) fn remove(&mut self, key: &str) -> Result<bool, Failure> {
        let old_frame = self.metadata()?.remove(key)?.map(|old| old.value().len());
        let old_body = self.bodies()?.remove(key)?.map(|old| old.value().len());
        let old_record = self.records()?.remove(key)?.map(|old| old.value());
        self.reindex(key, old_record, None)?;
        self.account(0, counted_size(key, old_record, old_frame, old_body));
        Ok(old_frame.is_some() || old_body.is_some() || old_record.is_some())
    }

    /// Removes every entry; returns how many there were.
    pub(super) fn remove_all(&mut self) -> Result<usize, Failure> {
        let count = usize::try_from(self.metadata()?.len()?).unwrap_or(usize::MAX);
        self.metadata()?.retain(|_, _| false)?;
        self.bodies()?.retain(|_, _| false)?;
        self.records()?.retain(|_, _| false)?;
        self.by_last_use()?.retain(|_, _| false)?;
        self.by_deadline()?.retain(|_, _| false)?;
        let total = self.total_bytes;
        self.account(0, total);
        Ok(count)
    }

    /// Moves `key` to `tick` in the eviction order, if it is stored and was last used
    /// before.
    pub(super) fn record_use(&mut self, key: &str, tick: u64) -> Result<(), Failure> {
        let Some(row) = self.records()?.get(key)?.map(|row| row.value()) else {
            return Ok(());
        };
        let (last_use, deadline, priority, size) = row;
        if last_use >= tick {
            return Ok(());
        }
        let by_last_use = self.by_last_use()?;
        by_last_use.remove((last_use, key))?;
        by_last_use.insert((tick, key), ())?;
        self.records()?
            .insert(key, (tick, deadline, priority, size))?;
        Ok(())
    }

    /// Moves `key`'s rows in the orders from where `old` put them to where `new` does,
    /// touching only the rows that change (an overwrite usually keeps its deadline).
    fn reindex(
        &mut self,
        key: &str,
        old: Option<RecordRow>,
        new: Option<Record>,
    ) -> Result<(), Failure> {
        let old_last_use = old.map(|(last_use, ..)| last_use);
        let new_last_use = new.map(|record| record.last_use);
        if old_last_use != new_last_use {
            let by_last_use = self.by_last_use()?;
            if let Some(last_use) = old_last_use {
                by_last_use.remove((last_use, key))?;
            }
            if let Some(last_use) = new_last_use {
                by_last_use.insert((last_use, key), ())?;
            }
        }
        let old_deadline = old.and_then(|(_, deadline, ..)| deadline);
        let new_deadline = new.and_then(|record| record.deadline);
        if old_deadline != new_deadline {
            let by_deadline = self.by_deadline()?;
            if let Some(deadline) = old_deadline {
                by_deadline.remove((deadline, key))?;
            }
            if let Some(deadline) = new_deadline {
                by_deadline.insert((deadline, key), ())?;
            }
        }
        Ok(())
    }
}

/// What a stored entry was counted with: its record's size, or, for rows without a record
/// (written by something else), their lengths.
fn counted_size(
    key: &str,
    record: Option<RecordRow>,
    frame_len: Option<usize>,
    body_len: Option<usize>,
) -> u64 {
    match record {
        Some((_, _, _, size)) => size,
        None => {
            frame_len.map_or(0, |len| entry_size(key, len, 0))
                + body_len.map_or(0, |len| len as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn nanos_are_ordered_like_times_around_the_epoch() {
        let times = [
            UNIX_EPOCH - Duration::from_secs(1),
            UNIX_EPOCH - Duration::from_nanos(1),
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_nanos(1),
            UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000),
        ];
        let nanos: Vec<i128> = times.iter().map(|t| nanos_since_epoch(*t)).collect();
        assert!(nanos.windows(2).all(|w| w[0] < w[1]), "{nanos:?}");
        assert_eq!(nanos[2], 0);
    }

    #[test]
    fn records_round_trip_and_reject_unknown_priorities() {
        let record = Record::new(7, Some(UNIX_EPOCH), Priority::High, 42);
        assert_eq!(Record::from_row(record.to_row()), Some(record));
        assert_eq!(Record::from_row((7, None, 9, 42)), None);
    }
}
