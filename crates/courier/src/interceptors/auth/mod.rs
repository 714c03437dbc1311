//! [`AuthInterceptor`]: the access token on every request to the API, and one refresh for
//! all concurrent requests when it expires (what fresh_dio, or Dio's `QueuedInterceptor`
//! with a refresh in `onError`, is to a Flutter app).
//!
//! # Why not the usual Dio interceptor
//!
//! The token-refresh interceptor found in most Dio articles goes wrong in ways that only
//! show under load or on a bad network:
//!
//! - **N refreshes.** Ten requests get a `401` together; each calls the refresh endpoint.
//!   With refresh tokens that rotate (each valid once, as OAuth 2.1 recommends), the second
//!   refresh sends a used token, the server sees a replay and revokes the session: the user
//!   is signed out for having opened a screen. `QueuedInterceptor` serialises the handlers,
//!   but each queued handler still refreshes unless it compares tokens.
//! - **A fall-through.** `handler.resolve(response)` followed by `handler.next(err)` without
//!   a `return` settles one request twice.
//! - **A new, bare client for the retry** (`Dio().fetch(options)`): no base options, no
//!   interceptors, no timeouts; and no guard, so a second `401` is not handled, or is
//!   handled by refreshing again, forever.
//! - **Sign-out on a blip.** A refresh that fails because the network dropped clears the
//!   tokens as if the server had revoked them.
//! - **The token goes wherever the request goes**, other hosts included.
//!
//! # What this interceptor does
//!
//! - **Injects** `Authorization: Bearer <token>` (header and scheme configurable) into
//!   requests to the origins it serves: by default the origin (scheme, host, port) of the
//!   client's base URL, or the list given to
//!   [`allow_origin`](AuthInterceptorBuilder::allow_origin). Requests elsewhere, requests
//!   marked [`SkipAuth`], and requests that already carry the header are left alone.
//! - **One refresh.** When a response is a `401` (or what
//!   [`rejects_token`](AuthInterceptorBuilder::rejects_token) says), the request waits for the
//!   one refresh in flight, starting it if there is none, and is sent again once with the
//!   new token. Every token the interceptor holds has a *generation*; a request whose `401`
//!   answers a token that was already replaced (a refresh or sign-in finished while it was
//!   on the wire) is sent again with the current token at once, without a refresh. So 1,000
//!   concurrent requests with an expired token make exactly one refresh call, and a refresh
//!   token is never sent twice.
//! - **Waits instead of sending a dead token.** A request that starts while a refresh is in
//!   flight waits for it. When the token's expiry is known ([`Token::expires_at`], from
//!   `expires_in` or the JWT `exp` claim), it is refreshed
//!   [`refresh_margin`](AuthInterceptorBuilder::refresh_margin) (30 s) before it expires,
//!   and no request is sent with it then. If that refresh fails on the way (the token
//!   endpoint is unreachable), requests go on with the token while it has not expired, and
//!   it is not tried ahead again: the server's `401` triggers the next refresh.
//! - **No loops.** A request is sent again at most once. If the server rejects the new
//!   token too, the request fails with that second response: an error of kind
//!   [`BadResponse`](crate::ErrorKind::BadResponse) with status `401` and the server's body.
//! - **Sign-out only when the server says so.** A refresh rejected by the server
//!   ([`RefreshError::revoked`], or a `400`/`401` from the token endpoint) clears the tokens
//!   from the store, sets the [`auth_state`](AuthInterceptor::auth_state) to
//!   [`AuthState::Unauthenticated`], and fails every waiting request with
//!   [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized). A refresh that fails
//!   otherwise (offline, timeout, `5xx`) keeps the tokens; the waiting requests fail with
//!   that error's kind, and the next rejected request tries again.
//! - **Cancellation.** A request whose [`CancelToken`](crate::CancelToken) fires while it
//!   waits for a refresh fails with [`Cancelled`](crate::ErrorKind::Cancelled) at once. The
//!   refresh runs on a task of its own, so it goes on for the other requests even when the
//!   request that started it is cancelled or dropped.
//!
//! # The refresh call does not go through the interceptor
//!
//! The [`Refresher`] receives the current [`Token`] and a [`RefreshClient`]: the same client
//! (base URL, default headers, timeouts, the other interceptors), whose requests are marked
//! [`SkipAuth`] so that this interceptor lets them through without a token and without
//! waiting for the refresh (which would wait for itself). A refresher may also use a client
//! of its own; any request sent from the refresh's task skips this interceptor, so even a
//! client that carries it cannot deadlock. Interceptors added *after* this one (inner) see
//! the refresh call; put a [`LogInterceptor`](crate::LogInterceptor) there to log it.
//!
//! # Redirects
//!
//! The transport follows redirects inside one call of the chain, so the interceptor sees
//! the first URL only. The token is not forwarded to another origin: a redirect that changes
//! the scheme, host or port drops `Authorization` (and `Cookie`, `Proxy-Authorization`), and
//! a header of another name (see [`header_name`](AuthInterceptorBuilder::header_name)) too,
//! which the interceptor marks [sensitive](crate::RequestOptions::sensitive_headers) for that
//! reason. A `401` from another origin reached by a redirect is returned as it is, without a
//! refresh.
//!
//! # Requests that cannot be sent again
//!
//! A request with a streamed body ([`Request::try_clone`](crate::Request::try_clone) returns
//! `None`) that gets a `401` fails with it; the refresh it calls for starts in the
//! background and serves the next requests.
//!
//! # Storing tokens
//!
//! A [`TokenStore`] keeps the token between runs; the interceptor reads it once, on the
//! first request or on [`load`](AuthInterceptor::load), saves every refreshed token before
//! using it (a rotated refresh token is never lost), and clears it on sign-out. See
//! [`store`] for [`MemoryTokenStore`], [`FileTokenStore`] and `KeyringTokenStore`.
//!
//! # Example
//!
//! The seed's `createDio` with an `AuthInterceptor`, in courier (see also
//! `examples/auth.rs`, which runs it against a loopback server):
//!
//! ```no_run
//! use std::time::Duration;
//! use courier::interceptors::auth::{AuthInterceptor, AuthState, FileTokenStore, Token, refresh_fn};
//! use courier::{Client, LogInterceptor};
//!
//! fn create_client(base_url: &str, auth: &AuthInterceptor) -> courier::Result<Client> {
//!     let mut builder = Client::builder()
//!         .base_url(base_url)
//!         .connect_timeout(Duration::from_secs(10))
//!         .receive_timeout(Duration::from_secs(15))
//!         .default_header("accept", "application/json")
//!         .default_header("x-app-version", "2.1.0")
//!         .interceptor(auth.clone());
//!     if cfg!(debug_assertions) {
//!         // Inside the auth interceptor: logs each attempt and the refresh call, tokens redacted.
//!         builder = builder.interceptor(LogInterceptor::new());
//!     }
//!     builder.build()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = AuthInterceptor::builder(
//!     FileTokenStore::new("/home/ada/.config/app/tokens.json"),
//!     refresh_fn(|current: Token, client| async move {
//!         let refresh_token = current.refresh_token().unwrap_or_default().to_owned();
//!         let response = client
//!             .post("auth/refresh")
//!             .json(&serde_json::json!({ "refresh_token": refresh_token }))
//!             .send()
//!             .await?;
//!         Ok(Token::from_token_response(response.json().await?)?)
//!     }),
//! )
//! .build()?;
//! let client = create_client("https://api.example/v1/", &auth)?;
//!
//! if auth.load().await == AuthState::Unauthenticated {
//!     // show the sign-in screen, then: auth.sign_in(token).await?
//! }
//! let me: serde_json::Value = client.get("me").send().await?.json().await?;
//! # Ok(())
//! # }
//! ```

mod audience;
mod builder;
mod credential;
mod interceptor;
mod jwt;
mod refresh_client;
mod refresh_error;
mod refresh_failure;
mod refresher;
mod session;
mod skip;
mod state;
pub mod store;
mod token;

pub use builder::AuthInterceptorBuilder;
pub use interceptor::AuthInterceptor;
pub use refresh_client::RefreshClient;
pub use refresh_error::RefreshError;
pub use refresher::{RefreshFn, Refresher, refresh_fn};
pub use skip::SkipAuth;
pub use state::AuthState;
#[cfg(feature = "keyring")]
#[cfg_attr(docsrs, doc(cfg(feature = "keyring")))]
pub use store::KeyringTokenStore;
pub use store::{BoxFuture, FileTokenStore, MemoryTokenStore, TokenStore};
pub use token::Token;
