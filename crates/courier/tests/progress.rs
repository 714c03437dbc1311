//! Upload and download progress against a loopback server: reports are monotonic and end
//! exactly at the total, for in-memory and streaming bodies.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body as AxumBody, Bytes};
use axum::routing::{get, post};
use common::TestServer;
use courier::Progress;

const MIB: usize = 1024 * 1024;

/// Collects progress reports.
#[derive(Clone, Default)]
struct Reports(Arc<Mutex<Vec<Progress>>>);

impl Reports {
    fn callback(&self) -> impl Fn(Progress) + Send + Sync + 'static {
        let reports = self.0.clone();
        move |progress| reports.lock().unwrap().push(progress)
    }

    fn take(&self) -> Vec<Progress> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Asserts the reports only grow, never pass their total, and end at `total`.
fn assert_complete(reports: &[Progress], total: u64) {
    assert!(reports.len() > 1, "more than one report: {reports:?}");
    for pair in reports.windows(2) {
        assert!(
            pair[0].transferred <= pair[1].transferred,
            "not monotonic: {pair:?}"
        );
    }
    for report in reports {
        if let Some(known) = report.total {
            assert!(report.transferred <= known, "past the total: {report:?}");
        }
    }
    let last = reports.last().unwrap();
    assert_eq!(
        *last,
        Progress {
            transferred: total,
            total: Some(total)
        }
    );
}

async fn server() -> TestServer {
    TestServer::start(
        Router::new()
            .route(
                "/upload",
                post(|body: Bytes| async move { body.len().to_string() }),
            )
            .route(
                "/download",
                get(|| async {
                    // 1 MiB with a Content-Length, sent in 64 KiB chunks.
                    let chunks = (0..16).map(|_| Ok::<_, std::io::Error>(vec![1u8; 64 * 1024]));
                    (
                        [("content-length", MIB.to_string())],
                        AxumBody::from_stream(futures_util::stream::iter(chunks)),
                    )
                }),
            )
            .route(
                "/chunked",
                get(|| async {
                    let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(vec![2u8; 10_000]));
                    AxumBody::from_stream(futures_util::stream::iter(chunks))
                }),
            )
            .route(
                "/gzip",
                get(|| async {
                    let mut encoder =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    encoder.write_all(&vec![3u8; MIB]).unwrap();
                    ([("content-encoding", "gzip")], encoder.finish().unwrap())
                }),
            ),
    )
    .await
}

#[tokio::test]
async fn upload_progress_of_an_in_memory_body() {
    let server = server().await;
    let reports = Reports::default();
    let response = server
        .client()
        .post("upload")
        .body(vec![0u8; MIB])
        .on_send_progress(reports.callback())
        .send()
        .await
        .expect("uploaded");
    assert_eq!(response.text().await.unwrap(), MIB.to_string());
    assert_complete(&reports.take(), MIB as u64);
}

fn stream_of(
    chunks: usize,
    size: usize,
) -> impl futures_core::Stream<Item = std::io::Result<Bytes>> {
    futures_util::stream::iter((0..chunks).map(move |_| Ok(Bytes::from(vec![5u8; size]))))
}

#[tokio::test]
async fn upload_progress_of_a_streaming_body_of_known_length() {
    let server = server().await;
    let reports = Reports::default();
    let total = 7 * 100_000;
    let response = server
        .client()
        .post("upload")
        .body(courier::Body::wrap_stream_with_length(
            stream_of(7, 100_000),
            total as u64,
        ))
        .on_send_progress(reports.callback())
        .send()
        .await
        .expect("uploaded");
    assert_eq!(response.text().await.unwrap(), total.to_string());
    assert_complete(&reports.take(), total as u64);
}

#[tokio::test]
async fn upload_progress_of_a_streaming_body_of_unknown_length_ends_at_what_was_sent() {
    let server = server().await;
    let reports = Reports::default();
    let total = 5 * 30_000;
    let response = server
        .client()
        .post("upload")
        .body(courier::Body::wrap_stream(stream_of(5, 30_000)))
        .on_send_progress(reports.callback())
        .send()
        .await
        .expect("uploaded");
    assert_eq!(response.text().await.unwrap(), total.to_string());
    assert_complete(&reports.take(), total as u64);
}

#[tokio::test]
async fn download_progress_ends_at_the_content_length() {
    let server = server().await;
    let reports = Reports::default();
    let response = server
        .client()
        .get("download")
        .on_receive_progress(reports.callback())
        .send()
        .await
        .expect("a 200");
    assert_eq!(response.content_length(), Some(MIB as u64));
    assert_eq!(response.bytes().await.unwrap().len(), MIB);
    let reports = reports.take();
    assert!(
        reports.iter().all(|r| r.total == Some(MIB as u64)),
        "{reports:?}"
    );
    assert_complete(&reports, MIB as u64);
}

#[tokio::test]
async fn download_progress_without_a_length_ends_at_what_was_received() {
    let server = server().await;
    let reports = Reports::default();
    let response = server
        .client()
        .get("chunked")
        .on_receive_progress(reports.callback())
        .send()
        .await
        .expect("a 200");
    assert_eq!(response.bytes().await.unwrap().len(), 100_000);
    assert_complete(&reports.take(), 100_000);
}

#[tokio::test]
async fn download_progress_counts_decoded_bytes() {
    let server = server().await;
    let reports = Reports::default();
    let response = server
        .client()
        .get("gzip")
        .on_receive_progress(reports.callback())
        .send()
        .await
        .expect("a 200");
    assert_eq!(response.bytes().await.unwrap().len(), MIB);
    assert_complete(&reports.take(), MIB as u64);
}
