//! How a paginator finds the next page, and where a page's items are.

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

use super::link_header::next_link;
use crate::{Error, ErrorKind, Request, Result};

/// A cursor-paginated page, split by the caller's function: its items and the cursor of the
/// next page (`None` on the last page).
///
/// ```
/// let page = courier::CursorPage { items: vec![1, 2], next_cursor: Some("c2".to_owned()) };
/// assert_eq!(page.items.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPage<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor to ask for the next page with; `None` when this page is the last.
    pub next_cursor: Option<String>,
}

pub(super) type SplitCursorPage<T> = Arc<dyn Fn(&Bytes) -> Result<CursorPage<T>> + Send + Sync>;

/// The ways to reach the next page.
pub(super) enum Strategy<T> {
    /// `?{param}=CURSOR` from the previous page.
    Cursor {
        param: String,
        split: SplitCursorPage<T>,
    },
    /// `?{offset_param}=N&{limit_param}=LIMIT`; a page shorter than `limit` is the last.
    Offset {
        offset_param: String,
        limit_param: String,
        limit: usize,
        offset: usize,
    },
    /// `?{param}=N`, N counting up; an empty page is the end (or a page shorter than
    /// `page_size` when it is known).
    PageNumber {
        param: String,
        number: u64,
        page_size: Option<usize>,
    },
    /// RFC 8288 `Link: <…>; rel="next"`.
    Link,
}

impl<T: DeserializeOwned> Strategy<T> {
    /// Sets up the first request (offset 0, the first page number).
    pub(super) fn prepare_first(&self, request: &mut Request) {
        match self {
            Strategy::Offset {
                offset_param,
                limit_param,
                limit,
                offset,
            } => {
                set_query(request.url_mut(), offset_param, &offset.to_string());
                set_query(request.url_mut(), limit_param, &limit.to_string());
            }
            Strategy::PageNumber { param, number, .. } => {
                set_query(request.url_mut(), param, &number.to_string());
            }
            Strategy::Cursor { .. } | Strategy::Link => {}
        }
    }

    /// The items of a page's body, and the request for the next page (`None` at the end),
    /// made from `template`, a copy of the request for this page.
    pub(super) fn advance(
        &mut self,
        template: Request,
        headers: &HeaderMap,
        url: &Url,
        body: &Bytes,
        items_at: &str,
    ) -> Result<(Vec<T>, Option<Request>)> {
        match self {
            Strategy::Cursor { param, split } => {
                let page = split(body)?;
                let next = match page.next_cursor {
                    Some(cursor) if !cursor.is_empty() => {
                        let mut next = template;
                        set_query(next.url_mut(), param, &cursor);
                        Some(next)
                    }
                    _ => None,
                };
                Ok((page.items, next))
            }
            Strategy::Offset {
                offset_param,
                limit,
                offset,
                ..
            } => {
                let items: Vec<T> = decode_items(body, items_at)?;
                let next = if items.len() < *limit || items.is_empty() {
                    None
                } else {
                    *offset += items.len();
                    let mut next = template;
                    set_query(next.url_mut(), offset_param, &offset.to_string());
                    Some(next)
                };
                Ok((items, next))
            }
            Strategy::PageNumber {
                param,
                number,
                page_size,
            } => {
                let items: Vec<T> = decode_items(body, items_at)?;
                let last = items.is_empty() || page_size.is_some_and(|size| items.len() < size);
                let next = if last {
                    None
                } else {
                    *number += 1;
                    let mut next = template;
                    set_query(next.url_mut(), param, &number.to_string());
                    Some(next)
                };
                Ok((items, next))
            }
            Strategy::Link => {
                let items: Vec<T> = decode_items(body, items_at)?;
                let next = match next_link(headers, url) {
                    Some(url) => {
                        let mut next = template;
                        *next.url_mut() = url;
                        Some(next)
                    }
                    None => None,
                };
                Ok((items, next))
            }
        }
    }
}

/// The JSON array at `pointer` (RFC 6901; empty for the whole body) as items.
pub(super) fn decode_items<T: DeserializeOwned>(body: &Bytes, pointer: &str) -> Result<Vec<T>> {
    let decode_error = |error: serde_json::Error| {
        Error::with_source(ErrorKind::Decode, error)
            .with_message("the page's items are not as expected")
    };
    if pointer.is_empty() {
        return serde_json::from_slice(body).map_err(decode_error);
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(decode_error)?;
    let items = value
        .pointer_mut(pointer)
        .map(serde_json::Value::take)
        .ok_or_else(|| {
            Error::new(ErrorKind::Decode).with_message(format!(
                "the page has nothing at the JSON pointer {pointer:?}"
            ))
        })?;
    serde_json::from_value(items).map_err(decode_error)
}

/// Sets query parameter `name` to `value`, replacing any earlier values of it.
fn set_query(url: &mut Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(name, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_query_replaces_and_keeps_the_rest() {
        let mut url = Url::parse("https://a.example/x?limit=5&cursor=old&q=a+b").unwrap();
        set_query(&mut url, "cursor", "n/2");
        assert_eq!(
            url.as_str(),
            "https://a.example/x?limit=5&q=a+b&cursor=n%2F2"
        );
    }

    #[test]
    fn items_at_a_pointer() {
        let body = Bytes::from_static(br#"{"data": {"items": [1, 2, 3]}}"#);
        assert_eq!(decode_items::<u8>(&body, "/data/items").unwrap(), [1, 2, 3]);
        let error = decode_items::<u8>(&body, "/nothing").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Decode);
    }
}
