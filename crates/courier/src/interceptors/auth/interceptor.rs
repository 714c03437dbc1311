//! [`AuthInterceptor`]: the token on every request to the API, one refresh for all of them.

use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;
use url::Url;

use super::audience::Audience;
use super::builder::AuthInterceptorBuilder;
use super::refresher::Refresher;
use super::session::Session;
use super::skip::SkipAuth;
use super::state::AuthState;
use super::store::TokenStore;
use super::token::Token;
use crate::error::Result;
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::Response;

/// Decides whether a response means "this token was rejected".
pub(super) type RejectsToken = Arc<dyn Fn(&Response) -> bool + Send + Sync>;

/// Adds the access token to every request to the API and refreshes it once for all
/// concurrent requests when the server rejects it (fresh_dio, or Dio's `QueuedInterceptor`
/// pattern, without its pitfalls). See the [module documentation](super) for the whole
/// story: what happens on a `401`, on a failed refresh, on cancellation, and where the token
/// is (not) sent.
///
/// It is a cheap `Clone`: give one clone to the client and keep one to
/// [`sign_in`](Self::sign_in), [`sign_out`](Self::sign_out) and watch the
/// [`auth_state`](Self::auth_state).
///
/// ```
/// use courier::interceptors::auth::{AuthInterceptor, AuthState, MemoryTokenStore, Token, refresh_fn};
/// use courier::mock::matchers::{header, method, path};
/// use courier::{Client, Mock, MockTransport, ResponseTemplate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // The API accepts "a-2" only; the token endpoint trades "r-1" for it.
/// let api = MockTransport::new();
/// Mock::given(path("/me")).and(header("authorization", "Bearer a-2"))
///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"name": "Ada"})))
///     .mount(&api);
/// Mock::given(path("/me")).respond_with(ResponseTemplate::new(401)).mount(&api);
/// Mock::given(method("POST")).and(path("/oauth/token"))
///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
///         "access_token": "a-2", "refresh_token": "r-2", "expires_in": 3600
///     })))
///     .expect(1)
///     .mount(&api);
///
/// let store = MemoryTokenStore::with_token(Token::new("a-1").with_refresh_token("r-1"));
/// let auth = AuthInterceptor::builder(
///     store.clone(),
///     refresh_fn(|current: Token, client| async move {
///         let refresh_token = current.refresh_token().unwrap_or_default().to_owned();
///         let response = client
///             .post("oauth/token")
///             .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh_token)])
///             .send()
///             .await?;
///         Ok(Token::from_token_response(response.json().await?)?)
///     }),
/// )
/// .build()?;
/// let client = Client::builder()
///     .base_url("https://api.example")
///     .interceptor(auth.clone())
///     .transport(api.clone())
///     .build()?;
///
/// // "a-1" is rejected: one refresh, and the request is sent again with "a-2".
/// let me: serde_json::Value = client.get("me").send().await?.json().await?;
/// assert_eq!(me["name"], "Ada");
/// assert_eq!(store.token().and_then(|t| t.refresh_token().map(str::to_owned)), Some("r-2".into()));
/// assert_eq!(auth.state(), AuthState::Authenticated);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AuthInterceptor {
    inner: Arc<Inner>,
}

struct Inner {
    session: Arc<Session>,
    audience: Audience,
    rejects_token: RejectsToken,
}

impl AuthInterceptor {
    /// Starts configuring an interceptor that keeps its token in `store` and renews it with
    /// `refresher`.
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    ///
    /// let auth = AuthInterceptor::builder(
    ///     MemoryTokenStore::new(),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("this app has no refresh")) }),
    /// )
    /// .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn builder(store: impl TokenStore, refresher: impl Refresher) -> AuthInterceptorBuilder {
        AuthInterceptorBuilder::new(Arc::new(store), Arc::new(refresher))
    }

    pub(super) fn from_parts(
        session: Session,
        audience: Audience,
        rejects_token: RejectsToken,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                session: Arc::new(session),
                audience,
                rejects_token,
            }),
        }
    }

    /// A receiver of the [`AuthState`]: it changes to `Unauthenticated` when a refresh is
    /// rejected (the tokens are then cleared) or on [`sign_out`](Self::sign_out), and to
    /// `Authenticated` on sign-in and refresh. `Unknown` until the store is read (by the
    /// first request or by [`load`](Self::load)).
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, AuthState, MemoryTokenStore, RefreshError, refresh_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let auth = AuthInterceptor::builder(
    ///     MemoryTokenStore::new(),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
    /// )
    /// .build()?;
    /// let mut states = auth.auth_state();
    /// tokio::spawn(async move {
    ///     while states.changed().await.is_ok() {
    ///         if *states.borrow_and_update() == AuthState::Unauthenticated {
    ///             // show the sign-in screen
    ///         }
    ///     }
    /// });
    /// # Ok(())
    /// # }
    /// ```
    pub fn auth_state(&self) -> watch::Receiver<AuthState> {
        self.inner.session.subscribe()
    }

    /// The [`AuthState`] now.
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, AuthState, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(
    ///     MemoryTokenStore::new(),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
    /// )
    /// .build()?;
    /// assert_eq!(auth.state(), AuthState::Unknown);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn state(&self) -> AuthState {
        self.inner.session.auth_state()
    }

    /// Reads the store, if no request has yet, and returns the state: what an app calls at
    /// start-up to choose its first screen. A store that cannot be read counts as signed out
    /// (and is logged).
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, AuthState, MemoryTokenStore, RefreshError, Token, refresh_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let auth = AuthInterceptor::builder(
    ///     MemoryTokenStore::with_token(Token::new("a")),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
    /// )
    /// .build()?;
    /// assert_eq!(auth.load().await, AuthState::Authenticated);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn load(&self) -> AuthState {
        self.inner.session.ensure_loaded().await;
        self.state()
    }

    /// Makes `token` the current token (after the user signed in), saving it to the store.
    ///
    /// The token is in use even when saving fails; the store's error is returned so the app
    /// knows it will not survive a restart. A token that cannot be a header value is an
    /// [`InvalidRequest`](crate::ErrorKind::InvalidRequest) error and is not used.
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, AuthState, MemoryTokenStore, RefreshError, Token, refresh_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let auth = AuthInterceptor::builder(
    ///     MemoryTokenStore::new(),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
    /// )
    /// .build()?;
    /// auth.sign_in(Token::new("a").with_refresh_token("r")).await?;
    /// assert_eq!(auth.state(), AuthState::Authenticated);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign_in(&self, token: Token) -> Result<()> {
        self.inner.session.sign_in(token).await
    }

    /// Drops the token, from the store too, and reports `Unauthenticated`. Requests waiting
    /// for a refresh then fail with [`Unauthorized`](crate::ErrorKind::Unauthorized).
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, AuthState, MemoryTokenStore, RefreshError, Token, refresh_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let store = MemoryTokenStore::with_token(Token::new("a"));
    /// let auth = AuthInterceptor::builder(
    ///     store.clone(),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
    /// )
    /// .build()?;
    /// auth.sign_out().await?;
    /// assert_eq!(auth.state(), AuthState::Unauthenticated);
    /// assert!(store.token().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign_out(&self) -> Result<()> {
        self.inner.session.sign_out().await
    }

    /// The token held now (`None` when signed out, or before the store is read).
    ///
    /// ```
    /// use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(
    ///     MemoryTokenStore::new(),
    ///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
    /// )
    /// .build()?;
    /// assert!(auth.token().is_none());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn token(&self) -> Option<Token> {
        self.inner.session.token()
    }

    /// Whether `request` is one this interceptor adds its token to.
    fn serves(&self, request: &Request, base_url: Option<&Url>) -> bool {
        let inner = &*self.inner;
        request.extensions().get::<SkipAuth>().is_none()
            // A header set on the request itself wins.
            && !request.headers().contains_key(&inner.session.header().name)
            && inner.audience.allows(request.url(), base_url)
            && !inner.session.is_refresh_task()
    }

    /// Whether `result` says the token was rejected: the predicate accepts its response,
    /// and the response came from the audience (a `401` from where a redirect led says
    /// nothing about this token).
    fn is_rejection(&self, result: &Result<Response>, base_url: Option<&Url>) -> bool {
        let response = match result {
            Ok(response) => response,
            Err(error) => match error.response() {
                Some(response) => response,
                None => return false,
            },
        };
        (self.inner.rejects_token)(response)
            && response
                .url_if_known()
                .is_none_or(|url| self.inner.audience.allows(url, base_url))
    }
}

impl Interceptor for AuthInterceptor {
    async fn intercept(&self, mut request: Request, next: Next<'_>) -> Result<Response> {
        let client = next.client();
        let base_url = client.config().base_url.as_ref();
        if !self.serves(&request, base_url) {
            return next.run(request).await;
        }
        let session = &self.inner.session;
        session.ensure_loaded().await;
        let cancel = request.options().cancel_token().cloned();
        let Some(sent) = session
            .credential_for_request(client, cancel.as_ref(), request.url())
            .await?
        else {
            // Signed out: the request goes as it is; the API decides what it may see.
            return next.run(request).await;
        };
        let again = request.try_clone();
        sent.authorize(session.header(), &mut request);
        let result = next.run(request).await;
        if !self.is_rejection(&result, base_url) {
            return result;
        }
        let Some(mut again) = again else {
            // A streamed body cannot be sent again: this request fails with its 401, and the
            // refresh it calls for serves the next ones.
            session.refresh_in_background(&sent, client);
            return result;
        };
        let current = session
            .credential_after_rejection(&sent, client, cancel.as_ref(), again.url())
            .await?;
        current.authorize(session.header(), &mut again);
        // Sent once more, at most: a second rejection is returned as it is.
        next.run(again).await
    }
}

impl fmt::Debug for AuthInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("AuthInterceptor")
            .field("state", &inner.session.auth_state())
            .field("header", &inner.session.header().name)
            .field("audience", &inner.audience)
            .finish_non_exhaustive()
    }
}
