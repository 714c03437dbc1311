//! Pagination as a stream: [`Paginator`] fetches page after page (cursor, offset, page
//! number or RFC 8288 `Link` headers) and yields pages or their items, so screens iterate
//! instead of tracking cursors.

mod link_header;
mod strategy;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use http::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

pub use strategy::CursorPage;
use strategy::Strategy;

use crate::{CancelToken, Client, Error, Request, RequestBuilder, Result};

/// Walks a paginated collection page by page.
///
/// Build one from the request for the first page and a way to find the next:
///
/// | Constructor | Next page | Last page |
/// |---|---|---|
/// | [`cursor`](Paginator::cursor) | `?cursor=…` from the page, via your function | no next cursor |
/// | [`offset`](Paginator::offset) | `?offset=N&limit=L` | fewer than `L` items |
/// | [`page_number`](Paginator::page_number) | `?page=N+1` | an empty page |
/// | [`link_header`](Paginator::link_header) | `Link: <…>; rel="next"` (GitHub style) | no `next` link |
///
/// Then take a stream of [`pages`](Paginator::pages) or of [`items`](Paginator::items).
/// Pages are fetched one at a time, only as the stream is polled, through the client's
/// interceptors (so they are cached, retried and authenticated like any request). The
/// stream ends after the first error, which it yields; a cancelled
/// [`cancel_token`](Paginator::cancel_token) stops it with a `Cancelled` error, also
/// mid-request.
///
/// The seed's cursor API (`data` + `meta.next_cursor` + `has_more`):
///
/// ```
/// use futures_util::TryStreamExt;
/// use courier::{CursorPage, Mock, MockTransport, Paginator, ResponseTemplate};
/// use courier::mock::matchers::{path, query_param};
///
/// #[derive(serde::Deserialize)]
/// struct Feed { data: Vec<String>, meta: Meta }
/// #[derive(serde::Deserialize)]
/// struct Meta { next_cursor: Option<String>, has_more: bool }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// let api = MockTransport::new();
/// Mock::given(path("/feed")).and(query_param("cursor", "c2"))
///     .respond_with(ResponseTemplate::new(200).body(r#"{"data": ["c"], "meta": {"next_cursor": null, "has_more": false}}"#))
///     .mount(&api);
/// Mock::given(path("/feed"))
///     .respond_with(ResponseTemplate::new(200).body(r#"{"data": ["a", "b"], "meta": {"next_cursor": "c2", "has_more": true}}"#))
///     .mount(&api);
/// let client = courier::Client::builder().base_url("https://api.example").transport(api).build()?;
///
/// let posts: Vec<String> = Paginator::cursor(client.get("feed"), "cursor", |feed: Feed| CursorPage {
///     items: feed.data,
///     next_cursor: feed.meta.next_cursor.filter(|_| feed.meta.has_more),
/// })
/// .items()
/// .try_collect()
/// .await?;
/// assert_eq!(posts, ["a", "b", "c"]);
/// # Ok(())
/// # }
/// ```
pub struct Paginator<T> {
    client: Client,
    first: Result<Request>,
    strategy: Strategy<T>,
    items_at: String,
    cancel: Option<CancelToken>,
    max_pages: Option<usize>,
}

impl<T: DeserializeOwned + Send + 'static> Paginator<T> {
    fn new(first: RequestBuilder, strategy: Strategy<T>) -> Self {
        let (client, first) = first.into_client_and_request();
        Paginator {
            client,
            first,
            strategy,
            items_at: String::new(),
            cancel: None,
            max_pages: None,
        }
    }

    /// Cursor pagination: each page body is decoded as JSON into `P`, and `split` turns it
    /// into its items and the next cursor, sent as query parameter `param`.
    ///
    /// ```
    /// use courier::{CursorPage, Paginator};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Page { items: Vec<u32>, next: Option<String> }
    ///
    /// let client = courier::Client::new();
    /// let paginator = Paginator::cursor(client.get("https://api.example/numbers"), "after", |page: Page| {
    ///     CursorPage { items: page.items, next_cursor: page.next }
    /// });
    /// ```
    pub fn cursor<P, F>(first: RequestBuilder, param: &str, split: F) -> Self
    where
        P: DeserializeOwned,
        F: Fn(P) -> CursorPage<T> + Send + Sync + 'static,
    {
        let split = move |body: &bytes::Bytes| {
            let page: P = serde_json::from_slice(body).map_err(|error| {
                Error::with_source(crate::ErrorKind::Decode, error)
                    .with_message("the page is not as expected")
            })?;
            Ok(split(page))
        };
        Paginator::new(
            first,
            Strategy::Cursor {
                param: param.to_owned(),
                split: Arc::new(split),
            },
        )
    }

    /// Offset pagination: `?{offset_param}=0&{limit_param}={limit}`, then the offset moves
    /// on by each page's length; a page shorter than `limit` is the last. The items are the
    /// body's JSON array, or the array at [`items_at`](Paginator::items_at).
    ///
    /// ```
    /// let client = courier::Client::new();
    /// let users = courier::Paginator::<serde_json::Value>::offset(
    ///     client.get("https://api.example/users"), "offset", "limit", 100,
    /// ).items_at("/results");
    /// ```
    pub fn offset(
        first: RequestBuilder,
        offset_param: &str,
        limit_param: &str,
        limit: usize,
    ) -> Self {
        Paginator::new(
            first,
            Strategy::Offset {
                offset_param: offset_param.to_owned(),
                limit_param: limit_param.to_owned(),
                limit: limit.max(1),
                offset: 0,
            },
        )
    }

    /// Page-number pagination: `?{param}={first_page}`, counting up; an empty page is the
    /// last. Set [`page_size`](Paginator::page_size) to also stop after a short page (one
    /// request fewer).
    ///
    /// ```
    /// let client = courier::Client::new();
    /// let pages = courier::Paginator::<u32>::page_number(client.get("https://api.example/n"), "page", 1);
    /// ```
    pub fn page_number(first: RequestBuilder, param: &str, first_page: u64) -> Self {
        Paginator::new(
            first,
            Strategy::PageNumber {
                param: param.to_owned(),
                number: first_page,
                page_size: None,
            },
        )
    }

    /// RFC 8288 pagination: the next page is the target of the response's
    /// `Link: <…>; rel="next"` (GitHub, GitLab). The items are the body's JSON array, or
    /// the array at [`items_at`](Paginator::items_at).
    ///
    /// ```
    /// let client = courier::Client::new();
    /// let issues = courier::Paginator::<serde_json::Value>::link_header(
    ///     client.get("https://api.github.com/repos/rust-lang/rust/issues").query(&[("per_page", 100)]),
    /// );
    /// ```
    pub fn link_header(first: RequestBuilder) -> Self {
        Paginator::new(first, Strategy::Link)
    }

    /// Where the items are in each page's JSON body, as a JSON pointer (RFC 6901), e.g.
    /// `/data` for `{"data": [...]}`. Default: the body is the array. Not used by
    /// [`cursor`](Paginator::cursor), whose function picks the items.
    ///
    /// ```
    /// let client = courier::Client::new();
    /// let paginator = courier::Paginator::<u32>::page_number(client.get("https://a.example/"), "page", 1)
    ///     .items_at("/data/items");
    /// ```
    pub fn items_at(mut self, json_pointer: &str) -> Self {
        self.items_at = json_pointer.to_owned();
        self
    }

    /// For [`page_number`](Paginator::page_number): the page size the server uses, so a
    /// shorter page ends the walk without asking for an empty one.
    ///
    /// ```
    /// let client = courier::Client::new();
    /// let paginator = courier::Paginator::<u32>::page_number(client.get("https://a.example/"), "page", 1)
    ///     .page_size(50);
    /// ```
    pub fn page_size(mut self, size: usize) -> Self {
        if let Strategy::PageNumber { page_size, .. } = &mut self.strategy {
            *page_size = Some(size);
        }
        self
    }

    /// Stops after this many pages, whatever the server says.
    ///
    /// ```
    /// let client = courier::Client::new();
    /// let paginator = courier::Paginator::<u32>::link_header(client.get("https://a.example/")).max_pages(10);
    /// ```
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Cancels the walk with `token`: the page being fetched is abandoned and the stream
    /// ends with a `Cancelled` error.
    ///
    /// ```
    /// let token = courier::CancelToken::new();
    /// let client = courier::Client::new();
    /// let paginator = courier::Paginator::<u32>::link_header(client.get("https://a.example/"))
    ///     .cancel_token(&token);
    /// ```
    pub fn cancel_token(mut self, token: &CancelToken) -> Self {
        self.cancel = Some(token.clone());
        self
    }

    /// The pages, in order.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// use courier::{Mock, MockTransport, Paginator, ResponseTemplate};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let api = MockTransport::new();
    /// Mock::given(courier::mock::matchers::query_param("page", "1"))
    ///     .respond_with(ResponseTemplate::new(200).body("[1, 2]")).mount(&api);
    /// Mock::given(courier::mock::matchers::query_param("page", "2"))
    ///     .respond_with(ResponseTemplate::new(200).body("[]")).mount(&api);
    /// let client = courier::Client::builder().transport(api).build()?;
    ///
    /// let pages: Vec<courier::Page<u32>> =
    ///     Paginator::page_number(client.get("https://api.example/n"), "page", 1).pages().try_collect().await?;
    /// assert_eq!(pages.len(), 2);
    /// assert_eq!(pages[0].items, [1, 2]);
    /// assert_eq!(pages[1].url.query(), Some("page=2"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages(self) -> PageStream<T> {
        let Paginator {
            client,
            first,
            strategy,
            items_at,
            cancel,
            max_pages,
        } = self;
        let first = first.map(|mut request| {
            strategy.prepare_first(&mut request);
            request
        });
        let walk = Walk {
            client,
            strategy,
            items_at,
            cancel,
            pages_left: max_pages.unwrap_or(usize::MAX),
            number: 0,
        };
        let stream =
            futures_util::stream::unfold((walk, Some(first)), |(mut walk, next)| async move {
                let request = next?;
                match walk.fetch(request).await {
                    Ok((page, next)) => Some((Ok(page), (walk, next.map(Ok)))),
                    Err(error) => Some((Err(error), (walk, None))),
                }
            });
        PageStream {
            inner: Box::pin(stream),
        }
    }

    /// The items of every page, in order.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let api = courier::MockTransport::new();
    /// courier::Mock::given(courier::mock::matchers::query_param("offset", "0"))
    ///     .respond_with(courier::ResponseTemplate::new(200).body(r#"{"results": [1, 2]}"#)).mount(&api);
    /// courier::Mock::given(courier::mock::matchers::query_param("offset", "2"))
    ///     .respond_with(courier::ResponseTemplate::new(200).body(r#"{"results": [3]}"#)).mount(&api);
    /// let client = courier::Client::builder().transport(api).build()?;
    ///
    /// let all: Vec<u32> = courier::Paginator::<u32>::offset(client.get("https://api.example/n"), "offset", "limit", 2)
    ///     .items_at("/results")
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// assert_eq!(all, [1, 2, 3]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn items(self) -> ItemStream<T> {
        ItemStream {
            pages: self.pages(),
            buffered: VecDeque::new(),
        }
    }
}

impl<T> std::fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("items_at", &self.items_at)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

/// One page of a paginated collection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Its position: 0 for the first page fetched.
    pub number: usize,
    /// The URL it was fetched from (after redirects).
    pub url: Url,
    /// Its response headers (rate-limit counters, totals).
    pub headers: HeaderMap,
}

/// The state of a walk between pages.
struct Walk<T> {
    client: Client,
    strategy: Strategy<T>,
    items_at: String,
    cancel: Option<CancelToken>,
    pages_left: usize,
    number: usize,
}

impl<T: DeserializeOwned> Walk<T> {
    async fn fetch(&mut self, request: Result<Request>) -> Result<(Page<T>, Option<Request>)> {
        let mut request = request?;
        if let Some(token) = &self.cancel {
            if token.is_cancelled() {
                return Err(Error::cancelled(token.reason()));
            }
            request.options_mut().set_cancel_token(Some(token.clone()));
        }
        // The next page's request starts as a copy of this one.
        let template = request.try_clone().ok_or_else(|| {
            Error::new(crate::ErrorKind::InvalidRequest)
                .with_message("pagination needs a request whose body can be sent again")
        })?;
        let response = self.client.execute(request).await?;
        let url = response.url().clone();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        let (items, next) =
            self.strategy
                .advance(template, &headers, &url, &body, &self.items_at)?;
        self.pages_left = self.pages_left.saturating_sub(1);
        let next = next.filter(|_| self.pages_left > 0);
        let page = Page {
            items,
            number: self.number,
            url,
            headers,
        };
        self.number += 1;
        Ok((page, next))
    }
}

/// The stream of [`Page`]s of a [`Paginator`].
pub struct PageStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<Page<T>>> + Send>>,
}

impl<T> Stream for PageStream<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> std::fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}

/// The stream of items of a [`Paginator`], page after page.
pub struct ItemStream<T> {
    pages: PageStream<T>,
    buffered: VecDeque<T>,
}

// Items are only moved in and out of the queue, never pinned.
impl<T> Unpin for ItemStream<T> {}

impl<T> Stream for ItemStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut self.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => self.buffered.extend(page.items),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("buffered", &self.buffered.len())
            .finish_non_exhaustive()
    }
}
