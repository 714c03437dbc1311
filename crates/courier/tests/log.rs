//! `LogInterceptor` against a real loopback server: what the log holds, and what it never does.
// `allow-unwrap-in-tests` covers `#[test]` functions only; the helpers below fail the test
// the same way.
#![allow(clippy::unwrap_used)]

#[allow(clippy::expect_used)] // its setup helpers panic, as tests do
mod common;

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use common::TestServer;
use courier::{Client, ErrorKind, LogInterceptor};

/// Where the subscriber writes: a buffer the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `test` on a current-thread runtime under a `fmt` subscriber filtered by `filter`,
/// and returns everything it logged.
fn logged<F, Fut>(filter: &str, test: F) -> String
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    logged_with(filter, test).0
}

/// [`logged`], and what `test` returned.
fn logged_with<F, Fut, T>(filter: &str, test: F) -> (String, T)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let value = tracing::subscriber::with_default(subscriber, || runtime.block_on(test()));
    let bytes = captured.0.lock().unwrap().clone();
    (String::from_utf8(bytes).unwrap(), value)
}

fn client(server: &TestServer, log: LogInterceptor) -> Client {
    Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(log)
        .build()
        .unwrap()
}

fn everything() -> LogInterceptor {
    LogInterceptor::new()
        .request_headers(true)
        .response_headers(true)
        .request_body(true)
        .response_body(true)
}

fn json(body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body)
}

#[test]
fn a_completed_call_logs_method_url_status_time_and_sizes() {
    let (log, url) = logged_with("courier::log=info", || async {
        let server =
            TestServer::start(Router::new().route("/users", get(|| async { "hello" }))).await;
        let response = client(&server, LogInterceptor::new())
            .get("users?page=2")
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "hello");
        server.url("/users?page=2")
    });
    assert!(
        log.contains(" INFO courier::log: request completed"),
        "{log}"
    );
    assert!(log.contains("method=GET"), "{log}");
    assert!(log.contains(&format!("url={url} ")), "{log}");
    assert!(log.contains("status=200"), "{log}");
    assert!(log.contains("elapsed_ms="), "{log}");
    assert!(log.contains("request_bytes=0"), "{log}");
    assert!(log.contains("response_bytes=5"), "{log}");
    for off in [
        "request_headers",
        "response_headers",
        "request_body",
        "response_body",
    ] {
        assert!(!log.contains(off), "{off} logged by default: {log}");
    }
    assert_eq!(log.lines().count(), 1, "{log}");
}

fn echo_router() -> Router {
    Router::new().route(
        "/echo",
        post(|body: String| async move {
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::HeaderName::from_static("x-served-by"), "loopback"),
                ],
                body,
            )
        }),
    )
}

#[test]
fn headers_and_bodies_appear_only_when_enabled() {
    let sent = serde_json::json!({ "name": "Ada", "tags": ["a"] });
    let sent_bytes = serde_json::to_vec(&sent).unwrap().len();
    let send = |log: LogInterceptor| async move {
        let server = TestServer::start(echo_router()).await;
        let response = client(&server, log)
            .post("echo")
            .header("x-trace", "7")
            .json(&serde_json::json!({ "name": "Ada", "tags": ["a"] }))
            .send()
            .await
            .unwrap();
        // The log read the body; the caller still gets it.
        let echoed: serde_json::Value = response.json().await.unwrap();
        assert_eq!(echoed["name"], "Ada");
    };

    let quiet = logged("courier::log=info", || send(LogInterceptor::new()));
    assert!(!quiet.contains("x-trace"), "{quiet}");
    assert!(!quiet.contains("Ada"), "{quiet}");
    assert!(!quiet.contains("x-served-by"), "{quiet}");

    let pretty = "{\n  \"name\": \"Ada\",\n  \"tags\": [\n    \"a\"\n  ]\n}";
    let full = logged("courier::log=info", || send(everything()));
    assert!(full.contains("request_headers="), "{full}");
    assert!(full.contains("x-trace: 7"), "{full}");
    assert!(full.contains(&format!("request_body={pretty}")), "{full}");
    assert!(full.contains("response_headers="), "{full}");
    assert!(full.contains("x-served-by: loopback"), "{full}");
    assert!(full.contains(&format!("response_body={pretty}")), "{full}");
    assert!(
        full.contains(&format!("request_bytes={sent_bytes} ")),
        "{full}"
    );
    assert!(
        full.contains(&format!("response_bytes={sent_bytes} ")),
        "{full}"
    );

    let headers_only = logged("courier::log=info", || {
        send(LogInterceptor::new().response_headers(true))
    });
    assert!(
        headers_only.contains("x-served-by: loopback"),
        "{headers_only}"
    );
    assert!(!headers_only.contains("x-trace"), "{headers_only}");
    assert!(!headers_only.contains("Ada"), "{headers_only}");
}

#[test]
fn json_is_pretty_printed_and_cut_at_max_body_bytes() {
    const ITEMS: &str = r#"{"items":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}"#;
    let log = logged("courier::log=info", || async {
        let server =
            TestServer::start(Router::new().route("/items", get(|| async { json(ITEMS) }))).await;
        let log = LogInterceptor::new().response_body(true).max_body_bytes(24);
        let response = client(&server, log).get("items").send().await.unwrap();
        let items: serde_json::Value = response.json().await.unwrap();
        assert_eq!(items["items"].as_array().map(Vec::len), Some(16));
    });
    let value: serde_json::Value = serde_json::from_str(ITEMS).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let expected = format!(
        "response_body={}… [{} more bytes truncated]",
        &pretty[..24],
        pretty.len() - 24
    );
    assert!(log.contains(&expected), "{log}");
    assert!(
        log.contains("response_body={\n  \"items\": [\n    1,\n"),
        "{log}"
    );
    assert!(!log.contains("    16"), "{log}");
}

#[test]
fn secrets_never_reach_the_log() {
    let mut port = 0;
    let log = logged("courier=trace", || async {
        let router = Router::new().route(
            "/token",
            post(|headers: HeaderMap, body: String| async move {
                // The secrets did go out: only the log hides them.
                let sent = headers[header::AUTHORIZATION] == "Bearer SECRET1"
                    && headers[header::COOKIE] == "SECRET2"
                    && headers["x-api-key"] == "SECRET3"
                    && body.contains("refresh_token=SECRET6");
                if !sent {
                    return StatusCode::BAD_REQUEST.into_response();
                }
                (
                    [
                        (header::SET_COOKIE, "sid=SECRET4; HttpOnly"),
                        (header::CONTENT_TYPE, "application/json"),
                        (header::LOCATION, "/next?code=SECRET7&state=ok"),
                    ],
                    r#"{"access_token":"SECRET8","refreshToken":"SECRET9","expires_in":3600}"#,
                )
                    .into_response()
            }),
        );
        let server = TestServer::start(router).await;
        port = server.addr.port();
        let log = everything().redact_query_parameter("session_id");
        let response = client(&server, log)
            .post("token?access_token=SECRET5&page=2&session_id=SECRET10")
            .header("authorization", "Bearer SECRET1")
            .header("cookie", "SECRET2")
            .header("x-api-key", "SECRET3")
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "SECRET6"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    });
    assert!(log.contains("request completed"), "{log}");
    for secret in [
        "SECRET1", "SECRET2", "SECRET3", "SECRET4", "SECRET5", "SECRET6", "SECRET7", "SECRET8",
        "SECRET9", "SECRET10",
    ] {
        assert!(!log.contains(secret), "{secret} leaked: {log}");
    }
    let url = format!(
        "url=http://127.0.0.1:{port}/token?access_token=REDACTED&page=2&session_id=REDACTED "
    );
    assert!(log.contains(&url), "{log}");
    for shown in [
        "authorization: REDACTED",
        "cookie: REDACTED",
        "x-api-key: REDACTED",
        "set-cookie: REDACTED",
        "location: /next?code=REDACTED&state=ok",
        "request_body=grant_type=refresh_token&refresh_token=REDACTED",
        "\"access_token\": \"REDACTED\"",
        "\"expires_in\": 3600",
        "\"refreshToken\": \"REDACTED\"",
    ] {
        assert!(log.contains(shown), "{shown} missing: {log}");
    }
}

#[test]
fn a_rejected_status_is_a_warning_with_the_response() {
    const BOOM: &str = r#"{"error":"database down","token":"SECRET"}"#;
    let log = logged("courier::log=info", || async {
        let server = TestServer::start(Router::new().route(
            "/boom",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, json(BOOM)) }),
        ))
        .await;
        let error = client(&server, LogInterceptor::new().response_body(true))
            .get("boom?api_key=SECRET")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BadResponse);
        let body = error.response().and_then(|r| r.buffered_body()).unwrap();
        assert!(body.starts_with(b"{\"error\""));
    });
    assert!(log.contains(" WARN courier::log: request failed"), "{log}");
    assert!(log.contains("status=500"), "{log}");
    assert!(log.contains("error_kind=BadResponse"), "{log}");
    assert!(
        log.contains("error=bad response (500 Internal Server Error) for http://"),
        "{log}"
    );
    assert!(log.contains("\"error\": \"database down\""), "{log}");
    assert!(
        log.contains(&format!("response_bytes={} ", BOOM.len())),
        "{log}"
    );
    assert!(!log.contains("SECRET"), "{log}");
    assert!(!log.contains(" INFO "), "{log}");
}

#[test]
fn a_connection_error_is_a_warning_with_its_kind() {
    let log = logged("courier::log=info", || async {
        // A port that was just free: nothing listens there.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::builder()
            .no_proxy()
            .interceptor(everything())
            .build()
            .unwrap();
        let error = client
            .get(format!("http://127.0.0.1:{port}/x?token=SECRET&page=2"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Connection);
    });
    assert!(log.contains(" WARN courier::log: request failed"), "{log}");
    assert!(log.contains("error_kind=Connection"), "{log}");
    assert!(log.contains("error=connection error"), "{log}");
    assert!(log.contains("token=REDACTED&page=2"), "{log}");
    assert!(!log.contains("status="), "{log}");
    assert!(!log.contains("response_body"), "{log}");
    assert!(!log.contains("SECRET"), "{log}");
}

#[test]
fn a_streamed_request_body_is_not_read() {
    let log = logged("courier::log=info", || async {
        let server = TestServer::start(echo_router()).await;
        let chunks =
            futures_util::stream::iter([Ok::<_, std::io::Error>("password="), Ok("hunter2")]);
        let response = client(&server, LogInterceptor::new().request_body(true))
            .post("echo")
            .body(courier::Body::wrap_stream(chunks))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "password=hunter2");
    });
    assert!(log.contains("request_body=<stream>"), "{log}");
    assert!(log.contains("request_bytes=unknown"), "{log}");
    assert!(!log.contains("hunter2"), "{log}");
}

#[test]
fn the_level_is_configurable_and_filters_apply() {
    let call = |log: LogInterceptor| async move {
        let server = TestServer::start(Router::new().route("/", get(|| async { "ok" }))).await;
        client(&server, log).get("").send().await.unwrap();
    };
    let debug = || LogInterceptor::new().level(tracing::Level::DEBUG);
    let shown = logged("courier::log=debug", || call(debug()));
    assert!(
        shown.contains("DEBUG courier::log: request completed"),
        "{shown}"
    );
    let filtered = logged("courier::log=info", || call(debug()));
    assert_eq!(filtered, "");
    // Failures stay at WARN, so a quiet success level still shows them.
    let failure = logged("courier::log=warn", || async {
        let server = TestServer::start(Router::new()).await;
        let error = client(&server, debug())
            .get("missing")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    });
    assert!(
        failure.contains(" WARN courier::log: request failed"),
        "{failure}"
    );
    assert!(failure.contains("status=404"), "{failure}");
}

#[test]
fn a_call_stopped_from_outside_is_logged_as_abandoned() {
    let log = logged("courier::log=info", || async {
        let entered = Arc::new(tokio::sync::Notify::new());
        let handler_entered = entered.clone();
        let server = TestServer::start(Router::new().route(
            "/slow",
            get(move || {
                let entered = handler_entered.clone();
                async move {
                    entered.notify_one();
                    std::future::pending::<()>().await;
                }
            }),
        ))
        .await;
        let token = courier::CancelToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            entered.notified().await;
            canceller.cancel();
        });
        let error = client(&server, LogInterceptor::new())
            .get("slow?token=SECRET")
            .cancel_token(&token)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Cancelled);
    });
    assert!(
        log.contains(" WARN courier::log: request abandoned"),
        "{log}"
    );
    assert!(log.contains("token=REDACTED"), "{log}");
    assert!(!log.contains("SECRET"), "{log}");
}

/// The request headers and the response headers of a log, split at `response_headers=`.
fn request_and_response_headers(log: &str) -> (&str, &str) {
    let request_start = log
        .find("request_headers=")
        .expect("request headers logged");
    let response_start = log
        .find("response_headers=")
        .expect("response headers logged");
    assert!(request_start < response_start, "{log}");
    (&log[request_start..response_start], &log[response_start..])
}

#[test]
fn headers_given_to_redact_header_are_redacted_both_ways() {
    let send = |log: LogInterceptor| async move {
        let server = TestServer::start(Router::new().route(
            "/session",
            get(|headers: HeaderMap| async move {
                // The value did go out: only the log hides it.
                assert_eq!(headers["x-session"], "SECRET-REQUEST");
                [("x-session", "SECRET-RESPONSE"), ("x-trace", "back")]
            }),
        ))
        .await;
        let response = client(&server, log)
            .get("session")
            .header("x-session", "SECRET-REQUEST")
            .header("x-trace", "out")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-session"], "SECRET-RESPONSE");
    };
    let headers = || {
        LogInterceptor::new()
            .request_headers(true)
            .response_headers(true)
    };

    // Not a built-in secret: without the list, the log shows it.
    let unlisted = logged("courier::log=info", || send(headers()));
    assert!(unlisted.contains("x-session: SECRET-REQUEST"), "{unlisted}");
    assert!(
        unlisted.contains("x-session: SECRET-RESPONSE"),
        "{unlisted}"
    );

    // Listed in another case than the wire's: names match ignoring case.
    let listed = logged("courier::log=info", || {
        send(headers().redact_header("X-Session"))
    });
    assert!(!listed.contains("SECRET"), "{listed}");
    let (request, response) = request_and_response_headers(&listed);
    for shown in ["x-session: REDACTED", "x-trace: out"] {
        assert!(request.contains(shown), "{shown} missing: {listed}");
    }
    for shown in ["x-session: REDACTED", "x-trace: back"] {
        assert!(response.contains(shown), "{shown} missing: {listed}");
    }
}

#[test]
fn proxy_credentials_and_cookies_are_redacted_both_ways() {
    let cookie_router = || {
        Router::new().route(
            "/{status}",
            get(
                |axum::extract::Path(status): axum::extract::Path<u16>| async move {
                    (
                        StatusCode::from_u16(status).unwrap(),
                        // Appended: an array of headers would keep only the last cookie.
                        axum::response::AppendHeaders([
                            (header::SET_COOKIE, "sid=SECRET-SET-COOKIE-1; HttpOnly"),
                            (header::SET_COOKIE, "csrf=SECRET-SET-COOKIE-2; Secure"),
                            (header::HeaderName::from_static("x-trace"), "back"),
                        ]),
                    )
                },
            ),
        )
    };
    // A completed call (INFO) and a rejected status (WARN) format their headers apart.
    for (path, message) in [("200", "request completed"), ("401", "request failed")] {
        let log = logged("courier::log=info", || async {
            let server = TestServer::start(cookie_router()).await;
            let log = LogInterceptor::new()
                .request_headers(true)
                .response_headers(true);
            let result = client(&server, log)
                .get(path)
                .header(header::PROXY_AUTHORIZATION, "Basic SECRET-PROXY")
                .header(header::COOKIE, "sid=SECRET-COOKIE-1; theme=SECRET-COOKIE-2")
                .header("x-trace", "out")
                .send()
                .await;
            assert_eq!(result.is_ok(), path == "200");
        });
        assert!(log.contains(message), "{log}");
        assert!(!log.contains("SECRET"), "{log}");
        let (request, response) = request_and_response_headers(&log);
        for shown in [
            "proxy-authorization: REDACTED",
            "cookie: REDACTED",
            "x-trace: out",
        ] {
            assert!(request.contains(shown), "{shown} missing: {log}");
        }
        assert_eq!(response.matches("set-cookie: REDACTED").count(), 2, "{log}");
        assert!(response.contains("x-trace: back"), "{log}");
    }
}

/// The secret query parameters the log documents, each matched whatever its case.
const SECRET_QUERY_PARAMETERS: [&str; 9] = [
    "token",
    "access_token",
    "refresh_token",
    "api_key",
    "key",
    "password",
    "secret",
    "code",
    "signature",
];

#[test]
fn every_secret_query_parameter_is_redacted_in_the_logged_url() {
    // Each name as listed, in upper case and capitalised, each with its own value.
    let mut pairs = Vec::new();
    for name in SECRET_QUERY_PARAMETERS {
        let mut capitalised = name.to_owned();
        capitalised[..1].make_ascii_uppercase();
        for (form, shown) in [
            ("lower", name.to_owned()),
            ("upper", name.to_ascii_uppercase()),
            ("capitalised", capitalised),
        ] {
            pairs.push((shown, format!("LEAK-{name}-{form}")));
        }
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    // Harmless parameters, one of them only close to a secret name.
    let query = format!("page=2&{}&keyboard=qwerty", query.join("&"));

    let log = logged("courier::log=info", || async {
        let router = Router::new()
            .route("/ok", get(|| async { "ok" }))
            .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
        let server = TestServer::start(router).await;
        let client = client(&server, LogInterceptor::new());
        client.get(format!("ok?{query}")).send().await.unwrap();
        let error = client
            .get(format!("fail?{query}"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BadResponse);
    });
    assert!(log.contains("request completed"), "{log}");
    assert!(log.contains("request failed"), "{log}");
    assert!(!log.contains("LEAK"), "{log}");
    for (name, _) in &pairs {
        // Once in each URL field, once in the failure's error message.
        let redacted = format!("&{name}=REDACTED");
        assert!(log.matches(&redacted).count() >= 3, "{redacted}: {log}");
    }
    for harmless in ["?page=2&", "&keyboard=qwerty"] {
        // In both URL fields and in the error message.
        assert_eq!(log.matches(harmless).count(), 3, "{harmless}: {log}");
    }
}
