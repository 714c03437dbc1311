//! # courier-cache
//!
//! An RFC 9111 HTTP cache for [courier](https://docs.rs/courier), in three parts:
//!
//! - a **pure policy** ([`policy`]): RFC 9111 decisions from request and response parts and an
//!   injected [`Clock`] (see [`clock`]), with no I/O, returned as enums that carry the next
//!   step;
//! - **stores** ([`store`]): a [`CacheStore`] trait (I/O only) with memory, file and backup
//!   stores, versioned [entries](entry) with a checksum, and optional AEAD encryption
//!   ([`cipher`]);
//! - the **interceptor** that glues them into a courier client.
//!
//! The policy never touches a store; a store never parses a header.
//!
//! ## Features
//!
//! - `test-util`: the store contract suite (`store::contract`), for stores in other
//!   crates.
//! - `redis`: `store::RedisStore`, a cache shared by many instances on a Redis server or a
//!   Redis Cluster.
//! - `reqwest-middleware`: [`CacheMiddleware`], the cache as
//!   reqwest-middleware middleware, for teams that keep their reqwest-middleware client.
//! - `sqlite`: `store::SqliteStore`, entries in one SQLite database file (bundled SQLite,
//!   WAL mode) that several processes can share, with LRU eviction.
//! - `redb`: `store::RedbStore`, entries in one [redb](https://docs.rs/redb) database file
//!   (ACID writes, a size cap with least-recently-used eviction).
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod cipher;
pub mod clock;
pub mod entry;
pub mod key;
pub mod policy;
pub mod store;

mod cache_policy;
mod interceptor;
#[cfg(feature = "reqwest-middleware")]
mod middleware;
mod mode;
mod options;
mod status;

pub use cache_policy::CachePolicy;
pub use cipher::{CacheCipher, CipherError, XChaCha20Poly1305Cipher};
pub use clock::{Clock, MockClock, SystemClock};
pub use entry::{CacheEntry, EntryMetadata, Priority};
pub use interceptor::CacheInterceptor;
pub use key::KeyBuilder;
#[cfg(feature = "reqwest-middleware")]
pub use middleware::CacheMiddleware;
pub use mode::CacheMode;
pub use options::CacheOptions;
pub use policy::{CacheControl, Lookup, Policy, PolicyConfig, Revalidated, Storability};
pub use status::CacheStatus;
pub use store::{
    BackupStore, CacheStore, CleanFilter, EncryptedStore, FileStore, MatchFilter, MemoryStore,
    StoreError, StoreErrorKind,
};

// The workspace README's examples (courier and its cache) are compiled as doc tests here,
// where both crates are in scope, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;
