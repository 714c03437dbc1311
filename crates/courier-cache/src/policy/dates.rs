//! HTTP-date fields: `Date`, `Expires`, `Last-Modified` (RFC 9110 §5.6.7, §6.6.1, §8.8.2;
//! RFC 9111 §5.3).
//!
//! Dates are parsed with the `httpdate` crate, which accepts the three formats RFC 9110
//! requires recipients to read (IMF-fixdate, RFC 850 and asctime). The recipient rules that
//! differ per field live here so every caller applies them the same way:
//! - an `Expires` that is invalid (including `0`), or given twice with different values, means
//!   "already expired" (RFC 9111 §5.3);
//! - a missing or invalid `Date` is replaced by the time the response was received
//!   (RFC 9110 §6.6.1), see [`date_or`];
//! - a list-valued or repeated field uses its first line.

use std::time::SystemTime;

use http::header::{DATE, EXPIRES, HeaderMap, HeaderValue, LAST_MODIFIED};

/// Parses one HTTP-date field value.
///
/// ```
/// use http::HeaderValue;
/// use courier_cache::policy::dates::parse_http_date;
///
/// let at = parse_http_date(&HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
/// assert_eq!(at, Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(784_111_777)));
/// assert_eq!(parse_http_date(&HeaderValue::from_static("0")), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn parse_http_date(value: &HeaderValue) -> Option<SystemTime> {
    if let Some(parsed) = parse_imf_fixdate(value.as_bytes()) {
        return parsed;
    }
    let text = value.to_str().ok()?;
    httpdate::parse_http_date(text.trim()).ok()
}

/// The common case of [`parse_http_date`], an untrimmed IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), read without `httpdate`'s formatting round trip:
/// `None` when `s` is not in that shape (then `httpdate` reads it), else what `httpdate`
/// answers for it: the time, or `Some(None)` for an impossible date or a wrong weekday.
fn parse_imf_fixdate(s: &[u8]) -> Option<Option<SystemTime>> {
    let s: &[u8; 29] = s.try_into().ok()?;
    if &s[25..] != b" GMT" || s[16] != b' ' || s[19] != b':' || s[22] != b':' {
        return None;
    }
    let digit = |i: usize| {
        let d = s[i].wrapping_sub(b'0');
        (d < 10).then_some(u64::from(d))
    };
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let sec = two(23)?;
    let min = two(20)?;
    let hour = two(17)?;
    let day = two(5)?;
    let mon: u64 = match &s[7..12] {
        b" Jan " => 1,
        b" Feb " => 2,
        b" Mar " => 3,
        b" Apr " => 4,
        b" May " => 5,
        b" Jun " => 6,
        b" Jul " => 7,
        b" Aug " => 8,
        b" Sep " => 9,
        b" Oct " => 10,
        b" Nov " => 11,
        b" Dec " => 12,
        _ => return None,
    };
    let year = two(12)? * 100 + two(14)?;
    let wday: u64 = match &s[..5] {
        b"Mon, " => 1,
        b"Tue, " => 2,
        b"Wed, " => 3,
        b"Thu, " => 4,
        b"Fri, " => 5,
        b"Sat, " => 6,
        b"Sun, " => 7,
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match mon {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if sec >= 60
        || min >= 60
        || hour >= 24
        || day == 0
        || day > month_days
        || !(1970..=9999).contains(&year)
    {
        return Some(None);
    }
    let before = year - 1;
    let leap_years = (before - 1968) / 4 - (before - 1900) / 100 + (before - 1600) / 400;
    let mut year_days =
        [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][(mon - 1) as usize] + day - 1;
    if leap && mon > 2 {
        year_days += 1;
    }
    let days = (year - 1970) * 365 + leap_years + year_days;
    // 1970-01-01 was a Thursday (4, counting Monday as 1).
    if (days + 3) % 7 + 1 != wday {
        return Some(None);
    }
    let secs = sec + min * 60 + hour * 3600 + days * 86_400;
    Some(Some(
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs),
    ))
}

/// Formats a time as an IMF-fixdate field value (`Sun, 06 Nov 1994 08:49:37 GMT`).
///
/// Times before 1970 or after 9999 are clamped to those bounds.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use courier_cache::policy::dates::http_date_value;
///
/// let value = http_date_value(UNIX_EPOCH + Duration::from_secs(784_111_777));
/// assert_eq!(value, "Sun, 06 Nov 1994 08:49:37 GMT");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn http_date_value(at: SystemTime) -> HeaderValue {
    let at = http_date_time(at);
    let text = httpdate::fmt_http_date(at);
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

/// The time [`http_date_value`] writes for `at`, as [`parse_http_date`] reads it back: whole
/// seconds, clamped to 1970..=9999.
pub(crate) fn http_date_time(at: SystemTime) -> SystemTime {
    // httpdate panics past year 9999; clamp first.
    const MAX_SECS: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .min(MAX_SECS);
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

/// The first `Date` line, if present and valid.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::dates::date;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(date(&headers), None);
/// headers.insert("date", "Sun, 06 Nov 1994 08:49:37 GMT".parse()?);
/// assert!(date(&headers).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn date(headers: &HeaderMap) -> Option<SystemTime> {
    headers.get(DATE).and_then(parse_http_date)
}

/// The `Date` value, or `fallback` (the response time) when missing or invalid
/// (RFC 9110 §6.6.1: a recipient records the time of receipt as the message's date).
///
/// ```
/// use std::time::SystemTime;
/// use http::HeaderMap;
/// use courier_cache::policy::dates::date_or;
///
/// let received = SystemTime::UNIX_EPOCH;
/// assert_eq!(date_or(&HeaderMap::new(), received), received);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn date_or(headers: &HeaderMap, fallback: SystemTime) -> SystemTime {
    date(headers).unwrap_or(fallback)
}

/// The first `Last-Modified` line, if present and valid.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::dates::last_modified;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("last-modified", "yesterday".parse()?);
/// assert_eq!(last_modified(&headers), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn last_modified(headers: &HeaderMap) -> Option<SystemTime> {
    headers.get(LAST_MODIFIED).and_then(parse_http_date)
}

/// What the `Expires` field says (RFC 9111 §5.3).
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::dates::{expires, Expires};
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(expires(&headers), None);
/// headers.insert("expires", "0".parse()?);
/// assert_eq!(expires(&headers), Some(Expires::AlreadyExpired));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expires {
    /// A valid date.
    At(SystemTime),
    /// Invalid (e.g. `0`) or several different values: "a time in the past (i.e., already
    /// expired)".
    AlreadyExpired,
}

/// Reads `Expires`; `None` when absent.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::dates::{expires, Expires};
///
/// let mut headers = HeaderMap::new();
/// headers.append("expires", "Sun, 06 Nov 1994 08:49:37 GMT".parse()?);
/// headers.append("expires", "Mon, 07 Nov 1994 08:49:37 GMT".parse()?);
/// assert_eq!(expires(&headers), Some(Expires::AlreadyExpired));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn expires(headers: &HeaderMap) -> Option<Expires> {
    let mut lines = headers.get_all(EXPIRES).iter();
    let first = lines.next()?;
    // Two lines with different dates: RFC 9111 §4.2.1 lets a cache consider the response stale.
    let Some(at) = parse_http_date(first) else {
        return Some(Expires::AlreadyExpired);
    };
    if lines.any(|other| parse_http_date(other) != Some(at)) {
        return Some(Expires::AlreadyExpired);
    }
    Some(Expires::At(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn far_future_formats_without_panic() {
        let value = http_date_value(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::MAX / 4));
        assert_eq!(value, "Fri, 31 Dec 9999 23:59:59 GMT");
    }

    #[test]
    fn http_date_time_is_what_the_value_parses_to() {
        for secs in [0, 1, 784_111_777, 1_700_000_000, u64::MAX / 4] {
            let at =
                SystemTime::UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(999);
            assert_eq!(
                parse_http_date(&http_date_value(at)),
                Some(http_date_time(at))
            );
        }
    }

    #[test]
    fn imf_fixdates_are_read_as_httpdate_reads_them() {
        let reference = |text: &str| httpdate::parse_http_date(text).ok();
        let mut secs: u64 = 0;
        while secs < 253_402_300_799 {
            let text = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
            let value = HeaderValue::from_str(&text).expect("a date is a field value");
            assert_eq!(parse_http_date(&value), reference(&text), "{text}");
            secs += 86_400 * 13 + 3_607;
        }
        for text in [
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Thu, 29 Feb 2001 08:49:37 GMT",
            "Thu, 29 Feb 2024 08:49:37 GMT",
            "Tue, 29 Feb 2000 00:00:00 GMT",
            "Mon, 29 Feb 2100 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 23:60:00 GMT",
            "Sun, 06 Nov 1994 23:59:60 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT ",
            "Sun, 06 Nov 1994 08:49:37 GMT ",
            " Sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 19a4 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:4:937 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            let value = HeaderValue::from_static(text);
            assert_eq!(parse_http_date(&value), reference(text.trim()), "{text}");
        }
    }

    #[test]
    fn obsolete_formats_are_read() {
        for text in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert!(
                parse_http_date(&HeaderValue::from_static(text)).is_some(),
                "{text}"
            );
        }
    }
}
