//! What `RedbStore` costs over the redb engine it is built on.
//!
//! Each `store_redb/<op>/<size>` group (`op` = `set` or `get`, `size` = `1kib` or
//! `100kib`) runs, side by side in one process:
//!
//! - `redb_store`: [`RedbStore::set`](CacheStore::set) of an entry with a few headers, or
//!   [`get`](CacheStore::get) of one (the body is checked);
//! - `raw_blocking`: the same body put into (or read from) one redb table of another file,
//!   in one transaction with the same durability (redb's default, `fsync` per commit), from
//!   tokio's blocking pool: what any async caller of redb pays, and so the comparison the
//!   store is judged by (target: at most 1.3×);
//! - `raw_inline`: the same raw put or get called on the bench thread: the engine alone.
//!
//! Keys cycle over 64 per variant, so sets overwrite and the files stay small. The store's
//! entries are counted against a cap far above them (no eviction), and reads are of entries
//! whose uses fit in memory (no batch of uses is written).
//!
//! Criterion measures each variant in turn. With `--bench`, a second, interleaved pass
//! follows: rounds of a batch of each variant in alternating order, so a drift of the
//! machine's speed during the run hits all alike; it prints each variant's median per
//! operation and the ratios `redb_store / raw_blocking` and `redb_store / raw_inline`.
//!
//! Run: `cargo bench -p courier-cache --features redb --bench store_redb` (add `-- none` to
//! skip criterion and run only the interleaved pass).
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use courier_cache::entry::{CacheEntry, EntryMetadata};
use courier_cache::store::{CacheStore, RedbStore};
use criterion::{Criterion, criterion_group};
use http::HeaderValue;
use redb::{Database, TableDefinition};
use tokio::runtime::Runtime;

const SIZES: [(&str, usize); 2] = [("1kib", 1024), ("100kib", 100 * 1024)];
const KEYS: usize = 64;
const VARIANTS: [&str; 3] = ["redb_store", "raw_blocking", "raw_inline"];
/// The raw engine's one table.
const RAW: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("raw");

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// What every variant works on: the two databases and the entries.
struct Fixture {
    runtime: Runtime,
    store: RedbStore,
    raw: Arc<Database>,
    entries: Vec<CacheEntry>,
    keys: Vec<Arc<str>>,
    body: Bytes,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new(len: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = runtime
            .block_on(
                RedbStore::builder(dir.path().join("store.redb"))
                    .max_bytes(1 << 30)
                    .max_entry_bytes(1 << 20)
                    .build(),
            )
            .unwrap();
        // The store's page cache size, so both engines cache alike.
        let raw = Database::builder()
            .set_cache_size(64 * 1024 * 1024)
            .create(dir.path().join("raw.redb"))
            .unwrap();
        let raw = Arc::new(raw);
        let body: Bytes = (0..len).map(|i| (i % 251) as u8).collect();
        let keys: Vec<Arc<str>> = (0..KEYS)
            .map(|i| Arc::from(format!("GET https://api.example.com/v1/items/{i}")))
            .collect();
        let entries = keys.iter().map(|key| entry(key, body.clone())).collect();
        let fixture = Fixture {
            runtime,
            store,
            raw,
            entries,
            keys,
            body,
            _dir: dir,
        };
        for i in 0..KEYS {
            fixture.run("redb_store", "set", i);
            fixture.run("raw_inline", "set", i);
        }
        fixture
    }

    /// One `op` of `variant` on key `i % KEYS`.
    fn run(&self, variant: &str, op: &str, i: usize) {
        let i = i % KEYS;
        let key = &self.keys[i];
        match (variant, op) {
            ("redb_store", "set") => self
                .runtime
                .block_on(self.store.set(self.entries[i].clone()))
                .unwrap(),
            ("redb_store", "get") => {
                let hit = self.runtime.block_on(self.store.get(key, now())).unwrap();
                check(&hit.expect("hit").body, &self.body);
            }
            ("raw_blocking", "set") => {
                let (raw, key, body) = (self.raw.clone(), key.clone(), self.body.clone());
                self.runtime
                    .block_on(async {
                        tokio::task::spawn_blocking(move || raw_put(&raw, &key, &body)).await
                    })
                    .unwrap();
            }
            ("raw_blocking", "get") => {
                let (raw, key) = (self.raw.clone(), key.clone());
                let body = self
                    .runtime
                    .block_on(async {
                        tokio::task::spawn_blocking(move || raw_get(&raw, &key)).await
                    })
                    .unwrap();
                check(&body, &self.body);
            }
            ("raw_inline", "set") => raw_put(&self.raw, key, &self.body),
            ("raw_inline", "get") => check(&raw_get(&self.raw, key), &self.body),
            _ => unreachable!("{variant} {op}"),
        }
    }
}

fn entry(key: &str, body: Bytes) -> CacheEntry {
    let url = key.trim_start_matches("GET ");
    let mut meta = EntryMetadata::new(key, http::Method::GET, url, 200, now());
    meta.expires_at = Some(now() + Duration::from_secs(3600));
    let headers = &mut meta.headers;
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("max-age=3600"));
    headers.insert("etag", HeaderValue::from_static("\"5f3c-1a2b3c4d\""));
    headers.insert(
        "date",
        HeaderValue::from_static("Tue, 14 Nov 2023 22:13:20 GMT"),
    );
    CacheEntry::new(meta, body)
}

fn raw_put(db: &Database, key: &str, body: &[u8]) {
    let txn = db.begin_write().unwrap();
    txn.open_table(RAW).unwrap().insert(key, body).unwrap();
    txn.commit().unwrap();
}

fn raw_get(db: &Database, key: &str) -> Bytes {
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(RAW).unwrap();
    let value = table.get(key).unwrap().expect("raw hit");
    Bytes::copy_from_slice(value.value())
}

fn check(body: &[u8], expected: &[u8]) {
    assert_eq!(body.len(), expected.len());
    assert_eq!(body.first(), expected.first());
    assert_eq!(body.last(), expected.last());
}

fn store_redb(c: &mut Criterion) {
    for (size, len) in SIZES {
        let fixture = Fixture::new(len);
        for op in ["set", "get"] {
            let mut group = c.benchmark_group(format!("store_redb/{op}/{size}"));
            group
                .sample_size(if op == "set" { 20 } else { 50 })
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3));
            for variant in VARIANTS {
                let mut i = 0;
                group.bench_function(variant, |b| {
                    b.iter(|| {
                        fixture.run(variant, op, i);
                        i += 1;
                    })
                });
            }
            group.finish();
        }
    }
}

/// The interleaved pass: per `op` and size, `rounds` rounds of `batch` operations of each
/// variant, in alternating order; prints medians per operation and the ratios.
fn interleaved() {
    println!("\nstore_redb interleaved (median per operation over rounds):");
    for (size, len) in SIZES {
        let fixture = Fixture::new(len);
        for (op, rounds, batch) in [("set", 40, 10), ("get", 40, 500)] {
            let mut times: Vec<Vec<Duration>> = vec![Vec::new(); VARIANTS.len()];
            let mut i = 0;
            for round in 0..rounds {
                let mut order: Vec<usize> = (0..VARIANTS.len()).collect();
                if round % 2 == 1 {
                    order.reverse();
                }
                for v in order {
                    let start = Instant::now();
                    for _ in 0..batch {
                        fixture.run(VARIANTS[v], op, i);
                        i += 1;
                    }
                    times[v].push(start.elapsed() / batch);
                }
            }
            let medians: Vec<Duration> = times
                .iter_mut()
                .map(|t| {
                    t.sort();
                    t[t.len() / 2]
                })
                .collect();
            let ratio = |v: usize| medians[0].as_secs_f64() / medians[v].as_secs_f64();
            println!(
                "  {op:>3} {size:>6}: redb_store {:>10.2?}  raw_blocking {:>10.2?}  raw_inline {:>10.2?}  \
                 store/raw_blocking {:.2}x  store/raw_inline {:.2}x",
                medians[0],
                medians[1],
                medians[2],
                ratio(1),
                ratio(2),
            );
        }
    }
}

criterion_group!(benches, store_redb);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only a real bench run (`cargo bench`), not `cargo test --benches`, which runs each
    // criterion bench once as a smoke test.
    if std::env::args().any(|arg| arg == "--bench") {
        interleaved();
    }
}
