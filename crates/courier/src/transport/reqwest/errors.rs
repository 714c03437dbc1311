//! Maps reqwest (and the hyper, io and rustls errors beneath it) to an [`ErrorKind`].

use std::error::Error as StdError;

use crate::error::{Error, ErrorKind};

/// The courier error for a reqwest error, with the URL (redacted) and the full source chain.
pub(super) fn map(error: reqwest::Error) -> Error {
    let kind = classify(&error);
    let url = error.url().cloned();
    // reqwest's own text shows the raw URL, tokens in the query included: keep only the
    // redacted copy on courier's error.
    let mapped = Error::with_source(kind, error.without_url());
    match url {
        Some(url) => mapped.with_url(&url),
        None => mapped,
    }
}

pub(super) fn classify(error: &reqwest::Error) -> ErrorKind {
    if error.is_builder() {
        return ErrorKind::InvalidRequest;
    }
    if error.is_redirect() {
        return ErrorKind::Redirect;
    }
    if is_certificate_error(error) {
        return ErrorKind::BadCertificate;
    }
    if error.is_timeout() || chain_has_io_kind(error, std::io::ErrorKind::TimedOut) {
        return if error.is_connect() {
            ErrorKind::ConnectTimeout
        } else {
            ErrorKind::ReceiveTimeout
        };
    }
    // reqwest reports every failure while reading a body through its decoders as a decode
    // error, a connection that broke mid-body included; hyper's error in the chain tells the
    // network's failures from the decoders'.
    if (error.is_decode() || error.is_body())
        && chain(error).any(|cause| cause.is::<hyper::Error>())
    {
        return ErrorKind::Connection;
    }
    if error.is_decode() {
        return ErrorKind::Decode;
    }
    if error.is_body() && is_decompression_error(error) {
        return ErrorKind::Decode;
    }
    ErrorKind::Connection
}

/// Every error in the chain, looking inside `io::Error`s (whose `source()` skips the error
/// they wrap).
fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next: Option<&'a (dyn StdError + 'static)> = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

fn is_certificate_error(error: &reqwest::Error) -> bool {
    chain(error).any(|cause| {
        matches!(
            cause.downcast_ref::<rustls::Error>(),
            Some(
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::InvalidCertRevocationList(_)
            )
        )
    })
}

fn chain_has_io_kind(error: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    chain(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// Decompression failures surface as body errors whose cause is an `io::Error` of kind
/// `InvalidData` (from the decoders), unlike a connection that broke mid-body.
fn is_decompression_error(error: &reqwest::Error) -> bool {
    chain(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
    })
}
