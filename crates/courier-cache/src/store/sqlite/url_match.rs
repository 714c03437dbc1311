//! `courier_url_matches(url)`: a [`MatchFilter`] as an SQL function, so `get_matching` and
//! `delete_matching` select rows inside SQLite and read metadata and bodies of matches only.
//!
//! The function is registered once per connection and reads the filter from a slot the
//! connection owns; [`UrlFilter::set`] fills the slot for one statement. (Registering a
//! function per call would expire every prepared statement of the connection.)

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

use crate::store::MatchFilter;

/// The SQL name of the function.
pub(super) const FUNCTION: &str = "courier_url_matches";

/// The filter slot of one connection.
#[derive(Clone, Default)]
pub(super) struct UrlFilter {
    slot: Arc<Mutex<Option<MatchFilter>>>,
}

/// Empties the slot when the statement is done.
pub(super) struct FilterGuard<'a> {
    slot: &'a Mutex<Option<MatchFilter>>,
}

impl Drop for FilterGuard<'_> {
    fn drop(&mut self) {
        *lock(self.slot) = None;
    }
}

fn lock(slot: &Mutex<Option<MatchFilter>>) -> MutexGuard<'_, Option<MatchFilter>> {
    // Only assignments happen under this lock.
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

impl UrlFilter {
    /// Registers [`FUNCTION`] on `conn`, reading this slot.
    pub(super) fn register(&self, conn: &Connection) -> rusqlite::Result<()> {
        let slot = Arc::clone(&self.slot);
        // DIRECTONLY: usable in this store's statements, never from a trigger or view that a
        // file's schema could smuggle in.
        let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
        conn.create_scalar_function(FUNCTION, 1, flags, move |ctx| {
            let url = match ctx.get_raw(0) {
                ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
                _ => None,
            };
            Ok(match (url, &*lock(&slot)) {
                (Some(url), Some(filter)) => filter.matches(url),
                _ => false,
            })
        })
    }

    /// Makes [`FUNCTION`] apply `filter` until the guard drops.
    pub(super) fn set(&self, filter: &MatchFilter) -> FilterGuard<'_> {
        *lock(&self.slot) = Some(filter.clone());
        FilterGuard { slot: &self.slot }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_rows_in_sql() {
        let conn = Connection::open_in_memory().unwrap();
        let filter = UrlFilter::default();
        filter.register(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (url);
             INSERT INTO t VALUES ('https://a.test/users/1'), ('https://a.test/orders/1'),
                                  (NULL), (x'00');",
        )
        .unwrap();
        let count = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM t WHERE courier_url_matches(url)",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(count(&conn), 0, "an empty slot matches nothing");
        {
            let _guard = filter.set(&MatchFilter::new().path_prefix("/users/"));
            assert_eq!(count(&conn), 1);
        }
        assert_eq!(count(&conn), 0);
        let _guard = filter.set(&MatchFilter::new());
        assert_eq!(count(&conn), 2, "only text URLs are compared");
    }
}
