//! A tour of courier, offline: it starts its own origin on 127.0.0.1 and shows the client
//! at work — base URL and defaults, JSON, an auth hook, Dio-style error mapping, redirects,
//! timeouts, cancellation, a multipart upload, a download with progress, and the same client
//! code against `MockTransport`.
//!
//! Run it with `cargo run --example tour` (no network, no set-up). It prints one line per
//! step; set `RUST_LOG=courier=info` to also see the log interceptor's output.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use courier::mock::matchers::{method, path};
use courier::{
    CancelToken, Client, ErrorKind, LogInterceptor, Mock, MockTransport, RequestFlow,
    ResponseTemplate, on_error, on_request,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct User {
    id: u32,
    name: String,
}

/// What the app shows, mapped from courier's errors (the seed's `AppError`).
#[derive(Debug)]
enum AppError {
    Offline,
    SessionExpired,
    NotFound,
    Server(u16),
    Other(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Offline => f.write_str("you are offline"),
            AppError::SessionExpired => f.write_str("please sign in again"),
            AppError::NotFound => f.write_str("not found"),
            AppError::Server(status) => write!(f, "the server failed ({status})"),
            AppError::Other(message) => f.write_str(message),
        }
    }
}

impl From<courier::Error> for AppError {
    fn from(error: courier::Error) -> Self {
        match (error.kind(), error.status().map(|status| status.as_u16())) {
            (ErrorKind::Connection | ErrorKind::ConnectTimeout, _) => AppError::Offline,
            (ErrorKind::BadResponse, Some(401)) => AppError::SessionExpired,
            (ErrorKind::BadResponse, Some(404)) => AppError::NotFound,
            (ErrorKind::BadResponse, Some(status)) => AppError::Server(status),
            _ => AppError::Other(error.to_string()),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .init();

    let origin = start_origin().await?;
    println!("origin listening on {origin}\n");

    // The seed's `createDio()`, in Rust: base URL, timeouts, headers, a log interceptor.
    let client = Client::builder()
        .base_url(format!("{origin}/api/v1/"))
        .connect_timeout(Duration::from_secs(5))
        .receive_timeout(Duration::from_secs(3))
        .default_header("accept", "application/json")
        .interceptor(LogInterceptor::new())
        .interceptor(on_request(|mut request: courier::Request| async move {
            request
                .headers_mut()
                .insert("authorization", "Bearer tour-token".parse()?);
            Ok(RequestFlow::Next(request))
        }))
        .interceptor(on_error(|error: courier::Error| async move {
            // Dio's onError: look at the failure, pass it on (or resolve it).
            Err(error)
        }))
        .no_proxy()
        .build()?;

    let user: User = client.get("users/7").send().await?.json().await?;
    step(
        "GET users/7 → JSON",
        format!("user {} is {}", user.id, user.name),
    );

    let secret = client.get("me").send().await?.text().await?;
    step("on_request hook added the token", secret);

    for path in ["users/404", "broken", "me-without-token"] {
        let outcome = match client.get(path).send().await {
            Ok(response) => format!("{}", response.status()),
            Err(error) => AppError::from(error).to_string(),
        };
        step(&format!("GET {path} → domain error"), outcome);
    }

    let response = client.get("old-home").send().await?;
    step(
        "redirect followed and recorded",
        format!(
            "{} via {}",
            response.url().path(),
            response
                .redirects()
                .iter()
                .map(|url| url.path())
                .collect::<Vec<_>>()
                .join(" → ")
        ),
    );

    let error = client
        .get("slow")
        .receive_timeout(Duration::from_millis(200))
        .send()
        .await
        .err();
    step(
        "receive timeout",
        format!("{:?}", error.map(|error| error.kind())),
    );

    let token = CancelToken::new();
    let cancel_soon = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel_soon.cancel_with("user left the screen");
    });
    let error = client.get("slow").cancel_token(&token).send().await.err();
    step(
        "cancelled while waiting",
        error.map(|error| error.to_string()).unwrap_or_default(),
    );

    let form = courier::multipart::Form::new()
        .text("title", "holiday")
        .part(
            "photo",
            courier::multipart::Part::bytes(vec![7u8; 2048])
                .file_name("beach.jpg")
                .mime_str("image/jpeg")?,
        );
    let echoed = client
        .post("upload")
        .multipart(form)
        .send()
        .await?
        .text()
        .await?;
    step("multipart upload", echoed);

    let directory = std::env::temp_dir().join(format!("courier-tour-{}", std::process::id()));
    tokio::fs::create_dir_all(&directory).await?;
    let target = directory.join("report.bin");
    let last_progress = Arc::new(AtomicUsize::new(0));
    let seen = last_progress.clone();
    let report = client
        .download("files/report.bin", &target)
        .on_progress(move |progress| seen.store(progress.transferred as usize, Ordering::Relaxed))
        .send()
        .await?;
    step(
        "download with progress, atomic rename",
        format!(
            "{} bytes written, last progress {}",
            report.bytes_written,
            last_progress.load(Ordering::Relaxed)
        ),
    );
    tokio::fs::remove_dir_all(&directory).await?;

    // The same client code against MockTransport: no sockets, expectations verified.
    let mock = MockTransport::new();
    Mock::given(method("GET"))
        .and(path("/users/1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 1, "name": "Grace"})),
        )
        .expect(1)
        .named("user lookup")
        .mount(&mock);
    let test_client = Client::builder()
        .base_url("https://api.example")
        .transport(mock.clone())
        .build()?;
    let user: User = test_client.get("users/1").send().await?.json().await?;
    mock.verify();
    step(
        "MockTransport answered in-process",
        format!("user {} is {}", user.id, user.name),
    );

    println!("\ndone");
    Ok(())
}

fn step(what: &str, outcome: impl std::fmt::Display) {
    println!("{what:<40} {outcome}");
}

async fn start_origin() -> std::io::Result<String> {
    let api = Router::new()
        .route("/users/{id}", get(user))
        .route("/me", get(me))
        .route(
            "/me-without-token",
            get(|| async { StatusCode::UNAUTHORIZED }),
        )
        .route("/broken", get(|| async { StatusCode::BAD_GATEWAY }))
        .route(
            "/old-home",
            get(|| async { Redirect::temporary("/api/v1/home") }),
        )
        .route("/home", get(|| async { "home" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "too late"
            }),
        )
        .route("/upload", post(upload))
        .route(
            "/files/report.bin",
            get(|| async { vec![42u8; 256 * 1024] }),
        );
    let app = Router::new().nest("/api/v1", api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{address}"))
}

async fn user(Path(id): Path<u32>) -> impl IntoResponse {
    if id == 404 {
        return (StatusCode::NOT_FOUND, "no such user").into_response();
    }
    axum::Json(serde_json::json!({ "id": id, "name": "Ada" })).into_response()
}

async fn me(headers: HeaderMap) -> impl IntoResponse {
    match headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
    {
        Some("Bearer tour-token") => (StatusCode::OK, "welcome back".to_owned()),
        _ => (StatusCode::UNAUTHORIZED, "who are you?".to_owned()),
    }
}

async fn upload(mut multipart: Multipart) -> impl IntoResponse {
    let mut received = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let size = field.bytes().await.map(|bytes| bytes.len()).unwrap_or(0);
        received.push(match file_name {
            Some(file_name) => format!("{name}={file_name} ({size} bytes)"),
            None => format!("{name} ({size} bytes)"),
        });
    }
    received.join(", ")
}
