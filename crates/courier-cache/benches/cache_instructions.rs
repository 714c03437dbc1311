//! Instructions per cache hit, under valgrind (callgrind through gungraun): courier's
//! `MemoryStore` hit against http-cache-reqwest's `MokaManager` hit and the hash-map floor,
//! and a 304 revalidation against a plain request, free of the wall-clock noise of a shared
//! machine.
//!
//! The setup (not counted) starts the loopback origin of `cache` on its own thread, builds a
//! current-thread runtime and the variant's client, and primes it (the entry is stored and a
//! second GET is checked to be a hit or, for `courier_304`, a revalidation), so the
//! connection is pooled and first-use allocations are done. The benchmark then sends
//! [`GETS`] sequential GETs on that runtime and checks each body. Only the benchmark thread
//! is counted: the origin's threads never enter the benchmark function, which is where
//! callgrind's collection is switched on. Divide the reported instructions by [`GETS`] for a
//! per-GET figure.
//!
//! Benchmarks (`cache_instructions::<bench>::<variant>_<size>`):
//!
//! - `hit_x20`: a fresh hit through `courier`, `http_cache_reqwest` and `hashmap_floor`, at
//!   1 KiB and 1 MiB;
//! - `revalidate_x20`: `courier_304` (a stale entry revalidated by a 304) and `plain_200`
//!   (the same GET through courier without a cache), at 1 KiB.
//!
//! Run: `scripts/bench-cache.sh` (prints the per-GET table and the ratios), or
//! `cargo bench -p courier-cache --bench cache_instructions`. Needs valgrind and the runner of
//! the same version as the `gungraun` dev-dependency:
//! `cargo install gungraun-runner --version 0.20.0`. Not part of `cargo test`: `test = false`
//! in `Cargo.toml`, and under `cargo test --all-targets` (which runs it anyway) [`main`]
//! returns at once; `cargo clippy --all-targets` still compiles it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly
#![allow(missing_docs)] // gungraun's macros generate undocumented items

mod support;

use std::hint::black_box;

use courier_cache::CacheStatus;
use gungraun::{library_benchmark, library_benchmark_group, main};

use support::{Origin, Variant, check_body};

/// GETs measured per benchmark run.
const GETS: usize = 20;

/// One KiB and one MiB, the sizes counted.
const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// Everything a run needs, returned by the benchmark so that dropping it is not counted.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    variant: Variant,
    url: String,
    len: usize,
    // Last: dropped after the client, so the pooled connection closes from our side first.
    _origin: Origin,
}

/// A fixture whose every GET is a fresh hit (or, for `origin_no_cache`, an origin request).
fn fresh(name: &str, len: usize) -> Fixture {
    let origin = Origin::start();
    let url = origin.fresh_url(len);
    let runtime = client_runtime();
    let variant = Variant::new(name);
    runtime.block_on(variant.prime(&url, len));
    Fixture {
        runtime,
        variant,
        url,
        len,
        _origin: origin,
    }
}

/// A fixture whose every GET is a revalidation answered 304 (`courier_304`) or a plain GET
/// answered 200 (`plain_200`) of an always-stale resource.
fn stale(name: &str, len: usize) -> Fixture {
    let origin = Origin::start();
    let url = origin.stale_url(len);
    let runtime = client_runtime();
    let variant = match name {
        "courier_304" => Variant::new("courier"),
        "plain_200" => Variant::new("origin_no_cache"),
        other => panic!("unknown variant `{other}`"),
    };
    runtime.block_on(async {
        check_body(&variant.fetch(&url).await, len);
        if let Variant::Courier(client) = &variant {
            let response = client.get(&url).send().await.expect("sends");
            assert_eq!(
                response.extensions().get::<CacheStatus>(),
                Some(&CacheStatus::Revalidated),
                "the stale entry is revalidated"
            );
            check_body(&response.bytes().await.expect("body"), len);
        }
    });
    Fixture {
        runtime,
        variant,
        url,
        len,
        _origin: origin,
    }
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

fn run(fixture: Fixture) -> Fixture {
    fixture.runtime.block_on(async {
        for _ in 0..GETS {
            let body = fixture.variant.fetch(black_box(&fixture.url)).await;
            check_body(&body, fixture.len);
        }
    });
    fixture
}

#[library_benchmark]
#[bench::courier_1kib(args = ("courier", KIB), setup = fresh)]
#[bench::http_cache_reqwest_1kib(args = ("http_cache_reqwest", KIB), setup = fresh)]
#[bench::hashmap_floor_1kib(args = ("hashmap_floor", KIB), setup = fresh)]
#[bench::courier_1mib(args = ("courier", MIB), setup = fresh)]
#[bench::http_cache_reqwest_1mib(args = ("http_cache_reqwest", MIB), setup = fresh)]
#[bench::hashmap_floor_1mib(args = ("hashmap_floor", MIB), setup = fresh)]
fn hit_x20(fixture: Fixture) -> Fixture {
    run(fixture)
}

#[library_benchmark]
#[bench::courier_304_1kib(args = ("courier_304", KIB), setup = stale)]
#[bench::plain_200_1kib(args = ("plain_200", KIB), setup = stale)]
fn revalidate_x20(fixture: Fixture) -> Fixture {
    run(fixture)
}

/// gungraun's harness, behind [`main`]'s check.
mod harness {
    use super::*;

    library_benchmark_group!(name = cache; benchmarks = hit_x20, revalidate_x20);

    main!(library_benchmark_groups = cache);

    pub(crate) fn run() {
        main();
    }
}

/// Runs the benchmarks under `cargo bench` (which passes `--bench`) and in the runs that
/// gungraun-runner starts under valgrind (`--gungraun-run`), and does nothing otherwise:
/// `cargo test --all-targets` runs every bench target, also `test = false` ones, and must
/// not need valgrind or the runner.
fn main() {
    if std::env::args().any(|arg| arg == "--bench" || arg == "--gungraun-run") {
        harness::run();
    } else {
        eprintln!("cache_instructions: skipped (run it with `cargo bench`)");
    }
}
