//! Wall-clock cost of the auth interceptor's single-flight refresh, against the floor a
//! perfectly informed client would pay, measured in the same run and interleaved.
//!
//! A hyper HTTP/1.1 server on `127.0.0.1:0` (its own thread and runtime) plays an API: `GET
//! /data` answers 64 bytes for `Bearer <current token>` and `401` otherwise; `POST /token`
//! trades the current refresh token for a new pair (rotating, each valid once). Before each
//! timed iteration the server expires the access token the client holds.
//!
//! - `auth/refresh/401_xN`: N concurrent requests with the expired token (its expiry unknown
//!   to the client): each is rejected, one refresh runs, each is sent again. Every iteration
//!   checks that all N succeed and that the server saw exactly one refresh.
//! - `auth/refresh/expired_xN`: the same, but the client knows the token has expired (its
//!   `expires_at` has passed): one refresh first, every request waits for it, and is sent
//!   once.
//! - `auth/refresh/floor_xN`: one refresh round trip (the same work on the server, without
//!   rotating) followed by the N requests with a valid token: what the storm costs if the
//!   client had known, for free, which token to send.
//!
//! Each `401_xN` and `expired_xN` iteration also runs the floor right before it (not timed
//! for criterion) and records both; at the end the bench prints the median of
//! `scenario / floor` over those pairs. The target is `401_x1000 / floor <= 1.5`. For
//! `401_xN` it also times, in the same iteration, the floor followed by the N requests once
//! more ("sent twice": the least any client pays when each request must be rejected once),
//! and prints `401 / sent twice`, the cost of the coordination itself.
//!
//! Why the 401 storm cannot reach the floor when requests dominate: the client cannot know
//! that the server expired its token, so each of the N requests crosses the wire twice (once
//! rejected, once accepted) where the floor sends it once. With N = 1 that is three round
//! trips against two, a ratio of 1.5 at best; with N = 1,000 on one loopback core the
//! server's per-request work dominates and the ratio tends to 2. The `expired_xN` variant,
//! where the expiry is known, shows the coordination itself: one refresh, N waiters woken,
//! N requests.
//!
//! Run: `cargo bench -p courier --bench auth_refresh` (`-- x1000` for the storm only).
#![allow(clippy::expect_used, clippy::unwrap_used)] // a bench fails loudly

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::future::join_all;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use courier::Client;
use courier::interceptors::auth::{
    AuthInterceptor, MemoryTokenStore, RefreshClient, RefreshError, Token, refresh_fn,
};

const DATA: &[u8] = &[b'x'; 64];

// ----- The API -----

/// What the API holds: the access and refresh tokens it accepts now.
#[derive(Default)]
struct Tokens {
    access: String,
    refresh: String,
    issued: u64,
}

struct ApiState {
    tokens: Mutex<Tokens>,
    refresh_calls: AtomicUsize,
}

impl ApiState {
    fn expire(&self) {
        self.tokens.lock().unwrap().access = "expired".into();
    }

    fn refresh_calls(&self) -> usize {
        self.refresh_calls.load(Ordering::SeqCst)
    }

    async fn handle(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        match request.uri().path() {
            "/data" => {
                let expected = format!("Bearer {}", self.tokens.lock().unwrap().access);
                let authorized = request
                    .headers()
                    .get("authorization")
                    .is_some_and(|value| value.as_bytes() == expected.as_bytes());
                if authorized {
                    hyper::Response::new(Full::new(Bytes::from_static(DATA)))
                } else {
                    status(401, Bytes::from_static(b"expired"))
                }
            }
            "/token" => {
                // A dry run does the same work without rotating (the floor's refresh).
                let dry = request.uri().query() == Some("dry=1");
                let body = request.into_body().collect().await.unwrap().to_bytes();
                let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap();
                let presented = form
                    .iter()
                    .find(|(name, _)| name == "refresh_token")
                    .map(|(_, value)| value.as_str())
                    .unwrap_or_default();
                let mut tokens = self.tokens.lock().unwrap();
                if presented != tokens.refresh {
                    return status(400, Bytes::from_static(br#"{"error":"invalid_grant"}"#));
                }
                let n = tokens.issued + 1;
                let json = format!(
                    r#"{{"access_token":"a{n}","token_type":"Bearer","refresh_token":"r{n}"}}"#
                );
                if !dry {
                    self.refresh_calls.fetch_add(1, Ordering::SeqCst);
                    tokens.issued = n;
                    tokens.access = format!("a{n}");
                    tokens.refresh = format!("r{n}");
                }
                hyper::Response::new(Full::new(Bytes::from(json)))
            }
            _ => status(404, Bytes::new()),
        }
    }
}

fn status(code: u16, body: Bytes) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(code).unwrap();
    response
}

/// The API on its own thread and runtime (one worker), stopped when dropped.
struct Server {
    addr: SocketAddr,
    state: Arc<ApiState>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let state = Arc::new(ApiState {
            tokens: Mutex::new(Tokens {
                access: "a0".into(),
                refresh: "r0".into(),
                issued: 0,
            }),
            refresh_calls: AtomicUsize::new(0),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let served = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready_tx.send(listener.local_addr().unwrap()).unwrap();
                let accept = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let _ = stream.set_nodelay(true);
                        let state = Arc::clone(&served);
                        tokio::spawn(async move {
                            let service = service_fn(move |request| {
                                let state = Arc::clone(&state);
                                async move { Ok::<_, Infallible>(state.handle(request).await) }
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
            });
        });
        Server {
            addr: ready_rx.recv().unwrap(),
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
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

// ----- The client -----

/// A bench clock: wall time plus an offset the bench moves forward to expire tokens.
#[derive(Clone, Default)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }

    /// Jumps past the expiry of every token issued so far.
    fn jump(&self) {
        self.0.fetch_add(7200, Ordering::SeqCst);
    }
}

/// The refresh an app would write: an OAuth refresh-token grant on the API's own client.
/// Tokens live an hour on `clock`.
async fn refresh(
    current: Token,
    client: RefreshClient,
    clock: Clock,
) -> Result<Token, RefreshError> {
    let refresh_token = current.refresh_token().unwrap_or_default().to_owned();
    let response = client
        .post("token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
        ])
        .send()
        .await?;
    let token = Token::from_token_response(response.json().await?)?;
    Ok(token.with_expires_at(Some(clock.now() + Duration::from_secs(3600))))
}

/// A client whose auth interceptor holds the API's first token, and the bare client the
/// floor refreshes with.
fn clients(server: &Server, clock: &Clock) -> (Client, Client) {
    let store = MemoryTokenStore::with_token(
        Token::new("a0")
            .with_refresh_token("r0")
            .with_expires_at(Some(clock.now() + Duration::from_secs(3600))),
    );
    let refresh_clock = clock.clone();
    let now_clock = clock.clone();
    let auth = AuthInterceptor::builder(
        store,
        refresh_fn(move |current, client| refresh(current, client, refresh_clock.clone())),
    )
    .clock(move || now_clock.now())
    .build()
    .unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .no_proxy()
        .interceptor(auth)
        .build()
        .unwrap();
    let plain = Client::builder()
        .base_url(server.base_url())
        .no_proxy()
        .build()
        .unwrap();
    (client, plain)
}

/// `n` concurrent GETs of `/data`, each checked.
async fn storm(client: &Client, n: usize) {
    let bodies = join_all((0..n).map(|_| async {
        client
            .get("data")
            .send()
            .await
            .expect("the request succeeds")
            .bytes()
            .await
            .expect("the body reads")
    }))
    .await;
    assert!(bodies.iter().all(|body| body.len() == DATA.len()));
}

/// The floor: one refresh round trip (dry, so the client's token stays valid) and the `n`
/// requests with a valid token.
async fn floor(client: &Client, plain: &Client, server: &Server, n: usize) -> Duration {
    let refresh_token = server.state.tokens.lock().unwrap().refresh.clone();
    let start = Instant::now();
    let token = plain
        .post("token?dry=1")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
        ])
        .send()
        .await
        .expect("the dry refresh succeeds")
        .bytes()
        .await
        .unwrap();
    assert!(!token.is_empty());
    storm(client, n).await;
    start.elapsed()
}

/// How the client learns its token is dead.
#[derive(Clone, Copy)]
enum Expiry {
    /// The server rejects it: a 401 for every request.
    Rejected,
    /// Its expiry has passed on the client's clock: refreshed before sending.
    Known,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn auth_refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut ratios = Vec::new();

    for n in [1usize, 1000] {
        let mut group = c.benchmark_group("auth/refresh");
        group
            .throughput(Throughput::Elements(n as u64))
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(if n == 1 { 3 } else { 8 }))
            .sample_size(if n == 1 { 50 } else { 20 });

        {
            let server = Server::start();
            let clock = Clock::default();
            let (client, plain) = clients(&server, &clock);
            group.bench_function(format!("floor_x{n}"), |b| {
                b.to_async(&runtime).iter_custom(|iters| {
                    let (client, plain, server) = (&client, &plain, &server);
                    async move {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            total += floor(client, plain, server, n).await;
                        }
                        total
                    }
                });
            });
        }

        for expiry in [Expiry::Rejected, Expiry::Known] {
            let name = match expiry {
                Expiry::Rejected => format!("401_x{n}"),
                Expiry::Known => format!("expired_x{n}"),
            };
            let server = Server::start();
            let clock = Clock::default();
            let (client, plain) = clients(&server, &clock);
            let pairs: Arc<Mutex<Vec<f64>>> = Arc::default();
            let twice_pairs: Arc<Mutex<Vec<f64>>> = Arc::default();
            group.bench_function(&name, |b| {
                b.to_async(&runtime).iter_custom(|iters| {
                    let (client, plain, server, clock) = (&client, &plain, &server, &clock);
                    let pairs = Arc::clone(&pairs);
                    let twice_pairs = Arc::clone(&twice_pairs);
                    async move {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let floor_time = floor(client, plain, server, n).await;
                            // Every request twice, as the 401 storm must send them.
                            let twice = match expiry {
                                Expiry::Rejected => {
                                    let start = Instant::now();
                                    storm(client, n).await;
                                    Some(floor_time + start.elapsed())
                                }
                                Expiry::Known => None,
                            };
                            let refreshes = server.state.refresh_calls();
                            match expiry {
                                Expiry::Rejected => server.state.expire(),
                                Expiry::Known => clock.jump(),
                            }
                            let start = Instant::now();
                            storm(client, n).await;
                            let elapsed = start.elapsed();
                            assert_eq!(server.state.refresh_calls(), refreshes + 1);
                            total += elapsed;
                            pairs
                                .lock()
                                .unwrap()
                                .push(elapsed.as_secs_f64() / floor_time.as_secs_f64());
                            if let Some(twice) = twice {
                                twice_pairs
                                    .lock()
                                    .unwrap()
                                    .push(elapsed.as_secs_f64() / twice.as_secs_f64());
                            }
                        }
                        total
                    }
                });
            });
            let mut pairs = std::mem::take(&mut *pairs.lock().unwrap());
            if !pairs.is_empty() {
                ratios.push((format!("{name} / floor"), median(&mut pairs), pairs.len()));
            }
            let mut twice_pairs = std::mem::take(&mut *twice_pairs.lock().unwrap());
            if !twice_pairs.is_empty() {
                let ratio = median(&mut twice_pairs);
                ratios.push((format!("{name} / sent twice"), ratio, twice_pairs.len()));
            }
        }
        group.finish();
    }

    println!("\nratios (median of interleaved pairs):");
    for (name, ratio, count) in ratios {
        println!("  auth/refresh/{name:<28} {ratio:>5.2}  ({count} pairs)");
    }
}

criterion_group!(benches, auth_refresh);
criterion_main!(benches);
