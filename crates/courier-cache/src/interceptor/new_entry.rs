//! The metadata of a response about to be stored, and the keys it is stored under: one
//! recipe for misses, refreshes and background revalidations.

use std::time::SystemTime;

use http::{HeaderMap, Method};

use super::served::later;
use super::storing_body::store_entry;
use super::variant_key;
use crate::entry::{CacheEntry, EntryMetadata};
use crate::options::CacheOptions;
use crate::policy::vary;
use crate::store::CacheStore;

/// What is known about a response the policy lets the cache store.
pub(super) struct NewEntry<'a> {
    pub(super) key: String,
    pub(super) method: Method,
    pub(super) url: &'a str,
    pub(super) status: u16,
    /// The headers to store (the policy's: fields a shared cache must not keep removed).
    pub(super) headers: HeaderMap,
    /// The request headers its `Vary` names.
    pub(super) vary_request_headers: HeaderMap,
    pub(super) request_time: SystemTime,
    pub(super) response_time: SystemTime,
    /// When it stops being fresh; the deletion deadline is `max_stale` after that.
    pub(super) fresh_until: SystemTime,
}

impl NewEntry<'_> {
    /// The entry's metadata, with the options' priority and deletion deadline.
    pub(super) fn metadata(self, options: &CacheOptions) -> EntryMetadata {
        let mut metadata = EntryMetadata::new(
            self.key,
            self.method,
            self.url,
            self.status,
            self.response_time,
        );
        metadata.headers = self.headers;
        metadata.vary_request_headers = self.vary_request_headers;
        metadata.request_time = self.request_time;
        metadata.priority = options.priority;
        metadata.expires_at = options
            .max_stale
            .map(|max_stale| later(self.fresh_until, max_stale));
        metadata
    }
}

/// The second key a varying response is also stored under, so several variants of one URL
/// coexist (the primary key holds the latest); `None` when it does not vary.
pub(super) fn variant_key_of(metadata: &EntryMetadata) -> Option<String> {
    vary::secondary_key(&metadata.headers, &metadata.vary_request_headers)
        .filter(|secondary| !secondary.is_empty())
        .map(|secondary| variant_key(&metadata.key, &secondary))
}

/// Stores `entry` under its key and, when it varies, under its variant's key (sharing the
/// body). Returns whether the primary write succeeded; failures are logged.
pub(super) async fn store_with_variant(
    store: &dyn CacheStore,
    entry: CacheEntry,
    variant: Option<String>,
) -> bool {
    if let Some(variant) = variant {
        let mut copy = entry.clone();
        copy.metadata.key = variant;
        store_entry(store, copy).await;
    }
    store_entry(store, entry).await
}
