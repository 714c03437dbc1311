//! [`RefreshClient`]: the client, for the refresher's own calls, with the auth interceptor
//! stepping aside.

use std::fmt;

use http::Method;

use super::skip::SkipAuth;
use crate::client::Client;
use crate::error::Result;
use crate::request::{Request, RequestBuilder};
use crate::response::Response;

/// The client the refresh started from, for calling the token endpoint: its base URL,
/// default headers, timeouts and interceptors all apply, except the
/// [`AuthInterceptor`](super::AuthInterceptor), which every request made here skips (they
/// carry [`SkipAuth`]).
///
/// Skipping matters: a refresh call that went through the interceptor would wait for the
/// refresh in flight, which is itself. (The interceptor also steps aside for any request
/// sent from inside the refresh task, on any client, so a refresher that uses a client of
/// its own cannot deadlock either.)
///
/// ```
/// use courier::interceptors::auth::{RefreshClient, RefreshError, Token};
///
/// /// An OAuth 2.0 refresh (RFC 6749 §6) on the API's own client.
/// async fn refresh(current: Token, client: RefreshClient) -> Result<Token, RefreshError> {
///     let Some(refresh_token) = current.refresh_token() else {
///         return Err(RefreshError::revoked("no refresh token"));
///     };
///     let response = client
///         .post("oauth/token")
///         .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)])
///         .send()
///         .await?;
///     Ok(Token::from_token_response(response.json().await?)?)
/// }
/// ```
#[derive(Clone)]
pub struct RefreshClient {
    client: Client,
}

impl RefreshClient {
    pub(super) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Starts a request with `method`; `url` is joined to the client's base URL.
    ///
    /// ```
    /// # use courier::interceptors::auth::RefreshClient;
    /// fn start(client: &RefreshClient) -> courier::RequestBuilder {
    ///     client.request(http::Method::PUT, "session")
    /// }
    /// ```
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        self.client.request(method, url).extension(SkipAuth)
    }

    /// Starts a POST request (the usual token endpoint call).
    ///
    /// ```
    /// # use courier::interceptors::auth::RefreshClient;
    /// fn start(client: &RefreshClient) -> courier::RequestBuilder {
    ///     client.post("oauth/token")
    /// }
    /// ```
    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// Starts a GET request.
    ///
    /// ```
    /// # use courier::interceptors::auth::RefreshClient;
    /// fn start(client: &RefreshClient) -> courier::RequestBuilder {
    ///     client.get("session/renew")
    /// }
    /// ```
    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// Sends a request built elsewhere, marked [`SkipAuth`].
    ///
    /// ```
    /// # use courier::interceptors::auth::RefreshClient;
    /// async fn send(client: &RefreshClient, url: url::Url) -> courier::Result<courier::Response> {
    ///     client.execute(courier::Request::new(http::Method::POST, url)).await
    /// }
    /// ```
    pub async fn execute(&self, mut request: Request) -> Result<Response> {
        request.extensions_mut().insert(SkipAuth);
        self.client.execute(request).await
    }
}

impl fmt::Debug for RefreshClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshClient")
            .field("client", &self.client)
            .finish()
    }
}
