//! `Retry-After` (RFC 9110 §10.2.3): how long the server asks the client to wait.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::RETRY_AFTER;

/// The wait a response's `Retry-After` asks for, read at wall-clock time `now`: either
/// delay-seconds (`120`) or an HTTP-date (`Fri, 31 Dec 1999 23:59:59 GMT`, and the obsolete
/// RFC 850 and asctime forms). A date in the past asks for no wait. `None` when the header is
/// absent or unreadable: the back-off applies then, as if the server had said nothing.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        // Too many digits for a u64 is still "a very long time", which the cap then refuses.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        headers
    }

    /// 1999-12-31T23:59:00Z.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_740)
    }

    #[test]
    fn rfc9110_10_2_3_delay_seconds() {
        assert_eq!(
            retry_after(&headers("120"), now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(retry_after(&headers(" 0 "), now()), Some(Duration::ZERO));
        assert_eq!(
            retry_after(&headers("99999999999999999999999"), now()),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn rfc9110_10_2_3_http_date_in_all_three_forms() {
        let expected = Some(Duration::from_secs(59));
        for date in [
            "Fri, 31 Dec 1999 23:59:59 GMT",
            "Friday, 31-Dec-99 23:59:59 GMT",
            "Fri Dec 31 23:59:59 1999",
        ] {
            assert_eq!(retry_after(&headers(date), now()), expected, "{date}");
        }
    }

    #[test]
    fn a_date_in_the_past_asks_for_no_wait() {
        assert_eq!(
            retry_after(&headers("Thu, 30 Dec 1999 00:00:00 GMT"), now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn absent_or_invalid_values_are_ignored() {
        assert_eq!(retry_after(&HeaderMap::new(), now()), None);
        for value in ["", "-5", "1.5", "soon", "120 seconds"] {
            assert_eq!(retry_after(&headers(value), now()), None, "{value:?}");
        }
    }
}
