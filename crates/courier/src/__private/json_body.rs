//! Reading a JSON response in two steps: the body (not generic), then the decoding (generic,
//! and not async).
//!
//! `Response::json::<T>()` does both in one `async fn`, and when `T` is not
//! `DeserializeOwned` rustc reports that once for the call, once for its future and once for
//! the `.await`, the last two pointing at the macro. Split, the one generic step is a plain
//! function call, and the error is reported once, at the endpoint's return type.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::response::Response;

/// A response body read to the end, to be decoded from JSON.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// use courier::__private::JsonBody;
///
/// let response = courier::Response::new(http::StatusCode::OK, r#"{"id": 7}"#);
/// let value: serde_json::Value = JsonBody::read(response).await?.decode()?;
/// assert_eq!(value["id"], 7);
///
/// let response = courier::Response::new(http::StatusCode::OK, "{oops");
/// let error = JsonBody::read(response).await?.decode::<serde_json::Value>().unwrap_err();
/// assert_eq!(error.kind(), courier::ErrorKind::Decode);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct JsonBody {
    bytes: Bytes,
    url: Option<Url>,
}

impl JsonBody {
    /// Reads the whole body of `response`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let response = courier::Response::new(http::StatusCode::OK, "[]");
    /// let body = courier::__private::JsonBody::read(response).await?;
    /// assert!(body.decode::<Vec<u8>>()?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read(response: Response) -> Result<JsonBody> {
        let url = response.url_if_known().cloned();
        let bytes = response.bytes().await?;
        Ok(JsonBody { bytes, url })
    }

    /// Decodes the body, as [`Response::json`] does: invalid JSON is an
    /// [`ErrorKind::Decode`] error with the response's URL.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let response = courier::Response::new(http::StatusCode::OK, "true");
    /// assert!(courier::__private::JsonBody::read(response).await?.decode::<bool>()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.bytes).map_err(|error| {
            let error = Error::with_source(ErrorKind::Decode, error);
            match &self.url {
                Some(url) => error.with_url(url),
                None => error,
            }
        })
    }
}
