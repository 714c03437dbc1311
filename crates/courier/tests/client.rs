//! The client against loopback servers: base URL joining, default headers and query, the user
//! agent, request bodies as the server sees them, extensions seen by interceptors, HTTP/2
//! with prior knowledge, and the default status validation.

mod common;

use std::convert::Infallible;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::{any, get};
use common::TestServer;
use courier::{Client, ErrorKind, Interceptor, Next, Request, Response};

/// Answers every request with its path and query.
async fn uri_echo() -> TestServer {
    TestServer::start(Router::new().fallback(|uri: Uri| async move { uri.to_string() })).await
}

async fn seen(client: &Client, path: &str) -> String {
    client
        .get(path)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{path}: {error}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn base_url_joining_through_real_requests() {
    let server = uri_echo().await;
    let table = [
        ("/v1", "users", "/v1/users"),
        ("/v1/", "users", "/v1/users"),
        ("/v1", "/users", "/v1/users"),
        ("/v1/", "/users", "/v1/users"),
        ("/", "users/7?full=1", "/users/7?full=1"),
        ("/v1", "users?q=a%20b&page=2", "/v1/users?q=a%20b&page=2"),
        ("/v1/api", "users/", "/v1/api/users/"),
        ("/v1", "", "/v1"),
    ];
    for (base, path, expected) in table {
        let client = Client::builder()
            .base_url(server.url(base))
            .no_proxy()
            .build()
            .expect("client builds");
        assert_eq!(seen(&client, path).await, expected, "{base} + {path}");
    }
}

#[tokio::test]
async fn an_absolute_url_bypasses_the_base() {
    let base = uri_echo().await;
    let other = uri_echo().await;
    let client = Client::builder()
        .base_url(base.url("/v1"))
        .no_proxy()
        .build()
        .expect("client builds");
    let response = client
        .get(other.url("/elsewhere?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), other.url("/elsewhere?x=1"));
    assert_eq!(response.text().await.unwrap(), "/elsewhere?x=1");
}

/// Answers with every value of the `x-app` header, the user agent and the query.
async fn header_echo() -> TestServer {
    TestServer::start(
        Router::new().fallback(|headers: HeaderMap, uri: Uri| async move {
            let apps: Vec<_> = headers
                .get_all("x-app")
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            let agent = headers
                .get("user-agent")
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default();
            format!(
                "x-app={} ua={} query={}",
                apps.join("|"),
                agent,
                uri.query().unwrap_or("")
            )
        }),
    )
    .await
}

#[tokio::test]
async fn default_headers_are_sent_and_a_request_header_wins() {
    let server = header_echo().await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .default_header("x-app", "default")
        .build()
        .expect("client builds");
    let text = seen(&client, "a").await;
    assert!(text.starts_with("x-app=default "), "{text}");

    let text = client
        .get("a")
        .header("x-app", "mine")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("x-app=mine "), "{text}");

    // Two values set on the request itself are both sent.
    let text = client
        .get("a")
        .header("x-app", "one")
        .header("x-app", "two")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("x-app=one|two "), "{text}");
}

#[tokio::test]
async fn default_query_and_the_request_query_are_both_sent() {
    let server = header_echo().await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .default_query(&[("lang", "en")])
        .build()
        .expect("client builds");
    assert!(seen(&client, "a").await.ends_with("query=lang=en"));
    let text = client
        .get("a?q=1")
        .query(&[("page", "2")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.ends_with("query=q=1&lang=en&page=2"), "{text}");
}

#[tokio::test]
async fn the_user_agent_defaults_to_courier_and_can_be_overridden() {
    let server = header_echo().await;
    let expected = format!("ua=courier/{} ", env!("CARGO_PKG_VERSION"));
    assert!(seen(&server.client(), "a").await.contains(&expected));

    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .user_agent("my-app/1.0")
        .build()
        .expect("client builds");
    assert!(seen(&client, "a").await.contains("ua=my-app/1.0 "));

    let text = client
        .get("a")
        .header("user-agent", "just-this-once")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("ua=just-this-once "), "{text}");
}

/// Answers with the content type, how the length was framed, and the body.
async fn body_echo() -> TestServer {
    TestServer::start(Router::new().route(
        "/echo",
        any(|headers: HeaderMap, body: Bytes| async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .map(|value| value.to_str().unwrap().to_owned())
                    .unwrap_or_else(|| "-".to_owned())
            };
            format!(
                "type={} length={} te={} body={}",
                header("content-type"),
                header("content-length"),
                header("transfer-encoding"),
                String::from_utf8_lossy(&body)
            )
        }),
    ))
    .await
}

async fn posted(builder: courier::RequestBuilder) -> String {
    builder.send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn request_bodies_as_the_server_sees_them() {
    let server = body_echo().await;
    let client = server.client();

    #[derive(serde::Serialize)]
    struct User {
        name: &'static str,
        admin: bool,
    }
    let json = posted(client.post("echo").json(&User {
        name: "Ada",
        admin: true,
    }))
    .await;
    assert_eq!(
        json,
        r#"type=application/json length=27 te=- body={"name":"Ada","admin":true}"#
    );

    let form = posted(client.post("echo").form(&[("a", "1"), ("b", "x y")])).await;
    assert_eq!(
        form,
        "type=application/x-www-form-urlencoded length=9 te=- body=a=1&b=x+y"
    );

    let raw = posted(client.put("echo").body("raw bytes")).await;
    assert_eq!(raw, "type=- length=9 te=- body=raw bytes");

    let chunks = || {
        futures_util::stream::iter(
            ["stream", "ed ", "body"].map(|chunk| Ok::<_, std::io::Error>(Bytes::from(chunk))),
        )
    };
    let streamed = posted(
        client
            .post("echo")
            .body(courier::Body::wrap_stream(chunks())),
    )
    .await;
    assert_eq!(streamed, "type=- length=- te=chunked body=streamed body");

    let sized = posted(
        client
            .post("echo")
            .body(courier::Body::wrap_stream_with_length(chunks(), 13)),
    )
    .await;
    assert_eq!(sized, "type=- length=13 te=- body=streamed body");

    let explicit = posted(
        client
            .post("echo")
            .header("content-type", "application/vnd.custom+json")
            .json(&[1, 2]),
    )
    .await;
    assert!(
        explicit.starts_with("type=application/vnd.custom+json "),
        "{explicit}"
    );
}

#[derive(Clone)]
struct Tag(&'static str);

/// Copies the request's `Tag` extension into a header.
struct TagHeader;

impl Interceptor for TagHeader {
    async fn intercept(&self, mut request: Request, next: Next<'_>) -> courier::Result<Response> {
        if let Some(Tag(tag)) = request.extensions().get::<Tag>().cloned() {
            request
                .headers_mut()
                .insert("x-app", http::HeaderValue::from_static(tag));
        }
        next.run(request).await
    }
}

#[tokio::test]
async fn request_extensions_reach_interceptors() {
    let server = header_echo().await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(TagHeader)
        .build()
        .expect("client builds");
    let text = posted(client.get("a").extension(Tag("tagged"))).await;
    assert!(text.starts_with("x-app=tagged "), "{text}");
    let text = posted(client.get("a")).await;
    assert!(text.starts_with("x-app= "), "{text}");
}

#[tokio::test]
async fn http2_with_prior_knowledge_against_an_h2c_server() {
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|request: hyper::Request<_>| async move {
                    let _: &hyper::body::Incoming = request.body();
                    Ok::<_, Infallible>(hyper::Response::new(format!("{:?}", request.version())))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let client = Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .expect("client builds");
    let response = client
        .get(format!("http://{addr}/h2"))
        .send()
        .await
        .expect("an h2c answer");
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), "HTTP/2.0");
    server.abort();
}

#[test]
fn http1_only_with_http2_prior_knowledge_is_an_invalid_setting() {
    let both_orders = [
        Client::builder().http1_only().http2_prior_knowledge(),
        Client::builder().http2_prior_knowledge().http1_only(),
        // Contradictory even when another transport makes both moot.
        Client::builder()
            .transport(courier::MockTransport::new())
            .http1_only()
            .http2_prior_knowledge(),
    ];
    for builder in both_orders {
        let error = builder.no_proxy().build().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
        let shown = error.to_string();
        assert!(shown.contains("http1_only"), "{shown}");
        assert!(shown.contains("http2_prior_knowledge"), "{shown}");
    }
    // Each alone is fine.
    Client::builder().no_proxy().http1_only().build().unwrap();
    Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    // An earlier invalid setting is still the one reported.
    let error = Client::builder()
        .http1_only()
        .http2_prior_knowledge()
        .base_url("ftp://files.example")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("ftp"), "{error}");
}

#[tokio::test]
async fn validate_status_accepts_2xx_by_default() {
    let server = TestServer::start(Router::new().route(
        "/status",
        get(
            |Query(query): Query<std::collections::HashMap<String, u16>>| async move {
                StatusCode::from_u16(query["code"]).unwrap()
            },
        ),
    ))
    .await;
    let client = server.client();
    for code in [200, 201, 204, 299] {
        let response = client
            .get("status")
            .query(&[("code", code)])
            .send()
            .await
            .unwrap_or_else(|error| panic!("{code}: {error}"));
        assert_eq!(response.status().as_u16(), code);
    }
    for code in [304, 400, 404, 500, 503] {
        let error = client
            .get("status")
            .query(&[("code", code)])
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BadResponse, "{code}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(code));
    }
}
