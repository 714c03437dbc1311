//! # courier-cache
//!
//! An RFC 9111 HTTP cache for [courier](https://docs.rs/courier), in three parts:
//!
//! - a **pure policy** (`policy`): RFC 9111 decisions from request and response parts and an
//!   injected clock, with no I/O, returned as enums that carry the next step;
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
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod cipher;
pub mod entry;
pub mod store;

pub use cipher::{CacheCipher, CipherError, XChaCha20Poly1305Cipher};
pub use entry::{CacheEntry, EntryMetadata, Priority};
pub use store::{
    BackupStore, CacheStore, CleanFilter, FileStore, MatchFilter, MemoryStore, StoreError,
    StoreErrorKind,
};
