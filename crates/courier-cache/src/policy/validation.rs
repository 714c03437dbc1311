//! Validation: conditional requests and the responses that answer them (RFC 9111 §4.3,
//! RFC 9110 §13).
//!
//! A stale response is not thrown away: the cache asks the origin whether it changed
//! (`If-None-Match` with the stored `ETag`, `If-Modified-Since` with `Last-Modified`), and a
//! `304 Not Modified` freshens the stored headers while the body stays. The rules here:
//! - entity tags in `If-None-Match` compare weakly (RFC 9110 §13.1.2): `W/"1"` matches `"1"`;
//! - a caller's own conditional request is answered from a fresh stored response (§4.3.2);
//! - a 304 selects the stored response whose validator it carries (§4.3.4);
//! - freshening replaces stored fields with the 304's, except those describing the stored body
//!   or the connection (`Content-Length`, `Content-Encoding`, `Transfer-Encoding`,
//!   `Content-Range`, hop-by-hop fields), and in a shared cache `Set-Cookie`;
//! - a HEAD response freshens a stored GET response only when its validators and length agree
//!   (§4.3.5).

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::{
    AGE, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_RANGE, DATE,
    ETAG, EXPIRES, HeaderName, HeaderValue, IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE,
    IF_UNMODIFIED_SINCE, LAST_MODIFIED, SET_COOKIE, TRANSFER_ENCODING, VARY,
};

use super::age::set_age;
use super::dates::{self, http_date_value, parse_http_date};
use super::storage::{connection_listed, is_hop_by_hop};

/// One entity tag: the weak flag and the opaque tag without its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EntityTag<'a> {
    weak: bool,
    opaque: &'a [u8],
}

/// A member of an `If-None-Match` / `If-Match` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member<'a> {
    Star,
    Tag(EntityTag<'a>),
}

/// Reads entity-tag list members; lenient about unquoted tags, which some servers send.
fn members(value: &[u8]) -> impl Iterator<Item = Member<'_>> {
    let mut pos = 0;
    std::iter::from_fn(move || next_member(value, &mut pos))
}

/// The member of an entity-tag list at or after `*pos`, moving `*pos` past it; `None` at the
/// end of the list.
fn next_member<'a>(value: &'a [u8], pos: &mut usize) -> Option<Member<'a>> {
    while *pos < value.len() {
        let Some(&b) = value.get(*pos) else { break };
        if b == b',' || b == b' ' || b == b'\t' {
            *pos += 1;
            continue;
        }
        if b == b'*' {
            *pos += 1;
            return Some(Member::Star);
        }
        let rest = value.get(*pos..).unwrap_or_default();
        let (weak, skip) = if rest.starts_with(b"W/") || rest.starts_with(b"w/") {
            (true, 2)
        } else {
            (false, 0)
        };
        *pos += skip;
        let rest = value.get(*pos..).unwrap_or_default();
        if rest.first() == Some(&b'"') {
            // Quoted: up to the closing quote (entity tags have no escapes).
            let inner = rest.get(1..).unwrap_or_default();
            let len = inner.iter().position(|&c| c == b'"').unwrap_or(inner.len());
            *pos += 1 + len + 1;
            return Some(Member::Tag(EntityTag {
                weak,
                opaque: inner.get(..len).unwrap_or_default(),
            }));
        }
        let len = rest.iter().position(|&c| c == b',').unwrap_or(rest.len());
        let opaque = rest.get(..len).unwrap_or_default().trim_ascii();
        *pos += len;
        if !opaque.is_empty() {
            return Some(Member::Tag(EntityTag { weak, opaque }));
        }
    }
    None
}

fn single_tag(value: &HeaderValue) -> Option<EntityTag<'_>> {
    match next_member(value.as_bytes(), &mut 0) {
        Some(Member::Tag(tag)) => Some(tag),
        _ => None,
    }
}

/// Weak comparison of two entity tags (RFC 9110 §13.1.2/§8.8.3.2): equal opaque tags, either
/// or both may be weak.
///
/// ```
/// use http::HeaderValue;
/// use courier_cache::policy::validation::etags_match_weakly;
///
/// assert!(etags_match_weakly(&HeaderValue::from_static("W/\"1\""), &HeaderValue::from_static("\"1\"")));
/// assert!(!etags_match_weakly(&HeaderValue::from_static("\"1\""), &HeaderValue::from_static("\"2\"")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn etags_match_weakly(a: &HeaderValue, b: &HeaderValue) -> bool {
    match (single_tag(a), single_tag(b)) {
        (Some(a), Some(b)) => a.opaque == b.opaque,
        _ => false,
    }
}

/// Strong comparison of two entity tags (RFC 9110 §8.8.3.2): both strong and equal.
///
/// ```
/// use http::HeaderValue;
/// use courier_cache::policy::validation::etags_match_strongly;
///
/// assert!(etags_match_strongly(&HeaderValue::from_static("\"1\""), &HeaderValue::from_static("\"1\"")));
/// assert!(!etags_match_strongly(&HeaderValue::from_static("W/\"1\""), &HeaderValue::from_static("\"1\"")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn etags_match_strongly(a: &HeaderValue, b: &HeaderValue) -> bool {
    match (single_tag(a), single_tag(b)) {
        (Some(a), Some(b)) => !a.weak && !b.weak && a.opaque == b.opaque,
        _ => false,
    }
}

/// Whether an `If-None-Match` field (all its lines) matches `etag` under weak comparison, as
/// RFC 9110 §13.1.2 requires; `*` matches any stored response.
///
/// ```
/// use http::{HeaderMap, HeaderValue};
/// use courier_cache::policy::validation::if_none_match_matches;
///
/// let mut request = HeaderMap::new();
/// request.insert("if-none-match", "\"a\", W/\"b,c\"".parse()?);
/// assert!(if_none_match_matches(&request, &HeaderValue::from_static("\"b,c\"")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn if_none_match_matches(request_headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let stored = single_tag(etag);
    request_headers.get_all(IF_NONE_MATCH).iter().any(|line| {
        members(line.as_bytes()).any(|m| match (m, stored) {
            (Member::Star, _) => true,
            (Member::Tag(tag), Some(stored)) => tag.opaque == stored.opaque,
            (Member::Tag(_), None) => false,
        })
    })
}

/// The validators for revalidating stored responses (RFC 9111 §4.3.1): `If-None-Match`
/// listing every stored `ETag`, and, when there is exactly one stored response with a valid
/// `Last-Modified`, `If-Modified-Since` with it. Pass every stored variant of the URL when
/// there are several, so one 304 can select any of them.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::validation::conditional_headers;
///
/// let mut a = HeaderMap::new();
/// a.insert("etag", "\"a\"".parse()?);
/// a.insert("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT".parse()?);
/// let mut b = HeaderMap::new();
/// b.insert("etag", "W/\"b\"".parse()?);
/// assert_eq!(conditional_headers([&a])["if-modified-since"], "Sun, 06 Nov 1994 08:49:37 GMT");
/// let both = conditional_headers([&a, &b]);
/// assert_eq!(both["if-none-match"], "\"a\", W/\"b\"");
/// assert!(!both.contains_key("if-modified-since"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn conditional_headers<'a>(stored: impl IntoIterator<Item = &'a HeaderMap>) -> HeaderMap {
    let mut etags: Vec<(&[u8], &HeaderValue)> = Vec::new();
    let mut count = 0;
    let mut last_modified = None;
    for headers in stored {
        if let Some(etag) = headers.get(ETAG)
            && single_tag(etag).is_some()
        {
            let bytes = etag.as_bytes().trim_ascii();
            if !etags.iter().any(|(seen, _)| *seen == bytes) {
                etags.push((bytes, etag));
            }
        }
        count += 1;
        if count == 1 {
            last_modified = headers
                .get(LAST_MODIFIED)
                .filter(|v| parse_http_date(v).is_some());
        }
    }
    let mut out = HeaderMap::new();
    let if_none_match = match etags.as_slice() {
        [] => None,
        // One untrimmed ETag is the field value as it is.
        [(bytes, etag)] if bytes.len() == etag.len() && !etag.is_sensitive() => {
            Some((*etag).clone())
        }
        _ => {
            let joined: Vec<&[u8]> = etags.iter().map(|(bytes, _)| *bytes).collect();
            HeaderValue::from_bytes(&joined.join(&b", "[..])).ok()
        }
    };
    if let Some(value) = if_none_match {
        out.insert(IF_NONE_MATCH, value);
    }
    if count == 1
        && let Some(lm) = last_modified
    {
        out.insert(IF_MODIFIED_SINCE, lm.clone());
    }
    out
}

/// Whether the request carries any precondition (RFC 9110 §13.1).
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::validation::is_conditional;
///
/// let mut headers = HeaderMap::new();
/// assert!(!is_conditional(&headers));
/// headers.insert("if-none-match", "*".parse()?);
/// assert!(is_conditional(&headers));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn is_conditional(request_headers: &HeaderMap) -> bool {
    [
        IF_NONE_MATCH,
        IF_MODIFIED_SINCE,
        IF_MATCH,
        IF_UNMODIFIED_SINCE,
        IF_RANGE,
    ]
    .iter()
    .any(|name| request_headers.contains_key(name))
}

/// How a caller's conditional request fares against a fresh stored response (RFC 9111
/// §4.3.2).
///
/// ```
/// use courier_cache::policy::validation::ConditionalOutcome;
///
/// assert_ne!(ConditionalOutcome::NotModified, ConditionalOutcome::Full);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionalOutcome {
    /// The conditions hold for the stored response: answer 304.
    NotModified,
    /// The conditions do not hold (or there are none): answer with the full stored response.
    Full,
    /// The request has preconditions the cache does not evaluate (`If-Match`,
    /// `If-Unmodified-Since`, `If-Range`): forward it.
    Unsupported,
}

/// Evaluates `If-None-Match` (weakly) or, without it, `If-Modified-Since` against a stored
/// response, as RFC 9110 §13.2.2 orders them. `If-Modified-Since` compares with the stored
/// `Last-Modified`, else its `Date`, else the time it was received (RFC 9111 §4.3.2); an
/// invalid date is ignored.
///
/// ```
/// use std::time::SystemTime;
/// use http::HeaderMap;
/// use courier_cache::policy::validation::{evaluate_conditional, ConditionalOutcome};
///
/// let mut stored = HeaderMap::new();
/// stored.insert("etag", "\"v1\"".parse()?);
/// let mut request = HeaderMap::new();
/// request.insert("if-none-match", "W/\"v1\"".parse()?);
/// assert_eq!(evaluate_conditional(&request, &stored, SystemTime::now()), ConditionalOutcome::NotModified);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn evaluate_conditional(
    request_headers: &HeaderMap,
    stored_response_headers: &HeaderMap,
    stored_response_time: SystemTime,
) -> ConditionalOutcome {
    if [IF_MATCH, IF_UNMODIFIED_SINCE, IF_RANGE]
        .iter()
        .any(|name| request_headers.contains_key(name))
    {
        return ConditionalOutcome::Unsupported;
    }
    if request_headers.contains_key(IF_NONE_MATCH) {
        let matched = match stored_response_headers.get(ETAG) {
            Some(etag) => if_none_match_matches(request_headers, etag),
            // `*` matches any current representation, even one without an ETag.
            None => request_headers
                .get_all(IF_NONE_MATCH)
                .iter()
                .any(|line| members(line.as_bytes()).any(|m| m == Member::Star)),
        };
        return if matched {
            ConditionalOutcome::NotModified
        } else {
            ConditionalOutcome::Full
        };
    }
    let Some(since) = request_headers
        .get(IF_MODIFIED_SINCE)
        .and_then(parse_http_date)
    else {
        return ConditionalOutcome::Full;
    };
    let modified = dates::last_modified(stored_response_headers)
        .or_else(|| dates::date(stored_response_headers))
        .unwrap_or(stored_response_time);
    if modified <= since {
        ConditionalOutcome::NotModified
    } else {
        ConditionalOutcome::Full
    }
}

/// The fields a 304 built from a stored response carries (RFC 9110 §15.4.5), with `Age`.
pub(crate) fn not_modified_headers(stored: &HeaderMap, age: Duration) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in [
        CACHE_CONTROL,
        CONTENT_LOCATION,
        DATE,
        ETAG,
        EXPIRES,
        LAST_MODIFIED,
        VARY,
    ] {
        for value in stored.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    set_age(&mut out, age);
    out
}

/// Whether a 304 selects a stored response for update (RFC 9111 §4.3.4): a strong `ETag` in
/// the 304 must equal the stored one strongly, a weak one weakly; without an `ETag`, a
/// `Last-Modified` must equal the stored one. A 304 with no validator at all selects the
/// stored response it was asked about: courier sends a conditional request for one stored
/// response at a time (or lists every variant's `ETag`, and then the 304 names one).
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::validation::selects;
///
/// let mut stored = HeaderMap::new();
/// stored.insert("etag", "\"v1\"".parse()?);
/// let mut not_modified = HeaderMap::new();
/// not_modified.insert("etag", "\"v2\"".parse()?);
/// assert!(!selects(&stored, &not_modified));
/// not_modified.insert("etag", "W/\"v1\"".parse()?);
/// assert!(selects(&stored, &not_modified));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn selects(stored_response_headers: &HeaderMap, not_modified_headers: &HeaderMap) -> bool {
    if let Some(new) = not_modified_headers.get(ETAG) {
        let Some(stored) = stored_response_headers.get(ETAG) else {
            return false;
        };
        return match single_tag(new) {
            Some(tag) if !tag.weak => etags_match_strongly(new, stored),
            Some(_) => etags_match_weakly(new, stored),
            None => false,
        };
    }
    if let Some(new) = dates::last_modified(not_modified_headers) {
        return dates::last_modified(stored_response_headers) == Some(new);
    }
    true
}

/// Fields never taken from a 304 or HEAD response when freshening: they describe the stored
/// body as it was received and decoded (RFC 9111 §4.3.4).
const EXCLUDED_FROM_UPDATE: &[HeaderName] = &[
    CONTENT_LENGTH,
    CONTENT_ENCODING,
    TRANSFER_ENCODING,
    CONTENT_RANGE,
];

/// The stored headers updated from a 304 or HEAD response (RFC 9111 §4.3.4): each field of
/// the new response replaces every stored line of that field, except the excluded and
/// hop-by-hop ones (and `Set-Cookie` in a shared cache). The stored `Age` is dropped (the age
/// restarts from the new exchange, whose own `Age` is kept if sent) and a `Date` is added
/// from `response_time` when the new response lacks one.
///
/// ```
/// use std::time::SystemTime;
/// use http::HeaderMap;
/// use courier_cache::policy::validation::freshen_headers;
///
/// let mut stored = HeaderMap::new();
/// stored.insert("content-length", "1000".parse()?);
/// stored.insert("cache-control", "max-age=1".parse()?);
/// let mut not_modified = HeaderMap::new();
/// not_modified.insert("content-length", "0".parse()?);
/// not_modified.insert("cache-control", "max-age=60".parse()?);
/// let updated = freshen_headers(&stored, &not_modified, SystemTime::now(), false);
/// assert_eq!(updated["content-length"], "1000");
/// assert_eq!(updated["cache-control"], "max-age=60");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn freshen_headers(
    stored: &HeaderMap,
    new: &HeaderMap,
    response_time: SystemTime,
    shared: bool,
) -> HeaderMap {
    freshen_headers_dated(stored, new, response_time, shared).0
}

/// [`freshen_headers`], with the `Date` of the updated headers as
/// [`dates::date_or`]`(updated, response_time)` reads it, without parsing it again.
pub(crate) fn freshen_headers_dated(
    stored: &HeaderMap,
    new: &HeaderMap,
    response_time: SystemTime,
    shared: bool,
) -> (HeaderMap, SystemTime) {
    let listed = connection_listed(new);
    let mut updated = stored.clone();
    updated.remove(AGE);
    // `HeaderMap::iter` yields every line of one field before the next field: the first line
    // of a field replaces the stored lines, the others are appended.
    let mut current: Option<(&HeaderName, bool)> = None;
    let mut date_taken = false;
    for (name, value) in new {
        let take = match current {
            Some((seen, take)) if seen == name => take,
            _ => {
                let take = !(is_hop_by_hop(name, &listed)
                    || EXCLUDED_FROM_UPDATE.contains(name)
                    || (shared && name == SET_COOKIE));
                current = Some((name, take));
                date_taken |= take && name == DATE;
                if take {
                    updated.insert(name.clone(), value.clone());
                }
                continue;
            }
        };
        if take {
            updated.append(name.clone(), value.clone());
        }
    }
    let date = match dates::date(new) {
        // The first `Date` line of `new` is now the first stored one.
        Some(date) if date_taken => date,
        Some(_) => dates::date_or(&updated, response_time),
        None => {
            updated.insert(DATE, http_date_value(response_time));
            dates::http_date_time(response_time)
        }
    };
    (updated, date)
}

/// Whether a 200 response to HEAD describes the stored GET response (RFC 9111 §4.3.5): at
/// least one validator (`ETag`, `Last-Modified`) was received, every received one matches the
/// stored value, and `Content-Length`, if received, matches too. Otherwise the stored response
/// is to be considered stale.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::validation::head_matches;
///
/// let mut stored = HeaderMap::new();
/// stored.insert("etag", "\"v1\"".parse()?);
/// stored.insert("content-length", "10".parse()?);
/// let mut head = stored.clone();
/// assert!(head_matches(&stored, &head));
/// head.insert("content-length", "11".parse()?);
/// assert!(!head_matches(&stored, &head));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn head_matches(stored: &HeaderMap, head: &HeaderMap) -> bool {
    let mut received = false;
    if let Some(etag) = head.get(ETAG) {
        received = true;
        if !stored
            .get(ETAG)
            .is_some_and(|s| etags_match_strongly(s, etag) || s == etag)
        {
            return false;
        }
    }
    if let Some(lm) = head.get(LAST_MODIFIED) {
        received = true;
        if dates::last_modified(stored).is_none_or(|s| Some(s) != parse_http_date(lm)) {
            return false;
        }
    }
    if let Some(length) = head.get(CONTENT_LENGTH)
        && stored.get(CONTENT_LENGTH) != Some(length)
    {
        return false;
    }
    received
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_tolerate_garbage() {
        for input in [
            &b""[..],
            b"W/",
            b"\"",
            b"W/\"",
            b",,,",
            b"*,W/x",
            b"\"a\"\"b\"",
        ] {
            let _ = members(input).count();
        }
        assert_eq!(
            members(b"W/\"a\" , \"b\"").collect::<Vec<_>>(),
            vec![
                Member::Tag(EntityTag {
                    weak: true,
                    opaque: b"a"
                }),
                Member::Tag(EntityTag {
                    weak: false,
                    opaque: b"b"
                })
            ]
        );
    }
}
