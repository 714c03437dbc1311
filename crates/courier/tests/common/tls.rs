//! A TLS server with a fresh self-signed certificate, serving an axum router over HTTP/1.1,
//! or over HTTP/2 and HTTP/1.1 as the client picks by ALPN.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// The application protocols a [`TlsServer`] offers by ALPN (and speaks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alpn {
    /// `http/1.1` only: a client offering `h2` as well falls back to HTTP/1.1.
    Http1,
    /// `h2`, then `http/1.1`: the server speaks whichever the client chooses.
    H2AndHttp1,
}

/// An HTTPS server on `127.0.0.1:0` whose certificate (for `localhost` and `127.0.0.1`) no
/// one trusts until its PEM is added as a root.
pub(crate) struct TlsServer {
    pub(crate) addr: SocketAddr,
    /// The server's self-signed certificate, PEM encoded.
    pub(crate) certificate_pem: String,
    accepted: Arc<AtomicUsize>,
    negotiated: Arc<Mutex<Vec<Option<String>>>>,
    task: JoinHandle<()>,
}

impl TlsServer {
    /// Serves `router` over TLS, offering only `http/1.1`.
    pub(crate) async fn start(router: axum::Router) -> TlsServer {
        TlsServer::start_with_alpn(router, Alpn::Http1).await
    }

    /// Serves `router` over TLS, offering and speaking the protocols of `alpn`.
    pub(crate) async fn start_with_alpn(router: axum::Router, alpn: Alpn) -> TlsServer {
        let certified = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .expect("generate a certificate");
        let certificate_pem = certified.cert.pem();
        let chain = vec![certified.cert.der().clone()];
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server certificate");
        config.alpn_protocols = match alpn {
            Alpn::Http1 => vec![b"http/1.1".to_vec()],
            Alpn::H2AndHttp1 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        };
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let mut builder = auto::Builder::new(TokioExecutor::new());
        if alpn == Alpn::Http1 {
            builder = builder.http1_only();
        }

        let tcp = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = tcp.local_addr().expect("local address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let negotiated = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(serve(
            tcp,
            acceptor,
            builder,
            router,
            accepted.clone(),
            negotiated.clone(),
        ));
        TlsServer {
            addr,
            certificate_pem,
            accepted,
            negotiated,
            task,
        }
    }

    /// `https://localhost:PORT` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{}", self.addr.port(), path)
    }

    /// How many TCP connections the server has accepted so far.
    pub(crate) fn accepted_connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The protocol agreed by ALPN in each completed handshake so far (`None`: no ALPN).
    pub(crate) fn negotiated_protocols(&self) -> Vec<Option<String>> {
        self.negotiated.lock().expect("not poisoned").clone()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        // The accept task owns the connections' tasks (a `JoinSet`): aborting it ends them.
        self.task.abort();
    }
}

async fn serve(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    builder: auto::Builder<TokioExecutor>,
    router: axum::Router,
    accepted: Arc<AtomicUsize>,
    negotiated: Arc<Mutex<Vec<Option<String>>>>,
) {
    let builder = Arc::new(builder);
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = tcp.accept().await else {
            continue;
        };
        accepted.fetch_add(1, Ordering::SeqCst);
        // Reap the finished connections' tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
        let (acceptor, builder, router, negotiated) = (
            acceptor.clone(),
            builder.clone(),
            router.clone(),
            negotiated.clone(),
        );
        connections.spawn(async move {
            // A client that rejects the certificate fails the handshake: nothing to serve.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let protocol = tls
                .get_ref()
                .1
                .alpn_protocol()
                .map(|protocol| String::from_utf8_lossy(protocol).into_owned());
            negotiated.lock().expect("not poisoned").push(protocol);
            let service = TowerToHyperService::new(router);
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        });
    }
}
