//! Starting a request from a path that may have failed to build.

use http::Method;

use crate::client::Client;
use crate::error::Result;
use crate::request::RequestBuilder;

/// Starts a request to `path` (joined to the client's base URL, as [`Client::request`] does),
/// or one that fails on `send()` with the error that building the path met.
///
/// ```
/// let client = courier::Client::builder().base_url("https://api.example/v1").build()?;
/// let request = courier::__private::request(&client, http::Method::GET, Ok("/users/7".to_owned())).build()?;
/// assert_eq!(request.url().as_str(), "https://api.example/v1/users/7");
///
/// let error = courier::Error::new(courier::ErrorKind::InvalidRequest);
/// let failed = courier::__private::request(&client, http::Method::GET, Err(error)).build();
/// assert_eq!(failed.unwrap_err().kind(), courier::ErrorKind::InvalidRequest);
/// # Ok::<(), courier::Error>(())
/// ```
pub fn request(client: &Client, method: Method, path: Result<String>) -> RequestBuilder {
    match path {
        Ok(path) => client.request(method, path),
        Err(error) => RequestBuilder::new(client.clone(), Err(error)),
    }
}
