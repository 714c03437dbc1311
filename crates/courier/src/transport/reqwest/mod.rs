//! The default transport: reqwest over hyper, with rustls (ring) and the platform's roots.

mod errors;
mod pinning;
mod redirects;
mod tls;

pub(crate) use tls::TlsSettings;

use std::time::Duration;

use futures_util::TryStreamExt;
use url::Url;

use super::Transport;
use crate::body::Body;
use crate::error::{Error, ErrorKind, Result};
use crate::request::{RedirectPolicy, Request};
use crate::response::{Response, ResponseBody};

/// Sends requests with reqwest: connection pooling, HTTP/2 (by ALPN), proxies from the
/// environment, gzip/brotli/zstd/deflate decompression, and rustls.
///
/// The client builds one from its settings; build one yourself only to tune reqwest beyond
/// what [`ClientBuilder`](crate::ClientBuilder) offers. Start from
/// [`ReqwestTransport::client_builder`], which brings courier's TLS set-up and redirect
/// policy (a plain `reqwest::Client` built with courier's reqwest features has no TLS crypto
/// provider, and its redirect chain would not be recorded).
///
/// ```
/// let reqwest = courier::ReqwestTransport::client_builder()?
///     .http2_adaptive_window(true)
///     .build()?;
/// let client = courier::Client::builder()
///     .transport(courier::ReqwestTransport::new(reqwest))
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

/// The reqwest-level settings a [`ClientBuilder`](crate::ClientBuilder) controls.
#[derive(Debug, Clone)]
pub(crate) struct ReqwestSettings {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) user_agent: Option<http::HeaderValue>,
    pub(crate) gzip: bool,
    pub(crate) brotli: bool,
    pub(crate) zstd: bool,
    pub(crate) deflate: bool,
    pub(crate) http1_only: bool,
    pub(crate) http2_prior_knowledge: bool,
    pub(crate) pool_idle_timeout: Option<Duration>,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) tcp_nodelay: bool,
    pub(crate) use_system_proxy: bool,
    pub(crate) tls: TlsSettings,
}

impl Default for ReqwestSettings {
    fn default() -> Self {
        Self {
            connect_timeout: None,
            user_agent: Some(http::HeaderValue::from_static(concat!(
                "courier/",
                env!("CARGO_PKG_VERSION")
            ))),
            gzip: true,
            brotli: true,
            zstd: true,
            deflate: true,
            http1_only: false,
            http2_prior_knowledge: false,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            pool_max_idle_per_host: usize::MAX,
            tcp_nodelay: true,
            use_system_proxy: true,
            tls: TlsSettings::default(),
        }
    }
}

impl ReqwestTransport {
    /// Wraps an existing reqwest client (best built from
    /// [`client_builder`](Self::client_builder)).
    ///
    /// ```
    /// let reqwest = courier::ReqwestTransport::client_builder()?.build()?;
    /// let transport = courier::ReqwestTransport::new(reqwest);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// The redirect policy that makes reqwest follow redirects as each request's
    /// [`RedirectPolicy`](crate::RedirectPolicy) says and records the chain on the response.
    /// Use it when building your own `reqwest::Client` for [`ReqwestTransport::new`].
    ///
    /// ```
    /// let policy = courier::ReqwestTransport::redirect_policy();
    /// ```
    pub fn redirect_policy() -> reqwest::redirect::Policy {
        redirects::policy()
    }

    /// A `reqwest::ClientBuilder` set up as courier sets up its own: rustls with the ring
    /// provider and the platform's roots (HTTP/2 offered by ALPN) and courier's redirect
    /// policy. Fails only if the platform's trust store cannot be loaded.
    ///
    /// The TLS config comes preconfigured with ALPN `h2` then `http/1.1`, and reqwest does not
    /// change ALPN on a preconfigured config: calling `http1_only()` on this builder still
    /// lets a server that offers `h2` agree on it, and HTTP/2 is then spoken. For HTTP/1.1
    /// only, use [`ClientBuilder::http1_only`](crate::ClientBuilder::http1_only).
    ///
    /// Put credentials in courier's headers
    /// ([`ClientBuilder::default_header`](crate::ClientBuilder::default_header)), not in
    /// this builder's `default_headers`: reqwest adds its own default headers to every request
    /// it sends, including each redirect hop that courier follows itself (for requests with
    /// [sensitive headers](crate::RequestOptions::sensitive_headers)), so courier could not
    /// keep them from another origin.
    ///
    /// ```
    /// let reqwest = courier::ReqwestTransport::client_builder()?
    ///     .pool_max_idle_per_host(4)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client_builder() -> Result<reqwest::ClientBuilder> {
        let settings = ReqwestSettings::default();
        Ok(reqwest::Client::builder()
            .redirect(redirects::policy())
            .tls_backend_preconfigured(settings.tls.client_config(&settings)?))
    }

    pub(crate) fn from_settings(settings: &ReqwestSettings) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .redirect(redirects::policy())
            .gzip(settings.gzip)
            .brotli(settings.brotli)
            .zstd(settings.zstd)
            .deflate(settings.deflate)
            .pool_idle_timeout(settings.pool_idle_timeout)
            .pool_max_idle_per_host(settings.pool_max_idle_per_host)
            .tcp_nodelay(settings.tcp_nodelay)
            .tls_backend_preconfigured(settings.tls.client_config(settings)?);
        if let Some(timeout) = settings.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(user_agent) = &settings.user_agent {
            builder = builder.user_agent(user_agent.clone());
        }
        if settings.http1_only {
            builder = builder.http1_only();
        }
        if settings.http2_prior_knowledge {
            builder = builder.http2_prior_knowledge();
        }
        if !settings.use_system_proxy {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|error| Error::with_source(ErrorKind::InvalidRequest, error))?;
        Ok(Self { client })
    }
}

impl Transport for ReqwestTransport {
    async fn send(&self, request: Request) -> Result<Response> {
        if request.body().is_replayable_stream() || guards_credentials(&request) {
            // Rare, and boxed so that the common path's future stays small.
            return Box::pin(self.send_following_redirects(request)).await;
        }
        // Started in a plain function, so the parts moved into reqwest are not kept in this
        // future's state across the await (the future is moved into a box on every request).
        let (method, url, headers, body, _extensions, options) = request.into_parts();
        let policy = options.redirect();
        let pending = self.start(method, url, headers, body);
        let (result, redirect_chain) =
            redirects::record::<redirects::Follow, _>(policy, pending).await;
        into_response(result, redirect_chain)
    }
}

/// Whether `request` carries a [sensitive header](crate::RequestOptions::sensitive_headers)
/// and may be redirected: reqwest would keep that header at an origin change.
fn guards_credentials(request: &Request) -> bool {
    let sensitive = request.options().sensitive_headers();
    !sensitive.is_empty()
        && request.options().redirect() != RedirectPolicy::None
        && carries_any(request.headers(), sensitive)
}

fn carries_any(headers: &http::HeaderMap, names: &[http::HeaderName]) -> bool {
    names.iter().any(|name| headers.contains_key(name))
}

impl ReqwestTransport {
    /// Hands the parts to reqwest and returns its future.
    fn start(
        &self,
        method: http::Method,
        url: Url,
        headers: http::HeaderMap,
        body: Body,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        let mut outgoing = reqwest::Request::new(method, url);
        *outgoing.headers_mut() = headers;
        *outgoing.body_mut() = into_reqwest_body(body, outgoing.headers_mut());
        self.client.execute(outgoing)
    }

    /// Sends a request whose redirects reqwest cannot follow alone: one whose body is a
    /// replayable stream (a file, a form, a body watched for progress; reqwest re-sends only
    /// in-memory bodies on a 307/308), or one carrying sensitive headers (reqwest would keep
    /// them at an origin change, so it stops at every redirect). Those redirects are followed
    /// here.
    async fn send_following_redirects(&self, request: Request) -> Result<Response> {
        let (mut method, mut url, mut headers, mut body, _extensions, options) =
            request.into_parts();
        let policy = options.redirect();
        let sensitive = options.sensitive_headers();
        let mut chain: Vec<Url> = Vec::new();
        loop {
            let replay = body.try_clone();
            let remaining = match policy {
                RedirectPolicy::Limited(max) => {
                    RedirectPolicy::Limited(max.saturating_sub(chain.len()))
                }
                RedirectPolicy::None => RedirectPolicy::None,
            };
            let pending = self.start(method.clone(), url.clone(), headers.clone(), body);
            let (result, redirect_chain) = if carries_any(&headers, sensitive) {
                redirects::record::<redirects::Stop, _>(remaining, pending).await
            } else {
                redirects::record::<redirects::Follow, _>(remaining, pending).await
            };
            let mut response = into_response(result, redirect_chain)?;
            chain.extend_from_slice(response.redirects());
            let hop = match policy {
                RedirectPolicy::Limited(max) => {
                    redirects::next_hop(&response, &method, max, &chain)?
                }
                RedirectPolicy::None => None,
            };
            let next_body = match (&hop, replay) {
                (Some(hop), Some(replay)) if hop.keeps_body => Some(replay),
                (Some(hop), _) if !hop.keeps_body => Some(Body::empty()),
                // No hop, or a 307/308 whose body cannot be sent again: as reqwest does,
                // the redirect is the answer.
                _ => None,
            };
            let (Some(hop), Some(next_body)) = (hop, next_body) else {
                response.set_redirects(chain);
                return Ok(response);
            };
            chain.push(response.url().clone());
            if !hop.keeps_body {
                redirects::strip_body_headers(&mut headers);
            }
            redirects::strip_credentials(&mut headers, sensitive, &url, &hop.url);
            url = hop.url;
            method = hop.method;
            body = next_body;
        }
    }
}

/// courier's response for reqwest's, with the redirect chain.
fn into_response(
    result: reqwest::Result<reqwest::Response>,
    redirect_chain: Vec<Url>,
) -> Result<Response> {
    let mut incoming = result.map_err(errors::map)?;
    let status = incoming.status();
    let version = incoming.version();
    let headers = std::mem::take(incoming.headers_mut());
    let extensions = std::mem::take(incoming.extensions_mut());

    // The final URL stays in reqwest's response, now the body, and is copied out only if the
    // body leaves the response before it is read whole (`Response::url` reads it there).
    let mut response = Response::new(status, ResponseBody::from_reqwest(incoming));
    response.set_version(version);
    *response.headers_mut() = headers;
    *response.extensions_mut() = extensions;
    if !redirect_chain.is_empty() {
        response.set_redirects(redirect_chain);
    }
    Ok(response)
}

/// The whole body of a reqwest response (the body of a [`ResponseBody`] made with
/// `from_reqwest`), read chunk by chunk from reqwest's body (cheaper than reqwest's own
/// `bytes()`, which gathers the chunks in a queue first). An error carries the response's
/// URL only `with_url`, as when read as a [`stream`].
pub(crate) async fn collect(
    mut response: reqwest::Response,
    with_url: bool,
) -> Result<bytes::Bytes> {
    let fail = |error: reqwest::Error, response: &reqwest::Response| {
        let error = errors::map(error);
        if with_url {
            error.or_url(response.url())
        } else {
            error
        }
    };
    let first = match response.chunk().await {
        Ok(Some(first)) => first,
        Ok(None) => return Ok(bytes::Bytes::new()),
        Err(error) => return Err(fail(error, &response)),
    };
    // One chunk is the common case for small bodies: no copy then.
    let second = match response.chunk().await {
        Ok(Some(second)) => second,
        Ok(None) => return Ok(first),
        Err(error) => return Err(fail(error, &response)),
    };
    let mut collected = bytes::BytesMut::with_capacity(first.len() + second.len());
    collected.extend_from_slice(&first);
    collected.extend_from_slice(&second);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => collected.extend_from_slice(&chunk),
            Ok(None) => return Ok(collected.freeze()),
            Err(error) => return Err(fail(error, &response)),
        }
    }
}

/// The body of a reqwest response as a stream of chunks.
pub(crate) fn stream(response: reqwest::Response) -> crate::response::ResponseStream {
    Box::pin(response.bytes_stream().map_err(errors::map))
}

fn into_reqwest_body(body: Body, headers: &mut http::HeaderMap) -> Option<reqwest::Body> {
    if let Some(bytes) = body.as_bytes() {
        return if bytes.is_empty() {
            None
        } else {
            Some(reqwest::Body::from(bytes.clone()))
        };
    }
    if body.is_empty() && body.content_length() == Some(0) {
        return None;
    }
    // A stream of known length is sent with Content-Length rather than chunked: hyper uses
    // the header when present.
    if let Some(length) = body.content_length() {
        headers
            .entry(http::header::CONTENT_LENGTH)
            .or_insert_with(|| http::HeaderValue::from(length));
    }
    Some(reqwest::Body::wrap_stream(body.into_stream()))
}
