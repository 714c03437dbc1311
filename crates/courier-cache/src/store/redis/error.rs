//! How Redis errors become [`StoreError`]s.

use ::redis::{ErrorKind, RedisError, ServerErrorKind};

use crate::store::{StoreError, StoreErrorKind};

/// `err`, raised while `doing` something, as a [`StoreError`]: [`StoreErrorKind::Io`] when the
/// server could not be reached or answered too late (connection refused or dropped, a
/// timeout, a cluster without a reachable master), [`StoreErrorKind::Backend`] when it
/// answered with an error.
pub(super) fn store_error(doing: &'static str, err: RedisError) -> StoreError {
    StoreError::with_source(kind_of(&err), doing, err)
}

fn kind_of(err: &RedisError) -> StoreErrorKind {
    let unreachable = err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(
            err.kind(),
            ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::ClusterDown
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::BusyLoading
                )
        );
    if unreachable {
        StoreErrorKind::Io
    } else {
        StoreErrorKind::Backend
    }
}

/// Whether the server refused a command because the key holds another type than the
/// command works on (`WRONGTYPE`): a value under the store's prefix that it did not write.
pub(super) fn is_wrong_type(err: &RedisError) -> bool {
    err.code() == Some("WRONGTYPE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_servers_are_io_errors() {
        let refused = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(store_error("x", refused).kind(), StoreErrorKind::Io);
        let timeout = RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert_eq!(store_error("x", timeout).kind(), StoreErrorKind::Io);
    }

    #[test]
    fn server_answers_are_backend_errors() {
        let refused = RedisError::from((ErrorKind::Client, "no"));
        let err = store_error("reading an entry", refused);
        assert_eq!(err.kind(), StoreErrorKind::Backend);
        assert!(err.to_string().contains("reading an entry"));
        assert!(std::error::Error::source(&err).is_some());
    }
}
