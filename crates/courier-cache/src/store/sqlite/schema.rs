//! The database layout, its version check and its migrations.
//!
//! # Why two tables and triggers
//!
//! A body lives in `bodies`, apart from the small `entries` row that names it, because
//! SQLite rewrites a whole row on any `UPDATE`: with the body in the entry's row, freshening
//! the metadata after a `304` or recording an access would copy the body again. Here both
//! touch only the `entries` row.
//!
//! Triggers keep the rest consistent whoever writes (this process or another one sharing
//! the file): deleting an entry, or pointing it at a new body, deletes the old body, and
//! `totals.bytes` follows every insert, delete and resize, so the size cap is checked
//! without summing the table.
//!
//! # Why these indexes
//!
//! Every index costs pages written on every `set` (measured: each index whose column
//! changes adds one or two write-ahead-log pages to a 1 KiB write, which is about five
//! pages without them). `last_access` orders eviction, which runs on every write once the
//! store is full, so it has its own index. `clean` by priority and by deadline share one
//! index on `(priority, expires_at)`: one index moved per write instead of two, and a
//! deadline-only clean still finds its rows by range, once per priority.
//!
//! # Versions
//!
//! The file is marked with an `application_id` ("CRCE", as entry frames) and its schema
//! version in `user_version`. Opening a file of another application, or of a newer schema
//! than this build knows, is an error rather than a rewrite: another program's data, or a
//! newer courier sharing the file, is never destroyed. An older schema is migrated forward
//! in one transaction. Entry rows carry their own format version (the entry frame's), so a
//! row written by another format is a miss, not an error.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::error::SqliteContext;
use crate::store::{StoreError, StoreErrorKind};

/// `PRAGMA application_id` of a courier cache database: "CRCE", as entry frames start.
pub(super) const APPLICATION_ID: i32 = i32::from_be_bytes(*b"CRCE");

/// The schema version this build writes (`PRAGMA user_version`).
pub(super) const SCHEMA_VERSION: i32 = 1;

/// `MIGRATIONS[v]` brings a database from schema version `v` to `v + 1`; version 0 is an
/// empty file.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [V1];

const V1: &str = "
CREATE TABLE bodies (
    id INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE entries (
    key TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    -- A detached entry frame (sealed by the cipher, if any) naming the body's digest.
    metadata BLOB NOT NULL,
    body_id INTEGER NOT NULL,
    -- Bytes counted against the size cap: metadata frame plus stored body.
    size INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    -- Deletion deadline in nanoseconds since the Unix epoch; NULL for none.
    expires_at INTEGER,
    -- Last use in nanoseconds since the Unix epoch (recorded in batches).
    last_access INTEGER NOT NULL
);
-- `clean` by priority, by deadline (priority IN (0, 1, 2) AND expires_at <= ?) or both.
CREATE INDEX entries_clean ON entries (priority, expires_at);
-- Eviction order.
CREATE INDEX entries_last_access ON entries (last_access);
CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    bytes INTEGER NOT NULL
);
INSERT INTO totals (id, bytes) VALUES (0, 0);
CREATE TRIGGER entries_inserted AFTER INSERT ON entries BEGIN
    UPDATE totals SET bytes = bytes + new.size WHERE id = 0;
END;
CREATE TRIGGER entries_deleted AFTER DELETE ON entries BEGIN
    UPDATE totals SET bytes = bytes - old.size WHERE id = 0;
    DELETE FROM bodies WHERE id = old.body_id;
END;
CREATE TRIGGER entries_resized AFTER UPDATE OF size ON entries
WHEN new.size != old.size BEGIN
    UPDATE totals SET bytes = bytes + new.size - old.size WHERE id = 0;
END;
CREATE TRIGGER entries_body_replaced AFTER UPDATE OF body_id ON entries
WHEN new.body_id != old.body_id BEGIN
    DELETE FROM bodies WHERE id = old.body_id;
END;
";

/// What a database file holds, as far as this store is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// No tables and no marks: a new (or zero-length) file.
    Empty,
    /// A courier cache at this schema version.
    Cache { version: i32 },
    /// Tables that are not a courier cache's.
    Foreign,
}

fn inspect(conn: &Connection) -> Result<Found, StoreError> {
    let doing = "reading the database header";
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .doing(doing)?;
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .doing(doing)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .doing(doing)?;
    Ok(match (application_id, objects) {
        (0, 0) if version == 0 => Found::Empty,
        (APPLICATION_ID, _) => Found::Cache { version },
        _ => Found::Foreign,
    })
}

/// Checks that the file at `path` (opened as `conn`) is a courier cache this build can use,
/// refusing without writing anything when it is not.
///
/// Returns whether the file is still empty (the caller may then set creation-time pragmas).
pub(super) fn check(conn: &Connection, path: &Path) -> Result<bool, StoreError> {
    // One read transaction, so the three reads see one state of the file: read one by one,
    // another process creating the schema meanwhile could be seen half done (no mark yet,
    // but tables), which looks like another application's database.
    let found = conn
        .unchecked_transaction()
        .doing("reading the database header")
        .and_then(|snapshot| {
            let found = inspect(&snapshot)?;
            snapshot.commit().doing("reading the database header")?;
            Ok(found)
        });
    match found.map_err(|err| not_a_database(path, err))? {
        Found::Empty => Ok(true),
        Found::Cache { version } => check_version(version, path).map(|()| false),
        Found::Foreign => Err(StoreError::new(
            StoreErrorKind::Corrupt,
            format!(
                "{} is a SQLite database of another application, not a courier cache",
                path.display()
            ),
        )),
    }
}

/// Creates or migrates the schema to [`SCHEMA_VERSION`], in one transaction that holds the
/// write lock, so processes opening one new file together create it once.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let doing = "creating the cache schema";
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .doing(doing)?;
    // Read again under the lock: another process may have created it meanwhile.
    let from = match inspect(&tx)? {
        Found::Empty => 0,
        Found::Cache { version } => {
            check_version(version, path)?;
            version
        }
        Found::Foreign => {
            return Err(StoreError::new(
                StoreErrorKind::Corrupt,
                format!(
                    "{} changed to another application's database",
                    path.display()
                ),
            ));
        }
    };
    if from == SCHEMA_VERSION {
        return Ok(());
    }
    for migration in MIGRATIONS.iter().skip(usize::try_from(from).unwrap_or(0)) {
        tx.execute_batch(migration).doing(doing)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .doing(doing)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .doing(doing)?;
    tx.commit().doing(doing)
}

fn check_version(version: i32, path: &Path) -> Result<(), StoreError> {
    if (0..=SCHEMA_VERSION).contains(&version) {
        Ok(())
    } else {
        Err(StoreError::new(
            StoreErrorKind::Corrupt,
            format!(
                "{} has cache schema version {version}; this build of courier-cache reads up \
                 to version {SCHEMA_VERSION} (a newer courier-cache wrote it)",
                path.display()
            ),
        ))
    }
}

/// A header that SQLite cannot read says so plainly: the file is not a database.
pub(super) fn not_a_database(path: &Path, err: StoreError) -> StoreError {
    if err.kind() == StoreErrorKind::Corrupt {
        StoreError::with_source(
            StoreErrorKind::Corrupt,
            format!("{} is not a SQLite database", path.display()),
            err,
        )
    } else {
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_an_empty_database_creates_the_schema_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        let path = Path::new(":memory:");
        assert!(check(&conn, path).unwrap());
        migrate(&mut conn, path).unwrap();
        migrate(&mut conn, path).unwrap();
        assert!(!check(&conn, path).unwrap());
        assert_eq!(
            inspect(&conn).unwrap(),
            Found::Cache {
                version: SCHEMA_VERSION
            }
        );
    }

    #[test]
    fn triggers_keep_totals_and_bodies() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let total = |conn: &Connection| -> i64 {
            conn.query_row("SELECT bytes FROM totals", [], |r| r.get(0))
                .unwrap()
        };
        let bodies = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM bodies", [], |r| r.get(0))
                .unwrap()
        };
        conn.execute_batch(
            "INSERT INTO bodies (id, data) VALUES (1, x'00'), (2, x'0000');
             INSERT INTO entries VALUES ('k', 'u', x'', 1, 10, 1, NULL, 0);",
        )
        .unwrap();
        assert_eq!(total(&conn), 10);
        conn.execute_batch("UPDATE entries SET body_id = 2, size = 25 WHERE key = 'k'")
            .unwrap();
        assert_eq!((total(&conn), bodies(&conn)), (25, 1));
        conn.execute_batch("DELETE FROM entries").unwrap();
        assert_eq!((total(&conn), bodies(&conn)), (0, 0));
    }

    #[test]
    fn newer_and_foreign_databases_are_refused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE notes (text TEXT)")
            .unwrap();
        let err = check(&conn, Path::new("notes.db")).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Corrupt);
        assert!(err.to_string().contains("another application"), "{err}");

        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new("c.db")).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = check(&conn, Path::new("c.db")).unwrap_err();
        assert!(err.to_string().contains("newer courier-cache"), "{err}");
    }
}
