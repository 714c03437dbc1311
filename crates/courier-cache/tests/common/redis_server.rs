//! Real Redis servers for the Redis store's tests and bench: a `redis-server` on a free
//! `127.0.0.1` port in a temporary directory, or a three-master Redis Cluster, each killed
//! when dropped.
//!
//! `REDIS_URL` names a server to use instead of starting one (tests then keep to their own
//! key prefixes). When no server can be had, a test fails under `CI=true` (CI installs
//! `redis-server`) and otherwise prints a notice and skips: callers get `None`.
#![allow(dead_code, reason = "each test file uses a subset of the fixtures")]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

/// How long a server may take to start answering, or a cluster to agree it is up.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Reports that no Redis server could be had: a failure under `CI=true`, a notice otherwise.
fn unavailable<T>(what: &str, why: &str, remedy: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{what} could not be started under CI=true: {why}. {remedy}");
    }
    eprintln!("note: skipping: {what} could not be started ({why}). {remedy}");
    None
}

const INSTALL: &str = "Install it: apt-get install redis-server redis-tools";

/// A key prefix no other test (or run against a shared `REDIS_URL` server) uses.
pub(crate) fn unique_prefix(name: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test:{name}:{}:{nanos}:{n}:", std::process::id())
}

/// One Redis server: started here (and killed on drop), or the one `REDIS_URL` names.
pub(crate) struct RedisServer {
    url: String,
    own: Option<OwnServer>,
}

struct OwnServer {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// The `REDIS_URL` server, or a new one; `None` (after a notice) when neither can be had
    /// outside CI.
    pub(crate) fn start() -> Option<RedisServer> {
        match std::env::var("REDIS_URL") {
            Ok(url) if !url.is_empty() => Some(RedisServer { url, own: None }),
            _ => RedisServer::start_own(),
        }
    }

    /// A new server started here, even when `REDIS_URL` is set (for tests that stop it or
    /// read its counters).
    pub(crate) fn start_own() -> Option<RedisServer> {
        let mut last_error = String::new();
        // A free port may be taken between finding and binding it: try a few.
        for _ in 0..5 {
            let port = match free_port() {
                Ok(port) => port,
                Err(err) => {
                    last_error = format!("no free port: {err}");
                    continue;
                }
            };
            let dir = match tempfile::tempdir() {
                Ok(dir) => dir,
                Err(err) => {
                    last_error = format!("no temporary directory: {err}");
                    continue;
                }
            };
            match spawn(port, dir.path(), &[]) {
                Ok(child) => {
                    return Some(RedisServer {
                        url: format!("redis://127.0.0.1:{port}/0"),
                        own: Some(OwnServer {
                            port,
                            dir,
                            child: Some(child),
                        }),
                    });
                }
                Err(err) => last_error = err,
            }
        }
        unavailable(
            "redis-server",
            &last_error,
            &format!("{INSTALL}, or set REDIS_URL"),
        )
    }

    /// `redis://127.0.0.1:PORT/0`, or `REDIS_URL`.
    pub(crate) fn url(&self) -> String {
        self.url.clone()
    }

    /// Kills the server (SIGKILL, no shutdown) and waits for it to exit. Only for a server
    /// started here.
    pub(crate) fn kill(&mut self) {
        let own = self
            .own
            .as_mut()
            .expect("only a server started here can be killed");
        if let Some(mut child) = own.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the server: frozen, it keeps its connections
    /// open and answers nothing, like a hung host. Only for a server started here.
    pub(crate) fn freeze(&mut self, frozen: bool) {
        let own = self
            .own
            .as_mut()
            .expect("only a server started here can be frozen");
        let pid = own.child.as_ref().expect("a running server").id();
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} {pid} failed");
    }

    /// Starts the server again on the same port (empty: it saves nothing), once killed.
    pub(crate) fn restart(&mut self) {
        let own = self
            .own
            .as_mut()
            .expect("only a server started here can be restarted");
        assert!(own.child.is_none(), "kill the server before restarting it");
        let child = spawn(own.port, own.dir.path(), &[])
            .unwrap_or_else(|err| panic!("redis-server did not restart: {err}"));
        own.child = Some(child);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(own) = &mut self.own
            && let Some(mut child) = own.child.take()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A three-master Redis Cluster on loopback ports, killed on drop.
pub(crate) struct RedisCluster {
    ports: Vec<u16>,
    children: Vec<Child>,
    dir: TempDir,
}

impl RedisCluster {
    /// A new cluster of three masters (no replicas), once every node reports
    /// `cluster_state:ok`; `None` (after a notice) when it cannot be had outside CI.
    pub(crate) fn start() -> Option<RedisCluster> {
        match RedisCluster::try_start() {
            Ok(cluster) => Some(cluster),
            Err(err) => unavailable("a Redis Cluster (redis-server, redis-cli)", &err, INSTALL),
        }
    }

    fn try_start() -> Result<RedisCluster, String> {
        let dir = tempfile::tempdir().map_err(|err| format!("no temporary directory: {err}"))?;
        let mut cluster = RedisCluster {
            ports: Vec::new(),
            children: Vec::new(),
            dir,
        };
        for _ in 0..3 {
            // Each node also listens on its port + 10000 (the cluster bus).
            let port = free_cluster_port(&cluster.ports)?;
            let config = format!("nodes-{port}.conf");
            let child = spawn(
                port,
                cluster.dir.path(),
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &config,
                    "--cluster-node-timeout",
                    "5000",
                ],
            )?;
            cluster.ports.push(port);
            cluster.children.push(child);
        }
        let nodes: Vec<String> = cluster
            .ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("redis-cli did not run: {err}"))?;
        if !created.status.success() {
            return Err(format!(
                "redis-cli --cluster create failed: {}{}",
                String::from_utf8_lossy(&created.stdout),
                String::from_utf8_lossy(&created.stderr)
            ));
        }
        let deadline = Instant::now() + START_TIMEOUT;
        for &port in &cluster.ports {
            loop {
                let info = command(port, &["CLUSTER", "INFO"]).unwrap_or_default();
                if info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3") {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "node {port} never reported cluster_state:ok: {info}"
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(cluster)
    }

    /// `redis://127.0.0.1:PORT` of every node.
    pub(crate) fn urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|port| format!("redis://127.0.0.1:{port}"))
            .collect()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A free port whose cluster bus port (+10000) is free too, not in `taken`.
fn free_cluster_port(taken: &[u16]) -> Result<u16, String> {
    for _ in 0..200 {
        let port = free_port().map_err(|err| format!("no free port: {err}"))?;
        let Some(bus) = port.checked_add(10_000) else {
            continue;
        };
        if !taken.contains(&port) && TcpListener::bind(("127.0.0.1", bus)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free pair of ports for a cluster node".to_owned())
}

/// Starts `redis-server` on `port` with its files in `dir` (persisting nothing) and waits
/// until it answers `PING`.
fn spawn(port: u16, dir: &Path, extra: &[&str]) -> Result<Child, String> {
    let port_arg = port.to_string();
    let log = dir.join(format!("redis-{port}.log"));
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port_arg,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(&log)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("redis-server did not run: {err}"))?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if command(port, &["PING"]).is_ok_and(|reply| reply == "PONG") {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("redis-server exited ({status}): {log}"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("redis-server on port {port} never answered PING"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends one command to the server on `port` and returns its simple or bulk string reply.
fn command(port: u16, args: &[&str]) -> io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(request.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end();
    match line.as_bytes().first() {
        Some(b'+') => Ok(line[1..].to_owned()),
        Some(b'$') => {
            let len: usize = line[1..]
                .parse()
                .map_err(|_| io::Error::other("bad bulk length"))?;
            let mut body = vec![0; len + 2];
            reader.read_exact(&mut body)?;
            body.truncate(len);
            Ok(String::from_utf8_lossy(&body).into_owned())
        }
        _ => Err(io::Error::other(format!("unexpected reply {line:?}"))),
    }
}
