//! One module per subcommand.

pub(crate) mod cache;
pub(crate) mod demo;
pub(crate) mod download;
pub(crate) mod proxy;
pub(crate) mod request;

/// A token cancelled by Ctrl-C, so an interrupted request ends as `Cancelled` (exit 130)
/// and a download removes its partial file.
pub(crate) fn interrupt_token() -> courier::CancelToken {
    let token = courier::CancelToken::new();
    let on_interrupt = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel_with("interrupted (Ctrl-C)");
        }
    });
    token
}

/// Parses `Name: value` request headers.
pub(crate) fn parse_header(text: &str) -> courier::Result<(http::HeaderName, http::HeaderValue)> {
    // The text is not echoed: a malformed `Authorization Bearer …` would print the token.
    let invalid = || {
        courier::Error::new(courier::ErrorKind::InvalidRequest)
            .with_message("invalid header: expected 'Name: value' (value not shown)")
    };
    let (name, value) = text.split_once(':').ok_or_else(invalid)?;
    let name = http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid())?;
    let value = http::HeaderValue::from_str(value.trim()).map_err(|_| invalid())?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_bad_ones_are_invalid_requests() {
        let (name, value) = parse_header("X-Trace:  abc ").unwrap();
        assert_eq!((name.as_str(), value.to_str().unwrap()), ("x-trace", "abc"));
        for bad in ["no colon", ": empty name", "bad name: x"] {
            assert_eq!(
                parse_header(bad).unwrap_err().kind(),
                courier::ErrorKind::InvalidRequest,
                "{bad}"
            );
        }
    }
}
