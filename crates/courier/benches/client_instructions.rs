//! Instructions per request, under valgrind (callgrind through gungraun): courier against
//! bare reqwest, free of the wall-clock noise of a shared machine.
//!
//! The setup (not counted) starts the loopback server of `client_overhead` (1 KiB bodies) on
//! its own thread, builds a current-thread runtime and the variant's client, and sends
//! [`WARM_UP`] requests so the connection is open and pooled. The benchmark then sends
//! [`REQUESTS`] sequential GETs on that runtime and reads each body (its length is checked).
//! Only the benchmark thread is counted: the server's threads never enter the benchmark
//! function, which is where callgrind's collection is switched on. Divide the reported
//! instructions by [`REQUESTS`] for a per-request figure.
//!
//! Variants (`client/get_1kib_x100/<variant>`), all on the same reqwest settings:
//! `bare_reqwest`, `courier_no_interceptors`, `courier_5_noop_interceptors`, and the peer
//! `reqwest_middleware_5_noop` (reqwest-middleware with five no-op middlewares); and, for the
//! cost of a credential-looking header (its requests follow redirects in courier's
//! transport, see `RequestOptions::sensitive_headers`), `courier_plain_default_header`
//! against `courier_api_key_default_header`.
//!
//! Run: `scripts/bench-instructions.sh` (prints the per-request table), or
//! `cargo bench -p courier --bench client_instructions`. Needs valgrind and the runner of the
//! same version as the `gungraun` dev-dependency:
//! `cargo install gungraun-runner --version 0.20.0`. Not part of `cargo test`: `test = false`
//! in `Cargo.toml`, and under `cargo test --all-targets` (which runs it anyway) [`main`]
//! returns at once; `cargo clippy --all-targets` still compiles it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly
#![allow(missing_docs)] // gungraun's macros generate undocumented items

mod support;

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};

use support::{BODY_LEN, Server, Variant};

/// Requests measured per benchmark run.
const REQUESTS: usize = 100;

/// Requests sent in the setup, so connection set-up and first-use allocations are not
/// counted.
const WARM_UP: usize = 20;

/// Everything a run needs, returned by the benchmark so that dropping it is not counted.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    variant: Variant,
    url: String,
    // Last: dropped after the client, so the pooled connection closes from our side first.
    _server: Server,
}

fn setup(name: &str) -> Fixture {
    let server = Server::start();
    let url = server.url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let variant = Variant::new(name);
    runtime.block_on(async {
        for _ in 0..WARM_UP {
            assert_eq!(variant.fetch(&url).await.len(), BODY_LEN);
        }
    });
    Fixture {
        runtime,
        variant,
        url,
        _server: server,
    }
}

#[library_benchmark]
#[bench::bare_reqwest(args = ("bare_reqwest"), setup = setup)]
#[bench::courier_no_interceptors(args = ("courier_no_interceptors"), setup = setup)]
#[bench::courier_5_noop_interceptors(args = ("courier_5_noop_interceptors"), setup = setup)]
#[bench::reqwest_middleware_5_noop(args = ("reqwest_middleware_5_noop"), setup = setup)]
#[bench::courier_plain_default_header(args = ("courier_plain_default_header"), setup = setup)]
#[bench::courier_api_key_default_header(args = ("courier_api_key_default_header"), setup = setup)]
fn get_1kib_x100(fixture: Fixture) -> Fixture {
    fixture.runtime.block_on(async {
        for _ in 0..REQUESTS {
            let body = fixture.variant.fetch(black_box(&fixture.url)).await;
            assert_eq!(body.len(), BODY_LEN);
        }
    });
    fixture
}

/// gungraun's harness, behind [`main`]'s check.
mod harness {
    use super::*;

    library_benchmark_group!(name = client; benchmarks = get_1kib_x100);

    main!(library_benchmark_groups = client);

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
        eprintln!("client_instructions: skipped (run it with `cargo bench`)");
    }
}
