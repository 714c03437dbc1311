//! Compressed responses from a loopback server: gzip, brotli, zstd and deflate decoded
//! transparently, the `Accept-Encoding` header the client sends, and turning gzip off.

mod common;

use std::io::Write;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use common::TestServer;
use courier::Client;

fn original() -> String {
    "courier decodes what the server compressed. ".repeat(200)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// HTTP's `deflate` is the zlib format (RFC 9110 §8.4.1.2).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut compressed = Vec::new();
    brotli::BrotliCompress(
        &mut &data[..],
        &mut compressed,
        &brotli::enc::BrotliEncoderParams::default(),
    )
    .unwrap();
    compressed
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// `/{encoding}` answers `original()` compressed with that encoding; `/accept` echoes the
/// request's `Accept-Encoding`.
async fn server() -> TestServer {
    fn encoded(
        encoding: &'static str,
        compress: fn(&[u8]) -> Vec<u8>,
    ) -> axum::routing::MethodRouter {
        get(move || async move {
            let body = compress(original().as_bytes());
            assert_ne!(body, original().as_bytes());
            ([("content-encoding", encoding)], body)
        })
    }
    TestServer::start(
        Router::new()
            .route("/gzip", encoded("gzip", gzip))
            .route("/deflate", encoded("deflate", deflate))
            .route("/br", encoded("br", brotli))
            .route("/zstd", encoded("zstd", zstd))
            .route(
                "/accept",
                get(|headers: HeaderMap| async move {
                    headers
                        .get("accept-encoding")
                        .map(|value| value.to_str().unwrap().to_owned())
                        .unwrap_or_default()
                }),
            ),
    )
    .await
}

async fn decoded(client: &Client, path: &str) -> String {
    let response = client.get(path).send().await.expect("a 200");
    assert!(
        response.headers().get("content-encoding").is_none(),
        "a decoded response no longer claims an encoding"
    );
    response.text().await.expect("the body decodes")
}

#[tokio::test]
async fn gzip_is_decoded() {
    let server = server().await;
    assert_eq!(decoded(&server.client(), "gzip").await, original());
}

#[tokio::test]
async fn deflate_is_decoded() {
    let server = server().await;
    assert_eq!(decoded(&server.client(), "deflate").await, original());
}

#[tokio::test]
async fn brotli_is_decoded() {
    let server = server().await;
    assert_eq!(decoded(&server.client(), "br").await, original());
}

#[tokio::test]
async fn zstd_is_decoded() {
    let server = server().await;
    assert_eq!(decoded(&server.client(), "zstd").await, original());
}

#[tokio::test]
async fn accept_encoding_lists_every_decoder() {
    let server = server().await;
    let accepted = server.client().get("accept").send().await.unwrap();
    let accepted = accepted.text().await.unwrap();
    let encodings: Vec<_> = accepted.split(',').map(str::trim).collect();
    for encoding in ["gzip", "br", "zstd", "deflate"] {
        assert!(encodings.contains(&encoding), "{accepted}");
    }
}

#[tokio::test]
async fn gzip_off_is_not_advertised_nor_decoded() {
    let server = server().await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .gzip(false)
        .build()
        .expect("client builds");
    let accepted = client
        .get("accept")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!accepted.contains("gzip"), "{accepted}");
    assert!(accepted.contains("br"), "{accepted}");

    let response = client.get("gzip").send().await.expect("a 200");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let raw = response.bytes().await.expect("the raw body");
    assert_eq!(&raw[..], &gzip(original().as_bytes())[..]);
}

#[tokio::test]
async fn every_decoder_off_sends_no_accept_encoding() {
    let server = server().await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .gzip(false)
        .brotli(false)
        .zstd(false)
        .deflate(false)
        .build()
        .expect("client builds");
    let accepted = client
        .get("accept")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(accepted, "");
}
