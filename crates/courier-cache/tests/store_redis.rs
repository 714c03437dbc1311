//! `RedisStore` beyond the shared contract, against real `redis-server`s
//! (`common/redis_server.rs`): server-side expiry from the deadline, prefix isolation,
//! `SCAN`-based cleaning of thousands of entries, unreadable values, metadata updates that
//! leave the body alone, and a cache that survives a Redis restart.

mod common;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use bytes::Bytes;
use common::server::Origin;
use courier::Client;
use courier_cache::entry::{CacheEntry, EntryMetadata, Priority};
use courier_cache::store::{CacheStore, CleanFilter, MatchFilter, RedisStore, StoreErrorKind};
use courier_cache::{CacheInterceptor, CacheOptions, CacheStatus, MockClock};
use futures_util::future::join_all;
use redis::AsyncCommands;
use redis_server::{RedisServer, unique_prefix};

fn entry(key: &str, body: impl Into<Bytes>, now: SystemTime) -> CacheEntry {
    let meta = EntryMetadata::new(
        key,
        http::Method::GET,
        format!("https://r.test/{key}"),
        200,
        now,
    );
    CacheEntry::new(meta, body)
}

async fn store(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::builder(server.url())
        .key_prefix(prefix)
        .build()
        .await
        .expect("connect to redis-server")
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn pttl(raw: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(raw).await.unwrap()
}

#[tokio::test]
async fn the_server_expires_entries_at_their_deadline() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let prefix = unique_prefix("ttl");
    let store = store(&server, &prefix).await;
    let mut raw = raw(&server).await;
    let now = SystemTime::now();
    let key = |name: &str| format!("{prefix}{name}");

    let mut minute = entry("minute", "m", now);
    minute.metadata.expires_at = Some(now + Duration::from_secs(60));
    store.set(minute.clone()).await.unwrap();
    // The deadline is rounded up to the millisecond: never dropped early.
    let ttl = pttl(&mut raw, &key("minute")).await;
    assert!(0 < ttl && ttl <= 60_001, "PTTL {ttl}");

    store.set(entry("forever", "f", now)).await.unwrap();
    assert_eq!(
        pttl(&mut raw, &key("forever")).await,
        -1,
        "no deadline, no expiry"
    );

    // Freshening moves the expiry with the deadline, and drops it with the deadline.
    let mut later = minute.metadata.clone();
    later.expires_at = Some(now + Duration::from_secs(3 * 3600));
    assert!(store.update_metadata(later.clone()).await.unwrap());
    let ttl = pttl(&mut raw, &key("minute")).await;
    assert!(
        2 * 3600 * 1000 < ttl && ttl <= 3 * 3600 * 1000 + 1,
        "PTTL {ttl}"
    );
    later.expires_at = None;
    assert!(store.update_metadata(later).await.unwrap());
    assert_eq!(pttl(&mut raw, &key("minute")).await, -1);

    // Overwriting an entry that had an expiry with one that has none clears it.
    let mut expiring = entry("overwritten", "o", now);
    expiring.metadata.expires_at = Some(now + Duration::from_secs(60));
    store.set(expiring).await.unwrap();
    store.set(entry("overwritten", "o2", now)).await.unwrap();
    assert_eq!(pttl(&mut raw, &key("overwritten")).await, -1);

    // A deadline the server's clock has passed (a caller on a virtual clock in the past)
    // keeps the key for a while: the caller still finds it at its own `now`.
    let past = now - Duration::from_secs(24 * 3600);
    let mut behind = entry("behind", "b", past);
    behind.metadata.expires_at = Some(past + Duration::from_secs(60));
    store.set(behind).await.unwrap();
    let ttl = pttl(&mut raw, &key("behind")).await;
    assert!(0 < ttl && ttl <= 3600 * 1000, "PTTL {ttl}");
    assert!(store.get("behind", past).await.unwrap().is_some());
    assert!(store.get("behind", now).await.unwrap().is_none());

    // Leave a shared (`REDIS_URL`) server as it was.
    store.clean(CleanFilter::all(), now).await.unwrap();
}

#[tokio::test]
async fn prefixes_keep_stores_apart() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let a = store(&server, &unique_prefix("a")).await;
    let b = store(&server, &unique_prefix("b")).await;
    let now = SystemTime::now();
    for key in ["shared", "only-a"] {
        a.set(entry(key, format!("a {key}"), now)).await.unwrap();
    }
    b.set(entry("shared", "b shared", now)).await.unwrap();

    assert_eq!(
        a.get("shared", now).await.unwrap().unwrap().body,
        "a shared"
    );
    assert_eq!(
        b.get("shared", now).await.unwrap().unwrap().body,
        "b shared"
    );
    assert!(b.get("only-a", now).await.unwrap().is_none());
    assert_eq!(
        b.get_matching(&MatchFilter::new(), now)
            .await
            .unwrap()
            .len(),
        1
    );

    assert_eq!(a.clean(CleanFilter::all(), now).await.unwrap(), 2);
    assert!(a.get("shared", now).await.unwrap().is_none());
    assert_eq!(
        b.get("shared", now).await.unwrap().unwrap().body,
        "b shared"
    );
    assert_eq!(
        b.delete_matching(&MatchFilter::new().path_prefix("/shared"))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_walks_thousands_of_entries() {
    const ENTRIES: usize = 2_000;
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = store(&server, &unique_prefix("many")).await;
    let now = SystemTime::now();
    for chunk in (0..ENTRIES).collect::<Vec<_>>().chunks(250) {
        join_all(chunk.iter().map(|&i| {
            let mut e = entry(&format!("e{i}"), format!("body {i}"), now);
            e.metadata.priority = if i % 2 == 0 {
                Priority::Low
            } else {
                Priority::High
            };
            if i % 4 == 1 {
                // Expired for the caller (the server keeps it for a grace period).
                e.metadata.expires_at = Some(now - Duration::from_secs(1));
            }
            let store = &store;
            async move { store.set(e).await.unwrap() }
        }))
        .await;
    }

    let low = CleanFilter {
        priority_at_most: Some(Priority::Low),
        only_expired: false,
    };
    assert_eq!(store.clean(low, now).await.unwrap(), ENTRIES / 2);
    assert_eq!(
        store.clean(CleanFilter::expired(), now).await.unwrap(),
        ENTRIES / 4
    );
    let left = store.get_matching(&MatchFilter::new(), now).await.unwrap();
    assert_eq!(left.len(), ENTRIES / 4);
    assert!(left.iter().all(|e| e.metadata.priority == Priority::High));
    let glob = MatchFilter::new().path_glob("/e1*");
    let expected = (0..ENTRIES)
        .filter(|i| i % 4 == 3 && i.to_string().starts_with('1'))
        .count();
    assert_eq!(store.delete_matching(&glob).await.unwrap(), expected);
    assert_eq!(
        store.clean(CleanFilter::all(), now).await.unwrap(),
        ENTRIES / 4 - expected
    );
    assert!(
        store
            .get_matching(&MatchFilter::new(), now)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn unreadable_values_are_misses_and_are_deleted() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let prefix = unique_prefix("corrupt");
    let store = store(&server, &prefix).await;
    let mut raw = raw(&server).await;
    let now = SystemTime::now();
    let key = |name: &str| format!("{prefix}{name}");
    let exists = |raw: &mut redis::aio::MultiplexedConnection, name: String| {
        let mut raw = raw.clone();
        async move { raw.exists::<_, bool>(name).await.unwrap() }
    };

    // Garbage metadata.
    store.set(entry("garbage", "g", now)).await.unwrap();
    let _: () = raw
        .hset(key("garbage"), "meta", b"not an entry")
        .await
        .unwrap();
    assert!(store.get("garbage", now).await.unwrap().is_none());
    assert!(!exists(&mut raw, key("garbage")).await);

    // Another format version (the byte after the magic number).
    store.set(entry("future", "f", now)).await.unwrap();
    let mut meta: Vec<u8> = raw.hget(key("future"), "meta").await.unwrap();
    meta[4] = meta[4].wrapping_add(1);
    let _: () = raw.hset(key("future"), "meta", meta).await.unwrap();
    assert!(store.get("future", now).await.unwrap().is_none());
    assert!(!exists(&mut raw, key("future")).await);

    // A body that is not the one the metadata names.
    store.set(entry("body", "original", now)).await.unwrap();
    let _: () = raw.hset(key("body"), "body", "Original").await.unwrap();
    assert!(store.get("body", now).await.unwrap().is_none());
    assert!(!exists(&mut raw, key("body")).await);

    // Metadata without a body.
    store.set(entry("half", "h", now)).await.unwrap();
    let _: () = raw.hdel(key("half"), "body").await.unwrap();
    assert!(store.get("half", now).await.unwrap().is_none());
    assert!(!exists(&mut raw, key("half")).await);

    // Not a hash at all.
    let _: () = raw.set(key("string"), "garbage").await.unwrap();
    assert!(store.get("string", now).await.unwrap().is_none());
    assert!(!exists(&mut raw, key("string")).await);
    let _: () = raw.rpush(key("list"), "garbage").await.unwrap();
    assert!(!store.exists("list", now).await.unwrap());
    assert!(!exists(&mut raw, key("list")).await);
    let _: () = raw.set(key("freshened"), "garbage").await.unwrap();
    let meta = entry("freshened", "", now).metadata;
    assert!(!store.update_metadata(meta).await.unwrap());
    assert!(!exists(&mut raw, key("freshened")).await);

    // Walks delete what they cannot read, and count only the entries they select.
    store.set(entry("good", "ok", now)).await.unwrap();
    let _: () = raw.set(key("walked-string"), "garbage").await.unwrap();
    let _: () = raw
        .hset(key("walked-hash"), "meta", "garbage")
        .await
        .unwrap();
    let found = store.get_matching(&MatchFilter::new(), now).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(!exists(&mut raw, key("walked-string")).await);
    assert!(!exists(&mut raw, key("walked-hash")).await);
    let _: () = raw.set(key("cleaned"), "garbage").await.unwrap();
    assert_eq!(store.clean(CleanFilter::all(), now).await.unwrap(), 1);
    assert!(!exists(&mut raw, key("cleaned")).await);
    let outside = format!("{}k", unique_prefix("outside"));
    let _: () = raw.set(&outside, "untouched").await.unwrap();
    assert_eq!(store.clean(CleanFilter::all(), now).await.unwrap(), 0);
    assert!(exists(&mut raw, outside.clone()).await);
    let _: () = raw.del(&outside).await.unwrap();
}

#[tokio::test]
async fn freshening_never_sends_the_body_again() {
    // Its own server: it reads the server's traffic counter.
    let Some(server) = RedisServer::start_own() else {
        return;
    };
    let store = store(&server, &unique_prefix("freshen")).await;
    let mut raw = raw(&server).await;
    let now = SystemTime::now();
    let body = Bytes::from(vec![7u8; 1 << 20]);
    store.set(entry("big", body.clone(), now)).await.unwrap();

    async fn bytes_received(raw: &mut redis::aio::MultiplexedConnection) -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("stats")
            .query_async(raw)
            .await
            .unwrap();
        info.lines()
            .find_map(|line| line.strip_prefix("total_net_input_bytes:"))
            .and_then(|value| value.trim().parse().ok())
            .expect("total_net_input_bytes in INFO stats")
    }
    let before = bytes_received(&mut raw).await;
    let mut meta = entry("big", "", now).metadata;
    meta.status = 203;
    assert!(store.update_metadata(meta).await.unwrap());
    let sent = bytes_received(&mut raw).await - before;
    assert!(sent < 16 * 1024, "freshening sent {sent} bytes");

    let hit = store.get("big", now).await.unwrap().unwrap();
    assert_eq!((hit.metadata.status, hit.body), (203, body));
}

#[tokio::test]
async fn entries_over_the_size_limit_are_not_stored() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::builder(server.url())
        .key_prefix(unique_prefix("limit"))
        .max_entry_bytes(4096)
        .build()
        .await
        .unwrap();
    let now = SystemTime::now();
    store.set(entry("k", "small", now)).await.unwrap();
    store.set(entry("k", vec![0u8; 8192], now)).await.unwrap();
    assert!(
        store.get("k", now).await.unwrap().is_none(),
        "the older entry is gone too"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_an_io_error() {
    let Some(mut server) = RedisServer::start_own() else {
        return;
    };
    let store = store(&server, &unique_prefix("down")).await;
    let now = SystemTime::now();
    store.set(entry("k", "v", now)).await.unwrap();
    server.kill();
    for _ in 0..3 {
        let err = store.get("k", now).await.unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Io, "{err:?}");
        let err = store.set(entry("k", "v", now)).await.unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Io, "{err:?}");
    }
    assert_eq!(
        RedisStore::connect(server.url()).await.unwrap_err().kind(),
        StoreErrorKind::Io
    );
}

#[tokio::test]
async fn a_hung_server_fails_calls_instead_of_hanging_them() {
    let Some(mut server) = RedisServer::start_own() else {
        return;
    };
    let store = RedisStore::builder(server.url())
        .key_prefix(unique_prefix("hung"))
        .response_timeout(Duration::from_millis(200))
        .build()
        .await
        .unwrap();
    let now = SystemTime::now();
    store.set(entry("k", "v", now)).await.unwrap();
    server.freeze(true);
    // A guard against a hang, far above the response timeout; not a measurement.
    let guard = Duration::from_secs(30);
    let read = tokio::time::timeout(guard, store.get("k", now)).await;
    let err = read.expect("the call returned").unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Io, "{err:?}");
    let write = tokio::time::timeout(guard, store.set(entry("k", "w", now))).await;
    assert!(write.expect("the call returned").is_err());
    server.freeze(false);
    let mut body = None;
    for _ in 0..50 {
        if let Ok(Some(hit)) = store.get("k", now).await {
            body = Some(hit.body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        body.is_some(),
        "the store answers again once the server does"
    );
}

/// A courier client whose cache is Redis keeps answering while Redis is down (from the
/// origin), and caches again once Redis is back, with the same store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_survives_a_redis_restart() {
    let Some(mut server) = RedisServer::start_own() else {
        return;
    };
    let clock = MockClock::new(SystemTime::now());
    let origin = Origin::start(
        Router::new().route(
            "/page",
            get(|| async { ([(header::CACHE_CONTROL, "max-age=3600")], "the page") }),
        ),
        clock.clone(),
    )
    .await;
    let store = store(&server, &unique_prefix("restart")).await;
    let client = Client::builder()
        .base_url(origin.url("/"))
        .no_proxy()
        .interceptor(CacheInterceptor::new(
            CacheOptions::new(store).clock(clock.clone()),
        ))
        .build()
        .unwrap();
    let fetch = || async {
        let response = client.get("/page").send().await.expect("a response");
        let status = *response.extensions().get::<CacheStatus>().unwrap();
        (status, response.text().await.expect("a body"))
    };

    assert_eq!(
        fetch().await,
        (CacheStatus::Miss { stored: true }, "the page".into())
    );
    assert_eq!(fetch().await, (CacheStatus::Hit, "the page".into()));
    assert_eq!(origin.hits("/page"), 1);

    server.kill();
    for _ in 0..5 {
        let (status, body) = fetch().await;
        assert!(matches!(status, CacheStatus::Miss { .. }), "{status:?}");
        assert_eq!(body, "the page");
    }
    assert_eq!(origin.hits("/page"), 6, "every request went to the origin");

    server.restart();
    // The restarted server is empty: one request stores again, the next is a hit. The
    // connection comes back on a call after the restart, so allow a few misses first.
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let (status, body) = fetch().await;
        assert_eq!(body, "the page");
        statuses.push(status);
        if status == CacheStatus::Hit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(statuses.last(), Some(&CacheStatus::Hit), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_on_a_cluster_cover_every_master() {
    const ENTRIES: usize = 300;
    let Some(cluster) = redis_server::RedisCluster::start() else {
        return;
    };
    let store = RedisStore::cluster_builder(cluster.urls())
        .key_prefix(unique_prefix("cluster"))
        .build()
        .await
        .expect("connect to the cluster");
    let now = SystemTime::now();
    join_all((0..ENTRIES).map(|i| store.set(entry(&format!("e{i}"), "b", now))))
        .await
        .into_iter()
        .for_each(|stored| stored.unwrap());

    // The keys are spread over the three masters.
    for url in cluster.urls() {
        let mut node = redis::Client::open(url)
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let keys: usize = redis::cmd("DBSIZE").query_async(&mut node).await.unwrap();
        assert!(keys > 0, "a master holds no entry");
    }
    let all = store.get_matching(&MatchFilter::new(), now).await.unwrap();
    assert_eq!(all.len(), ENTRIES);
    let tens = MatchFilter::new().path_glob("/e*0");
    assert_eq!(store.delete_matching(&tens).await.unwrap(), ENTRIES / 10);
    assert_eq!(
        store.clean(CleanFilter::all(), now).await.unwrap(),
        ENTRIES - ENTRIES / 10
    );
    assert!(
        store
            .get_matching(&MatchFilter::new(), now)
            .await
            .unwrap()
            .is_empty()
    );
}
