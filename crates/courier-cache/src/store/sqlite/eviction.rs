//! Least-recently-used eviction down to the size cap.
//!
//! Runs inside the write transaction that grew the store, after the pending accesses were
//! written (see `access_log`), so the order it evicts in is this process's exact LRU order.
//! The total comes from `totals.bytes` (kept by triggers), and victims are read in
//! `last_access` order from its index, a batch at a time: eviction never scans the table.

use rusqlite::Transaction;

use super::error::SqliteContext;
use crate::store::StoreError;

/// Victims read per query.
const BATCH: i64 = 32;

/// The total size of the entries, in bytes.
pub(super) fn total_bytes(conn: &rusqlite::Connection) -> Result<u64, StoreError> {
    let bytes: i64 = conn
        .prepare_cached("SELECT bytes FROM totals WHERE id = 0")
        .and_then(|mut select| select.query_row([], |row| row.get(0)))
        .doing("reading the total size")?;
    Ok(u64::try_from(bytes).unwrap_or(0))
}

/// Deletes least recently used entries, never `keep`, until the total is at most
/// `max_bytes`; returns how many.
pub(super) fn evict(
    tx: &Transaction<'_>,
    max_bytes: u64,
    keep: Option<&str>,
) -> Result<usize, StoreError> {
    let doing = "evicting entries";
    let mut evicted = 0;
    loop {
        let total = total_bytes(tx)?;
        let Some(mut excess) = total.checked_sub(max_bytes).filter(|excess| *excess > 0) else {
            return Ok(evicted);
        };
        let victims: Vec<(i64, i64)> = tx
            .prepare_cached(
                "SELECT rowid, size FROM entries WHERE key IS NOT ?1
                 ORDER BY last_access LIMIT ?2",
            )
            .and_then(|mut select| {
                select
                    .query_map((keep, BATCH), |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .doing(doing)?;
        if victims.is_empty() {
            return Ok(evicted);
        }
        let mut delete = tx
            .prepare_cached("DELETE FROM entries WHERE rowid = ?1")
            .doing(doing)?;
        for (rowid, size) in victims {
            evicted += delete.execute([rowid]).doing(doing)?;
            excess = excess.saturating_sub(u64::try_from(size).unwrap_or(0));
            if excess == 0 {
                return Ok(evicted);
            }
        }
    }
}
