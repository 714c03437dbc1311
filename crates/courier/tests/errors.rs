//! Every `ErrorKind` from a real failure against loopback servers, the URL on each error (with
//! secrets redacted), and the source chain down to the I/O error.

mod common;

use std::error::Error as _;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use common::TestServer;
use common::raw::{RawServer, read_head, wait_closed, write_all};
use common::tls::TlsServer;
use courier::{CancelToken, Client, ErrorKind};

fn client() -> Client {
    Client::builder().no_proxy().build().expect("client builds")
}

/// A loopback address nothing listens on: bound, then released.
async fn refused_addr() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    addr
}

// ----- Connection -------------------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_connection_error_with_the_io_error_in_its_chain() {
    let url = format!("http://{}/users", refused_addr().await);
    let error = client().get(&url).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error:?}");
    assert_eq!(error.url().map(|u| u.as_str()), Some(url.as_str()));

    let mut cause = error.source();
    let mut refused = false;
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        cause = current.source();
    }
    assert!(refused, "no io::Error(ConnectionRefused) in {error:?}");
}

#[tokio::test]
async fn server_closing_mid_body_is_a_connection_error_while_reading() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        write_all(
            &mut stream,
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten..",
        )
        .await;
        // Dropping the stream closes the connection 90 bytes short.
    })
    .await;
    let response = server.client().get("short").send().await.expect("the head");
    let error = response.bytes().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/short"));
}

// ----- BadCertificate -----------------------------------------------------------------

async fn tls_server() -> TlsServer {
    TlsServer::start(Router::new().route("/", get(|| async { "secure" }))).await
}

#[tokio::test]
async fn self_signed_certificate_is_a_bad_certificate() {
    let server = tls_server().await;
    let error = client().get(server.url("/")).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadCertificate, "{error:?}");
    assert!(error.url().is_some());
}

#[tokio::test]
async fn self_signed_certificate_is_trusted_once_added_as_a_root() {
    let server = tls_server().await;
    let client = Client::builder()
        .no_proxy()
        .add_root_certificate_pem(server.certificate_pem.as_bytes())
        .build()
        .expect("client builds");
    let response = client.get(server.url("/")).send().await.expect("trusted");
    assert_eq!(response.text().await.unwrap(), "secure");
}

// ----- BadResponse --------------------------------------------------------------------

fn not_found_server() -> Router {
    Router::new()
        .route(
            "/missing",
            get(|| async {
                let mut headers = HeaderMap::new();
                headers.insert("x-reason", "gone fishing".parse().unwrap());
                (StatusCode::NOT_FOUND, headers, "no such user").into_response()
            }),
        )
        .route("/ok", get(|| async { "fine" }))
}

#[tokio::test]
async fn a_4xx_is_a_bad_response_that_keeps_headers_and_body() {
    let server = TestServer::start(not_found_server()).await;
    let error = server.client().get("missing").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse, "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.url().map(|u| u.path()), Some("/missing"));
    let response = error.response().expect("the response is kept");
    assert_eq!(response.headers()["x-reason"], "gone fishing");
    assert_eq!(
        response.buffered_body().map(|b| &b[..]),
        Some(&b"no such user"[..])
    );
    assert!(error.to_string().contains("404"));
}

#[tokio::test]
async fn validate_status_client_default_accepts_a_404() {
    let server = TestServer::start(not_found_server()).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .validate_status(|status| status.as_u16() < 500)
        .build()
        .expect("client builds");
    let response = client.get("missing").send().await.expect("404 is accepted");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.text().await.unwrap(), "no such user");
}

#[tokio::test]
async fn validate_status_per_request_overrides_the_client_default() {
    let server = TestServer::start(not_found_server()).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .validate_status(|status| status.as_u16() < 500)
        .build()
        .expect("client builds");
    let error = client
        .get("missing")
        .validate_status(|status| status.is_success())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);

    let error = client
        .get("ok")
        .validate_status(|status| status == StatusCode::CREATED)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::OK));
}

// ----- Decode -------------------------------------------------------------------------

#[tokio::test]
async fn invalid_json_is_a_decode_error() {
    let server = TestServer::start(Router::new().route(
        "/user",
        get(|| async { ([("content-type", "application/json")], "{\"id\": 7,") }),
    ))
    .await;
    #[derive(serde::Deserialize, Debug)]
    struct User {
        #[allow(dead_code)]
        id: u32,
    }
    let response = server.client().get("user").send().await.expect("a 200");
    let error = response.json::<User>().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/user"));
    assert!(error.source().is_some());
}

#[tokio::test]
async fn a_body_that_claims_gzip_but_is_not_is_a_decode_error() {
    let server = TestServer::start(Router::new().route(
        "/fake",
        get(|| async { ([("content-encoding", "gzip")], "this is not gzip at all") }),
    ))
    .await;
    let response = server.client().get("fake").send().await.expect("a 200");
    let error = response.bytes().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/fake"));
}

// ----- InvalidRequest -----------------------------------------------------------------

#[tokio::test]
async fn a_bad_url_is_an_invalid_request() {
    let error = client().get("http://[::1").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
}

#[tokio::test]
async fn a_bad_header_name_or_value_is_an_invalid_request() {
    let server = TestServer::start(not_found_server()).await;
    let error = server
        .client()
        .get("ok")
        .header("bad header", "x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
    let error = server
        .client()
        .get("ok")
        .header("x-fine", "line\nbreak")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
}

#[tokio::test]
async fn a_relative_url_without_a_base_is_an_invalid_request() {
    let error = client().get("/users/7").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
    assert!(error.to_string().contains("no base URL"), "{error}");
}

// ----- Redirect -----------------------------------------------------------------------

#[tokio::test]
async fn too_many_redirects_is_a_redirect_error() {
    let server = TestServer::start(Router::new().route(
        "/loop",
        get(|| async { axum::response::Redirect::temporary("/loop") }),
    ))
    .await;
    let error = server.client().get("loop").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
    assert!(error.url().is_some());
}

// ----- Cancelled ----------------------------------------------------------------------

#[tokio::test]
async fn a_cancelled_request_carries_the_reason() {
    let (reached, mut reached_rx) = tokio::sync::mpsc::unbounded_channel();
    let server = RawServer::start(move |mut stream| {
        let reached = reached.clone();
        async move {
            read_head(&mut stream).await;
            let _ = reached.send(());
            wait_closed(&mut stream).await;
        }
    })
    .await;
    let token = CancelToken::new();
    let canceller = token.clone();
    tokio::spawn(async move {
        reached_rx.recv().await;
        canceller.cancel_with("user left the screen");
    });
    let error = server
        .client()
        .get("wait")
        .cancel_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
    assert!(error.is_cancelled());
    assert_eq!(
        error.cancel_reason().map(|r| r.as_str()),
        Some("user left the screen")
    );
    assert!(error.to_string().contains("user left the screen"));
    assert_eq!(error.url().map(|u| u.path()), Some("/wait"));
}

// ----- Redaction ----------------------------------------------------------------------

#[tokio::test]
async fn secrets_in_the_url_are_redacted_in_url_and_display() {
    let addr = refused_addr().await;
    // The fragment never leaves, but the error keeps the URL as given (OAuth's implicit flow
    // puts the token there).
    let url = format!("http://ada:hunter2@{addr}/me?access_token=s3cr3t&page=2#id_token=s3cr3t");
    let error = client().get(&url).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    let recorded = error.url().expect("a URL").as_str().to_owned();
    let shown = error.to_string();
    for text in [&recorded, &shown] {
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("page=2"), "{text}");
    }
}

/// Asserts that neither the error's `Display` nor its `Debug` holds a secret of the URLs below.
fn assert_no_secret(error: &courier::Error) {
    for text in [error.to_string(), format!("{error:?}")] {
        for secret in ["hunter2", "s3cr3t"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}

#[tokio::test]
async fn an_unparseable_request_url_shows_no_secret() {
    let cases = [
        (
            "https://ada:hunter2@exa mple.com/me?access_token=s3cr3t&page=2",
            "invalid URL `https://ada:REDACTED@exa mple.com/me?…`",
        ),
        // A password holding `/` ends the authority early: port `hun` is what fails.
        (
            "https://ada:hun/ter2@api.example/me",
            "invalid URL `https://ada:REDACTED@api.example/me`",
        ),
        (
            "/me?token=s3cr3t",
            "`/me?…` is not an absolute URL and the client has no base URL",
        ),
    ];
    for (url, shown) in cases {
        let error = client().get(url).send().await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
        assert!(error.to_string().contains(shown), "{error}");
        assert!(!error.to_string().contains("ter2"), "{error}");
        assert_no_secret(&error);
    }
    // Joined to a base URL, the same holds.
    let error = Client::builder()
        .base_url("https://api.example/v1")
        .build()
        .expect("client builds")
        .get("http://[::1/x?api_key=s3cr3t")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("`http://[::1/x?…`"), "{error}");
    assert_no_secret(&error);
}

#[test]
fn a_rejected_base_url_shows_no_secret() {
    let cases = [
        (
            "https://ada:hunter2@exa mple.com/v1?token=s3cr3t",
            "invalid base URL `https://ada:REDACTED@exa mple.com/v1?…`",
        ),
        (
            "https://ada:hunter2@api.example/v1?api_key=s3cr3t&lang=en",
            "base URL `https://ada@api.example/v1?api_key=REDACTED&lang=en` has a query",
        ),
        (
            "https://api.example/callback#access_token=s3cr3t",
            "base URL `https://api.example/callback#access_token=REDACTED` has a query",
        ),
        // No `//`: scheme `ada`, with the password in what would be its path.
        (
            "ada:hunter2@api.example/v1",
            "base URL scheme `ada` is not http or https",
        ),
    ];
    for (url, shown) in cases {
        let error = Client::builder().base_url(url).build().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
        assert!(error.to_string().contains(shown), "{error}");
        assert_no_secret(&error);
    }
}

#[tokio::test]
async fn secrets_are_redacted_in_a_timeout_error_too() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        wait_closed(&mut stream).await;
    })
    .await;
    let error = client()
        .get(server.url("/slow?token=s3cr3t"))
        .receive_timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout);
    assert!(!error.to_string().contains("s3cr3t"), "{error}");
    assert!(!format!("{error:?}").contains("s3cr3t"), "{error:?}");
}
