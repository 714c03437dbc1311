//! Which requests may be sent more than once (RFC 9110 §9.2.2).

use http::{HeaderName, Method};

use super::options::RetryOptions;
use crate::request::Request;

/// The header that makes a POST or PATCH safe to repeat: the server keeps the first result
/// for a key and answers a repeat with it (IETF draft `httpapi-idempotency-key-header`).
pub(super) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Whether `request` may be sent again after a failure that may have reached the server.
///
/// The idempotent methods of RFC 9110 §9.2.2 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) may;
/// any other method only with an `Idempotency-Key` header or when the caller vouched for it
/// with [`RetryOptions::idempotent`].
pub(super) fn may_repeat(request: &Request, options: Option<&RetryOptions>) -> bool {
    is_idempotent_method(request.method())
        || request.headers().contains_key(IDEMPOTENCY_KEY)
        || options.is_some_and(RetryOptions::is_idempotent)
}

fn is_idempotent_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn request(method: Method) -> Request {
        Request::new(method, url::Url::parse("https://api.example/").unwrap())
    }

    #[test]
    fn rfc9110_9_2_2_idempotent_methods_may_repeat() {
        for method in [
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::TRACE,
            Method::PUT,
            Method::DELETE,
        ] {
            assert!(may_repeat(&request(method.clone()), None), "{method}");
        }
    }

    #[test]
    fn post_patch_and_others_need_a_key_or_an_opt_in() {
        for method in [
            Method::POST,
            Method::PATCH,
            Method::CONNECT,
            Method::from_bytes(b"PURGE").unwrap(),
        ] {
            assert!(!may_repeat(&request(method.clone()), None), "{method}");
            assert!(!may_repeat(
                &request(method.clone()),
                Some(&RetryOptions::new())
            ));
            let vouched = RetryOptions::new().idempotent(true);
            assert!(may_repeat(&request(method.clone()), Some(&vouched)));
            let mut keyed = request(method);
            keyed
                .headers_mut()
                .insert("Idempotency-Key", HeaderValue::from_static("8e03978e"));
            assert!(may_repeat(&keyed, None));
        }
    }
}
