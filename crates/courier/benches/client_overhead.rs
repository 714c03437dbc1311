//! Wall-clock cost of a GET through courier against the same GET through bare reqwest.
//!
//! A hyper HTTP/1.1 server on `127.0.0.1:0` (its own thread and runtime) answers every request
//! with 1 KiB. Each group compares, side by side in the same run, on the same reqwest
//! settings:
//!
//! - `bare_reqwest`: `reqwest_client.get(url).send().await?.bytes().await?`;
//! - `courier_no_interceptors`: `client.get(url).send().await?.bytes().await?`;
//! - `courier_5_noop_interceptors`: the same through five interceptors that only call
//!   `next.run(request).await`;
//! - `reqwest_middleware_5_noop`: the peer, reqwest-middleware on the same reqwest client with
//!   five middlewares that only call `next.run(request, extensions).await`.
//!
//! Groups: `client/get_1kib/c1` (one request per iteration) and `client/get_1kib/c64` (64
//! concurrent requests per iteration, joined; throughput in requests). The client runs on a
//! current-thread runtime. Every body's length is checked in the loop.
//!
//! Run: `cargo bench -p courier --bench client_overhead` (`-- c64` for one group). Set
//! `BENCH_ORDER=reverse` to register the variants in reverse order. On a noisy machine,
//! `BENCH_INTERLEAVED=1` instead alternates the variants batch by batch, round after round,
//! and prints each one's median time per request and its throughput relative to bare
//! reqwest; `scripts/bench-overhead.sh` repeats that pass. For a noise-free number, see
//! `client_instructions`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

mod support;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use futures_util::future::join_all;

use support::{BODY_LEN, Server, Variant};

/// The variant names in the order this run registers them (`BENCH_ORDER=reverse` flips it,
/// so a drift during the run does not always favour the same variant).
fn order() -> Vec<&'static str> {
    let mut names = Variant::NAMES.to_vec();
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

fn get_1kib(c: &mut Criterion) {
    let server = Server::start();
    let url = server.url();
    let runtime = client_runtime();

    for concurrency in [1usize, 64] {
        let mut group = c.benchmark_group(format!("client/get_1kib/c{concurrency}"));
        group
            .throughput(Throughput::Elements(concurrency as u64))
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .sample_size(if concurrency == 1 { 50 } else { 20 });
        for name in order() {
            let variant = Variant::new(name);
            group.bench_function(name, |b| {
                b.to_async(&runtime).iter(|| async {
                    if concurrency == 1 {
                        let body = variant.fetch(&url).await;
                        assert_eq!(body.len(), BODY_LEN);
                    } else {
                        let bodies = join_all((0..concurrency).map(|_| variant.fetch(&url))).await;
                        assert!(bodies.iter().all(|body| body.len() == BODY_LEN));
                    }
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, get_1kib);

/// Medians of the variants measured in alternation: round after round, each variant sends a
/// short batch (in an order that rotates every round), so a machine whose load drifts slows
/// every variant alike. Prints each median per request and the throughput relative to
/// `bare_reqwest` (1.000 = the same; 0.950 = 5% fewer requests per second).
fn interleaved() {
    const ROUNDS: usize = 61;
    let server = Server::start();
    let url = server.url();
    let runtime = client_runtime();
    let variants: Vec<Variant> = Variant::NAMES
        .iter()
        .map(|name| Variant::new(name))
        .collect();
    for (concurrency, batches) in [(1usize, 200usize), (64, 4)] {
        let run = |variant: &Variant| {
            runtime.block_on(async {
                for _ in 0..batches {
                    let bodies = join_all((0..concurrency).map(|_| variant.fetch(&url))).await;
                    assert!(bodies.iter().all(|body| body.len() == BODY_LEN));
                }
            });
        };
        for variant in &variants {
            run(variant); // warm-up: connections open and pooled
        }
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
        for round in 0..ROUNDS {
            for offset in 0..variants.len() {
                let index = (round + offset) % variants.len();
                let start = std::time::Instant::now();
                run(&variants[index]);
                let requests = (concurrency * batches) as f64;
                samples[index].push(start.elapsed().as_secs_f64() / requests);
            }
        }
        let medians: Vec<f64> = samples
            .iter_mut()
            .map(|times| {
                times.sort_by(f64::total_cmp);
                times[times.len() / 2]
            })
            .collect();
        for (name, median) in Variant::NAMES.iter().zip(&medians) {
            println!(
                "interleaved c{concurrency} {name} {:.2} µs/request, throughput vs bare_reqwest {:.3}",
                median * 1e6,
                medians[0] / median
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
