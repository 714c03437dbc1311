//! The statements over `entries` and `bodies`: each store operation's SQL, run on a
//! connection or transaction the store hands in.

use std::time::SystemTime;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, Transaction};

use super::access_log::is_news;
use super::error::SqliteContext;
use super::row::{NewRow, RowCodec, unix_nanos};
use super::url_match::{FUNCTION, UrlFilter};
use crate::entry::encoding::BodyDigest;
use crate::entry::{CacheEntry, EntryMetadata, Priority};
use crate::store::{CleanFilter, MatchFilter, StoreError};

/// A row as read, named precisely enough to delete it only if nobody rewrote it since.
pub(super) struct RowVersion {
    key: String,
    body_id: i64,
    /// The metadata column as read (not necessarily a blob: the row is unreadable).
    metadata: Value,
}

/// What reading a row found.
// Returned once per read and moved once: boxing the hit would cost every hit an allocation.
#[allow(clippy::large_enum_variant)]
pub(super) enum Read {
    /// A readable, unexpired entry, and when it was last used (as recorded).
    Hit(CacheEntry, i64),
    /// No row.
    Absent,
    /// A row to delete: unreadable, or expired.
    Discard(RowVersion),
}

/// `value`, owned, to compare the column with later.
fn owned(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(int) => Value::Integer(int),
        ValueRef::Real(real) => Value::Real(real),
        ValueRef::Text(text) => match std::str::from_utf8(text) {
            Ok(text) => Value::Text(text.to_owned()),
            Err(_) => Value::Blob(text.to_vec()),
        },
        ValueRef::Blob(blob) => Value::Blob(blob.to_vec()),
    }
}

/// The columns [`read_row`] reads, from its `first` column on.
const ENTRY_COLUMNS: &str = "e.metadata, e.body_id, e.last_access, b.data";
const ENTRY_JOIN: &str = "entries e LEFT JOIN bodies b ON b.id = e.body_id";
/// [`ENTRY_COLUMNS`] of one key (a literal: `get` looks it up in the statement cache).
const SELECT_BY_KEY: &str = "SELECT e.metadata, e.body_id, e.last_access, b.data
    FROM entries e LEFT JOIN bodies b ON b.id = e.body_id WHERE e.key = ?1";

/// Reads the entry under `key` from [`ENTRY_COLUMNS`] starting at column `first` of `row`.
fn read_row(
    codec: &RowCodec,
    key: &str,
    row: &Row<'_>,
    first: usize,
    now: SystemTime,
) -> rusqlite::Result<Read> {
    let stored = row.get_ref(first)?;
    let body_id: i64 = row.get(first + 1)?;
    let last_access: i64 = row.get(first + 2)?;
    let discard = || {
        Read::Discard(RowVersion {
            key: key.to_owned(),
            body_id,
            metadata: owned(stored),
        })
    };
    let ValueRef::Blob(stored_metadata) = stored else {
        return Ok(discard());
    };
    let Some((metadata, digest)) = codec.decode_metadata(key, stored_metadata) else {
        return Ok(discard());
    };
    if metadata.is_expired(now) {
        return Ok(discard());
    }
    // The body is only fetched (and, if it spans pages, assembled) for a live entry.
    let ValueRef::Blob(stored_body) = row.get_ref(first + 3)? else {
        return Ok(discard());
    };
    Ok(match codec.decode_body(&metadata, digest, stored_body) {
        Some(body) => Read::Hit(CacheEntry::new(metadata, body), last_access),
        None => discard(),
    })
}

/// The entry under `key`, as of `now`.
pub(super) fn read(
    conn: &Connection,
    codec: &RowCodec,
    key: &str,
    now: SystemTime,
) -> Result<Read, StoreError> {
    let mut select = conn
        .prepare_cached(SELECT_BY_KEY)
        .doing("reading an entry")?;
    let read = select
        .query_row([key], |row| read_row(codec, key, row, 0, now))
        .optional()
        .doing("reading an entry")?;
    Ok(read.unwrap_or(Read::Absent))
}

/// Whether an unexpired row is stored under `key` (from the index column, without
/// decoding it).
pub(super) fn exists(conn: &Connection, key: &str, now: SystemTime) -> Result<bool, StoreError> {
    let expires_at: Option<Option<i64>> = conn
        .prepare_cached("SELECT expires_at FROM entries WHERE key = ?1")
        .and_then(|mut select| select.query_row([key], |row| row.get(0)).optional())
        .doing("looking up an entry")?;
    let now = unix_nanos(now);
    Ok(expires_at.is_some_and(|deadline| deadline.is_none_or(|deadline| deadline > now)))
}

/// The unexpired entries whose URL `filter` matches, and the rows found unreadable.
pub(super) fn read_matching(
    conn: &Connection,
    url_filter: &UrlFilter,
    codec: &RowCodec,
    filter: &MatchFilter,
    now: SystemTime,
) -> Result<(Vec<CacheEntry>, Vec<RowVersion>), StoreError> {
    let doing = "reading matching entries";
    let _filter = url_filter.set(filter);
    let mut select = conn
        .prepare_cached(&format!(
            "SELECT e.key, {ENTRY_COLUMNS} FROM {ENTRY_JOIN}
             WHERE (e.expires_at IS NULL OR e.expires_at > ?1) AND {FUNCTION}(e.url)"
        ))
        .doing(doing)?;
    let mut rows = select.query([unix_nanos(now)]).doing(doing)?;
    let (mut hits, mut discards) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next().doing(doing)? {
        let key: String = row.get(0).doing(doing)?;
        let read = read_row(codec, &key, row, 1, now).doing(doing)?;
        match read {
            Read::Hit(entry, _) => hits.push(entry),
            Read::Discard(version) => discards.push(version),
            Read::Absent => {}
        }
    }
    Ok((hits, discards))
}

/// Stores `row` under its key, replacing any row there.
///
/// A replaced entry keeps its body row, overwritten in place: a new body row plus the
/// deletion of the old one would write more pages (measured: about three more per 1 KiB
/// write).
pub(super) fn insert(
    tx: &Transaction<'_>,
    row: &NewRow,
    last_access: i64,
) -> Result<(), StoreError> {
    let doing = "writing an entry";
    let existing: Option<(i64, i64)> = tx
        .prepare_cached("SELECT body_id, last_access FROM entries WHERE key = ?1")
        .and_then(|mut select| {
            select
                .query_row([&row.key], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .doing(doing)?;
    let overwritten = match existing {
        Some((body_id, _)) => {
            tx.prepare_cached("UPDATE bodies SET data = ?2 WHERE id = ?1")
                .and_then(|mut update| update.execute((body_id, &row.body[..])))
                .doing(doing)?
                > 0
        }
        None => false,
    };
    let body_id = match existing {
        Some((body_id, _)) if overwritten => body_id,
        // A new entry, or one whose body row went missing.
        _ => {
            tx.prepare_cached("INSERT INTO bodies (data) VALUES (?1)")
                .and_then(|mut insert| insert.execute([&row.body[..]]))
                .doing(doing)?;
            tx.last_insert_rowid()
        }
    };
    let sql = match existing {
        Some((_, recorded)) if is_news(recorded, last_access) => {
            "UPDATE entries SET url = ?2, metadata = ?3, body_id = ?4, size = ?5, priority = ?6,
                expires_at = ?7, last_access = ?8
             WHERE key = ?1"
        }
        // Used less than a minute ago: the `last_access` index entry stays put. (`?8`
        // keeps the parameters of the other statements.)
        Some(_) => {
            "UPDATE entries SET url = ?2, metadata = ?3, body_id = ?4, size = ?5, priority = ?6,
                expires_at = ?7
             WHERE key = ?1 AND ?8 IS NOT NULL"
        }
        None => {
            "INSERT INTO entries
                (key, url, metadata, body_id, size, priority, expires_at, last_access)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        }
    };
    tx.prepare_cached(sql)
        .and_then(|mut write| {
            write.execute((
                &row.key,
                &row.url,
                &row.metadata,
                body_id,
                row.size,
                row.priority,
                row.expires_at,
                last_access,
            ))
        })
        .doing(doing)?;
    Ok(())
}

/// Replaces the metadata under `metadata.key`, keeping its body row untouched; returns
/// whether there was a readable entry to update (an unreadable one is deleted).
pub(super) fn update_metadata(
    tx: &Transaction<'_>,
    codec: &RowCodec,
    mut metadata: EntryMetadata,
    last_access: i64,
) -> Result<bool, StoreError> {
    let doing = "updating entry metadata";
    // Decoded while the row is at hand, so the stored bytes are not copied out first.
    let stored: Option<(Option<(EntryMetadata, BodyDigest)>, i64)> = tx
        .prepare_cached("SELECT metadata, last_access FROM entries WHERE key = ?1")
        .and_then(|mut select| {
            select
                .query_row([&metadata.key], |row| {
                    let decoded = match row.get_ref(0)? {
                        ValueRef::Blob(bytes) => codec.decode_metadata(&metadata.key, bytes),
                        _ => None,
                    };
                    Ok((decoded, row.get(1)?))
                })
                .optional()
        })
        .doing(doing)?;
    let Some((decoded, recorded)) = stored else {
        return Ok(false);
    };
    let Some((old, digest)) = decoded else {
        delete(tx, &metadata.key)?;
        return Ok(false);
    };
    metadata.body_len = old.body_len;
    let key = metadata.key.clone();
    let new = codec.encode_metadata(metadata, digest)?;
    let sql = if is_news(recorded, last_access) {
        "UPDATE entries SET url = ?2, metadata = ?3, size = ?4, priority = ?5,
            expires_at = ?6, last_access = ?7
         WHERE key = ?1"
    } else {
        // Used less than a minute ago (see `set`).
        "UPDATE entries SET url = ?2, metadata = ?3, size = ?4, priority = ?5, expires_at = ?6
         WHERE key = ?1 AND ?7 IS NOT NULL"
    };
    tx.prepare_cached(sql)
        .and_then(|mut update| {
            update.execute((
                &key,
                &new.url,
                &new.metadata,
                new.size,
                new.priority,
                new.expires_at,
                last_access,
            ))
        })
        .doing(doing)?;
    Ok(true)
}

/// Deletes the row under `key`; returns whether there was one.
pub(super) fn delete(tx: &Transaction<'_>, key: &str) -> Result<bool, StoreError> {
    let deleted = tx
        .prepare_cached("DELETE FROM entries WHERE key = ?1")
        .and_then(|mut delete| delete.execute([key]))
        .doing("deleting an entry")?;
    Ok(deleted > 0)
}

/// Deletes the row `version` names, unless it was rewritten since it was read.
pub(super) fn delete_version(tx: &Transaction<'_>, version: &RowVersion) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM entries WHERE key = ?1 AND body_id = ?2 AND metadata = ?3")
        .and_then(|mut delete| delete.execute((&version.key, version.body_id, &version.metadata)))
        .doing("deleting an unreadable entry")?;
    Ok(())
}

/// `clean` by priority (`?1`, the highest removed).
const CLEAN: &str = "DELETE FROM entries WHERE priority <= ?1";
/// `clean` by priority (`?1`) of expired entries (deadline at most `?2`). The IN list lets
/// the `(priority, expires_at)` index range over deadlines within each priority.
const CLEAN_EXPIRED: &str = "DELETE FROM entries
    WHERE priority IN (0, 1, 2) AND priority <= ?1 AND expires_at <= ?2";

/// Deletes the rows `filter` selects at `now`; returns how many.
pub(super) fn clean(
    tx: &Transaction<'_>,
    filter: CleanFilter,
    now: SystemTime,
) -> Result<usize, StoreError> {
    let priority = filter.priority_at_most.unwrap_or(Priority::High).as_u8();
    let deleted = if filter.only_expired {
        tx.prepare_cached(CLEAN_EXPIRED)
            .and_then(|mut delete| delete.execute((priority, unix_nanos(now))))
    } else {
        tx.prepare_cached(CLEAN)
            .and_then(|mut delete| delete.execute([priority]))
    };
    deleted.doing("cleaning entries")
}

/// Deletes the rows whose URL `filter` matches; returns how many.
pub(super) fn delete_matching(
    tx: &Transaction<'_>,
    url_filter: &UrlFilter,
    filter: &MatchFilter,
) -> Result<usize, StoreError> {
    let _filter = url_filter.set(filter);
    tx.prepare_cached(&format!("DELETE FROM entries WHERE {FUNCTION}(url)"))
        .and_then(|mut delete| delete.execute([]))
        .doing("deleting matching entries")
}

/// Gives the pages freed by deletions back to the file system.
pub(super) fn release_free_pages(conn: &Connection) -> Result<(), StoreError> {
    // The pragma frees one page per step: step it to the end.
    conn.prepare_cached("PRAGMA incremental_vacuum")
        .and_then(|mut vacuum| {
            let mut rows = vacuum.query([])?;
            while rows.next()?.is_some() {}
            Ok(())
        })
        .doing("releasing free pages")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let params: Vec<i64> = (1..=explain.parameter_count() as i64).collect();
        let details: Vec<String> = explain
            .query_map(rusqlite::params_from_iter(params), |row| row.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        details.join("; ")
    }

    #[test]
    fn lookups_use_indexes() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        let clean_expired = plan(&conn, CLEAN_EXPIRED);
        assert!(
            clean_expired.contains("entries_clean (priority=? AND expires_at<?)"),
            "{clean_expired}"
        );
        assert!(plan(&conn, CLEAN).contains("entries_clean"));
        assert!(plan(&conn, SELECT_BY_KEY).contains("sqlite_autoindex_entries_1 (key=?)"));
    }
}
