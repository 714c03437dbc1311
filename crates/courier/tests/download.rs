//! Downloads against real loopback servers (and `MockTransport`, for answers a test must
//! script exactly): atomic writes, progress, resume with `Range`/`If-Range` (within one call
//! and across calls), and cancellation.

// Setup helpers outside `#[test]` functions (and `common`) panic on failure, as tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use common::TestServer;
use courier::mock::matchers;
use courier::mock::{Fault, RecordedRequest};
use courier::{
    CancelToken, DownloadBuilder, DownloadReport, ErrorKind, Mock, MockTransport, Progress,
    ResponseTemplate,
};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const LEN: usize = 1024 * 1024;

/// 1 MiB that differs per `seed`, with no short period (so a misplaced range shows).
fn content(seed: u8) -> Arc<Vec<u8>> {
    content_of_length(seed, LEN)
}

/// `length` bytes that differ per `seed`, as [`content`].
fn content_of_length(seed: u8, length: usize) -> Arc<Vec<u8>> {
    Arc::new(
        (0..length)
            .map(|i| (i % 251) as u8 ^ (i >> 10) as u8 ^ seed)
            .collect(),
    )
}

/// What the target held before a download of a new version started.
const PREVIOUS: &[u8] = b"the previous version of file.bin, which must survive a failed download\n";

/// A temporary directory (removed when dropped) and `file.bin` in it, which does not exist.
fn target_in_empty_dir() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("file.bin");
    (dir, target)
}

/// As [`target_in_empty_dir`], but `file.bin` already holds [`PREVIOUS`].
fn target_holding_previous_version() -> (TempDir, PathBuf) {
    let (dir, target) = target_in_empty_dir();
    std::fs::write(&target, PREVIOUS).unwrap();
    (dir, target)
}

/// What a server saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    range: Option<String>,
    if_range: Option<String>,
    accept_encoding: Option<String>,
    client: Option<String>,
}

/// The current version of the resource.
#[derive(Clone)]
struct Version {
    etag: String,
    body: Arc<Vec<u8>>,
}

/// How to answer, written by hand from RFC 9110 §14.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    Full,
    From(usize),
    Unsatisfiable,
}

fn plan(range: Option<&str>, if_range: Option<&str>, etag: &str, len: usize) -> Plan {
    let Some(start) = range
        .and_then(|range| range.strip_prefix("bytes="))
        .and_then(|range| range.strip_suffix('-'))
        .and_then(|start| start.parse::<usize>().ok())
    else {
        return Plan::Full;
    };
    // If-Range with another validator: the representation changed, send all of it.
    if if_range.is_some_and(|validator| validator != etag) {
        return Plan::Full;
    }
    if start >= len {
        Plan::Unsatisfiable
    } else {
        Plan::From(start)
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn seen(headers: &HeaderMap) -> Seen {
    Seen {
        range: header_text(headers, header::RANGE),
        if_range: header_text(headers, header::IF_RANGE),
        accept_encoding: header_text(headers, header::ACCEPT_ENCODING),
        client: header_text(headers, header::HeaderName::from_static("x-client")),
    }
}

// ---------------------------------------------------------------------------------------
// An axum server that honours Range and If-Range.
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
struct Resource {
    version: Arc<Mutex<Version>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Send this many bytes, then stall forever (to cancel mid-body).
    stall_after: Option<usize>,
}

async fn serve_resource(State(resource): State<Resource>, headers: HeaderMap) -> Response {
    resource.seen.lock().unwrap().push(seen(&headers));
    let Version { etag, body } = resource.version.lock().unwrap().clone();
    let plan = plan(
        header_text(&headers, header::RANGE).as_deref(),
        header_text(&headers, header::IF_RANGE).as_deref(),
        &etag,
        body.len(),
    );
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes");
    let start = match plan {
        Plan::Unsatisfiable => {
            return builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{}", body.len()))
                .body(Body::empty())
                .unwrap();
        }
        Plan::Full => 0,
        Plan::From(start) => start,
    };
    let builder = if start > 0 {
        builder.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{}", body.len() - 1, body.len()),
        )
    } else {
        builder.status(StatusCode::OK)
    };
    let slice = Bytes::copy_from_slice(&body[start..]);
    let length = slice.len();
    let response_body = match resource.stall_after {
        None => Body::from(slice),
        Some(stall) => {
            let sent = slice.slice(..stall.min(length));
            let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(sent)]);
            Body::from_stream(futures_util::StreamExt::chain(
                chunks,
                futures_util::stream::pending(),
            ))
        }
    };
    builder
        .header(header::CONTENT_LENGTH, length)
        .body(response_body)
        .unwrap()
}

async fn resource_server(stall_after: Option<usize>) -> (TestServer, Resource) {
    let resource = Resource {
        version: Arc::new(Mutex::new(Version {
            etag: "\"v1\"".into(),
            body: content(1),
        })),
        seen: Arc::default(),
        stall_after,
    };
    let router = Router::new()
        .route("/file.bin", get(serve_resource))
        .with_state(resource.clone());
    (TestServer::start(router).await, resource)
}

// ---------------------------------------------------------------------------------------
// A raw TCP server that writes HTTP/1.1 by hand and can cut a connection mid-body.
// ---------------------------------------------------------------------------------------

struct RawServer {
    addr: SocketAddr,
    version: Arc<Mutex<Version>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

struct RawConfig {
    /// Announce `Accept-Ranges: bytes` and an `ETag`, and honour `Range`/`If-Range`.
    ranges: bool,
    /// Per connection, in order: close after this many body bytes. Later connections send
    /// everything.
    cuts: Vec<usize>,
    /// Added to the `Content-Length` of the connections that are cut (a server that
    /// announces more than it sends).
    overstate: usize,
}

impl RawServer {
    async fn start(config: RawConfig) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let version = Arc::new(Mutex::new(Version {
            etag: "\"v1\"".into(),
            body: content(1),
        }));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let cuts = Arc::new(Mutex::new(VecDeque::from(config.cuts)));
        let ranges = config.ranges;
        let overstate = config.overstate;
        let task = tokio::spawn({
            let version = version.clone();
            let seen = seen.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let cut = cuts.lock().unwrap().pop_front();
                    let version = version.lock().unwrap().clone();
                    let seen = seen.clone();
                    let cut = cut.map(|after| (after, overstate));
                    tokio::spawn(answer(stream, version, seen, ranges, cut));
                }
            }
        });
        RawServer {
            addr,
            version,
            seen,
            task,
        }
    }

    /// A server that honours `Range`/`If-Range` and cuts its first connections as `cuts`.
    async fn with_ranges(cuts: Vec<usize>) -> RawServer {
        RawServer::start(RawConfig {
            ranges: true,
            overstate: 0,
            cuts,
        })
        .await
    }

    /// A server that announces no ranges (nor validator) and cuts its first connections as
    /// `cuts`.
    async fn without_ranges(cuts: Vec<usize>) -> RawServer {
        RawServer::start(RawConfig {
            ranges: false,
            overstate: 0,
            cuts,
        })
        .await
    }

    fn url(&self) -> String {
        format!("http://{}/file.bin", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn change(&self, etag: &str, body: Arc<Vec<u8>>) {
        *self.version.lock().unwrap() = Version {
            etag: etag.into(),
            body,
        };
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_head(stream: &mut TcpStream) -> Option<HeaderMap> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buffer.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8(buffer).ok()?;
    let mut headers = HeaderMap::new();
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            headers.append(
                header::HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
                value.trim().parse().ok()?,
            );
        }
    }
    Some(headers)
}

async fn answer(
    mut stream: TcpStream,
    version: Version,
    seen_requests: Arc<Mutex<Vec<Seen>>>,
    ranges: bool,
    cut: Option<(usize, usize)>,
) {
    let Some(headers) = read_head(&mut stream).await else {
        return;
    };
    seen_requests.lock().unwrap().push(seen(&headers));
    let body = &version.body;
    let plan = if ranges {
        plan(
            header_text(&headers, header::RANGE).as_deref(),
            header_text(&headers, header::IF_RANGE).as_deref(),
            &version.etag,
            body.len(),
        )
    } else {
        Plan::Full
    };
    let mut head = String::new();
    let start = match plan {
        Plan::Full => {
            head.push_str("HTTP/1.1 200 OK\r\n");
            0
        }
        Plan::From(start) => {
            head.push_str("HTTP/1.1 206 Partial Content\r\n");
            head.push_str(&format!(
                "Content-Range: bytes {start}-{}/{}\r\n",
                body.len() - 1,
                body.len()
            ));
            start
        }
        Plan::Unsatisfiable => {
            head.push_str("HTTP/1.1 416 Range Not Satisfiable\r\n");
            head.push_str(&format!("Content-Range: bytes */{}\r\n", body.len()));
            body.len()
        }
    };
    if ranges {
        head.push_str(&format!(
            "ETag: {}\r\nAccept-Ranges: bytes\r\n",
            version.etag
        ));
    }
    let rest = &body[start..];
    let (sent, overstate) = cut.map_or((rest.len(), 0), |(after, overstate)| {
        (after.min(rest.len()), overstate)
    });
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        rest.len() + overstate
    ));
    if stream.write_all(head.as_bytes()).await.is_err()
        || stream.write_all(&rest[..sent]).await.is_err()
    {
        return;
    }
    // Close the write side, then wait for the client to hang up, so the bytes sent arrive
    // before the end of the stream rather than being lost to a reset.
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink).await, Ok(read) if read > 0) {}
}

fn raw_client() -> courier::Client {
    courier::Client::builder().no_proxy().build().unwrap()
}

/// A download of `server`'s file to `target`.
fn raw_download(server: &RawServer, target: &Path) -> DownloadBuilder {
    raw_client().download(server.url(), target)
}

// ---------------------------------------------------------------------------------------
// MockTransport answers, for exact scripts (a reset after N bytes, a stall between chunks,
// a server that ignores If-Range).
// ---------------------------------------------------------------------------------------

const MOCK_URL: &str = "https://files.example/file.bin";

fn mock_client(mock: &MockTransport) -> courier::Client {
    courier::Client::builder()
        .transport(mock.clone())
        .build()
        .unwrap()
}

/// A download of [`MOCK_URL`] from `mock` to `target`.
fn mock_download(mock: &MockTransport, target: &Path) -> DownloadBuilder {
    mock_client(mock).download(MOCK_URL, target)
}

/// Version `etag` of a resource that serves byte ranges: a `200` with all of `body`, in
/// 64 KiB chunks (one progress report each).
fn whole(etag: &str, body: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("etag", etag)
        .insert_header("accept-ranges", "bytes")
        .set_body_chunks(
            body.chunks(64 * 1024).map(Bytes::copy_from_slice),
            Duration::ZERO,
        )
}

/// A `206` with `body` from `start` on, as version `etag`.
fn range_of(etag: &str, body: &[u8], start: usize) -> ResponseTemplate {
    ResponseTemplate::new(206)
        .insert_header("etag", etag)
        .insert_header("accept-ranges", "bytes")
        .insert_header(
            "content-range",
            format!("bytes {start}-{}/{}", body.len() - 1, body.len()),
        )
        .body(Bytes::copy_from_slice(&body[start..]))
}

/// Matches requests without a `Range` header.
fn without_range(request: &RecordedRequest) -> bool {
    !request.headers().contains_key(header::RANGE)
}

/// Answers the first request without `Range` with `template`, once.
fn mount_first_answer(mock: &MockTransport, template: ResponseTemplate) {
    Mock::given(without_range)
        .respond_with(template)
        .up_to_n_times(1)
        .expect(1)
        .mount(mock);
}

/// A mock whose first answer (to a request without `Range`) is all of `body` as version
/// `"v1"`, reset after `after` bytes; the answers that follow are mounted on it.
fn mock_resetting_v1_after(body: &[u8], after: usize) -> MockTransport {
    let mock = MockTransport::new();
    mount_first_answer(
        &mock,
        whole("\"v1\"", body).with_fault(Fault::ResetMidBody { after }),
    );
    mock
}

/// Answers the request that resumes version `"v1"` from `start` (`Range: bytes=start-`,
/// `If-Range: "v1"`) with `template`, once.
fn mount_resume_of_v1(mock: &MockTransport, start: usize, template: ResponseTemplate) {
    Mock::given(matchers::header("range", format!("bytes={start}-")))
        .and(matchers::header("if-range", "\"v1\""))
        .respond_with(template)
        .expect(1)
        .mount(mock);
}

/// Answers a later request without `Range` (a download that starts over) with `template`,
/// once.
fn mount_restart(mock: &MockTransport, template: ResponseTemplate) {
    Mock::given(without_range)
        .respond_with(template)
        .expect(1)
        .mount(mock);
}

/// The `Range` of each request the mock received, in order.
fn ranges_received(mock: &MockTransport) -> Vec<Option<String>> {
    mock.received_requests()
        .iter()
        .map(|request| header_text(request.headers(), header::RANGE))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Assertions.
// ---------------------------------------------------------------------------------------

fn part_of(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

fn meta_of(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap().to_os_string();
    name.push(".part.meta");
    target.with_file_name(name)
}

/// Asserts that `path` holds exactly `expected`, reporting lengths and the first difference
/// rather than a megabyte of bytes.
fn assert_file(path: &Path, expected: &[u8]) {
    let actual = std::fs::read(path).unwrap();
    let first_difference = actual
        .iter()
        .zip(expected)
        .position(|(actual, expected)| actual != expected);
    assert!(
        actual == expected,
        "{} holds {} bytes, expected {}; first difference at {first_difference:?}",
        path.display(),
        actual.len(),
        expected.len(),
    );
}

fn assert_no_leftovers(target: &Path) {
    assert!(!part_of(target).exists(), "the .part file was left behind");
    assert!(
        !meta_of(target).exists(),
        "the .part.meta file was left behind"
    );
}

/// Sends `download`, asserting that it fails with [`ErrorKind::Connection`].
async fn assert_connection_error(download: DownloadBuilder) {
    let error = download.send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
}

/// Asserts that `target` holds exactly `expected` and that no partial file or sidecar is
/// left beside it.
fn assert_holds_only(target: &Path, expected: &[u8]) {
    assert_file(target, expected);
    assert_no_leftovers(target);
}

/// Asserts that neither `target` nor a partial file or sidecar of it exists.
fn assert_nothing_written(target: &Path) {
    assert!(!target.exists());
    assert_no_leftovers(target);
}

/// Asserts that `server` saw two requests, the second resuming version `"v1"` from `start`.
fn assert_second_request_resumes_v1_from(server: &RawServer, start: usize) {
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].range, Some(format!("bytes={start}-")));
    assert_eq!(seen[1].if_range.as_deref(), Some("\"v1\""));
}

fn assert_monotonic(progress: &[Progress], total: u64) {
    assert!(!progress.is_empty());
    assert!(
        progress
            .windows(2)
            .all(|pair| pair[0].transferred <= pair[1].transferred),
        "progress went backwards: {progress:?}"
    );
    assert_eq!(
        progress.last(),
        Some(&Progress {
            transferred: total,
            total: Some(total)
        })
    );
}

type Recorder = Arc<Mutex<Vec<Progress>>>;

fn recorder() -> (Recorder, impl Fn(Progress) + Send + Sync + 'static) {
    let seen: Recorder = Arc::default();
    let sink = seen.clone();
    (seen, move |progress| sink.lock().unwrap().push(progress))
}

/// Sends `download`, which must succeed, recording its progress: the report, and every
/// progress report in order.
async fn send_recording_progress(download: DownloadBuilder) -> (DownloadReport, Vec<Progress>) {
    let (progress, callback) = recorder();
    let report = download.on_progress(callback).send().await.unwrap();
    let progress = progress.lock().unwrap().clone();
    (report, progress)
}

/// The reason [`stop_after`] cancels with.
const STOP_REASON: &str = "user pressed stop";

/// A token, and a progress callback that cancels it with [`STOP_REASON`] once `bytes` have
/// been transferred.
fn stop_after(bytes: u64) -> (CancelToken, impl Fn(Progress) + Send + Sync + 'static) {
    let token = CancelToken::new();
    let canceller = token.clone();
    let stop = move |progress: Progress| {
        if progress.transferred >= bytes {
            canceller.cancel_with(STOP_REASON);
        }
    };
    (token, stop)
}

/// Downloads to `target` from a server that stalls after 200 000 bytes, cancelling with
/// [`STOP_REASON`] once they have arrived; returns the error.
async fn cancel_mid_download(target: &Path) -> courier::Error {
    let (server, _resource) = resource_server(Some(200_000)).await;
    let (token, stop) = stop_after(200_000);
    server
        .client()
        .download("file.bin", target)
        .cancel_token(&token)
        .on_progress(stop)
        .send()
        .await
        .unwrap_err()
}

// ---------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn downloads_the_exact_content_and_leaves_no_part_file() {
    let (server, resource) = resource_server(None).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("nested").join("file.bin");

    let report = server
        .client()
        .download("file.bin", &target)
        .header("x-client", "courier")
        .send()
        .await
        .unwrap();

    assert_holds_only(&target, &content(1));
    assert_eq!(report.path, target);
    assert_eq!(report.bytes_written, LEN as u64);
    assert_eq!(report.total_bytes, LEN as u64);
    assert!(!report.resumed);
    assert_eq!(
        *resource.seen.lock().unwrap(),
        vec![Seen {
            range: None,
            if_range: None,
            accept_encoding: Some("identity".into()),
            client: Some("courier".into()),
        }]
    );
}

#[tokio::test]
async fn progress_is_monotonic_and_ends_at_the_total() {
    let (server, _resource) = resource_server(None).await;
    let (_dir, target) = target_in_empty_dir();

    let (_report, progress) =
        send_recording_progress(server.client().download("file.bin", &target)).await;

    assert!(progress.len() > 2, "expected several reports: {progress:?}");
    assert!(
        progress
            .iter()
            .all(|progress| progress.total == Some(LEN as u64))
    );
    assert_monotonic(&progress, LEN as u64);
}

#[tokio::test]
async fn a_broken_connection_is_resumed_with_range_in_the_same_call() {
    let server = RawServer::with_ranges(vec![300_000]).await;
    let (_dir, target) = target_in_empty_dir();

    let (report, progress) = send_recording_progress(raw_download(&server, &target)).await;

    assert_holds_only(&target, &content(1));
    assert!(report.resumed);
    assert_eq!(report.bytes_written, LEN as u64);
    assert_eq!(server.seen()[0].range, None);
    assert_second_request_resumes_v1_from(&server, 300_000);
    assert_monotonic(&progress, LEN as u64);
}

#[tokio::test]
async fn without_range_support_a_broken_download_fails_and_leaves_nothing() {
    let server = RawServer::without_ranges(vec![300_000; 4]).await;
    let (_dir, target) = target_in_empty_dir();

    assert_connection_error(raw_download(&server, &target).delete_on_error(true)).await;
    assert_nothing_written(&target);
    // No validator, no Accept-Ranges: nothing to resume safely, so no second request.
    assert_eq!(server.seen().len(), 1);
}

/// Runs a download that breaks after `cut` bytes and keeps its partial file.
async fn interrupted(server: &RawServer, target: &Path, cut: usize) {
    assert_connection_error(
        raw_download(server, target)
            .delete_on_error(false)
            .max_resume_attempts(0),
    )
    .await;
    assert!(!target.exists());
    assert_eq!(
        std::fs::metadata(part_of(target)).unwrap().len(),
        cut as u64
    );
    assert!(meta_of(target).exists());
}

#[tokio::test]
async fn a_kept_partial_file_is_resumed_by_the_next_call() {
    let server = RawServer::with_ranges(vec![400_000]).await;
    let (_dir, target) = target_in_empty_dir();
    interrupted(&server, &target, 400_000).await;

    let (report, progress) = send_recording_progress(raw_download(&server, &target)).await;

    assert_holds_only(&target, &content(1));
    assert!(report.resumed);
    assert_eq!(report.bytes_written, (LEN - 400_000) as u64);
    assert_eq!(report.total_bytes, LEN as u64);
    assert_second_request_resumes_v1_from(&server, 400_000);
    assert_eq!(
        progress[0].transferred, 400_000,
        "starts at the bytes on disk"
    );
    assert_monotonic(&progress, LEN as u64);
}

#[tokio::test]
async fn a_changed_etag_on_resume_restarts_from_zero() {
    let server = RawServer::with_ranges(vec![400_000]).await;
    let (_dir, target) = target_in_empty_dir();
    interrupted(&server, &target, 400_000).await;
    // Another length too, so the totals reported can only come from the new version.
    let new_length = LEN + 100_000;
    server.change("\"v2\"", content_of_length(2, new_length));

    let (report, progress) = send_recording_progress(raw_download(&server, &target)).await;

    assert_holds_only(&target, &content_of_length(2, new_length));
    assert!(!report.resumed);
    assert_eq!(report.bytes_written, new_length as u64);
    assert_eq!(report.total_bytes, new_length as u64);
    assert_second_request_resumes_v1_from(&server, 400_000);
    // The 400 000 stale bytes on disk are never reported: the count starts again at zero.
    assert_eq!(
        progress[0],
        Progress {
            transferred: 0,
            total: Some(new_length as u64)
        }
    );
    assert!(
        progress
            .iter()
            .all(|progress| progress.total == Some(new_length as u64)),
        "{progress:?}"
    );
    assert_monotonic(&progress, new_length as u64);
}

#[tokio::test]
async fn resume_false_ignores_a_kept_partial_file() {
    let server = RawServer::with_ranges(vec![400_000]).await;
    let (_dir, target) = target_in_empty_dir();
    interrupted(&server, &target, 400_000).await;

    let report = raw_download(&server, &target)
        .resume(false)
        .send()
        .await
        .unwrap();

    assert_holds_only(&target, &content(1));
    assert!(!report.resumed);
    assert_eq!(server.seen()[1].range, None);
}

#[tokio::test]
async fn reconnections_stop_after_max_resume_attempts() {
    let server = RawServer::with_ranges(vec![100_000, 100_000, 100_000]).await;
    let (_dir, target) = target_in_empty_dir();

    assert_connection_error(raw_download(&server, &target).max_resume_attempts(2)).await;
    let ranges: Vec<_> = server.seen().into_iter().map(|seen| seen.range).collect();
    assert_eq!(
        ranges,
        vec![
            None,
            Some("bytes=100000-".to_owned()),
            Some("bytes=200000-".to_owned())
        ]
    );
    assert_nothing_written(&target);
}

#[tokio::test]
async fn cancelling_mid_download_removes_the_partial_file() {
    let (_dir, target) = target_in_empty_dir();

    let error = cancel_mid_download(&target).await;

    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    assert_eq!(
        error.cancel_reason().map(|reason| reason.as_str()),
        Some(STOP_REASON)
    );
    assert_nothing_written(&target);
}

#[tokio::test]
async fn a_partial_file_that_is_already_complete_is_accepted_on_416() {
    // The first answer announces 10 bytes more than the file has, so the first call fails
    // with the whole file in its partial file.
    let server = RawServer::start(RawConfig {
        ranges: true,
        overstate: 10,
        cuts: vec![LEN],
    })
    .await;
    let (_dir, target) = target_in_empty_dir();
    interrupted(&server, &target, LEN).await;

    let (report, progress) = send_recording_progress(raw_download(&server, &target)).await;

    assert_holds_only(&target, &content(1));
    assert!(report.resumed);
    assert_eq!(report.bytes_written, 0);
    assert_eq!(report.total_bytes, LEN as u64);
    assert_eq!(server.seen()[1].range, Some(format!("bytes={LEN}-")));
    assert_monotonic(&progress, LEN as u64);
}

// ---------------------------------------------------------------------------------------
// Atomicity: the target holds nothing, its previous version, or the complete new file.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_body_cut_short_leaves_the_previous_file_untouched() {
    let server = RawServer::without_ranges(vec![300_000]).await;
    let (_dir, target) = target_holding_previous_version();

    assert_connection_error(raw_download(&server, &target)).await;
    assert_holds_only(&target, PREVIOUS);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_reset_mid_body_leaves_the_previous_file_untouched() {
    let mock = MockTransport::new();
    // Every answer, the reconnection's included, is reset after 300 000 bytes.
    Mock::given(matchers::path("/file.bin"))
        .respond_with(
            whole("\"v1\"", &content(1)).with_fault(Fault::ResetMidBody { after: 300_000 }),
        )
        .expect(2)
        .mount(&mock);
    let (_dir, target) = target_holding_previous_version();

    assert_connection_error(mock_download(&mock, &target).max_resume_attempts(1)).await;
    assert_holds_only(&target, PREVIOUS);
    assert_eq!(
        ranges_received(&mock),
        [None, Some("bytes=300000-".to_owned())]
    );
    mock.verify();
}

#[tokio::test]
async fn a_kept_partial_file_sits_beside_the_untouched_previous_file_until_it_completes() {
    let body = content(1);
    let mock = mock_resetting_v1_after(&body, 300_000);
    mount_resume_of_v1(&mock, 300_000, range_of("\"v1\"", &body, 300_000));
    let (_dir, target) = target_holding_previous_version();

    assert_connection_error(
        mock_download(&mock, &target)
            .delete_on_error(false)
            .max_resume_attempts(0),
    )
    .await;

    // As documented: the partial file and its validator stay, beside the previous version.
    assert_file(&target, PREVIOUS);
    assert_file(&part_of(&target), &body[..300_000]);
    let meta = std::fs::read_to_string(meta_of(&target)).unwrap();
    assert!(
        meta.contains("v1"),
        "the sidecar names the validator: {meta}"
    );

    let report = mock_download(&mock, &target).send().await.unwrap();

    assert_holds_only(&target, &body);
    assert!(report.resumed);
    assert_eq!(report.bytes_written, (LEN - 300_000) as u64);
    mock.verify();
}

#[tokio::test]
async fn cancelling_mid_download_leaves_the_previous_file_untouched() {
    let (_dir, target) = target_holding_previous_version();

    let error = cancel_mid_download(&target).await;

    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    assert_holds_only(&target, PREVIOUS);
}

#[tokio::test]
async fn a_cancelled_download_keeps_its_partial_file_with_delete_on_error_false() {
    let mock = MockTransport::new();
    let body = content(1);
    // The first 200 000 bytes, then a stall that only the cancellation ends.
    mount_first_answer(
        &mock,
        ResponseTemplate::new(200)
            .insert_header("etag", "\"v1\"")
            .insert_header("accept-ranges", "bytes")
            .set_body_chunks(
                [
                    Bytes::copy_from_slice(&body[..200_000]),
                    Bytes::copy_from_slice(&body[200_000..]),
                ],
                Duration::from_secs(3600),
            ),
    );
    mount_resume_of_v1(&mock, 200_000, range_of("\"v1\"", &body, 200_000));
    let (_dir, target) = target_holding_previous_version();
    let (token, stop) = stop_after(200_000);

    let error = mock_download(&mock, &target)
        .cancel_token(&token)
        .delete_on_error(false)
        .on_progress(stop)
        .send()
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    assert_file(&target, PREVIOUS);
    assert_file(&part_of(&target), &body[..200_000]);
    assert!(meta_of(&target).exists());
    assert_eq!(ranges_received(&mock), [None]);

    // A cancellation is never resumed within its call, but a later call continues the file.
    let (report, progress) = send_recording_progress(mock_download(&mock, &target)).await;

    assert_holds_only(&target, &body);
    assert!(report.resumed);
    assert_eq!(report.bytes_written, (LEN - 200_000) as u64);
    assert_eq!(progress[0].transferred, 200_000);
    assert_monotonic(&progress, LEN as u64);
    mock.verify();
}

// ---------------------------------------------------------------------------------------
// A changed validator: the download starts over, and progress still never goes backwards.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_changed_etag_found_on_reconnection_restarts_from_zero_and_progress_never_goes_backwards()
{
    let old = content(1);
    let new_length = LEN + 50_000;
    let new = content_of_length(2, new_length);
    let mock = mock_resetting_v1_after(&old, 300_000);
    // The resource changed meanwhile: If-Range no longer matches, so all of it comes back.
    mount_resume_of_v1(&mock, 300_000, whole("\"v2\"", &new));
    let (_dir, target) = target_holding_previous_version();

    let (report, progress) = send_recording_progress(mock_download(&mock, &target)).await;

    assert_holds_only(&target, &new);
    assert!(!report.resumed);
    assert_eq!(report.bytes_written, new_length as u64);
    assert_eq!(report.total_bytes, new_length as u64);
    assert_monotonic(&progress, new_length as u64);
    // The restarted transfer reports as it goes, once it passes what was already reported.
    let restarted: Vec<u64> = progress
        .iter()
        .filter(|progress| progress.total == Some(new_length as u64))
        .map(|progress| progress.transferred)
        .collect();
    assert!(restarted.len() > 2, "{progress:?}");
    assert!(restarted[0] > 300_000, "{progress:?}");
    mock.verify();
}

#[tokio::test]
async fn a_206_for_another_etag_from_a_server_that_ignores_if_range_restarts_from_zero() {
    let old = content(1);
    let new = content(2);
    let mock = mock_resetting_v1_after(&old, 300_000);
    // Appending this to the 300 000 bytes of v1 would give a corrupt file.
    Mock::given(matchers::header("range", "bytes=300000-"))
        .respond_with(range_of("\"v2\"", &new, 300_000))
        .named("a range of v2 despite If-Range: \"v1\"")
        .expect(1)
        .mount(&mock);
    mount_restart(&mock, whole("\"v2\"", &new));
    let (_dir, target) = target_holding_previous_version();

    let (report, progress) = send_recording_progress(mock_download(&mock, &target)).await;

    assert_holds_only(&target, &new);
    assert!(!report.resumed);
    assert_eq!(report.bytes_written, LEN as u64);
    assert_eq!(
        ranges_received(&mock),
        [None, Some("bytes=300000-".to_owned()), None]
    );
    assert_monotonic(&progress, LEN as u64);
    mock.verify();
}

#[tokio::test]
async fn a_416_for_another_etag_restarts_instead_of_keeping_the_old_partial_file() {
    let mock = MockTransport::new();
    let old = content(1);
    let new = content(2);
    // All of v1 arrives, but the connection drops before the announced length, so the call
    // reconnects with every byte of v1 already on disk.
    mount_first_answer(
        &mock,
        whole("\"v1\"", &old)
            .insert_header("content-length", (LEN + 10).to_string())
            .with_fault(Fault::ResetMidBody { after: LEN }),
    );
    // Meanwhile v2, of the same length, replaced it; this server ignores If-Range.
    Mock::given(matchers::header("range", format!("bytes={LEN}-")))
        .respond_with(
            ResponseTemplate::new(416)
                .insert_header("etag", "\"v2\"")
                .insert_header("content-range", format!("bytes */{LEN}")),
        )
        .expect(1)
        .mount(&mock);
    mount_restart(&mock, whole("\"v2\"", &new));
    let (_dir, target) = target_holding_previous_version();

    let (report, progress) = send_recording_progress(mock_download(&mock, &target)).await;

    assert_holds_only(&target, &new);
    assert!(!report.resumed);
    assert_eq!(
        ranges_received(&mock),
        [None, Some(format!("bytes={LEN}-")), None]
    );
    assert_monotonic(&progress, LEN as u64);
    mock.verify();
}

#[tokio::test]
async fn a_smaller_version_found_on_reconnection_ends_progress_at_its_size() {
    let old = content(1);
    let new = content_of_length(2, 100_000);
    let mock = mock_resetting_v1_after(&old, 300_000);
    Mock::given(matchers::header("if-range", "\"v1\""))
        .respond_with(whole("\"v2\"", &new))
        .expect(1)
        .mount(&mock);
    let (_dir, target) = target_holding_previous_version();

    let (report, progress) = send_recording_progress(mock_download(&mock, &target)).await;

    assert_holds_only(&target, &new);
    assert_eq!(report.total_bytes, 100_000);
    // As documented: reports pause after the restart (the new content never passes the
    // 300 000 bytes already reported), and the last one is still the file's size.
    let (last, before) = progress.split_last().unwrap();
    assert_eq!(
        *last,
        Progress {
            transferred: 100_000,
            total: Some(100_000)
        }
    );
    assert_eq!(
        before.last(),
        Some(&Progress {
            transferred: 300_000,
            total: Some(LEN as u64)
        }),
        "{progress:?}"
    );
    assert!(
        before
            .windows(2)
            .all(|pair| pair[0].transferred <= pair[1].transferred),
        "{progress:?}"
    );
    mock.verify();
}
