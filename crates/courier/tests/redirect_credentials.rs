//! Credentials under names of their own (`X-Api-Key`, an `AuthInterceptor` header, a header
//! marked with `sensitive_header`) are not forwarded by a redirect to another origin, as
//! reqwest does for `Authorization`; within the origin they are kept. Such a request has
//! reqwest stop at the origin change and courier follow that hop itself: the chain, the limit,
//! the method and body rules (301/302/303, 307/308, streams) and following off are checked
//! across that hop against two recording origins.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response as AxumResponse};
use axum::routing::get;
use common::TestServer;
use courier::interceptors::auth::{MemoryTokenStore, RefreshError, Token, refresh_fn};
use courier::{AuthInterceptor, Body, Client, ClientBuilder, ErrorKind, RequestFlow, on_request};

/// Reports the credential headers it got.
async fn credentials(headers: HeaderMap) -> String {
    let shown: Vec<String> = ["x-api-key", "x-tenant", "x-auth"]
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(format!("{name}={value}"))
        })
        .collect();
    if shown.is_empty() {
        "none".to_owned()
    } else {
        shown.join(",")
    }
}

/// An origin whose `/away` redirects to `other`'s `/landing` and whose `/here` redirects to
/// its own `/landing`.
async fn origin(other: &TestServer) -> TestServer {
    let target = other.url("/landing");
    TestServer::start(
        Router::new()
            .route("/away", get(move || async move { Redirect::to(&target) }))
            .route("/here", get(|| async { Redirect::to("/landing") }))
            .route("/landing", get(credentials)),
    )
    .await
}

#[tokio::test]
async fn a_credential_looking_request_header_is_dropped_at_an_origin_change_only() {
    // Same host, another port: another origin.
    let other = TestServer::start(Router::new().route("/landing", get(credentials))).await;
    let server = origin(&other).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .build()
        .unwrap();

    let away = client
        .get("away")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(away.url().as_str(), other.url("/landing"));
    assert_eq!(away.redirects().len(), 1);
    assert_eq!(away.text().await.unwrap(), "none");

    let here = client
        .get("here")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(here.text().await.unwrap(), "x-api-key=k3y");
}

#[tokio::test]
async fn default_headers_marked_sensitive_are_dropped_at_an_origin_change() {
    let other = TestServer::start(Router::new().route("/landing", get(credentials))).await;
    let server = origin(&other).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .default_header("x-api-key", "k3y") // looks like a credential: dropped by itself
        .default_header("x-tenant", "acme") // does not: marked below
        .sensitive_header("x-tenant")
        .build()
        .unwrap();
    let away = client.get("away").send().await.unwrap();
    assert_eq!(away.text().await.unwrap(), "none");
    let here = client.get("here").send().await.unwrap();
    assert_eq!(here.text().await.unwrap(), "x-api-key=k3y,x-tenant=acme");
}

// ----- An origin that records what it receives -----

/// One request an [`Origin`] received.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// What an [`Origin`] got and how it answers.
#[derive(Default)]
struct Log {
    calls: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
    /// Path → status and `Location`; any other path answers `200 ok`.
    answers: Mutex<HashMap<String, (StatusCode, Option<String>)>>,
}

/// A server that records every request (method, path, headers, body) and answers from a
/// table filled after it started, so two origins can redirect to each other.
struct Origin {
    server: TestServer,
    log: Arc<Log>,
}

async fn record(
    State(log): State<Arc<Log>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> AxumResponse {
    log.calls.fetch_add(1, Ordering::SeqCst);
    log.seen.lock().unwrap().push(Seen {
        method,
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let answer = log.answers.lock().unwrap().get(uri.path()).cloned();
    match answer {
        Some((status, location)) => {
            let mut response = (status, "").into_response();
            if let Some(location) = location {
                response
                    .headers_mut()
                    .insert(LOCATION, HeaderValue::from_str(&location).unwrap());
            }
            response
        }
        None => (StatusCode::OK, "ok").into_response(),
    }
}

impl Origin {
    async fn start() -> Origin {
        let log = Arc::new(Log::default());
        let router = Router::new().fallback(record).with_state(Arc::clone(&log));
        Origin {
            server: TestServer::start(router).await,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// `path` answers `status` with `Location: to`.
    fn redirect(&self, path: &str, status: u16, to: impl Into<String>) {
        self.log.answers.lock().unwrap().insert(
            path.to_owned(),
            (StatusCode::from_u16(status).unwrap(), Some(to.into())),
        );
    }

    /// `path` answers `status` without a `Location`.
    fn answer(&self, path: &str, status: u16) {
        self.log.answers.lock().unwrap().insert(
            path.to_owned(),
            (StatusCode::from_u16(status).unwrap(), None),
        );
    }

    fn calls(&self) -> usize {
        self.log.calls.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Seen> {
        self.log.seen.lock().unwrap().clone()
    }

    /// The one request received at `path`.
    fn only_at(&self, path: &str) -> Seen {
        let seen: Vec<Seen> = self
            .seen()
            .into_iter()
            .filter(|seen| seen.path == path)
            .collect();
        assert_eq!(seen.len(), 1, "requests at {path}: {seen:?}");
        seen.into_iter().next().unwrap()
    }

    /// A client builder whose base URL is this origin.
    fn client(&self) -> ClientBuilder {
        Client::builder().base_url(self.url("/")).no_proxy()
    }

    /// Forgets what was received.
    fn clear(&self) {
        self.log.seen.lock().unwrap().clear();
        self.log.calls.store(0, Ordering::SeqCst);
    }
}

/// Two origins: same host, other ports.
async fn two_origins() -> (Origin, Origin) {
    (Origin::start().await, Origin::start().await)
}

fn chain(response: &courier::Response) -> Vec<String> {
    response
        .redirects()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A replayable 7-byte body.
fn replayable_payload() -> Body {
    Body::replayable(Some(7), || {
        Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(
            b"payload",
        ))]))
    })
}

/// A one-shot 7-byte stream.
fn one_shot_payload() -> Body {
    Body::wrap_stream_with_length(
        futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"payload"))]),
        7,
    )
}

/// An `AuthInterceptor` putting `Bearer t0k` into `x-auth`, whose refresher counts its calls
/// (and always fails).
fn x_auth_interceptor(refreshes: &Arc<AtomicUsize>) -> AuthInterceptor {
    let refreshes = Arc::clone(refreshes);
    AuthInterceptor::builder(
        MemoryTokenStore::with_token(Token::new("t0k")),
        refresh_fn(move |_, _| {
            refreshes.fetch_add(1, Ordering::SeqCst);
            async { Err(RefreshError::revoked("no refresh in these tests")) }
        }),
    )
    .header_name("x-auth")
    .build()
    .unwrap()
}

// ----- The AuthInterceptor's header -----

#[tokio::test]
async fn the_auth_interceptor_header_reaches_its_origin_but_not_another_one_after_a_redirect() {
    let (a, b) = two_origins().await;
    a.redirect("/away", 302, b.url("/landing"));
    a.redirect("/here", 302, "/landing");
    let refreshes = Arc::new(AtomicUsize::new(0));
    let client = a
        .client()
        .interceptor(x_auth_interceptor(&refreshes))
        .build()
        .unwrap();

    let away = client.get("away").send().await.unwrap();
    assert_eq!(away.url().as_str(), b.url("/landing"));
    assert_eq!(a.only_at("/away").header("x-auth"), Some("Bearer t0k"));
    assert_eq!(b.calls(), 1);
    assert_eq!(b.only_at("/landing").header("x-auth"), None);

    // Within the origin it is kept.
    let here = client.get("here").send().await.unwrap();
    assert_eq!(here.url().as_str(), a.url("/landing"));
    assert_eq!(a.only_at("/landing").header("x-auth"), Some("Bearer t0k"));
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_401_from_the_other_origin_after_a_redirect_gets_no_token_and_starts_no_refresh() {
    // The interceptor judges a 401 by the URL it came from: that of the hop courier
    // followed itself, not the first one.
    let (a, b) = two_origins().await;
    a.redirect("/away", 302, b.url("/landing"));
    b.answer("/landing", 401);
    let refreshes = Arc::new(AtomicUsize::new(0));
    let client = a
        .client()
        .interceptor(x_auth_interceptor(&refreshes))
        .build()
        .unwrap();

    let error = client.get("away").send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(error.url().unwrap().as_str(), b.url("/landing"));
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    assert_eq!(a.calls(), 1, "not sent again");
    assert_eq!(b.calls(), 1);
    assert_eq!(b.only_at("/landing").header("x-auth"), None);
}

// ----- Headers marked by an interceptor -----

#[tokio::test]
async fn a_header_an_interceptor_marks_sensitive_is_dropped_at_an_origin_change_only() {
    let (a, b) = two_origins().await;
    a.redirect("/away", 302, b.url("/landing"));
    a.redirect("/here", 302, "/landing");
    let mark = on_request(|mut request: courier::Request| async move {
        let headers = request.headers_mut();
        headers.insert("x-tenant", HeaderValue::from_static("acme"));
        // Not marked: forwarded anywhere.
        headers.insert("x-trace", HeaderValue::from_static("42"));
        request
            .options_mut()
            .add_sensitive_header(HeaderName::from_static("x-tenant"));
        Ok(RequestFlow::Next(request))
    });
    let client = a.client().interceptor(mark).build().unwrap();

    client.get("away").send().await.unwrap();
    assert_eq!(a.only_at("/away").header("x-tenant"), Some("acme"));
    let landed = b.only_at("/landing");
    assert_eq!(landed.header("x-tenant"), None);
    assert_eq!(landed.header("x-trace"), Some("42"));

    client.get("here").send().await.unwrap();
    let landed = a.only_at("/landing");
    assert_eq!(landed.header("x-tenant"), Some("acme"));
    assert_eq!(landed.header("x-trace"), Some("42"));
}

#[tokio::test]
async fn every_credential_looking_name_given_to_headers_is_dropped_at_an_origin_change() {
    const NAMES: [&str; 7] = [
        "x-api-key",
        "api-key",
        "x-apikey",
        "x-auth-token",
        "x-client-secret",
        "x-password",
        "x-amz-security-token",
    ];
    let (a, b) = two_origins().await;
    a.redirect("/away", 302, b.url("/landing"));
    a.redirect("/here", 302, "/landing");
    let client = a.client().build().unwrap();
    let mut headers = HeaderMap::new();
    for name in NAMES {
        headers.insert(name, HeaderValue::from_static("s3cr3t"));
    }
    headers.insert("x-trace", HeaderValue::from_static("42"));

    client
        .get("away")
        .headers(headers.clone())
        .send()
        .await
        .unwrap();
    let landed = b.only_at("/landing");
    for name in NAMES {
        assert_eq!(landed.header(name), None, "{name} reached the other origin");
    }
    assert_eq!(landed.header("x-trace"), Some("42"));

    client.get("here").headers(headers).send().await.unwrap();
    let landed = a.only_at("/landing");
    for name in NAMES {
        assert_eq!(
            landed.header(name),
            Some("s3cr3t"),
            "{name} lost in the origin"
        );
    }
}

// ----- The chain and the limit across a hop courier follows -----

#[tokio::test]
async fn the_redirect_chain_lists_every_hop_around_the_one_courier_follows() {
    let (a, b) = two_origins().await;
    a.redirect("/start", 302, "/mid"); // followed by reqwest
    a.redirect("/mid", 302, b.url("/landing")); // the origin change: followed by courier
    b.redirect("/landing", 302, "/final"); // followed by reqwest again
    let client = a.client().build().unwrap();

    let response = client
        .get("start")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/final"));
    assert_eq!(
        chain(&response),
        [a.url("/start"), a.url("/mid"), b.url("/landing")]
    );
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_eq!(a.only_at("/start").header("x-api-key"), Some("k3y"));
    assert_eq!(a.only_at("/mid").header("x-api-key"), Some("k3y"));
    assert_eq!(b.calls(), 2);
    assert!(
        b.seen()
            .iter()
            .all(|seen| seen.header("x-api-key").is_none())
    );
}

#[tokio::test]
async fn a_header_dropped_at_an_origin_change_stays_dropped_back_at_the_first_origin() {
    let (a, b) = two_origins().await;
    a.redirect("/start", 307, b.url("/bounce"));
    b.redirect("/bounce", 307, a.url("/back"));
    let client = a.client().build().unwrap();

    let response = client
        .post("start")
        .header("x-api-key", "k3y")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), a.url("/back"));
    assert_eq!(chain(&response), [a.url("/start"), b.url("/bounce")]);
    assert_eq!(b.only_at("/bounce").header("x-api-key"), None);
    let back = a.only_at("/back");
    assert_eq!(back.header("x-api-key"), None, "restored on the way back");
    assert_eq!(back.method, Method::POST);
    assert_eq!(back.body, "payload");
}

#[tokio::test]
async fn the_redirect_limit_counts_the_hops_courier_follows() {
    let (a, b) = two_origins().await;
    a.redirect("/start", 302, "/mid");
    a.redirect("/mid", 302, b.url("/landing"));
    a.redirect("/away", 302, b.url("/onward"));
    b.redirect("/onward", 302, "/final");
    let one = a.client().max_redirects(1).build().unwrap();
    let two = a.client().max_redirects(2).build().unwrap();

    // start → mid → landing: two redirects, the second one courier's.
    let error = one
        .get("start")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
    assert_eq!(b.calls(), 0);

    let error = two
        .get("start")
        .header("x-api-key", "k3y")
        .max_redirects(1) // the request's own limit
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
    assert_eq!(b.calls(), 0);

    let response = two
        .get("start")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/landing"));
    assert_eq!(chain(&response), [a.url("/start"), a.url("/mid")]);
    assert_eq!(b.only_at("/landing").header("x-api-key"), None);

    // away → onward (courier's hop) → final: the hop counts, so one is not enough for
    // reqwest's redirect after it.
    b.clear();
    let error = one
        .get("away")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
    assert_eq!(b.calls(), 1);
    assert_eq!(b.only_at("/onward").header("x-api-key"), None);

    let response = two
        .get("away")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/final"));
    assert_eq!(chain(&response), [a.url("/away"), b.url("/onward")]);

    // None allowed: not even the hop to the other origin.
    b.clear();
    let error = a
        .client()
        .max_redirects(0)
        .build()
        .unwrap()
        .get("away")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
    assert_eq!(b.calls(), 0);
}

// ----- Methods and bodies on the hop courier follows -----

#[tokio::test]
async fn a_post_sent_by_301_302_or_303_to_another_origin_arrives_as_a_bare_get() {
    for status in [301, 302, 303] {
        let (a, b) = two_origins().await;
        a.redirect("/submit", status, b.url("/landing"));
        let client = a.client().build().unwrap();

        let response = client
            .post("submit")
            .header("x-api-key", "k3y")
            .header("content-type", "text/plain")
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(response.url().as_str(), b.url("/landing"), "{status}");
        let sent = a.only_at("/submit");
        assert_eq!(sent.header("content-type"), Some("text/plain"));
        assert_eq!(sent.header("content-length"), Some("7"));
        assert_eq!(sent.body, "payload");

        assert_eq!(b.calls(), 1, "{status}");
        let landed = b.only_at("/landing");
        assert_eq!(landed.method, Method::GET, "{status}");
        assert!(landed.body.is_empty(), "{status}: {:?}", landed.body);
        assert_eq!(landed.header("content-type"), None, "{status}");
        assert_eq!(landed.header("content-length"), None, "{status}");
        assert_eq!(landed.header("transfer-encoding"), None, "{status}");
        assert_eq!(landed.header("x-api-key"), None, "{status}");
    }
}

#[tokio::test]
async fn a_307_or_308_to_another_origin_re_sends_an_in_memory_body_without_the_credential() {
    for status in [307, 308] {
        let (a, b) = two_origins().await;
        a.redirect("/upload", status, b.url("/landing"));
        let client = a.client().build().unwrap();

        let response = client
            .post("upload")
            .header("x-api-key", "k3y")
            .header("content-type", "text/plain")
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(response.url().as_str(), b.url("/landing"), "{status}");
        assert_eq!(chain(&response), [a.url("/upload")]);
        let landed = b.only_at("/landing");
        assert_eq!(landed.method, Method::POST, "{status}");
        assert_eq!(landed.body, "payload", "{status}");
        assert_eq!(
            landed.header("content-type"),
            Some("text/plain"),
            "{status}"
        );
        assert_eq!(landed.header("x-api-key"), None, "{status}");
    }
}

#[tokio::test]
async fn a_307_to_another_origin_re_sends_a_replayable_stream_without_the_credential() {
    let (a, b) = two_origins().await;
    a.redirect("/upload", 307, b.url("/landing"));
    let client = a.client().build().unwrap();

    let response = client
        .put("upload")
        .header("x-api-key", "k3y")
        .body(replayable_payload())
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/landing"));
    assert_eq!(a.only_at("/upload").body, "payload");
    let landed = b.only_at("/landing");
    assert_eq!(landed.method, Method::PUT);
    assert_eq!(landed.body, "payload");
    assert_eq!(landed.header("x-api-key"), None);
}

#[tokio::test]
async fn a_307_to_another_origin_with_a_one_shot_stream_is_returned_as_it_is() {
    let (a, b) = two_origins().await;
    a.redirect("/upload", 307, b.url("/landing"));
    let client = a.client().build().unwrap();

    let response = client
        .post("upload")
        .header("x-api-key", "k3y")
        .body(one_shot_payload())
        .validate_status(|status| status.is_success() || status.is_redirection())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.headers()["location"], b.url("/landing").as_str());
    assert_eq!(response.url().as_str(), a.url("/upload"));
    assert!(response.redirects().is_empty());
    assert_eq!(a.only_at("/upload").body, "payload");
    assert_eq!(b.calls(), 0);
}

#[tokio::test]
async fn a_303_to_another_origin_is_followed_even_with_a_one_shot_stream() {
    // No body goes along, so there is nothing to re-send.
    let (a, b) = two_origins().await;
    a.redirect("/upload", 303, b.url("/landing"));
    let client = a.client().build().unwrap();

    let response = client
        .post("upload")
        .header("x-api-key", "k3y")
        .body(one_shot_payload())
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/landing"));
    let landed = b.only_at("/landing");
    assert_eq!(landed.method, Method::GET);
    assert!(landed.body.is_empty());
    assert_eq!(landed.header("content-length"), None);
    assert_eq!(landed.header("x-api-key"), None);
}

#[tokio::test]
async fn a_303_within_the_origin_before_a_307_to_another_origin_leaves_a_bare_get() {
    // reqwest follows submit → result (POST becomes a bodiless GET), then stops at the
    // origin change: courier's hop must continue from that GET, not from the POST.
    let (a, b) = two_origins().await;
    a.redirect("/submit", 303, "/result");
    a.redirect("/result", 307, b.url("/landing"));
    let client = a.client().build().unwrap();

    // Without a sensitive header reqwest follows all of it: the reference.
    let response = client
        .post("submit")
        .header("content-type", "text/plain")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/landing"));
    let reference = b.only_at("/landing");
    assert_eq!(reference.method, Method::GET);
    assert!(reference.body.is_empty());
    b.clear();

    let response = client
        .post("submit")
        .header("x-api-key", "k3y")
        .header("content-type", "text/plain")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), b.url("/landing"));
    assert_eq!(chain(&response), [a.url("/submit"), a.url("/result")]);
    let landed = b.only_at("/landing");
    assert_eq!(landed.header("x-api-key"), None);
    assert_eq!(landed.method, Method::GET, "body: {:?}", landed.body);
    assert!(landed.body.is_empty(), "{:?}", landed.body);
    assert_eq!(landed.header("content-type"), None);
    assert_eq!(landed.header("content-length"), None);
}

// ----- Following off -----

#[tokio::test]
async fn with_following_off_a_redirect_carrying_a_credential_is_returned_as_it_is() {
    let (a, b) = two_origins().await;
    a.redirect("/away", 302, b.url("/landing"));
    let off = a
        .client()
        .follow_redirects(false)
        .validate_status(|status| status.is_redirection())
        .build()
        .unwrap();
    let on = a.client().build().unwrap();

    let by_client = off
        .get("away")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    let by_request = on
        .get("away")
        .header("x-api-key", "k3y")
        .follow_redirects(false)
        .validate_status(|status| status.is_redirection())
        .send()
        .await
        .unwrap();
    for response in [by_client, by_request] {
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()["location"], b.url("/landing").as_str());
        assert_eq!(response.url().as_str(), a.url("/away"));
        assert!(response.redirects().is_empty());
    }
    assert_eq!(a.calls(), 2);
    assert_eq!(b.calls(), 0);
}

// ----- The credentials reqwest drops itself, on courier's hop -----

#[tokio::test]
async fn authorization_and_an_api_key_are_both_dropped_at_an_origin_change_and_both_kept_within_it()
{
    let (a, b) = two_origins().await;
    a.redirect("/away", 302, b.url("/landing"));
    a.redirect("/here", 302, "/landing");
    let client = a.client().build().unwrap();

    client
        .get("away")
        .bearer_auth("t0k")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    let sent = a.only_at("/away");
    assert_eq!(sent.header("authorization"), Some("Bearer t0k"));
    assert_eq!(sent.header("x-api-key"), Some("k3y"));
    let landed = b.only_at("/landing");
    assert_eq!(landed.header("authorization"), None);
    assert_eq!(landed.header("x-api-key"), None);

    client
        .get("here")
        .bearer_auth("t0k")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    let landed = a.only_at("/landing");
    assert_eq!(landed.header("authorization"), Some("Bearer t0k"));
    assert_eq!(landed.header("x-api-key"), Some("k3y"));
}

#[tokio::test]
async fn cookies_and_proxy_credentials_are_dropped_on_the_hop_courier_follows() {
    let (a, b) = two_origins().await;
    a.redirect("/away", 307, b.url("/landing"));
    a.redirect("/here", 307, "/landing");
    let client = a.client().build().unwrap();
    let send = |path: &'static str| {
        client
            .get(path)
            .header("cookie", "session=c00kie")
            .header("proxy-authorization", "Basic cHJveHk6cA==")
            .header("x-api-key", "k3y")
            .send()
    };

    send("away").await.unwrap();
    assert_eq!(a.only_at("/away").header("cookie"), Some("session=c00kie"));
    let landed = b.only_at("/landing");
    assert_eq!(landed.header("cookie"), None);
    assert_eq!(landed.header("proxy-authorization"), None);
    assert_eq!(landed.header("x-api-key"), None);

    send("here").await.unwrap();
    let landed = a.only_at("/landing");
    assert_eq!(landed.header("cookie"), Some("session=c00kie"));
    assert_eq!(
        landed.header("proxy-authorization"),
        Some("Basic cHJveHk6cA==")
    );
}
