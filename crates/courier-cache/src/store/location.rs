//! Where a store lives, as one string: `memory`, `file:DIR`, `sqlite:PATH`, `redb:PATH`,
//! `redis://HOST:PORT/DB` (or `rediss://`). What [`Store::open`](super::Store::open) and the
//! command line take.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::{StoreError, StoreErrorKind};

/// A store's location, parsed from its string form.
///
/// | String | Store | Cargo feature |
/// |---|---|---|
/// | `memory` | [`MemoryStore`](super::MemoryStore) | — |
/// | `file:DIR` | [`FileStore`](super::FileStore) in directory `DIR` | — |
/// | `sqlite:PATH` | `SqliteStore`, one database file | `sqlite` |
/// | `redb:PATH` | `RedbStore`, one database file | `redb` |
/// | `redis://HOST:PORT/DB`, `rediss://…` | `RedisStore` | `redis` |
///
/// A location parses whether or not its feature is enabled; opening one whose feature is off
/// fails with a message naming the feature. Paths may be relative; an empty path is an error.
///
/// ```
/// use courier_cache::store::StoreLocation;
///
/// let location: StoreLocation = "sqlite:/var/cache/app/http.db".parse()?;
/// assert_eq!(location, StoreLocation::Sqlite("/var/cache/app/http.db".into()));
/// assert_eq!(location.to_string(), "sqlite:/var/cache/app/http.db");
/// assert_eq!("memory".parse::<StoreLocation>()?, StoreLocation::Memory);
/// assert!("postgres://db".parse::<StoreLocation>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreLocation {
    /// `memory`: a [`MemoryStore`](super::MemoryStore) with its default limits.
    Memory,
    /// `file:DIR`: a [`FileStore`](super::FileStore) in `DIR`.
    File(PathBuf),
    /// `sqlite:PATH`: an SQLite database file (feature `sqlite`).
    Sqlite(PathBuf),
    /// `redb:PATH`: a redb database file (feature `redb`).
    Redb(PathBuf),
    /// `redis://…` or `rediss://…`: a Redis server (feature `redis`); the whole URL.
    Redis(String),
}

impl StoreLocation {
    /// The scheme naming the kind of store: `memory`, `file`, `sqlite`, `redb` or `redis`.
    ///
    /// ```
    /// use courier_cache::store::StoreLocation;
    ///
    /// assert_eq!("redis://127.0.0.1:6379/0".parse::<StoreLocation>()?.scheme(), "redis");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scheme(&self) -> &'static str {
        match self {
            StoreLocation::Memory => "memory",
            StoreLocation::File(_) => "file",
            StoreLocation::Sqlite(_) => "sqlite",
            StoreLocation::Redb(_) => "redb",
            StoreLocation::Redis(_) => "redis",
        }
    }
}

impl FromStr for StoreLocation {
    type Err = StoreError;

    fn from_str(location: &str) -> Result<Self, StoreError> {
        let location = location.trim();
        if location == "memory" {
            return Ok(StoreLocation::Memory);
        }
        if location.starts_with("redis://") || location.starts_with("rediss://") {
            return Ok(StoreLocation::Redis(location.to_owned()));
        }
        let Some((scheme, path)) = location.split_once(':') else {
            return Err(invalid(location, "expected SCHEME:PATH"));
        };
        if path.is_empty() {
            return Err(invalid(location, "the path is empty"));
        }
        let path = PathBuf::from(path);
        match scheme {
            "file" => Ok(StoreLocation::File(path)),
            "sqlite" => Ok(StoreLocation::Sqlite(path)),
            "redb" => Ok(StoreLocation::Redb(path)),
            _ => Err(invalid(location, "unknown kind of store")),
        }
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Memory => f.write_str("memory"),
            StoreLocation::File(path) => write!(f, "file:{}", path.display()),
            StoreLocation::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            StoreLocation::Redb(path) => write!(f, "redb:{}", path.display()),
            StoreLocation::Redis(url) => f.write_str(&redacted_url(url)),
        }
    }
}

/// A Redis URL without its password (`redis://user:secret@host` → `redis://user:***@host`),
/// for messages and logs. Something that is not a URL but holds an `@` is withheld whole.
fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return if url.contains('@') {
            "(withheld: it may hold a password)".to_owned()
        } else {
            url.to_owned()
        };
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{path}")
            } else {
                format!("{scheme}://***@{host}{path}")
            }
        }
        None => url.to_owned(),
    }
}

fn invalid(location: &str, why: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Config,
        format!(
            "invalid store location {:?}: {why} (expected memory, file:DIR, sqlite:PATH, redb:PATH or redis://HOST:PORT/DB)",
            redacted_url(location)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_string() {
        for text in [
            "memory",
            "file:cache/http",
            "sqlite:/tmp/a.db",
            "redb:rel.redb",
            "redis://127.0.0.1:6379/2",
            "rediss://cache.internal:6380/0",
        ] {
            let location: StoreLocation = text.parse().unwrap();
            assert_eq!(location.to_string(), text);
        }
    }

    #[test]
    fn bad_locations_are_config_errors_that_say_what_is_expected() {
        for text in ["", "sqlite:", "mongo:x", "/just/a/path", "redis:/x"] {
            let error = text.parse::<StoreLocation>().unwrap_err();
            assert_eq!(error.kind(), StoreErrorKind::Config, "{text}");
            assert!(error.to_string().contains("sqlite:PATH"), "{error}");
        }
    }

    #[test]
    fn redis_passwords_never_reach_messages() {
        let location: StoreLocation = "redis://app:hunter2@10.0.0.1:6379/0".parse().unwrap();
        assert_eq!(location.to_string(), "redis://app:***@10.0.0.1:6379/0");
        assert_eq!(redacted_url("redis://:hunter2@h/0"), "redis://:***@h/0");
        assert_eq!(redacted_url("redis://token@h"), "redis://***@h");
        let error = "redis:app:hunter2@h".parse::<StoreLocation>().unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
