//! How many requests a mock expects: a count or a range.

use std::fmt;
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// The number of requests a [`Mock`](super::Mock) expects to answer, given to
/// [`Mock::expect`](super::Mock::expect) as a `u64` or a range of `u64`.
///
/// ```
/// use courier::mock::Times;
/// assert!(Times::from(2).contains(2));
/// assert!(Times::from(1..).contains(5));
/// assert!(!Times::from(..=3).contains(4));
/// assert_eq!(Times::from(1..=3).to_string(), "between 1 and 3 requests");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exactly(u64),
    AtLeast(u64),
    AtMost(u64),
    /// Inclusive at both ends.
    Between(u64, u64),
    /// `start..end`, kept apart from `Between` so an empty range reads as written.
    HalfOpen(u64, u64),
    Any,
}

impl Times {
    /// Whether `count` requests meet the expectation.
    ///
    /// ```
    /// assert!(courier::mock::Times::from(2..4).contains(3));
    /// ```
    pub fn contains(&self, count: u64) -> bool {
        match self.0 {
            Kind::Exactly(n) => count == n,
            Kind::AtLeast(n) => count >= n,
            Kind::AtMost(n) => count <= n,
            Kind::Between(low, high) => (low..=high).contains(&count),
            Kind::HalfOpen(low, high) => (low..high).contains(&count),
            Kind::Any => true,
        }
    }
}

fn requests(n: u64) -> &'static str {
    if n == 1 { "request" } else { "requests" }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::Exactly(n) => write!(f, "exactly {n} {}", requests(n)),
            Kind::AtLeast(n) => write!(f, "at least {n} {}", requests(n)),
            Kind::AtMost(n) => write!(f, "at most {n} {}", requests(n)),
            Kind::Between(low, high) => write!(f, "between {low} and {high} {}", requests(high)),
            Kind::HalfOpen(0, high) => write!(f, "fewer than {high} {}", requests(high)),
            Kind::HalfOpen(low, high) => {
                write!(f, "at least {low} and fewer than {high} {}", requests(high))
            }
            Kind::Any => f.write_str("any number of requests"),
        }
    }
}

impl From<u64> for Times {
    fn from(n: u64) -> Self {
        Self(Kind::Exactly(n))
    }
}

impl From<RangeFrom<u64>> for Times {
    fn from(range: RangeFrom<u64>) -> Self {
        Self(Kind::AtLeast(range.start))
    }
}

impl From<RangeToInclusive<u64>> for Times {
    fn from(range: RangeToInclusive<u64>) -> Self {
        Self(Kind::AtMost(range.end))
    }
}

impl From<RangeTo<u64>> for Times {
    fn from(range: RangeTo<u64>) -> Self {
        Self(Kind::HalfOpen(0, range.end))
    }
}

impl From<RangeInclusive<u64>> for Times {
    fn from(range: RangeInclusive<u64>) -> Self {
        Self(Kind::Between(*range.start(), *range.end()))
    }
}

impl From<Range<u64>> for Times {
    fn from(range: Range<u64>) -> Self {
        Self(Kind::HalfOpen(range.start, range.end))
    }
}

impl From<RangeFull> for Times {
    fn from(_: RangeFull) -> Self {
        Self(Kind::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_contains_what_it_says() {
        assert!(Times::from(0).contains(0) && !Times::from(0).contains(1));
        assert!(Times::from(2..).contains(2) && !Times::from(2..).contains(1));
        assert!(Times::from(..=2).contains(2) && !Times::from(..=2).contains(3));
        assert!(Times::from(..2).contains(1) && !Times::from(..2).contains(2));
        assert!(Times::from(1..3).contains(2) && !Times::from(1..3).contains(3));
        assert!(Times::from(1..=3).contains(3) && !Times::from(1..=3).contains(0));
        assert!(Times::from(..).contains(u64::MAX));
    }

    #[test]
    fn display_reads_as_english() {
        assert_eq!(Times::from(1).to_string(), "exactly 1 request");
        assert_eq!(Times::from(0).to_string(), "exactly 0 requests");
        assert_eq!(Times::from(2..).to_string(), "at least 2 requests");
        assert_eq!(Times::from(..=3).to_string(), "at most 3 requests");
        assert_eq!(Times::from(..3).to_string(), "fewer than 3 requests");
    }
}
