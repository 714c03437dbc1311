//! Parsing `Cache-Control` (RFC 9111 §5.2) into a typed value.
//!
//! Every later decision reads directives, so they are parsed once into [`CacheControl`] and the
//! parsed value is kept with a stored entry: a cache hit never re-parses the header. The parser
//! follows the field grammar of RFC 9110 §5.6 rather than splitting on commas, because quoted
//! arguments (`no-cache="Set-Cookie, X-Token"`) contain commas.
//!
//! Recipient rules (RFC 9111 §1.2.2, §4.2.1, §5.2):
//! - directive names are case-insensitive; unknown directives are ignored;
//! - every `Cache-Control` field line is combined into one list;
//! - arguments may be a token or a quoted-string, whatever the directive prefers to send;
//! - a delta-seconds argument that is missing, not a non-negative integer, or given twice with
//!   different values is invalid and reads as `0` seconds: a malformed `max-age` makes the
//!   response stale (§4.2.1 "caches are encouraged to consider responses that have invalid
//!   freshness information to be stale"), and a malformed `max-stale` allows no staleness;
//! - a delta-seconds larger than 2^31 is taken as 2^31 (§1.2.2);
//! - when the qualified and unqualified forms of `no-cache` or `private` are combined, the
//!   unqualified (more restrictive) form wins.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http::header::{CACHE_CONTROL, HeaderMap, HeaderName, HeaderValue};

/// The largest delta-seconds a recipient must represent (RFC 9111 §1.2.2): 2^31.
const DELTA_SECONDS_CAP: u32 = 2_147_483_648;

/// The parsed directives of one or more `Cache-Control` field lines.
///
/// Build it with [`CacheControl::from_headers`] (all field lines of a message) or by parsing a
/// single field value with [`str::parse`]. [`Display`](fmt::Display) writes a canonical value
/// that parses back to an equal `CacheControl`.
///
/// ```
/// use std::time::Duration;
/// use courier_cache::policy::CacheControl;
///
/// let cc: CacheControl = "Max-Age=60, no-cache=\"Set-Cookie\", x-unknown".parse()?;
/// assert_eq!(cc.max_age(), Some(Duration::from_secs(60)));
/// assert!(cc.no_cache().is_some());
/// assert_eq!(cc.to_string(), "max-age=60, no-cache=\"set-cookie\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CacheControl {
    max_age: Option<Delta>,
    s_maxage: Option<Delta>,
    // `Some(None)`: `max-stale` without an argument, any staleness.
    max_stale: Option<Option<Delta>>,
    min_fresh: Option<Delta>,
    stale_while_revalidate: Option<Delta>,
    stale_if_error: Option<Delta>,
    // An empty list is the unqualified form.
    no_cache: Option<Vec<HeaderName>>,
    private: Option<Vec<HeaderName>>,
    no_store: bool,
    no_transform: bool,
    only_if_cached: bool,
    must_revalidate: bool,
    proxy_revalidate: bool,
    public: bool,
    immutable: bool,
    must_understand: bool,
}

/// A delta-seconds argument as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Delta {
    Seconds(u32),
    Invalid,
}

impl Delta {
    fn duration(self) -> Duration {
        match self {
            Delta::Seconds(s) => Duration::from_secs(u64::from(s)),
            Delta::Invalid => Duration::ZERO,
        }
    }

    fn parse(arg: &Arg) -> Delta {
        let Arg::Value(v) = arg else {
            return Delta::Invalid;
        };
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Delta::Invalid;
        }
        // All digits: the only parse failure left is overflow, which saturates (§1.2.2).
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        Delta::Seconds(u32::try_from(secs.min(u64::from(DELTA_SECONDS_CAP))).unwrap_or(u32::MAX))
    }

    fn merge(slot: &mut Option<Delta>, new: Delta) {
        *slot = match *slot {
            None => Some(new),
            Some(old) if old == new => Some(old),
            Some(_) => Some(Delta::Invalid),
        };
    }
}

/// How much staleness a request's `max-stale` accepts (RFC 9111 §5.2.1.2).
///
/// ```
/// use std::time::Duration;
/// use courier_cache::policy::{CacheControl, MaxStale};
///
/// let any: CacheControl = "max-stale".parse()?;
/// assert_eq!(any.max_stale(), Some(MaxStale::Any));
/// let some: CacheControl = "max-stale=30".parse()?;
/// assert_eq!(some.max_stale(), Some(MaxStale::AtMost(Duration::from_secs(30))));
/// assert!(some.max_stale().is_some_and(|m| m.allows(Duration::from_secs(30))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaxStale {
    /// `max-stale` without an argument: a stale response of any staleness is acceptable.
    Any,
    /// `max-stale=N`: staleness up to `N` seconds is acceptable.
    AtMost(Duration),
}

impl MaxStale {
    /// Whether a response stale by `staleness` is acceptable.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::policy::MaxStale;
    ///
    /// assert!(MaxStale::Any.allows(Duration::from_secs(1_000_000)));
    /// assert!(!MaxStale::AtMost(Duration::from_secs(5)).allows(Duration::from_secs(6)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn allows(self, staleness: Duration) -> bool {
        match self {
            MaxStale::Any => true,
            MaxStale::AtMost(limit) => staleness <= limit,
        }
    }
}

/// The reach of a `no-cache` or `private` directive (RFC 9111 §5.2.2.4, §5.2.2.7).
///
/// ```
/// use courier_cache::policy::{CacheControl, FieldScope};
///
/// let cc: CacheControl = "private=\"Set-Cookie\", no-cache".parse()?;
/// assert_eq!(cc.no_cache(), Some(FieldScope::All));
/// match cc.private() {
///     Some(FieldScope::Fields(names)) => assert_eq!(names[0], "set-cookie"),
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldScope<'a> {
    /// The unqualified form: the directive covers the whole response.
    All,
    /// The qualified form: the directive covers only these header fields (lowercase).
    Fields(&'a [HeaderName]),
}

impl<'a> FieldScope<'a> {
    fn of(list: Option<&'a Vec<HeaderName>>) -> Option<FieldScope<'a>> {
        list.map(|names| {
            if names.is_empty() {
                FieldScope::All
            } else {
                FieldScope::Fields(names)
            }
        })
    }
}

/// An argument as received.
enum Arg {
    Absent,
    Value(String),
    /// Trailing garbage after the argument, e.g. `max-age=5 6`.
    Malformed,
}

impl CacheControl {
    /// Parses and combines every `Cache-Control` field line in `headers`.
    ///
    /// Field values that are not valid UTF-8 are parsed byte by byte; bytes outside ASCII
    /// never form a directive name. Never fails: what cannot be understood is ignored.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.append("cache-control", "public".parse()?);
    /// headers.append("cache-control", "MAX-AGE=\"10\"".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// assert!(cc.public());
    /// assert_eq!(cc.max_age(), Some(std::time::Duration::from_secs(10)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_values(headers.get_all(CACHE_CONTROL))
    }

    /// Parses and combines the given field values, in order.
    ///
    /// ```
    /// use http::HeaderValue;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let lines = [HeaderValue::from_static("no-store"), HeaderValue::from_static("max-age=1")];
    /// let cc = CacheControl::from_values(&lines);
    /// assert!(cc.no_store());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_values<'a>(values: impl IntoIterator<Item = &'a HeaderValue>) -> Self {
        let mut cc = CacheControl::default();
        for value in values {
            cc.parse_into(value.as_bytes());
        }
        cc
    }

    /// Parses one field value given as raw bytes, for input that is not a `HeaderValue`.
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// let cc = CacheControl::parse_bytes(b"s-maxage=5, \xff\xfe, must-revalidate");
    /// assert!(cc.must_revalidate());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn parse_bytes(value: &[u8]) -> Self {
        let mut cc = CacheControl::default();
        cc.parse_into(value);
        cc
    }

    /// `max-age`: in a response, the freshness lifetime; in a request, the oldest acceptable
    /// age. An invalid argument reads as zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let malformed: CacheControl = "max-age=soon".parse()?;
    /// assert_eq!(malformed.max_age(), Some(Duration::ZERO));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age.map(Delta::duration)
    }

    /// `s-maxage`: the freshness lifetime for shared caches (RFC 9111 §5.2.2.10). An invalid
    /// argument reads as zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let cc: CacheControl = "s-maxage=99999999999".parse()?;
    /// assert_eq!(cc.s_maxage(), Some(Duration::from_secs(1 << 31)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn s_maxage(&self) -> Option<Duration> {
        self.s_maxage.map(Delta::duration)
    }

    /// `max-stale` (request, RFC 9111 §5.2.1.2). An invalid argument allows no staleness.
    ///
    /// ```
    /// use courier_cache::policy::{CacheControl, MaxStale};
    ///
    /// let cc: CacheControl = "MAX-STALE".parse()?;
    /// assert_eq!(cc.max_stale(), Some(MaxStale::Any));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_stale(&self) -> Option<MaxStale> {
        self.max_stale.map(|arg| match arg {
            None => MaxStale::Any,
            Some(delta) => MaxStale::AtMost(delta.duration()),
        })
    }

    /// `min-fresh` (request, RFC 9111 §5.2.1.3). An invalid argument reads as zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let cc: CacheControl = "min-fresh=20".parse()?;
    /// assert_eq!(cc.min_fresh(), Some(Duration::from_secs(20)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn min_fresh(&self) -> Option<Duration> {
        self.min_fresh.map(Delta::duration)
    }

    /// `stale-while-revalidate` (RFC 5861 §3): how long past freshness the response may be
    /// served while it is revalidated in the background. An invalid argument reads as zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let cc: CacheControl = "max-age=1, stale-while-revalidate=59".parse()?;
    /// assert_eq!(cc.stale_while_revalidate(), Some(Duration::from_secs(59)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn stale_while_revalidate(&self) -> Option<Duration> {
        self.stale_while_revalidate.map(Delta::duration)
    }

    /// `stale-if-error` (RFC 5861 §4): how long past freshness the response may be served
    /// when the origin fails. Valid in requests and responses. An invalid argument reads as
    /// zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_cache::policy::CacheControl;
    ///
    /// let cc: CacheControl = "stale-if-error=86400".parse()?;
    /// assert_eq!(cc.stale_if_error(), Some(Duration::from_secs(86_400)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn stale_if_error(&self) -> Option<Duration> {
        self.stale_if_error.map(Delta::duration)
    }

    /// `no-cache`: unqualified, or listing the header fields that must not be served without
    /// revalidation (RFC 9111 §5.2.2.4).
    ///
    /// ```
    /// use courier_cache::policy::{CacheControl, FieldScope};
    ///
    /// let cc: CacheControl = "no-cache".parse()?;
    /// assert_eq!(cc.no_cache(), Some(FieldScope::All));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn no_cache(&self) -> Option<FieldScope<'_>> {
        FieldScope::of(self.no_cache.as_ref())
    }

    /// `private`: unqualified, or listing the header fields a shared cache must not store
    /// (RFC 9111 §5.2.2.7).
    ///
    /// ```
    /// use courier_cache::policy::{CacheControl, FieldScope};
    ///
    /// let cc: CacheControl = "private".parse()?;
    /// assert_eq!(cc.private(), Some(FieldScope::All));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn private(&self) -> Option<FieldScope<'_>> {
        FieldScope::of(self.private.as_ref())
    }

    /// Whether `no-store` is present (RFC 9111 §5.2.1.5, §5.2.2.5).
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("No-Store".parse::<CacheControl>()?.no_store());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn no_store(&self) -> bool {
        self.no_store
    }

    /// Whether `no-transform` is present (RFC 9111 §5.2.1.6, §5.2.2.6).
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("no-transform".parse::<CacheControl>()?.no_transform());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn no_transform(&self) -> bool {
        self.no_transform
    }

    /// Whether `only-if-cached` is present (request, RFC 9111 §5.2.1.7).
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("only-if-cached".parse::<CacheControl>()?.only_if_cached());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn only_if_cached(&self) -> bool {
        self.only_if_cached
    }

    /// Whether `must-revalidate` is present (RFC 9111 §5.2.2.2): once stale, never served
    /// without successful revalidation, not even when the origin is unreachable.
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("must-revalidate".parse::<CacheControl>()?.must_revalidate());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn must_revalidate(&self) -> bool {
        self.must_revalidate
    }

    /// Whether `proxy-revalidate` is present (RFC 9111 §5.2.2.8): `must-revalidate` for
    /// shared caches only.
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("proxy-revalidate".parse::<CacheControl>()?.proxy_revalidate());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn proxy_revalidate(&self) -> bool {
        self.proxy_revalidate
    }

    /// Whether `public` is present (RFC 9111 §5.2.2.9).
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("public".parse::<CacheControl>()?.public());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn public(&self) -> bool {
        self.public
    }

    /// Whether `immutable` is present (RFC 8246): while fresh, the response does not change,
    /// so a reload (`max-age=0` on the request) need not revalidate it.
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("max-age=31536000, immutable".parse::<CacheControl>()?.immutable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn immutable(&self) -> bool {
        self.immutable
    }

    /// Whether `must-understand` is present (RFC 9111 §5.2.2.3): a cache that understands the
    /// status code may store the response despite `no-store`.
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("must-understand, no-store".parse::<CacheControl>()?.must_understand());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn must_understand(&self) -> bool {
        self.must_understand
    }

    /// Whether any delta-seconds argument was missing, malformed or given twice with different
    /// values (each such argument reads as zero).
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("max-age=1, max-age=2".parse::<CacheControl>()?.has_invalid_values());
    /// assert!(!"max-age=1, max-age=1".parse::<CacheControl>()?.has_invalid_values());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn has_invalid_values(&self) -> bool {
        [
            self.max_age,
            self.s_maxage,
            self.max_stale.flatten(),
            self.min_fresh,
            self.stale_while_revalidate,
            self.stale_if_error,
        ]
        .contains(&Some(Delta::Invalid))
    }

    /// Whether no directive this parser understands is present.
    ///
    /// ```
    /// use courier_cache::policy::CacheControl;
    ///
    /// assert!("x-extension=1".parse::<CacheControl>()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == CacheControl::default()
    }

    pub(crate) fn set_no_cache(&mut self) {
        self.no_cache = Some(Vec::new());
    }

    fn parse_into(&mut self, input: &[u8]) {
        let mut cur = Cursor { input, pos: 0 };
        loop {
            cur.skip_while(|b| is_ows(b) || b == b',');
            if cur.at_end() {
                return;
            }
            let name = cur.take_while(is_tchar);
            if name.is_empty() {
                // Not a directive: skip the list member.
                cur.skip_member();
                continue;
            }
            cur.skip_while(is_ows);
            let mut arg = Arg::Absent;
            if cur.peek() == Some(b'=') {
                cur.pos += 1;
                cur.skip_while(is_ows);
                arg = if cur.peek() == Some(b'"') {
                    Arg::Value(cur.quoted_string())
                } else {
                    Arg::Value(String::from_utf8_lossy(cur.take_while(is_tchar)).into_owned())
                };
                cur.skip_while(is_ows);
            }
            if !cur.at_end() && cur.peek() != Some(b',') {
                arg = Arg::Malformed;
                cur.skip_member();
            }
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            self.apply(&name, &arg);
        }
    }

    fn apply(&mut self, name: &str, arg: &Arg) {
        match name {
            "max-age" => Delta::merge(&mut self.max_age, Delta::parse(arg)),
            "s-maxage" => Delta::merge(&mut self.s_maxage, Delta::parse(arg)),
            "min-fresh" => Delta::merge(&mut self.min_fresh, Delta::parse(arg)),
            "stale-while-revalidate" => {
                Delta::merge(&mut self.stale_while_revalidate, Delta::parse(arg));
            }
            "stale-if-error" => Delta::merge(&mut self.stale_if_error, Delta::parse(arg)),
            "max-stale" => {
                let new = match arg {
                    Arg::Absent => None,
                    other => Some(Delta::parse(other)),
                };
                self.max_stale = Some(match (self.max_stale, new) {
                    (None, new) => new,
                    // A bound is more restrictive than "any".
                    (Some(None), new) | (Some(new), None) => new,
                    (Some(Some(old)), Some(new)) => {
                        let mut slot = Some(old);
                        Delta::merge(&mut slot, new);
                        slot
                    }
                });
            }
            "no-cache" => merge_fields(&mut self.no_cache, arg),
            "private" => merge_fields(&mut self.private, arg),
            "no-store" => self.no_store = true,
            "no-transform" => self.no_transform = true,
            "only-if-cached" => self.only_if_cached = true,
            "must-revalidate" => self.must_revalidate = true,
            "proxy-revalidate" => self.proxy_revalidate = true,
            "public" => self.public = true,
            "immutable" => self.immutable = true,
            "must-understand" => self.must_understand = true,
            // Unknown extensions are ignored (§5.2.3).
            _ => {}
        }
    }
}

fn merge_fields(slot: &mut Option<Vec<HeaderName>>, arg: &Arg) {
    let mut new: Vec<HeaderName> = match arg {
        Arg::Value(list) => list
            .split(',')
            .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
            .collect(),
        Arg::Absent | Arg::Malformed => Vec::new(),
    };
    match slot {
        None => {
            new.dedup();
            *slot = Some(new);
        }
        // The unqualified form is the more restrictive one and wins.
        Some(old) if old.is_empty() => {}
        Some(old) if new.is_empty() => old.clear(),
        Some(old) => {
            for name in new {
                if !old.contains(&name) {
                    old.push(name);
                }
            }
        }
    }
}

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_while(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        self.skip_while(f);
        self.input.get(start..self.pos).unwrap_or_default()
    }

    /// Reads a quoted-string starting at `"`; an unterminated one runs to the end.
    fn quoted_string(&mut self) -> String {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        out.push(escaped);
                        self.pos += 1;
                    }
                }
                _ => out.push(b),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Skips to the next top-level comma, stepping over quoted-strings.
    fn skip_member(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b',' => return,
                b'"' => {
                    self.quoted_string();
                }
                _ => self.pos += 1,
            }
        }
    }
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parsing never fails; the error type exists for [`FromStr`].
///
/// ```
/// use courier_cache::policy::{CacheControl, ParseCacheControlError};
///
/// let parsed: Result<CacheControl, ParseCacheControlError> = "max-age=1".parse();
/// assert!(parsed.is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseCacheControlError {}

impl fmt::Display for ParseCacheControlError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for ParseCacheControlError {}

impl FromStr for CacheControl {
    type Err = ParseCacheControlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse_bytes(s.as_bytes()))
    }
}

impl fmt::Display for CacheControl {
    /// Writes the directives in a fixed order, arguments as tokens except field lists (quoted);
    /// an invalid delta-seconds is written as `""`, which parses back as invalid.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        let mut item = |f: &mut fmt::Formatter<'_>, args: fmt::Arguments<'_>| {
            let result = write!(f, "{sep}{args}");
            sep = ", ";
            result
        };
        let delta = |d: Delta| match d {
            Delta::Seconds(s) => s.to_string(),
            Delta::Invalid => "\"\"".to_owned(),
        };
        let fields = |names: &[HeaderName]| {
            let list: Vec<&str> = names.iter().map(HeaderName::as_str).collect();
            format!("=\"{}\"", list.join(", "))
        };
        let deltas = [
            ("max-age", self.max_age),
            ("s-maxage", self.s_maxage),
            ("min-fresh", self.min_fresh),
            ("stale-while-revalidate", self.stale_while_revalidate),
            ("stale-if-error", self.stale_if_error),
        ];
        for (name, value) in deltas {
            if let Some(d) = value {
                item(f, format_args!("{name}={}", delta(d)))?;
            }
        }
        match self.max_stale {
            None => {}
            Some(None) => item(f, format_args!("max-stale"))?,
            Some(Some(d)) => item(f, format_args!("max-stale={}", delta(d)))?,
        }
        for (name, list) in [("no-cache", &self.no_cache), ("private", &self.private)] {
            if let Some(names) = list {
                let arg = if names.is_empty() {
                    String::new()
                } else {
                    fields(names)
                };
                item(f, format_args!("{name}{arg}"))?;
            }
        }
        let flags = [
            ("no-store", self.no_store),
            ("no-transform", self.no_transform),
            ("only-if-cached", self.only_if_cached),
            ("must-revalidate", self.must_revalidate),
            ("proxy-revalidate", self.proxy_revalidate),
            ("public", self.public),
            ("immutable", self.immutable),
            ("must-understand", self.must_understand),
        ];
        for (name, set) in flags {
            if set {
                item(f, format_args!("{name}"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_field_list_keeps_its_commas() {
        let cc: CacheControl = "no-cache=\"a, b\", max-age=3".parse().unwrap();
        assert_eq!(
            cc.no_cache(),
            Some(FieldScope::Fields(&[
                HeaderName::from_static("a"),
                HeaderName::from_static("b")
            ]))
        );
        assert_eq!(cc.max_age(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn trailing_garbage_invalidates_the_argument() {
        let cc: CacheControl = "max-age=5 6, public".parse().unwrap();
        assert_eq!(cc.max_age(), Some(Duration::ZERO));
        assert!(cc.public());
    }

    #[test]
    fn unterminated_quote_does_not_panic() {
        let cc: CacheControl = "max-age=\"5".parse().unwrap();
        assert_eq!(cc.max_age(), Some(Duration::from_secs(5)));
    }

    #[test]
    fn max_stale_bound_beats_any() {
        let cc: CacheControl = "max-stale, max-stale=4".parse().unwrap();
        assert_eq!(
            cc.max_stale(),
            Some(MaxStale::AtMost(Duration::from_secs(4)))
        );
    }
}
