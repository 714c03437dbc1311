//! Wall-clock cost of a cache hit through courier against http-cache-reqwest, the origin and
//! a hash map; and of a revalidation (304) round trip against a plain request.
//!
//! A hyper HTTP/1.1 origin on `127.0.0.1:0` (its own thread and runtime) answers
//! `Cache-Control: max-age=3600`. Each `cache/hit/<size>/c<concurrency>` group compares, side
//! by side in the same run, a GET of a body already cached (a fresh hit) through:
//!
//! - `courier`: a courier client with `CacheInterceptor` over a `MemoryStore` (reqwest
//!   transport; the hit never reaches it);
//! - `http_cache_reqwest`: reqwest-middleware + http-cache-reqwest with `MokaManager`
//!   (`CacheMode::Default`), on a reqwest client set up as courier's;
//! - `origin_no_cache`: a courier client without a cache, so the GET goes to the origin;
//! - `hashmap_floor`: a `RwLock<HashMap<String, Bytes>>` lookup returning a cloned body, what
//!   a hit cannot beat.
//!
//! Sizes `1kib`, `100kib`, `1mib`; concurrency 1 (one GET per iteration) and 64 (64
//! concurrent GETs per iteration, joined; throughput in requests). Before a group each
//! variant fetches the URL twice and checks that the second answer came from its cache
//! (`CacheStatus::Hit`, `x-cache: HIT`); after the group the origin's request counter proves
//! no measured hit reached it.
//!
//! `cache/revalidate_304/<size>/c1` compares `courier_304`, a courier cache whose entry is
//! always stale (`max-age=0` + `ETag`), so each GET is a conditional request answered
//! `304 Not Modified` and served from the cache, with `plain_200`, the same GET without a
//! cache, answered 200 with the body.
//!
//! Every body's length and first and last bytes are checked in the loop. The client runs on
//! a current-thread runtime.
//!
//! Run: `cargo bench -p courier-cache --bench cache` (`-- hit/1kib` for a subset). Set
//! `BENCH_ORDER=reverse` to register the variants in reverse order; `scripts/bench-cache.sh`
//! repeats runs in alternating order, then counts instructions (`cache_instructions`), which
//! give the ratios on a noisy machine.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

mod support;

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::future::join_all;

use support::{Origin, SIZES, Variant, check_body, courier_cached, courier_plain};

/// `names` in the order this run registers them (`BENCH_ORDER=reverse` flips it, so a drift
/// during the run does not always favour the same variant).
fn ordered<T>(mut names: Vec<T>) -> Vec<T> {
    if std::env::var("BENCH_ORDER").is_ok_and(|order| order == "reverse") {
        names.reverse();
    }
    names
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, concurrency: usize, len: usize) {
    group
        .throughput(Throughput::Elements(concurrency as u64))
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if len > 100 * 1024 { 4 } else { 3 }))
        .sample_size(if concurrency == 1 { 50 } else { 20 });
}

/// `cache/hit/<size>/c<concurrency>`: a fresh hit, four ways.
fn hit(c: &mut Criterion) {
    let origin = Origin::start();
    let runtime = client_runtime();
    let variants: Vec<(&str, Variant)> = ordered(Variant::NAMES.to_vec())
        .into_iter()
        .map(|name| (name, Variant::new(name)))
        .collect();

    for (size, len) in SIZES {
        let url = origin.fresh_url(len);
        for (_, variant) in &variants {
            runtime.block_on(variant.prime(&url, len));
        }
        for concurrency in [1usize, 64] {
            let mut group = c.benchmark_group(format!("cache/hit/{size}/c{concurrency}"));
            configure(&mut group, concurrency, len);
            for (name, variant) in &variants {
                let before = origin.requests();
                group.bench_function(*name, |b| {
                    b.to_async(&runtime).iter(|| async {
                        if concurrency == 1 {
                            check_body(&variant.fetch(&url).await, len);
                        } else {
                            let bodies =
                                join_all((0..concurrency).map(|_| variant.fetch(&url))).await;
                            for body in &bodies {
                                check_body(body, len);
                            }
                        }
                    });
                });
                if variant.is_cache() {
                    assert_eq!(
                        origin.requests(),
                        before,
                        "{name}: a hit reached the origin"
                    );
                }
            }
            group.finish();
        }
    }
}

/// `cache/revalidate_304/<size>/c1`: a stale entry revalidated by a 304, against the same
/// GET without a cache.
fn revalidate_304(c: &mut Criterion) {
    let origin = Origin::start();
    let runtime = client_runtime();
    let cached = courier_cached();
    let plain = courier_plain();

    for (size, len) in [SIZES[0], SIZES[2]] {
        let url = origin.stale_url(len);
        runtime.block_on(async {
            // Stores the entry; every later GET revalidates it.
            check_body(
                &cached
                    .get(&url)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap(),
                len,
            );
            let response = cached.get(&url).send().await.unwrap();
            assert_eq!(
                response.extensions().get::<courier_cache::CacheStatus>(),
                Some(&courier_cache::CacheStatus::Revalidated),
                "a stale entry is revalidated"
            );
            check_body(&response.bytes().await.unwrap(), len);
        });
        let mut group = c.benchmark_group(format!("cache/revalidate_304/{size}/c1"));
        configure(&mut group, 1, len);
        for name in ordered(vec!["courier_304", "plain_200"]) {
            let client = if name == "courier_304" {
                &cached
            } else {
                &plain
            };
            group.bench_function(name, |b| {
                b.to_async(&runtime).iter(|| async {
                    let response = client.get(&url).send().await.expect("sends");
                    check_body(&response.bytes().await.expect("body"), len);
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, hit, revalidate_304);
criterion_main!(benches);
