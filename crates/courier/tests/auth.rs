//! The auth interceptor against a real loopback API that counts requests and refresh calls
//! and rotates its refresh tokens (each valid once): one refresh for a thousand concurrent
//! requests, sign-out on a rejected refresh, waiting during a refresh, re-sending for a
//! replaced token, no loop on a second 401, cancellation, refresh ahead of expiry on paused
//! time, the stores at work, and no token for other origins, redirects included.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response as AxumResponse};
use axum::routing::{get, post};
use common::TestServer;
use courier::interceptors::auth::{
    AuthInterceptor, AuthState, FileTokenStore, MemoryTokenStore, RefreshClient, RefreshError,
    SkipAuth, Token, TokenStore, refresh_fn,
};
use courier::mock::matchers::{header, method, path};
use courier::{Body, CancelToken, Client, ErrorKind, Mock, MockTransport, ResponseTemplate};
use tokio::sync::{Notify, watch};

// ----- The API -----

/// What the refresh endpoint does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefreshMode {
    /// Trades the current refresh token for a new pair; a used one is rejected.
    Rotate,
    /// Rejects every refresh token (`400 invalid_grant`): the session is over.
    Reject,
    /// Fails (`503`): the token endpoint is down.
    Unavailable,
}

/// A gate handlers wait at until the test opens it.
struct Gate(watch::Sender<bool>);

impl Gate {
    fn open() -> Gate {
        Gate(watch::Sender::new(true))
    }
    fn close(&self) {
        self.0.send_replace(false);
    }
    fn release(&self) {
        self.0.send_replace(true);
    }
    async fn pass(&self) {
        let mut open = self.0.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }
}

/// An API whose data endpoints want `Bearer <current access token>`, and whose token
/// endpoint rotates refresh tokens. It counts everything.
struct Api {
    access: Mutex<String>,
    refresh: Mutex<String>,
    issued: AtomicUsize,
    mode: Mutex<RefreshMode>,
    data_requests: watch::Sender<usize>,
    refresh_calls: AtomicUsize,
    reused_refresh_tokens: AtomicUsize,
    /// The `Authorization` of every data request, in order.
    seen: Mutex<Vec<Option<String>>>,
    refresh_gate: Gate,
    refresh_arrived: Notify,
    slow_gate: Gate,
    slow_arrived: Notify,
}

impl Api {
    fn new() -> Arc<Api> {
        Arc::new(Api {
            access: Mutex::new("a0".into()),
            refresh: Mutex::new("r0".into()),
            issued: AtomicUsize::new(0),
            mode: Mutex::new(RefreshMode::Rotate),
            data_requests: watch::Sender::new(0),
            refresh_calls: AtomicUsize::new(0),
            reused_refresh_tokens: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
            refresh_gate: Gate::open(),
            refresh_arrived: Notify::new(),
            slow_gate: Gate::open(),
            slow_arrived: Notify::new(),
        })
    }

    /// The token the client starts with.
    fn first_token() -> Token {
        Token::new("a0").with_refresh_token("r0")
    }

    /// The access token stops working (it expired on the server).
    fn expire(&self) {
        *self.access.lock().unwrap() = "expired".into();
    }

    fn set_mode(&self, mode: RefreshMode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn refresh_calls(&self) -> usize {
        self.refresh_calls.load(Ordering::SeqCst)
    }

    fn data_requests(&self) -> usize {
        *self.data_requests.borrow()
    }

    fn count_data_request(&self) {
        self.data_requests.send_modify(|count| *count += 1);
    }

    fn seen_with(&self, authorization: &str) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|value| value.as_deref() == Some(authorization))
            .count()
    }

    /// Counts a data request and answers 200 for the current token, 401 otherwise.
    fn check(&self, headers: &HeaderMap) -> AxumResponse {
        self.count_data_request();
        let authorization = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        self.seen.lock().unwrap().push(authorization.clone());
        let expected = format!("Bearer {}", self.access.lock().unwrap());
        if authorization.as_deref() == Some(expected.as_str()) {
            (StatusCode::OK, "ok").into_response()
        } else {
            (
                StatusCode::UNAUTHORIZED,
                [("www-authenticate", "Bearer error=\"invalid_token\"")],
                "expired",
            )
                .into_response()
        }
    }

    fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(
                "/data",
                get(|State(api): State<Arc<Api>>, headers: HeaderMap| async move {
                    api.check(&headers)
                })
                .post(
                    |State(api): State<Arc<Api>>, headers: HeaderMap| async move {
                        api.check(&headers)
                    },
                ),
            )
            .route(
                "/slow",
                get(|State(api): State<Arc<Api>>, headers: HeaderMap| async move {
                    api.slow_arrived.notify_one();
                    api.slow_gate.pass().await;
                    api.check(&headers)
                }),
            )
            .route(
                "/always-401",
                get(|State(api): State<Arc<Api>>| async move {
                    api.count_data_request();
                    (StatusCode::UNAUTHORIZED, "no")
                }),
            )
            .route("/token", post(token_endpoint))
            .with_state(Arc::clone(self))
    }
}

async fn token_endpoint(
    State(api): State<Arc<Api>>,
    Form(form): Form<HashMap<String, String>>,
) -> AxumResponse {
    api.refresh_calls.fetch_add(1, Ordering::SeqCst);
    api.refresh_arrived.notify_one();
    api.refresh_gate.pass().await;
    let mode = *api.mode.lock().unwrap();
    let invalid_grant = || {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": "invalid_grant"})),
        )
            .into_response()
    };
    match mode {
        RefreshMode::Reject => return invalid_grant(),
        RefreshMode::Unavailable => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        RefreshMode::Rotate => {}
    }
    let presented = form.get("refresh_token").cloned().unwrap_or_default();
    let mut refresh = api.refresh.lock().unwrap();
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") || presented != *refresh
    {
        api.reused_refresh_tokens.fetch_add(1, Ordering::SeqCst);
        return invalid_grant();
    }
    let n = api.issued.fetch_add(1, Ordering::SeqCst) + 1;
    *refresh = format!("r{n}");
    *api.access.lock().unwrap() = format!("a{n}");
    axum::Json(serde_json::json!({
        "access_token": format!("a{n}"),
        "token_type": "Bearer",
        "refresh_token": format!("r{n}"),
    }))
    .into_response()
}

// ----- The client -----

/// The refresher of these tests: an OAuth refresh-token grant on the API's own client.
async fn refresh(current: Token, client: RefreshClient) -> Result<Token, RefreshError> {
    let refresh_token = current.refresh_token().unwrap_or_default().to_owned();
    let response = client
        .post("token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
        ])
        .send()
        .await?;
    Ok(Token::from_token_response(response.json().await?)?)
}

fn auth_with(store: impl TokenStore) -> AuthInterceptor {
    AuthInterceptor::builder(store, refresh_fn(refresh))
        .build()
        .unwrap()
}

fn client_for(server: &TestServer, auth: &AuthInterceptor) -> Client {
    Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(auth.clone())
        .build()
        .unwrap()
}

/// An API, its server, a signed-in interceptor and its client.
async fn signed_in() -> (
    Arc<Api>,
    TestServer,
    AuthInterceptor,
    Client,
    MemoryTokenStore,
) {
    let api = Api::new();
    let server = TestServer::start(api.router()).await;
    let store = MemoryTokenStore::with_token(Api::first_token());
    let auth = auth_with(store.clone());
    let client = client_for(&server, &auth);
    (api, server, auth, client, store)
}

async fn get_text(client: &Client, url: &str) -> courier::Result<String> {
    client.get(url).send().await?.text().await
}

/// Lets every other task on this current-thread runtime run until it waits.
async fn let_others_run() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

// ----- One refresh for all -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_with_an_expired_token_make_one_refresh() {
    let (api, _server, auth, client, store) = signed_in().await;
    assert_eq!(auth.load().await, AuthState::Authenticated);
    api.expire();

    let requests: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get_text(&client, "data").await })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap().unwrap(), "ok");
    }

    assert_eq!(api.refresh_calls(), 1);
    assert_eq!(api.reused_refresh_tokens.load(Ordering::SeqCst), 0);
    // Each request was sent at most twice: once with the old token, once with the new one.
    assert!(api.data_requests() <= 2000, "{}", api.data_requests());
    assert_eq!(api.seen_with("Bearer a1"), 1000);
    assert_eq!(store.token().unwrap().refresh_token(), Some("r1"));
    assert_eq!(auth.state(), AuthState::Authenticated);
}

#[tokio::test]
async fn a_rejected_refresh_signs_out_and_fails_every_waiting_request() {
    let (api, _server, auth, client, store) = signed_in().await;
    assert_eq!(auth.load().await, AuthState::Authenticated);
    let mut states = auth.auth_state();
    assert_eq!(*states.borrow_and_update(), AuthState::Authenticated);
    api.expire();
    api.set_mode(RefreshMode::Reject);
    api.refresh_gate.close();

    // One request meets the 401 and starts the refresh; 999 more start while it runs.
    let first = tokio::spawn({
        let client = client.clone();
        async move { get_text(&client, "data").await }
    });
    api.refresh_arrived.notified().await;
    let started = Arc::new(AtomicUsize::new(0));
    let mut requests: Vec<_> = (0..999)
        .map(|_| {
            let client = client.clone();
            let started = Arc::clone(&started);
            tokio::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                get_text(&client, "data").await
            })
        })
        .collect();
    while started.load(Ordering::SeqCst) < 999 {
        tokio::task::yield_now().await;
    }
    let_others_run().await;
    assert_eq!(
        api.data_requests(),
        1,
        "they wait instead of sending the expired token"
    );
    requests.push(first);

    api.refresh_gate.release();
    for request in requests {
        let error = request.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error:?}");
    }

    assert_eq!(api.refresh_calls(), 1);
    assert!(store.token().is_none(), "the tokens are cleared");
    assert!(auth.token().is_none());
    states.changed().await.unwrap();
    assert_eq!(*states.borrow_and_update(), AuthState::Unauthenticated);
    assert_eq!(auth.state(), AuthState::Unauthenticated);

    // Signed out, requests go without a token and the API's 401 comes back as it is.
    let error = get_text(&client, "data").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(api.refresh_calls(), 1);
    assert_eq!(api.seen.lock().unwrap().last().unwrap(), &None);
}

#[tokio::test]
async fn a_refresh_that_fails_on_the_way_keeps_the_tokens() {
    let (api, _server, auth, client, store) = signed_in().await;
    api.expire();
    api.set_mode(RefreshMode::Unavailable);

    let error = get_text(&client, "data").await.unwrap_err();
    assert_ne!(error.kind(), ErrorKind::Unauthorized, "{error:?}");
    assert!(
        error.to_string().contains("token refresh failed"),
        "{error}"
    );
    assert_eq!(auth.state(), AuthState::Authenticated);
    assert_eq!(store.token(), Some(Api::first_token()));

    // The token endpoint is back: the next rejected request refreshes.
    api.set_mode(RefreshMode::Rotate);
    assert_eq!(get_text(&client, "data").await.unwrap(), "ok");
    assert_eq!(api.refresh_calls(), 2);
}

#[tokio::test]
async fn requests_that_start_during_a_refresh_wait_for_it() {
    let (api, _server, _auth, client, _store) = signed_in().await;
    api.expire();
    api.refresh_gate.close();

    let first = tokio::spawn({
        let client = client.clone();
        async move { get_text(&client, "data").await }
    });
    api.refresh_arrived.notified().await;
    assert_eq!(api.data_requests(), 1);

    let later: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get_text(&client, "data").await })
        })
        .collect();
    let_others_run().await;
    assert!(later.iter().all(|request| !request.is_finished()));
    assert_eq!(
        api.data_requests(),
        1,
        "nobody sent the expired token again"
    );

    api.refresh_gate.release();
    assert_eq!(first.await.unwrap().unwrap(), "ok");
    for request in later {
        assert_eq!(request.await.unwrap().unwrap(), "ok");
    }
    assert_eq!(api.refresh_calls(), 1);
    assert_eq!(api.seen_with("Bearer a0"), 1);
    assert_eq!(api.seen_with("Bearer a1"), 11);
}

#[tokio::test]
async fn a_request_rejected_for_a_replaced_token_is_sent_again_without_a_refresh() {
    let (api, _server, _auth, client, _store) = signed_in().await;
    api.slow_gate.close();
    // Sent with a0, held by the server.
    let slow = tokio::spawn({
        let client = client.clone();
        async move { get_text(&client, "slow").await }
    });
    api.slow_arrived.notified().await;

    // Meanwhile a0 expires and another request refreshes it to a1.
    api.expire();
    assert_eq!(get_text(&client, "data").await.unwrap(), "ok");
    assert_eq!(api.refresh_calls(), 1);

    // The held request now gets its 401 for a0, a token already replaced: it is sent again
    // with a1 at once.
    api.slow_gate.release();
    assert_eq!(slow.await.unwrap().unwrap(), "ok");
    assert_eq!(api.refresh_calls(), 1, "no second refresh");
    assert_eq!(api.reused_refresh_tokens.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_second_rejection_is_returned_without_another_refresh() {
    let (api, _server, _auth, client, _store) = signed_in().await;
    let error = get_text(&client, "always-401").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        error.response().and_then(|r| r.buffered_body()).unwrap(),
        "no"
    );
    assert_eq!(api.data_requests(), 2, "sent, then sent again once");
    assert_eq!(api.refresh_calls(), 1);
}

#[tokio::test]
async fn a_cancelled_request_stops_waiting_and_the_refresh_goes_on() {
    let (api, _server, auth, client, store) = signed_in().await;
    api.expire();
    api.refresh_gate.close();

    // This request meets the 401 first and so starts the refresh.
    let cancel = CancelToken::new();
    let starter = tokio::spawn({
        let client = client.clone();
        let cancel = cancel.clone();
        async move {
            client
                .get("data")
                .cancel_token(&cancel)
                .send()
                .await
                .map(|_| ())
        }
    });
    api.refresh_arrived.notified().await;
    let other = tokio::spawn({
        let client = client.clone();
        async move { get_text(&client, "data").await }
    });
    let_others_run().await;

    cancel.cancel_with("screen closed");
    let error = tokio::time::timeout(Duration::from_secs(30), starter)
        .await
        .expect("the cancelled request stopped waiting")
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(error.cancel_reason().unwrap().as_str(), "screen closed");
    assert!(!other.is_finished());

    api.refresh_gate.release();
    assert_eq!(other.await.unwrap().unwrap(), "ok");
    assert_eq!(api.refresh_calls(), 1);
    assert_eq!(store.token().unwrap().refresh_token(), Some("r1"));
    assert_eq!(auth.state(), AuthState::Authenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_refresh_tokens_are_never_sent_twice() {
    let (api, server, _auth, client, store) = signed_in().await;
    for round in 1..=5 {
        api.expire();
        let requests: Vec<_> = (0..100)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { get_text(&client, "data").await })
            })
            .collect();
        for request in requests {
            assert_eq!(request.await.unwrap().unwrap(), "ok");
        }
        assert_eq!(api.refresh_calls(), round);
        assert_eq!(
            store.token().unwrap().refresh_token(),
            Some(format!("r{round}").as_str())
        );
    }
    assert_eq!(api.reused_refresh_tokens.load(Ordering::SeqCst), 0);

    // The server does catch a reused token: r4 was used once already.
    let replay = Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(server.url("/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "r4")])
        .send()
        .await
        .unwrap_err();
    assert_eq!(replay.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(api.reused_refresh_tokens.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_streamed_body_gets_its_401_and_the_refresh_serves_the_next_request() {
    let (api, _server, _auth, client, _store) = signed_in().await;
    api.expire();
    let stream = futures_util::stream::iter([Ok::<_, std::io::Error>("payload")]);
    let error = client
        .post("data")
        .body(Body::wrap_stream(stream))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(get_text(&client, "data").await.unwrap(), "ok");
    assert_eq!(api.refresh_calls(), 1);
}

#[tokio::test]
async fn a_refresher_on_a_client_with_the_same_interceptor_does_not_deadlock() {
    let api = Api::new();
    let server = TestServer::start(api.router()).await;
    // The refresher ignores the client it is given and uses the app's client, which
    // carries this very interceptor.
    let app_client: Arc<OnceLock<Client>> = Arc::new(OnceLock::new());
    let auth = AuthInterceptor::builder(
        MemoryTokenStore::with_token(Api::first_token()),
        refresh_fn({
            let app_client = Arc::clone(&app_client);
            move |current: Token, _| {
                let client = app_client.get().unwrap().clone();
                async move {
                    let response = client
                        .post("token")
                        .form(&[
                            ("grant_type", "refresh_token"),
                            ("refresh_token", current.refresh_token().unwrap_or_default()),
                        ])
                        .send()
                        .await?;
                    Ok(Token::from_token_response(response.json().await?)?)
                }
            }
        }),
    )
    .build()
    .unwrap();
    let client = client_for(&server, &auth);
    app_client.set(client.clone()).unwrap();

    api.expire();
    assert_eq!(get_text(&client, "data").await.unwrap(), "ok");
    assert_eq!(api.refresh_calls(), 1);
}

// ----- Where the token goes -----

#[tokio::test]
async fn requests_marked_skip_auth_or_with_their_own_header_are_left_alone() {
    let (api, _server, _auth, client, _store) = signed_in().await;
    let error = client
        .get("data")
        .extension(SkipAuth)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    let error = client
        .get("data")
        .bearer_auth("mine")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(api.refresh_calls(), 0, "their 401s start no refresh");
    let seen = api.seen.lock().unwrap().clone();
    assert_eq!(seen, [None, Some("Bearer mine".to_owned())]);
}

/// A server on another port (another origin) that records the `Authorization` it gets.
async fn other_origin() -> (TestServer, Arc<Mutex<Vec<Option<String>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router = Router::new()
        .route(
            "/landing",
            get(
                |State(seen): State<Arc<Mutex<Vec<Option<String>>>>>, headers: HeaderMap| async move {
                    let authorization = headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_owned());
                    seen.lock().unwrap().push(authorization);
                    (StatusCode::UNAUTHORIZED, "who are you?")
                },
            ),
        )
        .with_state(Arc::clone(&seen));
    (TestServer::start(router).await, seen)
}

#[tokio::test]
async fn the_token_never_reaches_another_origin_not_even_through_a_redirect() {
    let api = Api::new();
    let (elsewhere, seen_elsewhere) = other_origin().await;
    let landing = elsewhere.url("/landing");
    let redirect = Router::new()
        .route(
            "/go",
            get(
                move |State(api): State<Arc<Api>>, headers: HeaderMap| async move {
                    let authorized = api.check(&headers).status() == StatusCode::OK;
                    assert!(authorized, "the API itself gets the token");
                    Redirect::temporary(&landing)
                },
            ),
        )
        .with_state(Arc::clone(&api));
    let server = TestServer::start(api.router().merge(redirect)).await;
    let auth = auth_with(MemoryTokenStore::with_token(Api::first_token()));
    let client = client_for(&server, &auth);

    // Redirected to the other origin: reqwest drops the Authorization header, and the
    // other origin's 401 starts no refresh.
    let error = client.get("go").send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(error.url().unwrap().as_str(), elsewhere.url("/landing"));
    // Sent straight to the other origin: not one of the interceptor's.
    let error = client
        .get(elsewhere.url("/landing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));

    assert_eq!(*seen_elsewhere.lock().unwrap(), [None, None]);
    assert_eq!(api.seen_with("Bearer a0"), 1);
    assert_eq!(api.refresh_calls(), 0);
}

#[tokio::test]
async fn listed_origins_replace_the_base_url_origin() {
    let api = Api::new();
    let server = TestServer::start(api.router()).await;
    let (elsewhere, seen_elsewhere) = other_origin().await;
    let auth = AuthInterceptor::builder(
        MemoryTokenStore::with_token(Api::first_token()),
        refresh_fn(refresh),
    )
    .allow_origin(elsewhere.url("/"))
    .build()
    .unwrap();
    let client = client_for(&server, &auth);
    let _ = client.get(elsewhere.url("/landing")).send().await;
    let _ = client.get("data").send().await;
    // The listed origin gets the token (its 401 even makes the interceptor refresh and
    // send again); the base URL's origin, not listed, gets none.
    let seen_elsewhere = seen_elsewhere.lock().unwrap().clone();
    assert_eq!(seen_elsewhere[0].as_deref(), Some("Bearer a0"));
    assert!(seen_elsewhere.iter().all(Option::is_some));
    assert_eq!(*api.seen.lock().unwrap(), [None]);
}

// ----- Refresh ahead of expiry, on paused time -----

/// A mock API that accepts `a0` and `a1`, answering which one it got, and a token endpoint
/// that issues `a1` (or fails, with `fail_refresh`).
fn mock_api(fail_refresh: bool) -> MockTransport {
    let mock = MockTransport::new();
    for token in ["a0", "a1"] {
        Mock::given(path("/data"))
            .and(header("authorization", format!("Bearer {token}")))
            .respond_with(ResponseTemplate::new(200).body(token))
            .mount(&mock);
    }
    let answer = if fail_refresh {
        ResponseTemplate::new(503)
    } else {
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "a1", "refresh_token": "r1", "expires_in": 3600
        }))
    };
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(answer)
        .mount(&mock);
    mock
}

/// A client on `mock` whose interceptor's clock follows tokio's (paused) clock, with a token
/// that expires `lifetime` from now.
fn paused_client(mock: &MockTransport, lifetime: Duration) -> (Client, AuthInterceptor) {
    let (wall, start) = (SystemTime::now(), tokio::time::Instant::now());
    let token = Api::first_token().with_expires_at(Some(wall + lifetime));
    let auth = AuthInterceptor::builder(MemoryTokenStore::with_token(token), refresh_fn(refresh))
        .clock(move || wall + start.elapsed())
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url("https://api.example")
        .interceptor(auth.clone())
        .transport(mock.clone())
        .build()
        .unwrap();
    (client, auth)
}

fn token_calls(mock: &MockTransport) -> usize {
    mock.received_requests()
        .iter()
        .filter(|request| request.url().path() == "/token")
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_token_is_refreshed_before_it_expires() {
    let mock = mock_api(false);
    let (client, _auth) = paused_client(&mock, Duration::from_secs(120));

    assert_eq!(get_text(&client, "data").await.unwrap(), "a0");
    tokio::time::advance(Duration::from_secs(80)).await; // 40 s left: still used
    assert_eq!(get_text(&client, "data").await.unwrap(), "a0");
    assert_eq!(token_calls(&mock), 0);

    tokio::time::advance(Duration::from_secs(15)).await; // 25 s left: within the 30 s margin
    assert_eq!(get_text(&client, "data").await.unwrap(), "a1");
    assert_eq!(get_text(&client, "data").await.unwrap(), "a1");
    assert_eq!(token_calls(&mock), 1);
    let sent: Vec<_> = mock
        .received_requests()
        .iter()
        .filter(|request| request.url().path() == "/data")
        .map(|request| {
            request.headers()["authorization"]
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(sent, ["Bearer a0", "Bearer a0", "Bearer a1", "Bearer a1"]);
}

#[tokio::test(start_paused = true)]
async fn an_expired_token_is_refreshed_before_it_is_sent() {
    let mock = mock_api(false);
    let (client, _auth) = paused_client(&mock, Duration::from_secs(60));
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(get_text(&client, "data").await.unwrap(), "a1");
    assert_eq!(
        mock.received_requests().len(),
        2,
        "the refresh, then the request"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_ahead_of_expiry_keeps_using_the_valid_token() {
    let mock = mock_api(true);
    let (client, auth) = paused_client(&mock, Duration::from_secs(20));
    assert_eq!(get_text(&client, "data").await.unwrap(), "a0");
    assert_eq!(token_calls(&mock), 1);
    assert_eq!(auth.state(), AuthState::Authenticated);

    // Not tried ahead again for this token: the endpoint is down, and each request would
    // pay for a refresh attempt.
    tokio::time::advance(Duration::from_secs(5)).await;
    assert_eq!(get_text(&client, "data").await.unwrap(), "a0");
    assert_eq!(token_calls(&mock), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refresh_that_hangs_times_out_and_keeps_the_tokens() {
    let mock = MockTransport::new();
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::fault(courier::mock::Fault::Hang))
        .mount(&mock);
    let (client, auth) = paused_client(&mock, Duration::from_secs(1));
    tokio::time::advance(Duration::from_secs(2)).await;
    let error = get_text(&client, "data").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    assert_eq!(auth.state(), AuthState::Authenticated);
    assert!(auth.token().is_some());
}

// ----- Stores at work -----

#[tokio::test]
async fn the_file_store_keeps_the_rotated_token_and_a_corrupt_file_signs_out() {
    let api = Api::new();
    let server = TestServer::start(api.router()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = FileTokenStore::new(&path);
    store.save(&Api::first_token()).await.unwrap();

    let auth = auth_with(store.clone());
    let client = client_for(&server, &auth);
    api.expire();
    assert_eq!(get_text(&client, "data").await.unwrap(), "ok");
    let saved = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert_eq!(saved.refresh_token(), Some("r1"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A new run finds the file corrupt: signed out, nothing sent with a token.
    std::fs::write(&path, b"{\"access_token\": \"a1\", \"refr").unwrap();
    let auth = auth_with(FileTokenStore::new(&path));
    assert_eq!(auth.load().await, AuthState::Unauthenticated);
    let client = client_for(&server, &auth);
    let error = get_text(&client, "data").await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(api.seen.lock().unwrap().last().unwrap(), &None);
}

#[cfg(feature = "keyring")]
#[tokio::test]
async fn the_keyring_store_holds_the_session_in_the_mock_keychain() {
    use courier::interceptors::auth::KeyringTokenStore;
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());

    let api = Api::new();
    let server = TestServer::start(api.router()).await;
    let store = KeyringTokenStore::new("courier-tests", "ada").unwrap();
    let auth = auth_with(store.clone());
    let client = client_for(&server, &auth);
    assert_eq!(auth.load().await, AuthState::Unauthenticated);

    auth.sign_in(Api::first_token()).await.unwrap();
    api.expire();
    assert_eq!(get_text(&client, "data").await.unwrap(), "ok");
    let stored: serde_json::Value =
        serde_json::from_str(&store.entry().get_password().unwrap()).unwrap();
    assert_eq!(stored["refresh_token"], "r1");

    auth.sign_out().await.unwrap();
    assert!(matches!(
        store.entry().get_password(),
        Err(keyring::Error::NoEntry)
    ));
    assert_eq!(auth.state(), AuthState::Unauthenticated);
}
