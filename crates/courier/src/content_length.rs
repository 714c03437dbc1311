//! Reading `Content-Length`, shared by responses, downloads and the log interceptor.

use http::HeaderMap;

/// The `Content-Length` header as a number, when present and valid (RFC 9110 §8.6: digits
/// only; anything else is treated as absent).
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    let value = headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim();
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(value: &'static str) -> Option<u64> {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from_static(value),
        );
        content_length(&headers)
    }

    #[test]
    fn rfc9110_section_8_6_digits_only() {
        assert_eq!(parsed("42"), Some(42));
        assert_eq!(parsed(" 7 "), Some(7));
        assert_eq!(parsed("+42"), None);
        assert_eq!(parsed("-1"), None);
        assert_eq!(parsed("4 2"), None);
        assert_eq!(parsed(""), None);
        assert_eq!(content_length(&HeaderMap::new()), None);
    }
}
