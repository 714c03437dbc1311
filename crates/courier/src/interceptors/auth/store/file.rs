//! [`FileTokenStore`]: the token in a JSON file, private to the user, replaced atomically.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::blocking::run_blocking;
use super::{BoxFuture, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::interceptors::auth::token::Token;

/// Keeps the token in a JSON file (the form of [`Token::to_json`]).
///
/// - **Private.** The file is created with mode `0600` (and a missing directory with `0700`)
///   on Unix, so other users cannot read it. On other systems it gets the directory's
///   default permissions: prefer the OS keychain there (feature `keyring`).
/// - **Atomic.** A save writes a temporary file in the same directory, `fsync`s it, renames
///   it over the old file and `fsync`s the directory. A crash leaves the old token or the
///   new one, never a torn file; a refresh token that rotates is never lost once the
///   interceptor has used its successor. Temporary files a crash left behind are removed on
///   the next load.
/// - **Forgiving.** A file that cannot be read as a token (corrupt, truncated by hand,
///   another format) loads as no token, with a warning on target `courier::auth`: the user
///   signs in again instead of being stuck. An I/O error (permission denied) is an error of
///   kind [`Io`](crate::ErrorKind::Io).
///
/// The file holds a secret in plain text: put it in the user's private configuration
/// directory, not in a shared or synced one.
///
/// ```
/// use courier::interceptors::auth::{FileTokenStore, Token, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = FileTokenStore::new(dir.path().join("tokens.json"));
/// store.save(&Token::new("a").with_refresh_token("r")).await?;
/// let loaded = store.load().await?.expect("saved");
/// assert_eq!(loaded.refresh_token(), Some("r"));
/// # #[cfg(unix)]
/// # {
/// use std::os::unix::fs::PermissionsExt;
/// let mode = std::fs::metadata(store.path())?.permissions().mode();
/// assert_eq!(mode & 0o777, 0o600);
/// # }
/// store.clear().await?;
/// assert!(store.load().await?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: Arc<Path>,
}

impl FileTokenStore {
    /// A store in the file at `path` (created on the first save, with its directory).
    ///
    /// ```
    /// let store = courier::interceptors::auth::FileTokenStore::new("/tmp/app/tokens.json");
    /// assert!(store.path().ends_with("tokens.json"));
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Arc::from(path.into()),
        }
    }

    /// The file's path.
    ///
    /// ```
    /// let store = courier::interceptors::auth::FileTokenStore::new("tokens.json");
    /// assert_eq!(store.path(), std::path::Path::new("tokens.json"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, error: io::Error) -> Error {
        Error::with_source(ErrorKind::Io, error)
            .with_message(format!("token file {}", self.path.display()))
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<Token>>> {
        Box::pin(async move {
            let path = Arc::clone(&self.path);
            let bytes = run_blocking(move || {
                remove_leftover_temporary_files(&path);
                match fs::read(&path) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(error) => Err(error),
                }
            })
            .await
            .map_err(|error| self.io_error(error))?;
            let Some(bytes) = bytes else {
                return Ok(None);
            };
            let token = serde_json::from_slice(&bytes)
                .map_err(|error| Error::with_source(ErrorKind::Decode, error))
                .and_then(|json| Token::from_json(&json));
            match token {
                Ok(token) => Ok(Some(token)),
                Err(error) => {
                    // The error names the problem, never the file's content.
                    tracing::warn!(
                        target: "courier::auth",
                        path = %self.path.display(),
                        %error,
                        "the token file is unreadable; treated as signed out"
                    );
                    Ok(None)
                }
            }
        })
    }

    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let bytes = serde_json::to_vec(&token.to_json())
                .map_err(|error| Error::with_source(ErrorKind::Io, error))?;
            let path = Arc::clone(&self.path);
            run_blocking(move || write_atomically(&path, &bytes))
                .await
                .map_err(|error| self.io_error(error))
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let path = Arc::clone(&self.path);
            run_blocking(move || match fs::remove_file(&path) {
                Ok(()) => sync_directory(directory_of(&path)),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(error),
            })
            .await
            .map_err(|error| self.io_error(error))
        })
    }
}

/// The directory a file is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The prefix of the temporary files of `path`: `.<file name>.`, followed by a random
/// number and `.tmp`.
fn temporary_prefix(path: &Path) -> io::Result<OsString> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    Ok(prefix)
}

/// Writes `bytes` to `path` so that a crash leaves the old content or the new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let directory = directory_of(path);
    create_private_directory(directory)?;
    let mut temporary_name = temporary_prefix(path)?;
    temporary_name.push(format!("{:016x}.tmp", fastrand::u64(..)));
    let temporary = directory.join(temporary_name);

    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)?;
        sync_directory(directory)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn create_private_directory(directory: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(directory)
}

/// Makes a rename or removal in `directory` durable (on Unix; elsewhere the rename is
/// already as durable as the platform makes it).
#[cfg(unix)]
fn sync_directory(directory: &Path) -> io::Result<()> {
    fs::File::open(directory)?.sync_all()
}

#[cfg(not(unix))]
fn sync_directory(_directory: &Path) -> io::Result<()> {
    Ok(())
}

/// Removes temporary files a crash left beside `path` (they may hold a token). Best
/// effort: a failure leaves them for next time.
fn remove_leftover_temporary_files(path: &Path) {
    let Ok(prefix) = temporary_prefix(path) else {
        return;
    };
    let Ok(entries) = fs::read_dir(directory_of(path)) else {
        return;
    };
    let prefix = prefix.as_encoded_bytes();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        if name.starts_with(prefix) && name.ends_with(b".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(directory: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_missing_file_is_no_token_and_clearing_it_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("tokens.json"));
        assert!(store.load().await.unwrap().is_none());
        store.clear().await.unwrap();
    }

    #[tokio::test]
    async fn save_creates_the_directory_and_leaves_only_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app").join("tokens.json");
        let store = FileTokenStore::new(&path);
        store.save(&Token::new("a")).await.unwrap();
        store.save(&Token::new("b")).await.unwrap();
        assert_eq!(names_in(&dir.path().join("app")), ["tokens.json"]);
        assert_eq!(store.load().await.unwrap().unwrap().access_token(), "b");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file_mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(file_mode & 0o777, 0o600);
            let dir_mode = fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_existing_world_readable_file_is_replaced_by_a_private_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        fs::write(&path, b"{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        FileTokenStore::new(&path)
            .save(&Token::new("a"))
            .await
            .unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[tokio::test]
    async fn a_corrupt_file_is_no_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let store = FileTokenStore::new(&path);
        for content in [
            &b"{\"access_token\": \"trunc"[..],
            b"",
            b"\xff\xfe",
            b"[1, 2]",
            b"{\"refresh_token\": \"r\"}",
        ] {
            fs::write(&path, content).unwrap();
            assert!(store.load().await.unwrap().is_none());
        }
        // A save over a corrupt file repairs it.
        store.save(&Token::new("a")).await.unwrap();
        assert!(store.load().await.unwrap().is_some());
    }

    #[tokio::test]
    async fn leftover_temporary_files_are_removed_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let store = FileTokenStore::new(&path);
        store.save(&Token::new("a")).await.unwrap();
        fs::write(dir.path().join(".tokens.json.00000000deadbeef.tmp"), b"{").unwrap();
        fs::write(dir.path().join("unrelated.tmp"), b"keep").unwrap();
        assert_eq!(store.load().await.unwrap().unwrap().access_token(), "a");
        assert_eq!(names_in(dir.path()), ["tokens.json", "unrelated.tmp"]);
    }

    #[tokio::test]
    async fn an_unreadable_path_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: reading it fails, and not with NotFound.
        let path = dir.path().join("tokens.json");
        fs::create_dir(&path).unwrap();
        let store = FileTokenStore::new(&path);
        let error = store.load().await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Io);
        assert_eq!(
            store.save(&Token::new("a")).await.unwrap_err().kind(),
            ErrorKind::Io
        );
        assert!(
            names_in(dir.path()) == ["tokens.json"],
            "a failed save leaves no temporary file"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_never_see_a_torn_file_while_writers_replace_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("tokens.json"));
        store.save(&Token::new("seed")).await.unwrap();
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let store = store.clone();
                tokio::spawn(async move {
                    for round in 0..25 {
                        // Tokens of different lengths, so a torn write would not parse.
                        let access = format!("{writer}-{round}-{}", "x".repeat(round * 40));
                        store.save(&Token::new(access)).await.unwrap();
                    }
                })
            })
            .collect();
        let reader = {
            let path = store.path().to_owned();
            tokio::spawn(async move {
                for _ in 0..200 {
                    let bytes = tokio::fs::read(&path).await.unwrap();
                    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    Token::from_json(&json).unwrap();
                }
            })
        };
        for writer in writers {
            writer.await.unwrap();
        }
        reader.await.unwrap();
        assert_eq!(names_in(dir.path()), ["tokens.json"]);
    }
}
