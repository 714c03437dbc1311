//! [`CacheOptions`]: every option of dio_cache_interceptor 4.x, settable on the interceptor
//! and overridable per request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::cache_policy::CachePolicy;
use crate::cipher::CacheCipher;
use crate::clock::{Clock, SystemClock};
use crate::entry::Priority;
use crate::key::KeyBuilder;
use crate::mode::CacheMode;
use crate::store::{CacheStore, EncryptedStore};

/// How the cache behaves. Give it to [`CacheInterceptor::new`](crate::CacheInterceptor::new);
/// override it for one request by putting a modified copy (or just a [`CachePolicy`]) in the
/// request's extensions.
///
/// ```
/// use std::time::Duration;
/// use courier_cache::{CacheOptions, CachePolicy, MemoryStore};
///
/// let options = CacheOptions::new(MemoryStore::new())
///     .policy(CachePolicy::Request)
///     .hit_cache_on_network_failure(true)
///     .max_stale(Duration::from_secs(7 * 24 * 3600));
///
/// // Per request: a pull-to-refresh ignores what is cached.
/// let client = courier::Client::builder()
///     .interceptor(courier_cache::CacheInterceptor::new(options.clone()))
///     .build()?;
/// let request = client.get("https://api.example/feed").extension(CachePolicy::Refresh);
/// # Ok::<(), courier::Error>(())
/// ```
#[derive(Clone)]
pub struct CacheOptions {
    pub(crate) store: Arc<dyn CacheStore>,
    pub(crate) policy: CachePolicy,
    pub(crate) hit_cache_on_error_codes: Vec<StatusCode>,
    pub(crate) hit_cache_on_network_failure: bool,
    pub(crate) max_stale: Option<Duration>,
    pub(crate) priority: Priority,
    pub(crate) key_builder: KeyBuilder,
    pub(crate) allow_post_method: bool,
    pub(crate) mode: CacheMode,
    pub(crate) max_entry_size: u64,
    pub(crate) cache_status_header: bool,
    pub(crate) coalesce: bool,
    pub(crate) clock: Arc<dyn Clock>,
}

impl CacheOptions {
    /// Options storing into `store`, with the defaults of each setter.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new());
    /// ```
    pub fn new(store: impl CacheStore + 'static) -> Self {
        Self::with_shared_store(Arc::new(store))
    }

    /// Options storing into a store shared with other code (to inspect or clean it).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let store = Arc::new(courier_cache::MemoryStore::new());
    /// let options = courier_cache::CacheOptions::with_shared_store(store.clone());
    /// ```
    pub fn with_shared_store(store: Arc<dyn CacheStore>) -> Self {
        Self {
            store,
            policy: CachePolicy::Request,
            hit_cache_on_error_codes: Vec::new(),
            hit_cache_on_network_failure: false,
            max_stale: None,
            priority: Priority::Normal,
            key_builder: KeyBuilder::default(),
            allow_post_method: false,
            mode: CacheMode::Private,
            max_entry_size: 10 * 1024 * 1024,
            cache_status_header: false,
            coalesce: true,
            clock: Arc::new(SystemClock),
        }
    }

    /// How requests use the cache. Default: [`CachePolicy::Request`] (HTTP's rules).
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .policy(courier_cache::CachePolicy::ForceCache);
    /// ```
    #[must_use]
    pub fn policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Serve a stored response (within `max_stale`) when the origin answers one of these
    /// statuses (dio's `hitCacheOnErrorCodes`). Default: none. RFC 5861 `stale-if-error`
    /// applies to 500, 502, 503 and 504 regardless.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .hit_cache_on_error_codes([500, 502, 503]);
    /// ```
    #[must_use]
    pub fn hit_cache_on_error_codes(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.hit_cache_on_error_codes = statuses
            .into_iter()
            .filter_map(|status| StatusCode::from_u16(status).ok())
            .collect();
        self
    }

    /// Serve a stored response (within `max_stale`) when the origin cannot be reached or
    /// times out (dio's `hitCacheOnNetworkFailure`); never when the request was cancelled.
    /// Default: off.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .hit_cache_on_network_failure(true);
    /// ```
    #[must_use]
    pub fn hit_cache_on_network_failure(mut self, enable: bool) -> Self {
        self.hit_cache_on_network_failure = enable;
        self
    }

    /// How long past expiry entries are kept and may be served for offline use (and by
    /// `ForceCache`); also the entries' deletion deadline, renewed when they are stored or
    /// hit. Default: none (entries are kept until evicted; stale ones are only revalidated).
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .max_stale(std::time::Duration::from_secs(24 * 3600));
    /// ```
    #[must_use]
    pub fn max_stale(mut self, max_stale: std::time::Duration) -> Self {
        self.max_stale = Some(max_stale);
        self
    }

    /// The priority entries are stored with, for `clean`. Default: [`Priority::Normal`].
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .priority(courier_cache::Priority::High);
    /// ```
    #[must_use]
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// How entries are keyed. Default: method and normalised URL (and a body digest when
    /// `allow_post_method` is on); see [`KeyBuilder`].
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .key_builder(courier_cache::KeyBuilder::new(|request: &courier::Request| request.url().to_string()));
    /// ```
    #[must_use]
    pub fn key_builder(mut self, key_builder: KeyBuilder) -> Self {
        self.key_builder = key_builder;
        self
    }

    /// Cache responses to POST too, keyed by a digest of the body (dio's `allowPostMethod`).
    /// Default: off.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .allow_post_method(true);
    /// ```
    #[must_use]
    pub fn allow_post_method(mut self, allow: bool) -> Self {
        self.allow_post_method = allow;
        self
    }

    /// Private (one user's cache) or shared (a proxy, a cache shared by users). Default:
    /// [`CacheMode::Private`].
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .mode(courier_cache::CacheMode::Shared);
    /// ```
    #[must_use]
    pub fn mode(mut self, mode: CacheMode) -> Self {
        self.mode = mode;
        self
    }

    /// The largest body stored; larger responses stream through uncached (nothing is
    /// buffered past this size). Default: 10 MiB.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .max_entry_size(512 * 1024);
    /// ```
    #[must_use]
    pub fn max_entry_size(mut self, bytes: u64) -> Self {
        self.max_entry_size = bytes;
        self
    }

    /// Add an RFC 9211 `Cache-Status` header to responses. The [`CacheStatus`](crate::CacheStatus)
    /// is always in the response's extensions. Default: off.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .cache_status_header(true);
    /// ```
    #[must_use]
    pub fn cache_status_header(mut self, enable: bool) -> Self {
        self.cache_status_header = enable;
        self
    }

    /// Send one request to the origin for concurrent misses of one key; the others wait and
    /// are served from the cache. The entry is stored once the first caller has read the
    /// body, so the others wait at most 5 seconds for it and then fetch themselves. Default: on.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .coalesce(false);
    /// ```
    #[must_use]
    pub fn coalesce(mut self, enable: bool) -> Self {
        self.coalesce = enable;
        self
    }

    /// Encrypts everything cached, whatever the store (dio's `cipher`): wraps the store set so
    /// far in an [`EncryptedStore`], which seals each entry's headers and body with `cipher`
    /// and leaves the store only the key, URL, method, status, priority and times (see
    /// [`EncryptedStore`] for what is and isn't protected).
    ///
    /// For a [`FileStore`](crate::store::FileStore), prefer the store's own
    /// [`cipher`](crate::store::FileStoreBuilder::cipher), which also encrypts the URL-bearing
    /// metadata file; this option is for any store, as in dio. Code holding the store given
    /// to [`with_shared_store`](Self::with_shared_store) sees the encrypted envelopes. Calling
    /// this twice encrypts twice.
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    ///
    /// let key = XChaCha20Poly1305Cipher::generate_key()?;
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .cipher(XChaCha20Poly1305Cipher::new(key));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn cipher(mut self, cipher: impl CacheCipher + 'static) -> Self {
        self.store = Arc::new(EncryptedStore::new(self.store, cipher));
        self
    }

    /// The clock the cache reads time from. Default: the system clock; tests use a
    /// [`MockClock`](crate::MockClock) to travel in time.
    ///
    /// ```
    /// let clock = courier_cache::MockClock::new(std::time::SystemTime::UNIX_EPOCH);
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new())
    ///     .clock(clock.clone());
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The policy requests use unless they override it.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new());
    /// assert_eq!(options.policy_for_requests(), courier_cache::CachePolicy::Request);
    /// ```
    pub fn policy_for_requests(&self) -> CachePolicy {
        self.policy
    }

    /// The store.
    ///
    /// ```
    /// let options = courier_cache::CacheOptions::new(courier_cache::MemoryStore::new());
    /// let store = options.store();
    /// ```
    pub fn store(&self) -> &Arc<dyn CacheStore> {
        &self.store
    }
}

impl fmt::Debug for CacheOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheOptions")
            .field("policy", &self.policy)
            .field("hit_cache_on_error_codes", &self.hit_cache_on_error_codes)
            .field(
                "hit_cache_on_network_failure",
                &self.hit_cache_on_network_failure,
            )
            .field("max_stale", &self.max_stale)
            .field("priority", &self.priority)
            .field("key_builder", &self.key_builder)
            .field("allow_post_method", &self.allow_post_method)
            .field("mode", &self.mode)
            .field("max_entry_size", &self.max_entry_size)
            .field("cache_status_header", &self.cache_status_header)
            .field("coalesce", &self.coalesce)
            .finish_non_exhaustive()
    }
}
