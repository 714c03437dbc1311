use std::fmt;
use std::time::Duration;

use ::redis::aio::ConnectionManagerConfig;
use ::redis::cluster::ClusterClient;

use super::connection::Connection;
use super::error::store_error;
use super::store::RedisStore;
use crate::store::{StoreError, StoreErrorKind};

/// Default key prefix.
const DEFAULT_KEY_PREFIX: &str = "courier:";
/// Default entry size cap: 10 MiB.
const DEFAULT_MAX_ENTRY_BYTES: u64 = 10 * 1024 * 1024;
/// Default time to open a connection.
const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_millis(500);
/// Default time to wait for an answer.
const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

/// Builds a [`RedisStore`]; from [`RedisStore::builder`] (one server) or
/// [`RedisStore::cluster_builder`] (a Redis Cluster).
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// use courier_cache::store::RedisStore;
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store = RedisStore::builder("redis://127.0.0.1:6379/0")
///     .key_prefix("my-app:http:") // every key of the store starts so
///     .max_entry_bytes(4 * 1024 * 1024) // 4 MiB per entry
///     .connection_timeout(Duration::from_millis(200))
///     .response_timeout(Duration::from_millis(300))
///     .build()
///     .await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct RedisStoreBuilder {
    nodes: Nodes,
    key_prefix: String,
    max_entry_bytes: u64,
    connection_timeout: Duration,
    response_timeout: Duration,
}

#[derive(Debug, Clone)]
enum Nodes {
    Single(String),
    Cluster(Vec<String>),
}

impl RedisStoreBuilder {
    pub(super) fn single(url: String) -> Self {
        RedisStoreBuilder::new(Nodes::Single(url))
    }

    pub(super) fn cluster(urls: Vec<String>) -> Self {
        RedisStoreBuilder::new(Nodes::Cluster(urls))
    }

    fn new(nodes: Nodes) -> Self {
        RedisStoreBuilder {
            nodes,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
            connection_timeout: DEFAULT_CONNECTION_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
        }
    }

    /// The prefix of every key the store writes, so several stores (or applications) can
    /// share a server. Default: `courier:`.
    ///
    /// The store owns every key under its prefix: [`clean`](crate::store::CacheStore::clean)
    /// walks them all and deletes what it cannot read. So the prefix must not be empty, and
    /// no store's prefix may start with another's (`a:` and `a:b:` would overlap).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let tenant_a = RedisStore::builder("redis://cache.internal/0").key_prefix("a:").build().await?;
    /// let tenant_b = RedisStore::builder("redis://cache.internal/0").key_prefix("b:").build().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The size of an entry (its body plus its encoded metadata), in bytes, above which it is
    /// not stored. Default: 10 MiB.
    ///
    /// The store sets no total size: give the server a `maxmemory` and a `maxmemory-policy`
    /// such as `volatile-lru` or `allkeys-lru`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::builder("redis://127.0.0.1/0")
    ///     .max_entry_bytes(512 * 1024) // 512 KiB
    ///     .build()
    ///     .await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_entry_bytes(mut self, bytes: u64) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// How long opening a connection may take before the call that needed it fails.
    /// Default: 500 ms.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::builder("redis://127.0.0.1/0")
    ///     .connection_timeout(Duration::from_millis(100))
    ///     .build()
    ///     .await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long the server may take to answer one command before the call fails (on a
    /// cluster, including redirections and retries). Default: 500 ms.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::builder("redis://127.0.0.1/0")
    ///     .response_timeout(Duration::from_secs(2)) // large bodies over a slow link
    ///     .build()
    ///     .await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Connects and returns the store.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] of kind [`Io`](StoreErrorKind::Io) when the server (or no cluster
    /// node) can be reached, of kind [`Backend`](StoreErrorKind::Backend) for an invalid URL,
    /// an empty key prefix, or a server that refuses the connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/0").build().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn build(self) -> Result<RedisStore, StoreError> {
        if self.key_prefix.is_empty() {
            return Err(StoreError::new(
                StoreErrorKind::Backend,
                "the Redis key prefix must not be empty",
            ));
        }
        let connection = match &self.nodes {
            Nodes::Single(url) => {
                let client = ::redis::Client::open(url.as_str())
                    .map_err(|err| store_error("invalid Redis URL", err))?;
                // No retries inside a call: while the server is down each call fails after
                // one connection attempt (a miss) and the next call tries again.
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.connection_timeout))
                    .set_response_timeout(Some(self.response_timeout))
                    .set_number_of_retries(0);
                let manager = client
                    .get_connection_manager_with_config(config)
                    .await
                    .map_err(|err| store_error("connecting to Redis", err))?;
                Connection::Single(manager)
            }
            Nodes::Cluster(urls) => {
                let client = ClusterClient::builder(urls.iter().map(String::as_str))
                    .connection_timeout(self.connection_timeout)
                    .response_timeout(self.response_timeout)
                    .build()
                    .map_err(|err| store_error("invalid Redis Cluster URLs", err))?;
                let cluster = client
                    .get_async_connection()
                    .await
                    .map_err(|err| store_error("connecting to the Redis Cluster", err))?;
                Connection::Cluster(cluster)
            }
        };
        let nodes = self.description();
        Ok(RedisStore::from_parts(
            connection,
            self.key_prefix,
            self.max_entry_bytes,
            nodes,
        ))
    }

    /// The nodes, for `Debug` (without any password the URLs carry).
    fn description(&self) -> String {
        fn redact(url: &str) -> String {
            match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                _ => url.to_owned(),
            }
        }
        match &self.nodes {
            Nodes::Single(url) => redact(url),
            Nodes::Cluster(urls) => {
                let urls: Vec<String> = urls.iter().map(|url| redact(url)).collect();
                format!("cluster [{}]", urls.join(", "))
            }
        }
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("nodes", &self.description())
            .field("key_prefix", &self.key_prefix)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_passwords() {
        let builder = RedisStoreBuilder::single("redis://user:secret@127.0.0.1:6379/0".into());
        let shown = format!("{builder:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("127.0.0.1:6379"), "{shown}");
    }

    #[tokio::test]
    async fn an_empty_prefix_or_a_bad_url_is_refused() {
        let err = RedisStoreBuilder::single("redis://127.0.0.1:1/0".into())
            .key_prefix("")
            .build()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Backend);
        let err = RedisStoreBuilder::single("http://not-redis/".into())
            .build()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Backend);
    }
}
