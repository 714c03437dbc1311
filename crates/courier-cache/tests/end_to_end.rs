//! The cache end to end: a courier client on its real reqwest transport, against an axum
//! origin on `127.0.0.1:0` that counts what reaches it (`common::server`).
//!
//! Time is virtual: the cache and the origin's `Date` header read one [`MockClock`], which the
//! tests advance instead of sleeping.

mod common;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use common::server::Origin;
use courier::{Client, ErrorKind};
use courier_cache::{
    CacheInterceptor, CacheOptions, CacheStatus, CacheStore, Clock, FileStore, MemoryStore,
    MockClock, XChaCha20Poly1305Cipher,
};
use tokio::sync::{Notify, Semaphore};

/// The virtual time both sides start from: a whole second, as HTTP dates are.
fn clock() -> MockClock {
    MockClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

/// A client through the cache to `origin`.
fn client(origin: &Origin, options: CacheOptions) -> Client {
    Client::builder()
        .base_url(origin.url("/"))
        .no_proxy()
        .interceptor(CacheInterceptor::new(options))
        .build()
        .expect("the client builds")
}

/// A memory-backed cache on `clock`, with the store kept for inspection.
fn memory_cache(clock: &MockClock) -> (Arc<MemoryStore>, CacheOptions) {
    let store = Arc::new(MemoryStore::new());
    let options = CacheOptions::with_shared_store(store.clone()).clock(clock.clone());
    (store, options)
}

async fn fetch(client: &Client, path: &str) -> (CacheStatus, String) {
    let response = client.get(path).send().await.expect("a response");
    let status = *response
        .extensions()
        .get::<CacheStatus>()
        .expect("the cache marks every response");
    (status, response.text().await.expect("a text body"))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A weak or strong entity tag's opaque part: RFC 9110 §8.8.3.2's weak comparison ignores
/// the `W/` prefix.
fn opaque_tag(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/")
}

/// Whether `If-None-Match` matches `etag` under weak comparison (RFC 9110 §13.1.2).
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == "*" || opaque_tag(tag) == opaque_tag(etag))
}

#[tokio::test]
async fn rfc9111_4_2_a_fresh_hit_never_reaches_the_origin() {
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/fresh",
            get(|| async { ([(header::CACHE_CONTROL, "max-age=60")], "fresh body") }),
        ),
        clock.clone(),
    )
    .await;
    let (_, options) = memory_cache(&clock);
    let client = client(&origin, options);

    assert_eq!(
        fetch(&client, "/fresh").await,
        (CacheStatus::Miss { stored: true }, "fresh body".into())
    );
    clock.advance(secs(10));
    let response = client.get("/fresh").send().await.unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Hit)
    );
    assert_eq!(response.headers()[header::AGE], "10");
    assert_eq!(response.text().await.unwrap(), "fresh body");
    assert_eq!(origin.hits("/fresh"), 1);
}

#[tokio::test]
async fn rfc9111_4_3_an_etag_revalidation_answered_304_serves_the_stored_body() {
    const ETAG: &str = "W/\"v1\"";
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/etag",
            get(|headers: HeaderMap| async move {
                let fields = [(header::ETAG, ETAG), (header::CACHE_CONTROL, "max-age=60")];
                if none_match(&headers, ETAG) {
                    (StatusCode::NOT_MODIFIED, fields, "").into_response()
                } else {
                    (fields, "the body, sent once").into_response()
                }
            }),
        ),
        clock.clone(),
    )
    .await;
    let (_, options) = memory_cache(&clock);
    let client = client(&origin, options);

    fetch(&client, "/etag").await;
    clock.advance(secs(61));
    assert_eq!(
        fetch(&client, "/etag").await,
        (CacheStatus::Revalidated, "the body, sent once".into())
    );
    let received = origin.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].headers[header::IF_NONE_MATCH], ETAG);

    // The 304 freshened the entry: fresh again, without the origin.
    clock.advance(secs(30));
    assert_eq!(
        fetch(&client, "/etag").await,
        (CacheStatus::Hit, "the body, sent once".into())
    );
    assert_eq!(origin.hits("/etag"), 2);
}

#[tokio::test]
async fn rfc9111_4_3_1_a_last_modified_revalidation_with_if_modified_since() {
    let clock = clock();
    let last_modified = httpdate::fmt_http_date(clock.now() - secs(24 * 3600));
    let origin = Origin::start(
        Router::new().route(
            "/dated",
            get(move |headers: HeaderMap| {
                let last_modified = last_modified.clone();
                async move {
                    let modified = httpdate::parse_http_date(&last_modified).unwrap();
                    let unchanged = headers
                        .get(header::IF_MODIFIED_SINCE)
                        .and_then(|since| httpdate::parse_http_date(since.to_str().ok()?).ok())
                        .is_some_and(|since| modified <= since);
                    let fields = [
                        (header::LAST_MODIFIED, last_modified),
                        (header::CACHE_CONTROL, "max-age=60".to_owned()),
                    ];
                    if unchanged {
                        (StatusCode::NOT_MODIFIED, fields, "").into_response()
                    } else {
                        (fields, "dated body").into_response()
                    }
                }
            }),
        ),
        clock.clone(),
    )
    .await;
    let (_, options) = memory_cache(&clock);
    let client = client(&origin, options);

    fetch(&client, "/dated").await;
    clock.advance(secs(90));
    assert_eq!(
        fetch(&client, "/dated").await,
        (CacheStatus::Revalidated, "dated body".into())
    );
    let received = origin.received();
    assert_eq!(received.len(), 2);
    assert!(received[1].headers.get(header::IF_NONE_MATCH).is_none());
    assert_eq!(
        received[1].headers[header::IF_MODIFIED_SINCE],
        httpdate::fmt_http_date(clock.now() - secs(90) - secs(24 * 3600))
    );
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

const TEXT: &str = "courier caches what the origin compressed. ";

#[tokio::test]
async fn rfc9111_4_1_vary_accept_encoding_keeps_the_gzip_and_identity_variants_apart() {
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/text",
            get(|headers: HeaderMap| async move {
                let accepts_gzip = headers
                    .get(header::ACCEPT_ENCODING)
                    .and_then(|value| value.to_str().ok())
                    .is_some_and(|value| value.contains("gzip"));
                let text = TEXT.repeat(100);
                let fields = [
                    (header::CACHE_CONTROL, "max-age=60"),
                    (header::VARY, "Accept-Encoding"),
                ];
                if accepts_gzip {
                    (
                        fields,
                        [(header::CONTENT_ENCODING, "gzip")],
                        gzip(text.as_bytes()),
                    )
                        .into_response()
                } else {
                    (fields, text).into_response()
                }
            }),
        ),
        clock.clone(),
    )
    .await;
    let (_, options) = memory_cache(&clock);
    let client = client(&origin, options);
    let identity = |client: &Client| client.get("/text").header("accept-encoding", "identity");

    // The transport asks for gzip and decodes it: the entry holds the decoded body.
    assert_eq!(
        fetch(&client, "/text").await,
        (CacheStatus::Miss { stored: true }, TEXT.repeat(100))
    );
    let plain = identity(&client).send().await.unwrap();
    assert_eq!(
        plain.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Miss { stored: true })
    );
    assert_eq!(plain.text().await.unwrap(), TEXT.repeat(100));

    for _ in 0..2 {
        let decoded = client.get("/text").send().await.unwrap();
        assert_eq!(
            decoded.extensions().get::<CacheStatus>(),
            Some(&CacheStatus::Hit)
        );
        // The body is served decoded, so it must not claim an encoding.
        assert!(decoded.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(decoded.text().await.unwrap(), TEXT.repeat(100));
        let plain = identity(&client).send().await.unwrap();
        assert_eq!(
            plain.extensions().get::<CacheStatus>(),
            Some(&CacheStatus::Hit)
        );
        assert_eq!(plain.text().await.unwrap(), TEXT.repeat(100));
    }
    let received = origin.received();
    assert_eq!(received.len(), 2);
    let asked: Vec<_> = received
        .iter()
        .map(|received| received.headers[header::ACCEPT_ENCODING].to_str().unwrap())
        .collect();
    assert!(asked[0].contains("gzip"), "{asked:?}");
    assert_eq!(asked[1], "identity");
}

const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 16; // 1 MiB

/// `/big` streams 1 MiB in 64 KiB chunks (no `Content-Length`, so the cache cannot tell the
/// size up front), each chunk only once the test adds a permit to `gate`.
fn gated_download(gate: Arc<Semaphore>) -> Router {
    Router::new().route(
        "/big",
        get(move || {
            let gate = gate.clone();
            async move {
                let chunks = futures_util::stream::unfold(0, move |sent| {
                    let gate = gate.clone();
                    async move {
                        if sent == CHUNKS {
                            return None;
                        }
                        gate.acquire().await.expect("the gate stays open").forget();
                        let chunk = Bytes::from(vec![sent as u8; CHUNK]);
                        Some((Ok::<_, std::io::Error>(chunk), sent + 1))
                    }
                });
                (
                    [(header::CACHE_CONTROL, "max-age=60")],
                    Body::from_stream(chunks),
                )
            }
        }),
    )
}

#[tokio::test]
async fn a_1_mib_body_over_max_entry_size_streams_through_uncached() {
    let clock = clock();
    let gate = Arc::new(Semaphore::new(0));
    let origin = Origin::start(gated_download(gate.clone()), clock.clone()).await;
    let (store, options) = memory_cache(&clock);
    let client = client(&origin, options.max_entry_size(256 * 1024));

    let mut response = client.get("/big").send().await.unwrap();
    // Without a `Content-Length` the size is unknown with the headers: the copy starts, and
    // is dropped once the body outgrows the limit.
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Miss { stored: true })
    );
    // Lock-step: the origin sends chunk n only after the caller has read chunk n - 1, so a
    // cache that buffered the body before handing it on would wait here forever.
    let mut received = 0;
    for sent in 1..=CHUNKS {
        gate.add_permits(1);
        while received < sent * CHUNK {
            let chunk = tokio::time::timeout(secs(30), response.chunk())
                .await
                .expect("the body streams (a buffering cache would hang here)")
                .unwrap()
                .expect("more of the body");
            assert!(chunk.iter().all(|&byte| byte == (received / CHUNK) as u8));
            received += chunk.len();
        }
        assert_eq!(received, sent * CHUNK);
    }
    assert!(response.chunk().await.unwrap().is_none());
    assert_eq!(received, 1024 * 1024);
    assert!(store.is_empty(), "an entry over the limit is not stored");

    // Not cached: the next request goes to the origin again.
    gate.add_permits(CHUNKS);
    let again = client.get("/big").send().await.unwrap();
    assert!(
        !again
            .extensions()
            .get::<CacheStatus>()
            .unwrap()
            .is_from_cache()
    );
    assert_eq!(again.bytes().await.unwrap().len(), 1024 * 1024);
    assert_eq!(origin.hits("/big"), 2);
    assert!(store.is_empty());
}

#[tokio::test]
async fn a_file_store_with_a_cipher_survives_a_client_restart() {
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/profile",
            get(|headers: HeaderMap| async move {
                let fields = [
                    (header::CACHE_CONTROL, "max-age=3600"),
                    (header::ETAG, "\"p1\""),
                ];
                if none_match(&headers, "\"p1\"") {
                    (StatusCode::NOT_MODIFIED, fields, "").into_response()
                } else {
                    (fields, "secret profile data").into_response()
                }
            }),
        ),
        clock.clone(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let key = [42; 32];
    let file_cache = |key: [u8; 32]| {
        let store = FileStore::builder(dir.path())
            .cipher(XChaCha20Poly1305Cipher::new(key))
            .build();
        CacheOptions::new(store).clock(clock.clone())
    };

    let first = client(&origin, file_cache(key));
    assert_eq!(
        fetch(&first, "/profile").await,
        (
            CacheStatus::Miss { stored: true },
            "secret profile data".into()
        )
    );
    drop(first);

    // Encrypted at rest: no file holds the body or the URL in the clear.
    let mut files = 0;
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let contents = std::fs::read(file.unwrap().path()).unwrap();
        let contents = String::from_utf8_lossy(&contents);
        assert!(!contents.contains("secret profile data"));
        assert!(!contents.contains("/profile"));
        files += 1;
    }
    assert!(files > 0, "the entry is on disk");

    // A new client (a restarted app) over the same directory and key: a hit.
    clock.advance(secs(60));
    let restarted = client(&origin, file_cache(key));
    assert_eq!(
        fetch(&restarted, "/profile").await,
        (CacheStatus::Hit, "secret profile data".into())
    );
    assert_eq!(origin.hits("/profile"), 1);

    // Stale: revalidated with a 304 whose freshened metadata is written back to disk, so
    // the next restart finds the entry fresh again.
    clock.advance(secs(3600));
    assert_eq!(
        fetch(&restarted, "/profile").await,
        (CacheStatus::Revalidated, "secret profile data".into())
    );
    drop(restarted);
    clock.advance(secs(60));
    let again = client(&origin, file_cache(key));
    assert_eq!(
        fetch(&again, "/profile").await,
        (CacheStatus::Hit, "secret profile data".into())
    );
    assert_eq!(origin.hits("/profile"), 2);

    // Under another key the entry cannot be decrypted: a miss, never an error.
    let rekeyed = client(&origin, file_cache([7; 32]));
    assert_eq!(
        fetch(&rekeyed, "/profile").await,
        (
            CacheStatus::Miss { stored: true },
            "secret profile data".into()
        )
    );
    assert_eq!(origin.hits("/profile"), 3);
}

/// `/feed`: fresh for a minute, with a validator.
fn feed() -> Router {
    Router::new().route(
        "/feed",
        get(|| async {
            (
                [
                    (header::CACHE_CONTROL, "max-age=60"),
                    (header::ETAG, "\"f1\""),
                ],
                "the feed",
            )
        }),
    )
}

#[tokio::test]
async fn offline_hit_cache_on_network_failure_serves_the_stale_entry_within_max_stale() {
    let clock = clock();
    let mut origin = Origin::start(feed(), clock.clone()).await;
    let (_, options) = memory_cache(&clock);
    let client = client(
        &origin,
        options
            .hit_cache_on_network_failure(true)
            .max_stale(secs(7 * 24 * 3600)),
    );

    fetch(&client, "/feed").await;
    origin.stop().await;
    clock.advance(secs(3600));
    let response = client.get("/feed").send().await.expect("served offline");
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Stale)
    );
    assert_eq!(response.headers()[header::AGE], "3600");
    assert_eq!(response.text().await.unwrap(), "the feed");

    // Past `max_stale` the entry is gone: the failure is the caller's again.
    clock.advance(secs(8 * 24 * 3600));
    let error = client.get("/feed").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
}

#[tokio::test]
async fn offline_without_the_options_the_request_fails_with_a_connection_error() {
    let clock = clock();
    let mut origin = Origin::start(feed(), clock.clone()).await;
    let (store, options) = memory_cache(&clock);
    let client = client(&origin, options);

    fetch(&client, "/feed").await;
    origin.stop().await;
    clock.advance(secs(3600));
    let error = client.get("/feed").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert!(!store.is_empty(), "the entry is kept, only not served");
}

#[tokio::test]
async fn multi_valued_headers_are_served_intact_in_private_mode() {
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/me",
            get(|| async {
                let mut response = Response::new(Body::from("me"));
                let headers = response.headers_mut();
                headers.insert(header::CACHE_CONTROL, "max-age=60".parse().unwrap());
                for cookie in ["session=abc; HttpOnly", "theme=dark; Path=/"] {
                    headers.append(header::SET_COOKIE, cookie.parse().unwrap());
                }
                for link in ["</style.css>; rel=preload", "</next>; rel=next"] {
                    headers.append(header::LINK, link.parse().unwrap());
                }
                response
            }),
        ),
        clock.clone(),
    )
    .await;
    let (_, options) = memory_cache(&clock);
    let client = client(&origin, options);

    let values = |headers: &HeaderMap, name| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    };
    let first = client.get("/me").send().await.unwrap();
    let (cookies, links) = (
        values(first.headers(), header::SET_COOKIE),
        values(first.headers(), header::LINK),
    );
    first.bytes().await.unwrap();
    assert_eq!(cookies, ["session=abc; HttpOnly", "theme=dark; Path=/"]);
    assert_eq!(links, ["</style.css>; rel=preload", "</next>; rel=next"]);

    let hit = client.get("/me").send().await.unwrap();
    assert_eq!(
        hit.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Hit)
    );
    assert_eq!(values(hit.headers(), header::SET_COOKIE), cookies);
    assert_eq!(values(hit.headers(), header::LINK), links);
    assert_eq!(origin.hits("/me"), 1);
}

#[tokio::test]
async fn rfc9111_4_4_a_post_invalidates_the_stored_get() {
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/doc",
            get(|| async { ([(header::CACHE_CONTROL, "max-age=600")], "doc") })
                .post(|| async { StatusCode::NO_CONTENT }),
        ),
        clock.clone(),
    )
    .await;
    let (store, options) = memory_cache(&clock);
    let client = client(&origin, options);

    fetch(&client, "/doc").await;
    assert_eq!(fetch(&client, "/doc").await.0, CacheStatus::Hit);
    let response = client.post("/doc").body("edit").send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(store.is_empty(), "the POST deleted the entry");
    assert_eq!(
        fetch(&client, "/doc").await,
        (CacheStatus::Miss { stored: true }, "doc".into())
    );
    let methods: Vec<_> = origin
        .received()
        .iter()
        .map(|received| received.method.to_string())
        .collect();
    assert_eq!(methods, ["GET", "POST", "GET"]);
}

// One thread: the 50 tasks are queued before the test first waits, so each runs up to its
// first wait (the coalescer, or the origin for the leader) before the origin answers.
#[tokio::test(flavor = "current_thread")]
async fn concurrent_misses_for_one_url_send_one_request_to_the_origin() {
    let clock = clock();
    // The origin holds its answer until the test lets it go, so every task misses while the
    // first request is in flight.
    let arrived = Arc::new(Notify::new());
    let (release, released) = tokio::sync::watch::channel(false);
    let origin = Origin::start(
        Router::new().route(
            "/hot",
            get({
                let arrived = arrived.clone();
                move || {
                    let (arrived, mut released) = (arrived.clone(), released.clone());
                    async move {
                        arrived.notify_one();
                        released
                            .wait_for(|go| *go)
                            .await
                            .expect("the test holds the sender");
                        ([(header::CACHE_CONTROL, "max-age=60")], "hot")
                    }
                }
            }),
        ),
        clock.clone(),
    )
    .await;
    let (_, options) = memory_cache(&clock);
    let client = client(&origin, options);

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { fetch(&client, "/hot").await })
        })
        .collect();
    arrived.notified().await;
    release.send_replace(true);
    let mut statuses = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(body, "hot");
        statuses.push(status);
    }
    assert_eq!(origin.hits("/hot"), 1);
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == CacheStatus::Miss { stored: true })
            .count(),
        1
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == CacheStatus::Hit)
            .count(),
        49
    );
}

#[tokio::test]
async fn the_store_trait_object_is_what_the_interceptor_wrote() {
    // The entry the end-to-end path stored is the one a store reader sees: key, URL, status.
    let clock = clock();
    let origin = Origin::start(feed(), clock.clone()).await;
    let (store, options) = memory_cache(&clock);
    let client = client(&origin, options);
    fetch(&client, "/feed").await;
    let key = format!("GET {}", origin.url("/feed"));
    let entry = store.get(&key, clock.now()).await.unwrap().expect("stored");
    assert_eq!(entry.metadata.url, origin.url("/feed"));
    assert_eq!(entry.metadata.status, 200);
    assert_eq!(&entry.body[..], b"the feed");
}

#[tokio::test]
async fn post_routes_are_not_cached() {
    let clock = clock();
    let origin = Origin::start(
        Router::new().route(
            "/search",
            post(|| async { ([(header::CACHE_CONTROL, "max-age=60")], "results") }),
        ),
        clock.clone(),
    )
    .await;
    let (store, options) = memory_cache(&clock);
    let client = client(&origin, options);
    for _ in 0..2 {
        let response = client.post("/search").body("q").send().await.unwrap();
        assert_eq!(
            response.extensions().get::<CacheStatus>(),
            Some(&CacheStatus::Bypass { stored: false })
        );
        assert_eq!(response.text().await.unwrap(), "results");
    }
    assert_eq!(origin.hits("/search"), 2);
    assert!(store.is_empty());
}
