//! What the cache benches share: a loopback origin, the compared clients (courier with a
//! `MemoryStore` cache, reqwest-middleware + http-cache-reqwest with `MokaManager`, courier
//! without a cache, and the hash-map floor), and the body check.
//!
//! The origin answers `GET /body/<len>` with `<len>` bytes and `Cache-Control: max-age=3600`
//! (every hit after the first request is fresh), and `GET /stale/<len>` with `<len>` bytes,
//! `Cache-Control: max-age=0` and an `ETag`, or a bodiless `304 Not Modified` when the
//! request's `If-None-Match` names that ETag (so every request to it revalidates). It counts
//! the requests it answers, so a bench can prove its hits never reached it.
#![allow(dead_code)] // each bench uses a subset

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use courier_cache::{CacheInterceptor, CacheOptions, CacheStatus, MemoryStore};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// The compared body sizes, with their names in bench ids.
pub(crate) const SIZES: [(&str, usize); 3] = [
    ("1kib", 1024),
    ("100kib", 100 * 1024),
    ("1mib", 1024 * 1024),
];

/// The ETag of every `/stale/<len>` response.
const ETAG: &str = "\"v1\"";

/// The body of `len` bytes the origin serves: byte `i` is `i % 251`, so a body served at
/// the wrong length or offset fails [`check_body`].
pub(crate) fn body_of(len: usize) -> Bytes {
    (0..len).map(|index| (index % 251) as u8).collect()
}

/// Checks a body in O(1): its length, and its first and last bytes against [`body_of`]'s
/// pattern. (Comparing every byte would cost more than the floor being measured.)
pub(crate) fn check_body(body: &[u8], len: usize) {
    assert_eq!(body.len(), len, "body length");
    assert_eq!(body[0], 0, "first byte");
    assert_eq!(body[len - 1], ((len - 1) % 251) as u8, "last byte");
}

/// A hyper HTTP/1.1 origin on `127.0.0.1:0`, on its own thread and runtime so it never
/// competes with the client's runtime for polls; stopped when dropped.
pub(crate) struct Origin {
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Origin {
    pub(crate) fn start() -> Origin {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let requests = Arc::new(AtomicU64::new(0));
        let counter = requests.clone();
        let thread = std::thread::Builder::new()
            .name("bench-origin".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("origin runtime");
                runtime.block_on(serve(ready_tx, stopped, counter));
            })
            .expect("spawn the origin thread");
        let addr = ready_rx.recv().expect("the origin reports its address");
        Origin {
            addr,
            requests,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The URL of a fresh-for-an-hour body of `len` bytes.
    pub(crate) fn fresh_url(&self, len: usize) -> String {
        format!("http://{}/body/{len}", self.addr)
    }

    /// The URL of an always-stale body of `len` bytes that revalidates with a 304.
    pub(crate) fn stale_url(&self, len: usize) -> String {
        format!("http://{}/stale/{len}", self.addr)
    }

    /// How many requests the origin has answered.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    ready: std::sync::mpsc::Sender<SocketAddr>,
    stopped: oneshot::Receiver<()>,
    requests: Arc<AtomicU64>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    ready
        .send(listener.local_addr().expect("local address"))
        .expect("the bench waits for the address");
    let bodies: Arc<HashMap<usize, Bytes>> =
        Arc::new(SIZES.iter().map(|&(_, len)| (len, body_of(len))).collect());
    let accept = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let bodies = bodies.clone();
            let requests = requests.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    requests.fetch_add(1, Ordering::Relaxed);
                    let response = respond(&bodies, &request);
                    async move { Ok::<_, Infallible>(response) }
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

fn respond<B>(
    bodies: &HashMap<usize, Bytes>,
    request: &hyper::Request<B>,
) -> hyper::Response<Full<Bytes>> {
    let mut segments = request.uri().path().trim_start_matches('/').split('/');
    let (kind, body) = match (
        segments.next(),
        segments.next().and_then(|len| len.parse().ok()),
    ) {
        (Some(kind), Some(len)) if bodies.contains_key(&len) => (kind, bodies[&len].clone()),
        _ => return status_only(hyper::StatusCode::NOT_FOUND),
    };
    match kind {
        "body" => hyper::Response::builder()
            .header("cache-control", "max-age=3600")
            .body(Full::new(body))
            .expect("a valid response"),
        "stale"
            if request
                .headers()
                .get("if-none-match")
                .is_some_and(|value| value.as_bytes() == ETAG.as_bytes()) =>
        {
            let mut response = status_only(hyper::StatusCode::NOT_MODIFIED);
            response
                .headers_mut()
                .insert("cache-control", "max-age=0".parse().expect("valid"));
            response
                .headers_mut()
                .insert("etag", ETAG.parse().expect("valid"));
            response
        }
        "stale" => hyper::Response::builder()
            .header("cache-control", "max-age=0")
            .header("etag", ETAG)
            .body(Full::new(body))
            .expect("a valid response"),
        _ => status_only(hyper::StatusCode::NOT_FOUND),
    }
}

fn status_only(status: hyper::StatusCode) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// A courier client with a `CacheInterceptor` over a `MemoryStore` large enough for every
/// body (64 MiB in total, 4 MiB per entry; the defaults, 7 MiB and 500 KiB, would not store
/// the 1 MiB body).
pub(crate) fn courier_cached() -> courier::Client {
    let store = MemoryStore::builder()
        .max_bytes(64 * 1024 * 1024)
        .max_entry_bytes(4 * 1024 * 1024)
        .build();
    courier::Client::builder()
        .no_proxy()
        .interceptor(CacheInterceptor::new(CacheOptions::new(store)))
        .build()
        .expect("courier client builds")
}

/// A courier client without a cache: the plain request.
pub(crate) fn courier_plain() -> courier::Client {
    courier::Client::builder()
        .no_proxy()
        .build()
        .expect("courier client builds")
}

/// reqwest-middleware + http-cache-reqwest with its moka manager, on a reqwest client set up
/// as courier's (`ReqwestTransport::client_builder`, no proxy).
pub(crate) fn http_cache_reqwest() -> reqwest_middleware::ClientWithMiddleware {
    use http_cache_reqwest::{
        Cache, CacheMode, HttpCache, HttpCacheOptions, MokaCache, MokaManager,
    };
    let reqwest = courier::ReqwestTransport::client_builder()
        .expect("reqwest builder")
        .no_proxy()
        .build()
        .expect("reqwest client builds");
    reqwest_middleware::ClientBuilder::new(reqwest)
        .with(Cache(HttpCache {
            mode: CacheMode::Default,
            manager: MokaManager::new(MokaCache::new(1000)),
            options: HttpCacheOptions::default(),
        }))
        .build()
}

/// The floor: a concurrent hash map from URL to body; a lookup returns a cloned `Bytes`.
#[derive(Default)]
pub(crate) struct Floor {
    map: RwLock<HashMap<String, Bytes>>,
}

impl Floor {
    pub(crate) fn insert(&self, url: &str, body: Bytes) {
        self.map
            .write()
            .expect("not poisoned")
            .insert(url.to_owned(), body);
    }

    pub(crate) fn get(&self, url: &str) -> Bytes {
        self.map
            .read()
            .expect("not poisoned")
            .get(url)
            .cloned()
            .expect("the floor holds every url")
    }
}

/// One of the compared ways to get a body.
pub(crate) enum Variant {
    /// courier with `CacheInterceptor` + `MemoryStore`.
    Courier(courier::Client),
    /// reqwest-middleware + http-cache-reqwest (`MokaManager`).
    HttpCacheReqwest(reqwest_middleware::ClientWithMiddleware),
    /// courier without a cache: every request reaches the origin.
    Plain(courier::Client),
    /// A hash-map lookup.
    Floor(Floor),
}

impl Variant {
    /// The variants' bench names, in the order they are registered.
    pub(crate) const NAMES: [&'static str; 4] = [
        "courier",
        "http_cache_reqwest",
        "origin_no_cache",
        "hashmap_floor",
    ];

    /// The variant called `name` (one of [`Variant::NAMES`]).
    pub(crate) fn new(name: &str) -> Variant {
        match name {
            "courier" => Variant::Courier(courier_cached()),
            "http_cache_reqwest" => Variant::HttpCacheReqwest(http_cache_reqwest()),
            "origin_no_cache" => Variant::Plain(courier_plain()),
            "hashmap_floor" => Variant::Floor(Floor::default()),
            other => panic!("unknown variant `{other}`"),
        }
    }

    /// GETs `url` and reads the whole body.
    pub(crate) async fn fetch(&self, url: &str) -> Bytes {
        match self {
            Variant::Courier(client) | Variant::Plain(client) => client
                .get(url)
                .send()
                .await
                .expect("courier sends")
                .bytes()
                .await
                .expect("courier reads the body"),
            Variant::HttpCacheReqwest(client) => client
                .get(url)
                .send()
                .await
                .expect("http-cache-reqwest sends")
                .bytes()
                .await
                .expect("http-cache-reqwest reads the body"),
            Variant::Floor(floor) => floor.get(url),
        }
    }

    /// Makes `url` (of a `len`-byte body) a hit: fetches it twice and checks the second
    /// came from the cache (for the plain client, that it came from the origin; the floor
    /// takes the body straight from [`body_of`]).
    pub(crate) async fn prime(&self, url: &str, len: usize) {
        match self {
            Variant::Courier(client) => {
                check_body(&self.fetch(url).await, len);
                let response = client.get(url).send().await.expect("courier sends");
                assert_eq!(
                    response.extensions().get::<CacheStatus>(),
                    Some(&CacheStatus::Hit),
                    "courier serves {url} from its cache"
                );
                check_body(&response.bytes().await.expect("body"), len);
            }
            Variant::HttpCacheReqwest(client) => {
                check_body(&self.fetch(url).await, len);
                let response = client.get(url).send().await.expect("sends");
                let cache = response
                    .headers()
                    .get("x-cache")
                    .map(|value| value.to_str().unwrap_or_default().to_owned());
                assert_eq!(
                    cache.as_deref(),
                    Some("HIT"),
                    "http-cache-reqwest serves {url} from its cache"
                );
                check_body(&response.bytes().await.expect("body"), len);
            }
            Variant::Plain(_) => check_body(&self.fetch(url).await, len),
            Variant::Floor(floor) => floor.insert(url, body_of(len)),
        }
    }

    /// Whether every fetch of a primed URL is answered without the origin.
    pub(crate) fn is_cache(&self) -> bool {
        !matches!(self, Variant::Plain(_))
    }
}
