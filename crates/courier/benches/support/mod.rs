//! What the overhead benches share: a loopback HTTP/1.1 server answering 1 KiB, and the four
//! clients they compare (bare reqwest, courier, courier with five no-op interceptors, and the
//! peer: reqwest-middleware with five no-op middlewares), all on the same reqwest settings.
#![allow(dead_code)] // each bench uses a subset

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use courier::{Interceptor, Next, Request, Response};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// The size of every response body.
pub(crate) const BODY_LEN: usize = 1024;

/// A hyper HTTP/1.1 server on `127.0.0.1:0`, on its own thread and runtime so it never
/// competes with the client's runtime for polls; stopped when dropped.
pub(crate) struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub(crate) fn start() -> Server {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("server runtime");
                runtime.block_on(serve(ready_tx, stopped));
            })
            .expect("spawn the server thread");
        let addr = ready_rx.recv().expect("the server reports its address");
        Server {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The URL every variant fetches.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/1k", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(ready: std::sync::mpsc::Sender<SocketAddr>, stopped: oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    ready
        .send(listener.local_addr().expect("local address"))
        .expect("the bench waits for the address");
    let body = Bytes::from(vec![b'x'; BODY_LEN]);
    let accept = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_request| {
                    let body = body.clone();
                    async move { Ok::<_, Infallible>(hyper::Response::new(Full::new(body))) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    tokio::select! {
        _ = stopped => {}
        () = accept => {}
    }
}

/// The reqwest settings courier's builder uses by default (see
/// `ReqwestTransport::from_settings`), without a system proxy.
pub(crate) fn bare_reqwest() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .redirect(courier::ReqwestTransport::redirect_policy())
        .gzip(true)
        .brotli(true)
        .zstd(true)
        .deflate(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(usize::MAX)
        .tcp_nodelay(true)
        .tls_backend_preconfigured(tls)
        .user_agent(concat!("courier/", env!("CARGO_PKG_VERSION")))
        .no_proxy()
        .build()
        .expect("reqwest client builds")
}

/// A courier client on its default settings (no timeouts, no proxy) with `interceptors`
/// no-op interceptors.
pub(crate) fn courier(interceptors: usize) -> courier::Client {
    let mut builder = courier::Client::builder().no_proxy();
    for _ in 0..interceptors {
        builder = builder.interceptor(Noop);
    }
    builder.build().expect("courier client builds")
}

/// A courier client with no interceptors and one default header `name`.
fn courier_with_header(name: &'static str) -> courier::Client {
    courier::Client::builder()
        .no_proxy()
        .default_header(name, "k3y")
        .build()
        .expect("courier client builds")
}

/// Passes the request on and returns what the rest of the chain returns.
struct Noop;

impl Interceptor for Noop {
    async fn intercept(&self, request: Request, next: Next<'_>) -> courier::Result<Response> {
        next.run(request).await
    }
}

/// reqwest-middleware's counterpart of [`Noop`]: passes the request on.
struct NoopMiddleware;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for NoopMiddleware {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        next.run(request, extensions).await
    }
}

/// Bare reqwest (same settings) behind reqwest-middleware with five no-op middlewares.
pub(crate) fn reqwest_middleware_client() -> reqwest_middleware::ClientWithMiddleware {
    let mut builder = reqwest_middleware::ClientBuilder::new(bare_reqwest());
    for _ in 0..5 {
        builder = builder.with(NoopMiddleware);
    }
    builder.build()
}

/// One of the compared clients.
#[derive(Clone)]
pub(crate) enum Variant {
    BareReqwest(reqwest::Client),
    Courier(courier::Client),
    ReqwestMiddleware(reqwest_middleware::ClientWithMiddleware),
}

impl Variant {
    /// The bench names of the variants, in the order they are registered.
    pub(crate) const NAMES: [&'static str; 4] = [
        "bare_reqwest",
        "courier_no_interceptors",
        "courier_5_noop_interceptors",
        "reqwest_middleware_5_noop",
    ];

    /// The variant called `name` (one of [`Variant::NAMES`]).
    pub(crate) fn new(name: &str) -> Variant {
        match name {
            "bare_reqwest" => Variant::BareReqwest(bare_reqwest()),
            "courier_no_interceptors" => Variant::Courier(courier(0)),
            "courier_5_noop_interceptors" => Variant::Courier(courier(5)),
            "reqwest_middleware_5_noop" => Variant::ReqwestMiddleware(reqwest_middleware_client()),
            // Not in `NAMES` (instruction counts only): what a credential-looking header
            // costs, whose requests take the transport's redirect-following path.
            "courier_plain_default_header" => Variant::Courier(courier_with_header("x-client")),
            "courier_api_key_default_header" => Variant::Courier(courier_with_header("x-api-key")),
            other => panic!("unknown variant `{other}`"),
        }
    }

    /// GETs `url` and reads the whole body.
    pub(crate) async fn fetch(&self, url: &str) -> Bytes {
        match self {
            Variant::BareReqwest(client) => client
                .get(url)
                .send()
                .await
                .expect("reqwest sends")
                .bytes()
                .await
                .expect("reqwest reads the body"),
            Variant::Courier(client) => client
                .get(url)
                .send()
                .await
                .expect("courier sends")
                .bytes()
                .await
                .expect("courier reads the body"),
            Variant::ReqwestMiddleware(client) => client
                .get(url)
                .send()
                .await
                .expect("reqwest-middleware sends")
                .bytes()
                .await
                .expect("reqwest-middleware reads the body"),
        }
    }
}
