use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A store operation failed.
///
/// One pointer wide (the details are boxed). [`kind`](StoreError::kind) says what went
/// wrong; [`source`](StdError::source) gives the underlying I/O or backend error. Unreadable
/// entries are not errors: stores read them as misses.
///
/// # Example
///
/// ```
/// use courier_cache::store::{StoreError, StoreErrorKind};
///
/// let err = StoreError::from(std::io::Error::other("disk on fire"));
/// assert_eq!(err.kind(), StoreErrorKind::Io);
/// assert!(std::error::Error::source(&err).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(thiserror::Error)]
#[error(transparent)]
pub struct StoreError(Box<Repr>);

#[derive(Debug, thiserror::Error)]
#[error("cache store {kind} error: {message}")]
struct Repr {
    kind: StoreErrorKind,
    message: Cow<'static, str>,
    #[source]
    source: Option<BoxError>,
}

/// What kind of failure a [`StoreError`] is.
///
/// # Example
///
/// ```
/// use courier_cache::store::{StoreError, StoreErrorKind};
///
/// assert_eq!(StoreError::closed().kind(), StoreErrorKind::Closed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// Reading or writing the backing storage failed (file system, network).
    Io,
    /// The store is in a state it cannot work from (e.g. its directory is not a directory).
    /// Individual corrupt entries are misses, not this.
    Corrupt,
    /// [`CacheStore::close`](super::CacheStore::close) was called.
    Closed,
    /// Encrypting an entry failed (no randomness available).
    Cipher,
    /// Anything else a backend reports (a task panicked, a server refused).
    Backend,
    /// The store's location or settings are invalid, or name a store this build lacks (its
    /// cargo feature is off).
    Config,
    /// The backing storage is held by someone else right now (another process has the
    /// database file open and locked); the same call may work once it lets go, and a caller
    /// can fall back to another store meanwhile.
    Unavailable,
}

impl fmt::Display for StoreErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreErrorKind::Io => "I/O",
            StoreErrorKind::Corrupt => "corruption",
            StoreErrorKind::Closed => "closed",
            StoreErrorKind::Cipher => "cipher",
            StoreErrorKind::Backend => "backend",
            StoreErrorKind::Config => "configuration",
            StoreErrorKind::Unavailable => "unavailable",
        })
    }
}

impl StoreError {
    /// An error of `kind` described by `message`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{StoreError, StoreErrorKind};
    ///
    /// let err = StoreError::new(StoreErrorKind::Backend, "server said no");
    /// assert!(err.to_string().contains("server said no"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(kind: StoreErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        StoreError(Box::new(Repr {
            kind,
            message: message.into(),
            source: None,
        }))
    }

    /// An error of `kind` described by `message`, caused by `source`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{StoreError, StoreErrorKind};
    ///
    /// let err = StoreError::with_source(StoreErrorKind::Io, "writing entry", std::io::Error::other("full"));
    /// assert_eq!(std::error::Error::source(&err).map(|s| s.to_string()), Some("full".to_owned()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_source(
        kind: StoreErrorKind,
        message: impl Into<Cow<'static, str>>,
        source: impl Into<BoxError>,
    ) -> Self {
        StoreError(Box::new(Repr {
            kind,
            message: message.into(),
            source: Some(source.into()),
        }))
    }

    /// The error every call returns after [`CacheStore::close`](super::CacheStore::close).
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::StoreError;
    ///
    /// assert!(StoreError::closed().is_closed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn closed() -> Self {
        StoreError::new(StoreErrorKind::Closed, "the store is closed")
    }

    /// What kind of failure this is.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{StoreError, StoreErrorKind};
    ///
    /// assert_eq!(StoreError::new(StoreErrorKind::Io, "x").kind(), StoreErrorKind::Io);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> StoreErrorKind {
        self.0.kind
    }

    /// Whether the store was closed.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::store::{StoreError, StoreErrorKind};
    ///
    /// assert!(!StoreError::new(StoreErrorKind::Io, "x").is_closed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.0.kind == StoreErrorKind::Closed
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("source", &self.0.source)
            .finish()
    }
}

impl From<std::io::Error> for StoreError {
    fn from(err: std::io::Error) -> Self {
        StoreError::with_source(StoreErrorKind::Io, "I/O failed", err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_sync_and_one_pointer_wide() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<StoreError>();
        assert_eq!(
            std::mem::size_of::<StoreError>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn display_names_kind_and_message() {
        let err = StoreError::new(StoreErrorKind::Corrupt, "bad dir");
        assert_eq!(err.to_string(), "cache store corruption error: bad dir");
    }
}
