//! A store that keeps one entry per pair of files in a directory.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::blocking::{BlockingAdapter, BlockingStore, on_pool};
use super::lru::Lru;
// For the docs' links: the store is a `CacheStore` through its adapter.
#[cfg(doc)]
use super::CacheStore;
use super::{BoxFuture, CleanFilter, MatchFilter, StoreError, StoreErrorKind};
use crate::cipher::CacheCipher;
use crate::entry::encoding::{self, BodyDigest};
use crate::entry::{CacheEntry, EntryMetadata, Priority};

/// Default total size cap: 100 MiB.
const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Default entry size cap: 10 MiB.
const DEFAULT_MAX_ENTRY_BYTES: u64 = 10 * 1024 * 1024;
/// Lock stripes: operations on one key are serialised, different keys rarely contend.
const STRIPES: usize = 32;

const META_EXT: &str = "meta";
const BODY_EXT: &str = "body";
const TEMP_EXT: &str = "tmp";

/// A [`CacheStore`] on disk: one entry per pair of files under a directory, with a total
/// size cap and least-recently-used eviction.
///
/// # Layout and why
///
/// An entry named by `key` lives in `<sha256(key) hex>.meta` and `<sha256(key) hex>.body`:
///
/// - **Two files, so a `304` never rewrites the body.**
///   [`update_metadata`](CacheStore::update_metadata) replaces the small `.meta` file and
///   leaves the `.body` file alone. The `.meta` file is a detached
///   [entry frame](crate::entry::encoding) holding the metadata and the length and CRC-32 of
///   the `.body` file it belongs to, so a metadata file paired with another body (a crash
///   between the two renames of an overwrite) is detected.
/// - **Atomic writes.** Each file is written to a temporary file in the same directory and
///   renamed over the old one, body first, then metadata. A crash leaves either the old
///   entry, the new one, or a pair whose digest does not match, which is read as a miss and
///   deleted: a torn entry is never served. Files are not `fsync`ed (a cache may lose recent
///   writes on power loss; the checksums catch what the loss damages).
/// - **Hashed names.** Keys may hold any characters and any length; file names are 64 hex
///   digits. The key is kept in the metadata, so a hash collision is a miss, not a wrong hit.
/// - **Encryption.** With a [`cipher`](FileStoreBuilder::cipher), both files are encrypted,
///   with the file name (a hash of the key) and the part (`meta`/`body`) as associated data,
///   so files cannot be swapped between entries or parts.
/// - **Index.** Sizes, priorities, deadlines, URLs and last use are kept in memory, rebuilt
///   from the directory on the first operation (reading every `.meta` file; unreadable
///   entries, orphaned bodies and leftover temporary files are deleted then). Recency
///   survives a restart only approximately (by the metadata files' modification times).
///   [`exists`](CacheStore::exists), [`clean`](CacheStore::clean) and eviction answer from
///   the index.
///
/// All file I/O runs on tokio's blocking pool, so the store needs a tokio runtime. Use one
/// `FileStore` (cloned freely) per directory: two stores, or two processes, sharing a
/// directory would each keep their own index.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::cipher::XChaCha20Poly1305Cipher;
/// use courier_cache::entry::{CacheEntry, EntryMetadata};
/// use courier_cache::store::{CacheStore, FileStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = FileStore::builder(dir.path())
///     .max_bytes(512 * 1024 * 1024) // 512 MiB on disk in total
///     .max_entry_bytes(64 * 1024 * 1024) // 64 MiB per entry
///     .cipher(XChaCha20Poly1305Cipher::new(XChaCha20Poly1305Cipher::generate_key()?))
///     .build();
/// let now = SystemTime::now();
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, now);
/// store.set(CacheEntry::new(meta, "on disk, encrypted")).await?;
/// assert_eq!(store.get("k", now).await?.ok_or("miss")?.body, "on disk, encrypted");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FileStore {
    inner: BlockingAdapter<Inner>,
}

super::forward_store! {
    impl [] for FileStore => |store| store.inner;
}

struct Inner {
    dir: PathBuf,
    max_bytes: u64,
    max_entry_bytes: u64,
    cipher: Option<Arc<dyn CacheCipher>>,
    index: Mutex<Index>,
    loaded: tokio::sync::OnceCell<()>,
    stripes: Vec<Mutex<()>>,
    closed: AtomicBool,
    temp_counter: AtomicU64,
}

#[derive(Default)]
struct Index {
    /// Keyed by file stem (the key's hash).
    entries: Lru<IndexEntry>,
    total_bytes: u64,
}

struct IndexEntry {
    key: String,
    url: String,
    size: u64,
    priority: Priority,
    expires_at: Option<SystemTime>,
}

impl Index {
    fn insert(&mut self, name: String, entry: IndexEntry) {
        self.total_bytes += entry.size;
        if let Some(old) = self.entries.insert(name, entry) {
            self.total_bytes -= old.size;
        }
    }

    fn remove(&mut self, name: &str) -> bool {
        match self.entries.remove(name) {
            Some(old) => {
                self.total_bytes -= old.size;
                true
            }
            None => false,
        }
    }
}

impl IndexEntry {
    fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|deadline| deadline <= now)
    }

    fn new(metadata: &EntryMetadata, size: u64) -> Self {
        IndexEntry {
            key: metadata.key.clone(),
            url: metadata.url.clone(),
            size,
            priority: metadata.priority,
            expires_at: metadata.expires_at,
        }
    }
}

/// Builds a [`FileStore`]; from [`FileStore::builder`].
///
/// # Example
///
/// ```
/// use courier_cache::store::FileStore;
///
/// let store = FileStore::builder("/var/cache/my-app/http").max_bytes(1 << 30).build();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct FileStoreBuilder {
    dir: PathBuf,
    max_bytes: u64,
    max_entry_bytes: u64,
    cipher: Option<Arc<dyn CacheCipher>>,
}

impl FileStoreBuilder {
    /// The total size of the files, in bytes, above which least recently used entries are
    /// deleted. Default: 100 MiB.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// let store = FileStore::builder("cache").max_bytes(2 * 1024 * 1024 * 1024).build(); // 2 GiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The size of an entry's files, in bytes, above which it is not stored. Default: 10 MiB.
    /// The effective limit is at most [`max_bytes`](Self::max_bytes).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// let store = FileStore::builder("cache").max_entry_bytes(100 * 1024 * 1024).build(); // 100 MiB
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_entry_bytes(mut self, bytes: u64) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    /// Encrypts both files of every entry with `cipher`. Default: no encryption.
    ///
    /// Entries written without a cipher (or under a key the cipher no longer holds) are
    /// misses and are deleted.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    /// use courier_cache::store::FileStore;
    ///
    /// let key = XChaCha20Poly1305Cipher::generate_key()?;
    /// let store = FileStore::builder("cache").cipher(XChaCha20Poly1305Cipher::new(key)).build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cipher(mut self, cipher: impl CacheCipher + 'static) -> Self {
        self.cipher = Some(Arc::new(cipher));
        self
    }

    /// The store. The directory is created, and the index rebuilt, on the first operation.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// let store = FileStore::builder("cache").build();
    /// assert_eq!(store.dir(), std::path::Path::new("cache"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> FileStore {
        FileStore {
            inner: BlockingAdapter::new(Inner {
                dir: self.dir,
                max_bytes: self.max_bytes,
                max_entry_bytes: self.max_entry_bytes.min(self.max_bytes),
                cipher: self.cipher,
                index: Mutex::new(Index::default()),
                loaded: tokio::sync::OnceCell::new(),
                stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
                closed: AtomicBool::new(false),
                temp_counter: AtomicU64::new(0),
            }),
        }
    }
}

impl fmt::Debug for FileStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStoreBuilder")
            .field("dir", &self.dir)
            .field("max_bytes", &self.max_bytes)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .field("cipher", &self.cipher)
            .finish()
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("dir", &self.inner.dir)
            .field("max_bytes", &self.inner.max_bytes)
            .field("max_entry_bytes", &self.inner.max_entry_bytes)
            .field("cipher", &self.inner.cipher)
            .finish_non_exhaustive()
    }
}

impl FileStore {
    /// A store in `dir` with the default limits and no encryption.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// let store = FileStore::new(std::env::temp_dir().join("my-app-http-cache"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileStore::builder(dir).build()
    }

    /// A builder for a store in `dir`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// let store = FileStore::builder("cache").max_bytes(1 << 28).build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(dir: impl Into<PathBuf>) -> FileStoreBuilder {
        FileStoreBuilder {
            dir: dir.into(),
            max_bytes: DEFAULT_MAX_BYTES,
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
            cipher: None,
        }
    }

    /// The directory the entries live in.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// assert_eq!(FileStore::new("c").dir(), std::path::Path::new("c"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The total size of the entries' files, in bytes, as indexed (loading the index first
    /// if needed).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the directory cannot be read or the store is closed.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::FileStore;
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// assert_eq!(FileStore::new(dir.path()).total_bytes().await?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn total_bytes(&self) -> Result<u64, StoreError> {
        self.inner.ready().await?;
        Ok(self.inner.index().total_bytes)
    }
}

/// The file stem of `key`: 64 lowercase hex digits of its SHA-256.
fn file_stem(key: &str) -> String {
    use fmt::Write as _;
    let digest = Sha256::digest(key.as_bytes());
    let mut stem = String::with_capacity(64);
    for byte in digest {
        let _ = write!(stem, "{byte:02x}");
    }
    stem
}

fn is_not_found(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::NotFound
}

/// Removes `path`, ignoring a file that is already gone.
fn remove_file(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if is_not_found(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Reads `path`, or `None` if it does not exist.
fn read_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if is_not_found(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

impl Inner {
    fn index(&self) -> MutexGuard<'_, Index> {
        // Every index mutation is a few map calls that cannot panic half-way in practice;
        // a poisoned lock is still consistent enough to serve a cache.
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stripe(&self, stem: &str) -> MutexGuard<'_, ()> {
        let slot = stem.bytes().fold(0usize, |hash, byte| {
            hash.wrapping_mul(31).wrapping_add(usize::from(byte))
        }) % self.stripes.len();
        self.stripes[slot]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed.load(Ordering::Acquire) {
            Err(StoreError::closed())
        } else {
            Ok(())
        }
    }

    fn path(&self, stem: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{stem}.{ext}"))
    }

    fn associated_data(part: &str, stem: &str) -> Vec<u8> {
        format!("courier-cache {part}\0{stem}").into_bytes()
    }

    /// Writes `bytes` to `path` through a temporary file and a rename.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .dir
            .join(format!(".{}-{n}.{TEMP_EXT}", std::process::id()));
        let result = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(bytes)?;
            drop(file);
            fs::rename(&temp, path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// Decrypts and decodes a `.meta` file; `None` when it is unreadable.
    ///
    /// Takes the bytes read: the decoded header values are slices of them (or of the
    /// plaintext), not copies.
    fn open_meta(&self, stem: &str, bytes: Vec<u8>) -> Option<(EntryMetadata, BodyDigest)> {
        let plain = match &self.cipher {
            Some(cipher) => cipher
                .decrypt(&bytes, &Self::associated_data(META_EXT, stem))
                .ok()?,
            None => bytes,
        };
        let (metadata, digest) = encoding::decode_detached(Bytes::from(plain)).ok()?;
        // A file under the wrong name (copied, or from a colliding key) is not this entry.
        (file_stem(&metadata.key) == stem).then_some((metadata, digest))
    }

    fn seal_meta(
        &self,
        stem: &str,
        metadata: &EntryMetadata,
        digest: BodyDigest,
    ) -> Result<Vec<u8>, StoreError> {
        let frame = encoding::encode_detached(metadata, digest).map_err(|err| {
            StoreError::with_source(StoreErrorKind::Backend, "encoding entry metadata", err)
        })?;
        self.seal(META_EXT, stem, frame)
    }

    fn seal(&self, part: &str, stem: &str, plain: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        match &self.cipher {
            Some(cipher) => cipher
                .encrypt(&plain, &Self::associated_data(part, stem))
                .map_err(|err| {
                    StoreError::with_source(StoreErrorKind::Cipher, "encrypting entry", err)
                }),
            None => Ok(plain),
        }
    }

    /// Deletes both files of `stem` and forgets it; the caller holds its stripe.
    fn discard(&self, stem: &str) -> Result<bool, StoreError> {
        let had_meta = remove_file(&self.path(stem, META_EXT))?;
        remove_file(&self.path(stem, BODY_EXT))?;
        let indexed = self.index().remove(stem);
        Ok(had_meta || indexed)
    }

    fn read_entry(&self, key: &str, now: SystemTime) -> Result<Option<CacheEntry>, StoreError> {
        self.check_open()?;
        let stem = file_stem(key);
        let _guard = self.stripe(&stem);
        let Some(meta_bytes) = read_file(&self.path(&stem, META_EXT))? else {
            self.index().remove(&stem);
            return Ok(None);
        };
        let meta_len = meta_bytes.len() as u64;
        let Some((metadata, digest)) = self.open_meta(&stem, meta_bytes) else {
            self.discard(&stem)?;
            return Ok(None);
        };
        if metadata.key != key {
            return Ok(None);
        }
        if metadata.is_expired(now) {
            self.discard(&stem)?;
            return Ok(None);
        }
        let stored_body = read_file(&self.path(&stem, BODY_EXT))?;
        let body = stored_body
            .filter(|stored| digest.verify(stored).is_ok())
            .and_then(|stored| match &self.cipher {
                Some(cipher) => cipher
                    .decrypt(&stored, &Self::associated_data(BODY_EXT, &stem))
                    .ok(),
                None => Some(stored),
            })
            .filter(|body| body.len() as u64 == metadata.body_len);
        let Some(body) = body else {
            self.discard(&stem)?;
            return Ok(None);
        };
        let mut index = self.index();
        if index.entries.touch(&stem).is_none() {
            let size = meta_len + digest.len();
            index.insert(stem, IndexEntry::new(&metadata, size));
        }
        Ok(Some(CacheEntry::new(metadata, Bytes::from(body))))
    }

    /// Deletes the indexed entries `select` picks; returns how many.
    fn delete_where(
        &self,
        mut select: impl FnMut(&IndexEntry) -> bool,
    ) -> Result<usize, StoreError> {
        self.check_open()?;
        let stems: Vec<String> = self
            .index()
            .entries
            .iter()
            .filter(|(_, entry)| select(entry))
            .map(|(stem, _)| stem.to_owned())
            .collect();
        let mut removed = 0;
        for stem in stems {
            let _guard = self.stripe(&stem);
            if self.discard(&stem)? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Deletes least recently used entries (never `keep`) until the total fits the cap.
    fn evict(&self, keep: Option<&str>) -> Result<(), StoreError> {
        loop {
            let victim = {
                let index = self.index();
                if index.total_bytes <= self.max_bytes {
                    return Ok(());
                }
                match index.entries.oldest_except(keep) {
                    Some(stem) => stem.to_owned(),
                    None => return Ok(()),
                }
            };
            let _guard = self.stripe(&victim);
            self.discard(&victim)?;
        }
    }

    /// Builds the index from the directory, deleting what cannot be served.
    fn load(&self) -> Result<(), StoreError> {
        fs::create_dir_all(&self.dir)?;
        if !self.dir.is_dir() {
            return Err(StoreError::new(
                StoreErrorKind::Corrupt,
                format!("{} is not a directory", self.dir.display()),
            ));
        }
        let mut metas: Vec<(SystemTime, String)> = Vec::new();
        let mut bodies: HashSet<String> = HashSet::new();
        for dir_entry in fs::read_dir(&self.dir)? {
            let dir_entry = dir_entry?;
            let path = dir_entry.path();
            let (Some(stem), Some(ext)) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            match ext {
                // Left by a writer that crashed (this store owns the directory).
                TEMP_EXT => {
                    remove_file(&path)?;
                }
                META_EXT => {
                    let modified = dir_entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(SystemTime::UNIX_EPOCH);
                    metas.push((modified, stem.to_owned()));
                }
                BODY_EXT => {
                    bodies.insert(stem.to_owned());
                }
                _ => {}
            }
        }
        // Oldest first, so the least recently written entries are evicted first.
        metas.sort();
        for (_, stem) in metas {
            let meta_path = self.path(&stem, META_EXT);
            let Some(meta_bytes) = read_file(&meta_path)? else {
                continue;
            };
            let body_len = match fs::metadata(self.path(&stem, BODY_EXT)) {
                Ok(m) => Some(m.len()),
                Err(err) if is_not_found(&err) => None,
                Err(err) => return Err(err.into()),
            };
            let meta_len = meta_bytes.len() as u64;
            let opened = self
                .open_meta(&stem, meta_bytes)
                .filter(|(_, digest)| body_len == Some(digest.len()));
            match opened {
                Some((metadata, digest)) => {
                    bodies.remove(&stem);
                    let size = meta_len + digest.len();
                    self.index().insert(stem, IndexEntry::new(&metadata, size));
                }
                None => {
                    bodies.remove(&stem);
                    self.discard(&stem)?;
                }
            }
        }
        for orphan in bodies {
            remove_file(&self.path(&orphan, BODY_EXT))?;
        }
        self.evict(None)
    }
}

impl BlockingStore for Inner {
    type Handle = ();
    type Error = StoreError;
    const TASK_FAILED: &'static str = "file store task failed";
    const EXISTS_IN_MEMORY: bool = true;

    /// Loads the index on the first operation.
    async fn ready(self: &Arc<Self>) -> Result<(), StoreError> {
        self.check_open()?;
        let inner = Arc::clone(self);
        self.loaded
            .get_or_try_init(
                || async move { on_pool(Self::TASK_FAILED, move || inner.load()).await },
            )
            .await
            .map(|_| ())
    }

    fn get(&self, _: &(), key: &str, now: SystemTime) -> Result<Option<CacheEntry>, StoreError> {
        self.read_entry(key, now)
    }

    fn set(&self, _: &(), entry: CacheEntry) -> Result<(), StoreError> {
        self.check_open()?;
        let CacheEntry {
            mut metadata, body, ..
        } = entry;
        metadata.body_len = body.len() as u64;
        let stem = file_stem(&metadata.key);
        if body.len() as u64 > self.max_entry_bytes {
            let _guard = self.stripe(&stem);
            self.discard(&stem)?;
            return Ok(());
        }
        let stored_body: Bytes = match &self.cipher {
            Some(_) => Bytes::from(self.seal(BODY_EXT, &stem, body.to_vec())?),
            None => body,
        };
        let digest = BodyDigest::of(&stored_body);
        let meta_bytes = self.seal_meta(&stem, &metadata, digest)?;
        let size = meta_bytes.len() as u64 + digest.len();
        {
            let _guard = self.stripe(&stem);
            if size > self.max_entry_bytes {
                self.discard(&stem)?;
                return Ok(());
            }
            // Body first: until the metadata is renamed in, the old metadata names the old
            // body's digest, so the pair reads as a miss rather than a mixed entry.
            self.write_atomic(&self.path(&stem, BODY_EXT), &stored_body)?;
            self.write_atomic(&self.path(&stem, META_EXT), &meta_bytes)?;
            self.index()
                .insert(stem.clone(), IndexEntry::new(&metadata, size));
        }
        self.evict(Some(&stem))
    }

    fn update_metadata(&self, _: &(), mut metadata: EntryMetadata) -> Result<bool, StoreError> {
        self.check_open()?;
        let stem = file_stem(&metadata.key);
        {
            let _guard = self.stripe(&stem);
            let meta_path = self.path(&stem, META_EXT);
            let Some(old_bytes) = read_file(&meta_path)? else {
                self.index().remove(&stem);
                return Ok(false);
            };
            let Some((old, digest)) = self.open_meta(&stem, old_bytes) else {
                self.discard(&stem)?;
                return Ok(false);
            };
            if old.key != metadata.key {
                return Ok(false);
            }
            metadata.body_len = old.body_len;
            let meta_bytes = self.seal_meta(&stem, &metadata, digest)?;
            self.write_atomic(&meta_path, &meta_bytes)?;
            let size = meta_bytes.len() as u64 + digest.len();
            self.index()
                .insert(stem.clone(), IndexEntry::new(&metadata, size));
        }
        self.evict(Some(&stem))?;
        Ok(true)
    }

    fn delete(&self, _: &(), key: &str) -> Result<bool, StoreError> {
        self.check_open()?;
        let stem = file_stem(key);
        let _guard = self.stripe(&stem);
        self.discard(&stem)
    }

    fn exists(&self, _: &(), key: &str, now: SystemTime) -> Result<bool, StoreError> {
        self.check_open()?;
        let stem = file_stem(key);
        let index = self.index();
        Ok(index
            .entries
            .get(&stem)
            .is_some_and(|entry| entry.key == key && !entry.is_expired(now)))
    }

    fn clean(&self, _: &(), filter: CleanFilter, now: SystemTime) -> Result<usize, StoreError> {
        self.delete_where(|entry| filter.selects_parts(entry.priority, entry.expires_at, now))
    }

    fn get_matching(
        &self,
        _: &(),
        filter: &MatchFilter,
        now: SystemTime,
    ) -> Result<Vec<CacheEntry>, StoreError> {
        self.check_open()?;
        let keys: Vec<String> = self
            .index()
            .entries
            .iter()
            .map(|(_, entry)| entry)
            .filter(|entry| !entry.is_expired(now) && filter.matches(&entry.url))
            .map(|entry| entry.key.clone())
            .collect();
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(entry) = self.read_entry(&key, now)? {
                found.push(entry);
            }
        }
        Ok(found)
    }

    fn delete_matching(&self, _: &(), filter: &MatchFilter) -> Result<usize, StoreError> {
        self.delete_where(|entry| filter.matches(&entry.url))
    }

    fn close(self: &Arc<Self>) -> BoxFuture<'_, Result<(), StoreError>> {
        self.closed.store(true, Ordering::Release);
        *self.index() = Index::default();
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::XChaCha20Poly1305Cipher;
    use crate::store::CacheStore;
    use std::time::Duration;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn entry(key: &str, body: &[u8]) -> CacheEntry {
        let meta = EntryMetadata::new(
            key,
            http::Method::GET,
            format!("https://f.test/{key}"),
            200,
            now(),
        );
        CacheEntry::new(meta, body.to_vec())
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn corrupt_meta_is_a_miss_and_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.set(entry("k", b"body")).await.unwrap();
        let meta_path = dir.path().join(format!("{}.meta", file_stem("k")));
        let mut bytes = fs::read(&meta_path).unwrap();
        bytes[12] ^= 0x40;
        fs::write(&meta_path, bytes).unwrap();
        assert!(store.get("k", now()).await.unwrap().is_none());
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
        assert!(!store.exists("k", now()).await.unwrap());
    }

    #[tokio::test]
    async fn corrupt_body_is_a_miss_and_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.set(entry("k", b"body")).await.unwrap();
        let body_path = dir.path().join(format!("{}.body", file_stem("k")));
        fs::write(&body_path, b"bodY").unwrap();
        assert!(store.get("k", now()).await.unwrap().is_none());
        assert!(files(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn body_from_another_write_is_detected() {
        // Simulates a crash between the body rename and the metadata rename of an overwrite.
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.set(entry("k", b"old body")).await.unwrap();
        let body_path = dir.path().join(format!("{}.body", file_stem("k")));
        fs::write(&body_path, b"new body").unwrap();
        assert!(store.get("k", now()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn size_cap_evicts_least_recently_used() {
        let dir = tempfile::tempdir().unwrap();
        let probe = FileStore::new(dir.path().join("probe"));
        probe.set(entry("a", &[1; 1000])).await.unwrap();
        let one = probe.total_bytes().await.unwrap();

        let store = FileStore::builder(dir.path().join("store"))
            .max_bytes(one * 3)
            .build();
        for key in ["a", "b", "c"] {
            store.set(entry(key, &[1; 1000])).await.unwrap();
        }
        assert!(store.get("a", now()).await.unwrap().is_some());
        store.set(entry("d", &[1; 1000])).await.unwrap();
        assert!(store.total_bytes().await.unwrap() <= one * 3);
        assert!(store.get("b", now()).await.unwrap().is_none());
        for key in ["a", "c", "d"] {
            assert!(store.get(key, now()).await.unwrap().is_some(), "{key}");
        }
        assert_eq!(files(&dir.path().join("store")).len(), 6);
    }

    #[tokio::test]
    async fn oversize_entry_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::builder(dir.path()).max_entry_bytes(100).build();
        store.set(entry("k", b"small")).await.unwrap();
        store.set(entry("k", &[0; 101])).await.unwrap();
        assert!(store.get("k", now()).await.unwrap().is_none());
        assert!(files(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn index_is_rebuilt_on_reopen_and_junk_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.set(entry("a", b"1")).await.unwrap();
        store.set(entry("b", b"22")).await.unwrap();
        let total = store.total_bytes().await.unwrap();
        fs::write(dir.path().join(".123-0.tmp"), b"half written").unwrap();
        fs::write(
            dir.path().join(format!("{}.body", file_stem("orphan"))),
            b"x",
        )
        .unwrap();
        drop(store);

        let reopened = FileStore::new(dir.path());
        assert_eq!(reopened.total_bytes().await.unwrap(), total);
        assert!(reopened.exists("a", now()).await.unwrap());
        assert_eq!(reopened.get("b", now()).await.unwrap().unwrap().body, "22");
        assert_eq!(files(dir.path()).len(), 4);
    }

    #[tokio::test]
    async fn update_metadata_leaves_the_body_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.set(entry("k", b"body")).await.unwrap();
        let body_path = dir.path().join(format!("{}.body", file_stem("k")));
        let before = fs::metadata(&body_path).unwrap();
        let mut meta = entry("k", b"").metadata;
        meta.status = 203;
        assert!(store.update_metadata(meta).await.unwrap());
        let after = fs::metadata(&body_path).unwrap();
        assert_eq!(before.modified().unwrap(), after.modified().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(before.ino(), after.ino(), "the body file was replaced");
        }
        let hit = store.get("k", now()).await.unwrap().unwrap();
        assert_eq!((hit.metadata.status, &hit.body[..]), (203, &b"body"[..]));
    }

    #[tokio::test]
    async fn encrypted_files_hold_no_plaintext_and_need_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = [9u8; 32];
        let store = FileStore::builder(dir.path())
            .cipher(XChaCha20Poly1305Cipher::new(key))
            .build();
        store
            .set(entry("secret-key", b"secret body"))
            .await
            .unwrap();
        for name in files(dir.path()) {
            let bytes = fs::read(dir.path().join(&name)).unwrap();
            assert!(
                !bytes.windows(6).any(|w| w == b"secret"),
                "{name} leaks plaintext"
            );
        }
        drop(store);

        let wrong = FileStore::builder(dir.path())
            .cipher(XChaCha20Poly1305Cipher::new([1u8; 32]))
            .build();
        assert!(wrong.get("secret-key", now()).await.unwrap().is_none());
        assert!(
            files(dir.path()).is_empty(),
            "undecryptable entries are deleted"
        );
    }

    #[tokio::test]
    async fn rotated_key_still_reads_old_entries() {
        let dir = tempfile::tempdir().unwrap();
        let old = [1u8; 32];
        let store = FileStore::builder(dir.path())
            .cipher(XChaCha20Poly1305Cipher::new(old))
            .build();
        store.set(entry("k", b"body")).await.unwrap();
        drop(store);
        let rotated = FileStore::builder(dir.path())
            .cipher(XChaCha20Poly1305Cipher::new([2u8; 32]).with_previous_key(old))
            .build();
        assert_eq!(rotated.get("k", now()).await.unwrap().unwrap().body, "body");
    }

    #[tokio::test]
    async fn a_file_where_the_directory_should_be_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        fs::write(&path, b"x").unwrap();
        let store = FileStore::new(&path);
        let err = store.get("k", now()).await.unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Io);
    }
}
