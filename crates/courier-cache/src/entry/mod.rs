//! What a store keeps: a [`CacheEntry`] (metadata + body) and its versioned binary
//! [`encoding`].
//!
//! # Why the body sits beside the metadata
//!
//! A cache hit must not cost more for a bigger body. The body is a [`bytes::Bytes`] kept
//! *outside* the encoded metadata, so a [`MemoryStore`](crate::store::MemoryStore) hit clones
//! a reference count instead of copying bytes, and freshening an entry after a `304 Not
//! Modified` ([`CacheStore::update_metadata`](crate::store::CacheStore::update_metadata))
//! rewrites the metadata alone and never the body.
//!
//! Entries carry no parsed cache policy and no trait objects: the stored response headers are
//! kept exactly as received (several `Set-Cookie`, `Vary` or `Link` fields stay intact, in
//! order), and the policy re-reads them. A store never parses a header.

pub mod encoding;
mod metadata;
mod priority;
mod record;

pub use metadata::EntryMetadata;
pub use priority::Priority;
pub use record::CacheEntry;
