//! `EncryptedStore` (dio's `cipher` option): what the inner store sees, tampering, key
//! rotation, and the option through the interceptor.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use courier::mock::MockTransport;
use courier::mock::matchers::path;
use courier::{Client, Mock, ResponseTemplate};
use courier_cache::cipher::XChaCha20Poly1305Cipher;
use courier_cache::entry::{CacheEntry, EntryMetadata};
use courier_cache::store::{CacheStore, EncryptedStore, MatchFilter, MemoryStore};
use courier_cache::{CacheInterceptor, CacheOptions, CacheStatus, Clock, MockClock};
use http::HeaderValue;

const OLD_KEY: [u8; 32] = [0x11; 32];
const NEW_KEY: [u8; 32] = [0x22; 32];

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn secret_entry(key: &str) -> CacheEntry {
    let mut meta = EntryMetadata::new(
        key,
        http::Method::GET,
        format!("https://api.example/{key}"),
        200,
        now(),
    );
    meta.expires_at = Some(now() + Duration::from_secs(3600));
    meta.headers.append(
        "set-cookie",
        HeaderValue::from_static("session=hunter2-cookie"),
    );
    meta.headers
        .append("etag", HeaderValue::from_static("\"etag-secret\""));
    meta.vary_request_headers.append(
        "authorization",
        HeaderValue::from_static("Bearer token-secret"),
    );
    CacheEntry::new(meta, "the-plaintext-body")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn encrypted(key: [u8; 32]) -> EncryptedStore<MemoryStore> {
    EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new(key))
}

#[tokio::test]
async fn the_inner_store_never_sees_a_plaintext_body_or_header() {
    let store = encrypted(NEW_KEY);
    let entry = secret_entry("k");
    store.set(entry.clone()).await.unwrap();

    let envelope = store.inner().get("k", now()).await.unwrap().unwrap();
    for secret in [
        &b"the-plaintext-body"[..],
        b"hunter2-cookie",
        b"etag-secret",
        b"token-secret",
    ] {
        assert!(!contains(&envelope.body, secret));
    }
    assert!(envelope.metadata.headers.is_empty());
    assert!(envelope.metadata.vary_request_headers.is_empty());
    // What stores need is kept.
    assert_eq!(envelope.metadata.key, "k");
    assert_eq!(envelope.metadata.url, "https://api.example/k");
    assert_eq!(envelope.metadata.expires_at, entry.metadata.expires_at);
    assert_eq!(envelope.metadata.priority, entry.metadata.priority);

    assert_eq!(store.get("k", now()).await.unwrap(), Some(entry.clone()));
    let filter = MatchFilter::new().path_prefix("/");
    assert_eq!(
        store.get_matching(&filter, now()).await.unwrap(),
        vec![entry]
    );
}

#[tokio::test]
async fn a_tampered_envelope_is_a_miss_and_is_deleted() {
    let store = encrypted(NEW_KEY);
    store.set(secret_entry("k")).await.unwrap();
    let mut envelope = store.inner().get("k", now()).await.unwrap().unwrap();
    let mut body = envelope.body.to_vec();
    let last = body.len() - 1;
    body[last] ^= 0x01;
    envelope.body = Bytes::from(body);
    store.inner().set(envelope).await.unwrap();

    assert!(store.get("k", now()).await.unwrap().is_none());
    assert!(!store.inner().exists("k", now()).await.unwrap());
}

#[tokio::test]
async fn an_entry_under_an_unknown_key_is_a_miss_and_is_deleted() {
    let inner = MemoryStore::new();
    EncryptedStore::new(inner.clone(), XChaCha20Poly1305Cipher::new(OLD_KEY))
        .set(secret_entry("k"))
        .await
        .unwrap();
    let store = EncryptedStore::new(inner.clone(), XChaCha20Poly1305Cipher::new(NEW_KEY));
    assert!(store.get("k", now()).await.unwrap().is_none());
    assert!(!inner.exists("k", now()).await.unwrap());
}

#[tokio::test]
async fn key_rotation_still_reads_old_entries_and_rewrites_with_the_new_key() {
    let inner = MemoryStore::new();
    let old = EncryptedStore::new(inner.clone(), XChaCha20Poly1305Cipher::new(OLD_KEY));
    let entry = secret_entry("k");
    old.set(entry.clone()).await.unwrap();

    let rotated = EncryptedStore::new(
        inner.clone(),
        XChaCha20Poly1305Cipher::new(NEW_KEY).with_previous_key(OLD_KEY),
    );
    assert_eq!(rotated.get("k", now()).await.unwrap(), Some(entry.clone()));

    // Freshening rewrites the entry under the new key; the old cipher can no longer read it.
    let mut fresher = entry.metadata.clone();
    fresher.expires_at = Some(now() + Duration::from_secs(7200));
    assert!(rotated.update_metadata(fresher.clone()).await.unwrap());
    let hit = rotated.get("k", now()).await.unwrap().unwrap();
    assert_eq!(hit.metadata, fresher);
    assert_eq!(hit.body, entry.body);
    assert!(old.get("k", now()).await.unwrap().is_none());
}

#[tokio::test]
async fn the_cipher_option_serves_a_fresh_response_as_a_hit() {
    let origin = MockTransport::new();
    let clock = MockClock::new(now());
    let inner = Arc::new(MemoryStore::new());
    let options = CacheOptions::with_shared_store(inner.clone())
        .clock(clock.clone())
        .cipher(XChaCha20Poly1305Cipher::new(NEW_KEY));
    let client = Client::builder()
        .base_url("https://api.example")
        .interceptor(CacheInterceptor::new(options))
        .transport(origin.clone())
        .build()
        .unwrap();
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("x-secret", "header-secret")
                .body("body-secret"),
        )
        .mount(&origin);

    let first = client.get("/a").send().await.unwrap();
    assert_eq!(
        first.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Miss { stored: true })
    );
    assert_eq!(first.text().await.unwrap(), "body-secret");

    clock.advance(Duration::from_secs(10));
    let second = client.get("/a").send().await.unwrap();
    assert_eq!(
        second.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Hit)
    );
    assert_eq!(second.headers()["x-secret"], "header-secret");
    assert_eq!(second.text().await.unwrap(), "body-secret");
    assert_eq!(origin.received_requests().len(), 1);

    // The shared inner store holds only the envelope.
    let everything = MatchFilter::new();
    let envelopes = inner.get_matching(&everything, clock.now()).await.unwrap();
    assert_eq!(envelopes.len(), 1);
    assert!(envelopes[0].metadata.headers.is_empty());
    assert!(!contains(&envelopes[0].body, b"body-secret"));
}
