//! [`Refresher`]: the user's code that turns the current token into a new one.

use std::fmt;
use std::future::Future;

use super::refresh_client::RefreshClient;
use super::refresh_error::RefreshError;
use super::store::BoxFuture;
use super::token::Token;

/// Gets a new token for the current one: usually an OAuth 2.0 refresh-token grant against
/// the token endpoint. Write it with [`refresh_fn`], or implement the trait.
///
/// The interceptor calls it at most once at a time, on a task of its own (so a cancelled
/// request does not cancel it), and every request that needs the new token waits for that
/// one call. It receives the current token (with the refresh token, which it may use once
/// if the server rotates them) and a [`RefreshClient`] for the call.
///
/// Return [`RefreshError::revoked`] (or let a `400`/`401` convert with `?`) when the server
/// says the session is over, and a transient error otherwise; see [`RefreshError`].
///
/// ```
/// use courier::interceptors::auth::{RefreshClient, RefreshError, Refresher, Token};
///
/// /// Refreshes against a fixed token endpoint, with the app's client id.
/// struct OAuth {
///     client_id: String,
/// }
///
/// impl Refresher for OAuth {
///     async fn refresh(&self, current: Token, client: RefreshClient) -> Result<Token, RefreshError> {
///         let refresh_token = current.refresh_token().ok_or_else(|| RefreshError::revoked("no refresh token"))?;
///         let response = client
///             .post("https://auth.example/oauth/token")
///             .form(&[
///                 ("grant_type", "refresh_token"),
///                 ("refresh_token", refresh_token),
///                 ("client_id", self.client_id.as_str()),
///             ])
///             .send()
///             .await?;
///         Ok(Token::from_token_response(response.json().await?)?)
///     }
/// }
/// ```
pub trait Refresher: Send + Sync + 'static {
    /// Exchanges `current` for a new token.
    fn refresh(
        &self,
        current: Token,
        client: RefreshClient,
    ) -> impl Future<Output = Result<Token, RefreshError>> + Send;
}

/// A [`Refresher`] from an async closure.
///
/// ```
/// use courier::interceptors::auth::{RefreshError, Token, refresh_fn};
///
/// let refresher = refresh_fn(|current: Token, client| async move {
///     let response = client
///         .post("oauth/token")
///         .form(&[("grant_type", "refresh_token"), ("refresh_token", current.refresh_token().unwrap_or_default())])
///         .send()
///         .await?;
///     Ok::<_, RefreshError>(Token::from_token_response(response.json().await?)?)
/// });
/// ```
pub fn refresh_fn<F, Fut>(refresh: F) -> RefreshFn<F>
where
    F: Fn(Token, RefreshClient) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token, RefreshError>> + Send,
{
    RefreshFn(refresh)
}

/// The [`Refresher`] made by [`refresh_fn`].
#[derive(Clone)]
pub struct RefreshFn<F>(F);

impl<F, Fut> Refresher for RefreshFn<F>
where
    F: Fn(Token, RefreshClient) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token, RefreshError>> + Send,
{
    fn refresh(
        &self,
        current: Token,
        client: RefreshClient,
    ) -> impl Future<Output = Result<Token, RefreshError>> + Send {
        (self.0)(current, client)
    }
}

impl<F> fmt::Debug for RefreshFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshFn")
    }
}

/// The object-safe form of [`Refresher`], so the interceptor can hold any of them.
pub(super) trait DynRefresher: Send + Sync + 'static {
    fn refresh_boxed(
        &self,
        current: Token,
        client: RefreshClient,
    ) -> BoxFuture<'_, Result<Token, RefreshError>>;
}

impl<R: Refresher> DynRefresher for R {
    fn refresh_boxed(
        &self,
        current: Token,
        client: RefreshClient,
    ) -> BoxFuture<'_, Result<Token, RefreshError>> {
        Box::pin(self.refresh(current, client))
    }
}
