//! The contract every [`CacheStore`] obeys, as async test functions over `&dyn CacheStore`.
//!
//! # Why one suite
//!
//! Each backend (memory, files, backup, and later SQLite, redb, Redis) must behave the same
//! for the interceptor to be correct on all of them. Rather than each store re-testing the
//! basics its own way, one suite runs against each: a new store adds one line,
//! `contract::run_all(&store).await`, to `tests/store_contract.rs`. It is compiled for this
//! crate's tests and, with the `test-util` feature, for stores living in other crates.
//!
//! The functions panic (they assert) on a broken contract. [`run_all`] needs a store that
//! starts empty, holds entries of at least 1.1 MiB and 4 MiB in total, and it **closes the
//! store** as its last check.
//!
//! # Example
//!
//! ```
//! use courier_cache::store::{contract, MemoryStore};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let store = MemoryStore::builder().max_bytes(64 << 20).max_entry_bytes(4 << 20).build();
//! contract::run_all(&store).await;
//! # });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::future::join_all;
use http::{HeaderValue, Method};

use super::{CacheStore, CleanFilter, MatchFilter};
use crate::entry::{CacheEntry, EntryMetadata, Priority};

/// The instant the suite calls "now": a fixed time, so runs are reproducible.
///
/// # Example
///
/// ```
/// use courier_cache::store::contract;
///
/// assert_eq!(contract::now(), contract::now());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000)
}

/// An entry under `key` for `url`, with a one-hour deadline and a few headers.
///
/// # Example
///
/// ```
/// use courier_cache::store::contract;
///
/// let entry = contract::entry("k", "https://c.test/a", "body");
/// assert!(!entry.metadata.is_expired(contract::now()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn entry(key: &str, url: &str, body: impl Into<Bytes>) -> CacheEntry {
    let mut meta = EntryMetadata::new(key, Method::GET, url, 200, now() - Duration::from_secs(2));
    meta.response_time = now() - Duration::from_secs(1);
    meta.expires_at = Some(now() + Duration::from_secs(3600));
    meta.headers
        .append("content-type", HeaderValue::from_static("text/plain"));
    meta.headers
        .append("etag", HeaderValue::from_static("\"v1\""));
    CacheEntry::new(meta, body)
}

async fn reset(store: &dyn CacheStore) {
    store
        .clean(CleanFilter::all(), now())
        .await
        .expect("clean all");
}

async fn get(store: &dyn CacheStore, key: &str) -> Option<CacheEntry> {
    store.get(key, now()).await.expect("get")
}

/// Runs every check below, in order, then closes the store.
pub async fn run_all(store: &dyn CacheStore) {
    get_of_a_missing_key_is_none(store).await;
    set_then_get_returns_the_entry(store).await;
    set_overwrites(store).await;
    delete_removes(store).await;
    exists_follows_set_and_delete(store).await;
    update_metadata_keeps_the_body(store).await;
    update_metadata_of_a_missing_key_creates_nothing(store).await;
    expired_entries_are_absent(store).await;
    clean_by_priority(store).await;
    clean_only_expired(store).await;
    clean_all_empties_the_store(store).await;
    get_matching_by_path_glob(store).await;
    get_matching_by_path_prefix_and_query(store).await;
    get_matching_skips_expired(store).await;
    delete_matching_removes_only_matches(store).await;
    multi_valued_headers_stay_intact(store).await;
    metadata_round_trips(store).await;
    empty_and_large_bodies(store).await;
    concurrent_writers(store).await;
    odd_keys(store).await;
    close_rejects_further_calls(store).await;
}

/// A key never stored is a miss, and deleting it reports nothing removed.
pub async fn get_of_a_missing_key_is_none(store: &dyn CacheStore) {
    reset(store).await;
    assert!(get(store, "missing").await.is_none());
    assert!(!store.exists("missing", now()).await.unwrap());
    assert!(!store.delete("missing").await.unwrap());
}

/// What was set is what is got: metadata and body.
pub async fn set_then_get_returns_the_entry(store: &dyn CacheStore) {
    reset(store).await;
    let e = entry("k1", "https://c.test/a", "hello");
    store.set(e.clone()).await.unwrap();
    assert_eq!(get(store, "k1").await, Some(e));
}

/// A second set under a key replaces the first entry entirely.
pub async fn set_overwrites(store: &dyn CacheStore) {
    reset(store).await;
    store
        .set(entry("k", "https://c.test/a", "first"))
        .await
        .unwrap();
    let mut second = entry("k", "https://c.test/b", "second, longer body");
    second.metadata.status = 404;
    store.set(second.clone()).await.unwrap();
    assert_eq!(get(store, "k").await, Some(second));
}

/// Delete removes the entry and reports it.
pub async fn delete_removes(store: &dyn CacheStore) {
    reset(store).await;
    store
        .set(entry("a", "https://c.test/a", "a"))
        .await
        .unwrap();
    store
        .set(entry("b", "https://c.test/b", "b"))
        .await
        .unwrap();
    assert!(store.delete("a").await.unwrap());
    assert!(get(store, "a").await.is_none());
    assert!(!store.delete("a").await.unwrap());
    assert!(
        get(store, "b").await.is_some(),
        "delete removed another key"
    );
}

/// `exists` agrees with `get`.
pub async fn exists_follows_set_and_delete(store: &dyn CacheStore) {
    reset(store).await;
    assert!(!store.exists("e", now()).await.unwrap());
    store
        .set(entry("e", "https://c.test/e", "e"))
        .await
        .unwrap();
    assert!(store.exists("e", now()).await.unwrap());
    store.delete("e").await.unwrap();
    assert!(!store.exists("e", now()).await.unwrap());
}

/// Freshening replaces the metadata and keeps the body (and sets `body_len` to it).
pub async fn update_metadata_keeps_the_body(store: &dyn CacheStore) {
    reset(store).await;
    let body = Bytes::from(vec![42u8; 10_000]);
    store
        .set(entry("u", "https://c.test/u", body.clone()))
        .await
        .unwrap();
    let mut fresher = entry("u", "https://c.test/u", "").metadata;
    fresher
        .headers
        .insert("etag", HeaderValue::from_static("\"v2\""));
    fresher.response_time = now();
    fresher.expires_at = Some(now() + Duration::from_secs(7200));
    fresher.priority = Priority::High;
    assert!(store.update_metadata(fresher.clone()).await.unwrap());
    let hit = get(store, "u").await.expect("entry after update_metadata");
    assert_eq!(hit.body, body);
    fresher.body_len = body.len() as u64;
    assert_eq!(hit.metadata, fresher);
}

/// Freshening a key that is not stored reports `false` and stores nothing.
pub async fn update_metadata_of_a_missing_key_creates_nothing(store: &dyn CacheStore) {
    reset(store).await;
    let meta = entry("nothing", "https://c.test/n", "").metadata;
    assert!(!store.update_metadata(meta).await.unwrap());
    assert!(get(store, "nothing").await.is_none());
}

/// From the deadline on (`expires_at <= now`), an entry is absent.
pub async fn expired_entries_are_absent(store: &dyn CacheStore) {
    reset(store).await;
    let mut e = entry("x", "https://c.test/x", "x");
    let deadline = now() + Duration::from_secs(10);
    e.metadata.expires_at = Some(deadline);
    store.set(e).await.unwrap();
    let before = deadline - Duration::from_nanos(1);
    assert!(store.get("x", before).await.unwrap().is_some());
    assert!(store.exists("x", before).await.unwrap());
    assert!(!store.exists("x", deadline).await.unwrap());
    assert!(store.get("x", deadline).await.unwrap().is_none());

    let mut forever = entry("forever", "https://c.test/f", "f");
    forever.metadata.expires_at = None;
    store.set(forever).await.unwrap();
    let far = now() + Duration::from_secs(100 * 365 * 24 * 3600);
    assert!(store.get("forever", far).await.unwrap().is_some());
}

async fn set_with_priority(store: &dyn CacheStore, key: &str, priority: Priority, expired: bool) {
    let mut e = entry(key, &format!("https://c.test/{key}"), key.to_owned());
    e.metadata.priority = priority;
    if expired {
        e.metadata.expires_at = Some(now() - Duration::from_secs(1));
    }
    store.set(e).await.unwrap();
}

async fn present(store: &dyn CacheStore, keys: &[&str]) -> Vec<String> {
    // Look far in the past so expired entries still count as present.
    let mut found = Vec::new();
    for key in keys {
        if store.exists(key, SystemTime::UNIX_EPOCH).await.unwrap() {
            found.push((*key).to_owned());
        }
    }
    found
}

/// `clean` with `priority_at_most` removes that priority and below.
pub async fn clean_by_priority(store: &dyn CacheStore) {
    reset(store).await;
    set_with_priority(store, "low", Priority::Low, false).await;
    set_with_priority(store, "normal", Priority::Normal, false).await;
    set_with_priority(store, "high", Priority::High, false).await;
    let filter = CleanFilter {
        priority_at_most: Some(Priority::Normal),
        only_expired: false,
    };
    assert_eq!(store.clean(filter, now()).await.unwrap(), 2);
    assert_eq!(present(store, &["low", "normal", "high"]).await, ["high"]);
}

/// `clean` with `only_expired` keeps live entries; combined with a priority, both must hold.
pub async fn clean_only_expired(store: &dyn CacheStore) {
    reset(store).await;
    set_with_priority(store, "low-live", Priority::Low, false).await;
    set_with_priority(store, "low-dead", Priority::Low, true).await;
    set_with_priority(store, "high-dead", Priority::High, true).await;
    set_with_priority(store, "high-live", Priority::High, false).await;
    let filter = CleanFilter {
        priority_at_most: Some(Priority::Low),
        only_expired: true,
    };
    assert_eq!(store.clean(filter, now()).await.unwrap(), 1);
    let keys = ["low-live", "low-dead", "high-dead", "high-live"];
    assert_eq!(
        present(store, &keys).await,
        ["low-live", "high-dead", "high-live"]
    );
    assert_eq!(store.clean(CleanFilter::expired(), now()).await.unwrap(), 1);
    assert_eq!(present(store, &keys).await, ["low-live", "high-live"]);
}

/// The default filter removes everything.
pub async fn clean_all_empties_the_store(store: &dyn CacheStore) {
    reset(store).await;
    set_with_priority(store, "a", Priority::High, false).await;
    set_with_priority(store, "b", Priority::Low, true).await;
    assert_eq!(store.clean(CleanFilter::all(), now()).await.unwrap(), 2);
    assert!(present(store, &["a", "b"]).await.is_empty());
}

async fn seed_urls(store: &dyn CacheStore) {
    for (key, url) in [
        ("u1", "https://api.test/users/1?page=1&sort=asc"),
        ("u2", "https://api.test/users/2?page=2"),
        ("p1", "https://api.test/users/1/posts?page=2"),
        ("o1", "https://api.test/orders/9?page=2&sort=desc"),
    ] {
        store.set(entry(key, url, key.to_owned())).await.unwrap();
    }
}

async fn matching_keys(store: &dyn CacheStore, filter: &MatchFilter) -> Vec<String> {
    let mut keys: Vec<String> = store
        .get_matching(filter, now())
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.metadata.key)
        .collect();
    keys.sort();
    keys
}

/// `get_matching` with a glob returns whole entries whose path matches.
pub async fn get_matching_by_path_glob(store: &dyn CacheStore) {
    reset(store).await;
    seed_urls(store).await;
    assert_eq!(
        matching_keys(store, &MatchFilter::new().path_glob("/users/*")).await,
        ["p1", "u1", "u2"]
    );
    assert_eq!(
        matching_keys(store, &MatchFilter::new().path_glob("/users/*/posts")).await,
        ["p1"]
    );
    assert_eq!(matching_keys(store, &MatchFilter::new()).await.len(), 4);
    let found = store
        .get_matching(&MatchFilter::new().path_glob("/orders/*"), now())
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].body, "o1");
}

/// `get_matching` with a prefix and query requirements.
pub async fn get_matching_by_path_prefix_and_query(store: &dyn CacheStore) {
    reset(store).await;
    seed_urls(store).await;
    let page2 = MatchFilter::new().path_prefix("/users/").query("page", "2");
    assert_eq!(matching_keys(store, &page2).await, ["p1", "u2"]);
    let sorted = MatchFilter::new().query_key("sort");
    assert_eq!(matching_keys(store, &sorted).await, ["o1", "u1"]);
    let none = MatchFilter::new().query("page", "3");
    assert!(matching_keys(store, &none).await.is_empty());
}

/// `get_matching` leaves out expired entries.
pub async fn get_matching_skips_expired(store: &dyn CacheStore) {
    reset(store).await;
    let mut dead = entry("dead", "https://api.test/users/3", "d");
    dead.metadata.expires_at = Some(now());
    store.set(dead).await.unwrap();
    store
        .set(entry("live", "https://api.test/users/4", "l"))
        .await
        .unwrap();
    assert_eq!(
        matching_keys(store, &MatchFilter::new().path_prefix("/users")).await,
        ["live"]
    );
}

/// `delete_matching` removes matches only and counts them.
pub async fn delete_matching_removes_only_matches(store: &dyn CacheStore) {
    reset(store).await;
    seed_urls(store).await;
    let filter = MatchFilter::new().path_glob("/users/*").query("page", "2");
    assert_eq!(store.delete_matching(&filter).await.unwrap(), 2);
    assert_eq!(
        present(store, &["u1", "u2", "p1", "o1"]).await,
        ["u1", "o1"]
    );
}

/// Repeated fields (`Set-Cookie`, `Vary`, `Link`) come back all there, in order, and
/// non-UTF-8 values survive.
pub async fn multi_valued_headers_stay_intact(store: &dyn CacheStore) {
    reset(store).await;
    let mut e = entry("h", "https://c.test/h", "h");
    let headers = &mut e.metadata.headers;
    for cookie in ["a=1; Path=/", "b=2; HttpOnly", "c=3"] {
        headers.append("set-cookie", HeaderValue::from_static(cookie));
    }
    headers.append("vary", HeaderValue::from_static("Accept"));
    headers.append("vary", HeaderValue::from_static("Accept-Encoding"));
    headers.append("link", HeaderValue::from_static("</p/2>; rel=\"next\""));
    headers.append("link", HeaderValue::from_static("</p/9>; rel=\"last\""));
    headers.append(
        "x-raw",
        HeaderValue::from_bytes(&[b'a', 0xE9, 0xFF]).unwrap(),
    );
    e.metadata
        .vary_request_headers
        .append("accept", HeaderValue::from_static("application/json"));
    e.metadata
        .vary_request_headers
        .append("accept-encoding", HeaderValue::from_static("gzip, br"));
    store.set(e.clone()).await.unwrap();
    let hit = get(store, "h").await.unwrap();
    let cookies: Vec<_> = hit.metadata.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1; Path=/", "b=2; HttpOnly", "c=3"]);
    let vary: Vec<_> = hit.metadata.headers.get_all("vary").iter().collect();
    assert_eq!(vary, ["Accept", "Accept-Encoding"]);
    assert_eq!(hit.metadata.headers.get_all("link").iter().count(), 2);
    assert_eq!(hit.metadata, e.metadata);
}

/// Every metadata field survives: method, status, times to the nanosecond, priority.
pub async fn metadata_round_trips(store: &dyn CacheStore) {
    reset(store).await;
    let mut e = entry("m", "https://c.test/m?q=1", "m");
    e.metadata.method = Method::from_bytes(b"PROPFIND").unwrap();
    e.metadata.status = 299;
    e.metadata.request_time = now() - Duration::new(5, 123_456_789);
    e.metadata.response_time = now() - Duration::new(4, 987_654_321);
    e.metadata.priority = Priority::Low;
    e.metadata.expires_at = Some(now() + Duration::new(60, 1));
    store.set(e.clone()).await.unwrap();
    assert_eq!(get(store, "m").await, Some(e));
}

/// An empty body and a body over 1 MiB both round-trip exactly.
pub async fn empty_and_large_bodies(store: &dyn CacheStore) {
    reset(store).await;
    store
        .set(entry("empty", "https://c.test/0", ""))
        .await
        .unwrap();
    let hit = get(store, "empty").await.unwrap();
    assert!(hit.body.is_empty());
    assert_eq!(hit.metadata.body_len, 0);

    let large: Vec<u8> = (0..(1024 * 1024 + 7))
        .map(|i: u32| (i % 251) as u8)
        .collect();
    store
        .set(entry("large", "https://c.test/big", large.clone()))
        .await
        .unwrap();
    let hit = get(store, "large").await.unwrap();
    assert_eq!(hit.body.len(), large.len());
    assert!(hit.body == large, "large body differs");
    assert_eq!(hit.metadata.body_len, large.len() as u64);
}

/// Concurrent writers of different keys all land; concurrent writers of one key leave one
/// whole entry (never a mix of two).
pub async fn concurrent_writers(store: &dyn CacheStore) {
    reset(store).await;
    let writes = (0..16).map(|i| {
        let key = format!("c{i}");
        async move {
            store
                .set(entry(&key, &format!("https://c.test/{key}"), key.clone()))
                .await
                .unwrap();
        }
    });
    join_all(writes).await;
    for i in 0..16 {
        let key = format!("c{i}");
        assert_eq!(
            get(store, &key)
                .await
                .expect("concurrent write landed")
                .body,
            key
        );
    }

    let same = (0..8).map(|i| async move {
        let mut e = entry("same", "https://c.test/same", vec![i as u8; 1000 + i]);
        e.metadata.status = 200 + i as u16;
        store.set(e).await.unwrap();
    });
    join_all(same).await;
    let hit = get(store, "same")
        .await
        .expect("one of the concurrent writes");
    let i = usize::from(hit.metadata.status - 200);
    assert_eq!(
        hit.body,
        vec![i as u8; 1000 + i],
        "body and metadata from different writes"
    );

    let readers = (0..8).map(|_| async move { get(store, "c3").await.map(|e| e.body) });
    for body in join_all(readers).await {
        assert_eq!(body.as_deref(), Some(&b"c3"[..]));
    }
}

/// Keys are opaque strings: separators, dots, Unicode, whitespace, NUL and long keys work
/// and stay distinct.
pub async fn odd_keys(store: &dyn CacheStore) {
    reset(store).await;
    let long = "k".repeat(4096);
    let keys = [
        "",
        "GET https://c.test/a/b?c=d&e=f#g",
        "../../etc/passwd",
        "a/b\\c:d*e?f\"g<h>i|j",
        "ünïcødé 🦀 キャッシュ",
        " \t\n\r",
        "nul\0inside",
        ".",
        long.as_str(),
    ];
    for (i, key) in keys.iter().enumerate() {
        store
            .set(entry(
                key,
                &format!("https://c.test/{i}"),
                format!("body {i}"),
            ))
            .await
            .unwrap();
    }
    for (i, key) in keys.iter().enumerate() {
        let hit = get(store, key)
            .await
            .unwrap_or_else(|| panic!("odd key {i} missing"));
        assert_eq!(hit.body, format!("body {i}"));
        assert_eq!(hit.metadata.key, *key);
    }
    assert!(get(store, "k").await.is_none());
}

/// After `close`, calls fail with a `Closed` error; closing again is fine.
pub async fn close_rejects_further_calls(store: &dyn CacheStore) {
    store.close().await.unwrap();
    let err = store.get("k1", now()).await.unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    let err = store
        .set(entry("k", "https://c.test/", ""))
        .await
        .unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    store.close().await.unwrap();
}
