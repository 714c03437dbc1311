use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use ::redis::aio::ConnectionLike;
use ::redis::{RedisError, RedisResult};
use bytes::Bytes;
use futures_util::future::join_all;

use super::builder::RedisStoreBuilder;
use super::connection::{Connection, Scan};
use super::error::{is_wrong_type, store_error};
use super::expiry::Expiry;
use super::layout::{BODY_FIELD, Layout, META_FIELD};
use super::scripts::{DISCARD, FRESHEN};
use crate::entry::encoding::{self, BodyDigest};
use crate::entry::{CacheEntry, EntryMetadata};
use crate::store::{BoxFuture, CacheStore, CleanFilter, MatchFilter, StoreError, StoreErrorKind};

/// How often a freshening is tried again when another writer replaced the entry between
/// its read and its write.
const FRESHEN_ATTEMPTS: usize = 3;

/// A [`CacheStore`] on a Redis server or a Redis Cluster: one cache shared by every instance
/// of an application (feature `redis`).
///
/// # Layout and why
///
/// - **One hash per entry, two fields.** The entry under cache key `k` is the Redis hash
///   `<prefix>k` with the fields `meta` (a detached [entry frame](crate::entry::encoding):
///   the metadata plus the length and CRC-32 of the body it belongs to) and `body` (the body's
///   bytes, as they are). Freshening after a `304`
///   ([`update_metadata`](CacheStore::update_metadata)) rewrites `meta` alone and never sends
///   the body again; a read checks the body against the digest, so a body paired with the
///   wrong metadata is a miss, never a wrong hit. One key per entry also keeps every command
///   on one cluster slot: nothing spans two slots.
/// - **Whole-entry writes.** A [`set`](CacheStore::set) replaces metadata and body in one
///   `HSET`, so concurrent writers leave one whole entry, never a mix. Freshening, and
///   deleting an unreadable or expired entry found by a read, are Lua scripts that act only
///   if the `meta` field is still the one that was read, so a newer entry another instance
///   stored in between is never lost to them.
/// - **The server forgets expired entries.** An entry's deletion deadline becomes its key's
///   expiry (`PEXPIREAT`), so Redis drops it without any sweeping; an entry without a
///   deadline never expires. [`clean`](CacheStore::clean),
///   [`get_matching`](CacheStore::get_matching) and
///   [`delete_matching`](CacheStore::delete_matching) walk the prefix with `SCAN` (on every
///   master of a cluster), never `KEYS`, and delete a page at a time.
/// - **Unreadable values are misses.** A value under the prefix that is not an entry (another
///   type, a corrupt frame, another format version, a body failing its checksum) is read as
///   a miss and deleted.
/// - **Several stores may share a server** under different
///   [key prefixes](RedisStoreBuilder::key_prefix). A store owns every key under its prefix,
///   so no prefix may start with another.
///
/// The store sets no total size: give the server a `maxmemory` and a `maxmemory-policy`
/// (`volatile-lru`, `allkeys-lru`).
///
/// # Outages
///
/// Calls time out quickly ([`connection_timeout`](RedisStoreBuilder::connection_timeout),
/// [`response_timeout`](RedisStoreBuilder::response_timeout)) and fail with a
/// [`StoreError`] of kind [`Io`](StoreErrorKind::Io) while the server is unreachable; a
/// [`CacheInterceptor`](crate::CacheInterceptor) treats that as a miss, so requests go on to
/// the origin. The connection is re-established by a later call once the server is back:
/// keep the store, there is nothing to rebuild.
///
/// # Clocks
///
/// Entries are absent from their deadline on, by the `now` each call is given, as with every
/// store. The server also drops an entry's key at its deadline by its own clock (a deadline
/// already past by the wall clock keeps the key an hour, so callers on a clock behind real
/// time still find their entries); with a skewed clock an entry may thus vanish a little
/// early, which is a miss.
///
/// # Example
///
/// ```no_run
/// use std::time::{Duration, SystemTime};
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, RedisStore};
/// use courier_cache::{CacheInterceptor, CacheOptions};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store = RedisStore::connect("redis://127.0.0.1:6379/0").await?;
/// let now = SystemTime::now();
/// let mut meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// meta.expires_at = Some(now + Duration::from_secs(60)); // Redis drops it then
/// store.set(CacheEntry::new(meta, "shared by every instance")).await?;
/// assert_eq!(store.get("k", now).await?.ok_or("miss")?.body, "shared by every instance");
///
/// // The cache of a courier client, shared with the other instances.
/// let cache = CacheInterceptor::new(CacheOptions::new(store));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` once the store is closed.
    connection: RwLock<Option<Connection>>,
    layout: Layout,
    max_entry_bytes: u64,
    /// The nodes, passwords hidden, for `Debug`.
    nodes: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("nodes", &self.inner.nodes)
            .field("key_prefix", &self.inner.layout.prefix())
            .field("max_entry_bytes", &self.inner.max_entry_bytes)
            .finish_non_exhaustive()
    }
}

/// What reading an entry's `meta` field found.
enum MetaRead {
    /// No such key (or a hash without the field).
    Missing,
    /// The key holds another type: not an entry this store wrote.
    Foreign,
    /// The field's bytes (`Bytes`, so decoding shares them rather than copying values).
    Frame(Bytes),
}

/// A key found by a walk over the prefix, classified by its metadata.
enum Walked {
    /// An entry of this store: its key, its metadata and the frame it was read from.
    Entry {
        entry_key: Vec<u8>,
        metadata: Box<EntryMetadata>,
        frame: Bytes,
    },
    /// An unreadable value: deleted when still the same (the frame read, empty if none).
    Unreadable { entry_key: Vec<u8>, frame: Bytes },
    /// Gone, or readable but naming another key (not this store's).
    Skip,
}

impl RedisStore {
    /// A store on the server at `url` (`redis://[user:password@]host[:port][/db]`) with the
    /// default settings (see [`RedisStoreBuilder`]).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the URL is invalid or the server cannot be reached.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::connect("redis://127.0.0.1:6379/0").await?;
    /// assert_eq!(store.key_prefix(), "courier:");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn connect(url: impl Into<String>) -> Result<RedisStore, StoreError> {
        RedisStore::builder(url).build().await
    }

    /// A store on the Redis Cluster reached through `urls` (some of its nodes; the others are
    /// discovered) with the default settings.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when a URL is invalid or no node can be reached.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::connect_cluster(["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]).await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn connect_cluster(
        urls: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<RedisStore, StoreError> {
        RedisStore::cluster_builder(urls).build().await
    }

    /// A builder for a store on the server at `url`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/2").key_prefix("api-cache:").build().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder::single(url.into())
    }

    /// A builder for a store on the Redis Cluster reached through `urls`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::cluster_builder(["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"])
    ///     .key_prefix("api-cache:")
    ///     .build()
    ///     .await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cluster_builder(urls: impl IntoIterator<Item = impl Into<String>>) -> RedisStoreBuilder {
        RedisStoreBuilder::cluster(urls.into_iter().map(Into::into).collect())
    }

    /// The prefix of every key the store writes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use courier_cache::store::RedisStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let store = RedisStore::builder("redis://127.0.0.1/0").key_prefix("x:").build().await?;
    /// assert_eq!(store.key_prefix(), "x:");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_prefix(&self) -> &str {
        self.inner.layout.prefix()
    }

    pub(super) fn from_parts(
        connection: Connection,
        key_prefix: String,
        max_entry_bytes: u64,
        nodes: String,
    ) -> Self {
        RedisStore {
            inner: Arc::new(Inner {
                connection: RwLock::new(Some(connection)),
                layout: Layout::new(key_prefix),
                max_entry_bytes,
                nodes,
            }),
        }
    }

    /// A handle on the connection, or the `Closed` error.
    fn connection(&self) -> Result<Connection, StoreError> {
        self.inner
            .connection
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(StoreError::closed)
    }

    async fn read(&self, key: &str, now: SystemTime) -> Result<Option<CacheEntry>, StoreError> {
        let mut connection = self.connection()?;
        let entry_key = self.inner.layout.entry_key(key);
        let reply: RedisResult<(Option<Bytes>, Option<Bytes>)> = ::redis::cmd("HMGET")
            .arg(&entry_key)
            .arg(META_FIELD)
            .arg(BODY_FIELD)
            .query_async(&mut connection)
            .await;
        let (frame, body) = match reply {
            Ok(fields) => fields,
            Err(err) if is_wrong_type(&err) => {
                discard(&mut connection, &entry_key, &[]).await?;
                return Ok(None);
            }
            Err(err) => return Err(store_error("reading a cache entry from Redis", err)),
        };
        let (frame, body) = match (frame, body) {
            (None, None) => return Ok(None),
            (Some(frame), Some(body)) => (frame, body),
            (frame, _) => {
                discard(
                    &mut connection,
                    &entry_key,
                    frame.as_deref().unwrap_or_default(),
                )
                .await?;
                return Ok(None);
            }
        };
        let Ok((metadata, digest)) = encoding::decode_detached(frame.clone()) else {
            discard(&mut connection, &entry_key, &frame).await?;
            return Ok(None);
        };
        if metadata.key != key {
            // Not written under this key (another store's, under an overlapping prefix).
            return Ok(None);
        }
        let body_ok = digest.verify(&body).is_ok() && body.len() as u64 == metadata.body_len;
        if !body_ok || metadata.is_expired(now) {
            discard(&mut connection, &entry_key, &frame).await?;
            return Ok(None);
        }
        Ok(Some(CacheEntry::new(metadata, body)))
    }

    async fn write(&self, entry: CacheEntry) -> Result<(), StoreError> {
        let mut connection = self.connection()?;
        let CacheEntry {
            mut metadata, body, ..
        } = entry;
        metadata.body_len = body.len() as u64;
        let entry_key = self.inner.layout.entry_key(&metadata.key);
        let frame = encode(&metadata, BodyDigest::of(&body))?;
        let mut pipeline = ::redis::pipe();
        if (frame.len() + body.len()) as u64 > self.inner.max_entry_bytes {
            // Too large: the old entry is removed all the same, so a later read never finds
            // a response older than the last one offered.
            pipeline.cmd("DEL").arg(&entry_key).ignore();
        } else {
            // One `HSET` replaces metadata and body together. The expiry follows in the same
            // round trip but not atomically with it (a `MULTI` costs a third more than the
            // raw write): two instances writing one key at once may leave one's entry with
            // the other's expiry. Expiry only collects garbage; reads follow the deadline in
            // the metadata.
            pipeline
                .cmd("HSET")
                .arg(&entry_key)
                .arg(META_FIELD)
                .arg(&frame)
                .arg(BODY_FIELD)
                .arg(&body[..])
                .ignore();
            match Expiry::of(metadata.expires_at, SystemTime::now()) {
                Expiry::At(millis) => pipeline.cmd("PEXPIREAT").arg(&entry_key).arg(millis),
                Expiry::After(millis) => pipeline.cmd("PEXPIRE").arg(&entry_key).arg(millis),
                Expiry::Never => pipeline.cmd("PERSIST").arg(&entry_key),
            }
            .ignore();
        }
        pipeline
            .query_async::<()>(&mut connection)
            .await
            .map_err(|err| store_error("writing a cache entry to Redis", err))
    }

    async fn freshen(&self, mut metadata: EntryMetadata) -> Result<bool, StoreError> {
        let mut connection = self.connection()?;
        let entry_key = self.inner.layout.entry_key(&metadata.key);
        for _ in 0..FRESHEN_ATTEMPTS {
            let old = match read_meta(&mut connection, &entry_key).await? {
                MetaRead::Missing => return Ok(false),
                MetaRead::Foreign => {
                    discard(&mut connection, &entry_key, &[]).await?;
                    return Ok(false);
                }
                MetaRead::Frame(frame) => frame,
            };
            let Ok((stored, digest)) = encoding::decode_detached(old.clone()) else {
                discard(&mut connection, &entry_key, &old).await?;
                return Ok(false);
            };
            if stored.key != metadata.key {
                return Ok(false);
            }
            metadata.body_len = digest.len();
            let frame = encode(&metadata, digest)?;
            let (mode, millis) = Expiry::of(metadata.expires_at, SystemTime::now()).script_args();
            let outcome: i64 = FRESHEN
                .key(&entry_key)
                .arg(&old[..])
                .arg(&frame)
                .arg(mode)
                .arg(millis)
                .invoke_async(&mut connection)
                .await
                .map_err(|err| store_error("freshening a cache entry in Redis", err))?;
            match outcome {
                0 => return Ok(false),
                1 => return Ok(true),
                // Replaced in between: read the new entry and try again.
                _ => continue,
            }
        }
        // Rewritten by others on every attempt: there is an entry, and it is newer than the
        // one this freshening was for.
        Ok(true)
    }

    async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let mut connection = self.connection()?;
        let removed: i64 = ::redis::cmd("DEL")
            .arg(self.inner.layout.entry_key(key))
            .query_async(&mut connection)
            .await
            .map_err(|err| store_error("deleting a cache entry from Redis", err))?;
        Ok(removed > 0)
    }

    async fn contains(&self, key: &str, now: SystemTime) -> Result<bool, StoreError> {
        let mut connection = self.connection()?;
        let entry_key = self.inner.layout.entry_key(key);
        match read_meta(&mut connection, &entry_key).await? {
            MetaRead::Missing => Ok(false),
            MetaRead::Foreign => {
                discard(&mut connection, &entry_key, &[]).await?;
                Ok(false)
            }
            MetaRead::Frame(frame) => match encoding::decode_metadata(frame.clone()) {
                Ok(metadata) => Ok(metadata.key == key && !metadata.is_expired(now)),
                Err(_) => {
                    discard(&mut connection, &entry_key, &frame).await?;
                    Ok(false)
                }
            },
        }
    }

    /// Walks every key under the prefix a page at a time, deletes what is unreadable, and
    /// deletes the entries `select` picks; returns how many of those were deleted.
    async fn delete_walked(
        &self,
        mut select: impl FnMut(&EntryMetadata) -> bool,
    ) -> Result<usize, StoreError> {
        let connection = self.connection()?;
        let mut scan = Scan::start(connection.clone(), self.inner.layout.scan_pattern())
            .await
            .map_err(|err| store_error("listing cache entries in Redis", err))?;
        let mut removed = 0;
        while let Some(page) = next_page(&mut scan).await? {
            let walked = self.classify(&connection, page).await?;
            let doomed = walked.into_iter().filter_map(|walked| match walked {
                Walked::Entry {
                    entry_key,
                    metadata,
                    frame,
                } => select(&metadata).then_some((entry_key, frame, true)),
                Walked::Unreadable { entry_key, frame } => Some((entry_key, frame, false)),
                Walked::Skip => None,
            });
            let deletions = doomed.map(|(entry_key, frame, counted)| {
                let mut connection = connection.clone();
                async move {
                    let deleted = discard(&mut connection, &entry_key, &frame).await?;
                    Ok::<_, StoreError>(deleted && counted)
                }
            });
            for deleted in join_all(deletions).await {
                removed += usize::from(deleted?);
            }
        }
        Ok(removed)
    }

    async fn read_matching(
        &self,
        filter: &MatchFilter,
        now: SystemTime,
    ) -> Result<Vec<CacheEntry>, StoreError> {
        let connection = self.connection()?;
        let mut scan = Scan::start(connection.clone(), self.inner.layout.scan_pattern())
            .await
            .map_err(|err| store_error("listing cache entries in Redis", err))?;
        // `SCAN` may return a key twice.
        let mut seen: HashSet<String> = HashSet::new();
        let mut found = Vec::new();
        while let Some(page) = next_page(&mut scan).await? {
            let mut keys = Vec::new();
            let mut unreadable = Vec::new();
            for walked in self.classify(&connection, page).await? {
                match walked {
                    Walked::Entry { metadata, .. } => {
                        if !metadata.is_expired(now)
                            && filter.matches(&metadata.url)
                            && seen.insert(metadata.key.clone())
                        {
                            keys.push(metadata.key);
                        }
                    }
                    Walked::Unreadable { entry_key, frame } => unreadable.push((entry_key, frame)),
                    Walked::Skip => {}
                }
            }
            let discards = unreadable.iter().map(|(entry_key, frame)| {
                let mut connection = connection.clone();
                async move { discard(&mut connection, entry_key, frame).await }
            });
            for discarded in join_all(discards).await {
                discarded?;
            }
            for entry in join_all(keys.iter().map(|key| self.read(key, now))).await {
                found.extend(entry?);
            }
        }
        Ok(found)
    }

    /// Reads the metadata of a page of keys (concurrently; the connection pipelines them).
    async fn classify(
        &self,
        connection: &Connection,
        entry_keys: Vec<Vec<u8>>,
    ) -> Result<Vec<Walked>, StoreError> {
        let reads = entry_keys.into_iter().map(|entry_key| {
            let mut connection = connection.clone();
            async move {
                let read = read_meta(&mut connection, &entry_key).await?;
                Ok::<_, StoreError>(self.classify_one(entry_key, read))
            }
        });
        join_all(reads).await.into_iter().collect()
    }

    fn classify_one(&self, entry_key: Vec<u8>, read: MetaRead) -> Walked {
        let frame = match read {
            MetaRead::Missing => return Walked::Skip,
            MetaRead::Foreign => {
                return Walked::Unreadable {
                    entry_key,
                    frame: Bytes::new(),
                };
            }
            MetaRead::Frame(frame) => frame,
        };
        match encoding::decode_metadata(frame.clone()) {
            Ok(metadata) => {
                if self.inner.layout.cache_key(&entry_key) == Some(metadata.key.as_bytes()) {
                    Walked::Entry {
                        entry_key,
                        metadata: Box::new(metadata),
                        frame,
                    }
                } else {
                    Walked::Skip
                }
            }
            Err(_) => Walked::Unreadable { entry_key, frame },
        }
    }
}

fn encode(metadata: &EntryMetadata, digest: BodyDigest) -> Result<Vec<u8>, StoreError> {
    encoding::encode_detached(metadata, digest).map_err(|err| {
        StoreError::with_source(StoreErrorKind::Backend, "encoding entry metadata", err)
    })
}

async fn next_page(scan: &mut Scan) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
    scan.next_page()
        .await
        .map_err(|err| store_error("listing cache entries in Redis", err))
}

async fn read_meta(connection: &mut Connection, entry_key: &[u8]) -> Result<MetaRead, StoreError> {
    let reply: Result<Option<Bytes>, RedisError> = ::redis::cmd("HGET")
        .arg(entry_key)
        .arg(META_FIELD)
        .query_async(connection)
        .await;
    match reply {
        Ok(Some(frame)) => Ok(MetaRead::Frame(frame)),
        Ok(None) => Ok(MetaRead::Missing),
        Err(err) if is_wrong_type(&err) => Ok(MetaRead::Foreign),
        Err(err) => Err(store_error("reading cache entry metadata from Redis", err)),
    }
}

/// Deletes `entry_key` if it still holds the entry whose `meta` field read `frame` (or is not
/// a hash); returns whether it did.
async fn discard(
    connection: &mut (impl ConnectionLike + Send),
    entry_key: &[u8],
    frame: &[u8],
) -> Result<bool, StoreError> {
    let deleted: i64 = DISCARD
        .key(entry_key)
        .arg(frame)
        .invoke_async(connection)
        .await
        .map_err(|err| store_error("deleting a cache entry from Redis", err))?;
    Ok(deleted > 0)
}

impl CacheStore for RedisStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<CacheEntry>, StoreError>> {
        Box::pin(self.read(key, now))
    }

    fn set(&self, entry: CacheEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.write(entry))
    }

    fn update_metadata(&self, metadata: EntryMetadata) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.freshen(metadata))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.remove(key))
    }

    fn exists<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.contains(key, now))
    }

    fn clean(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<usize, StoreError>> {
        Box::pin(self.delete_walked(move |metadata| filter.selects(metadata, now)))
    }

    fn get_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Vec<CacheEntry>, StoreError>> {
        Box::pin(self.read_matching(filter, now))
    }

    fn delete_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        Box::pin(self.delete_walked(|metadata| filter.matches(&metadata.url)))
    }

    fn close(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        // Dropping the handle closes the connection once calls in flight are done.
        self.inner
            .connection
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Box::pin(std::future::ready(Ok(())))
    }
}
