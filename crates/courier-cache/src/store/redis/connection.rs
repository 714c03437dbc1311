//! One connection type over a single server and a cluster, and `SCAN` over either.

use ::redis::aio::{ConnectionLike, ConnectionManager};
use ::redis::cluster_async::ClusterConnection;
use ::redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use ::redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};

/// How many keys one `SCAN` call is asked to look at.
const SCAN_COUNT: usize = 500;

/// A connection to a single server (re-established after a failure by the
/// `ConnectionManager`) or to a cluster (whose connection follows the topology and reconnects
/// to nodes itself). Cheap to clone: clones share the underlying connections.
#[derive(Clone)]
pub(super) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(connection) => connection.req_packed_command(cmd),
            Connection::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
            Connection::Cluster(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(connection) => connection.get_db(),
            Connection::Cluster(connection) => connection.get_db(),
        }
    }
}

/// A walk over every key matching a pattern, a page at a time: the server's keys, or each
/// cluster master's in turn (each master holds its own slots' keys; replicas hold copies).
///
/// Like `SCAN`, it may return a key twice, and keys added or removed during the walk may or
/// may not be returned; keys present throughout are returned.
pub(super) struct Scan {
    connection: Connection,
    pattern: Vec<u8>,
    /// The nodes still to walk, last first; `None` is the single server.
    nodes: Vec<Option<(String, u16)>>,
    /// The node being walked and its cursor.
    current: Option<(Option<(String, u16)>, u64)>,
}

impl Scan {
    /// A walk over the keys matching `pattern` on every node `connection` reaches.
    pub(super) async fn start(mut connection: Connection, pattern: &[u8]) -> RedisResult<Scan> {
        let mut nodes = match &connection {
            Connection::Single(_) => vec![None],
            Connection::Cluster(_) => masters(&mut connection)
                .await?
                .into_iter()
                .map(Some)
                .collect(),
        };
        nodes.reverse();
        Ok(Scan {
            connection,
            pattern: pattern.to_vec(),
            nodes,
            current: None,
        })
    }

    /// The next page of keys (possibly empty), or `None` once every node has been walked.
    pub(super) async fn next_page(&mut self) -> RedisResult<Option<Vec<Vec<u8>>>> {
        let (node, cursor) = match self.current.take() {
            Some(current) => current,
            None => match self.nodes.pop() {
                Some(node) => (node, 0),
                None => return Ok(None),
            },
        };
        let mut scan = ::redis::cmd("SCAN");
        scan.arg(cursor)
            .arg("MATCH")
            .arg(&self.pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT);
        let reply = match (&mut self.connection, &node) {
            (Connection::Cluster(cluster), Some((host, port))) => {
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                    host: host.clone(),
                    port: *port,
                });
                cluster.route_command(scan, routing).await?
            }
            (connection, _) => scan.query_async(connection).await?,
        };
        let (next, keys): (u64, Vec<Vec<u8>>) = ::redis::from_redis_value(reply)?;
        if next != 0 {
            self.current = Some((node, next));
        }
        Ok(Some(keys))
    }
}

/// The addresses of a cluster's masters, from `CLUSTER SLOTS`.
async fn masters(connection: &mut Connection) -> RedisResult<Vec<(String, u16)>> {
    let slots: Value = ::redis::cmd("CLUSTER")
        .arg("SLOTS")
        .query_async(connection)
        .await?;
    let mut masters: Vec<(String, u16)> = Vec::new();
    let Value::Array(ranges) = slots else {
        return Err(unexpected_reply());
    };
    for range in ranges {
        // [start slot, end slot, [master host, master port, id, ...], replicas...]
        let Value::Array(range) = range else {
            return Err(unexpected_reply());
        };
        let Some(Value::Array(master)) = range.into_iter().nth(2) else {
            return Err(unexpected_reply());
        };
        let mut fields = master.into_iter();
        let (Some(host), Some(port)) = (fields.next(), fields.next()) else {
            return Err(unexpected_reply());
        };
        let address = (
            ::redis::from_redis_value::<String>(host)?,
            ::redis::from_redis_value::<u16>(port)?,
        );
        if !masters.contains(&address) {
            masters.push(address);
        }
    }
    Ok(masters)
}

fn unexpected_reply() -> ::redis::RedisError {
    (
        ::redis::ErrorKind::UnexpectedReturnType,
        "unexpected CLUSTER SLOTS reply",
    )
        .into()
}
