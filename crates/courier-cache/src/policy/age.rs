//! The age of a stored response (RFC 9111 §4.2.3) and the `Age` header it is served with.
//!
//! Age decides freshness, so it must count every second the response spent outside the
//! origin: in caches upstream (`Age`), in flight (the response delay), and in this cache (the
//! resident time). The formula is the RFC's, verbatim:
//!
//! ```text
//! apparent_age          = max(0, response_time - date_value)
//! response_delay        = response_time - request_time
//! corrected_age_value   = age_value + response_delay
//! corrected_initial_age = max(apparent_age, corrected_age_value)
//! resident_time         = now - response_time
//! current_age           = corrected_initial_age + resident_time
//! ```
//!
//! `date_value` is the `Date` field, or the response time when it is missing or invalid;
//! `age_value` is the first member of the first `Age` line, ignored (zero) when invalid
//! (§5.1). Clock differences that would make a span negative count as zero.

use std::time::{Duration, SystemTime};

use http::header::{AGE, HeaderMap, HeaderValue};

use super::dates;

/// The largest age ever reported (RFC 9111 §1.2.2: 2^31 seconds).
const AGE_CAP: Duration = Duration::from_secs(2_147_483_648);

/// The `Age` field value in seconds: first member of the first line; invalid means zero.
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use courier_cache::policy::age::age_value;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("age", "30, 40".parse()?);
/// assert_eq!(age_value(&headers), Duration::from_secs(30));
/// headers.insert("age", "-1".parse()?);
/// assert_eq!(age_value(&headers), Duration::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn age_value(headers: &HeaderMap) -> Duration {
    let Some(line) = headers.get(AGE) else {
        return Duration::ZERO;
    };
    let first = line
        .as_bytes()
        .split(|&b| b == b',')
        .next()
        .unwrap_or_default();
    let trimmed = first.trim_ascii();
    if trimmed.is_empty() || !trimmed.iter().all(u8::is_ascii_digit) {
        return Duration::ZERO;
    }
    let secs = std::str::from_utf8(trimmed)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(AGE_CAP)
}

/// The inputs of the age calculation for one stored response.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use http::HeaderMap;
/// use courier_cache::policy::age::AgeCalculation;
///
/// let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
/// let received = sent + Duration::from_secs(2);
/// let mut headers = HeaderMap::new();
/// headers.insert("age", "10".parse()?);
/// let age = AgeCalculation::new(&headers, sent, received);
/// // 10 s upstream + 2 s in flight + 5 s here.
/// assert_eq!(age.current_age(received + Duration::from_secs(5)), Duration::from_secs(17));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeCalculation {
    corrected_initial_age: Duration,
    response_time: SystemTime,
}

impl AgeCalculation {
    /// Computes the corrected initial age of a response received at `response_time` for a
    /// request sent at `request_time`.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use http::HeaderMap;
    /// use courier_cache::policy::age::AgeCalculation;
    ///
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
    /// let age = AgeCalculation::new(&HeaderMap::new(), now, now);
    /// assert_eq!(age.corrected_initial_age(), Duration::ZERO);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(
        response_headers: &HeaderMap,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> Self {
        Self::with_date(
            dates::date_or(response_headers, response_time),
            age_value(response_headers),
            request_time,
            response_time,
        )
    }

    /// [`new`](Self::new) with the `Date` value (or response time) and `Age` value already
    /// read.
    pub(crate) fn with_date(
        date_value: SystemTime,
        age_value: Duration,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> Self {
        let apparent_age = span(date_value, response_time);
        let response_delay = span(request_time, response_time);
        let corrected_age_value = age_value.saturating_add(response_delay);
        Self {
            corrected_initial_age: apparent_age.max(corrected_age_value),
            response_time,
        }
    }

    /// The age the response had when it was received.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use http::HeaderMap;
    /// use courier_cache::policy::age::AgeCalculation;
    ///
    /// let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
    /// let mut headers = HeaderMap::new();
    /// headers.insert("age", "7".parse()?);
    /// assert_eq!(AgeCalculation::new(&headers, t, t).corrected_initial_age(), Duration::from_secs(7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn corrected_initial_age(&self) -> Duration {
        self.corrected_initial_age
    }

    /// The age at `now`: the corrected initial age plus the resident time.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use http::HeaderMap;
    /// use courier_cache::policy::age::AgeCalculation;
    ///
    /// let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
    /// let age = AgeCalculation::new(&HeaderMap::new(), t, t);
    /// assert_eq!(age.current_age(t + Duration::from_secs(9)), Duration::from_secs(9));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn current_age(&self, now: SystemTime) -> Duration {
        self.corrected_initial_age
            .saturating_add(span(self.response_time, now))
    }
}

/// `later - earlier`, or zero when the clocks disagree.
pub(crate) fn span(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or(Duration::ZERO)
}

/// A copy of `headers` with `Age` set to `age` in whole seconds (RFC 9111 §5.1), as a cache
/// must send it with a stored response.
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use courier_cache::policy::age::with_age;
///
/// let mut stored = HeaderMap::new();
/// stored.insert("age", "3".parse()?);
/// let served = with_age(&stored, Duration::from_millis(12_900));
/// assert_eq!(served["age"], "12");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn with_age(headers: &HeaderMap, age: Duration) -> HeaderMap {
    let mut served = headers.clone();
    set_age(&mut served, age);
    served
}

/// Sets `Age` in place; see [`with_age`].
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use courier_cache::policy::age::set_age;
///
/// let mut headers = HeaderMap::new();
/// set_age(&mut headers, Duration::from_secs(5));
/// assert_eq!(headers["age"], "5");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn set_age(headers: &mut HeaderMap, age: Duration) {
    let secs = age.min(AGE_CAP).as_secs();
    headers.insert(AGE, age_header_value(secs));
}

/// `secs` as a field value; below 100 (the usual case) a static one, which allocates nothing.
fn age_header_value(secs: u64) -> HeaderValue {
    const ONE_DIGIT: &str = "0123456789";
    const TWO_DIGITS: &str = "101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
    let static_value = match secs {
        0..10 => ONE_DIGIT.get(secs as usize..secs as usize + 1),
        10..100 => {
            let at = (secs as usize - 10) * 2;
            TWO_DIGITS.get(at..at + 2)
        }
        _ => None,
    };
    static_value.map_or_else(|| HeaderValue::from(secs), HeaderValue::from_static)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_values_are_the_decimal_seconds() {
        for secs in (0..1000).chain([u64::from(u32::MAX), 2_147_483_648]) {
            assert_eq!(age_header_value(secs), HeaderValue::from(secs), "{secs}");
        }
    }
}
