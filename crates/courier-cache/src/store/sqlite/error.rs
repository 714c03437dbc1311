//! SQLite errors as [`StoreError`]s: the kind follows SQLite's primary result code, the
//! message says what the store was doing, and the rusqlite error is the source.

use rusqlite::ErrorCode;

use crate::store::{StoreError, StoreErrorKind};

/// Turns a rusqlite error into a [`StoreError`] that says what was being done.
pub(super) trait SqliteContext<T> {
    /// The error, if any, as a [`StoreError`] described by `doing` ("reading an entry").
    fn doing(self, doing: &'static str) -> Result<T, StoreError>;
}

impl<T> SqliteContext<T> for Result<T, rusqlite::Error> {
    fn doing(self, doing: &'static str) -> Result<T, StoreError> {
        self.map_err(|err| store_error(doing, err))
    }
}

/// `err`, raised while `doing`, as a [`StoreError`].
pub(super) fn store_error(doing: &'static str, err: rusqlite::Error) -> StoreError {
    let kind = match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreErrorKind::Corrupt,
        Some(
            ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly
            | ErrorCode::NoLargeFileSupport
            | ErrorCode::FileLockingProtocolFailed,
        ) => StoreErrorKind::Io,
        // Busy and locked (another process held the lock past the busy timeout), constraint
        // and misuse errors, and rusqlite's own conversion errors.
        _ => StoreErrorKind::Backend,
    };
    StoreError::with_source(kind, doing, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_result_code() {
        let failure = |code| {
            rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("x".to_owned()))
        };
        let not_a_db = store_error("opening", failure(rusqlite::ffi::SQLITE_NOTADB));
        assert_eq!(not_a_db.kind(), StoreErrorKind::Corrupt);
        assert!(std::error::Error::source(&not_a_db).is_some());
        let full = store_error("writing", failure(rusqlite::ffi::SQLITE_FULL));
        assert_eq!(full.kind(), StoreErrorKind::Io);
        let busy = store_error("writing", failure(rusqlite::ffi::SQLITE_BUSY));
        assert_eq!(busy.kind(), StoreErrorKind::Backend);
        assert!(busy.to_string().contains("writing"));
    }
}
