//! [`RedbStore`]: a [`CacheStore`](super::CacheStore) in one [redb](https://docs.rs/redb)
//! file (feature `redb`).
//!
//! # Why redb
//!
//! redb is a pure-Rust, embedded, ACID key-value store: one file, no server, no C
//! toolchain. It is the counterpart of the embedded NoSQL stores of dio_cache_interceptor
//! (Hive, Sembast, ObjectBox). Against [`FileStore`](super::FileStore) it trades one file per
//! entry for transactions: an entry, its index rows and the evictions it causes commit
//! together, and the size accounting and eviction order survive restarts exactly.
//!
//! # Files
//!
//! - `store.rs`: the store and its operations; `builder.rs`: limits and opening the file;
//! - `tables.rs`: the tables and the writes that keep them consistent;
//! - `read.rs`: reading an entry back and checking it; `snapshot.rs`: read snapshots shared
//!   until the next write;
//! - `eviction.rs`, `clean.rs`: what to remove, from the indexes;
//! - `uses.rs`: why and how a hit's use is written later;
//! - `failure.rs`: redb errors as [`StoreError`](super::StoreError)s.

mod builder;
mod clean;
mod eviction;
mod failure;
mod read;
mod snapshot;
mod store;
mod tables;
mod uses;

pub use builder::RedbStoreBuilder;
pub use store::RedbStore;
