//! Credentials under names of their own (`X-Api-Key`, an `AuthInterceptor` header, a header
//! marked with `sensitive_header`) are not forwarded by a redirect to another origin, as
//! reqwest does for `Authorization`; within the origin they are kept. Such a request has
//! reqwest stop at the origin change and courier follow that hop itself: the chain, the limit,
//! the method and body rules (301/302/303, 307/308, streams) and following off are checked
//! across that hop against two recording origins.

mod common;

use std::collections::HashMap;
use std::fmt::Display;
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
use courier::{
    AuthInterceptor, Body, Client, ClientBuilder, ErrorKind, RequestBuilder, RequestFlow, Response,
    on_request,
};

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

/// Two origins (same host, other ports) reporting the credentials their `/landing` gets; the
/// first one's `/away` redirects to the second one's `/landing` and its `/here` to its own.
async fn reporting_origins() -> (TestServer, TestServer) {
    let other = TestServer::start(Router::new().route("/landing", get(credentials))).await;
    let target = other.url("/landing");
    let server = TestServer::start(
        Router::new()
            .route("/away", get(move || async move { Redirect::to(&target) }))
            .route("/here", get(|| async { Redirect::to("/landing") }))
            .route("/landing", get(credentials)),
    )
    .await;
    (server, other)
}

/// A client builder whose base URL is `server`.
fn client_of(server: &TestServer) -> ClientBuilder {
    Client::builder().base_url(server.url("/")).no_proxy()
}

#[tokio::test]
async fn a_credential_looking_request_header_is_dropped_at_an_origin_change_only() {
    let (server, other) = reporting_origins().await;
    let client = client_of(&server).build().unwrap();

    let away = get_with_api_key(&client, "away").send().await.unwrap();
    assert_eq!(away.url().as_str(), other.url("/landing"));
    assert_eq!(away.redirects().len(), 1);
    assert_eq!(away.text().await.unwrap(), "none");

    let here = get_with_api_key(&client, "here").send().await.unwrap();
    assert_eq!(here.text().await.unwrap(), "x-api-key=k3y");
}

#[tokio::test]
async fn default_headers_marked_sensitive_are_dropped_at_an_origin_change() {
    let (server, _other) = reporting_origins().await;
    let client = client_of(&server)
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

    /// Where it was received, as `host:port/path`, for messages.
    fn place(&self) -> String {
        format!("{}{}", self.header("host").unwrap_or("?"), self.path)
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
        client_of(&self.server)
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

/// Two origins `(a, b)` where `a`'s `path` answers `status` pointing at `b`'s `/landing`.
async fn origins_redirecting(path: &str, status: u16) -> (Origin, Origin) {
    let (a, b) = two_origins().await;
    a.redirect(path, status, b.url("/landing"));
    (a, b)
}

/// Two origins `(a, b)` where `a`'s `/away` answers `status` pointing at `b`'s `/landing`
/// and `a`'s `/here` answers `status` pointing at its own `/landing`.
async fn origins_with_away_and_here(status: u16) -> (Origin, Origin) {
    let (a, b) = origins_redirecting("/away", status).await;
    a.redirect("/here", status, "/landing");
    (a, b)
}

/// Two origins `(a, b)` where `a`'s `/upload` answers `status` pointing at `b`'s `/landing`,
/// and a `method` request to that `/upload`, carrying `x-api-key: k3y` and `body`, not sent
/// yet.
async fn upload_across_origins(
    status: u16,
    method: Method,
    body: impl Into<Body>,
) -> (Origin, Origin, RequestBuilder) {
    let (a, b) = origins_redirecting("/upload", status).await;
    let upload = a
        .client()
        .build()
        .unwrap()
        .request(method, "upload")
        .header("x-api-key", "k3y")
        .body(body);
    (a, b, upload)
}

fn chain(response: &Response) -> Vec<String> {
    response
        .redirects()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A GET of `path` carrying the credential-looking `x-api-key: k3y`.
fn get_with_api_key(client: &Client, path: &str) -> RequestBuilder {
    client.get(path).header("x-api-key", "k3y")
}

/// A POST of `path` carrying `x-api-key: k3y` and the `text/plain` body `payload`.
fn post_payload_with_api_key(client: &Client, path: &str) -> RequestBuilder {
    client
        .post(path)
        .header("x-api-key", "k3y")
        .header("content-type", "text/plain")
        .body("payload")
}

/// Sends `request`, checks that it ended at `landing`'s `/landing`, and returns the response
/// with the one request `landing` received there.
async fn send_to_landing(request: RequestBuilder, landing: &Origin) -> (Response, Seen) {
    let response = request.send().await.unwrap();
    assert_eq!(response.url().as_str(), landing.url("/landing"));
    (response, landing.only_at("/landing"))
}

/// Sends `request`, which must fail on the redirect limit.
async fn assert_stops_at_the_redirect_limit(request: RequestBuilder) {
    let error = request.send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error:?}");
}

/// Asserts that `seen` carried each of `headers` with its value.
fn assert_carried(seen: &Seen, headers: &[(&str, &str)]) {
    for (name, value) in headers {
        assert_eq!(
            seen.header(name),
            Some(*value),
            "{name} lost at {}",
            seen.place()
        );
    }
}

/// Asserts that `seen` carried none of the headers `names`.
fn assert_not_carried(seen: &Seen, names: &[&str]) {
    for name in names {
        assert_eq!(seen.header(name), None, "{name} reached {}", seen.place());
    }
}

/// Asserts that `seen` is a GET with no body and no body headers; `context` goes in the
/// messages.
fn assert_bare_get(seen: &Seen, context: impl Display) {
    assert_eq!(seen.method, Method::GET, "{context}: body {:?}", seen.body);
    assert!(seen.body.is_empty(), "{context}: {:?}", seen.body);
    for name in ["content-type", "content-length", "transfer-encoding"] {
        assert_eq!(seen.header(name), None, "{context}: {name}");
    }
}

/// Asserts that `response` is the redirect itself, not followed: `status` from `url`,
/// pointing at `location`.
fn assert_unfollowed_redirect(response: &Response, status: StatusCode, url: &str, location: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["location"], location);
    assert_eq!(response.url().as_str(), url);
    assert!(response.redirects().is_empty());
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

/// A client of `origin` with an `AuthInterceptor` putting `Bearer t0k` into `x-auth`, and the
/// count of its refresher's calls (the refresher always fails).
fn client_with_x_auth(origin: &Origin) -> (Client, Arc<AtomicUsize>) {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&refreshes);
    let interceptor = AuthInterceptor::builder(
        MemoryTokenStore::with_token(Token::new("t0k")),
        refresh_fn(move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Err(RefreshError::revoked("no refresh in these tests")) }
        }),
    )
    .header_name("x-auth")
    .build()
    .unwrap();
    let client = origin.client().interceptor(interceptor).build().unwrap();
    (client, refreshes)
}

// ----- The AuthInterceptor's header -----

#[tokio::test]
async fn the_auth_interceptor_header_reaches_its_origin_but_not_another_one_after_a_redirect() {
    let (a, b) = origins_with_away_and_here(302).await;
    let (client, refreshes) = client_with_x_auth(&a);

    let (_, landed) = send_to_landing(client.get("away"), &b).await;
    assert_carried(&a.only_at("/away"), &[("x-auth", "Bearer t0k")]);
    assert_eq!(b.calls(), 1);
    assert_not_carried(&landed, &["x-auth"]);

    // Within the origin it is kept.
    let (_, landed) = send_to_landing(client.get("here"), &a).await;
    assert_carried(&landed, &[("x-auth", "Bearer t0k")]);
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_401_from_the_other_origin_after_a_redirect_gets_no_token_and_starts_no_refresh() {
    // The interceptor judges a 401 by the URL it came from: that of the hop courier
    // followed itself, not the first one.
    let (a, b) = origins_redirecting("/away", 302).await;
    b.answer("/landing", 401);
    let (client, refreshes) = client_with_x_auth(&a);

    let error = client.get("away").send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(error.url().unwrap().as_str(), b.url("/landing"));
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    assert_eq!(a.calls(), 1, "not sent again");
    assert_eq!(b.calls(), 1);
    assert_not_carried(&b.only_at("/landing"), &["x-auth"]);
}

// ----- Headers marked by an interceptor -----

#[tokio::test]
async fn a_header_an_interceptor_marks_sensitive_is_dropped_at_an_origin_change_only() {
    let (a, b) = origins_with_away_and_here(302).await;
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

    let (_, landed) = send_to_landing(client.get("away"), &b).await;
    assert_carried(&a.only_at("/away"), &[("x-tenant", "acme")]);
    assert_not_carried(&landed, &["x-tenant"]);
    assert_carried(&landed, &[("x-trace", "42")]);

    let (_, landed) = send_to_landing(client.get("here"), &a).await;
    assert_carried(&landed, &[("x-tenant", "acme"), ("x-trace", "42")]);
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
    let (a, b) = origins_with_away_and_here(302).await;
    let client = a.client().build().unwrap();
    let mut headers = HeaderMap::new();
    for name in NAMES {
        headers.insert(name, HeaderValue::from_static("s3cr3t"));
    }
    headers.insert("x-trace", HeaderValue::from_static("42"));

    let (_, landed) = send_to_landing(client.get("away").headers(headers.clone()), &b).await;
    assert_not_carried(&landed, &NAMES);
    assert_carried(&landed, &[("x-trace", "42")]);

    let (_, landed) = send_to_landing(client.get("here").headers(headers), &a).await;
    assert_carried(&landed, &NAMES.map(|name| (name, "s3cr3t")));
}

// ----- The chain and the limit across a hop courier follows -----

#[tokio::test]
async fn the_redirect_chain_lists_every_hop_around_the_one_courier_follows() {
    let (a, b) = two_origins().await;
    a.redirect("/start", 302, "/mid"); // followed by reqwest
    a.redirect("/mid", 302, b.url("/landing")); // the origin change: followed by courier
    b.redirect("/landing", 302, "/final"); // followed by reqwest again
    let client = a.client().build().unwrap();

    let response = get_with_api_key(&client, "start").send().await.unwrap();
    assert_eq!(response.url().as_str(), b.url("/final"));
    assert_eq!(
        chain(&response),
        [a.url("/start"), a.url("/mid"), b.url("/landing")]
    );
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_carried(&a.only_at("/start"), &[("x-api-key", "k3y")]);
    assert_carried(&a.only_at("/mid"), &[("x-api-key", "k3y")]);
    assert_eq!(b.calls(), 2);
    for seen in b.seen() {
        assert_not_carried(&seen, &["x-api-key"]);
    }
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
    assert_not_carried(&b.only_at("/bounce"), &["x-api-key"]);
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
    assert_stops_at_the_redirect_limit(get_with_api_key(&one, "start")).await;
    assert_eq!(b.calls(), 0);

    // The request's own limit.
    assert_stops_at_the_redirect_limit(get_with_api_key(&two, "start").max_redirects(1)).await;
    assert_eq!(b.calls(), 0);

    let (response, landed) = send_to_landing(get_with_api_key(&two, "start"), &b).await;
    assert_eq!(chain(&response), [a.url("/start"), a.url("/mid")]);
    assert_not_carried(&landed, &["x-api-key"]);

    // away → onward (courier's hop) → final: the hop counts, so one is not enough for
    // reqwest's redirect after it.
    b.clear();
    assert_stops_at_the_redirect_limit(get_with_api_key(&one, "away")).await;
    assert_eq!(b.calls(), 1);
    assert_not_carried(&b.only_at("/onward"), &["x-api-key"]);

    let response = get_with_api_key(&two, "away").send().await.unwrap();
    assert_eq!(response.url().as_str(), b.url("/final"));
    assert_eq!(chain(&response), [a.url("/away"), b.url("/onward")]);

    // None allowed: not even the hop to the other origin.
    b.clear();
    let none = a.client().max_redirects(0).build().unwrap();
    assert_stops_at_the_redirect_limit(get_with_api_key(&none, "away")).await;
    assert_eq!(b.calls(), 0);
}

// ----- Methods and bodies on the hop courier follows -----

#[tokio::test]
async fn a_post_sent_by_301_302_or_303_to_another_origin_arrives_as_a_bare_get() {
    for status in [301, 302, 303] {
        let (a, b) = origins_redirecting("/submit", status).await;
        let client = a.client().build().unwrap();

        let response = post_payload_with_api_key(&client, "submit")
            .send()
            .await
            .unwrap();
        assert_eq!(response.url().as_str(), b.url("/landing"), "{status}");
        let sent = a.only_at("/submit");
        assert_carried(
            &sent,
            &[("content-type", "text/plain"), ("content-length", "7")],
        );
        assert_eq!(sent.body, "payload");

        assert_eq!(b.calls(), 1, "{status}");
        let landed = b.only_at("/landing");
        assert_bare_get(&landed, status);
        assert_eq!(landed.header("x-api-key"), None, "{status}");
    }
}

#[tokio::test]
async fn a_307_or_308_to_another_origin_re_sends_an_in_memory_body_without_the_credential() {
    for status in [307, 308] {
        let (a, b, upload) = upload_across_origins(status, Method::POST, "payload").await;

        let response = upload
            .header("content-type", "text/plain")
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
    let (a, b, upload) = upload_across_origins(307, Method::PUT, replayable_payload()).await;

    let (_, landed) = send_to_landing(upload, &b).await;
    assert_eq!(a.only_at("/upload").body, "payload");
    assert_eq!(landed.method, Method::PUT);
    assert_eq!(landed.body, "payload");
    assert_not_carried(&landed, &["x-api-key"]);
}

#[tokio::test]
async fn a_307_to_another_origin_with_a_one_shot_stream_is_returned_as_it_is() {
    let (a, b, upload) = upload_across_origins(307, Method::POST, one_shot_payload()).await;

    let response = upload
        .validate_status(|status| status.is_success() || status.is_redirection())
        .send()
        .await
        .unwrap();
    assert_unfollowed_redirect(
        &response,
        StatusCode::TEMPORARY_REDIRECT,
        &a.url("/upload"),
        &b.url("/landing"),
    );
    assert_eq!(a.only_at("/upload").body, "payload");
    assert_eq!(b.calls(), 0);
}

#[tokio::test]
async fn a_303_to_another_origin_is_followed_even_with_a_one_shot_stream() {
    // No body goes along, so there is nothing to re-send.
    let (_a, b, upload) = upload_across_origins(303, Method::POST, one_shot_payload()).await;

    let (_, landed) = send_to_landing(upload, &b).await;
    assert_bare_get(&landed, "303 with a one-shot stream");
    assert_not_carried(&landed, &["x-api-key"]);
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
    let reference = client
        .post("submit")
        .header("content-type", "text/plain")
        .body("payload");
    let (_, landed) = send_to_landing(reference, &b).await;
    assert_bare_get(&landed, "the reference, followed by reqwest");
    b.clear();

    let (response, landed) =
        send_to_landing(post_payload_with_api_key(&client, "submit"), &b).await;
    assert_eq!(chain(&response), [a.url("/submit"), a.url("/result")]);
    assert_not_carried(&landed, &["x-api-key"]);
    assert_bare_get(&landed, "303 within the origin, then 307 across");
}

// ----- Following off -----

#[tokio::test]
async fn with_following_off_a_redirect_carrying_a_credential_is_returned_as_it_is() {
    let (a, b) = origins_redirecting("/away", 302).await;
    let off = a
        .client()
        .follow_redirects(false)
        .validate_status(|status| status.is_redirection())
        .build()
        .unwrap();
    let on = a.client().build().unwrap();

    let by_client = get_with_api_key(&off, "away").send().await.unwrap();
    let by_request = get_with_api_key(&on, "away")
        .follow_redirects(false)
        .validate_status(|status| status.is_redirection())
        .send()
        .await
        .unwrap();
    for response in [by_client, by_request] {
        assert_unfollowed_redirect(
            &response,
            StatusCode::FOUND,
            &a.url("/away"),
            &b.url("/landing"),
        );
    }
    assert_eq!(a.calls(), 2);
    assert_eq!(b.calls(), 0);
}

// ----- The credentials reqwest drops itself, on courier's hop -----

#[tokio::test]
async fn authorization_and_an_api_key_are_both_dropped_at_an_origin_change_and_both_kept_within_it()
{
    const SENT: [(&str, &str); 2] = [("authorization", "Bearer t0k"), ("x-api-key", "k3y")];
    let (a, b) = origins_with_away_and_here(302).await;
    let client = a.client().build().unwrap();
    let request = |path: &str| {
        client
            .get(path)
            .bearer_auth("t0k")
            .header("x-api-key", "k3y")
    };

    let (_, landed) = send_to_landing(request("away"), &b).await;
    assert_carried(&a.only_at("/away"), &SENT);
    assert_not_carried(&landed, &["authorization", "x-api-key"]);

    let (_, landed) = send_to_landing(request("here"), &a).await;
    assert_carried(&landed, &SENT);
}

#[tokio::test]
async fn cookies_and_proxy_credentials_are_dropped_on_the_hop_courier_follows() {
    let (a, b) = origins_with_away_and_here(307).await;
    let client = a.client().build().unwrap();
    let request = |path: &str| {
        client
            .get(path)
            .header("cookie", "session=c00kie")
            .header("proxy-authorization", "Basic cHJveHk6cA==")
            .header("x-api-key", "k3y")
    };

    let (_, landed) = send_to_landing(request("away"), &b).await;
    assert_carried(&a.only_at("/away"), &[("cookie", "session=c00kie")]);
    assert_not_carried(&landed, &["cookie", "proxy-authorization", "x-api-key"]);

    let (_, landed) = send_to_landing(request("here"), &a).await;
    assert_carried(
        &landed,
        &[
            ("cookie", "session=c00kie"),
            ("proxy-authorization", "Basic cHJveHk6cA=="),
        ],
    );
}

/// reqwest (tower-http) turns only a `POST` into a `GET` on a 301/302; other methods keep
/// their method and body, and so does the hop courier follows.
#[tokio::test]
async fn a_put_or_delete_sent_by_301_or_302_to_another_origin_keeps_its_method_and_body() {
    for status in [301, 302] {
        for method in [Method::PUT, Method::DELETE] {
            let (_a, b, upload) = upload_across_origins(status, method.clone(), "payload").await;
            let (_, landed) = send_to_landing(upload, &b).await;
            assert_eq!(landed.method, method, "{status}");
            assert_eq!(landed.body, "payload", "{status} {method}");
            assert_eq!(landed.header("x-api-key"), None, "{status} {method}");
        }
    }
}

#[tokio::test]
async fn a_put_sent_by_302_with_a_one_shot_stream_is_returned_as_it_is() {
    let (a, b, upload) = upload_across_origins(302, Method::PUT, one_shot_payload()).await;
    let response = upload
        .validate_status(|status| status.is_success() || status.is_redirection())
        .send()
        .await
        .unwrap();
    assert_unfollowed_redirect(
        &response,
        StatusCode::FOUND,
        &a.url("/upload"),
        &b.url("/landing"),
    );
    assert_eq!(b.calls(), 0);
}

#[tokio::test]
async fn a_location_that_does_not_resolve_to_http_is_returned_as_the_answer() {
    let (a, _b) = two_origins().await;
    a.redirect("/mail", 302, "mailto:someone@example.com");
    let client = a.client().build().unwrap();
    let response = get_with_api_key(&client, "mail")
        .validate_status(|status| status.is_success() || status.is_redirection())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.url().as_str(), a.url("/mail"));
}
