//! Redirects against loopback servers: the chain recorded on the response, following off,
//! the limit and its per-request override, 303 turning POST into GET, 307 keeping it, and
//! credentials not forwarded to another origin.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Redirect;
use axum::routing::{any, get, post};
use common::TestServer;
use courier::{Client, ErrorKind};

/// `/hop/N` redirects to `/hop/N-1`; `/hop/0` answers "landed".
fn hops() -> Router {
    Router::new().route(
        "/hop/{n}",
        get(
            |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                if n == 0 {
                    axum::response::IntoResponse::into_response("landed")
                } else {
                    axum::response::IntoResponse::into_response(Redirect::to(&format!(
                        "/hop/{}",
                        n - 1
                    )))
                }
            },
        ),
    )
}

fn client_for(server: &TestServer) -> courier::ClientBuilder {
    Client::builder().base_url(server.url("/")).no_proxy()
}

#[tokio::test]
async fn the_chain_is_recorded_on_the_response() {
    let server = TestServer::start(hops()).await;
    let response = server.client().get("hop/2").send().await.expect("followed");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().as_str(), server.url("/hop/0"));
    let chain: Vec<_> = response.redirects().iter().map(|u| u.to_string()).collect();
    assert_eq!(chain, [server.url("/hop/2"), server.url("/hop/1")]);
    assert_eq!(response.text().await.unwrap(), "landed");
}

#[tokio::test]
async fn the_final_url_stays_when_the_body_is_read_in_chunks_or_taken() {
    // The final URL is kept in the transport's response until the body leaves it.
    let server = TestServer::start(hops()).await;
    let mut response = server.client().get("hop/1").send().await.expect("followed");
    assert_eq!(response.chunk().await.unwrap().unwrap(), "landed");
    assert_eq!(response.url().as_str(), server.url("/hop/0"));

    let mut response = server.client().get("hop/1").send().await.expect("followed");
    let body = response.take_body();
    assert_eq!(response.url().as_str(), server.url("/hop/0"));
    assert_eq!(body.collect().await.unwrap(), "landed");

    let mut response = server.client().get("hop/1").send().await.expect("followed");
    *response.body_mut() = courier::ResponseBody::from("replaced");
    assert_eq!(response.url().as_str(), server.url("/hop/0"));
    assert_eq!(response.text().await.unwrap(), "replaced");
}

#[tokio::test]
async fn no_redirect_records_an_empty_chain() {
    let server = TestServer::start(hops()).await;
    let response = server.client().get("hop/0").send().await.expect("a 200");
    assert!(response.redirects().is_empty());
}

#[tokio::test]
async fn with_following_off_the_3xx_is_returned() {
    let server = TestServer::start(hops()).await;
    let client = client_for(&server)
        .follow_redirects(false)
        .validate_status(|status| status.as_u16() < 400)
        .build()
        .expect("client builds");
    let response = client.get("hop/1").send().await.expect("the 3xx itself");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/hop/0");
    assert_eq!(response.url().as_str(), server.url("/hop/1"));
    assert!(response.redirects().is_empty());
}

#[tokio::test]
async fn with_following_off_and_default_validation_the_3xx_is_a_bad_response() {
    // As in Dio: a 3xx is not a 2xx, so it fails validation, keeping the response.
    let server = TestServer::start(hops()).await;
    let client = client_for(&server)
        .follow_redirects(false)
        .build()
        .expect("client builds");
    let error = client.get("hop/1").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    assert_eq!(error.status(), Some(StatusCode::SEE_OTHER));
    assert_eq!(
        error.response().map(|r| r.headers()["location"].clone()),
        Some("/hop/0".parse().unwrap())
    );
}

#[tokio::test]
async fn exceeding_max_redirects_is_a_redirect_error() {
    let server = TestServer::start(hops()).await;
    let client = client_for(&server)
        .max_redirects(2)
        .build()
        .expect("client builds");
    let response = client.get("hop/2").send().await.expect("two hops are fine");
    assert_eq!(response.redirects().len(), 2);
    let error = client.get("hop/3").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
    assert!(error.url().is_some());
}

#[tokio::test]
async fn a_request_overrides_the_client_redirect_policy() {
    let server = TestServer::start(hops()).await;

    // The client follows up to 10; this request allows one.
    let error = server
        .client()
        .get("hop/2")
        .max_redirects(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");

    // The client follows; this request does not.
    let response = server
        .client()
        .get("hop/1")
        .follow_redirects(false)
        .validate_status(|status| status.is_redirection())
        .send()
        .await
        .expect("the 3xx itself");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // The client does not follow; this request does.
    let client = client_for(&server)
        .follow_redirects(false)
        .build()
        .expect("client builds");
    let response = client
        .get("hop/3")
        .follow_redirects(true)
        .send()
        .await
        .expect("followed");
    assert_eq!(response.url().as_str(), server.url("/hop/0"));
    assert_eq!(response.redirects().len(), 3);
}

/// Echoes the method and the body it received.
async fn echo(method: Method, body: Bytes) -> String {
    format!("{method} {}", String::from_utf8_lossy(&body))
}

#[tokio::test]
async fn see_other_turns_a_post_into_a_get() {
    let server = TestServer::start(
        Router::new()
            .route("/submit", post(|| async { Redirect::to("/result") }))
            .route("/result", any(echo)),
    )
    .await;
    let response = server
        .client()
        .post("submit")
        .body("form data")
        .send()
        .await
        .expect("followed");
    assert_eq!(response.url().path(), "/result");
    assert_eq!(response.text().await.unwrap(), "GET ");
}

#[tokio::test]
async fn temporary_redirect_keeps_the_method_and_body() {
    let server = TestServer::start(
        Router::new()
            .route("/old", post(|| async { Redirect::temporary("/new") }))
            .route("/new", any(echo)),
    )
    .await;
    let response = server
        .client()
        .post("old")
        .body("payload")
        .send()
        .await
        .expect("followed");
    assert_eq!(response.text().await.unwrap(), "POST payload");
}

/// Reports whether it got an `Authorization` header.
async fn authorization(headers: HeaderMap) -> String {
    match headers.get("authorization") {
        Some(value) => format!("auth: {}", value.to_str().unwrap_or("?")),
        None => "no auth".to_owned(),
    }
}

#[tokio::test]
async fn authorization_is_not_forwarded_to_another_origin() {
    // Same host, another port: another origin.
    let other = TestServer::start(Router::new().route("/landing", get(authorization))).await;
    let target = other.url("/landing");
    let server = TestServer::start(
        Router::new()
            .route(
                "/away",
                get(move || async move { Redirect::temporary(&target) }),
            )
            .route("/here", get(|| async { Redirect::temporary("/landing") }))
            .route("/landing", get(authorization)),
    )
    .await;

    let response = server
        .client()
        .get("away")
        .bearer_auth("t0k")
        .send()
        .await
        .expect("followed");
    assert_eq!(response.url().as_str(), other.url("/landing"));
    assert_eq!(response.text().await.unwrap(), "no auth");

    // Within the origin it is kept.
    let response = server
        .client()
        .get("here")
        .bearer_auth("t0k")
        .send()
        .await
        .expect("followed");
    assert_eq!(response.text().await.unwrap(), "auth: Bearer t0k");
}

#[tokio::test]
async fn temporary_redirect_keeps_the_body_under_timeouts_and_progress() {
    let server = TestServer::start(
        Router::new()
            .route("/old", post(|| async { Redirect::temporary("/new") }))
            .route("/new", any(echo)),
    )
    .await;
    let response = server
        .client()
        .post("old")
        .body("payload")
        .receive_timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .expect("followed with a receive timeout");
    assert_eq!(response.text().await.unwrap(), "POST payload");
    let response = server
        .client()
        .post("old")
        .body("payload")
        .on_send_progress(|_| {})
        .send()
        .await
        .expect("followed with send progress");
    assert_eq!(response.text().await.unwrap(), "POST payload");
}

fn replayable_payload() -> courier::Body {
    courier::Body::replayable(Some(7), || {
        Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(
            b"payload",
        ))]))
    })
}

#[tokio::test]
async fn temporary_redirects_re_send_a_replayable_stream() {
    let other = TestServer::start(Router::new().route(
        "/far",
        any(|headers: HeaderMap, body: Bytes| async move {
            format!(
                "{} {}",
                authorization(headers).await,
                String::from_utf8_lossy(&body)
            )
        }),
    ))
    .await;
    let far = other.url("/far");
    let server = TestServer::start(
        Router::new()
            .route("/old", post(|| async { Redirect::temporary("/mid") }))
            .route("/mid", post(|| async { Redirect::permanent("/new") }))
            .route("/new", any(echo))
            .route(
                "/away",
                post(move || async move { Redirect::temporary(&far) }),
            ),
    )
    .await;

    let response = server
        .client()
        .post("old")
        .body(replayable_payload())
        .send()
        .await
        .expect("followed");
    assert_eq!(response.url().as_str(), server.url("/new"));
    let chain: Vec<_> = response.redirects().iter().map(|u| u.to_string()).collect();
    assert_eq!(chain, [server.url("/old"), server.url("/mid")]);
    assert_eq!(response.text().await.unwrap(), "POST payload");

    let error = server
        .client()
        .post("old")
        .body(replayable_payload())
        .max_redirects(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");

    let response = server
        .client()
        .post("away")
        .bearer_auth("t0k")
        .body(replayable_payload())
        .send()
        .await
        .expect("followed");
    assert_eq!(response.text().await.unwrap(), "no auth payload");
}

/// A 301/302 keeps a `PUT` and its body (only a `POST` becomes a `GET`), as reqwest does for
/// an in-memory body; the same holds for a replayable stream, which courier re-sends itself.
#[tokio::test]
async fn a_302_keeps_a_put_and_its_body_in_memory_or_streamed() {
    let server = TestServer::start(
        Router::new()
            .route(
                "/old",
                any(|| async { (StatusCode::FOUND, [(axum::http::header::LOCATION, "/new")]) }),
            )
            .route("/new", any(echo)),
    )
    .await;
    let in_memory = server.client().put("old").body("payload").send().await;
    assert_eq!(in_memory.unwrap().text().await.unwrap(), "PUT payload");
    let streamed = server
        .client()
        .put("old")
        .body(replayable_payload())
        .send()
        .await;
    assert_eq!(streamed.unwrap().text().await.unwrap(), "PUT payload");
}
