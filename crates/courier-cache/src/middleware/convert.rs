//! Between reqwest's request and response types and courier's.

use courier::{Body, Error, ErrorKind, Response, ResponseBody};
use futures_util::TryStreamExt;
use reqwest::ResponseBuilderExt;

/// A reqwest request as a courier request. A buffered body is kept replayable (so the cache
/// can revalidate); a streaming one is passed on once.
pub(super) fn request_from_reqwest(mut request: reqwest::Request) -> courier::Request {
    let body = match request.body_mut().take() {
        None => Body::empty(),
        Some(body) => match body.as_bytes() {
            Some(bytes) => Body::from(bytes::Bytes::copy_from_slice(bytes)),
            None => Body::wrap_stream(http_body_util::BodyDataStream::new(body)),
        },
    };
    let mut converted = courier::Request::new(request.method().clone(), request.url().clone());
    *converted.headers_mut() = std::mem::take(request.headers_mut());
    *converted.body_mut() = body;
    converted
}

/// A courier request (as the cache sends it on) as a reqwest request.
pub(super) fn request_to_reqwest(request: courier::Request) -> reqwest::Request {
    let mut converted = reqwest::Request::new(request.method().clone(), request.url().clone());
    *converted.headers_mut() = request.headers().clone();
    let body = request.body();
    if let Some(bytes) = body.as_bytes() {
        *converted.body_mut() = Some(reqwest::Body::from(bytes.clone()));
    } else if !body.is_empty()
        && let Some(body) = body.try_clone()
    {
        *converted.body_mut() = Some(reqwest::Body::wrap_stream(body.into_stream()));
    }
    converted
}

/// A reqwest response as a courier response; its body streams through.
pub(super) fn response_from_reqwest(response: reqwest::Response) -> Response {
    let status = response.status();
    let version = response.version();
    let url = response.url().clone();
    let headers = response.headers().clone();
    let body = ResponseBody::from_stream(
        response
            .bytes_stream()
            .map_err(|error| Error::with_source(ErrorKind::Connection, error)),
    );
    let mut converted = Response::new(status, body);
    *converted.headers_mut() = headers;
    converted.set_version(version);
    converted.set_url(url);
    converted
}

/// A courier response (possibly from the cache) as a reqwest response; its body streams
/// through, so the cache stores it as the caller reads it.
pub(super) fn response_to_reqwest(mut response: Response) -> reqwest::Response {
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = std::mem::take(response.headers_mut());
    }
    let extensions = std::mem::take(response.extensions_mut());
    let body = reqwest::Body::wrap_stream(response.bytes_stream());
    match builder.body(body) {
        Ok(mut converted) => {
            converted.extensions_mut().extend(extensions);
            reqwest::Response::from(converted)
        }
        // Status, version and headers come from a valid response: this cannot fail.
        Err(_) => reqwest::Response::from(http::Response::new(reqwest::Body::from(""))),
    }
}

/// The kind of a failure of the rest of the reqwest-middleware chain, for the cache's
/// offline fallbacks.
pub(super) fn error_kind(error: &reqwest_middleware::Error) -> ErrorKind {
    if error.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Connection
    }
}
