//! Multipart uploads against a real server that parses them with `axum::extract::Multipart`.

// Setup helpers outside `#[test]` functions (and `common`) panic on failure, as tests do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::Multipart;
use axum::routing::post;
use common::TestServer;
use courier::multipart::{Form, Part};
use courier::{ErrorKind, Progress};
use serde::{Deserialize, Serialize};

/// One field as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Field {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    size: usize,
    content: String,
}

impl Field {
    fn new(name: &str, file_name: Option<&str>, content_type: Option<&str>, content: &str) -> Self {
        Field {
            name: name.to_owned(),
            file_name: file_name.map(str::to_owned),
            content_type: content_type.map(str::to_owned),
            size: content.len(),
            content: content.to_owned(),
        }
    }
}

async fn echo(mut multipart: Multipart) -> Json<Vec<Field>> {
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.unwrap() {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.unwrap();
        fields.push(Field {
            name,
            file_name,
            content_type,
            size: bytes.len(),
            content: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    Json(fields)
}

async fn echo_server() -> TestServer {
    TestServer::start(Router::new().route("/upload", post(echo))).await
}

fn temp_file(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[tokio::test]
async fn server_parses_text_bytes_and_file_parts() {
    let server = echo_server().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = temp_file(&dir, "report.csv", "a,b\n1,2\n");

    let form = Form::new()
        .text("title", "Quarterly")
        .part(
            "blob",
            Part::bytes(vec![b'x'; 300])
                .file_name("blob.bin")
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .file("report", &csv)
        .await
        .unwrap()
        .part("note", Part::text("naïve ☃"));
    let length = form.content_length().unwrap();

    let response = server
        .client()
        .post("upload")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let fields: Vec<Field> = response.json().await.unwrap();

    assert_eq!(
        fields,
        vec![
            Field::new("title", None, None, "Quarterly"),
            Field::new(
                "blob",
                Some("blob.bin"),
                Some("application/octet-stream"),
                &"x".repeat(300)
            ),
            Field::new("report", Some("report.csv"), Some("text/csv"), "a,b\n1,2\n"),
            Field::new("note", None, None, "naïve ☃"),
        ]
    );
    assert!(length > 0);
}

#[tokio::test]
async fn a_form_is_resent_by_cloning_the_request() {
    let server = echo_server().await;
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(&dir, "data.txt", "file content, read twice");
    let client = server.client();

    let form = Form::new().text("k", "v").file("f", &path).await.unwrap();
    let request = client.post("upload").multipart(form).build().unwrap();
    let copy = request
        .try_clone()
        .expect("a form of text and files is replayable");

    let first: Vec<Field> = client.execute(request).await.unwrap().json().await.unwrap();
    let second: Vec<Field> = client.execute(copy).await.unwrap().json().await.unwrap();

    let expected = vec![
        Field::new("k", None, None, "v"),
        Field::new(
            "f",
            Some("data.txt"),
            Some("text/plain"),
            "file content, read twice",
        ),
    ];
    assert_eq!(first, expected);
    assert_eq!(second, expected);
}

#[tokio::test]
async fn quotes_and_line_breaks_in_names_are_escaped() {
    let server = echo_server().await;
    let form = Form::new()
        .part("doc", Part::text("x").file_name(r#"my "best" file.txt"#))
        .part("line\r\nbreak", Part::text("y").file_name("résumé.pdf"));

    let fields: Vec<Field> = server
        .client()
        .post("upload")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(
        fields,
        vec![
            Field::new("doc", Some(r#"my "best" file.txt"#), None, "x"),
            Field::new("line%0D%0Abreak", Some("résumé.pdf"), None, "y"),
        ]
    );
}

#[tokio::test]
async fn a_missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.bin");

    let error = Part::file(&missing).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io);
    assert!(error.to_string().contains("nope.bin"));

    let error = Form::new().file("f", &missing).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io);

    let error = Part::file(dir.path()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io);
}

#[tokio::test]
async fn upload_progress_is_monotonic_and_ends_at_the_content_length() {
    let server = echo_server().await;
    let dir = tempfile::tempdir().unwrap();
    let big = "0123456789abcdef".repeat(20_000); // 320 kB: several upload chunks
    let path = temp_file(&dir, "big.txt", &big);

    let form = Form::new().text("a", "1").file("big", &path).await.unwrap();
    let length = form.content_length().unwrap();
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();

    let fields: Vec<Field> = server
        .client()
        .post("upload")
        .multipart(form)
        .on_send_progress(move |progress| sink.lock().unwrap().push(progress))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fields[1].size, big.len());

    let seen = seen.lock().unwrap();
    assert!(seen.len() > 2, "expected several reports, got {seen:?}");
    assert!(
        seen.windows(2)
            .all(|pair| pair[0].transferred <= pair[1].transferred)
    );
    assert!(seen.iter().all(|progress| progress.total == Some(length)));
    assert_eq!(
        seen.last().map(|progress| progress.transferred),
        Some(length)
    );
}

#[tokio::test]
async fn a_stream_part_is_sent_once_and_not_cloneable() {
    let server = echo_server().await;
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("chunk-1 "), Ok("chunk-2")]);
    let form = Form::new()
        .text("before", "b")
        .part("log", Part::stream(chunks, None).file_name("log.txt"));
    let client = server.client();

    let request = client.post("upload").multipart(form).build().unwrap();
    assert!(request.try_clone().is_none());

    let fields: Vec<Field> = client.execute(request).await.unwrap().json().await.unwrap();
    assert_eq!(
        fields,
        vec![
            Field::new("before", None, None, "b"),
            Field::new("log", Some("log.txt"), None, "chunk-1 chunk-2"),
        ]
    );
}
