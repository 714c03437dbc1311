//! Wall-clock cost of `RedisStore` against the raw Redis commands it is built on.
//!
//! Starts its own `redis-server` on a free loopback port (`tests/common/redis_server.rs`).
//! Each `store_redis/<op>/<size>` group compares, in the same run:
//!
//! - `redis_store`: `RedisStore::set` of an entry (a few headers, a one-hour deadline: an
//!   `HSET` of metadata and body pipelined with a `PEXPIREAT`), or `RedisStore::get` (an
//!   `HMGET`, decoding the metadata and checking the body's CRC-32);
//! - `raw`: `SET` / `GET` of the same body bytes on the same kind of connection (a
//!   `ConnectionManager` with the same settings), returning `Bytes` as the store does.
//!
//! Sizes `1kib` and `100kib`; one operation per iteration on a current-thread runtime. Every
//! body read is checked (length, first and last byte) in the loop.
//!
//! Criterion measures one variant after the other, so on a busy machine a drift in load
//! lands on one of them. After the criterion groups, a `cargo bench` run therefore also
//! measures the two variants **interleaved**: rounds of 200 operations of each, alternating
//! which goes first, and prints per case the median time per operation of each and the
//! median of the per-round ratios (`PAIRED_ROUNDS` sets the number of rounds, default 61).
//!
//! Run: `cargo bench -p courier-cache --features redis --bench store_redis`. Set
//! `BENCH_ORDER=reverse` to register the criterion variants in reverse order. Without
//! `redis-server` it prints a notice and measures nothing (under `CI=true` it fails).
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use courier_cache::entry::{CacheEntry, EntryMetadata};
use courier_cache::store::{CacheStore, RedisStore};
use criterion::{BatchSize, Criterion, Throughput};
use http::{HeaderValue, Method};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::runtime::Runtime;

/// The compared body sizes, with their names in bench ids.
const SIZES: [(&str, usize); 2] = [("1kib", 1024), ("100kib", 100 * 1024)];
/// Operations per variant in one round of the interleaved measurement.
const PAIRED_OPS: usize = 200;

const STORE_KEY: &str = "k";
const RAW_KEY: &str = "bench:raw:k";

/// What is compared: the store and a raw connection of the kind it uses, on one server.
struct Subjects {
    runtime: Runtime,
    store: RedisStore,
    raw: ConnectionManager,
}

impl Subjects {
    async fn store_set(&self, entry: CacheEntry) {
        self.store.set(entry).await.unwrap();
    }

    async fn raw_set(&self, body: &Bytes) {
        let mut raw = self.raw.clone();
        redis::cmd("SET")
            .arg(RAW_KEY)
            .arg(&body[..])
            .query_async::<()>(&mut raw)
            .await
            .unwrap();
    }

    async fn store_get(&self, len: usize) {
        let hit = self
            .store
            .get(STORE_KEY, SystemTime::now())
            .await
            .unwrap()
            .expect("a hit");
        check_body(&hit.body, len);
    }

    async fn raw_get(&self, len: usize) {
        let mut raw = self.raw.clone();
        let hit: Option<Bytes> = redis::cmd("GET")
            .arg(RAW_KEY)
            .query_async(&mut raw)
            .await
            .unwrap();
        check_body(&hit.expect("a hit"), len);
    }
}

/// The variants in the order this run registers them (`BENCH_ORDER=reverse` flips it).
fn variants() -> Vec<&'static str> {
    let mut names = vec!["redis_store", "raw"];
    if std::env::var("BENCH_ORDER").is_ok_and(|order| order == "reverse") {
        names.reverse();
    }
    names
}

fn body(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

fn check_body(body: &[u8], len: usize) {
    assert_eq!(body.len(), len);
    assert_eq!(body.first().copied(), Some(0));
    assert_eq!(body.last().copied(), Some(((len - 1) % 251) as u8));
}

/// An entry as the cache interceptor stores one: a few response headers, a deadline.
fn entry(body: Bytes) -> CacheEntry {
    let now = SystemTime::now();
    let mut meta = EntryMetadata::new(
        STORE_KEY,
        Method::GET,
        "https://api.example/v1/items?page=2",
        200,
        now,
    );
    let headers = &mut meta.headers;
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("max-age=3600"));
    headers.insert(
        "etag",
        HeaderValue::from_static("\"33a64df551425fcc55e4d42a148795d9\""),
    );
    headers.insert(
        "date",
        HeaderValue::from_static("Tue, 15 Nov 1994 08:12:31 GMT"),
    );
    meta.expires_at = Some(now + Duration::from_secs(3600));
    CacheEntry::new(meta, body)
}

fn subjects(server: &redis_server::RedisServer) -> Subjects {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let store = runtime.block_on(async {
        RedisStore::builder(server.url())
            .key_prefix("bench:store:")
            .build()
            .await
            .expect("connect the store")
    });
    // The raw engine: the connection type and settings the store uses.
    let raw = runtime.block_on(async {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(0);
        redis::Client::open(server.url())
            .unwrap()
            .get_connection_manager_with_config(config)
            .await
            .expect("connect the raw client")
    });
    Subjects {
        runtime,
        store,
        raw,
    }
}

fn criterion_groups(c: &mut Criterion, subjects: &Subjects) {
    let runtime = &subjects.runtime;
    for (size_name, len) in SIZES {
        let body = body(len);
        let entry = entry(body.clone());

        let mut group = c.benchmark_group(format!("store_redis/set/{size_name}"));
        group.throughput(Throughput::Bytes(len as u64));
        for variant in variants() {
            match variant {
                // The entry is the caller's: cloning it is not the store's cost.
                "redis_store" => group.bench_function(variant, |b| {
                    b.to_async(runtime).iter_batched(
                        || entry.clone(),
                        |entry| subjects.store_set(entry),
                        BatchSize::SmallInput,
                    )
                }),
                _ => group.bench_function(variant, |b| {
                    b.to_async(runtime).iter(|| subjects.raw_set(&body))
                }),
            };
        }
        group.finish();

        runtime.block_on(async {
            subjects.store_set(entry.clone()).await;
            subjects.raw_set(&body).await;
        });
        let mut group = c.benchmark_group(format!("store_redis/get/{size_name}"));
        group.throughput(Throughput::Bytes(len as u64));
        for variant in variants() {
            match variant {
                "redis_store" => group.bench_function(variant, |b| {
                    b.to_async(runtime).iter(|| subjects.store_get(len))
                }),
                _ => group.bench_function(variant, |b| {
                    b.to_async(runtime).iter(|| subjects.raw_get(len))
                }),
            };
        }
        group.finish();
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Times `op` on each of `inputs` (made beforehand, so not timed), in microseconds per
/// operation.
fn time_round<T>(runtime: &Runtime, inputs: Vec<T>, op: impl AsyncFn(T)) -> f64 {
    let count = inputs.len();
    runtime.block_on(async {
        let start = Instant::now();
        for input in inputs {
            op(input).await;
        }
        start.elapsed().as_secs_f64() * 1e6 / count as f64
    })
}

/// The interleaved measurement: rounds of each variant, alternating which goes first.
fn paired_report(subjects: &Subjects) {
    let rounds: usize = std::env::var("PAIRED_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(61);
    let runtime = &subjects.runtime;
    println!("\nstore_redis interleaved ({rounds} rounds of {PAIRED_OPS} operations each):");
    println!("case              redis_store µs   raw µs   ratio (median of rounds)");
    for (size_name, len) in SIZES {
        let body = body(len);
        let entry = entry(body.clone());
        for op in ["set", "get"] {
            runtime.block_on(async {
                subjects.store_set(entry.clone()).await;
                subjects.raw_set(&body).await;
            });
            let (mut store_times, mut raw_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                let store_round = || match op {
                    "set" => time_round(runtime, vec![entry.clone(); PAIRED_OPS], async |entry| {
                        subjects.store_set(entry).await
                    }),
                    _ => time_round(runtime, vec![(); PAIRED_OPS], async |()| {
                        subjects.store_get(len).await
                    }),
                };
                let raw_round = || match op {
                    "set" => time_round(runtime, vec![(); PAIRED_OPS], async |()| {
                        subjects.raw_set(&body).await
                    }),
                    _ => time_round(runtime, vec![(); PAIRED_OPS], async |()| {
                        subjects.raw_get(len).await
                    }),
                };
                let (store, raw) = if round % 2 == 0 {
                    let store = store_round();
                    (store, raw_round())
                } else {
                    let raw = raw_round();
                    (store_round(), raw)
                };
                store_times.push(store);
                raw_times.push(raw);
                ratios.push(store / raw);
            }
            println!(
                "{:<17} {:>14.2} {:>8.2}   {:.2}",
                format!("{op}/{size_name}"),
                median(&mut store_times),
                median(&mut raw_times),
                median(&mut ratios)
            );
        }
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let Some(server) = redis_server::RedisServer::start_own() else {
        return;
    };
    let subjects = subjects(&server);
    criterion_groups(&mut criterion, &subjects);
    // Under `cargo test` (no `--bench`), criterion runs each bench once as a check; the
    // interleaved measurement is for real runs only.
    if std::env::args().any(|arg| arg == "--bench") {
        paired_report(&subjects);
    }
    criterion.final_summary();
}
