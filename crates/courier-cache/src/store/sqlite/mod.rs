//! [`SqliteStore`]: cache entries in one SQLite database file (feature `sqlite`).
//!
//! The store is the embedded default on disk: one file that several processes can share,
//! WAL mode so reads never wait for writes, a size cap with least-recently-used eviction,
//! and the metadata kept apart from the body so that freshening after a `304` rewrites a
//! small row only. See [`SqliteStore`] for the layout and the reasons behind it.
//!
//! Inside: `store` holds the operations (run on the blocking pool by the crate's
//! `BlockingAdapter`), `connections` holds the writer and reader connections, `schema`
//! creates, checks and migrates the tables, `entries` is the SQL of each operation, `row`
//! encodes entries into rows, `eviction` keeps the size cap, `access_log` batches
//! last-access times, and `url_match` runs a [`MatchFilter`] inside SQLite.
//!
//! [`MatchFilter`]: crate::store::MatchFilter

mod access_log;
mod builder;
mod connections;
mod entries;
mod error;
mod eviction;
mod row;
mod schema;
mod store;
mod url_match;

pub use builder::SqliteStoreBuilder;
pub use store::SqliteStore;
