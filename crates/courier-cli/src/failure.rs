//! Errors printed for people — one line saying what failed and one saying what to do — and
//! exit codes by kind, so scripts can tell a network failure from a bad URL.
//!
//! | Code | Meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | anything else (a bug, a local problem) |
//! | 2 | wrong usage (from clap) |
//! | 3 | the server could not be reached |
//! | 4 | a timeout |
//! | 5 | the server's certificate was rejected |
//! | 6 | the server answered 4xx |
//! | 7 | the server answered 5xx (or the cache had nothing for `only-if-cached`) |
//! | 8 | the cache store failed |
//! | 9 | the request is invalid (URL, header, body) |
//! | 130 | cancelled (Ctrl-C) |

use std::process::ExitCode;

use courier::ErrorKind;
use courier_cache::store::{StoreError, StoreErrorKind};

pub(crate) const INTERNAL: u8 = 1;
pub(crate) const NETWORK: u8 = 3;
pub(crate) const TIMEOUT: u8 = 4;
pub(crate) const CERTIFICATE: u8 = 5;
pub(crate) const CLIENT_ERROR_STATUS: u8 = 6;
pub(crate) const SERVER_ERROR_STATUS: u8 = 7;
pub(crate) const STORE: u8 = 8;
pub(crate) const INVALID_REQUEST: u8 = 9;
pub(crate) const CANCELLED: u8 = 130;

/// Prints `error` for a person and returns the exit code for its kind.
pub(crate) fn report(error: &anyhow::Error) -> ExitCode {
    let (code, hint) = classify(error);
    eprintln!("error: {error:#}");
    if let Some(hint) = hint {
        eprintln!("  hint: {hint}");
    }
    ExitCode::from(code)
}

/// The exit code for a response status the client rejected.
pub(crate) fn status_code(status: http::StatusCode) -> u8 {
    if status.is_server_error() {
        SERVER_ERROR_STATUS
    } else {
        CLIENT_ERROR_STATUS
    }
}

fn classify(error: &anyhow::Error) -> (u8, Option<&'static str>) {
    if let Some(error) = error.downcast_ref::<courier::Error>() {
        return match error.kind() {
            ErrorKind::Connection => (
                NETWORK,
                Some(
                    "check the URL's host and port and your connection; --policy only-if-cached answers from the cache",
                ),
            ),
            kind if kind.is_timeout() => (
                TIMEOUT,
                Some("the server is slow or unreachable; raise --timeout or try again"),
            ),
            ErrorKind::BadCertificate => (
                CERTIFICATE,
                Some(
                    "the server's TLS certificate is not trusted for this host (expired, self-signed or wrong name)",
                ),
            ),
            ErrorKind::BadResponse => match error.status() {
                Some(status) => (status_code(status), None),
                None => (SERVER_ERROR_STATUS, None),
            },
            ErrorKind::Cancelled => (CANCELLED, None),
            ErrorKind::InvalidRequest => (
                INVALID_REQUEST,
                Some("check the URL (with scheme), the -H 'Name: value' headers and the -d JSON"),
            ),
            ErrorKind::Redirect => (
                NETWORK,
                Some("the server redirects in a loop or to an invalid location"),
            ),
            _ => (INTERNAL, None),
        };
    }
    if let Some(error) = error.downcast_ref::<StoreError>() {
        return match error.kind() {
            StoreErrorKind::Unavailable => (
                STORE,
                Some("another process holds the cache file; close it or use --store memory"),
            ),
            StoreErrorKind::Config => (
                STORE,
                Some(
                    "use --store sqlite:PATH, redb:PATH, redis://HOST:PORT/DB, file:DIR or memory",
                ),
            ),
            _ => (
                STORE,
                Some(
                    "the cache store failed; --store memory bypasses it, `courier cache clean` empties it",
                ),
            ),
        };
    }
    (INTERNAL, None)
}
