//! The seed's `createDio` with an `AuthInterceptor`, in courier, offline: it starts its own
//! API on 127.0.0.1 (sign-in, a token endpoint that rotates refresh tokens, and a data
//! endpoint that wants a bearer token), then shows sign-in, a token kept in a private file,
//! five concurrent requests meeting an expired token with one refresh between them, and the
//! sign-out that follows a rejected refresh.
//!
//! Run it with `cargo run --example auth`. It prints one line per step; set
//! `RUST_LOG=courier=debug` to also see the log interceptor and the refresh events (tokens
//! redacted).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use courier::interceptors::auth::{
    AuthInterceptor, AuthState, FileTokenStore, RefreshClient, RefreshError, SkipAuth, Token,
    TokenStore, refresh_fn,
};
use courier::interceptors::retry::RetryInterceptor;
use courier::{ApiError, Client, LogInterceptor};
use serde_json::json;

// ----- 1. The client (the seed's `createDio`) -----

/// One client for the whole app: base URL, timeouts, default headers, the log interceptor
/// in debug builds, and the auth interceptor.
fn create_client(base_url: &str, auth: &AuthInterceptor) -> courier::Result<Client> {
    let mut builder = Client::builder()
        .base_url(base_url)
        .connect_timeout(Duration::from_secs(10))
        .receive_timeout(Duration::from_secs(15))
        .default_header("content-type", "application/json")
        .default_header("accept", "application/json")
        .default_header("x-app-version", "2.1.0")
        .no_proxy()
        // First: it sees every request, adds the token, and sends again after a refresh.
        .interceptor(auth.clone())
        // Then retries: each attempt carries the current token; 1 s, 2 s, 4 s as in the seed
        // (with full jitter), only for idempotent requests, `Retry-After` honoured.
        .interceptor(RetryInterceptor::builder().build()?);
    if cfg!(debug_assertions) {
        // After it: logs each attempt and the refresh call, with the tokens redacted.
        builder = builder.interceptor(LogInterceptor::new());
    }
    builder.build()
}

// ----- 2. The refresh (the seed's `_refreshToken`) -----

/// Trades the refresh token for a new pair on the same client; the request skips the auth
/// interceptor by construction (see `RefreshClient`).
async fn refresh_token(current: Token, client: RefreshClient) -> Result<Token, RefreshError> {
    let Some(refresh_token) = current.refresh_token() else {
        return Err(RefreshError::revoked("no refresh token"));
    };
    let response = client
        .post("auth/refresh")
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await?; // a 400/401 here means the session is over: signed out
    Ok(Token::from_token_response(response.json().await?)?)
}

// ----- 3. Error mapping (the seed's `_mapError`): courier's `ApiError` -----

async fn get_me(client: &Client) -> Result<String, ApiError> {
    let me: serde_json::Value = client.get("me").send().await?.json().await?;
    Ok(me["name"].as_str().unwrap_or_default().to_owned())
}

// ----- The app -----

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .init();
    let api = Api::start().await?;

    // The token lives in a private file (mode 0600), replaced atomically on every refresh.
    let dir = tempfile::tempdir()?;
    let store = FileTokenStore::new(dir.path().join("tokens.json"));
    let auth = AuthInterceptor::builder(store.clone(), refresh_fn(refresh_token)).build()?;
    let client = create_client(&api.base_url, &auth)?;

    // The app's screens follow the auth state (a `watch` receiver; a UI would await
    // `states.changed()` in its own task).
    let mut states = auth.auth_state();

    println!("1. start-up: the store is read once");
    assert_eq!(auth.load().await, AuthState::Unauthenticated);
    show_screen(&mut states);

    println!("2. sign in (a request that skips the auth interceptor)");
    let tokens = client
        .post("auth/login")
        .extension(SkipAuth)
        .json(&json!({ "user": "ada", "password": "lovelace" }))
        .send()
        .await?
        .json()
        .await?;
    auth.sign_in(Token::from_token_response(tokens)?).await?;
    show_screen(&mut states);
    println!(
        "   me: {}",
        get_me(&client).await.map_err(|e| format!("{e:?}"))?
    );

    println!("3. the access token expires on the server; five screens load at once");
    api.expire_access_token();
    let loads = (0..5).map(|_| get_me(&client));
    let results = futures_util::future::join_all(loads).await;
    println!(
        "   {} of 5 loaded, with {} refresh call(s); the file now holds refresh token {:?}",
        results.iter().filter(|r| r.is_ok()).count(),
        api.refresh_calls(),
        store
            .load()
            .await?
            .and_then(|t| t.refresh_token().map(str::to_owned)),
    );

    println!("4. the session is revoked on the server; the next refresh is rejected");
    api.revoke_session();
    api.expire_access_token();
    match get_me(&client).await {
        // A rejected refresh is `ErrorKind::Unauthorized`, which `ApiError` maps as a 401.
        Err(ApiError::Unauthorized { .. }) => println!("   the request fails as Unauthorized"),
        Err(other) => println!("   unexpected: {other}"),
        Ok(name) => println!("   unexpected: still signed in as {name}"),
    }
    show_screen(&mut states);
    println!(
        "   tokens cleared: {}",
        store.load().await?.is_none() && auth.token().is_none()
    );
    Ok(())
}

/// Prints the screen the app shows when the auth state changed.
fn show_screen(states: &mut tokio::sync::watch::Receiver<AuthState>) {
    if states.has_changed().unwrap_or(false) {
        let state = *states.borrow_and_update();
        let screen = if state.is_authenticated() {
            "home"
        } else {
            "sign-in"
        };
        println!("  [auth state] {state:?}: show the {screen} screen");
    }
}

// ----- The API, on 127.0.0.1 -----

/// A small API: sign-in, a token endpoint that rotates refresh tokens, and `/me`.
struct Api {
    base_url: String,
    state: Arc<ApiState>,
    _server: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct ApiState {
    access: Mutex<Option<String>>,
    refresh: Mutex<Option<String>>,
    issued: AtomicUsize,
    refresh_calls: AtomicUsize,
}

impl ApiState {
    fn issue(&self) -> serde_json::Value {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        *self.access.lock().unwrap() = Some(format!("access-{n}"));
        *self.refresh.lock().unwrap() = Some(format!("refresh-{n}"));
        json!({
            "access_token": format!("access-{n}"),
            "token_type": "Bearer",
            "expires_in": 900,
            "refresh_token": format!("refresh-{n}"),
        })
    }
}

impl Api {
    async fn start() -> std::io::Result<Api> {
        let state = Arc::new(ApiState::default());
        let router = Router::new()
            .route("/auth/login", post(login))
            .route("/auth/refresh", post(refresh))
            .route("/me", get(me))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Api {
            base_url,
            state,
            _server: server,
        })
    }

    fn expire_access_token(&self) {
        *self.state.access.lock().unwrap() = None;
    }

    fn revoke_session(&self) {
        *self.state.refresh.lock().unwrap() = None;
    }

    fn refresh_calls(&self) -> usize {
        self.state.refresh_calls.load(Ordering::SeqCst)
    }
}

async fn login(State(api): State<Arc<ApiState>>, Json(body): Json<serde_json::Value>) -> Response {
    if body["password"] == "lovelace" {
        Json(api.issue()).into_response()
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

async fn refresh(
    State(api): State<Arc<ApiState>>,
    Json(body): Json<serde_json::Value>,
) -> Response {
    api.refresh_calls.fetch_add(1, Ordering::SeqCst);
    let presented = body["refresh_token"].as_str().map(str::to_owned);
    let current = api.refresh.lock().unwrap().clone();
    if presented.is_some() && presented == current {
        Json(api.issue()).into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
            .into_response()
    }
}

async fn me(State(api): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let expected = api
        .access
        .lock()
        .unwrap()
        .as_ref()
        .map(|token| format!("Bearer {token}"));
    let presented = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    if expected.is_some() && presented == expected.as_deref() {
        Json(json!({ "name": "Ada" })).into_response()
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}
