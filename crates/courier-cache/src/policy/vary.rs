//! Secondary cache keys from `Vary` (RFC 9111 §4.1).
//!
//! A response with `Vary: Accept-Encoding` answers only requests whose `Accept-Encoding` is
//! the one that produced it, so several variants of one URL coexist and a lookup must compare
//! the header fields `Vary` names. Values are normalised before comparing, as §4.1 allows:
//! several field lines are combined into one list, whitespace around list separators is
//! dropped, and field names are case-insensitive. Values themselves stay case-sensitive (the
//! RFC only permits folding case where the field's syntax says so). A field absent from both
//! requests matches; absent from one only does not. `Vary: *` never matches, so such a
//! response is not stored at all.

use http::HeaderMap;
use http::header::{HeaderName, VARY};

/// The header fields a response varies on.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::vary::Vary;
///
/// let mut headers = HeaderMap::new();
/// headers.append("vary", "Accept-Encoding, accept".parse()?);
/// headers.append("vary", " User-Agent ".parse()?);
/// match Vary::from_headers(&headers) {
///     Vary::Fields(names) => assert_eq!(names, ["accept", "accept-encoding", "user-agent"]),
///     Vary::Any => unreachable!(),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Vary {
    /// `Vary: *`: the response depends on more than request headers and never matches.
    Any,
    /// The named fields, lowercase, sorted and without duplicates (empty without `Vary`).
    Fields(Vec<HeaderName>),
}

impl Vary {
    /// Reads every `Vary` line of a response. Members that are not valid field names are
    /// ignored.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use courier_cache::policy::vary::Vary;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("vary", "accept, *".parse()?);
    /// assert_eq!(Vary::from_headers(&headers), Vary::Any);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_headers(response_headers: &HeaderMap) -> Self {
        let mut names = Vec::new();
        for line in response_headers.get_all(VARY) {
            for member in line.as_bytes().split(|&b| b == b',') {
                let member = member.trim_ascii();
                if member == b"*" {
                    return Vary::Any;
                }
                if let Ok(name) = HeaderName::from_bytes(member) {
                    names.push(name);
                }
            }
        }
        names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        names.dedup();
        Vary::Fields(names)
    }

    /// Whether this is `Vary: *`.
    ///
    /// ```
    /// use courier_cache::policy::vary::Vary;
    ///
    /// assert!(Vary::Any.is_any());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_any(&self) -> bool {
        matches!(self, Vary::Any)
    }
}

/// The request's values of the fields the response varies on, to store with the entry and
/// pass back as [`StoredExchange::request_headers`](super::StoredExchange::request_headers).
/// `None` for `Vary: *`.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::vary::select_request_headers;
///
/// let mut response = HeaderMap::new();
/// response.insert("vary", "accept-language".parse()?);
/// let mut request = HeaderMap::new();
/// request.insert("accept-language", "fr".parse()?);
/// request.insert("authorization", "secret".parse()?);
/// let selected = select_request_headers(&response, &request).ok_or("vary *")?;
/// assert_eq!(selected.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn select_request_headers(
    response_headers: &HeaderMap,
    request_headers: &HeaderMap,
) -> Option<HeaderMap> {
    let Vary::Fields(names) = Vary::from_headers(response_headers) else {
        return None;
    };
    let mut selected = HeaderMap::new();
    for name in names {
        for value in request_headers.get_all(&name) {
            selected.append(name.clone(), value.clone());
        }
    }
    Some(selected)
}

/// Whether a new request selects a stored response (RFC 9111 §4.1): every field named by the
/// stored response's `Vary` has the same normalised value in the stored request and the new
/// one.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::vary::matches;
///
/// let mut response = HeaderMap::new();
/// response.insert("vary", "Accept-Encoding".parse()?);
/// let mut stored = HeaderMap::new();
/// stored.insert("accept-encoding", "gzip,br".parse()?);
/// let mut new = HeaderMap::new();
/// new.append("accept-encoding", "gzip".parse()?);
/// new.append("accept-encoding", " br".parse()?);
/// assert!(matches(&response, &stored, &new));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn matches(
    stored_response_headers: &HeaderMap,
    stored_request_headers: &HeaderMap,
    request_headers: &HeaderMap,
) -> bool {
    match Vary::from_headers(stored_response_headers) {
        Vary::Any => false,
        Vary::Fields(names) => names.iter().all(|name| {
            normalised(stored_request_headers, name) == normalised(request_headers, name)
        }),
    }
}

/// A string that is equal for two requests exactly when they select the same variant of a
/// response with these headers: the secondary key a store can append to its primary key.
/// `None` for `Vary: *`; `Some("")` without `Vary`.
///
/// Each named field contributes `name` when absent and `name=value` when present, in name
/// order, separated by newlines; bytes outside printable ASCII and `%` are percent-encoded.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::vary::secondary_key;
///
/// let mut response = HeaderMap::new();
/// response.insert("vary", "Accept, Accept-Encoding".parse()?);
/// let mut request = HeaderMap::new();
/// request.insert("accept-encoding", "gzip ,  br".parse()?);
/// assert_eq!(secondary_key(&response, &request).as_deref(), Some("accept\naccept-encoding=gzip,br"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn secondary_key(response_headers: &HeaderMap, request_headers: &HeaderMap) -> Option<String> {
    let Vary::Fields(names) = Vary::from_headers(response_headers) else {
        return None;
    };
    let mut key = String::new();
    for name in &names {
        if !key.is_empty() {
            key.push('\n');
        }
        key.push_str(name.as_str());
        if let Some(value) = normalised(request_headers, name) {
            key.push('=');
            for b in value {
                if (0x20..0x7f).contains(&b) && b != b'%' {
                    key.push(char::from(b));
                } else {
                    key.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    Some(key)
}

/// All lines of `name` combined into one list, members trimmed, joined by `,`; `None` when
/// the field is absent.
fn normalised(headers: &HeaderMap, name: &HeaderName) -> Option<Vec<u8>> {
    let mut lines = headers.get_all(name).iter().peekable();
    lines.peek()?;
    let mut out = Vec::new();
    for line in lines {
        for member in line.as_bytes().split(|&b| b == b',') {
            let member = member.trim_ascii();
            if member.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(member);
        }
    }
    Some(out)
}
