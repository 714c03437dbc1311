//! The `courier` binary end to end, against a loopback origin that counts requests.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

struct Origin {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    hop_headers_seen: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl Origin {
    async fn start() -> Origin {
        let requests = Arc::new(AtomicUsize::new(0));
        let hop_headers_seen = Arc::new(AtomicUsize::new(0));
        let (counted, hops) = (requests.clone(), hop_headers_seen.clone());
        let router = Router::new()
            .route(
                "/countries",
                get(move |headers: HeaderMap| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    if headers.contains_key("x-hop") || headers.contains_key("keep-alive") {
                        hops.fetch_add(1, Ordering::SeqCst);
                    }
                    async {
                        (
                            [
                                ("cache-control", "max-age=600"),
                                ("content-type", "application/json"),
                            ],
                            r#"{"countries":["fr","jp"]}"#,
                        )
                    }
                }),
            )
            .route(
                "/missing",
                get(|| async { (StatusCode::NOT_FOUND, "no such thing") }),
            )
            .route(
                "/down",
                get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") }),
            )
            .route("/file.bin", get(|| async { vec![7u8; 300_000] }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Origin {
            addr,
            requests,
            hop_headers_seen,
            _task: task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Runs `courier ARGS` on the blocking pool (the origin keeps serving meanwhile).
async fn courier(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_courier"))
            .args(&args)
            .env_remove("COURIER_STORE")
            .output()
            .expect("run courier")
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_identical_get_is_served_from_the_cache() {
    let origin = Origin::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The default kind of store (SQLite), in a directory of the test's own.
    let store = format!("sqlite:{}", dir.path().join("cache.sqlite").display());
    let url = origin.url("/countries");

    let first = courier(&["get", &url, "--store", &store, "-v"]).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(text(&first.stdout), r#"{"countries":["fr","jp"]}"#);
    assert!(
        text(&first.stderr).contains("cache: courier; fwd=miss; stored"),
        "{}",
        text(&first.stderr)
    );

    let second = courier(&["get", &url, "--store", &store, "-v", "--json"]).await;
    assert!(second.status.success());
    assert!(
        text(&second.stderr).contains("cache: courier; hit"),
        "{}",
        text(&second.stderr)
    );
    assert!(
        text(&second.stdout).contains("\"countries\": [\n"),
        "pretty JSON: {}",
        text(&second.stdout)
    );
    assert_eq!(origin.requests.load(Ordering::SeqCst), 1);

    let listed = courier(&["cache", "ls", "--store", &store]).await;
    assert!(
        text(&listed.stdout).contains(&format!("GET {url}")),
        "{}",
        text(&listed.stdout)
    );
    let stats = courier(&["cache", "stats", "--store", &store]).await;
    assert!(
        text(&stats.stdout).contains("entries   1"),
        "{}",
        text(&stats.stdout)
    );
    let removed = courier(&["cache", "rm", &format!("GET {url}"), "--store", &store]).await;
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    let offline = courier(&["get", &url, "--store", &store, "--policy", "only-if-cached"]).await;
    assert_eq!(
        offline.status.code(),
        Some(7),
        "a 504 from the cache: {}",
        text(&offline.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_say_what_went_wrong() {
    let origin = Origin::start().await;
    let missing = courier(&["get", &origin.url("/missing"), "--store", "memory"]).await;
    assert_eq!(missing.status.code(), Some(6));
    assert_eq!(
        text(&missing.stdout),
        "no such thing",
        "the body is still printed"
    );
    let down = courier(&["get", &origin.url("/down"), "--store", "memory"]).await;
    assert_eq!(down.status.code(), Some(7));
    let refused = courier(&["get", "http://127.0.0.1:1/", "--store", "memory"]).await;
    assert_eq!(refused.status.code(), Some(3));
    let stderr = text(&refused.stderr);
    assert_eq!(
        stderr.lines().count(),
        2,
        "one line for the error, one hint: {stderr}"
    );
    assert!(stderr.starts_with("error: connection error"), "{stderr}");
    let invalid = courier(&["get", "not a url", "--store", "memory"]).await;
    assert_eq!(invalid.status.code(), Some(9));
    let bad_store = courier(&["get", &origin.url("/countries"), "--store", "mongo:x"]).await;
    assert_eq!(bad_store.status.code(), Some(8));
    let usage = courier(&["get"]).await;
    assert_eq!(usage.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_caches_and_drops_hop_by_hop_headers() {
    let origin = Origin::start().await;
    let mut proxy = Command::new(env!("CARGO_BIN_EXE_courier"))
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--origin",
            &origin.url("/"),
            "--store",
            "memory",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = proxy.stderr.take().unwrap();
    let banner = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let address = banner
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1"))
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned();

    let client = courier::Client::builder().no_proxy().build().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let response = client
            .get(format!("{address}/countries"))
            .header("connection", "x-hop")
            .header("x-hop", "only for the proxy")
            .send()
            .await
            .unwrap();
        statuses.push(
            response.headers()["cache-status"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        assert_eq!(response.headers()["via"], "1.1 courier");
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"countries":["fr","jp"]}"#
        );
    }
    proxy.kill().unwrap();
    proxy.wait().unwrap();
    assert!(statuses[0].contains("fwd=miss"), "{statuses:?}");
    assert_eq!(statuses[1], "courier; hit");
    assert_eq!(origin.requests.load(Ordering::SeqCst), 1);
    assert_eq!(origin.hop_headers_seen.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_every_feature_working() {
    let demo = courier(&["demo"]).await;
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let table = text(&demo.stdout);
    for (step, outcome) in [
        ("again: hit", "courier; hit"),
        ("revalidated (304)", "fwd-status=304"),
        ("503, retried, 200", "200"),
        ("token expired", "50 x 200, 1 token refresh"),
        ("served stale", "fwd=stale"),
    ] {
        let line = table
            .lines()
            .find(|line| line.contains(step))
            .unwrap_or_else(|| panic!("no {step:?} step in\n{table}"));
        assert!(line.contains(outcome), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_writes_the_file_and_leaves_nothing_beside_it() {
    let origin = Origin::start().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("file.bin");
    let output = courier(&[
        "download",
        &origin.url("/file.bin"),
        "-o",
        target.to_str().unwrap(),
        "--quiet",
    ])
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(std::fs::read(&target).unwrap(), vec![7u8; 300_000]);
    assert!(
        text(&output.stderr).contains("300000 bytes"),
        "{}",
        text(&output.stderr)
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["file.bin"], "no temporary or sidecar file left");

    let missing = courier(&[
        "download",
        &origin.url("/missing"),
        "-o",
        dir.path().join("x").to_str().unwrap(),
        "--quiet",
    ])
    .await;
    assert_eq!(missing.status.code(), Some(6));
    assert!(!dir.path().join("x").exists());
}
