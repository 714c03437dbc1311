//! How redb's errors become [`StoreError`]s.

use super::super::{StoreError, StoreErrorKind};

/// A failure inside a store operation: a redb error already classified as a
/// [`StoreError`], so `?` works on redb calls and on the store's own errors alike.
#[derive(Debug)]
pub(super) struct Failure(StoreError);

impl Failure {
    pub(super) fn into_store_error(self) -> StoreError {
        self.0
    }
}

impl From<Failure> for StoreError {
    fn from(failure: Failure) -> Self {
        failure.into_store_error()
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure(err)
    }
}

/// Classifies a redb error by what the caller can do about it.
fn classify(err: redb::Error) -> StoreError {
    use redb::Error as E;
    let (kind, message) = match &err {
        E::DatabaseAlreadyOpen => (
            StoreErrorKind::Unavailable,
            "the redb file is already open (another process or another RedbStore holds its lock)",
        ),
        E::Corrupted(_) | E::UpgradeRequired(_) | E::RepairAborted => (
            StoreErrorKind::Corrupt,
            "the redb file is corrupt or of an unsupported version",
        ),
        E::TableTypeMismatch { .. }
        | E::TypeDefinitionChanged { .. }
        | E::TableIsMultimap(_)
        | E::TableIsNotMultimap(_) => (
            StoreErrorKind::Corrupt,
            "the redb file holds tables of another layout under the store's table names",
        ),
        // redb reads a header that is not its own (a foreign file) as invalid data.
        E::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => (
            StoreErrorKind::Corrupt,
            "the file is not a redb database (or its header is damaged)",
        ),
        E::Io(_) | E::PreviousIo => (
            StoreErrorKind::Io,
            "reading or writing the redb file failed",
        ),
        _ => (StoreErrorKind::Backend, "the redb database failed"),
    };
    StoreError::with_source(kind, message, err)
}

macro_rules! from_redb {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Failure {
            fn from(err: $ty) -> Self {
                Failure(classify(err.into()))
            }
        }
    )*};
}

from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_unavailable_and_keeps_its_source() {
        let err = Failure::from(redb::DatabaseError::DatabaseAlreadyOpen).into_store_error();
        assert_eq!(err.kind(), StoreErrorKind::Unavailable);
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn foreign_files_are_corrupt_and_io_is_io() {
        let foreign = redb::StorageError::Io(std::io::ErrorKind::InvalidData.into());
        assert_eq!(
            Failure::from(foreign).into_store_error().kind(),
            StoreErrorKind::Corrupt
        );
        let io = redb::StorageError::Io(std::io::Error::other("disk gone"));
        assert_eq!(
            Failure::from(io).into_store_error().kind(),
            StoreErrorKind::Io
        );
    }
}
