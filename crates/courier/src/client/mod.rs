//! The client: configured once, cheap to clone, shared by every part of an application.

mod base_url;
mod builder;
mod config;
mod dispatch;
mod watchdog;

pub(crate) use watchdog::humanize;

pub use builder::ClientBuilder;
pub(crate) use config::Config;
pub(crate) use dispatch::{Dispatch, dispatch};

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use http::Method;

use crate::download::DownloadBuilder;
use crate::error::Result;
use crate::interceptor::{DynInterceptor, Next};
use crate::request::{Request, RequestBuilder, append_query};
use crate::response::Response;

/// An HTTP client: a base URL and defaults, a chain of interceptors, and a transport.
///
/// `Client` is a cheap `Clone` over an `Arc`: build one at start-up and clone it wherever it
/// is needed. Connections are pooled across clones.
///
/// ```no_run
/// use std::time::Duration;
/// use courier::{Client, LogInterceptor};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// let client = Client::builder()
///     .base_url("https://api.example/v1/")
///     .connect_timeout(Duration::from_secs(5))
///     .receive_timeout(Duration::from_secs(15))
///     .default_header("accept", "application/json")
///     .interceptor(LogInterceptor::new())
///     .build()?;
///
/// let user: serde_json::Value = client.get("users/7").send().await?.json().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    interceptors: Box<[Arc<dyn DynInterceptor>]>,
    dispatch: Dispatch,
}

impl Client {
    /// A client with the default settings and the reqwest transport.
    ///
    /// # Panics
    ///
    /// Only if the platform's TLS trust store cannot be loaded; use
    /// [`Client::builder`] to handle that as an error.
    ///
    /// ```
    /// let client = courier::Client::new();
    /// ```
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("the default client configuration is valid")
    }

    /// Starts configuring a client.
    ///
    /// ```
    /// let client = courier::Client::builder().build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_parts(
        config: Config,
        interceptors: Vec<Arc<dyn DynInterceptor>>,
        dispatch: Dispatch,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                interceptors: interceptors.into_boxed_slice(),
                dispatch,
            }),
        }
    }

    pub(crate) fn interceptor_count(&self) -> usize {
        self.inner.interceptors.len()
    }

    /// The chain from the interceptor at `position` on.
    pub(crate) fn next_at(&self, position: usize) -> Next<'_> {
        let inner = &*self.inner;
        let rest = inner.interceptors.get(position..).unwrap_or_default();
        Next::new(rest, &inner.dispatch, self)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Adds the default headers the request does not set itself: a request's own header
    /// replaces a default of the same name rather than joining it.
    pub(crate) fn apply_default_headers(&self, request: &mut Request) {
        let defaults = &self.inner.config.default_headers;
        if defaults.is_empty() {
            return;
        }
        let headers = request.headers_mut();
        for name in defaults.keys() {
            if !headers.contains_key(name) {
                for value in defaults.get_all(name) {
                    headers.append(name.clone(), value.clone());
                }
            }
        }
    }

    /// Starts a request with `method`. `url` is joined to the base URL (see
    /// [`ClientBuilder::base_url`]); an absolute URL is used as it is.
    ///
    /// ```
    /// let client = courier::Client::builder().base_url("https://api.example/v1").build()?;
    /// let request = client.request(http::Method::GET, "users").build()?;
    /// assert_eq!(request.url().as_str(), "https://api.example/v1/users");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        let request = self.new_request(method, url.as_ref());
        RequestBuilder::new(self.clone(), request)
    }

    fn new_request(&self, method: Method, url: &str) -> Result<Request> {
        let config = &self.inner.config;
        let mut url = base_url::join(config.base_url.as_ref(), url)?;
        append_query(&mut url, &config.default_query);
        let mut request = Request::new(method, url);
        *request.options_mut() = config.default_options.clone();
        Ok(request)
    }

    /// Starts a GET request.
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::GET);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// Starts a POST request.
    ///
    /// ```
    /// let request = courier::Client::new().post("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::POST);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// Starts a PUT request.
    ///
    /// ```
    /// let request = courier::Client::new().put("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::PUT);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn put(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// Starts a PATCH request.
    ///
    /// ```
    /// let request = courier::Client::new().patch("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::PATCH);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn patch(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// Starts a DELETE request.
    ///
    /// ```
    /// let request = courier::Client::new().delete("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::DELETE);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn delete(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// Starts a HEAD request.
    ///
    /// ```
    /// let request = courier::Client::new().head("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::HEAD);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn head(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::HEAD, url)
    }

    /// Starts an OPTIONS request.
    ///
    /// ```
    /// let request = courier::Client::new().options("https://a.example/").build()?;
    /// assert_eq!(request.method(), http::Method::OPTIONS);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn options(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::OPTIONS, url)
    }

    /// Downloads `url` to `path`: streamed to a temporary file beside it, renamed into place
    /// on success, removed on error or cancel, resumed with `Range` when possible.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let client = courier::Client::new();
    /// let report = client
    ///     .download("https://example.com/big.iso", "big.iso")
    ///     .on_progress(|p| println!("{:?}", p.fraction()))
    ///     .send()
    ///     .await?;
    /// println!("{} bytes", report.bytes_written);
    /// # Ok(())
    /// # }
    /// ```
    pub fn download(&self, url: impl AsRef<str>, path: impl AsRef<Path>) -> DownloadBuilder {
        DownloadBuilder::new(self.clone(), self.get(url), path.as_ref().to_path_buf())
    }

    /// Sends a request built elsewhere (for example by an interceptor or with
    /// [`RequestBuilder::build`]) through the interceptors and the transport.
    ///
    /// Cancellation and the total timeout apply to the whole call, interceptors included.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let client = courier::Client::new();
    /// let request = client.get("https://example.com/").build()?;
    /// let response = client.execute(request).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute(&self, mut request: Request) -> Result<Response> {
        let inner = &*self.inner;
        // Kept to record on responses that interceptors made up (Dio's `resolve`). Without
        // interceptors every response comes from the dispatch, which records the URL itself.
        let url = (!inner.interceptors.is_empty()).then(|| request.url().clone());
        let guard = watchdog::CallGuard::start(&mut request);
        let chain = Next::new(&inner.interceptors, &inner.dispatch, self).run(request);
        let mut response = match guard {
            None => chain.await,
            // Boxed: the guard's timers would otherwise enlarge every call's future (and the
            // caller's, which holds it), guarded or not.
            Some(guard) => Box::pin(guard.watch(chain)).await,
        }?;
        if let Some(url) = &url {
            response.or_url(url);
        }
        Ok(response)
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_url",
                &self.inner.config.base_url.as_ref().map(url::Url::as_str),
            )
            .field("interceptors", &self.inner.interceptors.len())
            .finish_non_exhaustive()
    }
}
