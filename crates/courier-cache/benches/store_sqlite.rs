//! Wall-clock cost of `SqliteStore` set and get against raw rusqlite doing the same work and
//! against cacache (the disk store of http-cache).
//!
//! Each `store_sqlite/<op>/<size>` group (`op` = `set` or `get`, sizes `1kib` and `100kib`)
//! measures, side by side in one run:
//!
//! - `sqlite_store`: [`SqliteStore`] through the `CacheStore` trait (an entry with a few
//!   headers; metadata frame, checksums, access batching, eviction checks included);
//! - `raw_rusqlite`: one connection behind a mutex with the store's pragmas (WAL,
//!   `synchronous = NORMAL`, busy timeout, a 256 MiB memory map), `INSERT OR REPLACE` / `SELECT` of a blob by key
//!   in a `(key TEXT PRIMARY KEY, body BLOB)` table, with cached statements, on
//!   `spawn_blocking` like the store (what an async caller of rusqlite must do): the floor
//!   the store's overhead is measured against;
//! - `cacache`: `cacache::write` / `cacache::read` of the body (its tokio API).
//!
//! Sets cycle over 512 keys with a body made of a counter repeated, so no variant writes
//! the same bytes twice (SQLite skips unchanged overflow pages, cacache deduplicates
//! content); building that body is in every variant's loop. Gets cycle over 512 stored keys; each body's length and stamp are
//! checked in the loop.
//!
//! `store_sqlite/get_c8/1kib` runs 8 concurrent gets per iteration (throughput in gets)
//! with `sqlite_store` (4 reader connections, the default), `sqlite_store_no_readers`
//! (reads share the writer's connection) and `raw_rusqlite` (one connection): what the
//! reader pool buys.
//!
//! Run: `cargo bench -p courier-cache --features sqlite --bench store_sqlite`
//! (`-- get/1kib` for a subset). `BENCH_ORDER=reverse` registers the variants in reverse
//! order, so a drift during the run does not always favour the same one. On a shared,
//! noisy machine, `BENCH_INTERLEAVED=1` instead alternates the variants batch by batch and
//! prints each one's median per operation and its ratio to `raw_rusqlite`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use courier_cache::entry::{CacheEntry, EntryMetadata};
use courier_cache::store::{CacheStore, SqliteStore};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group};
use futures_util::future::join_all;
use http::{HeaderValue, Method};
use rusqlite::{Connection, OptionalExtension};

const SIZES: [(&str, usize); 2] = [("1kib", 1024), ("100kib", 100 * 1024)];
/// The keys sets and gets cycle over: 512 when benchmarking, 8 when `cargo test` runs each
/// bench once (so the test run does not write hundreds of megabytes first).
fn keys() -> u64 {
    static KEYS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *KEYS.get_or_init(|| {
        if std::env::args().any(|arg| arg == "--bench") {
            512
        } else {
            8
        }
    })
}

/// `names` in the order this run registers them (`BENCH_ORDER=reverse` flips it).
fn ordered<T>(mut names: Vec<T>) -> Vec<T> {
    if std::env::var("BENCH_ORDER").is_ok_and(|order| order == "reverse") {
        names.reverse();
    }
    names
}

/// A multi-threaded runtime, as a server or app runs: the blocking pool's threads hand
/// results back to a worker that is already awake more often than on a current-thread
/// runtime, whose one thread parks between operations.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn key(i: u64) -> String {
    format!("GET https://bench.test/items/{}", i % keys())
}

/// A body the length of `template` made of `stamp` repeated: every page of it differs
/// from the previous body under the key (SQLite skips rewriting unchanged overflow pages,
/// and cacache deduplicates content).
fn body(template: &[u8], stamp: u64) -> Bytes {
    let mut body = template.to_vec();
    for chunk in body.chunks_exact_mut(8) {
        chunk.copy_from_slice(&stamp.to_le_bytes());
    }
    Bytes::from(body)
}

/// Checks that `body` is the one stored for key `i`.
fn check(body: &[u8], len: usize, i: u64) {
    assert_eq!(body.len(), len);
    assert_eq!(
        u64::from_le_bytes(body[..8].try_into().unwrap()),
        i % keys()
    );
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// What an HTTP cache stores with a body: a few response headers.
fn metadata(key: &str) -> EntryMetadata {
    let url = key.trim_start_matches("GET ");
    let mut meta = EntryMetadata::new(key, Method::GET, url, 200, now());
    meta.expires_at = Some(now() + Duration::from_secs(24 * 3600));
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
    meta
}

/// rusqlite used directly: the floor of the store's overhead.
#[derive(Clone)]
struct RawSqlite {
    conn: Arc<Mutex<Connection>>,
}

impl RawSqlite {
    fn open(path: &Path) -> Self {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)
            .unwrap();
        conn.execute_batch("CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, body BLOB NOT NULL)")
            .unwrap();
        RawSqlite {
            conn: Arc::new(Mutex::new(conn)),
        }
    }

    async fn set(&self, key: String, body: Bytes) {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap();
            conn.prepare_cached("INSERT OR REPLACE INTO kv (key, body) VALUES (?1, ?2)")
                .unwrap()
                .execute((key, &body[..]))
                .unwrap();
        })
        .await
        .unwrap();
    }

    async fn get(&self, key: String) -> Option<Bytes> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap();
            conn.prepare_cached("SELECT body FROM kv WHERE key = ?1")
                .unwrap()
                .query_row([key], |row| {
                    Ok(Bytes::copy_from_slice(row.get_ref(0)?.as_blob()?))
                })
                .optional()
                .unwrap()
        })
        .await
        .unwrap()
    }
}

/// The compared stores, each in its own file or directory of one temporary directory.
struct Stores {
    _dir: tempfile::TempDir,
    sqlite_store: SqliteStore,
    sqlite_store_no_readers: SqliteStore,
    raw: RawSqlite,
    cacache: PathBuf,
}

impl Stores {
    fn open(runtime: &tokio::runtime::Runtime) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (sqlite_store, sqlite_store_no_readers) = runtime.block_on(async {
            (
                SqliteStore::open(dir.path().join("store.sqlite"))
                    .await
                    .unwrap(),
                SqliteStore::builder(dir.path().join("store-no-readers.sqlite"))
                    .read_connections(0)
                    .build()
                    .await
                    .unwrap(),
            )
        });
        Stores {
            sqlite_store,
            sqlite_store_no_readers,
            raw: RawSqlite::open(&dir.path().join("raw.sqlite")),
            cacache: dir.path().join("cacache"),
            _dir: dir,
        }
    }

    async fn set(&self, variant: &str, i: u64, template: &[u8]) {
        let key = key(i);
        let body = body(template, i);
        match variant {
            "sqlite_store" | "sqlite_store_no_readers" => {
                let store = if variant == "sqlite_store" {
                    &self.sqlite_store
                } else {
                    &self.sqlite_store_no_readers
                };
                let meta = metadata(&key);
                store.set(CacheEntry::new(meta, body)).await.unwrap();
            }
            "raw_rusqlite" => self.raw.set(key, body).await,
            "cacache" => {
                cacache::write(&self.cacache, key, body).await.unwrap();
            }
            _ => unreachable!("{variant}"),
        }
    }

    async fn get(&self, variant: &str, i: u64, len: usize) {
        let key = key(i);
        match variant {
            "sqlite_store" | "sqlite_store_no_readers" => {
                let store = if variant == "sqlite_store" {
                    &self.sqlite_store
                } else {
                    &self.sqlite_store_no_readers
                };
                let hit = store.get(&key, now()).await.unwrap().expect("a hit");
                check(&hit.body, len, i);
            }
            "raw_rusqlite" => check(&self.raw.get(key).await.expect("a hit"), len, i),
            "cacache" => check(&cacache::read(&self.cacache, key).await.unwrap(), len, i),
            _ => unreachable!("{variant}"),
        }
    }
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, elements: u64) {
    group
        .throughput(Throughput::Elements(elements))
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
}

const VARIANTS: [&str; 3] = ["sqlite_store", "raw_rusqlite", "cacache"];

/// `store_sqlite/set/<size>`: storing an entry under one of 512 keys.
fn set(c: &mut Criterion) {
    let runtime = runtime();
    for (size, len) in SIZES {
        let stores = Stores::open(&runtime);
        let template = vec![0x5a; len];
        let counter = AtomicU64::new(0);
        let mut group = c.benchmark_group(format!("store_sqlite/set/{size}"));
        configure(&mut group, 1);
        for variant in ordered(VARIANTS.to_vec()) {
            group.bench_function(variant, |b| {
                b.to_async(&runtime).iter(|| {
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    stores.set(variant, i, &template)
                });
            });
        }
        group.finish();
    }
}

/// `store_sqlite/get/<size>`: reading one of 512 stored entries.
fn get(c: &mut Criterion) {
    let runtime = runtime();
    for (size, len) in SIZES {
        let stores = Stores::open(&runtime);
        let template = vec![0x5a; len];
        runtime.block_on(async {
            for variant in VARIANTS {
                for i in 0..keys() {
                    stores.set(variant, i, &template).await;
                }
            }
        });
        let counter = AtomicU64::new(0);
        let mut group = c.benchmark_group(format!("store_sqlite/get/{size}"));
        configure(&mut group, 1);
        for variant in ordered(VARIANTS.to_vec()) {
            group.bench_function(variant, |b| {
                b.to_async(&runtime).iter(|| {
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    stores.get(variant, i, len)
                });
            });
        }
        group.finish();
    }
}

/// `store_sqlite/get_c8/1kib`: eight concurrent gets, with and without reader connections.
fn get_concurrent(c: &mut Criterion) {
    const CONCURRENCY: u64 = 8;
    let runtime = runtime();
    let (size, len) = SIZES[0];
    let stores = Stores::open(&runtime);
    let template = vec![0x5a; len];
    let variants = ["sqlite_store", "sqlite_store_no_readers", "raw_rusqlite"];
    runtime.block_on(async {
        for variant in variants {
            for i in 0..keys() {
                stores.set(variant, i, &template).await;
            }
        }
    });
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group(format!("store_sqlite/get_c8/{size}"));
    configure(&mut group, CONCURRENCY);
    for variant in ordered(variants.to_vec()) {
        group.bench_function(variant, |b| {
            b.to_async(&runtime).iter(|| {
                let first = counter.fetch_add(CONCURRENCY, Ordering::Relaxed);
                let stores = &stores;
                async move {
                    join_all((first..first + CONCURRENCY).map(|i| stores.get(variant, i, len)))
                        .await;
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, set, get, get_concurrent);

/// Per-operation medians of the variants measured in alternation: round after round, each
/// variant runs a short batch (in an order that rotates every round), so a machine whose
/// load drifts (other builds on a shared box) slows every variant alike. Prints each
/// median and its ratio to `raw_rusqlite`.
fn interleaved() {
    const ROUNDS: usize = 41;
    let runtime = runtime();
    for op in ["set", "get"] {
        for (size, len) in SIZES {
            let stores = Stores::open(&runtime);
            let template = vec![0x5a; len];
            if op == "get" {
                runtime.block_on(async {
                    for variant in VARIANTS {
                        for i in 0..keys() {
                            stores.set(variant, i, &template).await;
                        }
                    }
                });
            }
            // Batches long enough to hold several WAL checkpoints (one per ~1000 pages
            // written), whose fsyncs dominate a write's cost on a busy disk.
            let batch: u64 = match (op, len > 10_000) {
                ("set", true) => 64,
                ("set", false) => 256,
                (_, true) => 32,
                (_, false) => 128,
            };
            let mut samples: Vec<Vec<f64>> = vec![Vec::new(); VARIANTS.len()];
            let mut next = 0u64;
            for round in 0..ROUNDS {
                for offset in 0..VARIANTS.len() {
                    let index = (round + offset) % VARIANTS.len();
                    let variant = VARIANTS[index];
                    let start = std::time::Instant::now();
                    runtime.block_on(async {
                        for i in next..next + batch {
                            if op == "set" {
                                stores.set(variant, i, &template).await;
                            } else {
                                stores.get(variant, i, len).await;
                            }
                        }
                    });
                    next += batch;
                    samples[index].push(start.elapsed().as_secs_f64() / batch as f64);
                }
            }
            let medians: Vec<f64> = samples
                .iter_mut()
                .map(|times| {
                    times.sort_by(f64::total_cmp);
                    times[times.len() / 2]
                })
                .collect();
            let raw = medians[1];
            let line: Vec<String> = VARIANTS
                .iter()
                .zip(&medians)
                .map(|(variant, median)| {
                    format!("{variant} {:.1} µs ({:.2}x)", median * 1e6, median / raw)
                })
                .collect();
            println!(
                "store_sqlite/{op}/{size} (median per op, x raw_rusqlite): {}",
                line.join(", ")
            );
        }
    }
}

fn main() {
    if std::env::var_os("BENCH_INTERLEAVED").is_some() {
        interleaved();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
