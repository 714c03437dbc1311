//! A store that encrypts whole entries before any other store sees them: dio_cache_interceptor's
//! `cipher` option, for any backend.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::HeaderMap;

use super::{BoxFuture, CacheStore, CleanFilter, MatchFilter, StoreError, StoreErrorKind};
use crate::cipher::CacheCipher;
use crate::entry::{CacheEntry, EntryMetadata, encoding};

/// Prefixed to the entry key to form the associated data, so an envelope only decrypts under
/// the key it was written for, and never as another part of some other store's data.
const AD_LABEL: &[u8] = b"courier-cache/encrypted-store\0";

/// Entries at least this large are encrypted and decrypted on tokio's blocking pool (when a
/// runtime is running), so a large body does not stall the async worker.
const BLOCKING_THRESHOLD: usize = 64 * 1024;

/// A [`CacheStore`] that encrypts every entry with a [`CacheCipher`] before handing it to an
/// inner store: dio_cache_interceptor's `CacheOptions.cipher`, for any store.
///
/// [`set`](CacheStore::set) encodes the whole entry (metadata and body, with
/// [`entry::encoding`](crate::entry::encoding)) and encrypts it, with the entry key as
/// associated data. The inner store receives an *envelope*: an entry whose body is that
/// ciphertext and whose metadata keeps only what a store needs to work without decrypting.
/// [`get`](CacheStore::get) decrypts and decodes the envelope; an envelope that fails to
/// decrypt or decode (tampered with, written under a key the cipher does not hold, or from
/// another format) is a miss: it is deleted and logged at `warn`, never an error.
///
/// # What is and isn't protected
///
/// - **Encrypted and authenticated**: the body, the response headers (cookies, tokens,
///   validators) and the `Vary`-selected request headers (which may carry `Authorization`).
///   They are not in the envelope's metadata at all.
/// - **Visible to the inner store** (in the envelope's metadata, as with dio's cipher): the
///   key, the URL, the method and the status, the priority, the deletion deadline and the
///   request and response times. Stores need the URL for
///   [`get_matching`](CacheStore::get_matching), [`delete_matching`](CacheStore::delete_matching)
///   and invalidation, the priority and deadline for [`clean`](CacheStore::clean) and expiry.
///   These plaintext fields are not authenticated either; the decrypted copy inside the
///   ciphertext is the one returned, so tampering with them can only make an entry be
///   deleted early or kept longer.
/// - **Not hidden**: entry sizes, how many entries there are, and when they are written.
///
/// For a [`FileStore`](super::FileStore), prefer its own
/// [`cipher`](super::FileStoreBuilder::cipher): it encrypts the URL-bearing metadata file too,
/// and freshens without rewriting the body.
///
/// # Costs
///
/// [`update_metadata`](CacheStore::update_metadata) (freshening after a `304`) has to read,
/// decrypt, re-encrypt and rewrite the whole entry, body included, since the metadata is
/// sealed with the body; it is not atomic against a concurrent `set` of the same key. Entries
/// of 64 KiB and more are encrypted and decrypted on tokio's blocking pool when a runtime is
/// running.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::cipher::XChaCha20Poly1305Cipher;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, EncryptedStore, MemoryStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store = EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new([7; 32]));
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, "secret")).await?;
///
/// assert_eq!(store.get("k", now).await?.ok_or("miss")?.body, "secret");
/// let envelope = store.inner().get("k", now).await?.ok_or("miss")?;
/// assert_ne!(envelope.body, "secret");
/// assert_eq!(envelope.metadata.url, "https://example.com/");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EncryptedStore<S> {
    inner: S,
    cipher: Arc<dyn CacheCipher>,
}

impl<S: CacheStore> EncryptedStore<S> {
    /// A store encrypting entries with `cipher` before storing them in `inner`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    /// use courier_cache::store::{EncryptedStore, MemoryStore};
    ///
    /// let key = XChaCha20Poly1305Cipher::generate_key()?;
    /// let store = EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new(key));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(inner: S, cipher: impl CacheCipher + 'static) -> Self {
        Self::with_shared_cipher(inner, Arc::new(cipher))
    }

    /// A store encrypting entries with a cipher shared with other code (other stores).
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::Arc;
    /// use courier_cache::cipher::{CacheCipher, XChaCha20Poly1305Cipher};
    /// use courier_cache::store::{EncryptedStore, MemoryStore};
    ///
    /// let cipher: Arc<dyn CacheCipher> = Arc::new(XChaCha20Poly1305Cipher::new([1; 32]));
    /// let a = EncryptedStore::with_shared_cipher(MemoryStore::new(), cipher.clone());
    /// let b = EncryptedStore::with_shared_cipher(MemoryStore::new(), cipher);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_shared_cipher(inner: S, cipher: Arc<dyn CacheCipher>) -> Self {
        EncryptedStore { inner, cipher }
    }

    /// The inner store, which holds envelopes (encrypted entries).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    /// use courier_cache::store::{EncryptedStore, MemoryStore};
    ///
    /// let store = EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new([1; 32]));
    /// assert!(store.inner().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The inner store, by value.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    /// use courier_cache::store::{EncryptedStore, MemoryStore};
    ///
    /// let store = EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new([1; 32]));
    /// let memory: MemoryStore = store.into_inner();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Encodes and encrypts `entry` into its envelope.
    async fn seal(&self, entry: CacheEntry) -> Result<CacheEntry, StoreError> {
        let size = entry.approximate_size();
        let cipher = self.cipher.clone();
        off_thread(size, move || seal(cipher.as_ref(), entry)).await?
    }

    /// Decrypts and decodes `envelope`; on failure deletes it from the inner store and logs.
    async fn open(&self, envelope: CacheEntry) -> Result<Option<CacheEntry>, StoreError> {
        let key = envelope.metadata.key.clone();
        let cipher = self.cipher.clone();
        let size = envelope.body.len();
        match off_thread(size, move || open(cipher.as_ref(), &envelope)).await? {
            Ok(entry) => Ok(Some(entry)),
            Err(reason) => {
                tracing::warn!(
                    key = %key,
                    reason = %reason,
                    "unreadable encrypted cache entry; deleting it"
                );
                self.inner.delete(&key).await?;
                Ok(None)
            }
        }
    }
}

impl<S> fmt::Debug for EncryptedStore<S>
where
    S: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedStore")
            .field("inner", &self.inner)
            .field("cipher", &self.cipher)
            .finish()
    }
}

fn associated_data(key: &str) -> Vec<u8> {
    let mut ad = Vec::with_capacity(AD_LABEL.len() + key.len());
    ad.extend_from_slice(AD_LABEL);
    ad.extend_from_slice(key.as_bytes());
    ad
}

/// The envelope of `entry`: the encrypted frame as body, and only the metadata stores need.
fn seal(cipher: &dyn CacheCipher, entry: CacheEntry) -> Result<CacheEntry, StoreError> {
    let frame = encoding::encode(&entry).map_err(|err| {
        StoreError::with_source(StoreErrorKind::Backend, "encoding entry to encrypt", err)
    })?;
    let sealed = cipher
        .encrypt(&frame, &associated_data(&entry.metadata.key))
        .map_err(|err| StoreError::with_source(StoreErrorKind::Cipher, "encrypting entry", err))?;
    let mut metadata = entry.metadata;
    metadata.headers = HeaderMap::new();
    metadata.vary_request_headers = HeaderMap::new();
    Ok(CacheEntry::new(metadata, sealed))
}

/// Why an envelope could not be opened.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("decryption failed: {0}")]
    Decrypt(#[from] crate::cipher::CipherError),
    #[error("decoding failed: {0}")]
    Decode(#[from] encoding::DecodeError),
    #[error("the decrypted entry is stored under another key")]
    WrongKey,
}

fn open(cipher: &dyn CacheCipher, envelope: &CacheEntry) -> Result<CacheEntry, OpenError> {
    let key = &envelope.metadata.key;
    let plain = cipher.decrypt(&envelope.body, &associated_data(key))?;
    let entry = encoding::decode(Bytes::from(plain))?;
    if &entry.metadata.key != key {
        return Err(OpenError::WrongKey);
    }
    Ok(entry)
}

/// Runs `op` on the blocking pool when `size` is large and a tokio runtime is running, else
/// inline.
async fn off_thread<T: Send + 'static>(
    size: usize,
    op: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    if size >= BLOCKING_THRESHOLD && tokio::runtime::Handle::try_current().is_ok() {
        tokio::task::spawn_blocking(op).await.map_err(|err| {
            StoreError::with_source(StoreErrorKind::Backend, "cipher task failed", err)
        })
    } else {
        Ok(op())
    }
}

impl<S: CacheStore> CacheStore for EncryptedStore<S> {
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<CacheEntry>, StoreError>> {
        Box::pin(async move {
            let Some(envelope) = self.inner.get(key, now).await? else {
                return Ok(None);
            };
            Ok(self
                .open(envelope)
                .await?
                .filter(|entry| !entry.metadata.is_expired(now)))
        })
    }

    fn set(&self, entry: CacheEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let envelope = self.seal(entry).await?;
            self.inner.set(envelope).await
        })
    }

    /// Reads and decrypts the entry, replaces its metadata, then encrypts and stores it
    /// again: unlike unencrypted stores, the body is rewritten, since it is sealed with the
    /// metadata.
    fn update_metadata(&self, metadata: EntryMetadata) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            // The entry is updated even past its deadline: read it as of the epoch.
            let Some(envelope) = self
                .inner
                .get(&metadata.key, SystemTime::UNIX_EPOCH)
                .await?
            else {
                return Ok(false);
            };
            let Some(stored) = self.open(envelope).await? else {
                return Ok(false);
            };
            self.set(CacheEntry::new(metadata, stored.body)).await?;
            Ok(true)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.delete(key)
    }

    fn exists<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.exists(key, now)
    }

    fn clean(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.inner.clean(filter, now)
    }

    fn get_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Vec<CacheEntry>, StoreError>> {
        Box::pin(async move {
            let envelopes = self.inner.get_matching(filter, now).await?;
            let mut found = Vec::with_capacity(envelopes.len());
            for envelope in envelopes {
                if let Some(entry) = self.open(envelope).await?
                    && !entry.metadata.is_expired(now)
                {
                    found.push(entry);
                }
            }
            Ok(found)
        })
    }

    fn delete_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        self.inner.delete_matching(filter)
    }

    fn close(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::XChaCha20Poly1305Cipher;
    use crate::store::MemoryStore;
    use std::time::Duration;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000)
    }

    fn entry(key: &str) -> CacheEntry {
        let mut meta = EntryMetadata::new(
            key,
            http::Method::GET,
            format!("https://e.test/{key}"),
            200,
            now(),
        );
        meta.headers.insert(
            "set-cookie",
            http::HeaderValue::from_static("session=very-secret"),
        );
        CacheEntry::new(meta, "plaintext body")
    }

    #[tokio::test]
    async fn a_large_entry_round_trips_through_the_blocking_pool() {
        let store = EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new([3; 32]));
        let mut large = entry("big");
        large.body = Bytes::from(vec![9u8; 2 * BLOCKING_THRESHOLD]);
        large.metadata.body_len = large.body.len() as u64;
        store.set(large.clone()).await.unwrap();
        assert_eq!(store.get("big", now()).await.unwrap(), Some(large));
    }

    #[tokio::test]
    async fn an_envelope_moved_to_another_key_is_a_miss() {
        let store = EncryptedStore::new(MemoryStore::new(), XChaCha20Poly1305Cipher::new([3; 32]));
        store.set(entry("a")).await.unwrap();
        let mut moved = store.inner().get("a", now()).await.unwrap().unwrap();
        moved.metadata.key = "b".into();
        store.inner().set(moved).await.unwrap();
        assert!(store.get("b", now()).await.unwrap().is_none());
        assert!(!store.inner().exists("b", now()).await.unwrap());
        assert!(store.get("a", now()).await.unwrap().is_some());
    }
}
